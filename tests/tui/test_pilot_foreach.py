"""A `for_each` task on the dashboard: one node with its items' counts per status, `x` shows its
items under it and hides them again; and the fold of `task_expanded` and item events."""

from __future__ import annotations

from typing import Any

import pytest
from harmonia_tui.fanout import counts_text
from helpers.daemon_testing import Harmoniad
from helpers.pilot_steps import finished, opened, piloted
from helpers.tui_events import ev, fresh
from helpers.tui_testing import press, unique, until


def fan_workflow(name: str) -> dict[str, Any]:
    """`fan` over four words, of which `bad` fails; `after` waits for it."""
    return {
        "name": name,
        "tasks": {
            "fan": {
                "component": "shell",
                "action": "run",
                "for_each": ["a", "bad", "c", "d"],
                "input": {"command": ["test", "${item}", "!=", "bad"]},
            },
            "after": {
                "component": "core",
                "action": "echo",
                "depends_on": ["fan"],
                "input": {"all": "${tasks.fan.output}"},
            },
        },
    }


@pytest.mark.anyio
async def test_a_fanned_out_task_is_one_node_with_counts_and_x_shows_its_items(
    daemon: Harmoniad,
) -> None:
    execution_id = await finished(daemon, fan_workflow(unique("fan")), "failed")
    async with piloted(daemon, open_execution=execution_id) as (_, pilot):
        screen = await opened(pilot, "failed")
        graph = screen.graph
        assert graph.layout_ is not None
        assert set(graph.layout_.tasks) == {"fan", "after"}  # one node, no item rows
        assert "3/4 completed, 1 failed" in graph.row_text("fan")

        graph.select("fan")
        await press(pilot, "x")
        await until(
            pilot,
            lambda: graph.layout_ is not None and "fan[3]" in graph.layout_.row_of,
            "the items under their task",
        )
        assert "failed" in graph.row_text("fan[1]")
        assert "completed" in graph.row_text("fan[0]")
        graph.select("fan[2]")
        await press(pilot, "x")  # from an item: hide them, the task selected again
        await until(
            pilot,
            lambda: graph.layout_ is not None and "fan[0]" not in graph.layout_.row_of,
            "the items hidden again",
        )
        assert graph.selected == "fan"
        graph.select("after")
        assert screen.unavailable("items") is not None


def test_the_fold_learns_items_from_task_expanded_and_counts_them() -> None:
    view = fresh("fan")
    change = view.apply(ev(2, "task_expanded", "fan", count=3, items=[1, 2, 3]))
    assert change.structure and "fan" in change.tasks
    assert view.item_ids("fan") == ["fan[0]", "fan[1]", "fan[2]"]
    assert counts_text(view, "fan") == "0/3 completed, 3 pending"
    change = view.apply(ev(3, "task_started", "fan[1]", attempt=1))
    assert change.tasks == {"fan[1]", "fan"}
    view.apply(ev(4, "task_completed", "fan[1]", attempt=1, output=2))
    view.apply(ev(5, "task_started", "fan[0]", attempt=1))
    assert counts_text(view, "fan") == "1/3 completed, 1 running, 1 pending"
    assert view.tasks["fan"].status == "running"


def test_the_event_log_tells_an_expansion() -> None:
    from harmonia_tui.describe import describe_event

    event = ev(4, "task_expanded", "fan", count=3, items=[1, 2, 3])
    line = describe_event(event, None)
    assert line.text == "fan expanded to 3 items"
    assert line.status == "running"
