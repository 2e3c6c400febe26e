"""What an execution's runner needs from the engine that drives it, as typed protocols.

The runner (and the crash-loop rules) depend on these rather than on `Engine`, which provides
them: what they may touch is listed here, and nothing else of the engine is theirs to use.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from harmonia.components.childprotocol import ChildExecutions
    from harmonia.components.urls import ComponentUrls
    from harmonia.engine.approvals import ApprovalGates
    from harmonia.engine.crashloop import CrashLoopGuard
    from harmonia.engine.hooks import EngineHooks
    from harmonia.engine.writer import DurableWriter
    from harmonia.events import Event
    from harmonia.executors.base import TaskExecutor
    from harmonia.state import ExecutionState

__all__ = ["EventRecorder", "RunnerHost"]


class EventRecorder(Protocol):
    """Records state changes: applied in memory at once, published once durable."""

    @property
    def clock(self) -> Callable[[], float]: ...

    def emit(
        self, state: ExecutionState, type: str, task_id: str | None, data: dict[str, Any]
    ) -> Event: ...


class RunnerHost(EventRecorder, Protocol):
    """Everything an `ExecutionRunner` uses of its engine."""

    @property
    def rng(self) -> random.Random: ...

    @property
    def writer(self) -> DurableWriter: ...

    @property
    def crash_loops(self) -> CrashLoopGuard: ...

    @property
    def hooks(self) -> EngineHooks: ...

    @property
    def component_urls(self) -> ComponentUrls:
        """What `${components.NAME.url}` reads (the registry's remote components)."""
        ...

    @property
    def children(self) -> ChildExecutions:
        """Starts and awaits child executions for `workflow.run` tasks."""
        ...

    @property
    def task_environ(self) -> Mapping[str, str]:
        """The environment of the processes tasks start (without Harmonia's secrets)."""
        ...

    @property
    def approvals(self) -> ApprovalGates:
        """The timers of tasks waiting at approval gates."""
        ...

    @property
    def executor(self) -> TaskExecutor | None:
        """Where tasks with a `placement` run (Dask); None: every task in this process."""
        ...

    @property
    def max_fanout_items(self) -> int:
        """Most items a `for_each` task may expand to, unless it sets `max_items` itself."""
        ...

    async def persist(self, state: ExecutionState, *, final: bool) -> None:
        """Write the snapshot and catalog row; return once they and every event are durable."""
        ...
