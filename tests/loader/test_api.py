"""The loader's public surface, and the one definition of loading a stored workflow."""

from __future__ import annotations

import gc

import pytest

import harmonia.engine.engine
import harmonia.loader
import harmonia.model
from harmonia.errors import ValidationFailed
from harmonia.loader import load_stored_workflow, load_workflow_dict, load_workflow_text


def test_public_surface() -> None:
    # pinned here in one string, so a name added to or dropped from __all__ fails this test
    public = """Format Instance MAX_VALUES Template instantiate is_template load_definition_file
    load_stored_workflow load_template_dict load_template_file load_template_text
    load_workflow_dict load_workflow_file load_workflow_text"""
    assert sorted(harmonia.loader.__all__) == public.split()
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


@pytest.mark.parametrize("enabled", [True, False])
def test_loading_leaves_the_cycle_collector_as_it_was(enabled: bool) -> None:
    """The collector is paused while a document is built (it finds nothing to free there)."""
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        load_workflow_text("name: w\ntasks: {a: {component: core, action: echo}}\n")
        assert gc.isenabled() is enabled
        with pytest.raises(ValidationFailed):
            load_workflow_text("name: w\ntasks: {a: {component: core, action: ehco}}\n")
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
