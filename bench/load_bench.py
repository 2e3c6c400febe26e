"""Loading workflow files the way a user meets it: whole `harmonia validate` processes.

    python bench/load_bench.py [--runs 7] [--sizes 1000,10000] [--against REF]

Writes 1,000- and 10,000-task random DAGs (bench/_dags.py) as JSON and YAML files, plus a
10,000-task JSON file whose every input references an upstream output, and times
`harmonia validate FILE` as separate processes: each run paired with one validating a 1-task file
of the same format (start-up: interpreter, imports), the median of the differences over `--runs`
pairs. CPU time (user+sys of the child) beyond start-up is printed beside it, steadier on a busy
machine; so is the in-process `load_workflow_file` time. `--against REF` runs the same processes
on the `harmonia` package of a git revision (extracted to a temporary folder), to show the
figures before a change.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _dags import echo_workflow, random_dag
from _revision import extract_harmonia

from harmonia.loader import load_workflow_file

ROOT = Path(__file__).resolve().parent.parent
TARGET_JSON_MS = 150.0  # 10,000-task JSON, beyond start-up
TARGET_YAML_MS = 4 * TARGET_JSON_MS
TARGET_VERSION_MS = 200.0  # `harmonia --version`

Command = list[str]


def with_references(doc: dict[str, Any]) -> dict[str, Any]:
    """Every task's input also reads an output of its first dependency (references checked)."""
    for task in doc["tasks"].values():
        if task["depends_on"]:
            task["input"]["up"] = "${tasks." + task["depends_on"][0] + ".output.i}"
    return doc


def write_files(folder: Path, sizes: list[int]) -> dict[str, Path]:
    files: dict[str, Path] = {}
    one = echo_workflow("one", random_dag(1))
    files["one.json"] = folder / "one.json"
    files["one.json"].write_bytes(orjson.dumps(one))
    files["one.yaml"] = folder / "one.yaml"
    files["one.yaml"].write_text(yaml.safe_dump(one, sort_keys=False))
    for n in sizes:
        doc = echo_workflow(f"dag-{n}", random_dag(n))
        path = folder / f"dag{n}.json"
        path.write_bytes(orjson.dumps(doc, option=orjson.OPT_INDENT_2))
        files[path.name] = path
        path = folder / f"dag{n}.yaml"
        path.write_text(yaml.safe_dump(doc, sort_keys=False))
        files[path.name] = path
    n = max(sizes)
    path = folder / f"refs{n}.json"
    doc = with_references(echo_workflow(f"refs-{n}", random_dag(n)))
    path.write_bytes(orjson.dumps(doc, option=orjson.OPT_INDENT_2))
    files[path.name] = path
    return files


