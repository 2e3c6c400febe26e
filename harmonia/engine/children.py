"""Child executions of `workflow.run` tasks: start, record, await, cancel, re-attach.

The engine lends this service to the `workflow` component (`ChildExecutions` protocol). An
attempt records its child's id in the parent's journal before the child exists, so after a
crash the next attempt finds the id and waits for that child (which recovery resumes by
itself) instead of starting a second one. A child that failed or was canceled is not reused:
a retry, or an operator's re-run of the task, starts a new child.
"""

from __future__ import annotations

from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio

from harmonia.components.childprotocol import ChildRequest, is_workflow_path
from harmonia.errors import (
    ErrorKind,
    InvalidOperation,
    NotFound,
    Problem,
    StorageUnavailable,
    TaskError,
    ValidationFailed,
)
from harmonia.events import TERMINAL_WORKFLOW_EVENTS, EventType
from harmonia.state import TASK_ACTIVE, ExecutionState, ExecutionStatus, TaskStatus
from harmonia.store.store import ExecutionLocked

if TYPE_CHECKING:
    from harmonia.engine.engine import Engine
    from harmonia.model import Workflow

__all__ = [
    "DEFAULT_MAX_DEPTH",
    "ChildLauncher",
    "active_children",
    "check_start_recursion",
    "pause_children",
    "resume_children",
]

DEFAULT_MAX_DEPTH = 10
"""How deep sub-workflows may nest at run time (a root execution is depth 0)."""

_NOT_REUSED = frozenset({ExecutionStatus.FAILED, ExecutionStatus.CANCELED, ExecutionStatus.DAMAGED})


class ChildLauncher:
    """The engine's side of `workflow.run` (see the module docstring)."""

    def __init__(self, engine: Engine, max_depth: int = DEFAULT_MAX_DEPTH) -> None:
        self._engine = engine
        self.max_depth = max_depth

    async def run_child(self, request: ChildRequest) -> Any:
        engine = self._engine
        runner = engine.live.get(request.execution_id)
        if runner is None:  # only the engine's own runners call this
            raise TaskError(f"execution {request.execution_id} is not running here")
        parent = runner.state
        child_id = parent.tasks[request.task_id].child_execution_id
        if child_id is None or not await self._reusable(child_id):
            child_id = await self._start(parent, request)
            if runner.paused:  # paused while the child was being created: it goes down too
                with suppress(InvalidOperation, NotFound):
                    await engine.pause(child_id)
        try:
            state = await self._await(child_id)
        except anyio.get_cancelled_exc_class():
            # canceled or timed out: the child goes too; a stopping engine leaves it to resume
            if not runner.interrupted:
                with (
                    anyio.CancelScope(shield=True),
                    suppress(InvalidOperation, NotFound, StorageUnavailable),
                ):
                    await engine.cancel(
                        child_id,
                        reason=f"parent {request.execution_id} task {request.task_id} stopped",
                    )
            raise
        return _outcome(state)

    async def _reusable(self, child_id: str) -> bool:
        """Whether an earlier attempt's child can be awaited (it runs, ran, or completed).

        One that a crash interrupted and nobody resumed yet (`harmonia resume PARENT` resumes
        the parent only) is resumed here, as recovery would."""
        engine = self._engine
        try:
            state = await engine.get(child_id)
        except (NotFound, FileNotFoundError):
            return False  # recorded, then the process died before it was created
        if state.status in _NOT_REUSED:
            return False
        if state.status == ExecutionStatus.RUNNING and not engine.is_live(child_id):
            with suppress(InvalidOperation, NotFound, ExecutionLocked):
                await engine.resume(child_id, reason="recovered")
        return True

    async def _start(self, parent: ExecutionState, request: ChildRequest) -> str:
        depth = int((parent.parent or {}).get("depth", 0)) + 1
        if depth > self.max_depth:
            raise TaskError(
                f"sub-workflow depth limit reached: {request.workflow!r} would run at depth "
                f"{depth}, the limit is {self.max_depth} (is the workflow recursive?)",
                ErrorKind.INVALID_INPUT,
            )
        workflow, origin = await self._resolve(request.workflow, parent.origin)
        link = {"execution_id": parent.id, "task_id": request.task_id, "depth": depth}

        async def announce(child_id: str) -> None:
            self._engine.emit(
                parent,
                EventType.CHILD_EXECUTION_STARTED,
                request.task_id,
                {"attempt": request.attempt, "child_execution_id": child_id},
            )
            await self._engine.writer.flush()  # on disk before the child exists

        try:
            child = await self._engine.start(
                workflow, request.input, origin=origin, parent=link, announce=announce
            )
        except ValidationFailed as exc:
            raise TaskError(
                f"invalid input for workflow {request.workflow!r}: {exc}".replace("\n", "; "),
                ErrorKind.INVALID_INPUT,
            ) from None
        return child.id

    async def _resolve(self, ref: str, origin: str | None) -> tuple[Workflow, str | None]:
        """The workflow `ref` names, and the folder its own relative paths start from."""
        from harmonia.loader import load_workflow_dict, load_workflow_file
        from harmonia.store.definitions import WorkflowDefinitions

        registry = self._engine.registry
        try:
            if is_workflow_path(ref):
                if origin is None:
                    raise TaskError(
                        f"workflow: {ref!r} is a file path, but this execution was not started "
                        "from a workflow file (executions of the daemon run stored workflows: "
                        "store it with `harmonia workflows add` and give its id)",
                        ErrorKind.INVALID_INPUT,
                    )
                path = Path(origin) / ref

                def load() -> tuple[Workflow, str | None]:
                    return load_workflow_file(path, registry), str(path.resolve().parent)

                return await anyio.to_thread.run_sync(load)
            definitions = WorkflowDefinitions(self._engine.store)
            row = await anyio.to_thread.run_sync(definitions.get, ref)
            source = f"stored workflow {ref}"
            return load_workflow_dict(row["document"], source=source, registry=registry), None
        except NotFound:
            message = f"workflow: no stored workflow {ref!r}"
            raise TaskError(message, ErrorKind.INVALID_INPUT) from None
        except ValidationFailed as exc:
            message = str(exc).replace("\n", "; ")
            raise TaskError(f"workflow {ref!r}: {message}", ErrorKind.INVALID_INPUT) from None

    async def _await(self, child_id: str) -> ExecutionState:
        """Wait until the child finished: by its events, so a child that pauses, or that
        recovery has not resumed yet, is simply waited for."""
        engine = self._engine
        state = await engine.get(child_id)
        if state.status in (*_NOT_REUSED, ExecutionStatus.COMPLETED):
            return await engine.wait(child_id)
        # from what `state` says on: an end recorded earlier (then resumed) is not this one
        subscription = engine.subscribe(child_id, after_seq=state.last_seq, until_finished=True)
        try:
            async for event in subscription:
                if event.type in TERMINAL_WORKFLOW_EVENTS:
                    break
        finally:
            subscription.close()
        return await engine.wait(child_id)


