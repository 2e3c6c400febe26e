"""The retry policy: attempts, exponential delays with jitter, which failures retry."""

from __future__ import annotations

import random
from typing import Any

import pydantic
import pytest

from harmonia.errors import ErrorKind
from harmonia.model import RetryPolicy

# ------------------------------------------------------------------------------- RetryPolicy


def test_retry_policy_defaults() -> None:
    policy = RetryPolicy()
    assert policy.max_retries == 0
    assert policy.max_attempts == 1
    assert policy.initial_delay == 1.0
    assert policy.max_delay == 60.0
    assert policy.backoff_multiplier == 2.0
    assert policy.jitter == 0.1
    assert policy.retry_on is None


def test_max_retries_three_means_four_attempts() -> None:
    assert RetryPolicy(max_retries=3).max_attempts == 4


def test_delay_is_exponential_and_capped_without_jitter() -> None:
    policy = RetryPolicy(initial_delay=0.5, backoff_multiplier=3, max_delay=10, jitter=0)
    rng = random.Random(1)
    assert [policy.delay(n, rng) for n in range(1, 6)] == [0.5, 1.5, 4.5, 10.0, 10.0]


def test_delay_with_multiplier_one_is_constant() -> None:
    policy = RetryPolicy(initial_delay=2, backoff_multiplier=1, jitter=0)
    assert {policy.delay(n, random.Random()) for n in range(1, 20)} == {2.0}


@pytest.mark.parametrize("jitter", [0.1, 0.5, 1.0])
def test_delay_jitter_stays_within_bounds(jitter: float) -> None:
    policy = RetryPolicy(initial_delay=1, backoff_multiplier=2, max_delay=5, jitter=jitter)
    rng = random.Random(42)
    for attempt in range(1, 10):
        base = min(5.0, 2.0 ** (attempt - 1))
        delays = [policy.delay(attempt, rng) for _ in range(300)]
        assert all(base * (1 - jitter) - 1e-9 <= d <= base * (1 + jitter) + 1e-9 for d in delays)
        assert all(0 <= d <= policy.max_delay * (1 + jitter) + 1e-9 for d in delays)
        # the jitter really randomises: not every delay is the same
        assert len(set(delays)) > 1


def test_delay_is_deterministic_for_a_seeded_rng() -> None:
    policy = RetryPolicy(initial_delay=1, jitter=0.3)
    first = [policy.delay(n, random.Random(7)) for n in range(1, 5)]
    again = [policy.delay(n, random.Random(7)) for n in range(1, 5)]
    assert first == again


def test_delay_survives_huge_attempt_numbers() -> None:
    policy = RetryPolicy(initial_delay=1, backoff_multiplier=10, max_delay=30, jitter=0)
    assert policy.delay(10_000, random.Random()) == 30.0


def test_delay_treats_attempt_below_one_as_first_retry() -> None:
    policy = RetryPolicy(initial_delay=3, jitter=0)
    assert policy.delay(0, random.Random()) == 3.0


def test_should_retry() -> None:
    any_kind = RetryPolicy()
    assert any_kind.should_retry("timeout", True)
    assert not any_kind.should_retry("http_client_error", False)
    only_timeouts = RetryPolicy(retry_on=["timeout"])
    assert only_timeouts.should_retry("timeout", True)
    assert not only_timeouts.should_retry("exit_code", True)
    # a non-retryable failure never retries, even when its kind is listed
    listed = RetryPolicy(retry_on=["invalid_input"])
    assert not listed.should_retry("invalid_input", False)


def test_retry_on_accepts_every_error_kind() -> None:
    kinds = [kind.value for kind in ErrorKind]
    assert RetryPolicy(retry_on=kinds).retry_on == kinds


def test_retry_on_rejects_unknown_kinds_listing_the_valid_ones() -> None:
    with pytest.raises(pydantic.ValidationError) as info:
        RetryPolicy(retry_on=["timeout", "tmeout"])
    message = str(info.value)
    assert "unknown error kind 'tmeout'" in message
    assert "did you mean 'timeout'?" in message
    assert all(kind.value in message for kind in ErrorKind)


@pytest.mark.parametrize(
    "fields",
    [
        {"max_retries": -1},
        {"initial_delay": -0.1},
        {"max_delay": -1},
        {"backoff_multiplier": 0.5},
        {"jitter": 1.5},
        {"jitter": -0.1},
        {"max_retries": "3"},  # strict: no string coercion
        {"max_retries": True},  # strict: a boolean is not an integer
        {"initial_delay": float("nan")},
        {"max_retires": 3},  # unknown field
    ],
)
def test_retry_policy_rejects(fields: dict[str, Any]) -> None:
    with pytest.raises(pydantic.ValidationError):
        RetryPolicy.model_validate(fields)
