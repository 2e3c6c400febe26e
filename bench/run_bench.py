"""Every figure of issue 10, measured the way a user meets it: whole `harmonia` processes.

    python bench/run_bench.py [--quick] [--repeat 3] [--fanout] [--only NAME,...] [--against REF]

Workflows are written to files and run or validated by separate `harmonia` processes. Each
figure is the best of `--repeat` processes, wall time beside CPU time (user+sys of the child,
from `os.wait4`: the same numbers as `getrusage(RUSAGE_CHILDREN)`, per child). On a shared
machine the CPU figure is the steadier one. `--quick` shrinks every workflow (to check that the
bench runs, not to take figures); `--fanout` also runs bench/fanout_bench.py (minutes);
`--against REF` times the `harmonia` package of a git revision instead (the "before" figures).
Each figure is printed with its target, and met or not against wall and against CPU time.
Results and how to read them: bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import anyio
import orjson
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _dags import chain, echo_workflow, random_dag
from _revision import extract_harmonia
from crash_resume import TARGET_FIRST_TASK, crash_and_resume
from raw_limit import run_raw

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Child:
    """One finished child process: wall and CPU seconds, peak RSS in KB."""

    wall: float
    cpu: float
    maxrss_kb: int


@dataclass
class Row:
    figure: str
    value: str
    target: str
    met: bool | None
    note: str = ""
    met_cpu: bool | None = None
    """The target held against CPU time instead of wall time (a loaded machine's reading)."""


def verdicts(
    wall: float, cpu: float, limit_wall: float, limit_cpu: float
) -> tuple[bool | None, bool | None]:
    """Met or not against wall and CPU; no verdict when a figure "beyond start-up" came out at
    or below zero: the machine's speed then varied more than the figure, and only a re-run tells."""
    if wall <= 0 or cpu <= 0:
        return None, None
    return wall <= limit_wall, cpu <= limit_cpu


LAUNCHER = """
import os, subprocess, sys, time
started = time.perf_counter()
process = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(process.pid, 0)
wall = time.perf_counter() - started
with open(sys.argv[1], "w") as numbers:
    numbers.write(f"{wall} {usage.ru_utime + usage.ru_stime} {usage.ru_maxrss}")
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 128 - code)
"""
"""Starts the measured process from a small Python process and reports its rusage. A child's
`ru_maxrss` is at least its parent's peak RSS at the spawn (vfork + exec carry the parent's
high-water mark into the child's; measured: /bin/true spawned by a process that once held
300 MB reports 313 MB), and this bench holds the generated workflows: its 1-task run read
106-121 MB when it peaks at 39 MB. The launcher's own peak (~10 MB) is below any `harmonia`."""


def run_child(command: list[str], stdout: Path | None = None) -> Child:
    """Run one process to its end (it must succeed); its own rusage, not its siblings' nor
    this process's (see LAUNCHER). stdout and stderr go to files, as a script that keeps
    them would have it."""
    err_path = Path(tempfile.gettempdir()) / "harmonia-run-bench.stderr"
    numbers = Path(tempfile.gettempdir()) / "harmonia-run-bench.rusage"
    launch = [sys.executable, "-c", LAUNCHER, str(numbers), *command]
    with open(stdout or os.devnull, "wb") as out, open(err_path, "w+b") as err:
        returncode = subprocess.run(launch, stdout=out, stderr=err, check=False).returncode
        if returncode != 0:
            err.seek(0)
            tail = err.read()[-4000:].decode(errors="replace")
            raise SystemExit(f"{' '.join(command)} exited {returncode}:\n{tail}")
    wall, cpu, maxrss = numbers.read_text().split()
    return Child(float(wall), float(cpu), int(maxrss))


def best(command: list[str], repeat: int, stdout: Path | None = None) -> Child:
    """Best wall, best CPU and lowest peak RSS over `repeat` runs (each its own minimum: on a
    loaded machine the noise only ever adds)."""
    runs = [run_child(command, stdout) for _ in range(repeat)]
    return Child(
        min(r.wall for r in runs), min(r.cpu for r in runs), min(r.maxrss_kb for r in runs)
    )


def raw_limit(graph: dict[str, list[str]], repeat: int) -> tuple[float, float]:
    """Best wall and CPU seconds of the raw anyio+graphlib limit, in this process (after a
    warm-up run: the first one pays for importing the event loop's modules)."""
    anyio.run(run_raw, chain(10))
    walls, cpus = [], []
    for _ in range(repeat):
        cpu0 = time.process_time()
        walls.append(anyio.run(run_raw, graph))
        cpus.append(time.process_time() - cpu0)
    return min(walls), min(cpus)


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:.0f} ms"


