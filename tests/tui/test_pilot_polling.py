"""The executions screen polls the listing conditionally (Textual's Pilot, a real daemon): a
fetch of an unchanged page is answered 304 and leaves the rows as they are; a change (a new
execution) comes as a new page and new rows."""

from __future__ import annotations

import pytest
from harmonia_tui.screens.executions import ExecutionsScreen
from helpers.daemon_testing import Harmoniad
from helpers.pilot_steps import finished_chain, piloted, reach
from helpers.tui_testing import sleepy_chain, start, unique, until

NOT_MODIFIED = "GET /api/v1/executions 304"


@pytest.mark.anyio
async def test_an_unchanged_listing_is_not_fetched_again(daemon: Harmoniad) -> None:
    first = await finished_chain(daemon, "poll", n=2)
    async with piloted(daemon) as (_, pilot):
        screen = await reach(pilot, ExecutionsScreen, "the list")
        await until(pilot, lambda: first in screen.shown, "the finished execution listed")
        rows = screen.rows
        unchanged = screen.unchanged_pages
        answered = daemon.log.count(NOT_MODIFIED)
        screen.reload()  # nothing changed since the last page
        await until(pilot, lambda: screen.unchanged_pages > unchanged, "an unchanged page")
        assert screen.rows is rows  # not made again
        daemon.wait_for_log(NOT_MODIFIED, count=answered + 1)

        second = await start(daemon, sleepy_chain(unique("poll"), n=2, seconds=0.01))
        await until(
            pilot,
            lambda: second in screen.shown and screen.rows[second].done_count == 2,
            "the new execution listed with its counts",
        )
        assert screen.rows is not rows
        assert screen.shown.index(second) < screen.shown.index(first)
