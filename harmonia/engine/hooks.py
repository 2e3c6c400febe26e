"""What an engine tells its host about the process-wide resources its work touches.

The garbage collector and the GIL's switch interval belong to the whole process, so a library
must not tune them; the program that owns the process may (`harmonia.engine.tuning`). Every
hook does nothing by default, in the manner of `trio.abc.Instrument`.
"""

from __future__ import annotations

__all__ = ["EngineHooks"]


class EngineHooks:
    """Override what you need; the engine calls these on its event loop, never concurrently."""

    def execution_built(self, execution_id: str, task_count: int) -> None:
        """An execution's long-lived state (its workflow, plan and task states, or a run's
        schedule) was just built. It stays alive until `execution_released`; this may come
        again for the same execution (each run builds a new schedule)."""

    def execution_released(self, execution_id: str) -> None:
        """The execution's state is no longer held by this engine (also after a failed start,
        and for an execution that never got `execution_built`)."""

    def writer_started(self) -> None:
        """The durable writer, whose commit thread needs the GIL from the loop, now runs."""

    def writer_stopped(self) -> None:
        """The durable writer has stopped (one `writer_stopped` per `writer_started`)."""
