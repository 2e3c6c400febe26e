"""The retry policy of a task: how often, how patiently, and for which failures.

Its own module because the engine's scheduler uses it on every failed attempt, apart from the
rest of the workflow file; `merge_retry_policies` is how workflow defaults reach a task.
"""

from __future__ import annotations

import random
from typing import Any

from pydantic import Field, field_validator

from harmonia.errors import ErrorKind
from harmonia.model.base import Strict, suggest
from harmonia.protocol import backoff_delay

__all__ = ["ERROR_KINDS", "RetryPolicy", "merge_retry_policies"]

#: Every error kind `retry_on` may name (the values of `ErrorKind`).
ERROR_KINDS: tuple[str, ...] = tuple(kind.value for kind in ErrorKind)


class RetryPolicy(Strict):
    """How often and how patiently a failed task is tried again.

    `max_retries: 3` means up to four attempts. The delay before retry *n* grows exponentially
    (`initial_delay * backoff_multiplier**(n-1)`, capped at `max_delay`) and is randomised by
    `jitter` so that many tasks failing together do not all retry at the same instant.
    """

    max_retries: int = Field(default=0, ge=0, description="Retries after the first attempt.")
    initial_delay: float = Field(default=1.0, ge=0, description="Seconds before the first retry.")
    max_delay: float = Field(
        default=60.0, ge=0, description="Upper bound of the delay, in seconds."
    )
    backoff_multiplier: float = Field(default=2.0, ge=1, description="Growth factor of the delay.")
    jitter: float = Field(
        default=0.1, ge=0, le=1, description="Fraction of the delay randomised up or down."
    )
    retry_on: list[str] | None = Field(
        default=None,
        description="Error kinds worth a retry (default: every retryable kind).",
        json_schema_extra={"items": {"enum": list(ERROR_KINDS)}},
    )

    @field_validator("retry_on")
    @classmethod
    def _known_kinds(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return value
        messages = []
        for kind in value:
            if kind not in ERROR_KINDS:
                hint = suggest(kind, ERROR_KINDS)
                messages.append(
                    f"unknown error kind '{kind}'"
                    + (f" ({hint})" if hint else "")
                    + f"; valid kinds: {', '.join(ERROR_KINDS)}"
                )
        if messages:
            raise ValueError("; ".join(messages))
        return value

    @property
    def max_attempts(self) -> int:
        """The first attempt plus every retry."""
        return self.max_retries + 1

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based) before the next one.

        `attempt` is also the number of the retry about to happen, so `delay(1, rng)` is
        `initial_delay` give or take the jitter. The result is never negative and never above
        `max_delay * (1 + jitter)`. `rng` is injected so tests (and replays) are deterministic.
        """
        return backoff_delay(
            attempt,
            initial=self.initial_delay,
            maximum=self.max_delay,
            multiplier=self.backoff_multiplier,
            jitter=self.jitter,
            rng=rng,
        )

    def should_retry(self, kind: str, retryable: bool) -> bool:
        """Whether a failure of this kind is worth another attempt (attempts left aside).

        A failure the component marked as not retryable (a 4xx answer, an invalid input) never
        retries: listing its kind in `retry_on` cannot make a deterministic failure pass.
        """
        if not retryable:
            return False
        return self.retry_on is None or kind in self.retry_on


def merge_retry_policies(default: RetryPolicy | None, own: RetryPolicy | None) -> RetryPolicy:
    """Field-wise merge: what the task wrote wins, the rest comes from the workflow defaults.

    Field-wise rather than all-or-nothing because a task that only says `max_retries: 5` should
    still get the workflow's backoff settings, as the author evidently expects.
    """
    fields: dict[str, Any] = {}
    for policy in (default, own):
        if policy is not None:
            fields.update({name: getattr(policy, name) for name in policy.model_fields_set})
    return RetryPolicy.model_validate(fields)
