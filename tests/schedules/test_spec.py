"""Schedule specs: every bad field named, and next planned times in time zones and intervals."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from harmonia.errors import ValidationFailed
from harmonia.schedules import MissedPolicy, OverlapPolicy, parse_spec


def ts(*args: int, tz: str = "UTC") -> float:
    return datetime(*args, tzinfo=ZoneInfo(tz)).timestamp()  # type: ignore[misc]


def fields(raw: dict[str, object]) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        parse_spec(raw, where="schedules[0].")
    return {str(p.field): p.message for p in caught.value.problems}


def test_defaults_and_policies() -> None:
    spec = parse_spec({"cron": "*/5 * * * *"})
    assert (spec.timezone, spec.missed, spec.overlap) == (
        "UTC",
        MissedPolicy.SKIP,
        OverlapPolicy.SKIP,
    )
    spec = parse_spec({"interval": 30, "missed": "run_all", "max_missed": 3, "overlap": "queue"})
    assert (spec.interval, spec.missed, spec.max_missed, spec.overlap) == (
        30.0,
        "run_all",
        3,
        "queue",
    )


def test_bad_cron_is_named() -> None:
    problems = fields({"cron": "61 * * * *"})
    assert "bad cron expression '61 * * * *'" in problems["schedules[0].cron"]


def test_unknown_time_zone_is_named() -> None:
    problems = fields({"cron": "0 * * * *", "timezone": "Mars/Olympus"})
    assert "unknown time zone 'Mars/Olympus'" in problems["schedules[0].timezone"]


@pytest.mark.parametrize("interval", [0, -5, "10", True, float("nan"), 1e300])
def test_interval_must_be_positive_number(interval: object) -> None:
    assert "schedules[0].interval" in fields({"interval": interval})


def test_every_problem_at_once() -> None:
    problems = fields(
        {"cron": "x", "timezone": "Nowhere", "missed": "sometimes", "overlap": "maybe", "colour": 1}
    )
    assert set(problems) == {
        "schedules[0].cron",
        "schedules[0].timezone",
        "schedules[0].missed",
        "schedules[0].overlap",
        "schedules[0].colour",
    }


def test_cron_and_interval_are_exclusive() -> None:
    assert "exactly one" in fields({"cron": "* * * * *", "interval": 5})["schedules[0].cron"]
    assert "exactly one" in fields({})["schedules[0].cron"]


def test_cron_next_in_its_time_zone() -> None:
    spec = parse_spec({"cron": "30 9 * * *", "timezone": "Europe/Paris"})
    after = ts(2026, 6, 1, 12, 0)
    assert spec.next_after(after, 0) == ts(2026, 6, 2, 9, 30, tz="Europe/Paris")
    # 09:30 Paris is 07:30 UTC in summer, 08:30 in winter
    assert datetime.fromtimestamp(spec.next_after(after, 0), UTC).hour == 7
    winter = spec.next_after(ts(2026, 12, 1, 12, 0), 0)
    assert datetime.fromtimestamp(winter, UTC).hour == 8


def test_cron_across_a_dst_gap_fires_once() -> None:
    # 02:30 does not exist in Paris on 2026-03-29: cronsim runs it once, at the gap's end
    spec = parse_spec({"cron": "30 2 * * *", "timezone": "Europe/Paris"})
    t = spec.next_after(ts(2026, 3, 28, 12, 0), 0)
    nxt = spec.next_after(t, 0)
    assert ts(2026, 3, 29, 0, 0) < t < ts(2026, 3, 29, 5, 0)
    assert nxt == ts(2026, 3, 30, 2, 30, tz="Europe/Paris")


def test_interval_counts_from_its_anchor() -> None:
    spec = parse_spec({"interval": 10})
    assert spec.next_after(100.0, 100.0) == 110.0
    assert spec.next_after(115.0, 100.0) == 120.0
    assert spec.next_after(120.0, 100.0) == 130.0  # strictly after
    assert spec.next_after(50.0, 100.0) == 100.0
