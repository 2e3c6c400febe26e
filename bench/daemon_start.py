"""What one `harmoniad` start costs, from exec to `/health` answering, as the suite meets it.

    python bench/daemon_start.py [--repeat 5] [--against REF] [--rounds 2]
                                 [--first-requests] [--callgrind]

Each start is a whole `harmoniad --port 0 --data-dir DIR` process on a fresh data folder, as
tests/helpers/daemon_testing.py starts it: wall time from exec until its `/health` answered,
its CPU by then (/proc, user+sys of every thread, 10 ms ticks), and its whole life's CPU once
stopped by SIGTERM (`os.wait4`). Best of `--repeat` each, printed beside the interpreter floor
(`python -c pass`) and beside an import-only process (`import harmoniad.__main__`). The modules
a started daemon has imported are counted from `-X importtime` (a separate start).

`--against REF` measures a git revision's `harmonia` and `harmoniad` too, in alternation with
this tree's (`--rounds` times): only processes run in the same minutes compare.
`--first-requests`: the first and the second call of common endpoints on a fresh daemon (wall
ms and the daemon's main-thread CPU ms), so that work moved off the start onto an endpoint's
first use shows. `--callgrind`: the instructions of one start-and-stop under valgrind.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _args import bench_parser
from _daemon import listening_url, process_cpu
from _revision import extract_code

HARMONIAD = Path(sys.executable).with_name("harmoniad")
WORKFLOW = {"name": "start-echo", "tasks": {"echo": {"component": "core", "action": "echo"}}}


@dataclass
class Start:
    wall: float
    """Seconds from exec until `/health` answered 200."""
    cpu_ready: float
    """CPU seconds the daemon had used by then."""
    cpu_life: float
    """CPU seconds of its whole life (start, /health, stop)."""


@dataclass
class Started:
    process: subprocess.Popen[str]
    url: str
    began: float
    stderr: list[str]


def _env(tree: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("HARMONIA_TOKEN", "PYTHONPATH")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # a start without .pyc files is not a user's
    if tree is not None:
        env["PYTHONPATH"] = tree
    return env


@contextmanager
def started(
    tree: str | None, data_dir: Path, prefix: tuple[str, ...] = (), **env_vars: str
) -> Iterator[Started]:
    """A daemon of `tree` (None: this checkout) on `data_dir`, listening; stopped on exit."""
    env = {**_env(tree), **env_vars}
    began = time.perf_counter()
    process = subprocess.Popen(
        [*prefix, str(HARMONIAD), "--port", "0", "--data-dir", str(data_dir)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert process.stdout is not None and process.stderr is not None
    stderr: list[str] = []
    threading.Thread(target=lambda: stderr.extend(process.stderr or ()), daemon=True).start()
    url = listening_url(process)
    if url is None:
        process.wait()
        raise RuntimeError("harmoniad did not start:\n" + "".join(stderr[-30:]))
    try:
        yield Started(process, url, began, stderr)
    finally:
        if process.returncode is None:
            process.terminate()
            process.wait(timeout=120)


def _stop(process: subprocess.Popen[str]) -> float:
    """SIGTERM, reap, and the CPU seconds of the process's whole life."""
    process.send_signal(signal.SIGTERM)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_utime + usage.ru_stime


def one_start(tree: str | None) -> Start:
    with tempfile.TemporaryDirectory() as folder, started(tree, Path(folder) / "data") as d:
        answer = httpx.get(d.url + "/health", timeout=60)
        wall = time.perf_counter() - d.began
        assert answer.status_code == 200, answer.text
        cpu = process_cpu(d.process.pid)
        return Start(wall, cpu, _stop(d.process))


def start_figures(tree: str | None) -> tuple[float, ...]:
    return tuple(vars(one_start(tree)).values())


def one_process(command: list[str], tree: str | None) -> tuple[float, float]:
    """Wall and CPU seconds of a short process."""
    began = time.perf_counter()
    process = subprocess.Popen(command, env=_env(tree))
    _, _, usage = os.wait4(process.pid, 0)
    process.returncode = 0
    return time.perf_counter() - began, usage.ru_utime + usage.ru_stime


def best(runs: int, measure: Callable[[], tuple[float, ...]]) -> tuple[float, ...]:
    """The best (lowest) of each figure over `runs` runs."""
    results = [measure() for _ in range(runs)]
    return tuple(min(r[i] for r in results) for i in range(len(results[0])))


def modules_at_ready(tree: str | None) -> int:
    """How many modules a daemon imported by the time its `/health` answered."""
    with (
        tempfile.TemporaryDirectory() as folder,
        started(tree, Path(folder) / "data", PYTHONPROFILEIMPORTTIME="1") as d,
    ):
        httpx.get(d.url + "/health", timeout=60)
        count = sum(1 for line in list(d.stderr) if line.startswith("import time:"))
    return count - 1  # the header line


