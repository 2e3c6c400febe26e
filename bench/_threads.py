"""A running process's context switches and CPU, per group of its threads (Linux /proc), named
by their Python names (`py-spy dump`, where installed): which thread hops a request makes, e.g.
the daemon's fsync pool, its worker threads, its commit thread and its event loop."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["ThreadCounts", "per_thread"]

Sample = tuple[int, int, float]
"""A thread's voluntary and involuntary context switches, and its seconds on a CPU, so far."""

_DUMPED = re.compile(r'Thread (\d+) \([^)]*\): "([^"]*)"')


class ThreadCounts(dict[str, tuple[int, int, int, float]]):
    """Group name -> (threads, voluntary, involuntary switches, CPU seconds) during a block."""

    def per(self, n: int) -> str:
        if not self:
            return "per thread: not counted"
        parts = [
            f"{name} ({threads}) {vol / n:.1f}+{invol / n:.1f} switches, {cpu / n * 1000:.2f} ms"
            for name, (threads, vol, invol, cpu) in sorted(self.items(), key=lambda i: -i[1][1])
        ]
        return "per thread group (voluntary+involuntary switches, CPU): " + "; ".join(parts)


def _sample(pid: int) -> dict[str, Sample]:
    found: dict[str, Sample] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            status = (task / "status").read_text().splitlines()
            on_cpu = int((task / "schedstat").read_text().split()[0]) / 1e9
        except OSError:  # the thread ended meanwhile
            continue
        counts = {k: int(v) for k, _, v in (line.partition(":") for line in status)
                  if k in ("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")}  # fmt: skip
        found[task.name] = (
            counts.get("voluntary_ctxt_switches", 0),
            counts.get("nonvoluntary_ctxt_switches", 0),
            on_cpu,
        )
    return found


def _names(pid: int) -> dict[str, str]:
    """Thread id -> its Python name, digits dropped (a pool's threads are one group)."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        return {}
    dump = subprocess.run([spy, "dump", "--pid", str(pid)], capture_output=True, text=True)
    return {tid: re.sub(r"[\d_]+$", "", name) for tid, name in _DUMPED.findall(dump.stdout)}


@contextmanager
def per_thread(pid: int) -> Iterator[ThreadCounts]:
    """Count the switches and CPU of each of `pid`'s threads while the block runs."""
    counts = ThreadCounts()
    before = _sample(pid)
    yield counts
    after, names = _sample(pid), _names(pid)
    for tid, (vol, invol, cpu) in after.items():
        vol0, invol0, cpu0 = before.get(tid, (0, 0, 0.0))
        name = names.get(tid, "unnamed")
        threads, v, i, c = counts.get(name, (0, 0, 0, 0.0))
        counts[name] = (threads + 1, v + vol - vol0, i + invol - invol0, c + cpu - cpu0)
