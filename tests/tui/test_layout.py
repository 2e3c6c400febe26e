"""The task graph: its shape from the execution document, and its layered layout and the
moves through it."""

from __future__ import annotations

from typing import Any

from harmonia_tui.connection import document_shape
from harmonia_tui.layout import Dag, layered

from harmonia.client import Execution


def test_the_graph_comes_from_the_documents_depends_on_when_it_has_them() -> None:
    def doc(tasks: dict[str, Any]) -> Execution:
        return Execution.model_validate({"id": "x1", "status": "running", "tasks": tasks})

    shape = document_shape(
        doc(
            {
                "a": {"status": "completed", "depends_on": []},
                "b": {"status": "running", "depends_on": ["a"]},
                "c": {"status": "pending", "depends_on": ["a", "b"]},
            }
        )
    )
    assert shape is not None and shape.known and shape.source == "the execution"
    assert shape.dag.parents == {"a": (), "b": ("a",), "c": ("a", "b")}
    assert layered(shape.dag).layers == (("a",), ("b",), ("c",))
    # every task a root: still edges known (none), not "dependencies unknown"
    roots = document_shape(doc({"a": {"status": "pending", "depends_on": []}}))
    assert roots is not None and roots.known and roots.dag.parents == {"a": ()}
    # a daemon from before the field: fall back to the stored workflow
    assert document_shape(doc({"a": {"status": "pending"}})) is None


def diamond() -> Dag:
    return Dag.from_depends_on(
        {"a": [], "b": ["a"], "c": ["a"], "d": ["b", "c"], "e": ["d"]}, ["a", "b", "c", "d", "e"]
    )


def test_layers_are_topological_generations() -> None:
    layout = layered(diamond())
    assert layout.layers == (("a",), ("b", "c"), ("d",), ("e",))
    assert [r.task_id for r in layout.rows] == [None, "a", None, "b", "c", None, "d", None, "e"]
    assert layout.row_of["d"] == 6 and layout.tasks == ("a", "b", "c", "d", "e")


def test_barycentre_keeps_chains_lined_up() -> None:
    dag = Dag.from_depends_on(
        {"s": [], "f1": ["s"], "f2": ["s"], "c2": ["f2"], "c1": ["f1"]},
        ["s", "f1", "f2", "c2", "c1"],
    )
    assert layered(dag).layers[2] == ("c1", "c2")  # under f1, f2 rather than as declared


def test_moving_through_the_layout() -> None:
    layout = layered(diamond())
    assert layout.step("a", 1) == "b" and layout.step("e", 1) == "e" and layout.step("b", -5) == "a"
    assert layout.layer_step("c", 1) == "d" and layout.layer_step("d", -1) == "b"
    assert (
        layout.parent("d") == "b"
        and layout.parent("d", "b") == "c"
        and layout.parent("d", "c") == "b"
    )
    assert layout.child("a") == "b" and layout.parent("a") is None
    assert diamond().downstream("b") == ["d", "e"] and diamond().upstream("e") == [
        "a",
        "b",
        "c",
        "d",
    ]


def test_unknown_dependencies_show_every_task_in_one_group() -> None:
    layout = layered(Dag.unknown(["x", "y"]))
    assert layout.layers == (("x", "y"),) and not layout.dag.known


def test_five_hundred_tasks_lay_out_completely() -> None:
    """How fast is bench/tui_bench.py's (first paint of a 500-task graph), never a test's."""
    import random

    rng = random.Random(3)
    deps = {
        f"t{i}": [f"t{j}" for j in rng.sample(range(max(0, i - 30), i), min(i, 3))]
        for i in range(500)
    }
    layout = layered(Dag.from_depends_on(deps, list(deps)))
    assert sorted(layout.tasks) == sorted(deps)
    for tid, parents in deps.items():
        assert all(layout.layer_of[p] < layout.layer_of[tid] for p in parents)
