"""After any reconnection the executions list equals the daemon's, whatever comes back first.

The all-executions event stream replays, on reconnection, only the execution named in its
Last-Event-ID; the list therefore fetches itself again once the stream is back. Each moment
below kills the daemon with -9 and starts it again on the same port and folder, then starts an
execution the moment the banner goes: the list must show it (and every status as the daemon
has it) without waiting for some later event. The stream here reconnects slowly on purpose
(well after the health probe has seen the daemon back), which is when the list went stale.
"""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest
from harmonia_tui.app import HarmoniaApp
from harmonia_tui.connection import Connection
from harmonia_tui.screens.executions import ExecutionsScreen
from helpers.daemon_testing import Harmoniad, echo_workflow
from helpers.tui_testing import (
    HEALTH_TIMEOUT,
    SIZE,
    api_client,
    free_port,
    held,
    sleepy_chain,
    start,
    unique,
    until,
)
from textual.pilot import Pilot

from harmonia.client import AsyncClient, Reconnect

SLOW_STREAM = Reconnect(attempts=1_000_000, initial_delay=1.5, max_delay=1.5, stable_after=5)


def slow_stream_app(daemon: Harmoniad) -> HarmoniaApp:
    client = AsyncClient(daemon.url, daemon.token, reconnect=SLOW_STREAM, timeout=10)
    connection = Connection(
        client, health_interval=0.2, retry_interval=0.1, health_timeout=HEALTH_TIMEOUT
    )
    return HarmoniaApp(connection, close_client=True)


async def restart(daemon: Harmoniad) -> None:
    await anyio.to_thread.run_sync(daemon.start)


async def the_daemons_list(daemon: Harmoniad) -> list[tuple[str, str]]:
    async with api_client(daemon) as client:
        page = await client.list_executions(limit=500)
    return [(s.id, s.status) for s in page.items]


def shown(screen: ExecutionsScreen) -> list[tuple[str, str]]:
    return [(i, screen.rows[i].status) for i in screen.order]


async def list_matches(
    pilot: Pilot[None], screen: ExecutionsScreen, daemon: Harmoniad, what: str, deadline: float = 20
) -> None:
    """Every execution has ended; the list on screen must become the daemon's, in time (no
    later event comes to refresh a stale list: any deadline catches one; 20 s is for load)."""
    async with api_client(daemon) as client:
        for execution_id, status in await the_daemons_list(daemon):
            if status not in ("completed", "failed", "canceled"):
                await client.wait(execution_id, timeout=30)
    truth = await the_daemons_list(daemon)
    try:
        await until(pilot, lambda: shown(screen) == truth, what, deadline=deadline)
    except AssertionError:
        raise AssertionError(f"{what}:\non screen {shown(screen)}\ndaemon    {truth}") from None


async def start_when_back(pilot: Pilot[None], app: HarmoniaApp, daemon: Harmoniad) -> str:
    """The banner goes: start an execution at once (before the stream is back)."""
    await until(pilot, lambda: app.link_state.usable, "the banner gone")
    return await start(daemon, echo_workflow(unique("after")))


@pytest.mark.anyio
async def test_the_list_equals_the_daemons_after_kills_at_several_moments(tmp_path: Path) -> None:
    port = free_port()
    daemon = Harmoniad(tmp_path / "data", "--port", str(port))
    daemon.start()
    daemon.kill()  # its token now exists; the app opens on a daemon that is down
    app = slow_stream_app(daemon)
    try:
        async with app.run_test(size=SIZE) as pilot:
            # 1. killed before the list ever loaded
            await until(pilot, lambda: not app.link_state.connected, "the banner")
            screen = app.screen
            assert isinstance(screen, ExecutionsScreen) and not screen.loaded
            await restart(daemon)
            await start_when_back(pilot, app, daemon)
            await list_matches(pilot, screen, daemon, "the list after a start with no list")

            # 2. killed while the stream was up, with an execution running through the restart
            await until(pilot, lambda: screen.stream_connects >= 1, "the stream open")
            release = tmp_path / "release"  # running until the kill, however slow the app
            await start(daemon, held(sleepy_chain(unique("through"), n=12), "s0", release))
            await until(pilot, lambda: any(s == "running" for _, s in shown(screen)), "running")
            daemon.kill()
            release.touch()  # recovered after the restart, it runs to its end
            await until(pilot, lambda: not app.link_state.connected, "the banner")
            await restart(daemon)
            await start_when_back(pilot, app, daemon)
            await list_matches(pilot, screen, daemon, "the list after a kill during the stream")

            # 3. killed again right after the banner went (a reload and the stream in flight)
            daemon.kill()
            await until(pilot, lambda: not app.link_state.connected, "the banner")
            await restart(daemon)
            await until(pilot, lambda: app.link_state.usable, "the banner gone")
            daemon.kill()
            await until(pilot, lambda: not app.link_state.connected, "the banner again")
            await restart(daemon)
            await start_when_back(pilot, app, daemon)
            await list_matches(pilot, screen, daemon, "the list after a kill as the banner went")
    finally:
        daemon.kill()
