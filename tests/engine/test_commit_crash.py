"""kill -9 inside a writer commit, after its journal lines are durable (with the copy of the
state the run ended with) and before the rest of the commit (the points the one-round commit
added, harmonia.engine.writer): the execution recovers from what is on disk (its first snapshot
or `latest.json`, plus the journal), and its finished task never runs again."""

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
    # the state the run ended with (`latest.json`): die before it is renamed into place
    if sys.argv[2] == "rename" and os.path.basename(str(dst)) == "latest.json":
        die()
    return real_replace(src, dst)

def append_at(path, data, offset):
    # the run's end is in its journal (the commit's first round): die before the catalog
    # row that says so is appended
    if sys.argv[2] == "row" and path.name == "catalog.journal" and b'"completed"' in data:
        die()
    return real_append_at(path, data, offset)

os.replace, storage._append_at = replace, append_at

async def main():
    wf = load_workflow_dict(
        {"name": "one", "tasks": {"a": {"component": "core", "action": "echo", "input": {"x": 1}}}}
    )
    async with open_engine(sys.argv[1]) as engine:
        state = await engine.start(wf)
        print(state.id, flush=True)
        await engine.wait(state.id)

anyio.run(main)
"""


async def killed_at_its_end(data_dir: Path, where: str) -> str:
    """The id of a one-task run whose process was killed in the commit of its end, before
    `where`: the "rename" of `latest.json`, or the catalog "row" after it."""
    command = [sys.executable, "-c", CHILD, str(data_dir), where]
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
    execution_id = await killed_at_its_end(data_dir, "rename")
    store = Store(data_dir)
    snapshot = orjson.loads(store.state_path(execution_id).read_bytes())
    assert snapshot["execution"]["1"]["last_seq"] == 0  # the first one
    assert not store.latest_path(execution_id).exists()
    folder = store.execution_dir(execution_id)
    assert list(folder.glob(".latest.json.*.tmp"))  # the end's copy, never renamed
    store.close()
    await recovers_finished_once(data_dir, execution_id)
    assert not list(folder.glob("*.tmp")) and not list(folder.glob(".*.tmp"))  # taken over


async def test_a_kill_before_the_catalog_row_recovers_from_latest_json(data_dir: Path) -> None:
    """`latest.json` was renamed into place (not fsynced: a kill leaves it whole in the page
    cache), the catalog row saying the run ended not yet appended."""
    execution_id = await killed_at_its_end(data_dir, "row")
    store = Store(data_dir)
    latest = orjson.loads(store.latest_path(execution_id).read_bytes())["execution"]["1"]
    assert latest["status"] == "completed"
    assert (
        orjson.loads(store.state_path(execution_id).read_bytes())["execution"]["1"]["last_seq"] == 0
    )
    store.close()
    await recovers_finished_once(data_dir, execution_id)
