"""A real `harmoniad` joining a fake Hermes on loopback (tests/helpers/fake_hermes.py).

The daemon runs with a short `--hermes-interval` so that a period is a fraction of a second;
every wait is on a condition with a deadline (a request reaching the fake, a log line).
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from helpers.daemon_testing import Harmoniad
from helpers.fake_hermes import DeadPort, FakeHermes

INTERVAL = 0.25
NO_TEKTON_ENV = {n: "" for n in ("HERMES_URL", "HERMES_HOST", "TEKTON_HOST", "HERMES_PORT")}
"""Blank, so that the developer's own environment cannot make a test daemon join a Hermes."""


@pytest.fixture
def hermes() -> Iterator[FakeHermes]:
    with FakeHermes() as fake:
        yield fake


def daemon(data_dir: Path, *args: str, env: dict[str, str] | None = None) -> Harmoniad:
    return Harmoniad(
        data_dir,
        "--hermes-interval",
        str(INTERVAL),
        "--no-access-log",
        *args,
        env={**NO_TEKTON_ENV, **(env or {})},
    )


def ready(harmoniad: Harmoniad) -> dict[str, Any]:
    with harmoniad.client() as client:
        response = client.get("/ready")
        assert response.status_code == 200, response.text
        return dict(response.json())


def hermes_lines(harmoniad: Harmoniad, text: str) -> list[str]:
    return [
        line for line in harmoniad.log.splitlines() if "harmoniad.hermes" in line and text in line
    ]


def test_registers_at_start_heartbeats_with_the_token_and_unregisters_on_sigterm(
    tmp_path: Path, hermes: FakeHermes
) -> None:
    harmoniad = daemon(tmp_path / "data", "--hermes", hermes.url).start()
    try:
        hermes.wait_for(lambda h: h.entry("harmonia"), timeout=30)
        # at start: the daemon's first word to Hermes (how soon is the machine's load, not ours)
        assert hermes.calls[0].path == "/api/register", hermes.calls
        entry = hermes.entry("harmonia")
        assert entry is not None
        assert entry["endpoint"] == f"http://localhost:{harmoniad.port}"
        assert entry["metadata"]["port"] == harmoniad.port
        assert entry["metadata"]["mcp"] == "/api/mcp/v2"
        assert "task_completed" in entry["metadata"]["event_types"]

        beats = hermes.wait_for(
            lambda h: len(h.calls_to("heartbeat")) >= 3 and h.calls_to("heartbeat")
        )
        assert all(b.status == 200 and b.token for b in beats)
        assert {b.token for b in beats} == {beats[0].token}
        assert beats[0].token is not None and hermes.token_valid(beats[0].token, "harmonia")
        shown = ready(harmoniad)
        assert shown["ready"] is True
        assert shown["hermes"]["state"] == "registered"
        assert shown["hermes"]["url"] == hermes.url
        assert shown["hermes"]["component_id"] == "harmonia"
        assert shown["hermes"]["endpoint"] == entry["endpoint"]
        # healthy in Hermes' eyes: a heartbeat within its 60 s window
        alive = httpx.get(f"{hermes.url}/api/components", params={"healthy_only": "true"})
        assert [c["name"] for c in alive.json()["components"]] == ["harmonia"]
    finally:
        stopping = time.monotonic()
        harmoniad.process.send_signal(signal.SIGTERM)  # type: ignore[union-attr]
        gone = hermes.wait_for(lambda h: h.calls_to("unregister"), timeout=5)[0]
        assert harmoniad.terminate() == 0
    assert gone.status == 200 and gone.query == {"component_id": "harmonia"}
    assert gone.token == beats[0].token
    assert gone.at - stopping < 1.0, "not unregistered within 1 s of SIGTERM"
    assert hermes.entry("harmonia") is None
    harmoniad.wait_for_log("unregistered from Hermes")  # stderr may still be draining


def test_a_restarted_hermes_gets_the_entry_back_within_a_period(
    tmp_path: Path, hermes: FakeHermes
) -> None:
    with daemon(tmp_path / "data", "--hermes", hermes.url) as harmoniad:
        hermes.wait_for(lambda h: h.entry("harmonia"), timeout=5)
        # and the daemon has its answer: a restart between Hermes's entry and the daemon's read
        # of the answer cut that first registration short (one line logged, two calls made)
        harmoniad.wait_for_log("registered with Hermes")
        hermes.restart()  # the registry is empty again; the old token still passes
        back = time.monotonic()
        hermes.wait_for(lambda h: h.entry("harmonia"), timeout=5)
        again = hermes.calls_to("register")[-1]
        # one period to notice, plus the time a loaded machine takes to schedule it
        assert again.at - back < INTERVAL + 1.0
        assert len(hermes.calls_to("register")) == 2
        harmoniad.wait_for_log("registered with Hermes", count=2)
        assert ready(harmoniad)["hermes"]["state"] == "registered"
        assert len(hermes_lines(harmoniad, "is gone from Hermes")) == 1
        assert len(hermes_lines(harmoniad, "registered with Hermes")) == 2


