"""Crash safety through the real CLI: SIGKILL `harmonia run` / `harmonia resume` at random
moments, then resume, and check what the DESIGN promises:

(a) the final outputs equal those of an uncrashed run of the same workflow;
(b) no task whose completion was in the journal when its process was killed ran again - every
    task appends `<task_id> <phase>` to a side file when it runs, and the phase (the number of
    the process that ran it) is compared with the journals read after each kill;
(c) the data folder always loads: `harmonia show ID --json` works after every kill and agrees
    with the journal, state.json and catalog.json are valid JSON, only the journal's last line
    may be torn.

Kill moments come from seeded RNGs but are synchronised on conditions, never on sleeps: a kill
fires once an execution folder exists or its journal has K lines (see
tests/helpers/crash_campaign.py). A process that finishes first is a no-op kill and does not
count. Four campaigns of five real kills each: during the initial write, anywhere, across
repeated resumes of one execution, and near the end.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from helpers.crash_campaign import Campaign, Trigger, crash_workflow, journal_line_count

KILLS_PER_CAMPAIGN = 5
MAX_STEPS = 4 * KILLS_PER_CAMPAIGN  # no-op kills included


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
    return crash_workflow(width=8, layers=6, seed=11, max_concurrency=6)


@pytest.fixture(scope="module")
def baseline(
    workflow: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, Any], int]:
    """Outputs and journal length of an uncrashed run of the crash workflow."""
    campaign = Campaign(tmp_path_factory.mktemp("baseline"), workflow)
    kill = campaign.step(Trigger("lines", 10**9))  # never fires: the run ends by itself
    assert kill.noop and kill.execution_id is not None
    doc = campaign.final[kill.execution_id]
    assert doc["status"] == "completed"
    assert campaign.verify({}) == []
    lines = journal_line_count(campaign.journal(kill.execution_id))
    return {tid: task["output"] for tid, task in doc["tasks"].items()}, lines


def run_campaign(
    root: Path,
    workflow: dict[str, Any],
    baseline: tuple[dict[str, Any], int],
    *,
    seed: int,
    style: str,
    fresh: bool = False,
) -> Campaign:
    """Kill processes until KILLS_PER_CAMPAIGN kills really landed, finish, verify."""
    expected, lines = baseline
    rng = random.Random(seed)
    campaign = Campaign(root, workflow)
    landed = 0
    for _ in range(MAX_STEPS):
        if fresh:
            campaign.park()
        trigger = campaign.choose(rng, style, lines)
        kill = campaign.step(trigger)
        landed += not kill.noop
        if landed == KILLS_PER_CAMPAIGN:
            break
    for kill in campaign.kills:
        print(kill)  # shown by pytest when the test fails
    assert landed == KILLS_PER_CAMPAIGN, "too many no-op kills"
    campaign.finish()
    problems = campaign.verify(expected)
    assert problems == [], "\n".join(problems)
    assert campaign.executions, "at least one execution was recorded and finished"
    print("stale catalog rows:", campaign.stale_catalog)
    return campaign


def test_kills_during_the_initial_write(
    tmp_path: Path, workflow: dict[str, Any], baseline: tuple[dict[str, Any], int]
) -> None:
    """Every kill hits a fresh `harmonia run` as its execution is being created (the folder
    just appeared, or the journal has 1-2 lines); each such execution is resumed at the end."""
    campaign = run_campaign(tmp_path, workflow, baseline, seed=101, style="early", fresh=True)
    assert all(k.command == "run" for k in campaign.kills)
    assert all(k.lines_at_kill <= 10 for k in campaign.kills if not k.noop)


def test_kills_anywhere(
    tmp_path: Path, workflow: dict[str, Any], baseline: tuple[dict[str, Any], int]
) -> None:
    """Kills at random journal lengths, in a run and in the resumes that follow it."""
    campaign = run_campaign(tmp_path, workflow, baseline, seed=202, style="random")
    assert any(k.command == "resume" and not k.noop for k in campaign.kills)


def test_kills_across_repeated_resumes(
    tmp_path: Path, workflow: dict[str, Any], baseline: tuple[dict[str, Any], int]
) -> None:
    """The same execution is killed over and over, each resume soon after it starts (while
    it replays the journal, records `workflow_resumed`, re-runs the interrupted tasks)."""
    campaign = run_campaign(tmp_path, workflow, baseline, seed=303, style="step")
    killed = [k for k in campaign.kills if not k.noop]
    assert sum(k.command == "resume" for k in killed) >= 3


def test_kills_near_the_end(
    tmp_path: Path, workflow: dict[str, Any], baseline: tuple[dict[str, Any], int]
) -> None:
    """Kills a few journal lines before the end: the last tasks, the final event, the final
    snapshot and catalog update."""
    _, lines = baseline
    campaign = run_campaign(tmp_path, workflow, baseline, seed=404, style="late")
    assert any(k.lines_at_kill >= lines - 8 for k in campaign.kills if not k.noop)
