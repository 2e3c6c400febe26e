"""Replaying a long history to many clients at once: the daemon's memory comes back after.

Through a real `harmoniad`: a finished 3,000-task execution (~6,000 events, 3 MB of journal)
is replayed to 30 SSE and 5 WebSocket clients at once, twice; once they have hung up, the
daemon's resident memory must come back to what it was before (each client used to decode the
whole journal for itself, and most of the memory stayed in the C heap after they left).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import orjson
import pytest
from harmoniad.memory import MemoryTrimmer
from helpers.daemon_testing import Harmoniad, start_execution
from helpers.waiting import wait_until
from websockets.sync.client import connect

TASKS = 3_000
SSE_CLIENTS = 30
WS_CLIENTS = 5
GIVEN_BACK_MB = 25
"""How far above its idle size the daemon may stay once the clients are gone (it went ~270 MB
above with one decoded history per client)."""


def padded_workflow() -> dict[str, Any]:
    """Independent echo tasks whose events each carry 500 characters."""
    return {
        "name": "padded",
        "max_concurrency": 64,
        "input": {"pad": {"type": "string", "default": "x" * 500}},
        "tasks": {
            f"t{i}": {"component": "core", "action": "echo", "input": {"pad": "${input.pad}"}}
            for i in range(TASKS)
        },
    }


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for pid {pid}")


def sse_replay(daemon: Harmoniad, execution_id: str) -> int:
    """Read the whole SSE stream: how many events it held."""
    with (
        daemon.client(timeout=120) as client,
        client.stream("GET", f"/events/executions/{execution_id}") as response,
    ):
        response.raise_for_status()
        body = b"".join(response.iter_raw())
    return body.count(b"\nevent: ")


def ws_replay(daemon: Harmoniad, execution_id: str) -> int:
    url = f"{daemon.ws_url}/ws/executions/{execution_id}?after=0&batch=true"
    count = 0
    with connect(url, additional_headers=daemon.auth, max_size=None, open_timeout=30) as ws:
        for frame in ws:
            count += len(orjson.loads(frame)["events"])
    return count


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads RSS from /proc")
@pytest.mark.skipif(not MemoryTrimmer().available, reason="no malloc_trim in this C library")
def test_memory_taken_by_many_replays_is_given_back(tmp_path: Path) -> None:
    with Harmoniad(tmp_path / "data") as daemon, daemon.client(timeout=120) as client:
        execution_id = start_execution(client, padded_workflow())
        finished = daemon.wait_finished(execution_id)
        assert finished["status"] == "completed"
        last_seq = int(finished["last_seq"])
        idle = rss_mb(daemon.pid)

        with ThreadPoolExecutor(SSE_CLIENTS + WS_CLIENTS) as pool:
            for _ in range(2):
                replays = [sse_replay] * SSE_CLIENTS + [ws_replay] * WS_CLIENTS
                futures = [pool.submit(replay, daemon, execution_id) for replay in replays]
                assert [f.result(timeout=120) for f in futures] == [last_seq] * len(futures)

        wait_until(
            lambda: rss_mb(daemon.pid) <= idle + GIVEN_BACK_MB,
            20,
            f"the daemon's memory to come back to {idle:.0f} + {GIVEN_BACK_MB} MB",
            interval=0.1,
            detail=lambda: f"now {rss_mb(daemon.pid):.0f} MB",
        )
        assert client.get("/health").status_code == 200
