"""The connection seen from the TUI (Textual's Pilot): a daemon lost and back, and a daemon the
TUI embeds when none answers. Each test starts its own daemon.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from harmonia_tui.app import HarmoniaApp
from harmonia_tui.embedded import locate
from harmonia_tui.screens.executions import ExecutionsScreen
from helpers.daemon_testing import Harmoniad
from helpers.tui_testing import (
    SIZE,
    api_client,
    execution_screen,
    free_port,
    loaded,
    make_app,
    sleepy_chain,
    start,
    toasts,
    unique,
    until,
)

# ---- the connection: banner, reconnection, catching up -----------------------------------------


@pytest.mark.anyio
async def test_a_lost_daemon_shows_a_banner_and_the_screen_catches_up(tmp_path: Path) -> None:
    port = free_port()
    data = tmp_path / "data"
    first = Harmoniad(data, "--port", str(port)).start()
    try:
        execution_id = await start(first, sleepy_chain(unique("outage"), n=16, seconds=0.1))
        app = make_app(first, open_execution=execution_id)
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: loaded(app, "running"), "running")
            screen = execution_screen(app)
            banner = screen.query_one("#connection-banner")
            assert not banner.has_class("-lost")
            first.terminate()  # the execution is checkpointed and continues on restart
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
    finally:
        first.kill()


# ---- the embedded daemon ----------------------------------------------------------------------


@pytest.mark.anyio
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
            await until(pilot, lambda: isinstance(app.screen, ExecutionsScreen), "the list")
            assert app.sub_title.startswith("embedded daemon http://127.0.0.1:")
    finally:
        if target.embedded is not None:
            target.embedded.stop()
    assert not (data / "daemon.json").exists()


def api_client_for(data: Path) -> Any:
    from harmonia.client import AsyncClient

    return AsyncClient(data_dir=data)
