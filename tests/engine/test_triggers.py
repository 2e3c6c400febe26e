"""The trigger rule table itself (`harmonia.engine.triggers`), cell by cell as the README has it.

The expectations are written out by hand, not derived from the code under test: each column
is two parents' outcomes (S completed, F failed or blocked, K skipped, U not ended yet,
retrying included).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harmonia.engine.triggers import (
    Outcome,
    Parents,
    Readiness,
    outcome_of,
    readiness,
    skip_reason,
)
from harmonia.model import TRIGGER_RULES, TriggerRule

RUN, SKIP, BLOCK, WAIT = Readiness.RUN, Readiness.SKIP, Readiness.BLOCK, Readiness.WAIT

COLUMNS = ("SS", "SF", "FF", "SK", "KK", "FK", "SU", "FU", "KU")
"""The README's columns, in its order."""

# fmt: off
TABLE: dict[str, tuple[Readiness, ...]] = {
    #                              SS    SF     FF     SK    KK    FK     SU    FU     KU
    "all_success":                 (RUN, BLOCK, BLOCK, SKIP, SKIP, BLOCK, WAIT, BLOCK, WAIT),
    "all_done":                    (RUN, RUN,   RUN,   RUN,  RUN,  RUN,   WAIT, WAIT,  WAIT),
    "all_failed":                  (SKIP, SKIP, RUN,   SKIP, SKIP, SKIP,  SKIP, WAIT,  SKIP),
    "one_success":                 (RUN, RUN,   BLOCK, RUN,  SKIP, BLOCK, RUN,  WAIT,  WAIT),
    "one_failed":                  (SKIP, RUN,  RUN,   SKIP, SKIP, RUN,   WAIT, RUN,   WAIT),
    "none_failed":                 (RUN, BLOCK, BLOCK, RUN,  RUN,  BLOCK, WAIT, BLOCK, WAIT),
    "none_failed_min_one_success": (RUN, BLOCK, BLOCK, RUN,  SKIP, BLOCK, WAIT, BLOCK, WAIT),
    "none_skipped":                (RUN, RUN,   RUN,   SKIP, SKIP, SKIP,  WAIT, WAIT,  SKIP),
}
# fmt: on

LETTERS = {
    "S": Outcome.SUCCEEDED,
    "F": Outcome.FAILED,
    "K": Outcome.SKIPPED,
    "U": Outcome.UNFINISHED,
}


def test_the_table_covers_every_rule() -> None:
    assert list(TABLE) == list(TRIGGER_RULES)


@pytest.mark.parametrize("rule", TRIGGER_RULES)
@pytest.mark.parametrize("column", COLUMNS)
def test_rule_table(rule: str, column: str) -> None:
    parents = Parents.of(LETTERS[letter] for letter in column)
    assert readiness(TriggerRule(rule), parents) is TABLE[rule][COLUMNS.index(column)]


@pytest.mark.parametrize("rule", TRIGGER_RULES)
def test_a_task_without_parents_always_runs(rule: str) -> None:
    assert readiness(TriggerRule(rule), Parents()) is RUN


@pytest.mark.parametrize("rule", TRIGGER_RULES)
def test_an_early_answer_holds_whatever_the_unfinished_parents_do(rule: str) -> None:
    """What lets the engine decide before every parent ended: a decision taken with
    unfinished parents is the decision once they end, however they end."""
    rule_ = TriggerRule(rule)
    ended = (Outcome.SUCCEEDED, Outcome.FAILED, Outcome.SKIPPED)
    for known in [(a,) for a in ended] + [(a, b) for a in ended for b in ended]:
        for unfinished in (1, 2):
            early = readiness(rule_, Parents.of([*known, *[Outcome.UNFINISHED] * unfinished]))
            if early is WAIT:
                continue
            for later in _all_endings(unfinished):
                assert readiness(rule_, Parents.of([*known, *later])) is early, (known, later)


def _all_endings(n: int) -> list[list[Outcome]]:
    ended = [Outcome.SUCCEEDED, Outcome.FAILED, Outcome.SKIPPED]
    endings: list[list[Outcome]] = [[]]
    for _ in range(n):
        endings = [[*e, o] for e in endings for o in ended]
    return endings


def test_outcomes_from_statuses() -> None:
    assert outcome_of("completed") is Outcome.SUCCEEDED
    assert outcome_of("failed") is Outcome.FAILED
    assert outcome_of("canceled") is Outcome.FAILED
    assert outcome_of("skipped") is Outcome.SKIPPED
    assert outcome_of("retrying") is Outcome.UNFINISHED  # not final: another attempt comes
    assert outcome_of("running") is Outcome.UNFINISHED
    assert outcome_of("pending") is Outcome.UNFINISHED
    assert outcome_of("pending", blocked=True) is Outcome.FAILED


def test_skip_reasons_name_the_cause() -> None:
    outcomes = {"a": Outcome.SUCCEEDED, "b": Outcome.SKIPPED}
    assert skip_reason(TriggerRule.ALL_FAILED, outcomes) == (
        "trigger rule all_failed: upstream task 'a' completed"
    )
    assert skip_reason(TriggerRule.NONE_SKIPPED, outcomes) == (
        "trigger rule none_skipped: upstream task 'b' was skipped"
    )
    assert skip_reason(TriggerRule.ONE_FAILED, outcomes) == (
        "trigger rule one_failed: no upstream task failed"
    )
    skipped = {"a": Outcome.SKIPPED, "b": Outcome.SKIPPED}
    assert skip_reason(TriggerRule.ONE_SUCCESS, skipped) == (
        "trigger rule one_success: every upstream task was skipped"
    )


def test_the_readme_shows_this_table() -> None:
    """The README's two-parent matrix is the one checked here, cell for cell."""
    readme = Path(__file__).resolve().parent.parent.parent / "README.md"
    words = {"run": RUN, "skip": SKIP, "block": BLOCK, "wait": WAIT}
    shown: dict[str, tuple[Readiness, ...]] = {}
    header = "| rule | " + " | ".join(" ".join(column) for column in COLUMNS) + " |"
    lines = readme.read_text().splitlines()
    start = lines.index(header)
    for line in lines[start + 2 : start + 2 + len(TABLE)]:
        rule, *cells = (cell.strip() for cell in line.strip("|").split("|"))
        shown[rule.strip("`")] = tuple(words[cell] for cell in cells)
    assert shown == TABLE
