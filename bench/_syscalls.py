"""Counting a running process's fsyncs and context switches with `perf stat` (Linux), so a
benchmark can print them per request beside its rate: on a loaded machine an fsync-bound rate
reads low, while the number of fsyncs each request costs does not change with the load."""

from __future__ import annotations

import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

EVENTS = {
    "fsync": "syscalls:sys_enter_fsync",
    "fdatasync": "syscalls:sys_enter_fdatasync",
    "switches": "context-switches",
}


class Counts(dict[str, float]):
    """What `counting` saw: event name -> count (empty when perf could not count)."""

    def per(self, n: int) -> str:
        if not self:
            return "syscalls not counted (no perf, or no permission for tracepoints)"
        fsync, fdatasync = self.get("fsync", 0) / n, self.get("fdatasync", 0) / n
        return (
            f"fsync+fdatasync per request {fsync + fdatasync:.2f} "
            f"(fsync {fsync:.2f}, fdatasync {fdatasync:.2f}), "
            f"context switches per request {self.get('switches', 0) / n:.1f}"
        )


@contextmanager
def counting(pid: int) -> Iterator[Counts]:
    """Count `EVENTS` in process `pid` (all its threads) while the block runs."""
    counts = Counts()
    perf = shutil.which("perf")
    if perf is None:
        yield counts
        return
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "perf.csv"
        events = ",".join(EVENTS.values())
        command = [perf, "stat", "-x", ",", "-e", events, "-p", str(pid), "-o", str(out)]
        process = subprocess.Popen(command, stderr=subprocess.DEVNULL)
        time.sleep(0.3)  # perf attaches to every thread before the block starts
        try:
            yield counts
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=30)
            names = {v: k for k, v in EVENTS.items()}
            for line in out.read_text().splitlines() if out.exists() else []:
                fields = line.split(",")
                if len(fields) > 2 and fields[2] in names and fields[0].isdigit():
                    counts[names[fields[2]]] = float(fields[0])
