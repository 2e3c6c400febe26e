"""Webhooks out against the engine's time: the 10,000-task DAG in a real `harmoniad`, without
and with an outbound receiver that answers every delivery in 2 s.

    python bench/notify_bench.py [--quick] [--repeat 3] [--warm] [--python PY] [--against REF]

Each run is a fresh daemon on a fresh data folder, the workflow sent over HTTP, its engine time
read from the execution (`finished_at - started_at`, as the daemon recorded them) beside the
wall time from the request to the end. Three kinds of run, alternated: without notification;
with every `task_completed` (and the end) delivered to the slow receiver, the worst case:
10,001 deliveries that take ~40 minutes to drain at 8 in flight, so the backlog is all
recorded, on disk, while the run goes on; and with the events issue 14 names as its example
(`workflow_completed,workflow_failed,task_failed,task_waiting`: one delivery a run). Target:
the engine's time with notification within 1.05x of without (issue 14). `--quick`: 2,000
tasks, 1 repeat (to check that the bench runs, not to take figures). `--python`: the daemons
run on another interpreter, e.g. a user's venv (`pip install .`, no extras: no trio, which
httpcore imports when it is there), this tree's code put first on its path. `--against REF`:
a git revision's code too, alternated with this tree's run by run. Results: bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _daemon import running_daemon
from _dags import echo_workflow, random_dag
from _revision import ROOT, extract_code

TARGET = 1.05
ANSWER_AFTER = 2.0
RECORDED_WITHIN = 30.0
WORST = ("task_completed", "workflow_completed")
"""Every task's end delivered: 10,001 deliveries, the worst case."""
ISSUE_EXAMPLE = ("workflow_completed", "workflow_failed", "task_failed", "task_waiting")
"""The events issue 14 names as its example: one delivery for a run that succeeds."""


class SlowReceiver(BaseHTTPRequestHandler):
    """Takes every delivery, answers 200 after `ANSWER_AFTER` seconds (a slow receiver)."""

    received = 0
    lock = threading.Lock()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with SlowReceiver.lock:
            SlowReceiver.received += 1
        time.sleep(ANSWER_AFTER)  # the receiver's own slowness: what the bench is about
        try:
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()
        except OSError:
            pass  # the daemon stopped while we were slow

    def log_message(self, format: str, *args: Any) -> None:
        return None


@contextmanager
def slow_receiver() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowReceiver)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        server.shutdown()
        server.server_close()


