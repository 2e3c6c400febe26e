"""The component contract: registry, core actions, load-time and run-time input checks."""

from __future__ import annotations

from typing import Any

import anyio
import orjson
import pytest

from harmonia.components import (
    ActionContext,
    Component,
    ComponentRegistry,
    CoreComponent,
    UnknownAction,
    UnknownComponent,
    default_registry,
)
from harmonia.errors import ErrorKind, TaskError

pytestmark = pytest.mark.anyio


CTX = ActionContext(execution_id="e1", task_id="t1", attempt=1)


def is_dynamic(value: Any) -> bool:
    """Stand-in for the loader's reference detector: any `${` anywhere inside the value."""
    if isinstance(value, str):
        return "${" in value
    if isinstance(value, dict):
        return any(is_dynamic(k) or is_dynamic(v) for k, v in value.items())
    if isinstance(value, list):
        return any(is_dynamic(v) for v in value)
    return False


# --- registry -------------------------------------------------------------------------------


def test_default_registry_has_builtin_components() -> None:
    registry = default_registry()
    assert registry.names() == ["core", "http", "python", "shell", "workflow"]
    assert registry.action("shell", "run").name == "run"
    assert registry.get("core").action("echo").name == "echo"


def test_default_registry_is_fresh_each_time() -> None:
    one = default_registry()
    one.register(Component("extra", "test only", []))
    assert "extra" not in default_registry().names()


def test_unknown_component_lists_known_names() -> None:
    with pytest.raises(UnknownComponent) as info:
        default_registry(env={}).get("shel")
    assert str(info.value).startswith(
        "unknown component 'shel'; known: core, http, python, shell, workflow; looked in: built-in "
        "components, plugins (harmonia.components entry points: none), declared components"
    )
    assert isinstance(info.value, LookupError)


def test_unknown_action_lists_known_actions() -> None:
    with pytest.raises(UnknownAction) as info:
        default_registry().action("core", "ech")
    assert (
        str(info.value)
        == "unknown action 'ech' of component 'core'; known: approve, echo, fail, sleep"
    )


def test_duplicate_component_is_rejected() -> None:
    registry = ComponentRegistry()
    registry.register(CoreComponent())
    with pytest.raises(ValueError, match="already registered"):
        registry.register(CoreComponent())


def test_describe_is_json_with_input_schemas() -> None:
    described = default_registry().describe()
    orjson.dumps(described)  # must be serialisable for /api/v1/components
    by_name = {c["name"]: c for c in described}
    assert [c["name"] for c in described] == ["core", "http", "python", "shell", "workflow"]
    (run,) = by_name["shell"]["actions"]
    assert run["name"] == "run"
    assert "command" in run["input_schema"]["required"]
    (request,) = by_name["http"]["actions"]
    assert "json" in request["input_schema"]["properties"]  # the alias, not the Python name


# --- core -----------------------------------------------------------------------------------


async def test_echo_returns_its_input() -> None:
    echo = default_registry().action("core", "echo")
    given = {"a": 1, "nested": {"b": [1, 2]}, "s": "x"}
    result = await echo.invoke(CTX, given)
    assert result == given
    assert result is not given  # a copy: the engine may keep the input it rendered


async def test_echo_rejects_a_non_mapping() -> None:
    echo = default_registry().action("core", "echo")
    with pytest.raises(TaskError) as info:
        await echo.invoke(CTX, [1, 2])  # type: ignore[arg-type]
    assert info.value.kind == ErrorKind.INVALID_INPUT


@pytest.mark.virtual_time
async def test_sleep_waits_and_reports() -> None:
    sleep = default_registry().action("core", "sleep")
    start = anyio.current_time()
    assert await sleep.invoke(CTX, {"seconds": 90}) == {"slept": 90}
    assert anyio.current_time() - start >= 90


@pytest.mark.virtual_time
async def test_sleep_is_cancellable() -> None:
    sleep = default_registry().action("core", "sleep")
    start = anyio.current_time()
    with anyio.move_on_after(60) as scope:
        await sleep.invoke(CTX, {"seconds": 3600})
    assert scope.cancelled_caught
    assert anyio.current_time() - start < 3600


async def test_sleep_rejects_negative_seconds() -> None:
    sleep = default_registry().action("core", "sleep")
    with pytest.raises(TaskError) as info:
        await sleep.invoke(CTX, {"seconds": -1})
    assert info.value.kind == ErrorKind.INVALID_INPUT
    assert "seconds" in info.value.message
    assert not info.value.retryable


async def test_fail_defaults() -> None:
    fail = default_registry().action("core", "fail")
    with pytest.raises(TaskError) as info:
        await fail.invoke(CTX, {})
    assert info.value.message == "failed on purpose"
    assert info.value.kind == ErrorKind.ERROR
    assert info.value.retryable


async def test_fail_with_kind_and_retryable() -> None:
    fail = default_registry().action("core", "fail")
    with pytest.raises(TaskError) as info:
        await fail.invoke(CTX, {"message": "boom", "kind": "timeout", "retryable": False})
    assert (info.value.message, info.value.kind, info.value.retryable) == (
        "boom",
        "timeout",
        False,
    )


