"""How fast does a killed 10,000-task execution get going again?

    python bench/crash_resume.py [--tasks 10000] [--seed 7] [--harmonia PATH]

Runs a random DAG of `core.echo` tasks (each depends on up to 3 of the previous 50, see
`_dags.random_dag`) with `harmonia run` in a subprocess, kills it with SIGKILL once its journal
holds about half of the run's events, then launches `harmonia resume ID` and tails the journal:

- time to first new task: from launching `resume` until the journal shows a new `task_started`
  (process start, imports, loading snapshot + journal, repairing a torn tail, first commit);
  the target is under 1 s;
- total resume time, until `resume` exits.

Then it checks that the execution completed and that no task whose `task_completed` was in the
journal at the kill started again. Exits 1 if a check fails.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _dags import echo_workflow, random_dag

POLL = 0.0005


def default_harmonia() -> str:
    script = Path(sys.executable).parent / "harmonia"
    return str(script) if script.exists() else "harmonia"


def count_lines(path: Path) -> int:
    try:
        with open(path, "rb") as handle:
            return handle.read().count(b"\n")
    except FileNotFoundError:
        return 0


def complete_events(path: Path) -> tuple[list[dict[str, object]], int]:
    """Events of the journal's complete lines, and the byte offset just after them."""
    data = path.read_bytes()
    end = data.rfind(b"\n") + 1
    events = []
    for line in data[:end].splitlines():
        try:
            events.append(json.loads(line))
        except ValueError:
            break  # torn (only ever the last line)
    return events, end


def run_and_kill(
    harmonia: str, workflow: Path, data_dir: Path, mark: int
) -> tuple[Path, float, list[dict[str, object]], int] | None:
    """Run the workflow and SIGKILL it once its journal holds `mark` lines. Returns the
    journal, the seconds it ran, its complete events and their byte length; None if the run
    completed (or was not killed) first."""
    started = time.perf_counter()
    run = subprocess.Popen(
        [harmonia, "run", str(workflow), "--quiet", "--data-dir", str(data_dir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    executions = data_dir / "executions"
    journal: Path | None = None
    deadline = time.monotonic() + 120
    while run.poll() is None and time.monotonic() < deadline:
        if journal is None and executions.is_dir():
            found = list(executions.iterdir())
            if found:
                journal = found[0] / "journal.jsonl"
        if journal is not None and count_lines(journal) >= mark:
            os.kill(run.pid, signal.SIGKILL)
            break
        time.sleep(POLL)
    run.wait()
    if run.returncode != -signal.SIGKILL or journal is None:
        return None
    before, offset = complete_events(journal)
    if any(e["type"] == "workflow_completed" for e in before):
        return None
    return journal, time.perf_counter() - started, before, offset


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--harmonia", default=default_harmonia())
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="harmonia-crash-resume-") as tmp:
        root = Path(tmp)
        workflow = root / "dag.json"
        doc = echo_workflow("crash-resume-bench", random_dag(args.tasks, seed=args.seed))
        workflow.write_text(json.dumps(doc))
        expected_events = 2 * args.tasks + 2  # started + completed per task, start and end

        # ---- run, then kill half-way ------------------------------------------------------
        # The journal grows by group commits, which on a quiet machine can be a third of the
        # run each: if a run ends before a poll sees half of it, try again with the kill at a
        # lower mark (printed below), rather than report a crash that did not happen.
        for attempt, share in enumerate((2, 3, 4, 8)):
            data_dir = root / f"data-{attempt}"
            killed = run_and_kill(args.harmonia, workflow, data_dir, expected_events // share)
            if killed is not None:
                break
        else:
            print("every run completed before it could be killed; nothing to resume")
            return 1
        journal, run_seconds, before, offset = killed
        data = str(data_dir)
        execution_id = journal.parent.name
        print(f"kill mark:                  1/{share} of the run's {expected_events} events")
        done_before = {e["task_id"] for e in before if e["type"] == "task_completed"}
        torn = journal.stat().st_size - offset

        # ---- resume, tail the journal for the first new task_started ------------------------
        launched = time.perf_counter()
        resume = subprocess.Popen(
            [args.harmonia, "resume", execution_id, "--json", "--quiet", "--data-dir", data],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        first_task: float | None = None
        position = offset  # a torn tail is cut by resume; complete lines stay where they are
        with open(journal, "rb") as handle:
            while first_task is None and resume.poll() is None:
                handle.seek(position)
                chunk = handle.read()
                # Only whole lines move the position on: the torn tail left by the kill has no
                # newline, and resume cuts it before appending, so reading past it would glue
                # its bytes to the first new line.
                whole = chunk[: chunk.rfind(b"\n") + 1]
                if whole:
                    position += len(whole)
                    for line in whole.splitlines():
                        if b'"task_started"' in line and json.loads(line)["type"] == "task_started":
                            first_task = time.perf_counter() - launched
                            break
                else:
                    time.sleep(POLL)
        out, err = resume.communicate()
        total = time.perf_counter() - launched
        if resume.returncode != 0:
            print(f"resume failed ({resume.returncode}): {err.decode()[-2000:]}")
            return 1

        # ---- checks -----------------------------------------------------------------------
        final = json.loads(out)
        after, _ = complete_events(journal)
        rerun = sorted(
            {
                e["task_id"]
                for e in after[len(before) :]
                if e["type"] == "task_started" and e["task_id"] in done_before
            }
        )
        completions: dict[str, int] = {}
        for e in after:
            if e["type"] == "task_completed":
                completions[str(e["task_id"])] = completions.get(str(e["task_id"]), 0) + 1
        twice = sorted(t for t, n in completions.items() if n > 1)
        interrupted = [e for e in after[len(before) :] if e["type"] == "workflow_resumed"]
        again = len(interrupted[0]["data"]["interrupted"]) if interrupted else 0

        print(f"tasks:                      {args.tasks}")
        print(f"killed after:               {run_seconds:.2f} s, journal {len(before)} events")
        print(
            f"                            ({len(done_before)} tasks completed, torn tail {torn} B)"
        )
        print(f"tasks running at the kill:  {again} (these run again)")
        first = "never" if first_task is None else f"{first_task * 1000:.0f} ms"
        verdict = "ok" if first_task is not None and first_task < 1.0 else "MISSED"
        print(f"first new task_started:     {first}  (target < 1000 ms: {verdict})")
        print(f"total resume:               {total:.2f} s")
        print(f"final status:               {final['status']}")
        print(f"completed tasks run again:  {len(rerun)}")
        print(f"tasks completed twice:      {len(twice)}")
        # where the time goes, measured in this process for reference
        from harmonia.loader import load_workflow_dict

        t0 = time.perf_counter()
        load_workflow_dict(doc)
        print(
            f"(for reference: loading and validating this workflow in-process takes "
            f"{time.perf_counter() - t0:.2f} s)"
        )
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import harmonia.cli.follow"], check=True)
        print(
            f"(for reference: starting Python and importing the CLI's engine takes "
            f"{time.perf_counter() - t0:.2f} s)"
        )
        good = final["status"] == "completed" and not rerun and not twice
        good = good and len(completions) == args.tasks
        print("result:                     " + ("ok" if good else "FAILED"))
        return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