def seconds(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


Run = tuple[float, float, int, float]
"""(engine seconds, wall seconds, deliveries recorded, daemon CPU seconds) of one run."""


@dataclass(frozen=True)
class Tree:
    """Whose code the daemons run, on which interpreter."""

    label: str
    python: str
    env: dict[str, str]


def one_run(
    tree: Tree, document: dict[str, Any], expected: int, warm: dict[str, Any] | None
) -> Run:
    """(engine seconds, wall seconds, deliveries recorded, daemon CPU seconds) of one run in
    a fresh daemon (after the `warm` run, if any). The CPU time (from the request to the
    end) is the steadier figure on a shared machine. The deliveries are counted once
    `expected` are recorded (the recorder writes every 0.25 s, so the run's end can come
    before its last round), or after `RECORDED_WITHIN` seconds, whatever the count is then."""
    with (
        tempfile.TemporaryDirectory() as folder,
        running_daemon(Path(folder) / "data", python=tree.python, env=tree.env) as d,
        httpx.Client(base_url=d.url, headers=d.auth, timeout=600) as api,
    ):
        if warm is not None:
            warm_up(api, warm)
        cpu = d.cpu_seconds()
        started = time.perf_counter()
        answer = api.post("/api/v1/executions", json={"workflow": document})
        answer.raise_for_status()
        execution_id = answer.json()["id"]
        with api.stream("GET", f"/events/executions/{execution_id}") as stream:
            for _ in stream.iter_lines():
                pass  # the stream ends with the execution
        wall = time.perf_counter() - started
        cpu = d.cpu_seconds() - cpu
        execution = api.get(f"/api/v1/executions/{execution_id}").json()
        assert execution["status"] == "completed", execution["status"]
        engine = seconds(execution["finished_at"]) - seconds(execution["started_at"])
        recorded = recorded_deliveries(api, execution_id, expected)
    return engine, wall, recorded, cpu


def warm_up(api: httpx.Client, document: dict[str, Any]) -> None:
    """Run `document` to its end and, if it notifies, wait for its first attempt: the daemon
    then holds its HTTP client (a once-per-process start-up: importing httpx and httpcore,
    loading the CA certificates), as one that has sent before does."""
    received = SlowReceiver.received
    execution_id = api.post("/api/v1/executions", json={"workflow": document}).json()["id"]
    with api.stream("GET", f"/events/executions/{execution_id}") as stream:
        for _ in stream.iter_lines():
            pass
    deadline = time.monotonic() + RECORDED_WITHIN
    while document.get("notify") and SlowReceiver.received == received:
        if time.monotonic() > deadline:
            raise RuntimeError("the warm-up's delivery was not attempted")
        time.sleep(0.05)  # a condition with a deadline


def recorded_deliveries(api: httpx.Client, execution_id: str, expected: int) -> int:
    """The run's deliveries recorded, once `expected` are (or the deadline passed)."""
    deadline = time.monotonic() + RECORDED_WITHIN
    params: dict[str, str | int] = {"limit": 1, "execution_id": execution_id}
    while True:
        total = int(api.get("/api/v1/webhooks/deliveries", params=params).json()["total"])
        if total >= expected or time.monotonic() > deadline:
            return total
        time.sleep(0.05)  # polling the daemon's answer, a condition with a deadline


Kind = tuple[str, dict[str, Any], int, dict[str, Any]]
"""(name, workflow, deliveries expected, its warm-up workflow)."""


def kinds_of(tasks: int, url: str) -> list[Kind]:
    """Without notify, then the worst case, then the issue's example events."""
    plain = echo_workflow("dag", random_dag(tasks))
    small = echo_workflow("warm", random_dag(2))
    kinds: list[Kind] = [("without notify", plain, 0, small)]
    for name, events, expected in (
        ("every task_completed", WORST, tasks + 1),
        ("the issue's events", ISSUE_EXAMPLE, 1),
    ):
        notify = [{"url": url, "events": list(events)}]
        kinds.append((name, {**plain, "notify": notify}, expected, {**small, "notify": notify}))
    return kinds


def report(tree: Tree, kinds: list[Kind], runs: dict[str, list[Run]]) -> None:
    """Each kind's best engine, wall and CPU time; the ratios against "without notify"."""
    print(f" {tree.label}:")
    base = min(r[0] for r in runs["without notify"])
    cpu_base = min(r[3] for r in runs["without notify"])
    for name, _, expected, _ in kinds:
        found = runs[name]
        engine, cpu = min(r[0] for r in found), min(r[3] for r in found)
        wall = min(r[1] for r in found)
        line = (
            f"  {name + ':':22s} engine {engine * 1e3:5.0f} ms, wall {wall:.2f} s, cpu {cpu:.2f} s"
        )
        if expected:
            verdict = "met" if engine / base <= TARGET else "NOT met"
            line += (
                f", {min(r[2] for r in found)} of {expected} deliveries recorded; "
                f"ratio {engine / base:.3f}x ({verdict}, target <= {TARGET}x), "
                f"cpu ratio {cpu / cpu_base:.3f}x"
            )
        print(line)


def trees_of(args: argparse.Namespace, folder: Path) -> list[Tree]:
    """This tree's code (on `--python`: put first on its path), and `--against`'s."""
    python = args.python or sys.executable
    here = {"PYTHONPATH": os.pathsep.join([str(ROOT / "daemon"), str(ROOT)])}
    trees = [Tree("this tree", python, here if args.python else {})]
    if args.against:
        code = extract_code(args.against, folder / "against")
        trees.append(Tree(args.against, python, {"PYTHONPATH": str(code)}))
    return trees


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 tasks, 1 repeat")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each kind (best kept)")
    parser.add_argument(
        "--warm",
        action="store_true",
        help="each daemon first runs a 2-task workflow (notifying as the measured one does), "
        "so the one-time start of its HTTP client is out of the measured run",
    )
    parser.add_argument("--python", help="the interpreter the daemons run on (a user's venv)")
    parser.add_argument("--against", metavar="REF", help="a git revision's code, alternated")
    args = parser.parse_args()
    tasks = 2_000 if args.quick else 10_000
    repeat = 1 if args.quick else args.repeat
    with tempfile.TemporaryDirectory() as folder, slow_receiver() as url:
        trees = trees_of(args, Path(folder))
        kinds = kinds_of(tasks, url)
        runs = {t.label: {k[0]: list[Run]() for k in kinds} for t in trees}
        for _ in range(repeat):  # alternated, so a machine's slow spell hits every kind and tree
            for name, document, expected, warm in kinds:
                for tree in trees:
                    run = one_run(tree, document, expected, warm if args.warm else None)
                    runs[tree.label][name].append(run)
    daemons = "after a warm-up run each" if args.warm else "fresh daemons"
    print(
        f"random DAG of {tasks} tasks, best of {repeat}, receiver answering in "
        f"{ANSWER_AFTER:g}s, {daemons}, python {args.python or sys.executable}"
    )
    for tree in trees:
        report(tree, kinds, runs[tree.label])
    print(f"  {SlowReceiver.received} requests received")


if __name__ == "__main__":
    main()
