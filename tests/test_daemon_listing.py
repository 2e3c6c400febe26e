"""A listing never shows an execution as running after it ended under the listing's read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import anyio.from_thread
import pytest
from harmoniad.routes.executions import current_rows
from helpers.engine_probe import Probe, engine_options, registry_with, workflow

from harmonia.engine import open_engine

pytestmark = pytest.mark.anyio


async def test_an_execution_that_ends_during_the_catalog_read_is_listed_as_ended(
    data_dir: Path,
) -> None:
    probe = Probe()
    registry = registry_with(probe)
    wf = workflow({"a": {"input": {"gate": "a"}}}, registry)
    async with open_engine(data_dir, registry, **engine_options()) as engine:
        state = await engine.start(wf)
        await probe.started("a")
        await engine.writer.flush()
        store = engine.store
        read = store.list_summaries
        reads = 0

        def read_while_it_ends() -> list[dict[str, Any]]:
            # the rows are read while it runs; it then ends before they reach the listing
            nonlocal reads
            reads += 1
            rows = read()
            if reads == 1:
                anyio.from_thread.run_sync(probe.open, "a")
                anyio.from_thread.run(engine.wait, state.id)
            return rows

        store.list_summaries = read_while_it_ends  # type: ignore[method-assign]
        with anyio.fail_after(10):
            rows = await current_rows(engine)
        assert not engine.is_live(state.id)
        (row,) = rows
        assert row["status"] == "completed" and row["done_count"] == 1
        assert reads == 2  # the first read's row said "running"
