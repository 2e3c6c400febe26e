"""The Hermes link's state machine against the fake Hermes, in process, on both anyio backends.

The link talks to the fake's ASGI app through httpx's ASGI transport; `Gate` in front of it
plays a Hermes that is down (connections refused) or hung. Token ages run on a clock the test
moves, so a renewal is tested without waiting an hour. The real daemon's wiring (start, stop,
`/ready`) is covered by test_hermes_daemon.py.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import anyio
import httpx
import pytest
from harmoniad.hermes import TOKEN_HEADER, HermesLink, LinkState, Registration
from helpers.fake_hermes import FakeHermes
from helpers.waiting import wait_until_async

pytestmark = pytest.mark.anyio

ENDPOINT = "http://localhost:8007"
URL = "http://hermes.test"
INTERVAL = 0.02
"""Short enough that a test sees several periods in well under a second."""
DEADLINE = 10.0


class Gate(httpx.AsyncBaseTransport):
    """The fake Hermes behind a switch: `down` refuses connections, `hung` never answers.
    `until(condition)` waits for the condition, checking it after each request the link makes
    (it makes one at least every period)."""

    def __init__(self, hermes: FakeHermes) -> None:
        self.inner = httpx.ASGITransport(app=hermes.app)
        self.down = False
        self.hung = False
        self.refused = 0
        self.hold: anyio.Event | None = None
        """While set, answers wait for it after Hermes acted on the request."""
        self.holding = anyio.Event()
        self._request_done = anyio.Event()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            if self.hung:
                await anyio.sleep_forever()
            if self.down:
                self.refused += 1
                raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
            response = await self.answer(request)
            if self.hold is not None:
                self.holding.set()
                await self.hold.wait()
            return response
        finally:
            self._request_done.set()
            self._request_done = anyio.Event()

    async def answer(self, request: httpx.Request) -> httpx.Response:
        return await self.inner.handle_async_request(request)

    async def until(self, condition: Callable[[], object], what: str = "a link condition") -> None:
        await wait_until_async(
            condition,
            DEADLINE,
            what,
            wake=lambda: self._request_done.wait(),  # the event in place when woken
        )


@dataclass
class Clock:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


def registration(endpoint: str = ENDPOINT) -> Registration:
    return Registration(endpoint=endpoint, port=8007, version="9.9", event_types=("task_started",))


@asynccontextmanager
async def running(link: HermesLink) -> AsyncIterator[HermesLink]:
    async with anyio.create_task_group() as tg:
        tg.start_soon(link.run)
        try:
            yield link
        finally:
            link.stop()


@pytest.fixture
def hermes() -> FakeHermes:
    return FakeHermes()


@pytest.fixture
async def gate(hermes: FakeHermes) -> Gate:
    """The fake Hermes behind its switch (made in the test's event loop: it holds events)."""
    return Gate(hermes)


@pytest.fixture
def info_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """The captured log, INFO and above: what the link says about Hermes coming and going."""
    caplog.set_level(logging.INFO)
    return caplog


def make_link(
    gate: Gate,
    *,
    token_lifetime: float = 3600.0,
    clock: Callable[[], float] | None = None,
) -> HermesLink:
    return HermesLink(
        URL,
        registration(),
        interval=INTERVAL,
        token_lifetime=token_lifetime,
        transport=gate,
        **({"clock": clock} if clock else {}),
    )


def hermes_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "harmoniad.hermes"]


async def test_registers_with_tektons_fields_and_heartbeats_with_the_token(
    hermes: FakeHermes, gate: Gate
) -> None:
    async with running(make_link(gate)) as link:
        await gate.until(lambda: len(hermes.calls_to("heartbeat")) >= 3)
        assert link.status.state is LinkState.REGISTERED
    register = hermes.calls_to("register")[0]
    assert register.path == "/api/register"
    body = register.body
    assert body["component_id"] == body["name"] == body["type"] == "harmonia"
    assert body["endpoint"] == ENDPOINT and body["version"] == "9.9"
    assert "workflow_orchestration" in body["capabilities"]
    assert body["metadata"]["port"] == 8007
    assert body["metadata"]["category"] == "workflow"
    assert body["metadata"]["mcp"] == "/api/mcp/v2"
    assert body["metadata"]["event_types"] == ["task_started"]
    # the token of the camelCase answer is the one every heartbeat carries
    carried = {c.token for c in hermes.calls_to("heartbeat")}
    assert len(carried) == 1
    (token,) = carried
    assert token is not None and hermes.token_valid(token, "harmonia")
    for beat in hermes.calls_to("heartbeat"):
        assert beat.status == 200 and beat.body["component_id"] == "harmonia"
        assert beat.body["status"] == {"health": "healthy"}
    # each period also looks the entry up: a heartbeat's 200 proves nothing
    assert hermes.calls_to("components")


