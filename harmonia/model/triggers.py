"""Trigger (join) rules: which outcomes of its parents let a task run.

The names and meanings are Airflow's, so that authors who know them need nothing new. The
model only names the rules; what each one decides is `harmonia.engine.triggers`.
"""

from __future__ import annotations

from enum import StrEnum

from harmonia.model.base import suggest

__all__ = ["DEFAULT_TRIGGER_RULE", "TRIGGER_RULES", "TriggerRule", "trigger_rule_problem"]


class TriggerRule(StrEnum):
    ALL_SUCCESS = "all_success"
    ALL_DONE = "all_done"
    ALL_FAILED = "all_failed"
    ONE_SUCCESS = "one_success"
    ONE_FAILED = "one_failed"
    NONE_FAILED = "none_failed"
    NONE_FAILED_MIN_ONE_SUCCESS = "none_failed_min_one_success"
    NONE_SKIPPED = "none_skipped"


DEFAULT_TRIGGER_RULE = TriggerRule.ALL_SUCCESS
"""What a task without `trigger_rule` (its own or in `defaults`) follows: every parent
completed, as before rules existed."""

#: Every rule name a workflow file may use, in the order the README's table lists them.
TRIGGER_RULES: tuple[str, ...] = tuple(rule.value for rule in TriggerRule)


def trigger_rule_problem(value: str) -> str | None:
    """What is wrong with `value` as a rule name (None: nothing), with a "did you mean"."""
    if value in TRIGGER_RULES:
        return None
    hint = suggest(value, TRIGGER_RULES)
    return (
        f"unknown trigger rule '{value}'"
        + (f" ({hint})" if hint else "")
        + f"; valid rules: {', '.join(TRIGGER_RULES)}"
    )