class Bench:
    def __init__(self, folder: Path, repeat: int, quick: bool, harmonia: str) -> None:
        self.harmonia = harmonia
        self.folder = folder
        self.repeat = repeat
        self.quick = quick
        self.rows: list[Row] = []
        self.n_chain = 200 if quick else 1_000
        self.n_dag = 2_000 if quick else 10_000
        self.n_big = 10_000 if quick else 100_000
        self.files: dict[str, Path] = {}
        self._write("one", echo_workflow("one", random_dag(1)))
        self._write("chain", echo_workflow("chain", chain(self.n_chain)))
        self._write("dag", echo_workflow("dag", random_dag(self.n_dag)))

    def _write(self, name: str, doc: dict[str, object], yaml_too: bool = True) -> None:
        path = self.folder / f"{name}.json"
        path.write_bytes(orjson.dumps(doc, option=orjson.OPT_INDENT_2))
        self.files[f"{name}.json"] = path
        if yaml_too:
            path = self.folder / f"{name}.yaml"
            path.write_text(yaml.safe_dump(doc, sort_keys=False))
            self.files[f"{name}.yaml"] = path

    def add(self, row: Row) -> None:
        self.rows.append(row)
        verdict = "" if row.met is None else ("met" if row.met else "NOT met")
        if row.met is None and row.target:
            verdict = "no verdict: re-run"
        if row.met_cpu is not None:
            verdict += f" (cpu: {'met' if row.met_cpu else 'NOT met'})"
        print(f"  {row.figure:<48} {row.value:<44} {row.target:<15} {verdict:<24} {row.note}")
        sys.stdout.flush()

    # ---- start-up and loading ---------------------------------------------------------------
    def startup(self) -> None:
        version = best([self.harmonia, "--version"], self.repeat)
        self.add(
            Row(
                "harmonia --version",
                f"wall {ms(version.wall)}, cpu {ms(version.cpu)}",
                "<= 200 ms",
                version.wall <= 0.2,
                met_cpu=version.cpu <= 0.2,
            )
        )

    def validate(self) -> None:
        target = 0.150 * self.n_dag / 10_000
        for fmt, limit in (("json", target), ("yaml", 4 * target)):
            one = best([self.harmonia, "validate", str(self.files[f"one.{fmt}"])], self.repeat)
            big = best([self.harmonia, "validate", str(self.files[f"dag.{fmt}"])], self.repeat)
            wall, cpu = big.wall - one.wall, big.cpu - one.cpu
            met, met_cpu = verdicts(wall, cpu, limit, limit)
            self.add(
                Row(
                    f"validate {self.n_dag:,}-task {fmt.upper()}, beyond start-up",
                    f"wall {ms(wall)}, cpu {ms(cpu)}",
                    f"<= {ms(limit)}",
                    met,
                    f"(start-up: wall {ms(one.wall)}, cpu {ms(one.cpu)})",
                    met_cpu,
                )
            )

    # ---- running ----------------------------------------------------------------------------
    def run(self) -> None:
        run_one = [self.harmonia, "run", "--json"]
        with tempfile.TemporaryDirectory(dir=self.folder) as data:
            one = best([*run_one, "--data-dir", data, str(self.files["one.json"])], self.repeat)
        print(f"  (start-up of a 1-task run: wall {ms(one.wall)}, cpu {ms(one.cpu)})")
        shapes: list[tuple[str, str, Callable[[], dict[str, list[str]]]]] = [
            ("chain", f"chain-{self.n_chain}", lambda: chain(self.n_chain)),
            ("dag", f"random-dag-{self.n_dag}", lambda: random_dag(self.n_dag)),
        ]
        for name, label, graph in shapes:
            raw_wall, raw_cpu = raw_limit(graph(), self.repeat)
            with tempfile.TemporaryDirectory(dir=self.folder) as data:
                command = [*run_one, "--data-dir", data, str(self.files[f"{name}.json"])]
                got = best(command, self.repeat, stdout=self.folder / "out.json")
            wall, cpu = got.wall - one.wall, got.cpu - one.cpu
            met, met_cpu = verdicts(wall, cpu, 2 * raw_wall, 2 * raw_cpu)
            self.add(
                Row(
                    f"run --json {label}, beyond a 1-task run",
                    f"wall {ms(wall)} = {wall / raw_wall:.1f}x raw, cpu {ms(cpu)} = "
                    f"{cpu / raw_cpu:.1f}x",
                    "<= 2x raw",
                    met,
                    f"(raw: wall {ms(raw_wall)}, cpu {ms(raw_cpu)})",
                    met_cpu,
                )
            )

    def resume(self) -> None:
        firsts: list[float] = []
        cpus: list[float] = []
        totals: list[float] = []
        for attempt in range(self.repeat):
            root = self.folder / f"resume-{attempt}"
            root.mkdir()
            got = crash_and_resume(self.harmonia, self.n_dag, 7, root)
            if isinstance(got, str) or not got.good or got.first_task is None:
                raise SystemExit(f"crash and resume went wrong: {got}")
            firsts.append(got.first_task)
            cpus.append(got.first_cpu if got.first_cpu is not None else float("nan"))
            totals.append(got.total)
        first, cpu = min(firsts), min(cpus)
        self.add(
            Row(
                f"resume after kill -9 ({self.n_dag:,}-task DAG)",
                f"first task_started: wall {ms(first)}, cpu {ms(cpu)}",
                f"<= {ms(TARGET_FIRST_TASK)}",
                first <= TARGET_FIRST_TASK,
                f"(whole resume {min(totals):.2f} s)",
                cpu <= TARGET_FIRST_TASK,
            )
        )

    def memory(self) -> None:
        self._write("big", echo_workflow("big", random_dag(self.n_big)), yaml_too=False)
        run_one = [self.harmonia, "run", "--json"]
        with tempfile.TemporaryDirectory(dir=self.folder) as data:
            one = run_child([*run_one, "--data-dir", data, str(self.files["one.json"])])
        with tempfile.TemporaryDirectory(dir=self.folder) as data:
            command = [*run_one, "--data-dir", data, str(self.files["big.json"])]
            big = run_child(command, stdout=self.folder / "out.json")
        floor = run_child([sys.executable, "-P", "-c", FLOOR_SCRIPT, str(self.files["big.json"])])
        per_task = big.maxrss_kb * 1024 / self.n_big
        beyond = (big.maxrss_kb - one.maxrss_kb) * 1024 / self.n_big
        self.add(
            Row(
                f"run {self.n_big:,}-task DAG (JSON): peak RSS",
                f"{big.maxrss_kb / 1024:.0f} MB = {per_task / 1024:.2f} KB/task",
                "<= 1.5 KB/task",
                per_task <= 1.5 * 1024,
                f"({beyond / 1024:.2f} KB/task beyond a 1-task run; "
                f"{big.wall:.1f} s, cpu {big.cpu:.1f} s)",
            )
        )
        self.add(
            Row(
                "  floor: imports of `run` + the file parsed",
                f"{floor.maxrss_kb / 1024:.0f} MB = "
                f"{floor.maxrss_kb * 1024 / self.n_big / 1024:.2f} KB/task",
                "",
                None,
                f"(the run is {big.maxrss_kb / floor.maxrss_kb:.2f}x its floor)",
            )
        )

    def fanout(self) -> None:
        script = Path(__file__).resolve().parent / "fanout_bench.py"
        extra = ["--tasks", "2000", "--repeat", "1", "--gate", "2"] if self.quick else []
        print("  fan-out (bench/fanout_bench.py):", flush=True)
        subprocess.run([sys.executable, str(script), *extra], check=True)


