"""The dashboard's line on where the daemon runs tasks: shown only when that is a Dask cluster,
so an operator sees at a glance which scheduler and how many workers the runs depend on."""

from __future__ import annotations

from harmonia.client import AsyncClient, ClientError, ExecutorState

__all__ = ["describe_executor", "executor_text"]


def describe_executor(state: ExecutorState) -> str:
    """`dask tcp://host:8786 · 2 workers, 4 threads`; "" for the daemon's own process."""
    if state.executor == "local":
        return ""
    workers = "?" if state.workers is None else str(state.workers)
    threads = "?" if state.threads is None else str(state.threads)
    text = f"{state.executor} {state.scheduler or ''} · {workers} workers, {threads} threads"
    return text + (" (scheduler not answering)" if state.error else "")


async def executor_text(client: AsyncClient) -> str:
    """Asked of `/ready` (which answers 503 while the storage refuses writes: then nothing is
    said here, the storage banner says what matters)."""
    try:
        ready = await client.ready()
    except ClientError:
        return ""
    return describe_executor(ready.executor)
