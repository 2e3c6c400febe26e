"""The loader's public surface, and the one definition of loading a stored workflow."""

from __future__ import annotations

import harmonia.engine.engine
import harmonia.loader
import harmonia.model
from harmonia.loader import load_stored_workflow, load_workflow_dict


def test_public_surface() -> None:
    assert sorted(harmonia.loader.__all__) == [
        "Format",
        "MAX_VALUES",
        "load_stored_workflow",
        "load_workflow_dict",
        "load_workflow_file",
        "load_workflow_text",
    ]
    for name in harmonia.loader.__all__:
        assert getattr(harmonia.loader, name) is not None


def test_stored_workflows_are_loaded_by_one_function() -> None:
    assert load_stored_workflow is harmonia.model.load_stored_workflow
    assert harmonia.engine.engine.load_stored_workflow is load_stored_workflow


def test_a_stored_document_comes_back_equal() -> None:
    doc = {
        "name": "w",
        "tasks": {
            "b": {"component": "core", "action": "echo", "depends_on": ["a"]},
            "a": {"component": "core", "action": "echo"},
        },
    }
    workflow = load_workflow_dict(doc)
    assert load_stored_workflow(workflow.to_document()) == workflow
