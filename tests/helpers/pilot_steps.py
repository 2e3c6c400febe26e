"""Steps the Pilot tests take again and again, each once here: the app on a daemon in a test
terminal, waiting for a screen of a kind (after a key) and getting it typed, an execution
opened, one run to its end, a search and a pick in the command palette, and a table's cell."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from harmonia_tui.app import HarmoniaApp
from harmonia_tui.screens.execution import ExecutionScreen
from helpers.daemon_testing import Harmoniad
from helpers.tui_testing import (
    SIZE,
    execution_screen,
    loaded,
    make_app,
    palette_offers,
    press,
    sleepy_chain,
    start,
    unique,
    until,
    wait_finished,
)
from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import DataTable

S = TypeVar("S", bound=Screen[Any])


@asynccontextmanager
async def piloted(
    daemon: Harmoniad, size: tuple[int, int] = SIZE, **kwargs: Any
) -> AsyncIterator[tuple[HarmoniaApp, Pilot[Any]]]:
    """The app on `daemon` (`make_app`'s keywords), run in a test terminal of `size`."""
    app = make_app(daemon, **kwargs)
    async with app.run_test(size=size) as pilot:
        yield app, pilot


def app_of(pilot: Pilot[Any]) -> HarmoniaApp:
    app = pilot.app
    assert isinstance(app, HarmoniaApp), type(app).__name__
    return app


async def reach(pilot: Pilot[Any], kind: type[S], what: str, key: str | None = None) -> S:
    """Press `key` if given, wait until the top screen is a `kind`, mounted, and return it:
    the wait and the isinstance check every test wrote out before looking at the screen.
    A screen is on top as soon as it is pushed, before its `on_mount` has run: a test that
    looked at it (or ended, closing the app) then raced that handler."""
    if key is not None:
        await press(pilot, key)
    await until(pilot, lambda: isinstance(top := pilot.app.screen, kind) and top.is_mounted, what)
    screen = pilot.app.screen
    assert isinstance(screen, kind), type(screen).__name__
    return screen


async def opened(
    pilot: Pilot[Any], status: str | None = None, what: str = "the execution"
) -> ExecutionScreen:
    """The execution screen, once its execution is loaded (and has `status`, if given)."""
    app = app_of(pilot)
    await until(pilot, lambda: loaded(app, status), what)
    return execution_screen(app)


async def finished(daemon: Harmoniad, document: dict[str, Any], status: str = "completed") -> str:
    """Start `document` and return its execution's id once it has ended with `status`."""
    execution_id = await start(daemon, document)
    assert await wait_finished(daemon, execution_id) == status
    return execution_id


async def finished_chain(daemon: Harmoniad, prefix: str, n: int = 1, seconds: float = 0.01) -> str:
    """A short chain named after `prefix`, run to completion: its execution's id."""
    return await finished(daemon, sleepy_chain(unique(prefix), n=n, seconds=seconds))


async def type_in_palette(pilot: Pilot[Any], typed: str) -> None:
    """Open the command palette and type `typed` (each key starts a search anew)."""
    await reach(pilot, CommandPalette, "the palette", key="ctrl+p")
    await pilot.press(*typed)


async def offered(pilot: Pilot[Any], offer: str, what: str) -> None:
    """Wait until the palette's search is over with `offer` on top: enter before it has found
    anything does nothing, so a person, too, waits to see the offer."""
    await until(pilot, lambda: palette_offers(app_of(pilot), offer), what)


async def pick_in_palette(pilot: Pilot[Any], typed: str, offer: str, what: str) -> None:
    """Open the command palette, type `typed`, wait until it highlights `offer`, take it."""
    await type_in_palette(pilot, typed)
    await offered(pilot, offer, what)
    await press(pilot, "enter")


def cell(screen: Screen[Any], key: str, column: str) -> str:
    """The text of the cell of row `key`, `column`, in the screen's table."""
    table: DataTable[object] = screen.query_one(DataTable)
    return str(table.get_cell(key, column))
