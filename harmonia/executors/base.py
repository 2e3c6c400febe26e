"""The interface the runner calls to run an attempt elsewhere, and how one is chosen.

The runner calls `TaskExecutor.invoke` for tasks that may move (`Placement`) when its engine
has an executor, and `Action.invoke` directly otherwise: the in-process path is unchanged.
Settings are parsed here, without Dask, so that a command line without `--executor` never
imports `distributed`.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from harmonia.components.base import ActionContext
    from harmonia.engine.plan import TaskPlan

__all__ = [
    "SCHEDULER_ENV",
    "ExecutorSettings",
    "TaskExecutor",
    "add_executor_options",
    "executor_settings",
    "executor_status",
    "open_executor",
]

SCHEDULER_ENV = "HARMONIA_DASK_SCHEDULER"
CONNECT_TIMEOUT = 10.0
"""Seconds to keep trying to reach an existing Dask scheduler before giving up (exit 2)."""


class TaskExecutor(Protocol):
    """Runs attempts of movable tasks; the engine owns everything else about them."""

    name: str

    async def invoke(self, ctx: ActionContext, plan: TaskPlan, payload: Any) -> Any:
        """Run one attempt with its rendered input; return its JSON output or raise
        `TaskError`. Cancelling the call (timeout, operator) stops the attempt."""
        ...

    async def serve(self) -> None:
        """Whatever must run beside the engine for as long as it does (result delivery)."""
        ...

    async def describe(self) -> dict[str, Any]:
        """What `/ready`, the dashboard and `harmonia executors` show."""
        ...

    async def aclose(self) -> None: ...


class LocalExecutor:
    """Attempts in the engine's own process: what the runner does without an executor."""

    name = "local"

    async def invoke(self, ctx: ActionContext, plan: TaskPlan, payload: Any) -> Any:
        return await plan.action.invoke(ctx, payload)

    async def serve(self) -> None:
        return None

    async def describe(self) -> dict[str, Any]:
        return {"executor": "local"}

    async def aclose(self) -> None:
        return None


@dataclass(frozen=True)
class ExecutorSettings:
    """`--executor`, `--dask-scheduler` (or `$HARMONIA_DASK_SCHEDULER`), `--dask-workers`,
    `--dask-connect-timeout`."""

    kind: str = "local"
    scheduler: str | None = None
    """The address of an existing Dask scheduler (tcp://HOST:8786)."""
    workers: int | None = None
    """Worker processes of a `LocalCluster` started for this engine."""
    connect_timeout: float = CONNECT_TIMEOUT
    """How long connecting to `scheduler` may take: Dask retries a refused connection until
    then, so a wrong address fails after this long, not at once."""


def executor_settings(
    kind: str | None,
    scheduler: str | None,
    workers: int | None,
    environ: Mapping[str, str] | None = None,
    *,
    connect_timeout: float | None = None,
) -> ExecutorSettings:
    """Check the options together; ValueError says what is wrong (exit code 2)."""
    environ = os.environ if environ is None else environ
    if kind in (None, "local"):
        given = [
            option
            for option, value in (
                ("--dask-scheduler", scheduler),
                ("--dask-workers", workers),
                ("--dask-connect-timeout", connect_timeout),
            )
            if value is not None
        ]
        if given:
            raise ValueError(f"{given[0]} applies only with --executor dask")
        return ExecutorSettings()
    if kind != "dask":
        raise ValueError(f"unknown executor {kind!r}; known: local, dask")
    if scheduler is not None and workers is not None:
        raise ValueError("give either --dask-scheduler or --dask-workers, not both")
    if scheduler is None and workers is None:
        scheduler = environ.get(SCHEDULER_ENV) or None
        if scheduler is None:
            raise ValueError(
                "--executor dask needs --dask-scheduler ADDRESS (or $HARMONIA_DASK_SCHEDULER) "
                "for an existing cluster, or --dask-workers N for a local one"
            )
    if workers is not None and workers < 1:
        raise ValueError(f"--dask-workers must be at least 1 (got {workers})")
    if connect_timeout is None:
        return ExecutorSettings("dask", scheduler=scheduler, workers=workers)
    if workers is not None:
        raise ValueError("--dask-connect-timeout applies to --dask-scheduler, not --dask-workers")
    if not connect_timeout > 0:  # also refuses nan
        raise ValueError(f"--dask-connect-timeout must be above 0 (got {connect_timeout})")
    return ExecutorSettings("dask", scheduler=scheduler, connect_timeout=connect_timeout)


def add_executor_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("executor (where shell, python and http tasks run)")
    group.add_argument(
        "--executor",
        choices=("local", "dask"),
        help="local (default): in this process; dask: on a Dask cluster",
    )
    group.add_argument(
        "--dask-scheduler",
        metavar="ADDRESS",
        help=f"an existing Dask scheduler, e.g. tcp://HOST:8786 (default: ${SCHEDULER_ENV})",
    )
    group.add_argument(
        "--dask-workers",
        type=int,
        metavar="N",
        help="start a local Dask cluster of N worker processes instead",
    )
    group.add_argument(
        "--dask-connect-timeout",
        type=float,
        metavar="SECONDS",
        help="how long to keep trying to reach --dask-scheduler before giving up "
        f"(default: {CONNECT_TIMEOUT:g})",
    )


def settings_from_args(args: argparse.Namespace) -> ExecutorSettings:
    return executor_settings(
        args.executor,
        args.dask_scheduler,
        args.dask_workers,
        connect_timeout=args.dask_connect_timeout,
    )


async def open_executor(settings: ExecutorSettings) -> TaskExecutor | None:
    """The executor the settings name, started (None: tasks run in the engine's process).
    `distributed` is imported here and only here."""
    if settings.kind != "dask":
        return None
    from harmonia.executors.dask import DaskExecutor

    return await DaskExecutor.start(settings.scheduler, settings.workers, settings.connect_timeout)


async def executor_status(executor: TaskExecutor | None) -> dict[str, Any]:
    """One shape for every executor: `executor`, `scheduler`, `workers`, `threads` (None where
    they mean nothing), and whatever else the executor tells."""
    described = {"executor": "local"} if executor is None else await executor.describe()
    return {"scheduler": None, "workers": None, "threads": None, **described}
