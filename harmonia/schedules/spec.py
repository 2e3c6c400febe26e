"""A schedule's definition, checked whole: every problem is reported at once, by field.

A schedule fires on a cron expression read in a time zone (`cronsim`, zoneinfo) or every
`interval` seconds from its anchor. Checking here (not in the daemon) lets the API, the CLI and
workflow files share the same messages.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cronsim import CronSim, CronSimError

from harmonia.errors import Problem, ValidationFailed

__all__ = ["DEFAULT_GRACE", "MissedPolicy", "OverlapPolicy", "ScheduleSpec", "parse_spec"]

E = TypeVar("E", bound=StrEnum)

DEFAULT_GRACE = 60.0
"""Seconds a planned time may be late and still count as on time (not missed)."""
DEFAULT_MAX_MISSED = 10
MAX_SECONDS = 10 * 366 * 86400.0
"""The longest interval (and grace) taken: ten years, so every planned time is a date."""
FIELDS = {
    "cron",
    "timezone",
    "interval",
    "input",
    "missed",
    "max_missed",
    "overlap",
    "grace",
    "description",
    "paused",
}


class MissedPolicy(StrEnum):
    """What to do with planned times that passed while nothing could start them."""

    SKIP = "skip"
    RUN_ONCE = "run_once"
    RUN_ALL = "run_all"


class OverlapPolicy(StrEnum):
    """What to do when a planned time comes while the schedule's last run still runs."""

    ALLOW = "allow"
    SKIP = "skip"
    QUEUE = "queue"


@dataclass(frozen=True)
class ScheduleSpec:
    """When and with what a schedule starts its workflow (exactly one of cron / interval)."""

    cron: str | None = None
    timezone: str = "UTC"
    interval: float | None = None
    input: dict[str, Any] = field(default_factory=dict)
    missed: MissedPolicy = MissedPolicy.SKIP
    max_missed: int = DEFAULT_MAX_MISSED
    overlap: OverlapPolicy = OverlapPolicy.SKIP
    grace: float = DEFAULT_GRACE
    description: str | None = None

    def next_after(self, t: float, anchor: float) -> float:
        """The first planned time strictly after `t` (epoch seconds). Interval schedules
        count from `anchor` (their creation), so a restart does not shift them."""
        if self.interval is not None:
            steps = math.floor((t - anchor) / self.interval) + 1
            return anchor + max(steps, 1) * self.interval if t >= anchor else anchor
        assert self.cron is not None
        start = datetime.fromtimestamp(t, ZoneInfo(self.timezone))
        return next(CronSim(self.cron, start)).timestamp()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "cron": self.cron,
            "timezone": self.timezone,
            "interval": self.interval,
            "input": self.input,
            "missed": str(self.missed),
            "max_missed": self.max_missed,
            "overlap": str(self.overlap),
            "grace": self.grace,
            "description": self.description,
        }
        return out


def parse_spec(raw: Any, *, where: str = "") -> ScheduleSpec:
    """A `ScheduleSpec` from a mapping (API body, workflow file); `ValidationFailed` naming
    each bad field (prefixed by `where`, e.g. `schedules[0].`) otherwise. `paused` is
    accepted and ignored here: it is the record's state, not the spec's."""
    problems: list[Problem] = []

    def bad(name: str, message: str) -> None:
        problems.append(Problem(message, field=f"{where}{name}"))

    if not isinstance(raw, dict):
        raise ValidationFailed([Problem("a schedule must be an object", field=where.rstrip("."))])
    for name in raw:
        if name not in FIELDS and name not in ("workflow_id", "id"):
            bad(str(name), f"unknown field {name!r} (known: {', '.join(sorted(FIELDS))})")
    cron, interval = raw.get("cron"), raw.get("interval")
    timezone = raw.get("timezone", "UTC")
    if (cron is None) == (interval is None):
        bad("cron", "give exactly one of 'cron' (an expression) and 'interval' (seconds)")
    if not isinstance(timezone, str) or not _zone_ok(timezone):
        bad("timezone", f"unknown time zone {timezone!r} (an IANA name such as 'Europe/Paris')")
    if cron is not None:
        if not isinstance(cron, str):
            bad("cron", "must be a string such as '*/5 * * * *'")
        else:
            message = _cron_problem(cron)
            if message is not None:
                bad("cron", f"bad cron expression {cron!r}: {message}")
    if interval is not None and (
        isinstance(interval, bool)
        or not isinstance(interval, int | float)
        or not math.isfinite(interval)
        or not 0 < interval <= MAX_SECONDS
    ):
        bad("interval", f"must be a number of seconds > 0 (at most ten years), not {interval!r}")
    given_input = raw.get("input", {})
    if not isinstance(given_input, dict):
        bad("input", "must be an object of input names to values")
    missed = _choice(raw, "missed", MissedPolicy, MissedPolicy.SKIP, bad)
    overlap = _choice(raw, "overlap", OverlapPolicy, OverlapPolicy.SKIP, bad)
    max_missed = raw.get("max_missed", DEFAULT_MAX_MISSED)
    if (
        isinstance(max_missed, bool)
        or not isinstance(max_missed, int)
        or not 1 <= max_missed <= 1000
    ):
        bad("max_missed", f"must be an integer from 1 to 1000, not {max_missed!r}")
    grace = raw.get("grace", DEFAULT_GRACE)
    if (
        isinstance(grace, bool)
        or not isinstance(grace, int | float)
        or not 0 <= grace <= MAX_SECONDS
    ):
        bad("grace", f"must be a number of seconds >= 0 (at most ten years), not {grace!r}")
    description = raw.get("description")
    if description is not None and not isinstance(description, str):
        bad("description", "must be a string")
    if not isinstance(raw.get("paused", False), bool):
        bad("paused", "must be true or false")
    if problems:
        raise ValidationFailed(problems)
    return ScheduleSpec(
        cron=cron,
        timezone=timezone,
        interval=float(interval) if interval is not None else None,
        input=dict(given_input),
        missed=missed,
        max_missed=max_missed,
        overlap=overlap,
        grace=float(grace),
        description=description,
    )


def _zone_ok(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _cron_problem(expression: str) -> str | None:
    try:
        CronSim(expression, datetime.now(UTC))
    except CronSimError as exc:
        return str(exc) or "not a cron expression"
    return None


def _choice(raw: dict[str, Any], name: str, kind: type[E], default: E, bad: Any) -> E:
    value = raw.get(name, default)
    try:
        return kind(value)
    except ValueError:
        bad(name, f"must be one of {', '.join(e.value for e in kind)}, not {value!r}")
        return default
