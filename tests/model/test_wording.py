"""pydantic's messages in authors' words for the kinds left after the type errors: bounds on
finite numbers, multiples and lengths, and "Input should" made "must" for any other kind."""

from __future__ import annotations

from typing import Any

import pydantic
import pytest
from pydantic import BaseModel, Field

from harmonia.model.wording import error_message


class Bounded(BaseModel):
    ratio: float = Field(default=0.0, allow_inf_nan=False)
    items: list[int] = Field(default_factory=lambda: [1], min_length=1, max_length=2)
    name: str = Field(default="ab", min_length=2, max_length=3)
    step: int = Field(default=2, multiple_of=2)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"ratio": float("nan")}, "must be a finite number, got number nan"),
        ({"items": []}, "must have at least 1 item"),
        ({"items": [1, 2, 3]}, "must have at most 2 items"),
        ({"name": "a"}, "must have at least 2 characters"),
        ({"name": "abcd"}, "must have at most 3 characters"),
        ({"step": 3}, "must be a multiple of 2, got integer 3"),
    ],
)
def test_bounds_read_as_must(given: dict[str, Any], expected: str) -> None:
    with pytest.raises(pydantic.ValidationError) as caught:
        Bounded(**given)
    (error,) = caught.value.errors(include_url=False)
    assert error_message(error) == expected


def test_any_other_kind_says_must_not_input_should() -> None:
    error: Any = {"type": "url_parsing", "msg": "Input should be a valid URL, empty host"}
    assert error_message(error) == "must be a valid URL, empty host"
    error = {"type": "custom", "msg": "the name must not be blank"}
    assert error_message(error) == "the name must not be blank"  # our own words stay