def revision_command(ref: str, folder: Path) -> Path:
    """An executable `harmonia` running the `harmonia` package of git revision `ref`
    (extracted; on PYTHONPATH, which comes before the editable install's finder). `-P`: without
    it `python -c` puts the working folder first, and run from the repository root the tree's
    own `harmonia` would shadow the revision's."""
    where = extract_harmonia(ref, folder / "revision")
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(where)], check=True)
    script = folder / "harmonia-revision"
    script.write_text(
        f"#!/bin/sh\nPYTHONPATH={where} exec {sys.executable} -P -c "
        "'import sys; from harmonia.cli.main import main; sys.exit(main())' \"$@\"\n"
    )
    script.chmod(0o755)
    return script


FLOOR_SCRIPT = """
import sys
from pathlib import Path
import orjson
import harmonia.cli.main, harmonia.cli.follow, harmonia.loader
text = Path(sys.argv[1]).read_text(encoding="utf-8-sig")
document = orjson.loads(text)
"""
"""The memory floor of `harmonia run FILE`: a process that imports what the run imports and
holds the file's text and its parsed document, as the loader does, and nothing else. Run with
this interpreter and `-P` (the tree's `harmonia`, whatever `--against` times)."""

FIGURES = ("startup", "validate", "run", "resume", "memory")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small workflows, 1 repeat")
    parser.add_argument("--repeat", type=int, default=3, help="processes per figure (best)")
    parser.add_argument("--fanout", action="store_true", help="also run fanout_bench.py")
    parser.add_argument("--only", help="comma-separated subset of: " + ", ".join(FIGURES))
    parser.add_argument("--against", metavar="REF", help="time this git revision's code instead")
    args = parser.parse_args()
    repeat = 1 if args.quick and args.repeat == 3 else args.repeat
    chosen = args.only.split(",") if args.only else list(FIGURES)
    print(
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}  python {sys.version.split()[0]}"
        f"  cpus {os.cpu_count()}  load {os.getloadavg()[0]:.1f}  best of {repeat}"
        + ("  (QUICK: small workflows, no figures)" if args.quick else "")
    )
    # Children start as from a user's shell: with PYTHONDONTWRITEBYTECODE set (as in some CI
    # and sandbox shells) every start-up compiles every module again, ~0.4 s. And byte-compiled
    # as an installed package is (an editable install is not, until first use).
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    for package in ("harmonia", "daemon", "tui"):
        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", str(ROOT / package)],
            check=True,
        )
    with tempfile.TemporaryDirectory(prefix="harmonia-run-bench-") as tmp:
        os.chdir(tmp)  # `python -c` (the revision's command) puts the working folder first
        harmonia = str(Path(sys.executable).parent / "harmonia")
        if args.against:
            harmonia = str(revision_command(args.against, Path(tmp)))
            print(f"the harmonia package of {args.against} (same interpreter and dependencies)")
        bench = Bench(Path(tmp), repeat, args.quick, harmonia)
        figures = {
            "startup": bench.startup,
            "validate": bench.validate,
            "run": bench.run,
            "resume": bench.resume,
            "memory": bench.memory,
        }
        for name in chosen:
            figures[name]()
        if args.fanout:
            bench.fanout()


if __name__ == "__main__":
    main()
