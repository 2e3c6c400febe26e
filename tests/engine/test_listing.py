"""Listing executions: from the engine's in-memory index, which reads the catalog only when
another process wrote it, and never shows an execution as running after it ended."""

from __future__ import annotations

from pathlib import Path

import anyio
import anyio.from_thread
import pytest
from helpers.catalog_files import count_full_reads
from helpers.engine_probe import Probe, ProbeBench, engine_options, registry_with, workflow

import harmonia.store.catalog as catalog_module
from harmonia.engine import open_engine
from harmonia.state import ExecutionState
from harmonia.store import Store
from harmonia.store.catalog import Data, Seen

pytestmark = pytest.mark.anyio


async def test_an_execution_that_ends_during_a_catalog_read_is_listed_as_ended(
    bench: ProbeBench,
    probe: Probe,
) -> None:
    wf = bench.workflow({"a": {"input": {"gate": "a"}}})
    async with bench.engine() as engine:
        state = await engine.start(wf)
        await probe.started("a")
        await engine.writer.flush()
        catalog = engine.store.catalog
        read = catalog.read_seen
        reads = 0

        def read_while_it_ends() -> tuple[Seen, Data]:
            # the rows are read while it runs; it then ends before they reach the index
            nonlocal reads
            reads += 1
            seen_and_rows = read()
            if reads == 1:
                anyio.from_thread.run_sync(probe.open, "a")
                anyio.from_thread.run(engine.wait, state.id)
            return seen_and_rows

        catalog.read_seen = read_while_it_ends  # type: ignore[method-assign]
        with anyio.fail_after(10):
            rows = await engine.index.rows()
        assert not engine.is_live(state.id)
        (row,) = rows
        assert row["status"] == "completed" and row["done_count"] == 1


async def test_listing_reads_the_catalog_only_after_another_process_wrote_it(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # never confirm a read a second time: this test counts reads, and a slow machine could
    # otherwise cross the racy-timestamp window between two listings
    monkeypatch.setattr(catalog_module, "SETTLE_NS", 10**18)
    registry = registry_with(Probe())
    wf = workflow({"a": {}, "b": {"depends_on": ["a"]}}, registry)
    async with open_engine(data_dir, registry, **engine_options()) as engine:
        done = await engine.wait((await engine.start(wf)).id)
        await engine.writer.flush()
        catalog = engine.store.catalog
        loads = count_full_reads(catalog)
        first = await engine.index.rows()
        assert [(r["id"], r["status"]) for r in first] == [(done.id, "completed")]
        for _ in range(50):
            assert await engine.index.rows() == first
        assert loads() <= 1  # at most the first listing's read (the engine wrote since)

        # another process (a `harmonia run` next to the daemon) records an execution
        other = ExecutionState.new("20000101-000000-0000000000", wf.to_document(), {}, 1.0)
        other.status = "failed"
        Store(data_dir).put_summary(other.summary())
        before = loads()
        rows = await engine.index.rows()
        assert [r["id"] for r in rows] == [done.id, other.id]
        assert rows[1]["status"] == "failed"
        assert loads() == before + 1
        for _ in range(20):
            await engine.index.rows()
        assert loads() == before + 1
