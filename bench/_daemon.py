"""A real `harmoniad` subprocess for the API benchmarks, and small measuring helpers."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import httpx

LISTENING = re.compile(r"harmoniad listening on (http://\S+)")


class Daemon:
    def __init__(self, process: subprocess.Popen[str], url: str, data_dir: Path) -> None:
        self.process = process
        self.url = url
        self.data_dir = data_dir
        self.token = (data_dir / "token").read_text().strip()

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def ws_url(self) -> str:
        return "ws" + self.url.removeprefix("http")

    def cpu_seconds(self) -> float:
        """User + system CPU time the daemon has used so far (Linux /proc)."""
        return process_cpu(self.process.pid)

    def main_thread_sched(self) -> tuple[float, float]:
        """The daemon's main thread (engine and API share it): seconds on a CPU so far, and
        seconds it was ready to run but waited for one (Linux /proc schedstat)."""
        fields = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/schedstat").read_text()
        on_cpu, waiting, _ = fields.split()
        return int(on_cpu) / 1e9, int(waiting) / 1e9

    def rss_mb(self) -> float:
        """Resident memory of the daemon process now (Linux /proc)."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")


def listening_url(process: subprocess.Popen[str]) -> str | None:
    """The address a starting daemon prints on stdout, or None if it ended first; then its
    stdout is drained in a thread, so the daemon never blocks on a full pipe."""
    assert process.stdout is not None
    url = None
    for line in process.stdout:
        found = LISTENING.search(line)
        if found:
            url = found.group(1)
            break
    if url is not None:
        threading.Thread(target=lambda: [None for _ in process.stdout or ()], daemon=True).start()
    return url


@contextmanager
def running_daemon(
    data_dir: Path,
    *args: str,
    profile: Path | None = None,
    python: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Iterator[Daemon]:
    """`harmoniad --port 0` on `data_dir` (access log off: the benchmark measures the API).

    With `profile`, the daemon runs under cProfile and writes its statistics there when it
    stops (exact call counts: how many encodings, writes and sends each event costs).
    `python`: another interpreter (a user's venv, without the dev extras) runs `-m harmoniad`;
    `env`: variables set for it (PYTHONPATH, to run another tree's code)."""
    script = Path(sys.executable).with_name("harmoniad")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "harmoniad"]
    if python is not None:
        command = [python, "-P", "-m", "harmoniad"]  # -P: the cwd does not shadow PYTHONPATH
    if profile is not None:
        command = [
            python or sys.executable,
            "-m",
            "cProfile",
            "-o",
            str(profile),
            "-m",
            "harmoniad",
        ]
    env = {k: v for k, v in os.environ.items() if k != "HARMONIA_TOKEN"} | dict(env or {})
    process = subprocess.Popen(
        [*command, "--port", "0", "--data-dir", str(data_dir), "--no-access-log", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    url = listening_url(process)
    if url is None:
        raise RuntimeError(f"harmoniad did not start (exit code {process.wait()})")
    try:
        yield Daemon(process, url, data_dir)
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextmanager
def _folder(keep_in: Path | None) -> Iterator[Path]:
    if keep_in is not None:
        yield Path(tempfile.mkdtemp(dir=keep_in))
        return
    with tempfile.TemporaryDirectory() as folder:
        yield Path(folder)


@contextmanager
def daemon_with_client(
    *args: str, keep_in: Path | None = None
) -> Iterator[tuple[Daemon, httpx.Client]]:
    """`running_daemon` on a fresh temporary data folder, and an HTTP client of it (its token,
    a 60 s timeout). `keep_in`: the folder is made there and left for its owner to remove, so
    that removing thousands of executions does not slow the next daemon of the same bench run
    (it did, 2x: bench/RESULTS.md 2026-12-04; this machine's ext4 is mounted with `discard`)."""
    with (
        _folder(keep_in) as folder,
        running_daemon(folder / "data", *args) as daemon,
        httpx.Client(base_url=daemon.url, headers=daemon.auth, timeout=60) as client,
    ):
        yield daemon, client


def process_cpu(pid: int) -> float:
    """CPU seconds (user+sys, all its threads) process `pid` has used so far; 0 off Linux.
    For a child still running, which `os.wait4` cannot measure yet."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def parse_time(text: str) -> float:
    """An event's ISO 8601 `timestamp` as Unix seconds."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]
