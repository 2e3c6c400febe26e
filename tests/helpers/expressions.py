"""A run-time context like the engine's, and shortcuts to render and evaluate against it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import pytest

from harmonia.expressions import compile_condition, compile_template

E = TypeVar("E", bound=BaseException)


def make_context() -> dict[str, Any]:
    return {
        "input": {"source": "https://example.org", "limit": 100, "flag": True, "none": None},
        "tasks": {
            "fetch": {
                "output": {
                    "json": {"items": [{"id": 1}, {"id": 2}], "count": 2, "name": "data"},
                    "status_code": 200,
                    "odd key": "odd",
                    "tags": ["a", "b"],
                    "ratio": 0.5,
                },
                "status": "completed",
            },
            "skipped": {"output": None, "status": "skipped"},
        },
        "workflow": {"name": "nightly", "version": "1.0.0"},
        "execution": {"id": "exec-1"},
        "env": {"HOME": "/home/u"},
    }


def render(value: Any, context: Mapping[str, Any] | None = None) -> Any:
    return compile_template(value).render(make_context() if context is None else context)


def evaluate(text: str, context: Mapping[str, Any] | None = None) -> bool:
    return compile_condition(text).evaluate(make_context() if context is None else context)


def raised(kind: type[E], call: Callable[..., object], *args: Any) -> E:
    """The `kind` error `call(*args)` raises (the test fails if it raises none): one line for
    the tests that read the error, instead of a `with pytest.raises` block each."""
    with pytest.raises(kind) as info:
        call(*args)
    return info.value
