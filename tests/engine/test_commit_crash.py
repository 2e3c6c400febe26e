"""kill -9 inside a writer commit, after its journal lines and snapshot copies are durable and
before any rename (the point the one-round commit added, harmonia.engine.writer): the execution
recovers from the old snapshot plus the journal, and its finished task never runs again."""

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
from harmonia.engine import open_engine
from harmonia.engine.recovery import recover
from harmonia.loader import load_workflow_dict

real_replace = os.replace

def replace(src, dst):
    # the final snapshot replaces the first one: die before it is renamed
    if os.path.basename(str(dst)) == "state.json" and os.path.exists(dst):
        sys.stdout.write("killed\n")
        sys.stdout.flush()
        os.kill(os.getpid(), signal.SIGKILL)
    return real_replace(src, dst)

os.replace = replace

async def main():
    wf = load_workflow_dict(
        {"name": "one", "tasks": {"a": {"component": "core", "action": "echo", "input": {"x": 1}}}}
    )
    async with open_engine(sys.argv[1]) as engine:
        engine.records.snapshot_min_events = 0  # a final snapshot even for this short run
        state = await engine.start(wf)
        print(state.id, flush=True)
        await engine.wait(state.id)

anyio.run(main)
"""


async def test_a_kill_before_the_renames_recovers_the_finished_run_without_running_it_again(
    data_dir: Path,
) -> None:
    command = [sys.executable, "-c", CHILD, str(data_dir)]
    child = await anyio.run_process(command, check=False)
    assert child.returncode == -signal.SIGKILL, child.stderr
    execution_id, killed = child.stdout.decode().split()
    assert killed == "killed"
    store = Store(data_dir)
    events = [e.type for e in store.read_events(execution_id)]
    assert EventType.WORKFLOW_COMPLETED in events  # durable before the rename was tried
    snapshot = orjson.loads(store.state_path(execution_id).read_bytes())
    assert snapshot["execution"]["1"]["status"] != "completed"  # the first one, not renamed
    folder = store.execution_dir(execution_id)
    assert list(folder.glob(".state.json.*.tmp"))  # the final snapshot's copy, never renamed
    loaded = store.load_execution(execution_id)  # the old snapshot plus the journal
    assert loaded.status == "completed" and loaded.tasks["a"].status == "completed"

    async with open_engine(data_dir) as engine:
        # its catalog row still says running: recovery finds it finished and records that
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
    assert not list(folder.glob("*.tmp")) and not list(folder.glob(".*.tmp"))  # taken over
    store.close()
