"""Inbound hook deliveries per second through a real harmoniad.

    python bench/hooks_bench.py [--count 1000] [--concurrency 16] [--quick] [--sender h11|httpx]

One `harmoniad` (a subprocess, fresh data folder) stores a one-task workflow and a hook bound
to it. `--count` deliveries, each signed (HMAC-SHA256 of `{timestamp}.{body}`) with its own
delivery id, are posted by `--concurrency` senders at once; each is answered once its
signature was checked and its execution durably started (201). Prints deliveries per second
(aim: at least 300/s) with the latency p50/p99, then sends every delivery again: each must be
answered as a replay of the same execution (checked, and timed too). Last, the baseline: as
many `POST /api/v1/executions` of the same workflow (with the token), the same way: what
starting an execution costs without a hook. `--quick`: 100 of each. Each pass prints the
daemon's CPU time (user + system, all its threads) per request beside its wall rate, and
(where `perf` may count them) its fsyncs and context switches per request; the deliveries'
pass also each group of its threads' switches and CPU (named where py-spy is installed). On a
loaded machine the fsync-bound rate reads low, what each delivery costs does not. The bytes the
daemon wrote to disk per request (/proc io `write_bytes`) and the catalog's size at the end show
whether a start costs more as the history grows.

The load generator (`--sender`) is measurement hygiene, as wrk is, not a dodge: by default
(`h11`) every request (body, timestamp, signature, delivery id) is built before the timed pass
(h11 only writes its bytes as it goes out) and sent over `--concurrency` keep-alive connections
with h11 on anyio streams, each answer parsed and checked as strictly as before (status,
distinct execution ids, replays naming the same execution). `--sender httpx` is the first form
of this bench (an httpx client building and sending each request during the pass: ~2 ms of
this process's CPU per request, taken from the daemon on a 2-core machine); quote its figure
beside the default one. Every pass prints this process's own CPU per request (`getrusage`),
so the sender's share is on record.

`--against REF` also measures the code (`harmonia` and `harmoniad`) of a git revision, in
alternation with this tree's, `--rounds` times each: the machine's speed varies by the hour, so
only processes run in the same minutes compare. `--deliveries-only` skips the replay and baseline
passes; `--profile FOLDER` records the daemon's threads with py-spy (raw collapsed stacks).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _daemon import Daemon, daemon_with_client, percentile
from _hook_passes import SENDERS, Pass, deliveries, starts
from _revision import extract_code
from _syscalls import counting
from _threads import per_thread

WORKFLOW = {
    "name": "hooked-echo",
    "input": {"n": {"type": "integer", "default": 0}},
    "tasks": {"echo": {"component": "core", "action": "echo", "input": {"n": "${input.n}"}}},
}


def report(what: str, sender: str, result: Pass) -> None:
    count, elapsed, latencies = result.count, result.elapsed, result.latencies
    print(
        f"{what}: {count} in {elapsed:.2f}s = {count / elapsed:.0f}/s; latency p50 "
        f"{percentile(latencies, 50) * 1000:.1f} ms, p99 {percentile(latencies, 99) * 1000:.1f} ms"
    )
    print(result.sender_line(sender))


def written_bytes(pid: int) -> int:
    """Bytes process `pid` has caused to be written to storage so far (Linux /proc io)."""
    for line in Path(f"/proc/{pid}/io").read_text().splitlines():
        if line.startswith("write_bytes:"):
            return int(line.split()[1])
    return 0


@contextmanager
def profiling(pid: int, out: Path | None) -> Iterator[None]:
    """py-spy recording every thread of `pid` (native frames too) into `out` while the block
    runs; nothing without `out`."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if out is None or not Path(spy).exists():
        yield
        return
    command = [spy, "record", "--threads", "--idle", "--nonblocking", "--format", "raw"]
    process = subprocess.Popen(
        [*command, "-o", str(out), "--pid", str(pid)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(0.5)
    try:
        yield
    finally:
        process.send_signal(2)
        process.wait(timeout=60)


def measure(
    label: str,
    sender: str,
    count: int,
    concurrency: int,
    full: bool,
    profile: Path | None,
    keep_in: Path,
) -> float:
    """One fresh daemon: its deliveries (and with `full`, replays and baseline); the rate. Its
    data folder stays in `keep_in` until the bench ends: removed at once, its thousands of
    files slowed the next rounds (one bench, same code: 542, 313, 268/s at 2.5, 4.7, 5.6 ms of
    daemon CPU a delivery; kept: 639, 670, 685/s at 2.0, 1.9, 1.9 ms; RESULTS, 2026-12-04)."""
    print(f"--- {label} ({sender} sender)")
    with daemon_with_client(keep_in=keep_in) as (daemon, client):
        workflow_id = client.post("/api/v1/workflows", json=WORKFLOW).json()["id"]
        hook = client.post("/api/v1/hooks", json={"name": "bench", "workflow_id": workflow_id})
        hook.raise_for_status()
        secret = hook.json()["secret"]
        pid = daemon.process.pid
        cpu, loop, disk = daemon.cpu_seconds(), daemon.main_thread_sched()[0], written_bytes(pid)
        with per_thread(pid) as threads, counting(pid) as syscalls, profiling(pid, profile):
            first = deliveries(sender, daemon.url, secret, count, concurrency, None)
        cpu, loop = daemon.cpu_seconds() - cpu, daemon.main_thread_sched()[0] - loop
        disk = written_bytes(pid) - disk
        if len(set(first.ids.values())) != count:
            raise SystemExit("some deliveries did not start an execution of their own")
        report("deliveries (signature checked, execution started)", sender, first)
        elapsed = first.elapsed
        hooks_rate = count / elapsed
        print(
            f"daemon CPU per delivery: {cpu / count * 1000:.2f} ms (its executions' runs "
            f"included: they run meanwhile), of which its event loop's thread "
            f"{loop / count * 1000:.2f} ms ({loop / elapsed:.0%} of the wall time: only near "
            "100% is the loop the bound)"
        )
        print(f"daemon syscalls: {syscalls.per(count)}")
        print(f"daemon {threads.per(count)}")
        print(
            f"daemon bytes written per delivery: {disk / count / 1024:.1f} KiB; {catalog(daemon)}"
        )
        print(f"aim: at least 300/s -> {'met' if hooks_rate >= 300 else 'NOT met'}")
        if full:
            passes(daemon, sender, secret, workflow_id, concurrency, first, hooks_rate)
    return hooks_rate


def catalog(daemon: Daemon) -> str:
    """The catalog's files and their sizes now."""
    files = sorted(daemon.data_dir.glob("catalog*"))
    sizes = ", ".join(f"{f.name} {f.stat().st_size / 1024:.0f} KiB" for f in files)
    return f"catalog files: {sizes or 'none'}"


def passes(
    daemon: Daemon,
    sender: str,
    secret: str,
    workflow_id: str,
    concurrency: int,
    first: Pass,
    hooks_rate: float,
) -> None:
    """The replay pass and the baseline pass, after the deliveries (`first`)."""
    count = first.count
    cpu = daemon.cpu_seconds()
    replays = deliveries(sender, daemon.url, secret, count, concurrency, first.ids)
    cpu = daemon.cpu_seconds() - cpu
    report("replays (same ids: answered with the same executions)", sender, replays)
    print(f"daemon CPU per replay: {cpu / count * 1000:.2f} ms")
    cpu = daemon.cpu_seconds()
    with counting(daemon.process.pid) as syscalls:
        baseline = starts(sender, daemon.url, daemon.auth, workflow_id, count, concurrency)
    cpu = daemon.cpu_seconds() - cpu
    if len(set(baseline.ids.values())) != count:
        raise SystemExit("some starts did not start an execution of their own")
    report("baseline: POST /api/v1/executions (token, no hook)", sender, baseline)
    elapsed = baseline.elapsed
    print(f"daemon CPU per start: {cpu / count * 1000:.2f} ms (runs included)")
    print(f"daemon syscalls: {syscalls.per(count)}")
    print(f"deliveries ran at {hooks_rate / (count / elapsed):.2f}x the baseline's rate")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--quick", action="store_true", help="100 deliveries")
    parser.add_argument("--against", metavar="REF", help="also measure this git revision")
    parser.add_argument("--rounds", type=int, default=1, help="alternations with --against")
    parser.add_argument("--deliveries-only", action="store_true", help="no replays, no baseline")
    parser.add_argument("--profile", type=Path, metavar="FOLDER", help="py-spy the daemon")
    parser.add_argument(
        "--sender", choices=SENDERS, default="h11", help="the load generator (default h11)"
    )
    args = parser.parse_args()
    count = 100 if args.quick else args.count
    full = not args.deliveries_only
    if args.profile is not None:
        args.profile.mkdir(parents=True, exist_ok=True)
    rates: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        trees: list[tuple[str, str | None]] = [("this tree", None)]
        if args.against:
            trees.append((args.against, str(extract_code(args.against, Path(folder) / "base"))))
        own = os.environ.get("PYTHONPATH")
        for round_ in range(args.rounds):
            for label, path in trees:
                os.environ.pop("PYTHONPATH", None)
                if path is not None or own is not None:
                    os.environ["PYTHONPATH"] = path or own or ""
                name = label.replace(" ", "-").replace("/", "-")
                out = args.profile / f"{name}-{round_}.txt" if args.profile else None
                rate = measure(
                    f"{label}, round {round_ + 1}",
                    args.sender,
                    count,
                    args.concurrency,
                    full,
                    out,
                    Path(folder),
                )
                rates.setdefault(label, []).append(rate)
    if args.against:
        print("--- summary (deliveries/s per round)")
        for label, values in rates.items():
            print(f"{label}: " + ", ".join(f"{v:.0f}" for v in values))
    return 0


if __name__ == "__main__":
    sys.exit(main())
