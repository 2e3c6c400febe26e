"""Attempts on a Dask distributed cluster: submit, await, cancel; the engine keeps the rest.

A synchronous `distributed.Client` (its own event loop in its own thread) rather than an
asynchronous one: the engine runs on any anyio backend (its tests on trio too), and an
asynchronous client needs asyncio. Submitting does not block; results reach the loop through
the `Ledger`'s inbox; the calls that wait on the scheduler (cancel, cluster info, close) run
in worker threads. Each submission's key is `harmonia-EXECUTION-TASK-ATTEMPT`.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import TYPE_CHECKING, Any

import anyio
import anyio.to_thread
import dask
import orjson
from distributed import Client, Future, LocalCluster
from distributed.scheduler import KilledWorker

from harmonia.errors import ErrorKind, TaskError
from harmonia.executors.ledger import CANCELLED, Ledger, Outcome
from harmonia.executors.worker import run_attempt, warm_up

if TYPE_CHECKING:
    from harmonia.components.base import ActionContext
    from harmonia.engine.plan import TaskPlan

__all__ = ["WORKER_LOST", "DaskExecutor", "submission_key"]

logger = logging.getLogger("harmonia.executors")

WORKER_LOST = ErrorKind.WORKER_LOST
_CANCEL_WAIT = 10.0


def submission_key(execution_id: str, task_id: str, attempt: int) -> str:
    return f"harmonia-{execution_id}-{task_id}-{attempt}"


class DaskExecutor:
    """The engine's handle on one cluster (an existing one, or a `LocalCluster` it started)."""

    name = "dask"

    def __init__(self, client: Client, cluster: LocalCluster | None) -> None:
        self.client = client
        self.cluster = cluster
        self.ledger = Ledger()
        self.address = str(client.scheduler.address) if client.scheduler else ""

    @classmethod
    async def start(
        cls, scheduler: str | None, workers: int | None, connect_timeout: float
    ) -> DaskExecutor:
        """Connect (or start a local cluster) off the loop: either takes a while."""
        return await anyio.to_thread.run_sync(cls.connect, scheduler, workers, connect_timeout)

    @classmethod
    def connect(
        cls, scheduler: str | None, workers: int | None, connect_timeout: float
    ) -> DaskExecutor:
        """`connect_timeout`: how long to keep trying to reach `scheduler` (Dask retries)."""
        cluster: LocalCluster | None = None
        if workers is not None:
            # a dead worker fails its task at once (`worker_lost`): the engine retries it
            with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
                cluster = LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address="127.0.0.1:0",  # loopback only, any free port
                )
            client = Client(cluster, set_as_default=False)
        else:
            try:
                client = Client(scheduler, timeout=connect_timeout, set_as_default=False)
            except (OSError, TimeoutError) as exc:
                message = f"cannot reach the Dask scheduler {scheduler}: {exc}"
                raise ConnectionError(message) from None
        try:  # the first attempts then start at once; and a worker without harmonia says so
            client.run(warm_up)
        except Exception as exc:
            logger.warning("the Dask workers could not prepare harmonia's actions: %s", exc)
        return cls(client, cluster)

    async def invoke(self, ctx: ActionContext, plan: TaskPlan, payload: Any) -> Any:
        key = submission_key(ctx.execution_id, ctx.task_id, ctx.attempt)
        spec = plan.spec
        placement = plan.placement
        resources = None if placement is None else placement.resources
        attempt = (key, spec.component, spec.action, payload, ctx.execution_id, ctx.task_id,
                   ctx.attempt, plan.timeout)  # fmt: skip
        slot = self.ledger.expect(key)
        try:
            future = self.client.submit(
                run_attempt, attempt, key=key, pure=False, retries=0,
                resources=dict(resources) if resources else None,
            )  # fmt: skip
        except Exception as exc:  # the client is closed, or lost its scheduler for good
            self.ledger.forget(key)
            message = f"cannot submit to the Dask scheduler {self.address}: {exc}"
            raise TaskError(message, ErrorKind.CONNECTION) from None
        future.add_done_callback(partial(_posted, self.ledger, key))
        try:
            await slot.done.wait()
        except BaseException:
            self.ledger.abandon(key, "cancelled or timed out")
            with anyio.CancelScope(shield=True), anyio.move_on_after(_CANCEL_WAIT):
                await anyio.to_thread.run_sync(future.cancel, abandon_on_cancel=True)
            raise
        self.ledger.forget(key)
        assert slot.outcome is not None
        return _result(slot.outcome)

    async def serve(self) -> None:
        await self.ledger.serve(partial(_resolve, self.client))

    async def describe(self) -> dict[str, Any]:
        info: dict[str, Any] = {
            "executor": "dask",
            "scheduler": self.address,
            "cluster": "local" if self.cluster is not None else "external",
            "waiting": self.ledger.waiting,
            "ignored_results": self.ledger.ignored,
        }
        try:
            with anyio.fail_after(5):
                workers = await anyio.to_thread.run_sync(
                    _workers, self.client, abandon_on_cancel=True
                )
        except Exception as exc:  # the scheduler is gone: say so rather than fail the caller
            info.update(workers=0, threads=0, error=f"{type(exc).__name__}: {exc}")
            return info
        info["workers"] = len(workers)
        info["threads"] = sum(int(w.get("nthreads", 0)) for w in workers.values())
        return info

    async def aclose(self) -> None:
        self.ledger.close()
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(self._close)

    def _close(self) -> None:
        try:
            self.client.close(timeout=10)
        finally:
            if self.cluster is not None:
                self.cluster.close(timeout=10)


