"""Webhooks out against the engine's time: the 10,000-task DAG in a real `harmoniad`, without
and with an outbound receiver that answers every delivery in 2 s.

    python bench/notify_bench.py [--quick] [--repeat 3] [--events task_completed,workflow_completed]

Each run is a fresh daemon on a fresh data folder, the workflow sent over HTTP, its engine time
read from the execution (`finished_at - started_at`, as the daemon recorded them) beside the
wall time from the request to the end. With notification, every `task_completed` (by default)
is a delivery to the slow receiver: 10,000 deliveries that take ~40 minutes to drain at 8 in
flight, so the backlog is all recorded, on disk, while the run goes on. Target: the engine's
time with notification within 1.05x of without (issue 14). `--quick`: 2,000 tasks, 1 repeat
(to check that the bench runs, not to take figures). Results: bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _daemon import running_daemon
from _dags import echo_workflow, random_dag

TARGET = 1.05
ANSWER_AFTER = 2.0


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


def one_run(document: dict[str, Any]) -> tuple[float, float, int, float]:
    """(engine seconds, wall seconds, deliveries recorded, daemon CPU seconds) of one run in
    a fresh daemon. The CPU time (from the request to the end) is the steadier figure on a
    shared machine."""
    with tempfile.TemporaryDirectory() as folder, running_daemon(Path(folder) / "data") as d:  # noqa: SIM117 - the client needs the daemon's URL
        with httpx.Client(base_url=d.url, headers=d.auth, timeout=600) as api:
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
            page = api.get("/api/v1/webhooks/deliveries", params={"limit": 1}).json()
    return engine, wall, int(page["total"]), cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 tasks, 1 repeat")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each kind (best kept)")
    parser.add_argument(
        "--events",
        default="task_completed,workflow_completed",
        help="the events delivered (default task_completed,workflow_completed)",
    )
    args = parser.parse_args()
    tasks = 2_000 if args.quick else 10_000
    repeat = 1 if args.quick else args.repeat
    plain = echo_workflow("dag", random_dag(tasks))
    events = [e.strip() for e in args.events.split(",") if e.strip()]
    without: list[tuple[float, float, int, float]] = []
    with_notify: list[tuple[float, float, int, float]] = []
    with slow_receiver() as url:
        told = {**plain, "notify": [{"url": url, "events": events}]}
        for _ in range(repeat):  # alternated, so a machine's slow spell hits both kinds
            without.append(one_run(plain))
            with_notify.append(one_run(told))
    base = min(r[0] for r in without)
    notified = min(r[0] for r in with_notify)
    ratio = notified / base
    print(f"random DAG of {tasks} tasks, best of {repeat}, receiver answering in {ANSWER_AFTER:g}s")
    cpu_base, cpu_notified = min(r[3] for r in without), min(r[3] for r in with_notify)
    print(
        f"  without notify: engine {base * 1e3:.0f} ms, wall {min(r[1] for r in without):.2f} s, "
        f"daemon cpu {cpu_base:.2f} s"
    )
    print(
        f"  with notify:    engine {notified * 1e3:.0f} ms, "
        f"wall {min(r[1] for r in with_notify):.2f} s, daemon cpu {cpu_notified:.2f} s, "
        f"{max(r[2] for r in with_notify)} deliveries recorded ({','.join(events)}), "
        f"{SlowReceiver.received} requests received"
    )
    verdict = "met" if ratio <= TARGET else "NOT met"
    print(f"  ratio {ratio:.3f}x (target <= {TARGET}x): {verdict}")
    print(f"  cpu ratio {cpu_notified / cpu_base:.3f}x")


if __name__ == "__main__":
    main()
