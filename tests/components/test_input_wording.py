"""Every built-in action's input check, at load time and at run time, in the loader's words:
odd values in every field never bring back pydantic's "Input should be a valid ..." (a NaN
timeout from a function's result said just that)."""

from __future__ import annotations

from typing import Any

import pytest

from harmonia.components import default_registry
from harmonia.errors import TaskError

ODD_VALUES: list[Any] = [None, True, -1, 1.5, float("nan"), float("inf"), "", [None], {"a": []}]
REQUIRED = {"message": "m", "command": "echo", "function": "builtins:len", "url": "http://x"}
REQUIRED |= {"method": "GET", "workflow": "wf-1", "seconds": 0}
ACTIONS = [
    (component, action)
    for component in ("core", "shell", "python", "http", "workflow")
    for action in default_registry().get(component).actions
]


def _never_dynamic(value: Any) -> bool:
    return False


@pytest.mark.parametrize(("component", "action"), ACTIONS)
def test_no_pydantic_wording_for_odd_values(component: str, action: str) -> None:
    found = default_registry().action(component, action)
    fields = found.input_model.model_fields
    base = {name: REQUIRED.get(name, "x") for name, info in fields.items() if info.is_required()}
    said: list[str] = []
    for name, info in fields.items():
        for value in ODD_VALUES:
            raw = {**base, info.alias or name: value}
            said += [p.message for p in found.check_static_input(raw, _never_dynamic)]
            try:
                found.validate_input(raw)
            except TaskError as exc:
                said.append(str(exc))
    assert said or not fields  # refused somewhere (core.echo takes anything)
    assert not [m for m in said if "should" in m or "Input" in m], said


def test_a_nan_timeout_at_run_time() -> None:
    with pytest.raises(TaskError) as caught:
        default_registry().action("core", "sleep").validate_input({"seconds": float("nan")})
    assert str(caught.value).endswith("seconds: must be a finite number, got number nan")
