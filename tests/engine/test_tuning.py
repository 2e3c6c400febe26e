"""Process-wide tuning (`harmonia.engine.tuning`): only a program that owns its process applies
it. An `Engine` used as a library leaves the collector and the switch interval alone; `harmonia
run`'s engine freezes a large execution's heap and shortens the interval while its writer runs.

Every async test runs on asyncio and trio (see `anyio_backend` in conftest.py).
"""

from __future__ import annotations

import gc
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers.cli_process import cli_subprocess
from helpers.engine_probe import Probe, ProbeBench, run_to_end
from helpers.workflows import task

from harmonia.engine.tuning import (
    DEFAULT_FREEZE_MIN_TASKS,
    PYTHON_DEFAULT_INTERVAL,
    WRITER_SWITCH_INTERVAL,
    YOUNG_THRESHOLD,
    ProcessTuning,
    _HeapFreezer,
    heap_freezer,
    switch_interval,
)

pytestmark = pytest.mark.anyio


def large(gated: str = "go") -> dict[str, dict[str, Any]]:
    """A workflow as large as the default freeze threshold: one gated task, the rest after it."""
    tasks: dict[str, dict[str, Any]] = {"gate": {"input": {"gate": gated}}}
    for i in range(DEFAULT_FREEZE_MIN_TASKS - 1):
        tasks[f"t{i}"] = {"depends_on": ["gate"]}
    return tasks


async def test_an_engine_used_as_a_library_tunes_nothing_process_wide(
    bench: ProbeBench, probe: Probe
) -> None:
    wf = bench.workflow(large())
    interval = sys.getswitchinterval()
    assert gc.get_freeze_count() == 0
    async with bench.engine() as engine:
        started = await engine.start(wf)
        await probe.started("gate")  # the execution is live and its writer runs
        assert gc.get_freeze_count() == 0
        assert sys.getswitchinterval() == interval
        probe.open("go")
        assert (await engine.wait(started.id)).status == "completed"
    assert gc.get_freeze_count() == 0
    assert sys.getswitchinterval() == interval


async def test_process_tuning_freezes_a_large_execution_only_while_it_is_live(
    bench: ProbeBench,
    probe: Probe,
) -> None:
    wf = bench.workflow({"a": {"input": {"gate": "go"}}, "b": {"depends_on": ["a"]}})
    assert gc.get_freeze_count() == 0
    async with bench.engine(hooks=ProcessTuning(freeze_min_tasks=2)) as engine:
        started = await engine.start(wf)
        await probe.started("a")
        assert heap_freezer.holders == 1
        assert gc.get_freeze_count() > 0
        probe.open("go")
        state = await engine.wait(started.id)
        assert state.status == "completed"
        assert heap_freezer.holders == 0
        assert gc.get_freeze_count() == 0
        # below the threshold nothing is frozen at all
        small = bench.workflow({"only": {"input": {"gate": "go"}}}, name="small")
        state = await run_to_end(engine, small)
        assert state.status == "completed"
        assert heap_freezer.holders == 0


def test_harmonia_run_tunes_its_own_process_for_a_large_execution(tmp_path: Path) -> None:
    """The real command: its tasks read the collector's and the GIL's settings from inside it."""
    tasks: dict[str, Any] = {
        f"t{i}": task("core.echo", input={"i": i}) for i in range(DEFAULT_FREEZE_MIN_TASKS)
    }
    for name, function in (
        ("frozen", "gc:get_freeze_count"),
        ("interval", "sys:getswitchinterval"),
    ):
        tasks[name] = task("python.call", input={"function": function, "isolation": "inline"})
    path = tmp_path / "large.json"
    path.write_text(json.dumps({"name": "large", "tasks": tasks}))
    env = {**os.environ, "HARMONIA_HOME": str(tmp_path / "home"), "NO_COLOR": "1"}
    command = ["run", str(path), "--json", "--data-dir", str(tmp_path / "data")]
    done = cli_subprocess(env, Path.cwd(), timeout=120)(*command)
    assert done.returncode == 0, done.stderr
    outputs = {t: doc.get("output") for t, doc in json.loads(done.stdout)["tasks"].items()}
    assert outputs["frozen"] > 0
    assert outputs["interval"] == WRITER_SWITCH_INTERVAL


