"""`latest.json`: the state a run stopped with, written without fsync beside the fsynced first
snapshot (`state.json`). A cache of that snapshot plus the journal: where a power loss left it
missing, empty, cut short or behind, or where the journal does not reach it, loading passes
over it (never as damage) and gets the same state from `state.json` and the journal. The kills
inside the commit that writes it are in test_commit_crash."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from helpers.engine_probe import Probe, ProbeBench, journal_path

from harmonia.state import ExecutionState
from harmonia.store import Store

pytestmark = pytest.mark.anyio

RETRIED = {"max_retries": 1, "initial_delay": 0.01, "jitter": 0}


def execution_row(path: Path) -> dict[str, Any]:
    """The execution row of a snapshot file (no journal folded in)."""
    row: dict[str, Any] = orjson.loads(path.read_bytes())["execution"]["1"]
    return row


async def finished(bench: ProbeBench) -> tuple[ExecutionState, bytes]:
    """A run with a retried task, to its end; and its first snapshot's bytes."""
    wf = bench.workflow({"a": {}, "b": {"input": {"fail_times": 1}, "retry_policy": RETRIED}})
    async with bench.engine() as engine:
        started = await engine.start(wf)
        first = bench.store().state_path(started.id).read_bytes()
        return await engine.wait(started.id), first


def loads_as(store: Store, live: ExecutionState) -> None:
    loaded = store.load_execution(live.id)
    assert loaded.damage is None
    assert loaded.to_public() == live.to_public() and loaded.last_seq == live.last_seq
    assert {t: s.to_record() for t, s in loaded.tasks.items()} == {
        t: s.to_record() for t, s in live.tasks.items()
    }


async def test_a_run_ends_with_latest_json_beside_its_untouched_first_snapshot(
    bench: ProbeBench,
) -> None:
    live, first = await finished(bench)
    assert live.status == "completed"
    store = bench.store()
    assert store.state_path(live.id).read_bytes() == first  # never rewritten
    row = execution_row(store.latest_path(live.id))
    assert (row["status"], row["last_seq"]) == ("completed", live.last_seq)
    loads_as(store, live)
    assert store.get_summary(live.id)["status"] == "completed"
    store.close()


@pytest.mark.parametrize(
    "left",
    ["missing", "empty", "cut short", "zeroed", "another execution's", "behind the journal"],
)
async def test_a_latest_json_a_power_loss_spoiled_is_passed_over(
    bench: ProbeBench, left: str
) -> None:
    live, _ = await finished(bench)
    store = bench.store()
    path = store.latest_path(live.id)
    whole = path.read_bytes()
    if left == "missing":
        path.unlink()
    elif left == "empty":
        path.write_bytes(b"")
    elif left == "cut short":
        path.write_bytes(whole[: len(whole) // 2])
    elif left == "zeroed":
        path.write_bytes(bytes(len(whole)))
    elif left == "another execution's":
        path.write_bytes(whole.replace(live.id.encode(), b"20260101-000000-0000000000"))
    else:  # an older one (a rename a power loss undid): the journal after it is replayed
        tables = orjson.loads(whole)
        tables["execution"]["1"].update(status="running", last_seq=1)
        tables["tasks"] = {}
        path.write_bytes(orjson.dumps(tables))
    loads_as(store, live)
    store.close()


async def test_a_latest_json_the_journal_does_not_reach_is_passed_over(
    bench: ProbeBench,
) -> None:
    """A whole journal that ends before `latest.json` (put back from an older copy): the
    file is no state of this journal, which loads from the first snapshot as it reads."""
    live, _ = await finished(bench)
    store = bench.store()
    path = journal_path(bench.data_dir, live.id)
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:3]))
    loaded = store.load_execution(live.id)
    assert loaded.damage is None and loaded.last_seq == 3
    assert [e.seq for e in store.read_events(live.id)] == [1, 2, 3]
    assert loaded.status == "running"
    store.close()


async def test_a_checkpoint_after_latest_json_is_the_base(bench: ProbeBench, probe: Probe) -> None:
    """A paused run leaves `latest.json`; resumed, a checkpoint writes `state.json` past it:
    the fsynced one is then the newer, and the journal after it makes the end."""
    wf = bench.workflow(
        {
            "a": {"input": {"gate": "g"}},
            "b": {"depends_on": ["a"], "input": {"gate": "h"}},
        }
    )
    async with bench.engine() as engine:
        state = await engine.start(wf)
        await probe.started("a")
        await engine.pause(state.id)
        probe.open("g")
        paused = (await engine.wait(state.id)).to_public()
        store = bench.store()
        when_paused = store.latest_path(state.id).read_bytes()
        assert orjson.loads(when_paused)["execution"]["1"]["status"] == "paused"
        assert store.load_execution(state.id).to_public() == paused
        await engine.resume(state.id)
        await probe.started("b")
        record = await engine.checkpoint(state.id, "after the pause")
        probe.open("h")
        live = await engine.wait(state.id)
    assert live.status == "completed"
    assert execution_row(store.state_path(live.id))["last_seq"] == record["seq"]
    loads_as(store, live)
    store.latest_path(live.id).write_bytes(when_paused)  # behind the checkpoint now
    loads_as(store, live)
    store.close()


async def test_a_data_folder_of_before_latest_json_loads(bench: ProbeBench) -> None:
    """Folders written before `latest.json` hold the state a run ended with in `state.json`
    (fsynced), and no `latest.json`: the format is the same, one file fewer."""
    from harmonia.store.snapshots import snapshot_of

    live, _ = await finished(bench)
    store = bench.store()
    store.latest_path(live.id).unlink()
    store.write_snapshot(*snapshot_of(live))
    assert execution_row(store.state_path(live.id))["last_seq"] == live.last_seq
    loads_as(store, live)
    store.close()


async def test_a_damaged_journal_still_shows_what_latest_json_holds(bench: ProbeBench) -> None:
    """As a final snapshot did: the lines `latest.json` covers are checked (a damaged one
    damages the execution), and the state shown is the one the run ended with."""
    live, _ = await finished(bench)
    path = journal_path(bench.data_dir, live.id)
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join([*lines[:3], lines[2], *lines[3:]]))
    store = bench.store()
    loaded = store.load_execution(live.id)
    assert loaded.status == "damaged" and loaded.damage is not None
    assert loaded.damage["status"] == "completed" and loaded.damage["files"][0]["line"] == 4
    assert loaded.tasks["b"].to_record() == live.tasks["b"].to_record()
    store.close()