def callgrind(tree: str | None) -> int:
    """Instructions of one start, `/health`, and stop, under valgrind (every thread)."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "callgrind.out"
        prefix = ("valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable)
        with started(tree, Path(folder) / "data", prefix) as d:
            httpx.get(d.url + "/health", timeout=600)
            d.process.terminate()
            d.process.wait(timeout=600)
        found = re.search(r"^(?:summary|totals): (\d+)", out.read_text(), re.MULTILINE)
        return int(found.group(1)) if found else 0


def main_thread_cpu(pid: int) -> float:
    """CPU seconds of the daemon's main thread (the event loop: handlers run there), in ns
    precision from /proc schedstat."""
    return int(Path(f"/proc/{pid}/task/{pid}/schedstat").read_text().split()[0]) / 1e9


def first_requests(tree: str | None) -> None:
    """The first and second call of common endpoints on a fresh daemon."""
    with tempfile.TemporaryDirectory() as folder, started(tree, Path(folder) / "data") as d:
        token = (Path(folder) / "data" / "token").read_text().strip()
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=d.url, headers=headers, timeout=60) as client:
            client.get("/health")
            calls: list[tuple[str, str, dict[str, object] | None]] = [
                ("GET", "/api/v1/executions", None),
                ("GET", "/api/v1/workflows", None),
                ("POST", "/api/v1/workflows", WORKFLOW),
                ("POST", "/api/v1/executions", {"workflow": WORKFLOW}),
                ("GET", "/api/v1/components", None),
                ("GET", "/api/v1/schedules", None),
                ("GET", "/api/v1/hooks", None),
                ("GET", "/api/v1/webhooks/deliveries", None),
                ("GET", "/api/v1/templates", None),
                ("GET", "/discovery", None),
                ("GET", "/ready", None),
                ("GET", "/openapi.json", None),
            ]
            print("  endpoint                              first (wall, CPU)   second (wall, CPU)")
            for method, path, body in calls:
                figures = []
                for _ in range(2):
                    cpu = main_thread_cpu(d.process.pid)
                    began = time.perf_counter()
                    answer = client.request(method, path, json=body)
                    wall = time.perf_counter() - began
                    figures.append((wall * 1000, (main_thread_cpu(d.process.pid) - cpu) * 1000))
                    assert answer.status_code < 300, (path, answer.status_code, answer.text)
                (w1, c1), (w2, c2) = figures
                label = f"{method} {path}"
                print(f"  {label:<38}{w1:7.1f} {c1:6.1f} ms     {w2:7.1f} {c2:6.1f} ms")


def main() -> int:
    parser = bench_parser(__doc__, repeat=5, rounds=1)
    parser.add_argument("--against", metavar="REF", help="also measure this git revision")
    parser.add_argument("--first-requests", action="store_true")
    parser.add_argument("--callgrind", action="store_true")
    args = parser.parse_args()
    python = [sys.executable]
    with tempfile.TemporaryDirectory() as folder:
        trees: list[tuple[str, str | None]] = [("this tree", None)]
        if args.against:
            where = extract_code(args.against, Path(folder) / "base")
            subprocess.run([*python, "-m", "compileall", "-q", str(where)], check=True)
            trees.append((args.against, str(where)))
        for tree in trees:  # once each before timing: .pyc files, page cache
            one_start(tree[1])
        for round_ in range(args.rounds):
            print(f"--- round {round_ + 1} ({time.strftime('%H:%M:%S', time.gmtime())} UTC)")
            wall, cpu = best(args.repeat, lambda: one_process([*python, "-c", "pass"], None))
            print(f"python -c pass (floor)   wall {wall * 1000:6.0f} ms  CPU {cpu * 1000:6.0f} ms")
            for label, tree in trees:
                importing = [*python, "-P", "-c", "import harmoniad.__main__"]
                wall, cpu = best(args.repeat, partial(one_process, importing, tree))
                s = best(args.repeat, partial(start_figures, tree))
                print(
                    f"{label:<24} imports: wall {wall * 1000:6.0f} ms  CPU {cpu * 1000:6.0f} ms"
                    f" | start to /health: wall {s[0] * 1000:6.0f} ms  CPU {s[1] * 1000:6.0f} ms"
                    f"  (whole life {s[2] * 1000:6.0f} ms)  [best of {args.repeat}]"
                )
        for label, tree in trees:
            print(f"{label:<24} modules imported by a started daemon: {modules_at_ready(tree)}")
            if args.callgrind:
                print(f"{label:<24} instructions, start + /health + stop: {callgrind(tree):,}")
            if args.first_requests:
                print(f"{label}: first requests")
                first_requests(tree)
    return 0


if __name__ == "__main__":
    sys.exit(main())