async def test_an_emptied_registry_is_noticed_and_filled_again(
    hermes: FakeHermes, gate: Gate
) -> None:
    async with running(make_link(gate)):
        await gate.until(lambda: hermes.entry("harmonia") is not None)
        hermes.forget_all()  # what a Hermes restart does; the old token stays valid
        await gate.until(lambda: hermes.entry("harmonia") is not None)
    assert len(hermes.calls_to("register")) == 2


async def test_a_refused_token_means_a_new_registration(
    info_log: pytest.LogCaptureFixture, hermes: FakeHermes, gate: Gate
) -> None:
    async with running(make_link(gate)) as link:
        await gate.until(lambda: hermes.calls_to("heartbeat"))
        later = hermes.clock() + 2 * hermes.token_lifetime
        hermes.clock = lambda: later  # the token the link holds has expired
        await gate.until(lambda: any(c.status == 401 for c in hermes.calls_to("heartbeat")))
        await gate.until(lambda: len(hermes.calls_to("register")) == 2)
        await gate.until(lambda: link.status.state is LinkState.REGISTERED)
        beats = len(hermes.calls_to("heartbeat"))
        await gate.until(lambda: len(hermes.calls_to("heartbeat")) >= beats + 2)
        assert hermes.calls_to("heartbeat")[-1].status == 200
    lines = hermes_lines(info_log)
    assert lines.count("Hermes refused the token; registering again") == 1, lines


async def test_the_token_is_renewed_before_it_expires(hermes: FakeHermes, gate: Gate) -> None:
    clock = Clock()
    link = make_link(gate, token_lifetime=100.0, clock=clock)
    assert link.renew_after == pytest.approx(100.0 - 3 * INTERVAL)
    async with running(link):
        await gate.until(lambda: len(hermes.calls_to("heartbeat")) >= 2)
        assert len(hermes.calls_to("register")) == 1
        clock.now += link.renew_after - 1  # not yet
        count = len(hermes.calls_to("heartbeat"))
        await gate.until(lambda: len(hermes.calls_to("heartbeat")) >= count + 2)
        assert len(hermes.calls_to("register")) == 1
        clock.now += 1  # now due
        await gate.until(lambda: len(hermes.calls_to("register")) == 2)
        assert link.status.state is LinkState.REGISTERED


async def test_hermes_down_logs_once_retries_and_registers_when_back(
    info_log: pytest.LogCaptureFixture, hermes: FakeHermes, gate: Gate
) -> None:
    gate.down = True
    async with running(make_link(gate)) as link:
        await gate.until(lambda: gate.refused >= 4)
        assert link.status.state is LinkState.UNREACHABLE
        assert "Connection refused" in (link.status.error or "")
        gate.down = False
        await gate.until(lambda: link.status.state is LinkState.REGISTERED)
        gate.down = True  # down again while registered
        refused = gate.refused
        await gate.until(lambda: gate.refused >= refused + 3)
        gate.down = False
        await gate.until(lambda: link.status.state is LinkState.REGISTERED)
    lines = hermes_lines(info_log)
    assert len([m for m in lines if m.startswith("Hermes unreachable")]) == 2, lines
    assert len([m for m in lines if m.startswith("registered with Hermes")]) == 2, lines


