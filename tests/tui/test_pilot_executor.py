"""The dashboard says where a daemon runs tasks when that is a Dask cluster (scheduler, workers,
threads), and says nothing of it for a daemon running them itself."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from harmonia_tui.executor import describe_executor
from harmonia_tui.screens.executions import ExecutionsScreen
from helpers.daemon_testing import Harmoniad
from helpers.pilot_steps import piloted, reach
from helpers.tui_testing import until

from harmonia.client import ExecutorState


def test_the_line_names_scheduler_workers_and_threads_and_nothing_for_local() -> None:
    assert describe_executor(ExecutorState()) == ""
    state = ExecutorState(executor="dask", scheduler="tcp://h:8786", workers=3, threads=6)
    assert describe_executor(state) == "dask tcp://h:8786 · 3 workers, 6 threads"
    lost = ExecutorState(executor="dask", scheduler="tcp://h:8786", workers=0, threads=0,
                         error="OSError: gone")  # fmt: skip
    assert describe_executor(lost).endswith("0 workers, 0 threads (scheduler not answering)")


@pytest.fixture(scope="module")
def dask_daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harmoniad]:
    pytest.importorskip("distributed")
    from helpers.dask_cluster import local_cluster

    with local_cluster() as cluster:
        folder = tmp_path_factory.mktemp("tui-dask") / "data"
        scheduler = str(cluster.scheduler_address)
        with Harmoniad(folder, "--executor", "dask", "--dask-scheduler", scheduler) as running:
            yield running


@pytest.mark.anyio
async def test_the_executions_screen_shows_the_dask_cluster(dask_daemon: Harmoniad) -> None:
    async with piloted(dask_daemon) as (_, pilot):
        screen = await reach(pilot, ExecutionsScreen, "the list")
        await until(pilot, lambda: "workers" in str(screen.sub_title), "the executor line")
        assert str(screen.sub_title).endswith(" · 2 workers, 2 threads")
        assert " · dask tcp://127.0.0.1:" in str(screen.sub_title)
