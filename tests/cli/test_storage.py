"""`harmonia run` (the engine in the CLI's own process, no daemon) meeting a full disk: one clear
error, exit code 4, no hang, no traceback; `harmonia resume` completes the run once there is
space, and no task whose completion was recorded runs again.

On a real 2 MiB tmpfs where the machine lets the test mount one (a task fills it), and always
with an injected disk (`diskfull.FlagDisk` inside the CLI process: a task creates the flag
file, and from then on every durable write is torn half-way and fails with ENOSPC).
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from pathlib import Path
from typing import Any

from helpers.diskfull import DiskKind, TmpfsDisk

from harmonia.store import Store

TIMEOUT = 60.0


def harmonia(disk: DiskKind, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HARMONIA_HOME": str(home), "NO_COLOR": "1"}
    return subprocess.run(
        [*disk.command("harmonia"), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=TIMEOUT,
        check=False,
    )


def filling_workflow(disk: DiskKind, log: Path) -> str:
    """a -> fill -> b: `fill` makes the disk full (the first time it runs) and prints a large
    output, whose task_completed line is the first write that cannot be made."""
    if isinstance(disk, TmpfsDisk):
        fill = f"head -c 4000000 /dev/zero > {shlex.quote(str(disk.filler))} || true"
    else:
        fill = f"touch {shlex.quote(str(disk.flag))}"
    once = shlex.quote(str(log.with_suffix(".filled")))
    fill = f"if [ ! -e {once} ]; then touch {once}; {fill}; fi"
    tasks: dict[str, Any] = {}
    for name, deps, extra in (
        ("a", [], "true"),
        ("fill", ["a"], f"{fill}; head -c 65536 /dev/zero | tr '\\\\0' x"),
        ("b", ["fill"], "true"),
    ):
        tasks[name] = {
            "component": "shell",
            "action": "run",
            "depends_on": deps,
            "input": {"command": f"echo {name} >> {shlex.quote(str(log))}; {extra}"},
        }
    return json.dumps({"name": "filler", "tasks": tasks})


def test_harmonia_run_on_a_full_disk_fails_clearly_and_resume_completes_it(
    disk: DiskKind, tmp_path: Path
) -> None:
    log, home = tmp_path / "ran.log", tmp_path / "home"
    workflow = tmp_path / "filler.json"
    workflow.write_text(filling_workflow(disk, log))
    data = str(disk.data_dir)

    run = harmonia(disk, home, "run", str(workflow), "--data-dir", data)
    assert run.returncode == 4, run.stderr
    assert "Traceback" not in run.stderr
    errors = [line for line in run.stderr.splitlines() if line.startswith("harmonia: error:")]
    assert len(errors) == 2, run.stderr
    assert "storage unavailable: cannot write" in errors[0]
    assert "journal.jsonl: No space left on device" in errors[0]
    execution_id = errors[0].split("/executions/")[1].split("/")[0]
    assert f"harmonia resume {execution_id}" in errors[1]

    journal = Store(disk.data_dir).read_events(execution_id)
    raw = (disk.data_dir / "executions" / execution_id / "journal.jsonl").read_bytes()
    assert raw.endswith(b"\n") and len(raw.splitlines()) == len(journal)  # nothing torn
    recorded = {e.task_id for e in journal if e.type == "task_completed"}
    assert "fill" not in recorded

    disk.free()
    resumed = harmonia(disk, home, "resume", execution_id, "--data-dir", data, "--json")
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout)["status"] == "completed"
    ran = log.read_text().split()
    # a task whose completion was recorded never runs again; the others run once more
    assert ran.count("a") == (1 if "a" in recorded else 2), ran
    assert ran.count("fill") == 2, ran
    assert 1 <= ran.count("b") <= 2, ran  # it may have started on fill's unrecorded completion


def test_harmonia_run_that_cannot_even_start_says_so(disk: DiskKind, tmp_path: Path) -> None:
    home = tmp_path / "home"
    workflow = tmp_path / "echo.json"
    workflow.write_text(
        json.dumps({"name": "e", "tasks": {"a": {"component": "core", "action": "echo"}}})
    )
    disk.data_dir.mkdir(parents=True, exist_ok=True)
    disk.fill()
    run = harmonia(disk, home, "run", str(workflow), "--data-dir", str(disk.data_dir))
    assert run.returncode == 4, run.stderr
    assert "Traceback" not in run.stderr
    assert run.stderr.startswith("harmonia: error: storage unavailable: cannot write ")
    assert "No space left on device" in run.stderr
    assert "nothing that was recorded is lost" in run.stderr
    assert not list((disk.data_dir / "executions").glob("*/state.json"))
