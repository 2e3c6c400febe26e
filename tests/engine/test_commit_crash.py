"""kill -9 inside a writer commit, after its journal lines are durable (with the final
snapshot's copy when it has one) and before the rest of the commit (the points the one-round
commit added, harmonia.engine.writer): the execution recovers from the snapshot on disk plus
the journal, and its finished task never runs again."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import anyio
import orjson
import pytest

from harmonia.engine import open_engine
from harmonia.engine.recovery import recover
from harmonia.events import EventType
from harmonia.store import Store

pytestmark = pytest.mark.anyio

CHILD = r"""
import os, signal, sys
import anyio
import harmonia.store.storage as storage
from harmonia.engine import open_engine
from harmonia.loader import load_workflow_dict

def die():
    sys.stdout.write("killed\n")
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)

real_replace, real_append_at = os.replace, storage._append_at

def replace(src, dst):
    # the final snapshot replaces the first one: die before it is renamed
    if os.path.basename(str(dst)) == "state.json" and os.path.exists(dst):
        die()
    return real_replace(src, dst)

def append_at(path, data, offset):
    # the run's end is in its journal (the commit's first round): die before the catalog
    # row that says so is appended
    if path.name == "catalog.journal" and b'"completed"' in data:
        die()
    return real_append_at(path, data, offset)

os.replace, storage._append_at = replace, append_at

async def main():
    wf = load_workflow_dict(
        {"name": "one", "tasks": {"a": {"component": "core", "action": "echo", "input": {"x": 1}}}}
    )
    async with open_engine(sys.argv[1]) as engine:
        engine.records.snapshot_min_events = int(sys.argv[2])
        state = await engine.start(wf)
        print(state.id, flush=True)
        await engine.wait(state.id)

anyio.run(main)
"""


async def killed_at_its_end(data_dir: Path, snapshot_min_events: int) -> str:
    """The id of a one-task run whose process was killed in the commit of its end."""
    command = [sys.executable, "-c", CHILD, str(data_dir), str(snapshot_min_events)]
    child = await anyio.run_process(command, check=False)
    assert child.returncode == -signal.SIGKILL, child.stderr
    execution_id, killed = child.stdout.decode().split()
    assert killed == "killed"
    return execution_id


async def recovers_finished_once(data_dir: Path, execution_id: str) -> None:
    """Recovery finds the run finished (its catalog row still says running), records that,
    and runs nothing again."""
    store = Store(data_dir)
    events = [e.type for e in store.read_events(execution_id)]
    assert EventType.WORKFLOW_COMPLETED in events  # durable before the kill
    loaded = store.load_execution(execution_id)  # the snapshot on disk plus the journal
    assert loaded.status == "completed" and loaded.tasks["a"].status == "completed"
    async with open_engine(data_dir) as engine:
        assert store.get_summary(execution_id)["status"] == "running"
        await recover(engine)
        final = await engine.wait(execution_id)
        assert final.status == "completed"
    store.close()
    store = Store(data_dir)
    events = [e.type for e in store.read_events(execution_id)]
    assert events.count(EventType.TASK_STARTED) == 1  # never run again
    assert store.get_summary(execution_id)["status"] == "completed"
    assert store.load_execution(execution_id).status == "completed"
    store.close()


async def test_a_kill_before_the_renames_recovers_the_finished_run_without_running_it_again(
    data_dir: Path,
) -> None:
    execution_id = await killed_at_its_end(data_dir, snapshot_min_events=0)  # a final snapshot
    store = Store(data_dir)
    snapshot = orjson.loads(store.state_path(execution_id).read_bytes())
    assert snapshot["execution"]["1"]["status"] != "completed"  # the first one, not renamed
    folder = store.execution_dir(execution_id)
    assert list(folder.glob(".state.json.*.tmp"))  # the final snapshot's copy, never renamed
    store.close()
    await recovers_finished_once(data_dir, execution_id)
    assert not list(folder.glob("*.tmp")) and not list(folder.glob(".*.tmp"))  # taken over


async def test_a_kill_after_a_short_runs_end_recovers_it_from_its_first_snapshot(
    data_dir: Path,
) -> None:
    """A short run ends without a final snapshot (`SNAPSHOT_MIN_EVENTS`): its end is only
    in its journal when the process dies."""
    execution_id = await killed_at_its_end(data_dir, snapshot_min_events=1_000)
    store = Store(data_dir)
    snapshot = orjson.loads(store.state_path(execution_id).read_bytes())
    assert snapshot["execution"]["1"]["last_seq"] == 0  # the first snapshot
    assert not list(store.execution_dir(execution_id).glob(".*.tmp"))  # and no other
    store.close()
    await recovers_finished_once(data_dir, execution_id)
