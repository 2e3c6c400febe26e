"""How fast a daemon shows up in Hermes, and leaves it.

Each round starts a real `harmoniad --hermes URL` on a fresh data folder against the fake Hermes
of the tests (tests/helpers/fake_hermes.py, served in this process), and measures:

- listen -> visible: from the daemon's `listening` line to its entry in the registry (the goal:
  within 1 s of the daemon's start);
- spawn -> visible: the same from the process spawn (Python start-up and recovery included);
- SIGTERM -> gone: from the stop signal to the entry leaving the registry (goal: within 1 s);
- CPU by visible: the daemon's own CPU (user+sys, /proc) when its entry was seen, the steadier
  reading of spawn -> visible on a loaded machine (about what it takes on an idle one).

    .venv/bin/python bench/hermes_bench.py [--rounds 10]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from _daemon import process_cpu
from helpers.daemon_testing import Harmoniad
from helpers.fake_hermes import FakeHermes

GOAL = 1.0


def one_round(hermes: FakeHermes, data_dir: Path) -> tuple[float, float, float, float]:
    daemon = Harmoniad(
        data_dir,
        "--hermes",
        hermes.url,
        "--no-access-log",
        # an empty PYTHONDONTWRITEBYTECODE is unset: the daemon loads the byte-code compiled
        # in main(), as an installed package's (not compiling every module at each start)
        env={
            "HERMES_URL": "",
            "HERMES_HOST": "",
            "TEKTON_HOST": "",
            "HERMES_PORT": "",
            "PYTHONDONTWRITEBYTECODE": "",
        },
    )
    spawned = time.monotonic()
    daemon.start()
    listening = time.monotonic()
    try:
        registered = hermes.wait_for(
            lambda h: h.entry("harmonia") is not None and h.calls_to("register")[-1], timeout=30
        )
    except AssertionError:
        daemon.kill()
        raise
    assert daemon.process is not None
    cpu = process_cpu(daemon.process.pid)
    stopping = time.monotonic()
    daemon.process.send_signal(signal.SIGTERM)
    gone = hermes.wait_for(
        lambda h: h.entry("harmonia") is None and h.calls_to("unregister")[-1], timeout=30
    )
    if daemon.terminate() != 0:
        raise RuntimeError("harmoniad did not exit 0:\n" + daemon.log)
    return registered.at - listening, registered.at - spawned, gone.at - stopping, cpu


def summary(name: str, values: list[float], goal: float | None) -> str:
    worst = max(values)
    verdict = "" if goal is None else "  ok" if worst <= goal else f"  OVER {goal:g} s"
    return (
        f"{name:<20} median {statistics.median(values) * 1000:7.1f} ms   "
        f"max {worst * 1000:7.1f} ms{verdict}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    root = Path(__file__).resolve().parent.parent
    for tree in (root / "harmonia", root / "daemon" / "harmoniad"):
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(tree)], check=True)
    listen, spawn, stop, cpu = [], [], [], []
    with FakeHermes() as hermes, tempfile.TemporaryDirectory() as tmp:
        for n in range(args.rounds):
            a, b, c, d = one_round(hermes, Path(tmp) / f"data-{n}")
            listen.append(a)
            spawn.append(b)
            stop.append(c)
            cpu.append(d)
    print(f"{args.rounds} rounds, harmoniad against the fake Hermes on loopback")
    print(f"load average {os.getloadavg()[0]:.1f} (2 cores: above 2, other work shares them)")
    print(summary("listen -> visible", listen, GOAL))
    print(summary("spawn -> visible", spawn, None) + "  (Python start-up included)")
    print(summary("SIGTERM -> gone", stop, GOAL))
    print(summary("CPU by visible", cpu, None) + "  (the daemon's user+sys at registration)")


if __name__ == "__main__":
    main()
