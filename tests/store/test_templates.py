"""Stored templates (harmonia.store.templates): unique names, found by name or id, replaced in
place, instantiated into workflows that record their origin, and nothing written on failure."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import orjson
import pytest

from harmonia.components import default_registry
from harmonia.errors import InvalidOperation, NotFound, ValidationFailed
from harmonia.loader import load_template_dict
from harmonia.store import Store
from harmonia.store.definitions import WorkflowDefinitions
from harmonia.store.templates import Templates


def template_document(name: str = "greet", version: str = "1.0.0") -> dict[str, Any]:
    return {
        "kind": "template",
        "name": name,
        "version": version,
        "parameters": {
            "who": {"type": "string", "default": "world"},
            "n": {"type": "integer", "minimum": 1},
        },
        "workflow": {
            "name": "greet-${param.who}",
            "tasks": {
                "hi": {"component": "core", "action": "echo", "input": {"n": "${param.n}"}},
            },
        },
    }


@pytest.fixture
def templates(data_dir: Path) -> Templates:
    ticks = itertools.count(1000)
    return Templates(WorkflowDefinitions(Store(data_dir), clock=lambda: float(next(ticks))))


def files(data_dir: Path) -> dict[str, bytes]:
    folder = data_dir / "workflows"
    return {p.name: p.read_bytes() for p in folder.glob("*.json")} if folder.exists() else {}


def test_a_template_is_stored_and_found_by_name_or_id(templates: Templates) -> None:
    row = templates.add(load_template_dict(template_document()))
    assert row["id"].startswith("tpl-") and row["template"] is True and row["task_count"] == 1
    assert templates.find("greet") == templates.find(row["id"]) == row
    assert templates.get("greet")["document"] == template_document()
    assert [r["id"] for r in templates.list()] == [row["id"]]
    assert templates.definitions.list(template=False) == []
    with pytest.raises(NotFound, match="no template 'nope'"):
        templates.find("nope")


def test_a_name_is_taken_once_and_replaced_in_place(templates: Templates, data_dir: Path) -> None:
    first = templates.add(load_template_dict(template_document()))
    before = files(data_dir)
    with pytest.raises(InvalidOperation, match="a template named 'greet' exists"):
        templates.add(load_template_dict(template_document(version="2.0.0")))
    assert files(data_dir) == before
    newer = templates.add(load_template_dict(template_document(version="2.0.0")), replace=True)
    assert newer["id"] == first["id"] and newer["version"] == "2.0.0"


def test_instantiating_records_the_template_and_the_values(
    templates: Templates, data_dir: Path
) -> None:
    stored = templates.add(load_template_dict(template_document()))
    row = templates.instantiate("greet", {"n": 3}, default_registry())
    assert row["name"] == "greet-world" and row["template"] is False
    origin = row["origin"]
    assert origin["template_id"] == stored["id"] and origin["template_name"] == "greet"
    assert origin["template_version"] == "1.0.0"
    assert origin["template_digest"] == load_template_dict(template_document()).digest
    assert origin["parameters"] == {"who": "world", "n": 3}
    workflow = templates.definitions.get(row["id"])
    assert workflow["origin"] == origin
    assert workflow["document"]["tasks"]["hi"]["input"] == {"n": 3}
    on_disk = orjson.loads((data_dir / "workflows" / f"{row['id']}.json").read_bytes())
    assert on_disk["origin"] == origin  # kept with the document, not in the catalog
    assert b"template_digest" not in (data_dir / "catalog.json").read_bytes()

    renamed = templates.instantiate(
        stored["id"], {"n": 1, "who": "ann"}, default_registry(), name="x"
    )
    assert renamed["name"] == "x" and renamed["origin"]["parameters"]["who"] == "ann"


def test_a_refused_instantiation_writes_nothing(templates: Templates, data_dir: Path) -> None:
    templates.add(load_template_dict(template_document()))
    before = files(data_dir)
    catalog = (data_dir / "catalog.json").read_bytes()
    with pytest.raises(ValidationFailed) as caught:
        templates.instantiate("greet", {"n": 0, "who": 5, "x": 1}, default_registry())
    assert sorted(str(p.field) for p in caught.value.problems) == [
        "parameters.n",
        "parameters.who",
        "parameters.x",
    ]
    assert files(data_dir) == before and (data_dir / "catalog.json").read_bytes() == catalog


def test_a_template_stored_before_parameters_existed_still_instantiates(
    templates: Templates,
) -> None:
    legacy = {"name": "old", "tasks": {"a": {"component": "core", "action": "echo"}}}
    row = templates.definitions.add(legacy, template=True)
    made = templates.instantiate(row["id"], {}, default_registry())
    assert made["name"] == "old" and made["origin"]["parameters"] == {}


def test_deleting_a_template_keeps_the_workflows_made_from_it(templates: Templates) -> None:
    templates.add(load_template_dict(template_document()))
    made = templates.instantiate("greet", {"n": 2}, default_registry())
    templates.delete("greet")
    with pytest.raises(NotFound):
        templates.get("greet")
    assert templates.definitions.get(made["id"])["origin"]["template_name"] == "greet"
    with pytest.raises(NotFound, match="is not a template"):
        templates.find(made["id"])
