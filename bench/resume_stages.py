"""Where a resume's CPU goes before its first new task starts, stage by stage.

    python bench/resume_stages.py [--tasks 10000] [--runs 5] [--callgrind]

crash_resume.py times one resume on a busy machine; this one makes one killed execution (the
same random DAG, SIGKILL at half its events) and resumes a fresh copy of it `--runs` times,
each a whole `harmonia resume` process (bench/_resume_marks.py) that marks the CPU time (all
threads) at the entry and exit of the functions on the resume path and exits at the first
`task_started` it appends. It prints, per stage, the least CPU any run spent since the mark
before (the steady reading on a shared machine), the median CPU from launch and the median
wall time since the mark before. `--callgrind` also counts the instructions of one whole
resume to its first task_started under valgrind (deterministic; ~1 minute).
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _args import bench_parser
from _dags import echo_workflow, random_dag
from crash_resume import default_harmonia, run_and_kill

MARKS = Path(__file__).resolve().parent / "_resume_marks.py"
"""The script each resume runs as: harmonia's CLI with the marks in place."""

Marks = list[tuple[str, float, float]]
"""(label, CPU seconds of the process, wall seconds since the first mark) per mark."""


# ---- the harness -----------------------------------------------------------------------------


def killed_execution(harmonia: str, tasks: int, root: Path) -> tuple[Path, str]:
    """A data folder holding one execution killed at about half its events, and its id."""
    workflow = root / "dag.json"
    workflow.write_text(json.dumps(echo_workflow("resume-stages", random_dag(tasks, seed=7))))
    for share in (2, 3, 4, 8):
        data = root / f"data-{share}"
        killed = run_and_kill(harmonia, workflow, data, (2 * tasks + 2) // share)
        if killed is not None:
            return data, killed[0].parent.name
    raise SystemExit("every run completed before it could be killed")


def resume_marks(python: str, data: Path, execution_id: str, scratch: Path) -> Marks:
    copy = scratch / "copy"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(data, copy)
    out = scratch / "marks.txt"
    out.unlink(missing_ok=True)
    argv = ["resume", execution_id, "--json", "--quiet", "--data-dir", str(copy)]
    subprocess.run([python, str(MARKS), str(out), *argv], check=True, stdout=subprocess.DEVNULL)
    marks = ast.literal_eval(out.read_text())
    start = marks[0][2]
    return [(label, cpu, wall - start) for label, cpu, wall in marks]


def callgrind_count(python: str, data: Path, execution_id: str, scratch: Path) -> int:
    """Instructions of one whole resume to its first task_started (all threads)."""
    copy = scratch / "copy"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(data, copy)
    argv = ["resume", execution_id, "--json", "--quiet", "--data-dir", str(copy)]
    done = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={scratch / 'callgrind.out'}",
            python,
            str(MARKS),
            str(scratch / "marks.txt"),
            *argv,
        ],
        env={**os.environ, "PYTHONHASHSEED": "0"},
        capture_output=True,
        text=True,
        check=True,
    )
    collected = [line for line in done.stderr.splitlines() if "Collected :" in line]
    return int(collected[-1].rsplit(":", 1)[1])


def report(runs: list[Marks]) -> None:
    """Per mark: the least CPU since the mark before, the median CPU from launch, and the
    median wall since the mark before (wall beyond CPU: waits, or other processes' turns)."""
    print(f"{'stage (mark)':42s} {'CPU ms: least since last':>24s} {'median total':>13s}", end="")
    print(f" {'wall ms since last':>19s}")
    for index, (label, _, _) in enumerate(runs[0]):
        same = [run for run in runs if len(run) > index and run[index][0] == label]
        since = [run[index][1] - (run[index - 1][1] if index else 0.0) for run in same]
        total = statistics.median(run[index][1] for run in same)
        wall = statistics.median(
            run[index][2] - (run[index - 1][2] if index else 0.0) for run in same
        )
        print(f"{label:42s} {min(since) * 1000:24.1f} {total * 1000:13.1f} {wall * 1000:19.1f}")


def main() -> int:
    parser = bench_parser(__doc__, tasks=10_000, runs=5)
    parser.add_argument("--callgrind", action="store_true")
    parser.add_argument("--harmonia", default=default_harmonia())
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="harmonia-resume-stages-") as tmp:
        root = Path(tmp)
        data, execution_id = killed_execution(args.harmonia, args.tasks, root)
        report([resume_marks(sys.executable, data, execution_id, root) for _ in range(args.runs)])
        if args.callgrind:
            count = callgrind_count(sys.executable, data, execution_id, root)
            print(f"instructions to the first task_started (callgrind): {count / 1e6:,.1f} M")
    return 0


if __name__ == "__main__":
    sys.exit(main())
