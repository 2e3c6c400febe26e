"""A writer commit's last round (its new folders' and catalog lines' fsyncs) runs in the next
commit's first round when one is queued (harmonia.engine.writer): commits overlap by a round.

What must hold: a start returns only once its whole commit is durable, last round included,
and that round shares a round of fsyncs with the next commit's journal lines and copies."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import anyio
import pytest
from helpers.waiting import wait_until_async

import harmonia.store.storage as storage
from harmonia.engine import open_engine
from harmonia.engine.recovery import recover
from harmonia.events import EventType
from harmonia.loader import load_workflow_dict
from harmonia.store import Store

pytestmark = pytest.mark.anyio

WORKFLOW = {"name": "one", "tasks": {"a": {"component": "core", "action": "echo", "input": {}}}}


def job_name(job: Callable[..., Any]) -> str:
    """The function a round's job calls, through the partials that wrap it."""
    while hasattr(job, "func"):
        job = job.args[0] if getattr(job, "func", None) is storage._error_of else job.func
    return getattr(job, "__name__", "?")


async def test_a_start_returns_once_its_folders_are_synced_in_the_next_commits_first_round(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rounds: list[list[str]] = []
    synced: list[Path] = []
    hold = threading.Event()
    real_round, real_copy, real_dir = (
        storage.run_together,
        storage._write_copy,
        storage.fsync_directory,
    )

    def run_together(jobs: Sequence[Callable[[], Any]]) -> Any:
        rounds.append([job_name(job) for job in jobs])
        return real_round(jobs)

    def write_copy(path: Path, pieces: Any) -> str:
        if not hold.is_set():  # the first commit's round waits until the second start is queued
            hold.wait(timeout=30)
        return real_copy(path, pieces)

    def fsync_directory(folder: Path) -> None:
        synced.append(folder)
        real_dir(folder)

    monkeypatch.setattr(storage, "run_together", run_together)
    monkeypatch.setattr(storage, "_write_copy", write_copy)
    monkeypatch.setattr(storage, "fsync_directory", fsync_directory)
    workflow = load_workflow_dict(WORKFLOW)
    async with open_engine(data_dir) as engine:
        ids: list[str] = []

        async def start() -> None:
            state = await engine.start(workflow)
            folder = engine.store.execution_dir(state.id)
            assert folder in synced and folder.parent in synced  # durable before it returned
            ids.append(state.id)

        async with anyio.create_task_group() as tg:
            tg.start_soon(start)
            await wait_until_async(lambda: engine.writer.backlog >= 2, 10, "the first start queued")
            tg.start_soon(start)
            await wait_until_async(lambda: engine.writer.backlog >= 4, 10, "the second queued")
            hold.set()
        assert len(ids) == 2
        for execution_id in ids:
            await engine.wait(execution_id)
    shared = [r for r in rounds if "write_copy" in r and "fsync_directory" in r]
    assert shared, rounds  # the first one's folders were synced with the second one's copy


async def test_a_commit_with_nothing_after_it_runs_its_last_round_alone(data_dir: Path) -> None:
    workflow = load_workflow_dict(WORKFLOW)
    async with open_engine(data_dir) as engine:
        state = await engine.start(workflow)
        final = await engine.wait(state.id)
        assert final.status == "completed"
        assert engine.store.get_summary(state.id)["status"] == "completed"


CHILD = r"""
import os, signal, sys
from pathlib import Path
import anyio
import harmonia.store.storage as storage
from harmonia.engine import open_engine
from harmonia.loader import load_workflow_dict

real = storage.fsync_directory

def fsync_directory(folder):
    # the new execution's folder, synced in the commit's deferred last round: die there
    if Path(folder).parent.name == "executions":
        sys.stdout.write(Path(folder).name + "\n")
        sys.stdout.flush()
        os.kill(os.getpid(), signal.SIGKILL)
    real(folder)

storage.fsync_directory = fsync_directory

async def main():
    wf = load_workflow_dict(
        {"name": "one", "tasks": {"a": {"component": "core", "action": "echo", "input": {"x": 1}}}}
    )
    async with open_engine(sys.argv[1]) as engine:
        await engine.start(wf)
        print("returned", flush=True)  # never: the start is not durable before the kill

anyio.run(main)
"""


async def test_a_kill_in_the_deferred_last_round_leaves_an_execution_that_recovers(
    data_dir: Path,
) -> None:
    """Killed after the renames, before the folders' fsync: the start never returned, and a
    restart finds either nothing or an execution it can run, once."""
    child = await anyio.run_process([sys.executable, "-c", CHILD, str(data_dir)], check=False)
    assert child.returncode == -signal.SIGKILL, child.stderr
    (execution_id,) = child.stdout.decode().split()  # "returned" was never printed
    async with open_engine(data_dir) as engine:
        await recover(engine)
        final = await engine.wait(execution_id)
        assert final.status == "completed"
    store = Store(data_dir)
    events = [e.type for e in store.read_events(execution_id)]
    assert events.count(EventType.TASK_STARTED) == 1
    assert store.get_summary(execution_id)["status"] == "completed"
    store.close()
