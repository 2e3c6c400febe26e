"""Remote components: the per-call overhead of a task that calls a Tekton component's tool,
against a plain pooled httpx loop doing the same POSTs in the same run.

A fake Tekton component (tests/helpers/fake_component.py) runs as a separate process. Three
ways to make N calls of its no-op tool (`Noop`), at the same concurrency:

- raw: one pooled `httpx.AsyncClient`, `concurrency` workers POSTing `/api/mcp/v2/process`;
- engine: an in-process engine running a workflow of N independent `rhetor.Noop` tasks with
  `max_concurrency = concurrency` (journal, events and all: a durable run);
- run: `harmonia run` of that workflow (`--component rhetor=URL`), timed by the execution's own
  `duration` (from its start to its end, as recorded), so the interpreter's start-up and the
  file's loading are left out.

Per call = wall time / N; the ratio is engine (or run) per call over raw per call. Target: at
most 1.5x. Usage: `python bench/remote_bench.py [--tasks 1000] [--concurrency 1 8] [--rounds 3]`
(each figure is the best of the rounds: the least disturbed by other work on the machine).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio
import httpx

ROOT = Path(__file__).resolve().parent.parent
FAKE = ROOT / "tests" / "helpers" / "fake_component.py"
HARMONIA = str(Path(sys.executable).with_name("harmonia"))
LISTENING = re.compile(r"listening on (http://\S+)")


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


async def raw(url: str, n: int, concurrency: int) -> float:
    """The floor: the same POSTs from one pooled client, no engine."""
    body = json.dumps({"tool_name": "Noop", "arguments": {}}).encode()
    headers = {"Content-Type": "application/json"}
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
    async with httpx.AsyncClient(timeout=None, limits=limits) as client:
        await client.post(url + "/api/mcp/v2/process", content=body, headers=headers)  # warm up
        left = n

        async def worker() -> None:
            nonlocal left
            while left > 0:
                left -= 1
                answer = await client.post(
                    url + "/api/mcp/v2/process", content=body, headers=headers
                )
                assert answer.json()["status"] == "success"

        started = time.perf_counter()
        async with anyio.create_task_group() as tg:
            for _ in range(concurrency):
                tg.start_soon(worker)
        return time.perf_counter() - started


def workflow(n: int, concurrency: int) -> dict[str, Any]:
    return {
        "name": "remote-noop",
        "max_concurrency": concurrency,
        "tasks": {f"t{i}": {"component": "rhetor", "action": "Noop"} for i in range(n)},
    }


async def engine(url: str, n: int, concurrency: int) -> float:
    from harmonia.components import default_registry
    from harmonia.engine import open_engine
    from harmonia.loader import load_workflow_dict

    registry = default_registry(declared={"rhetor": url}, env={})
    wf = load_workflow_dict(workflow(n, concurrency), registry=registry)
    with tempfile.TemporaryDirectory() as data_dir:
        async with open_engine(data_dir, registry, checkpoint_interval=None) as running:
            started = time.perf_counter()
            state = await running.start(wf)
            state = await running.wait(state.id)
            elapsed = time.perf_counter() - started
    assert state.status == "completed", state.status
    return elapsed


def run_command(url: str, n: int, concurrency: int) -> float:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "wf.json"
        path.write_text(json.dumps(workflow(n, concurrency)), encoding="utf-8")
        done = subprocess.run(
            [
                HARMONIA,
                "run",
                str(path),
                "--json",
                "-q",
                "--data-dir",
                f"{folder}/data",
                "--component",
                f"rhetor={url}",
                "--checkpoint-interval",
                "0",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(done.stderr)
        return float(json.loads(done.stdout)["duration"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    process, url = start_component()
    try:
        print(f"fake component at {url} (another process); {args.tasks} calls of Noop")
        columns = ("concurrency", "raw ms/call", "engine", "ratio", "run", "ratio")
        print(" ".join(f"{c:>{w}}" for c, w in zip(columns, (11, 12, 8, 6, 8, 6), strict=True)))
        worst = 0.0
        for concurrency in args.concurrency:
            raws, engines, runs = [], [], []
            for _ in range(args.rounds):  # interleaved: load on the machine hits all three
                raws.append(anyio.run(raw, url, args.tasks, concurrency))
                engines.append(anyio.run(engine, url, args.tasks, concurrency))
                runs.append(run_command(url, args.tasks, concurrency))
            floor = min(raws) / args.tasks * 1000
            in_process = min(engines) / args.tasks * 1000
            command = min(runs) / args.tasks * 1000
            worst = max(worst, in_process / floor, command / floor)
            print(
                f"{concurrency:>11} {floor:>12.3f} {in_process:>8.3f} {in_process / floor:>5.2f}x"
                f" {command:>8.3f} {command / floor:>5.2f}x"
            )
        print(f"worst ratio {worst:.2f}x (target at most 1.5x)")
    finally:
        process.kill()
        process.wait()


if __name__ == "__main__":
    main()
