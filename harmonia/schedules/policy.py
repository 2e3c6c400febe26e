"""Which planned times to start now: the missed-run policy, then the overlap policy.

Pure functions of (spec, cursor, now, is a run active, the queue): the loop asks them on every
wake-up, and tests ask them directly. A planned time no later than `grace` before now is on
time; every earlier one was missed (the daemon was down, or busy far beyond the grace).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from cronsim import CronSim

from harmonia.schedules.spec import MissedPolicy, OverlapPolicy, ScheduleSpec

__all__ = ["MAX_QUEUED", "Decision", "Fires", "decide", "due_times", "plan_fires"]

MAX_QUEUED = 100
"""A `queue` schedule keeps at most this many planned times waiting; later ones are skipped."""


def due_times(
    spec: ScheduleSpec, anchor: float, cursor: float, now: float, limit: int
) -> tuple[list[float], int]:
    """The planned times in `(cursor, now]`, ascending: the latest `limit` of them, and how
    many earlier ones were left out (a month of downtime is never walked one by one)."""
    if spec.interval is not None:
        first = spec.next_after(cursor, anchor)
        if first > now:
            return [], 0
        count = math.floor((now - first) / spec.interval) + 1
        kept = min(count, limit)
        start = count - kept
        return [first + (start + i) * spec.interval for i in range(kept)], count - kept
    assert spec.cron is not None
    zone = ZoneInfo(spec.timezone)
    backwards = CronSim(spec.cron, datetime.fromtimestamp(now + 1e-6, zone), reverse=True)
    found: list[float] = []
    for moment in backwards:
        t = moment.timestamp()
        if t <= cursor:
            break
        if len(found) == limit:  # at least one more is due: count the rest without keeping it
            return sorted(found), 1 + _count_cron(spec, cursor, t)
        found.append(t)
    return sorted(found), 0


def _count_cron(spec: ScheduleSpec, cursor: float, before: float, cap: int = 100_000) -> int:
    """How many cron times lie in `(cursor, before)` (capped: only shown to operators)."""
    assert spec.cron is not None
    zone = ZoneInfo(spec.timezone)
    n = 0
    for moment in CronSim(spec.cron, datetime.fromtimestamp(before, zone), reverse=True):
        if moment.timestamp() <= cursor or n >= cap:
            break
        n += 1
    return n


@dataclass(frozen=True)
class Fires:
    """The planned times due now after the missed-run policy: `run` (ascending), how many
    were `dropped`, and the new `cursor` (the latest planned time dealt with)."""

    run: list[float]
    dropped: int
    cursor: float


def plan_fires(spec: ScheduleSpec, anchor: float, cursor: float, now: float) -> Fires:
    """Apply the missed-run policy to what is due in `(cursor, now]`."""
    times, left_out = due_times(spec, anchor, cursor, now, spec.max_missed + 1)
    if not times:
        return Fires([], 0, cursor)
    latest = times[-1]
    on_time = now - latest <= spec.grace
    missed = times[:-1] if on_time else times
    current = [latest] if on_time else []
    if spec.missed is MissedPolicy.SKIP:
        run = current
    elif spec.missed is MissedPolicy.RUN_ONCE:
        run = [latest]  # every missed time (and the current one) coalesced into one run
    else:
        run = missed[-spec.max_missed :] + current
    return Fires(run, left_out + len(times) - len(run), latest)


@dataclass
class Decision:
    """What the overlap policy makes of the runs due: `start` now, `queue` (the whole new
    queue), and how many are `skipped`."""

    start: list[float] = field(default_factory=list)
    queue: list[float] = field(default_factory=list)
    skipped: int = 0


def decide(policy: OverlapPolicy, due: list[float], active: bool, queue: list[float]) -> Decision:
    """Apply the overlap policy. `active`: a run of this schedule is still running; `queue`:
    planned times already waiting (only `queue` schedules have any). At most one run of a
    `skip` or `queue` schedule is ever running."""
    if policy is OverlapPolicy.ALLOW:
        return Decision(start=list(due), queue=list(queue))
    if policy is OverlapPolicy.SKIP:
        if active or not due:
            return Decision(skipped=len(due))
        return Decision(start=[due[-1]], skipped=len(due) - 1)
    waiting = [*queue, *due]
    start = [] if active or not waiting else [waiting.pop(0)]
    kept = waiting[:MAX_QUEUED]
    return Decision(start=start, queue=kept, skipped=len(waiting) - len(kept))