def test_the_token_is_renewed_before_hermes_would_refuse_it(tmp_path: Path) -> None:
    lifetime = 2.0  # the daemon renews min(3 periods, half) = 0.75 s before it expires
    with (
        FakeHermes(token_lifetime=lifetime) as hermes,
        daemon(
            tmp_path / "data", "--hermes", hermes.url, "--hermes-token-lifetime", str(lifetime)
        ) as harmoniad,
    ):
        # three registrations, each one's own token carried by heartbeats
        hermes.wait_for(lambda h: len({b.token for b in h.calls_to("heartbeat")}) >= 3, 15)
        assert len(hermes.calls_to("register")) >= 3
        beats = hermes.calls_to("heartbeat")
        assert all(b.status == 200 for b in beats), [b.status for b in beats]
        assert ready(harmoniad)["hermes"]["state"] == "registered"
        # a renewal is not a change of state: one line for the lot
        assert len(hermes_lines(harmoniad, "registered with Hermes")) == 1


def test_hermes_down_at_start_never_stops_the_daemon(tmp_path: Path) -> None:
    dead = DeadPort()
    harmoniad = daemon(tmp_path / "data", "--hermes", dead.url).start()
    try:
        dead.wait_attempts(4)  # the daemon keeps trying, with backoff...
        with harmoniad.client() as client:
            assert client.get("/health").json()["status"] == "ok"
        shown = ready(harmoniad)
        assert shown["ready"] is True  # ...and serves meanwhile
        assert shown["hermes"]["state"] == "unreachable"
        assert shown["hermes"]["error"]
        harmoniad.wait_for_log("Hermes unreachable")
        assert len(hermes_lines(harmoniad, "Hermes unreachable")) == 1  # ...saying so once
        hermes = FakeHermes().start(port=dead.close())  # Hermes comes up where the daemon looks
        try:
            hermes.wait_for(lambda h: h.entry("harmonia"), timeout=5)
            harmoniad.wait_for_log("registered with Hermes")
            assert ready(harmoniad)["hermes"]["state"] == "registered"
            assert len(hermes_lines(harmoniad, "Hermes unreachable")) == 1
            assert len(hermes_lines(harmoniad, "registered with Hermes")) == 1
            assert harmoniad.terminate() == 0
            hermes.wait_for(lambda h: h.entry("harmonia") is None, timeout=5)
        finally:
            hermes.stop()
    finally:
        harmoniad.kill()


def test_root_paths_when_hermes_serves_no_api_prefix(tmp_path: Path) -> None:
    with FakeHermes(root_paths=True) as hermes:
        with daemon(tmp_path / "data", "--hermes", hermes.url):
            hermes.wait_for(lambda h: h.calls_to("components"), timeout=5)
        hermes.wait_for(lambda h: h.calls_to("unregister"), timeout=5)
        calls = [(c.method, c.path, c.status) for c in hermes.calls]
    assert calls[:2] == [("POST", "/api/register", 404), ("POST", "/register", 200)]
    assert ("POST", "/heartbeat", 200) in calls
    assert ("GET", "/components/harmonia", 200) in calls
    assert calls[-1] == ("POST", "/unregister", 200)


def test_hermes_port_alone_joins_the_local_hermes(tmp_path: Path, hermes: FakeHermes) -> None:
    env = {"HERMES_PORT": str(hermes.port)}
    with daemon(tmp_path / "data", env=env) as harmoniad:
        hermes.wait_for(lambda h: h.entry("harmonia"), timeout=5)
        assert ready(harmoniad)["hermes"]["url"] == f"http://localhost:{hermes.port}"
        joining = harmoniad.wait_for_log("joining Tekton")
        assert f"Hermes at http://localhost:{hermes.port} (from $HERMES_PORT)" in joining


def test_no_hermes_configured_means_off_and_silent(tmp_path: Path) -> None:
    with daemon(tmp_path / "data") as harmoniad:
        harmoniad.wait_for_log("serving")
        shown = ready(harmoniad)
        assert shown["hermes"] == {
            "state": "off",
            "url": None,
            "component_id": None,
            "endpoint": None,
            "since": None,
            "error": None,
        }
    harmoniad.wait_for_log("stopped")
    assert "harmoniad.hermes" not in harmoniad.log
    assert "joining Tekton" not in harmoniad.log
