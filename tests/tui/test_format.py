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


def test_ids_are_shown_as_their_shortest_unique_prefixes() -> None:
    from harmonia_tui.format import truncate, unique_prefixes

    ids = [
        "20261201-230745-ab12cd34ef",
        "20261201-230745-ab99cd34ef",  # same second, same first two hex digits
        "20261201-230745-f0000000aa",
        "20261201-230746-ab12cd34ef",
    ]
    short = unique_prefixes(ids)
    assert short == {
        "20261201-230745-ab12cd34ef": "20261201-230745-ab1",
        "20261201-230745-ab99cd34ef": "20261201-230745-ab9",
        "20261201-230745-f0000000aa": "20261201-230745-f0",
        "20261201-230746-ab12cd34ef": "20261201-230746-ab",
    }
    for full, prefix in short.items():  # each names exactly one listed id
        assert [i for i in ids if i.startswith(prefix)] == [full]
    assert unique_prefixes(["x"]) == {"x": "x"}  # never longer than the id
    assert truncate("nightly-report", 8) == "nightly…"
    assert truncate("short", 8) == "short"


def test_after_a_retry_run_time_and_wall_time_are_shown_apart() -> None:
    from harmonia_tui.format import Glyphs
    from harmonia_tui.screens.execution_header import summary_text
    from helpers.tui_events import ev, fresh

    view = fresh("a")
    view.apply_all(
        [
            ev(1, "workflow_started", t=0.0),
            ev(2, "task_started", "a", t=0.0, attempt=1),
            ev(3, "task_failed", "a", t=0.03, error={"kind": "exit_code"}),
            ev(4, "workflow_failed", t=0.03),
            ev(5, "workflow_resumed", t=25.66, reset=["a"]),  # an operator's retry, later
            ev(6, "task_started", "a", t=25.66, attempt=2),
            ev(7, "task_completed", "a", t=25.69),
            ev(8, "workflow_completed", t=25.7),
        ]
    )
    text = summary_text(view, None, Glyphs(), T0 + timedelta(seconds=60)).plain
    assert "ran 0.06s" in text and "wall 25.7s" in text, text
    # a run with no idle time in it shows one figure
    quick = fresh("a")
    quick.apply_all(
        [
            ev(1, "workflow_started", t=0.0),
            ev(2, "task_started", "a", t=0.0, attempt=1),
            ev(3, "task_completed", "a", t=2.0),
            ev(4, "workflow_completed", t=2.01),
        ]
    )
    text = summary_text(quick, None, Glyphs(), T0 + timedelta(seconds=60)).plain
    assert "2.01s" in text and "ran" not in text and "wall" not in text, text
