"""Crash safety of dynamic fan-out through the real CLI: SIGKILL `harmonia run` / `resume`
while a `for_each` task's items run, then resume, and check that no item whose completion was
in the journal ran again, that the list was evaluated once, and that the final outputs equal an
uncrashed run's (see tests/crash/ and
tests/helpers/crash_campaign.py for the method)."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from helpers.crash_campaign import Campaign, Trigger, journal_line_count, read_journal

KILLS = 3
ITEMS = 24


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
    side = "${input.side_dir}/${execution.id}.log"
    command = (
        f'echo "fan[${{index}}] ${{env.CRASH_PHASE}}" >> "{side}"; sleep 0.02; '
        "printf '%s' 'item-${item}' | cksum"
    )
    return {
        "name": "crash-fan-out",
        "input": {"side_dir": {"type": "string"}},
        "max_concurrency": 6,
        "defaults": {"timeout": 30},
        "tasks": {
            "fan": {
                "component": "shell",
                "action": "run",
                "for_each": list(range(ITEMS)),
                "max_parallel": 4,
                "input": {"command": command},
            },
            "join": {
                "component": "python",
                "action": "call",
                "depends_on": ["fan"],
                "input": {
                    "function": "crashy:record",
                    "args": ["join", side, "${env.CRASH_PHASE}", ["${tasks.fan.output}"], 0],
                },
            },
        },
    }


def test_kills_mid_fan_out_rerun_no_completed_item(
    tmp_path: Path, workflow: dict[str, Any]
) -> None:
    baseline = Campaign(tmp_path / "baseline", workflow)
    kill = baseline.step(Trigger("lines", 10**9))  # never fires: the run ends by itself
    assert kill.noop and kill.execution_id is not None
    expected = {t: s["output"] for t, s in baseline.final[kill.execution_id]["tasks"].items()}
    assert len(expected["fan"]) == ITEMS
    lines = journal_line_count(baseline.journal(kill.execution_id))

    rng = random.Random(7)
    campaign = Campaign(tmp_path / "crashed", workflow)
    landed = 0
    for _ in range(4 * KILLS):
        # kill a few events further on each time: among the items' events, before the join
        at = campaign.lines() + rng.randint(3, 14)
        trigger = Trigger("lines", min(at, lines - 4))
        kill = campaign.step(trigger)
        landed += not kill.noop
        if landed == KILLS:
            break
    for kill in campaign.kills:
        print(kill)
    assert landed == KILLS, "too many no-op kills"
    campaign.finish()
    problems = campaign.verify(expected)
    assert problems == [], "\n".join(problems)
    for execution_id in campaign.executions:
        events = read_journal(campaign.journal(execution_id))
        expanded = [e for e in events if e["type"] == "task_expanded"]
        assert len(expanded) == 1 and expanded[0]["data"]["count"] == ITEMS
