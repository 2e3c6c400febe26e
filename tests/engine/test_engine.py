"""The catalog row stays current while an execution runs, and finished streams end."""

from __future__ import annotations

import anyio
import pytest
from helpers.engine_probe import Probe, ProbeBench

from harmonia.bus import Subscription
from harmonia.engine import Engine
from harmonia.store import Store

pytestmark = pytest.mark.anyio


async def test_catalog_row_is_current_while_running_and_after_resume(
    bench: ProbeBench, probe: Probe
) -> None:
    wf = bench.workflow({"a": {"input": {"gate": "a"}}, "b": {"depends_on": ["a"]}})
    async with bench.engine() as engine:
        state = await engine.start(wf)
        await probe.started("a")
        await engine.writer.flush()
        row = Store(bench.data_dir).get_summary(state.id)
        assert row["status"] == "running"
        assert row["started_at"] is not None
        await engine.pause(state.id)
        probe.open("a")
        await engine.wait(state.id)
        assert Store(bench.data_dir).get_summary(state.id)["status"] == "paused"
        await engine.resume(state.id)
        await engine.writer.flush()
        row = Store(bench.data_dir).get_summary(state.id)
        assert row["status"] in ("running", "completed")
        final = await engine.wait(state.id)
        assert final.status == "completed"
        assert Store(bench.data_dir).get_summary(state.id)["done_count"] == 2


def replay_only(engine: Engine, execution_id: str, after_seq: int | None) -> Subscription:
    subscription = engine.subscribe(execution_id, after_seq=after_seq, until_finished=True)
    subscription.end_after_replay()
    return subscription


async def test_a_replay_only_stream_of_a_finished_execution_ends(bench: ProbeBench) -> None:
    wf = bench.workflow({"a": {}, "b": {"depends_on": ["a"]}})
    async with bench.engine() as first:
        state = await first.start(wf)
        await first.wait(state.id)
    async with bench.engine() as engine:
        with anyio.fail_after(10):
            history = [e.seq async for e in replay_only(engine, state.id, 0)]
            assert history == list(range(1, state.last_seq + 1))
            tail = [e.seq async for e in replay_only(engine, state.id, 3)]
            assert tail == list(range(4, state.last_seq + 1))
            nothing = [e async for e in replay_only(engine, state.id, None)]
            assert nothing == []


async def test_live_ids_lists_the_executions_the_engine_holds(
    bench: ProbeBench, probe: Probe
) -> None:
    gated = bench.workflow({"a": {"input": {"gate": "a"}}}, name="gated")
    quick = bench.workflow({"a": {}}, name="quick")
    async with bench.engine() as engine:
        done = await engine.wait((await engine.start(quick)).id)
        running = await engine.start(gated)
        await probe.started("a")
        assert engine.live_ids() == [running.id]
        assert engine.is_live(running.id) and not engine.is_live(done.id)
        probe.open("a")
        await engine.wait(running.id)
        assert engine.live_ids() == []


async def test_a_bug_in_a_run_ends_the_engine_loudly_instead_of_hanging(
    bench: ProbeBench, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An exception escaping an execution's run (an engine bug) cancels the executions' task
    group; the shutdown that follows must still flush through the writer and let the error
    out (it used to wait forever on a cancelled writer: `harmonia resume` hung at 0% CPU)."""
    from harmonia.engine.runner import ExecutionRunner

    async def broken(self: ExecutionRunner, tid: str, *, careful: bool = False) -> bool | None:
        raise RuntimeError(f"engine bug while running {tid}")

    monkeypatch.setattr(ExecutionRunner, "_attempts", broken)
    wf = bench.workflow({"a": {}})
    bug = pytest.RaisesExc(RuntimeError, match="engine bug while running a")
    with anyio.fail_after(30), pytest.RaisesGroup(bug, flatten_subgroups=True):
        async with bench.engine() as engine:
            state = await engine.start(wf)
            await engine.wait(state.id)
    # what was recorded before the bug is on disk: the execution can be looked at
    assert Store(bench.data_dir).load_execution(state.id).status == "running"
