"""How fast a daemon shows up in Hermes, and leaves it.

Each round starts a real `harmoniad --hermes URL` on a fresh data folder against the fake Hermes
of the tests (tests/helpers/fake_hermes.py, served in this process), and measures:

- listen -> visible: from the daemon's `listening` line to its entry in the registry (the goal:
  within 1 s of the daemon's start);
- spawn -> visible: the same from the process spawn (Python start-up and recovery included);
- SIGTERM -> gone: from the stop signal to the entry leaving the registry (goal: within 1 s).

    .venv/bin/python bench/hermes_bench.py [--rounds 10]
"""

from __future__ import annotations

import argparse
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from helpers.daemon_testing import Harmoniad
from helpers.fake_hermes import FakeHermes

GOAL = 1.0


def one_round(hermes: FakeHermes, data_dir: Path) -> tuple[float, float, float]:
    daemon = Harmoniad(
        data_dir,
        "--hermes",
        hermes.url,
        "--no-access-log",
        env={"HERMES_URL": "", "HERMES_HOST": "", "TEKTON_HOST": "", "HERMES_PORT": ""},
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
    stopping = time.monotonic()
    assert daemon.process is not None
    daemon.process.send_signal(signal.SIGTERM)
    gone = hermes.wait_for(
        lambda h: h.entry("harmonia") is None and h.calls_to("unregister")[-1], timeout=30
    )
    if daemon.terminate() != 0:
        raise RuntimeError("harmoniad did not exit 0:\n" + daemon.log)
    return registered.at - listening, registered.at - spawned, gone.at - stopping


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
    listen, spawn, stop = [], [], []
    with FakeHermes() as hermes, tempfile.TemporaryDirectory() as tmp:
        for n in range(args.rounds):
            a, b, c = one_round(hermes, Path(tmp) / f"data-{n}")
            listen.append(a)
            spawn.append(b)
            stop.append(c)
    print(f"{args.rounds} rounds, harmoniad against the fake Hermes on loopback")
    print(summary("listen -> visible", listen, GOAL))
    print(summary("spawn -> visible", spawn, None) + "  (Python start-up included)")
    print(summary("SIGTERM -> gone", stop, GOAL))


if __name__ == "__main__":
    main()
