"""Stored workflow definitions (harmonia.store.definitions): the daemon's `workflows` table."""

from __future__ import annotations

import itertools
from pathlib import Path

import orjson
import pytest
from helpers.catalog_files import catalog_data

from harmonia.errors import NotFound
from harmonia.store import Store
from harmonia.store.definitions import TABLE, WorkflowDefinitions


def document(name: str, tasks: int = 1) -> dict[str, object]:
    return {
        "name": name,
        "description": f"the {name} workflow",
        "tasks": {f"t{i}": {"component": "core", "action": "echo"} for i in range(tasks)},
    }


@pytest.fixture
def definitions(data_dir: Path) -> WorkflowDefinitions:
    ticks = itertools.count(1000)
    return WorkflowDefinitions(Store(data_dir), clock=lambda: float(next(ticks)))


def test_nothing_stored_reads_as_empty_without_creating_files(
    definitions: WorkflowDefinitions, data_dir: Path
) -> None:
    assert definitions.list() == []
    with pytest.raises(NotFound):
        definitions.get("wf-nope")
    assert not data_dir.exists()


def test_add_get_list_replace_delete(definitions: WorkflowDefinitions, data_dir: Path) -> None:
    first = definitions.add(document("one", tasks=2))
    second = definitions.add(document("two"), template=True)
    assert first["id"].startswith("wf-") and first["id"] != second["id"]
    assert first == {
        "id": first["id"],
        "name": "one",
        "version": "1.0.0",
        "description": "the one workflow",
        "task_count": 2,
        "template": False,
        "created_at": 1000.0,
        "updated_at": 1000.0,
    }
    assert [r["id"] for r in definitions.list()] == [second["id"], first["id"]]
    assert [r["id"] for r in definitions.list(template=True)] == [second["id"]]
    assert [r["id"] for r in definitions.list(template=False)] == [first["id"]]
    assert definitions.get(first["id"])["document"] == document("one", tasks=2)

    replaced = definitions.replace(first["id"], document("one-b", tasks=3))
    assert replaced["name"] == "one-b" and replaced["task_count"] == 3
    assert replaced["created_at"] == 1000.0 and replaced["updated_at"] > 1001.0
    assert replaced["template"] is False
    assert definitions.replace(first["id"], document("one-b"), template=True)["template"] is True

    definitions.delete(second["id"])
    with pytest.raises(NotFound):
        definitions.delete(second["id"])
    with pytest.raises(NotFound):
        definitions.replace(second["id"], document("x"))
    assert [r["id"] for r in definitions.list()] == [first["id"]]

    # the catalog lists it without its document, which is a file of its own
    (row,) = catalog_data(data_dir)[TABLE].values()
    assert row["name"] == "one-b" and "document" not in row
    (stored,) = (data_dir / "workflows").iterdir()
    assert stored.name == f"{first['id']}.json"
    assert orjson.loads(stored.read_bytes())["document"]["name"] == "one-b"


def test_two_stores_on_one_folder_keep_both_writes(data_dir: Path) -> None:
    a = WorkflowDefinitions(Store(data_dir))
    b = WorkflowDefinitions(Store(data_dir))
    one = a.add(document("from-a"))
    two = b.add(document("from-b"))
    assert {r["id"] for r in a.list()} == {one["id"], two["id"]}
