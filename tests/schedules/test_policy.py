"""The missed-run and overlap policies, as pure functions of the time."""

from __future__ import annotations

from harmonia.schedules import OverlapPolicy, parse_spec
from harmonia.schedules.policy import MAX_QUEUED, decide, due_times, plan_fires

HOUR = 3600.0
T0 = 1_780_000_000.0 - (1_780_000_000.0 % HOUR)  # on the hour


def spec(missed: str, **extra: object):  # type: ignore[no-untyped-def]
    return parse_spec({"cron": "0 * * * *", "missed": missed, **extra})


def test_nothing_due_before_the_next_time() -> None:
    assert plan_fires(spec("run_all"), T0, T0, T0 + HOUR - 1).run == []


def test_on_time_fire_runs_under_every_policy() -> None:
    for missed in ("skip", "run_once", "run_all"):
        fires = plan_fires(spec(missed), T0, T0, T0 + HOUR + 0.5)
        assert fires.run == [T0 + HOUR] and fires.cursor == T0 + HOUR and fires.dropped == 0


def test_downtime_skip_runs_only_the_current_time() -> None:
    # down for 5 h, back 10 s after a planned time: that one is on time, 4 were missed
    fires = plan_fires(spec("skip"), T0, T0, T0 + 5 * HOUR + 10)
    assert fires.run == [T0 + 5 * HOUR] and fires.dropped == 4


def test_downtime_skip_with_nothing_on_time_runs_nothing() -> None:
    fires = plan_fires(spec("skip"), T0, T0, T0 + 5 * HOUR + 600)
    assert fires.run == [] and fires.dropped == 5 and fires.cursor == T0 + 5 * HOUR


def test_downtime_run_once_coalesces() -> None:
    fires = plan_fires(spec("run_once"), T0, T0, T0 + 5 * HOUR + 600)
    assert fires.run == [T0 + 5 * HOUR] and fires.dropped == 4


def test_downtime_run_all_runs_each_up_to_the_cap() -> None:
    fires = plan_fires(spec("run_all", max_missed=3), T0, T0, T0 + 5 * HOUR + 600)
    assert fires.run == [T0 + 3 * HOUR, T0 + 4 * HOUR, T0 + 5 * HOUR]
    assert fires.dropped == 2
    fires = plan_fires(spec("run_all", max_missed=10), T0, T0, T0 + 5 * HOUR + 600)
    assert fires.run == [T0 + h * HOUR for h in range(1, 6)] and fires.dropped == 0


def test_run_all_cap_plus_the_on_time_one() -> None:
    fires = plan_fires(spec("run_all", max_missed=2), T0, T0, T0 + 5 * HOUR + 1)
    assert fires.run == [T0 + 3 * HOUR, T0 + 4 * HOUR, T0 + 5 * HOUR]


def test_long_downtime_is_counted_not_walked() -> None:
    every_second = parse_spec({"cron": "* * * * * *", "missed": "run_once"})
    times, left_out = due_times(every_second, T0, T0, T0 + 30 * 86400, 3)
    assert times == [T0 + 30 * 86400 - 2, T0 + 30 * 86400 - 1, T0 + 30 * 86400]
    assert left_out == 1 + min(30 * 86400 - 4, 100_000)  # counting stops at a cap
    interval = parse_spec({"interval": 1})
    times, left_out = due_times(interval, T0, T0, T0 + 10**9, 2)
    assert times == [T0 + 10**9 - 1, T0 + 10**9] and left_out == 10**9 - 2


def test_overlap_allow_starts_everything() -> None:
    d = decide(OverlapPolicy.ALLOW, [1.0, 2.0], True, [])
    assert d.start == [1.0, 2.0] and d.skipped == 0


def test_overlap_skip() -> None:
    assert decide(OverlapPolicy.SKIP, [1.0], True, []).skipped == 1
    d = decide(OverlapPolicy.SKIP, [1.0, 2.0], False, [])
    assert d.start == [2.0] and d.skipped == 1


def test_overlap_queue_keeps_order_and_a_cap() -> None:
    d = decide(OverlapPolicy.QUEUE, [3.0], True, [1.0, 2.0])
    assert d.start == [] and d.queue == [1.0, 2.0, 3.0]
    d = decide(OverlapPolicy.QUEUE, [], False, [1.0, 2.0])
    assert d.start == [1.0] and d.queue == [2.0]
    many = [float(i) for i in range(MAX_QUEUED + 5)]
    d = decide(OverlapPolicy.QUEUE, many, True, [])
    assert len(d.queue) == MAX_QUEUED and d.skipped == 5
