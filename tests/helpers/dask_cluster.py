"""One real Dask `LocalCluster` per test module: 2 worker processes of 1 thread, each with a
`GPU: 1` resource, and a scheduler that fails a task at the first death of its worker (as
`harmonia --dask-workers` sets it), so a killed worker is one `worker_lost` attempt. Dask is
imported when a cluster starts: not by every xdist worker that collects a Dask test module."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from distributed import LocalCluster


@contextmanager
def local_cluster() -> Iterator[LocalCluster]:
    import dask
    from distributed import LocalCluster

    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        cluster = LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address="127.0.0.1:0",
            resources={"GPU": 1},
            memory_limit=0,  # no memory monitor: a worker is killed only by the tests
        )
    try:
        yield cluster
    finally:
        cluster.close(timeout=20)
