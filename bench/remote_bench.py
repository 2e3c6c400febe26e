"""Remote components: the per-call overhead of a task that calls a Tekton component's tool,
against a plain pooled httpx loop doing the same POSTs in the same minutes (issue 12: at most
1.5x).

A fake Tekton component (tests/helpers/fake_component.py) runs in its own process. Three ways
to make N calls of its no-op tool (`Noop`), at the same concurrency C:

- raw: one pooled `httpx.AsyncClient`, C workers POSTing `/api/mcp/v2/process`;
- engine: an in-process engine running a workflow of N independent `rhetor.Noop` tasks with
  `max_concurrency = C` (journal, events and all: a durable run), tuned as `harmoniad` and
  `harmonia run` tune their process (`ProcessTuning`);
- run: `harmonia run` of that workflow (`--component rhetor=URL`), timed by the execution's own
  `duration` (its start to its end as recorded: the interpreter's start-up and the file's
  loading are left out).

Fairness: raw and engine each run in a child process of their own, alternated round by round
(`--repeats` rounds), so load on the shared machine hits both alike; each child first makes a
warm-up batch of calls the same way (imports, the event loop, the pool's C connections), then
times N calls: wall (perf_counter) and CPU (user+sys of the whole child, all threads, over the
timed part only), and the fake component's CPU over the same part (from /proc). `run`'s CPU is
that of the whole `harmonia run` process less the median of 1-task runs (one a round: start-up,
loading, the final snapshot). Figures are medians over the rounds; the ratios are those of the
medians, and `rounds` gives the lowest and highest of each round's own wall ratio (its raw
child ran in the same minute): the spread says how far to trust a figure.

`--against REF` also times the `harmonia` package of a git revision (extracted, on PYTHONPATH)
in every round, beside this tree's: before/after in the same minutes.

    python bench/remote_bench.py [--tasks 1000] [--concurrency 1 8] [--repeats 5]
                                 [--against main] [--no-run]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from _daemon import process_cpu  # noqa: E402
from _revision import extract_harmonia  # noqa: E402

FAKE = ROOT / "tests" / "helpers" / "fake_component.py"
HARMONIA = str(Path(sys.executable).with_name("harmonia"))
LISTENING = re.compile(r"listening on (http://\S+)")
TARGET = 1.5


# ---- the children (each measurement in a process of its own) ------------------------------


async def raw_calls(client: Any, url: str, n: int, concurrency: int) -> None:
    """N POSTs from `concurrency` workers sharing one pooled client: what a user would write."""
    import anyio

    body = json.dumps({"tool_name": "Noop", "arguments": {}}).encode()
    headers = {"Content-Type": "application/json"}
    left = n

    async def worker() -> None:
        nonlocal left
        while left > 0:
            left -= 1
            answer = await client.post(url + "/api/mcp/v2/process", content=body, headers=headers)
            assert answer.json()["status"] == "success"

    async with anyio.create_task_group() as tg:
        for _ in range(concurrency):
            tg.start_soon(worker)


async def child_raw(url: str, n: int, concurrency: int, warm: int, pid: int) -> dict[str, float]:
    import httpx

    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
    async with httpx.AsyncClient(timeout=None, limits=limits) as client:
        await raw_calls(client, url, warm, concurrency)
        return await timed(raw_calls(client, url, n, concurrency), pid)


def workflow(n: int, concurrency: int, name: str = "remote-noop") -> dict[str, Any]:
    return {
        "name": name,
        "max_concurrency": concurrency,
        "tasks": {f"t{i}": {"component": "rhetor", "action": "Noop"} for i in range(n)},
    }


async def child_engine(url: str, n: int, concurrency: int, warm: int, pid: int) -> dict[str, float]:
    from harmonia.components import default_registry
    from harmonia.engine import open_engine
    from harmonia.engine.tuning import ProcessTuning
    from harmonia.loader import load_workflow_dict

    registry = default_registry(declared={"rhetor": url}, env={})
    warm_wf = load_workflow_dict(workflow(warm, concurrency, "warm-up"), registry=registry)
    wf = load_workflow_dict(workflow(n, concurrency), registry=registry)

    async def run(which: Any) -> None:
        state = await running.start(which)
        state = await running.wait(state.id)
        assert state.status == "completed", state.status

    with tempfile.TemporaryDirectory() as data_dir:
        options: dict[str, Any] = {"checkpoint_interval": None, "hooks": ProcessTuning()}
        async with open_engine(data_dir, registry, **options) as running:
            await run(warm_wf)
            return await timed(run(wf), pid)


async def timed(work: Any, pid: int) -> dict[str, float]:
    server0, cpu0, wall0 = process_cpu(pid), time.process_time(), time.perf_counter()
    await work
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    return {"wall": wall, "cpu": cpu, "server": process_cpu(pid) - server0}


def child_main(args: argparse.Namespace) -> None:
    import anyio

    fn = child_raw if args.child == "raw" else child_engine
    warm = max(50, 5 * args.concurrency[0])
    result = anyio.run(fn, args.url, args.tasks, args.concurrency[0], warm, args.server_pid)
    print(json.dumps(result))


# ---- the parent -------------------------------------------------------------------------------
@dataclass
class Sample:
    wall: float
    cpu: float
    server: float = 0.0


def start_component() -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, str(FAKE), "--port", "0", "--name", "rhetor"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    found = LISTENING.search(process.stdout.readline())
    if found is None:
        process.kill()
        raise RuntimeError("the fake component did not start")
    return process, found.group(1)


def child_env(pythonpath: Path | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.pop("PYTHONPATH", None)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return env


def in_child(
    kind: str, url: str, n: int, concurrency: int, pid: int, pythonpath: Path | None
) -> Sample:
    command = [sys.executable, __file__, "--child", kind, "--url", url, "--tasks", str(n)]
    command += ["--concurrency", str(concurrency), "--server-pid", str(pid)]
    done = subprocess.run(
        command, capture_output=True, text=True, check=False, env=child_env(pythonpath)
    )
    if done.returncode != 0:
        raise RuntimeError(f"{kind} child failed:\n{done.stderr[-4000:]}")
    return Sample(**json.loads(done.stdout.splitlines()[-1]))


def run_command(
    url: str, n: int, concurrency: int, folder: Path, pythonpath: Path | None
) -> Sample:
    """`harmonia run` of the workflow: the execution's duration, and the process's CPU."""
    path = folder / f"wf-{n}.json"
    path.write_text(json.dumps(workflow(n, concurrency)), encoding="utf-8")
    data = tempfile.mkdtemp(dir=folder)
    if pythonpath is None:
        command = [HARMONIA]
    else:
        command = [sys.executable, "-c", "import sys; from harmonia.cli.main import main; "
                   "sys.exit(main())"]  # fmt: skip
    command += ["run", str(path), "--json", "-q", "--data-dir", data]
    command += ["--component", f"rhetor={url}", "--checkpoint-interval", "0"]
    out_path = folder / "run.out"
    with open(out_path, "wb") as out, open(folder / "run.err", "w+b") as err:
        # cwd: `python -c` puts the current folder first on sys.path, so from the repository's
        # root this tree's `harmonia` would shadow the revision's on PYTHONPATH
        env = child_env(pythonpath)
        process = subprocess.Popen(command, stdout=out, stderr=err, env=env, cwd=folder)
        _, status, usage = os.wait4(process.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            err.seek(0)
            raise RuntimeError(err.read()[-4000:].decode(errors="replace"))
    duration = float(json.loads(out_path.read_bytes())["duration"])
    return Sample(duration, usage.ru_utime + usage.ru_stime)


def median(values: list[float]) -> float:
    return statistics.median(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--repeats", type=int, default=5, help="rounds (median)")
    parser.add_argument("--against", metavar="REF", help="also time this git revision")
    parser.add_argument("--no-run", action="store_true", help="leave out `harmonia run`")
    parser.add_argument("--child", choices=["raw", "engine"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--server-pid", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main(args)
        return
    process, url = start_component()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            sides: dict[str, Path | None] = {"this tree": None}
            if args.against:
                where = extract_harmonia(args.against, folder / "revision")
                subprocess.run([sys.executable, "-m", "compileall", "-q", str(where)], check=True)
                sides[args.against] = where
            subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "harmonia")])
            report(args, url, process.pid, folder, sides)
    finally:
        process.kill()
        process.wait()


def report(
    args: argparse.Namespace, url: str, pid: int, folder: Path, sides: dict[str, Path | None]
) -> None:
    print(
        f"fake component at {url} (its own process); {args.tasks} calls of Noop per figure; "
        f"median of {args.repeats} rounds, each kind a child process, alternated"
    )
    print(f"load average at start: {os.getloadavg()[0]:.1f} (2-core machine: >2 means shared)")
    head = f"{'C':>3} {'side':<12} {'kind':<7} {'wall ms/call':>12} {'CPU ms/call':>11}"
    print(head + f" {'server CPU':>10} {'wall ratio':>10} {'CPU ratio':>9} {'rounds':>11}")
    worst = 0.0
    n = args.tasks
    for concurrency in args.concurrency:
        samples: dict[tuple[str, str], list[Sample]] = {}
        ones: dict[str, list[Sample]] = {}
        for _ in range(args.repeats):
            samples.setdefault(("raw", ""), []).append(
                in_child("raw", url, n, concurrency, pid, None)
            )
            for side, path in sides.items():
                engine = in_child("engine", url, n, concurrency, pid, path)
                samples.setdefault(("engine", side), []).append(engine)
                if not args.no_run:
                    full = run_command(url, n, concurrency, folder, path)
                    samples.setdefault(("run", side), []).append(full)
                    ones.setdefault(side, []).append(run_command(url, 1, concurrency, folder, path))
        for side, one in ones.items():  # start-up's CPU: the median of the side's 1-task runs
            start_up = median([s.cpu for s in one])
            for sample in samples[("run", side)]:
                sample.cpu -= start_up
        raws = samples[("raw", "")]
        print(row(concurrency, "(httpx)", "raw", raws, n, None))
        for (kind, side), got in samples.items():
            if kind == "raw":
                continue
            line, ratio = row_with_ratio(concurrency, side, kind, got, raws, n)
            print(line)
            if side == "this tree":
                worst = max(worst, ratio)
    print(f"worst wall ratio (this tree) {worst:.2f}x (target at most {TARGET}x)")


def row(c: int, side: str, kind: str, got: list[Sample], n: int, ratios: Any) -> str:
    wall = median([s.wall for s in got]) / n * 1e3
    cpu = median([s.cpu for s in got]) / n * 1e3
    server = median([s.server for s in got]) / n * 1e3
    text = f"{c:>3} {side:<12} {kind:<7} {wall:>12.3f} {cpu:>11.3f}"
    text += f" {server:>10.3f}" if server else f" {'-':>10}"
    if ratios is not None:
        text += f" {ratios[0]:>9.2f}x {ratios[1]:>8.2f}x {ratios[2]:>5.2f}-{ratios[3]:.2f}x"
    return text


def row_with_ratio(
    c: int, side: str, kind: str, got: list[Sample], raws: list[Sample], n: int
) -> tuple[str, float]:
    """The row, with the ratios of the medians to raw's, and the range of the rounds' own."""
    wall_ratio = median([s.wall for s in got]) / median([r.wall for r in raws])
    cpu_ratio = median([s.cpu for s in got]) / median([r.cpu for r in raws])
    rounds = [s.wall / r.wall for s, r in zip(got, raws, strict=True)]
    ratios = (wall_ratio, cpu_ratio, min(rounds), max(rounds))
    return row(c, side, kind, got, n, ratios), wall_ratio


if __name__ == "__main__":
    main()