def run_once(command: Command, env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user+sys) seconds of one process; it must succeed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    # cwd: `python -c` puts it first on sys.path, before PYTHONPATH
    done = subprocess.run(command, env=env, cwd=tempfile.gettempdir(), capture_output=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(
            f"{' '.join(command)} failed:\n{done.stdout.decode()}{done.stderr.decode()}"
        )
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def median_run(command: Command, env: dict[str, str], runs: int) -> tuple[float, float]:
    results = [run_once(command, env) for _ in range(runs)]
    return (
        statistics.median(r[0] for r in results),
        statistics.median(r[1] for r in results),
    )


def paired_runs(
    command: Command, startup: Command, env: dict[str, str], runs: int
) -> tuple[float, float, float]:
    """Median wall time of `command`, and the medians of its wall and CPU time beyond
    `startup`, each run right after one of `startup` (a busy machine drifts less within a
    pair than across a series)."""
    walls, beyond, cpu_beyond = [], [], []
    for _ in range(runs):
        base_wall, base_cpu = run_once(startup, env)
        wall, cpu = run_once(command, env)
        walls.append(wall)
        beyond.append(wall - base_wall)
        cpu_beyond.append(cpu - base_cpu)
    return statistics.median(walls), statistics.median(beyond), statistics.median(cpu_beyond)


def in_process(path: Path, runs: int) -> float:
    load_workflow_file(path)  # warm-up: imports, the registry
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        load_workflow_file(path)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(
    label: str,
    harmonia: Command,
    env: dict[str, str],
    files: dict[str, Path],
    runs: int,
    local: bool,
) -> dict[str, float]:
    """Print one table; returns the figures the targets are about (ms)."""
    print(f"\n{label}")
    version_wall, version_cpu = median_run([*harmonia, "--version"], env, runs)
    print(
        f"  harmonia --version                wall {version_wall * 1e3:7.1f} ms"
        f"   cpu {version_cpu * 1e3:7.1f} ms"
    )
    startup = {
        fmt: median_run([*harmonia, "validate", str(files[f"one.{fmt}"])], env, runs)
        for fmt in ("json", "yaml")
    }
    for fmt, (wall, cpu) in startup.items():
        print(
            f"  validate 1-task {fmt:<4} (start-up)   wall {wall * 1e3:7.1f} ms"
            f"   cpu {cpu * 1e3:7.1f} ms"
        )
    figures = {"version": version_wall * 1e3, "startup json": startup["json"][0] * 1e3}
    print(
        f"  {'file':<14} {'wall':>9} {'beyond start-up':>16} {'cpu beyond':>11}"
        f"{'  in-process' if local else ''}"
    )
    for name, path in files.items():
        if name.startswith("one."):
            continue
        one = files[f"one{path.suffix}"]
        wall, beyond, cpu_beyond = paired_runs(
            [*harmonia, "validate", str(path)], [*harmonia, "validate", str(one)], env, runs
        )
        figures[name] = beyond * 1e3
        extra = f"  {in_process(path, runs) * 1e3:8.1f} ms" if local else ""
        print(
            f"  {name:<14} {wall * 1e3:6.1f} ms {beyond * 1e3:13.1f} ms"
            f" {cpu_beyond * 1e3:8.1f} ms{extra}"
        )
    return figures


def base_tree(ref: str, folder: Path) -> Path:
    """The `harmonia` package of revision `ref`, extracted."""
    return extract_harmonia(ref, folder / "base")


def report(figures: dict[str, float], biggest: int) -> None:
    checks: list[tuple[str, float, float]] = [
        ("harmonia --version (start-up)", figures["version"], TARGET_VERSION_MS),
        (
            f"validate {biggest:,}-task JSON beyond start-up",
            figures[f"dag{biggest}.json"],
            TARGET_JSON_MS,
        ),
        (
            f"validate {biggest:,}-task YAML beyond start-up",
            figures[f"dag{biggest}.yaml"],
            TARGET_YAML_MS,
        ),
    ]
    print("targets (start-up: validating a 1-task file of the same format)")
    for what, value, target in checks:
        verdict = "met" if value <= target else "NOT met"
        print(f"  {what:<45} {value:7.1f} ms  (at most {target:.0f} ms)  {verdict}")
    imports = figures["startup json"] - figures["version"]
    print(f"  (validate's own imports, beyond --version: {imports:.0f} ms more)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="processes per figure (median)")
    parser.add_argument("--sizes", default="1000,10000", help="task counts, comma-separated")
    parser.add_argument("--against", metavar="REF", help="also time this git revision's code")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    env = dict(os.environ)
    here = Path(sys.executable).parent / "harmonia"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = write_files(folder, sizes)
        print(
            f"files in {folder}: "
            + ", ".join(
                f"{name} {path.stat().st_size / 1e6:.1f} MB" for name, path in files.items()
            )
        )
        figures = measure(
            "this tree (the harmonia command)", [str(here)], env, files, args.runs, local=True
        )
        before: dict[str, float] | None = None
        if args.against:
            where = base_tree(args.against, folder)
            shim = [
                sys.executable,
                "-c",
                "import sys; from harmonia.cli.main import main; sys.exit(main())",
            ]
            base_env = {**env, "PYTHONPATH": str(where)}
            before = measure(
                f"before: {args.against} (same interpreter, its code from git)",
                shim,
                base_env,
                files,
                args.runs,
                local=False,
            )
        if before is not None:
            print(f"\nbefore ({args.against})")
            report(before, sizes[-1])
        print("\nnow")
        report(figures, sizes[-1])


if __name__ == "__main__":
    main()