def test_the_writer_shortens_the_switch_interval_only_from_the_default() -> None:
    before = sys.getswitchinterval()
    try:
        sys.setswitchinterval(PYTHON_DEFAULT_INTERVAL)
        with switch_interval.shortened():
            assert sys.getswitchinterval() == WRITER_SWITCH_INTERVAL
            with switch_interval.shortened():  # a second engine in the process
                pass
            assert sys.getswitchinterval() == WRITER_SWITCH_INTERVAL
        assert sys.getswitchinterval() == PYTHON_DEFAULT_INTERVAL
        sys.setswitchinterval(0.002)  # somebody's own choice: left alone
        with switch_interval.shortened():
            assert sys.getswitchinterval() == 0.002
        assert sys.getswitchinterval() == 0.002
    finally:
        sys.setswitchinterval(before)


def test_the_heap_freezer_leaves_someone_elses_freeze_alone() -> None:
    freezer = _HeapFreezer()
    gc.freeze()
    try:
        assert freezer.hold("x") is False
        freezer.release("x")
        assert gc.get_freeze_count() > 0  # not undone by us
    finally:
        gc.unfreeze()
    assert freezer.hold("x") is True and freezer.hold("y") is True
    freezer.release("x")
    assert gc.get_freeze_count() > 0  # "y" still holds it
    freezer.release("y")
    assert gc.get_freeze_count() == 0


def test_the_heap_freezer_collects_the_young_generation_less_often_while_it_holds() -> None:
    freezer = _HeapFreezer()
    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        assert freezer.hold("x") is True and freezer.hold("y") is True
        assert gc.get_threshold() == (YOUNG_THRESHOLD, 10, 10)
        freezer.release("x")
        assert gc.get_threshold() == (YOUNG_THRESHOLD, 10, 10)  # "y" still holds it
        freezer.release("y")
        assert gc.get_threshold() == (700, 10, 10)
        # thresholds someone set meanwhile are theirs: left as they are
        freezer.hold("x")
        gc.set_threshold(123, 4, 5)
        freezer.release("x")
        assert gc.get_threshold() == (123, 4, 5)
    finally:
        gc.set_threshold(*before)
        assert gc.get_freeze_count() == 0


@pytest.mark.parametrize("size", [3, DEFAULT_FREEZE_MIN_TASKS])
def test_harmonia_run_freezes_the_loaded_workflow_before_the_collector_walks_it(
    size: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The command's freeze comes while loading's pause still holds (no pass over the loaded
    workflow before it), whatever the size; the engine's own follows for a large execution;
    all are let go by the end."""
    from harmonia.cli.main import main

    tasks = {f"t{i}": task("core.echo", input={"i": i}) for i in range(size)}
    path = tmp_path / "wf.json"
    path.write_text(json.dumps({"name": "wf", "tasks": tasks}))
    holds: list[tuple[bool, bool]] = []
    """(the holder is the engine's, the collector was on) for each hold."""
    hold = heap_freezer.hold

    def spied_hold(holder: object) -> bool:
        holds.append((isinstance(holder, tuple), gc.isenabled()))  # (engine, execution id)
        return hold(holder)

    monkeypatch.setattr(heap_freezer, "hold", spied_hold)
    code = main(["run", str(path), "--json", "--quiet", "--data-dir", str(tmp_path / "data")])
    assert code == 0
    assert json.loads(capsys.readouterr().out)["status"] == "completed"
    assert holds[0] == (False, False)  # the command's, with the collector still paused
    engine_holds = holds[1:]
    assert all(engine for engine, _ in engine_holds)
    assert bool(engine_holds) == (size >= DEFAULT_FREEZE_MIN_TASKS)
    assert heap_freezer.holders == 0
    assert gc.get_freeze_count() == 0
    assert gc.isenabled()