def _workers(client: Client) -> dict[str, Any]:
    info = client.scheduler_info(n_workers=-1)
    workers: dict[str, Any] = info.get("workers", {})
    return workers


def _posted(ledger: Ledger, key: str, future: Future[Any]) -> None:
    """Dask's (one) callback thread: hand the finished future on without waiting for anything,
    so results do not queue behind one another's fetch (`_resolve` fetches them in batches)."""
    ledger.post(key, future)


def _resolve(client: Client, batch: list[tuple[str, Any]]) -> list[tuple[str, Outcome]]:
    """The outcomes of finished futures: the results of those that succeeded in one gather."""
    done = [(key, future) for key, future in batch if future.status == "finished"]
    values: dict[str, Outcome] = {}
    if done:
        try:
            gathered = client.gather([future for _, future in done])
            values = dict(zip((key for key, _ in done), gathered, strict=True))
        except Exception:  # one of them was released meanwhile: each on its own below
            values = {}
    return [(key, values[key] if key in values else _settle(future)) for key, future in batch]


def _settle(future: Future[Any]) -> Outcome:
    """One future's outcome. Always one: an attempt whose outcome never came would wait
    forever (without a timeout)."""
    try:
        return _outcome_of(future)
    except Exception as exc:  # released meanwhile (the engine gave it up), or the link is gone
        return "error", _doc(f"the attempt's result was lost: {exc}", ErrorKind.CONNECTION)


def _outcome_of(future: Future[Any]) -> Outcome:
    status = future.status
    if status == "cancelled":
        return CANCELLED
    if status == "finished":
        result: Outcome = future.result(timeout=_CANCEL_WAIT)
        return result
    error = future.exception(timeout=_CANCEL_WAIT)
    if isinstance(error, KilledWorker):
        message = f"the Dask worker running the attempt died or left ({error})"
        return "error", _doc(message, WORKER_LOST)
    message = f"Dask could not run the attempt: {type(error).__name__}: {error}"
    return "error", _doc(message, ErrorKind.ERROR)


def _doc(message: str, kind: str) -> dict[str, Any]:
    return {"message": message, "kind": kind, "retryable": True, "details": {}}


def _result(outcome: Outcome) -> Any:
    status, value = outcome
    if status == "ok":
        return orjson.loads(value)
    if status == "error":
        raise TaskError(
            value["message"], value["kind"], retryable=value["retryable"], details=value["details"]
        )
    # not cancelled by the engine: the scheduler dropped it (restarted, or the link was lost)
    raise TaskError("the Dask cluster dropped the attempt", ErrorKind.CONNECTION)
