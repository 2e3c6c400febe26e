"""100 schedules due in the same second: how late do their runs start?

    python bench/schedule_bench.py [--schedules 100] [--lead 10] [--quick]

One real `harmoniad` (a subprocess, fresh data folder) stores a one-task workflow and
`--schedules` cron schedules of it, all for the same second (a 6-field cron expression, seconds
first, `--lead` seconds after the last one is created). Once every run has started, the
lateness of each is its execution's `started_at` (the `workflow_started` event, as the engine
recorded it) minus its planned time. Prints its p50, p99 and maximum (and the same for
`created_at`, when the run was durably recorded); the aim is a maximum under 1 s. `--quick`
uses 20 schedules (to check the bench runs on a shared machine); the lead's figures come from
a quiet one.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _daemon import daemon_with_client, parse_time, percentile

WORKFLOW = {
    "name": "scheduled-echo",
    "input": {"n": {"type": "integer", "default": 0}},
    "tasks": {"echo": {"component": "core", "action": "echo", "input": {"n": "${input.n}"}}},
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schedules", type=int, default=100)
    parser.add_argument("--lead", type=float, default=10.0, help="seconds after the creates")
    parser.add_argument("--quick", action="store_true", help="20 schedules, a short lead")
    args = parser.parse_args()
    count = 20 if args.quick else args.schedules
    with daemon_with_client() as (_, client):
        workflow_id = client.post("/api/v1/workflows", json=WORKFLOW).json()["id"]
        started = time.monotonic()
        estimate = 0.05 * count + 2  # creating them takes a while: aim past it
        planned = int(time.time() + estimate + args.lead)
        when = time.gmtime(planned)
        cron = f"{when.tm_sec} {when.tm_min} {when.tm_hour} {when.tm_mday} {when.tm_mon} *"
        ids = []
        for i in range(count):
            body = {"workflow_id": workflow_id, "cron": cron, "input": {"n": i}}
            answer = client.post("/api/v1/schedules", json=body)
            answer.raise_for_status()
            ids.append(answer.json()["id"])
        created = time.monotonic() - started
        if time.time() >= planned:
            print(f"creating {count} schedules took {created:.1f}s: past the planned time")
            return 1
        print(f"{count} schedules created in {created:.2f}s, all due at {cron!r} (UTC)")
        runs = wait_for_runs(client, ids, deadline=planned + 60)
        lateness, created_late = [], []
        for execution_id in runs:
            execution = client.get(f"/api/v1/executions/{execution_id}").json()
            assert execution["trigger"]["planned_at"] == planned
            lateness.append(parse_time(execution["started_at"]) - planned)
            created_late.append(parse_time(execution["created_at"]) - planned)
    print(f"{len(lateness)} runs started; {spread('lateness (started_at - planned)', lateness)}")
    print(f"  {spread('recorded (created_at - planned)', created_late)}")
    met = max(lateness) < 1.0
    verdict = "met" if met else "NOT met"
    print(f"aim: every run started within 1000 ms of its planned time -> {verdict}")
    return 0


def spread(what: str, seconds: list[float]) -> str:
    """`what` p50/p99/max in milliseconds."""
    p50, p99 = percentile(seconds, 50), percentile(seconds, 99)
    worst = max(seconds)
    return f"{what}: p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, max {worst * 1000:.0f} ms"


def wait_for_runs(client: httpx.Client, ids: list[str], *, deadline: float) -> list[str]:
    """Every schedule's execution id, once each has started one (polling the listing)."""
    while time.time() < deadline:
        items = client.get("/api/v1/schedules").json()["items"]
        started = [
            r["execution_id"]
            for s in items
            if s["id"] in ids
            for r in s["runs"]
            if r["state"] == "started"
        ]
        if len(started) == len(ids):
            return started
        time.sleep(0.5)
    raise SystemExit("not every schedule started its run within a minute")


if __name__ == "__main__":
    sys.exit(main())