def _outcome(state: ExecutionState) -> Any:
    """The child's declared outputs, or its failure as this attempt's `TaskError`."""
    if state.status == ExecutionStatus.COMPLETED:
        return state.output if state.output is not None else {}
    failed = {tid: t.error for tid, t in state.tasks.items() if t.status == TaskStatus.FAILED}
    summary = state.error or str(state.status)
    first = next(iter(failed.items()), None)
    if first is not None and first[1]:
        summary += f"; {first[0]}: {first[1].get('message')}"
    raise TaskError(
        f"child execution {state.id} {state.status}: {summary}",
        ErrorKind.ERROR,
        details={"child_execution_id": state.id, "child_status": str(state.status)},
    )


def active_children(state: ExecutionState) -> list[str]:
    """The children that tasks of `state` are waiting for right now."""
    return [
        t.child_execution_id
        for t in state.tasks.values()
        if t.status in TASK_ACTIVE and t.child_execution_id is not None
    ]


async def pause_children(engine: Engine, state: ExecutionState) -> None:
    """A pause goes down to the children being awaited (and theirs, through `pause`)."""
    for child_id in active_children(state):
        with suppress(InvalidOperation, NotFound):
            await engine.pause(child_id)


async def resume_children(engine: Engine, state: ExecutionState) -> None:
    """A resume of a paused parent resumes its paused children too."""
    for child_id in active_children(state):
        with suppress(InvalidOperation, NotFound):
            if (await engine.get(child_id)).status == ExecutionStatus.PAUSED:
                await engine.resume(child_id)


async def check_start_recursion(engine: Engine, workflow: Workflow, origin: str | None) -> None:
    """Refuse to start a workflow whose literal sub-workflow calls (files, and stored ids
    through this engine's store) come back to a workflow on the chain."""
    if not any(spec.component == "workflow" for spec in workflow.tasks.values()):
        return
    from harmonia.loader.subflows import Recursion, find_recursion
    from harmonia.store.definitions import WorkflowDefinitions

    document = workflow.to_document()
    read_stored = WorkflowDefinitions(engine.store).get
    folder = None if origin is None else Path(origin)
    try:
        await anyio.to_thread.run_sync(
            lambda: find_recursion(document, workflow.name, folder, read_stored)
        )
    except Recursion as exc:
        problem = Problem(str(exc), task=exc.task, field="input.workflow")
        raise ValidationFailed(problems=[problem]) from None