async def test_fail_rejects_unknown_kind() -> None:
    fail = default_registry().action("core", "fail")
    with pytest.raises(TaskError) as info:
        await fail.invoke(CTX, {"kind": "bogus"})
    assert info.value.kind == ErrorKind.INVALID_INPUT
    assert "kind" in info.value.message


# --- run-time validation --------------------------------------------------------------------


def test_validate_input_names_every_bad_field() -> None:
    run = default_registry().action("shell", "run")
    with pytest.raises(TaskError) as info:
        run.validate_input({"command": 5, "timeout": "soon", "bogus": True})
    error = info.value
    assert error.kind == ErrorKind.INVALID_INPUT
    assert not error.retryable
    for name in ("command", "timeout", "bogus"):
        assert f"{name}:" in error.message
    fields = {p["field"] for p in error.details["problems"]}  # type: ignore[attr-defined]
    assert fields == {"command", "timeout", "bogus"}


def test_validate_input_returns_the_model() -> None:
    run = default_registry().action("shell", "run")
    model = run.validate_input({"command": ["echo", 1]})
    assert model.model_dump()["command"] == ["echo", "1"]  # YAML numbers become argv text


# --- load-time checks -----------------------------------------------------------------------


def problems(component: str, action: str, raw: dict[str, Any]) -> dict[str, str]:
    found = default_registry().action(component, action).check_static_input(raw, is_dynamic)
    return {p.field: p.message for p in found}


def test_static_ok() -> None:
    assert problems("shell", "run", {"command": "echo hi", "timeout": 3, "env": {"A": 1}}) == {}
    assert problems("core", "echo", {"anything": "${input.x}", "goes": [1]}) == {}
    assert problems("http", "request", {"url": "${input.base}/x", "json": {"a": "${x}"}}) == {}


def test_static_unknown_field_even_when_dynamic() -> None:
    found = problems("shell", "run", {"command": "ls", "comand": "${input.x}"})
    assert list(found) == ["comand"]
    # a typo is told its close name, as a workflow's own fields are
    assert found["comand"] == "unknown field; did you mean 'command'?"
    far = problems("shell", "run", {"command": "ls", "zzz": 1})
    assert far["zzz"].startswith("unknown field; known fields: check, command, cwd,")


def test_static_missing_required_field() -> None:
    assert problems("shell", "run", {}) == {"command": "required field missing"}
    assert problems("http", "request", {"method": "GET"}) == {"url": "required field missing"}


def test_static_wrong_literal_types() -> None:
    found = problems("shell", "run", {"command": 7, "timeout": "abc", "check": [1]})
    assert set(found) == {"command", "timeout", "check"}
    assert found == {
        "command": (
            "expected a string (run by /bin/sh) or an array of strings (argv), got integer 7"
        ),
        "timeout": 'expected a number, got string "abc"',
        "check": "expected a boolean, got array",
    }


def test_static_wrong_types_in_the_loaders_words() -> None:
    """A component's input said pydantic's "Input should be a valid dictionary (got list)"
    where the workflow's own fields say "expected an object, got array": one vocabulary."""
    assert problems("shell", "run", {"command": "ls", "env": [1], "cwd": 3}) == {
        "env": "expected an object, got array",
        "cwd": "expected a string, got integer 3",
    }
    assert problems("shell", "run", {"command": ["ls", None]}) == {
        "command": "item 1 must be a string, got null"
    }
    assert problems("core", "approve", {"message": "ok?", "on_timeout": "maybe"}) == {
        "on_timeout": "must be 'reject' or 'approve', got string \"maybe\""
    }
    kind = problems("core", "fail", {"kind": "nope"})["kind"]
    assert kind.startswith("must be 'timeout', 'error', ") and kind.endswith('got string "nope"')


def test_static_dynamic_values_are_not_type_checked() -> None:
    raw = {"command": "${input.cmd}", "timeout": "${input.t}", "check": "${input.check}"}
    assert problems("shell", "run", raw) == {}


def test_static_literal_parts_of_dynamic_containers_are_checked() -> None:
    raw = {"command": ["${input.prog}", "-x"], "env": {"A": "${input.a}", "B": ["no"]}}
    assert list(problems("shell", "run", raw)) == ["env.B"]
    # The index is the one in the user's list, not in the list with references removed.
    found = problems("http", "request", {"url": "http://x", "params": {"q": ["${a}", 1, {}]}})
    assert list(found) == ["params.q[2]"]


def test_static_removing_references_does_not_invent_problems() -> None:
    # An argv list of only references would be empty once they are removed: not an error.
    assert problems("shell", "run", {"command": ["${input.prog}"]}) == {}


def test_static_value_rules() -> None:
    assert "http" in problems("http", "request", {"url": "ftp://example.org"})["url"]
    assert "module" in problems("python", "call", {"function": "no_colon"})["function"]
    assert "seconds" in problems("core", "sleep", {"seconds": -1})


def test_static_cross_field_rule_sees_dynamic_values() -> None:
    found = problems("http", "request", {"url": "http://x", "json": "${a}", "body": "${b}"})
    assert list(found) == ["body"]
    assert "not both" in found["body"]


def test_static_input_must_be_an_object() -> None:
    found = default_registry().action("core", "echo").check_static_input([1], is_dynamic)  # type: ignore[arg-type]
    assert len(found) == 1 and "must be an object (got array)" in found[0].message