async def test_root_paths_when_api_answers_404() -> None:
    hermes = FakeHermes(root_paths=True)
    gate = Gate(hermes)
    async with running(make_link(gate)):
        await gate.until(
            lambda: len(hermes.calls_to("heartbeat")) >= 2 and hermes.calls_to("components")
        )
    paths = [(c.path, c.status) for c in hermes.calls]
    assert paths[:2] == [("/api/register", 404), ("/register", 200)]
    # the prefix that answered is kept: no more 404s for the registry's calls
    assert all(status == 200 for path, status in paths[2:] if path != "/components/harmonia")
    assert ("/components/harmonia", 200) in paths
    assert hermes.calls[-1].path == "/unregister" and hermes.calls[-1].status == 200


async def test_stop_unregisters_with_the_query_parameter_and_the_token(
    hermes: FakeHermes, gate: Gate
) -> None:
    link = make_link(gate)
    async with running(link):
        await gate.until(lambda: hermes.entry("harmonia") is not None)
    call = hermes.calls_to("unregister")[-1]
    assert call.query == {"component_id": "harmonia"}
    assert call.token == hermes.calls_to("heartbeat")[0].token
    assert call.status == 200
    assert hermes.entry("harmonia") is None
    assert link.status.state is LinkState.UNREGISTERED


async def test_a_stop_during_the_registration_still_removes_the_entry(
    hermes: FakeHermes, gate: Gate
) -> None:
    gate.hold = anyio.Event()
    link = make_link(gate)
    async with anyio.create_task_group() as tg:
        tg.start_soon(link.run)
        with anyio.fail_after(DEADLINE):
            await gate.holding.wait()
        assert hermes.entry("harmonia") is not None  # Hermes has it; the link has no token yet
        link.stop()
        gate.hold.set()
        gate.hold = None
    assert hermes.calls_to("unregister")[-1].status == 200
    assert hermes.entry("harmonia") is None
    assert link.status.state is LinkState.UNREGISTERED


async def test_a_hung_hermes_does_not_hold_the_stop(hermes: FakeHermes, gate: Gate) -> None:
    link = make_link(gate)
    with anyio.fail_after(5):  # STOP_GRACE + UNREGISTER_TIMEOUT are 3 s
        async with running(link):
            await gate.until(lambda: hermes.entry("harmonia") is not None)
            gate.hung = True
    assert hermes.entry("harmonia") is not None  # it could not be told


async def test_another_harmonia_in_the_entry_is_not_fought_over(
    info_log: pytest.LogCaptureFixture, hermes: FakeHermes, gate: Gate
) -> None:
    async with running(make_link(gate)) as link:
        await gate.until(lambda: hermes.entry("harmonia") is not None)
        other = registration("http://localhost:9999").body()
        hermes.register(other)
        await gate.until(lambda: link.status.state is LinkState.DISPLACED)
        registered = len(hermes.calls_to("register"))
        beats = len(hermes.calls_to("heartbeat"))
        checks = len(hermes.calls_to("components"))
        await gate.until(lambda: len(hermes.calls_to("components")) >= checks + 3)
        assert len(hermes.calls_to("register")) == registered  # no ping-pong
        assert len(hermes.calls_to("heartbeat")) == beats  # nor heartbeats for the other one
        hermes.forget_all()  # the other one left: take the entry back
        await gate.until(lambda: link.status.state is LinkState.REGISTERED)
    assert any("points at http://localhost:9999" in m for m in hermes_lines(info_log))


async def test_an_error_status_is_refused_not_unreachable() -> None:
    hermes = FakeHermes()

    class Broken(Gate):
        async def answer(self, request: httpx.Request) -> httpx.Response:
            return httpx.Response(500, json={"detail": "Registration failed"}, request=request)

    gate = Broken(hermes)
    async with running(make_link(gate)) as link:
        await gate.until(lambda: link.status.state is LinkState.REFUSED)
        assert "answered 500" in (link.status.error or "")


async def test_status_json_for_ready(hermes: FakeHermes, gate: Gate) -> None:
    link = make_link(gate)
    assert link.status.as_json()["state"] == "registering"
    async with running(link):
        await gate.until(lambda: link.status.state is LinkState.REGISTERED)
        shown = link.status.as_json()
    assert shown["url"] == URL and shown["component_id"] == "harmonia"
    assert shown["endpoint"] == ENDPOINT and shown["error"] is None
    assert isinstance(shown["since"], str) and shown["since"].endswith("Z")
    assert TOKEN_HEADER == "X-Authentication-Token"
