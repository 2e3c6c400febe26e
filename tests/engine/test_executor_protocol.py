"""The runner's side of the executor interface, without Dask: movable tasks go through
`TaskExecutor.invoke` (engine-only ones never do), a timeout cancels the call, and a workflow
that asks for Dask is refused by an engine without an executor. On asyncio and trio."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import pytest
from helpers.workflows import task

from harmonia.components.base import ActionContext
from harmonia.engine import open_engine
from harmonia.engine.plan import TaskPlan
from harmonia.errors import ValidationFailed
from harmonia.executors.base import LocalExecutor, executor_status
from harmonia.loader import load_workflow_dict

pytestmark = pytest.mark.anyio


class Recording(LocalExecutor):
    """Runs attempts in this process, as the engine would, and notes which ones it got."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []
        self.cancelled: list[str] = []
        self.served = anyio.Event()
        self.closed = False

    async def invoke(self, ctx: ActionContext, plan: TaskPlan, payload: Any) -> Any:
        self.calls.append((ctx.task_id, ctx.attempt))
        try:
            return await super().invoke(ctx, plan, payload)
        except anyio.get_cancelled_exc_class():
            self.cancelled.append(ctx.task_id)
            raise

    async def serve(self) -> None:
        self.served.set()

    async def aclose(self) -> None:
        self.closed = True


WORKFLOW = {
    "name": "through-an-executor",
    "tasks": {
        "sh": task("shell.run", input={"command": "echo hi"}),
        "py": task(
            "python.call", input={"function": "operator:add", "args": [2, 3], "isolation": "inline"}
        ),
        "gate": task("core.echo", input={"n": 1}),
        "here": task("shell.run", executor="local", input={"command": "echo local"}),
        "slow": task("shell.run", timeout=0.5, input={"command": "sleep 30"}),
    },
}


async def test_movable_tasks_go_through_the_executor_and_the_rest_stay(data_dir: Path) -> None:
    executor = Recording()
    async with open_engine(data_dir, executor=executor) as engine:
        state = await engine.start(load_workflow_dict(WORKFLOW))
        with anyio.fail_after(60):
            final = await engine.wait(state.id)
        assert executor.served.is_set()
        assert (await executor_status(engine.executor))["executor"] == "local"
    assert executor.closed  # the engine owns the executor it was given
    assert sorted(executor.calls) == [("py", 1), ("sh", 1), ("slow", 1)]
    assert executor.cancelled == ["slow"]
    assert final.tasks["sh"].output["stdout"] == "hi\n"
    assert final.tasks["py"].output == 5
    assert final.tasks["here"].output["stdout"] == "local\n"
    assert final.tasks["slow"].error == {
        "kind": "timeout",
        "message": "attempt 1 timed out after 0.5s",
    }


async def test_an_engine_without_dask_refuses_a_workflow_that_asks_for_it(
    data_dir: Path,
) -> None:
    doc = {
        "name": "wants-dask",
        "tasks": {
            "a": task("shell.run", executor="dask", input={"command": "true"}),
        },
    }
    async with open_engine(data_dir) as engine:
        with pytest.raises(ValidationFailed) as caught:
            await engine.start(load_workflow_dict(doc))
        assert engine.live_ids() == []  # refused before an execution was recorded
    (problem,) = caught.value.problems
    assert (problem.task, problem.field) == ("a", "executor")
    assert problem.message == "executor 'dask' needs an engine started with --executor dask"
