"""Schedules: when a stored workflow starts by itself (cron or a fixed interval).

The pure parts live here (the spec, next-fire times, the missed-run and overlap policies, the
durable record and the loop over an injected clock); the daemon wires the loop to its engine.
"""

from harmonia.schedules.spec import MissedPolicy, OverlapPolicy, ScheduleSpec, parse_spec

__all__ = ["MissedPolicy", "OverlapPolicy", "ScheduleSpec", "parse_spec"]
