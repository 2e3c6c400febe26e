"""How statuses, times and progress look: glyphs and their ASCII stand-ins, durations, offsets."""

from __future__ import annotations

from datetime import timedelta

import pytest
from harmonia_tui.format import (
    Glyphs,
    format_ago,
    format_duration,
    format_offset,
    progress_bar,
)
from helpers.tui_events import T0


@pytest.mark.parametrize(
    "status",
    ["pending", "running", "retrying", "completed", "failed", "skipped", "canceled", "paused"],
)
def test_every_status_has_a_glyph_an_ascii_glyph_and_a_colour(status: str) -> None:
    unicode, ascii = Glyphs(), Glyphs(ascii=True)
    assert unicode.status(status) and unicode.style(status)
    assert ascii.status(status).isascii() and len(ascii.status(status)) == 1
    # never colour alone: the glyphs differ between statuses
    others = {
        s
        for s in (
            "pending",
            "running",
            "retrying",
            "completed",
            "failed",
            "skipped",
            "canceled",
            "paused",
        )
        if s != status
    }
    assert unicode.status(status) not in {unicode.status(o) for o in others}
    assert ascii.status(status) not in {ascii.status(o) for o in others}


def test_ascii_glyphs_are_ascii() -> None:
    g = Glyphs(ascii=True)
    for text in (
        g.rule,
        g.parents_arrow,
        g.children_arrow,
        g.ellipsis,
        g.bar_full,
        g.bar_empty,
        g.bullet,
    ):
        assert text.isascii()
    assert progress_bar(3, 4, 8, g) == "######.."


def test_times_are_relative_to_the_clock() -> None:
    assert format_duration(0.4) == "0.40s"
    assert format_duration(12.34) == "12.3s"
    assert format_duration(184) == "3m04s"
    assert format_duration(7500) == "2h05m"
    assert format_duration(None) == ""
    assert format_ago(T0 - timedelta(seconds=42), T0) == "42s ago"
    assert format_ago(T0 - timedelta(minutes=5), T0) == "5m ago"
    assert format_ago(T0 - timedelta(days=2), T0) == "2d ago"
    assert format_ago(T0, T0) == "just now"
    assert format_offset(T0 + timedelta(seconds=1.25), T0) == "+1.25s"
