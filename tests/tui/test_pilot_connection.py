"""The connection seen from the TUI (Textual's Pilot): a daemon lost and back, and a daemon the
TUI embeds when none answers. Each test starts its own daemon.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import anyio
import pytest
from harmonia_tui.app import HarmoniaApp
from harmonia_tui.connection import Connection
from harmonia_tui.embedded import locate
from harmonia_tui.screens.executions import ExecutionsScreen
from helpers.daemon_testing import Harmoniad
from helpers.pilot_steps import opened, piloted, reach
from helpers.tui_testing import (
    FAST_RECONNECT,
    HEALTH_TIMEOUT,
    SIZE,
    api_client,
    free_port,
    held,
    loaded,
    sleepy_chain,
    start,
    toasts,
    unique,
    until,
)

from harmonia.client import AsyncClient

pytestmark = pytest.mark.anyio


@contextmanager
def first_daemon(data: Path) -> Iterator[tuple[Harmoniad, int]]:
    """A daemon on a port of its own (a second one is started on it later), killed after."""
    port = free_port()
    first = Harmoniad(data, "--port", str(port)).start()
    try:
        yield first, port
    finally:
        first.kill()


# ---- the connection: banner, reconnection, catching up -----------------------------------------


async def test_a_lost_daemon_shows_a_banner_and_the_screen_catches_up(tmp_path: Path) -> None:
    data, release = tmp_path / "data", tmp_path / "release"
    chain = held(sleepy_chain(unique("outage"), n=16, seconds=0.1), "s0", release)
    with first_daemon(data) as (first, port):
        execution_id = await start(first, chain)  # running until released, however slow the app
        async with piloted(first, open_execution=execution_id) as (app, pilot):
            screen = await opened(pilot, "running", "running")
            banner = screen.query_one("#connection-banner")
            assert not banner.has_class("-lost")
            first.terminate()  # the execution is checkpointed and continues on restart
            release.touch()
            await until(pilot, lambda: banner.has_class("-lost"), "the banner")
            assert "lost" in str(banner.render()) and "reconnecting" in str(banner.render())
            second = Harmoniad(data, "--port", str(port)).start()
            try:
                await until(pilot, lambda: not banner.has_class("-lost"), "the banner gone")
                await until(pilot, lambda: loaded(app, "completed"), "caught up", deadline=30)
                async with api_client(second) as client:
                    truth = await client.get_execution(execution_id)
                assert screen.view is not None
                assert screen.view.last_seq == truth.last_seq
                assert {t: v.status for t, v in screen.view.tasks.items()} == {
                    t: v.status for t, v in truth.tasks.items()
                }
                assert {t: v.attempts for t, v in screen.view.tasks.items()} == {
                    t: v.attempts for t, v in truth.tasks.items()
                }
                assert any("Reconnected" in t for t in toasts(app))
            finally:
                second.terminate()


# ---- the embedded daemon ----------------------------------------------------------------------


async def test_without_a_daemon_the_tui_embeds_one_that_others_can_reach(tmp_path: Path) -> None:
    data = tmp_path / "data"
    target = locate(None, data)
    try:
        assert target.embedded is not None and target.embedded.running
        assert "embedded daemon" in target.description
        # another client finds it the usual way: the URL and token in the data folder
        async with api_client_for(data) as client:
            assert (await client.health()).status == "ok"
            assert (await client.list_executions()).total == 0
        from harmonia_tui.connection import Connection

        from harmonia.client import AsyncClient

        connection = Connection(AsyncClient(target.url, target.token), embedded=True)
        app = HarmoniaApp(connection, description=target.description, close_client=True)
        async with app.run_test(size=SIZE) as pilot:
            await reach(pilot, ExecutionsScreen, "the list")
            assert app.sub_title.startswith("embedded daemon http://127.0.0.1:")
    finally:
        if target.embedded is not None:
            target.embedded.stop()
    assert not (data / "daemon.json").exists()


def api_client_for(data: Path) -> Any:
    from harmonia.client import AsyncClient

    return AsyncClient(data_dir=data)


# ---- a token the daemon refuses -----------------------------------------------------------------


async def test_a_refused_token_is_said_until_the_daemon_accepts_it(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with first_daemon(data) as (first, port):
        execution_id = await start(first, sleepy_chain(unique("hidden"), n=1, seconds=0.01))
        client = AsyncClient(first.url, "not-the-token", reconnect=FAST_RECONNECT, timeout=10)
        connection = Connection(
            client,
            token_source="$HARMONIA_TOKEN",
            health_interval=0.2,
            retry_interval=0.1,
            health_timeout=HEALTH_TIMEOUT,
        )
        app = HarmoniaApp(connection, close_client=True)
        async with app.run_test(size=SIZE) as pilot:
            screen = app.screen
            assert isinstance(screen, ExecutionsScreen)
            banner = screen.query_one("#connection-banner")
            await until(pilot, lambda: banner.has_class("-lost"), "the banner")
            said = str(banner.render())
            assert "refused the token" in said and "401" in said, said
            assert "$HARMONIA_TOKEN" in said and "--data-dir" in said, said
            # it keeps saying so: the list, the stream and the token check are refused again
            # and again, and nothing looks like an empty daemon meanwhile
            await until(pilot, lambda: connection.refusals >= 6, "refused again and again")
            assert banner.has_class("-lost") and "refused the token" in str(banner.render())
            assert not screen.loaded and "0 executions" not in app.sub_title
            assert not any("401" in t for t in toasts(app))  # said once, where it stays

            # fixed: the daemon now takes that token; the banner goes and the list loads
            first.kill()
            second = Harmoniad(data, "--port", str(port), token="not-the-token")
            await anyio.to_thread.run_sync(second.start)
            try:
                await until(pilot, lambda: not banner.has_class("-lost"), "the banner gone")
                await until(pilot, lambda: execution_id in screen.order, "the list loaded")
            finally:
                second.terminate()


def test_the_token_source_is_named_as_the_cli_names_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from harmonia_tui.cli import token_source

    monkeypatch.delenv("HARMONIA_TOKEN", raising=False)
    assert "nowhere" in token_source(tmp_path, embedded=False)
    assert str(tmp_path / "token") in token_source(tmp_path, embedded=False)
    (tmp_path / "token").write_text("abc", encoding="utf-8")
    assert token_source(tmp_path, embedded=False).startswith(f"the token file {tmp_path}")
    monkeypatch.setenv("HARMONIA_TOKEN", "xyz")
    assert token_source(tmp_path, embedded=False) == "$HARMONIA_TOKEN"
    assert "embedded" in token_source(tmp_path, embedded=True)
