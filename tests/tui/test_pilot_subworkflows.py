"""The dashboard and sub-workflows: enter on a `workflow.run` task opens its child execution,
whose header names its parent; escape comes back to the parent (Pilot, real daemon)."""

from __future__ import annotations

import pytest
from helpers.daemon_testing import Harmoniad
from helpers.pilot_steps import opened, piloted
from helpers.tui_testing import api_client, execution_screen, loaded, press, unique, until


@pytest.mark.anyio
async def test_enter_on_a_workflow_task_opens_the_child(daemon: Harmoniad) -> None:
    child_doc = {
        "name": unique("child"),
        "tasks": {"leaf": {"component": "core", "action": "echo", "input": {"x": 1}}},
        "output": {"x": "${tasks.leaf.output.x}"},
    }
    async with api_client(daemon) as client:
        child_wf = await client.create_workflow(child_doc)
        parent = await client.start_execution(
            workflow={
                "name": unique("parent"),
                "tasks": {
                    "prep": {"component": "core", "action": "echo"},
                    "sub": {
                        "component": "workflow",
                        "action": "run",
                        "depends_on": ["prep"],
                        "input": {"workflow": child_wf.id},
                    },
                },
            }
        )
        assert (await client.wait(parent.id, timeout=30)).status == "completed"
        child_id = (await client.get_execution(parent.id)).tasks["sub"].child_execution_id
    assert child_id is not None

    async with piloted(daemon, open_execution=parent.id) as (app, pilot):
        screen = await opened(pilot, "completed", "the parent execution")
        screen.graph.select("sub")
        linked = f"child execution: {child_id}"
        await until(pilot, lambda: linked in screen.detail.shown_text, "the link in the detail")
        await press(pilot, "enter")
        await until(
            pilot,
            lambda: loaded(app) and execution_screen(app).execution_id == child_id,
            "the child execution",
        )
        child_screen = execution_screen(app)
        assert child_screen.view is not None
        assert child_screen.view.parent == (parent.id, "sub")
        assert f"child of {parent.id} (sub)" in child_screen.summary.text.plain

        await press(pilot, "escape")
        await until(pilot, lambda: execution_screen(app).execution_id == parent.id, "back")

        # enter on a task without a child still maximises its detail
        parent_screen = execution_screen(app)
        parent_screen.graph.select("prep")
        await press(pilot, "enter")
        await until(pilot, lambda: parent_screen.detail.is_maximized, "the maximised detail")
        assert execution_screen(app).execution_id == parent.id
