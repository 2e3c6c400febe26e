"""The component layer's contract: what an action is, how its input is checked, how it is found.

A task names a component and one of its actions; the loader checks the task's un-rendered input
with `Action.check_static_input` (so a typo fails the load, not the run), and the engine calls
`Action.invoke` with the rendered input for every attempt. Both checks derive from one pydantic
model per action, so the load-time check, the run-time check and the JSON Schema shown to users
can never disagree.
"""

from __future__ import annotations

import abc
import functools
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, cast

import pydantic
from pydantic_core import ErrorDetails

from harmonia.errors import ErrorKind, TaskError
from harmonia.valuekinds import json_kind

if TYPE_CHECKING:
    from harmonia.components.childprotocol import ChildExecutions

__all__ = [
    "Action",
    "ActionContext",
    "Component",
    "FieldProblem",
    "ModelAction",
    "UnknownAction",
    "UnknownComponent",
    "format_problems",
]


@dataclass(frozen=True, slots=True)
class ActionContext:
    """What an action may know about the attempt it serves.

    Slotted because the engine builds one per attempt on its hot path.
    """

    execution_id: str
    task_id: str
    attempt: int  # 1-based
    workdir: Path | None = None  # default cwd for shell; None = the process's cwd
    environ: Mapping[str, str] | None = None
    """The environment for processes the action starts: the engine's, without Harmonia's
    secrets (`harmonia.taskenv`); None = this process's, without them."""
    start_recorded: Callable[[], Awaitable[None]] | None = None
    """Wait until this attempt's start is on disk. An action about to run code that could
    kill the engine's process awaits it first, so the crash is on record (`crash_loop`)."""
    children: ChildExecutions | None = None
    """Starts and awaits child executions (`workflow.run`); None outside an engine."""


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One thing wrong with a task's input.

    `field` is a path inside the task's `input` ("command", "headers.Accept", "args[0]"); the
    empty string means the input as a whole.
    """

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


def format_problems(problems: Iterable[FieldProblem]) -> str:
    """One line naming every bad field, for error messages."""
    return "; ".join(str(p) for p in problems)


def _never_dynamic(value: Any) -> bool:
    """At run time every reference has been rendered, so nothing is dynamic."""
    return False


class _Dropped:
    """Marker for a dynamic scalar removed from a value before load-time validation."""


_DROPPED = _Dropped()

# Error types that only say "there are too few/many items": after dynamic parts are removed from
# a container they are artefacts of the removal, not real problems.
_COUNT_ERRORS = frozenset({"missing", "too_short", "too_long"})


def _prune(value: Any, is_dynamic: Callable[[Any], bool]) -> Any:
    """Remove the dynamic parts of a value so its literal rest can still be type-checked.

    A dynamic scalar (a string with a `${...}` reference) becomes `_DROPPED`; containers keep
    their literal items. Removing (rather than replacing) dynamic parts never invents a value
    that could be wrongly accepted or rejected.
    """
    if not is_dynamic(value):
        return value
    if isinstance(value, Mapping):
        pruned: dict[Any, Any] = {}
        for key, item in value.items():
            if is_dynamic(key):
                continue
            kept = _prune(item, is_dynamic)
            if kept is not _DROPPED:
                pruned[key] = kept
        return pruned
    if isinstance(value, list):
        return [kept for item in value if (kept := _prune(item, is_dynamic)) is not _DROPPED]
    return _DROPPED


def _is_dropped(value: Any, is_dynamic: Callable[[Any], bool]) -> bool:
    return is_dynamic(value) and not isinstance(value, Mapping | list)


def _field_path(raw: Any, loc: tuple[int | str, ...], is_dynamic: Callable[[Any], bool]) -> str:
    """Turn a pydantic error location into a path inside the user's (un-pruned) input.

    pydantic locations also contain union member tags ("str", "list[str]") and "[key]" markers;
    walking the raw value keeps only the parts the user wrote. List indices are mapped back
    through the pruning, so an error on the 2nd literal item names its real position.
    """
    node: Any = raw
    path = ""
    for part in loc:
        if isinstance(node, Mapping) and part in node:
            path = f"{path}.{part}" if path else str(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int):
            kept = [
                i
                for i, item in enumerate(node)
                if not (is_dynamic(node) and _is_dropped(item, is_dynamic))
            ]
            if not 0 <= part < len(kept):
                break
            path = f"{path}[{kept[part]}]"
            node = node[kept[part]]
        # anything else is pydantic bookkeeping (a union tag, "[key]"): not part of the path
    return path


def _message(item: ErrorDetails, known: Iterable[str]) -> str:
    # only an input with a problem needs them
    from harmonia.model.wording import error_message, unknown_field

    kind = item["type"]
    if kind == "extra_forbidden" and len(item["loc"]) == 1:
        return unknown_field(str(item["loc"][0]), sorted(known))
    return error_message(item)


def _problems_from_errors(
    errors: Iterable[ErrorDetails],
    raw: Mapping[str, Any],
    is_dynamic: Callable[[Any], bool],
    known: Iterable[str],
) -> list[FieldProblem]:
    """Rewrite pydantic's errors as one readable problem per field path, in the loader's words
    (`harmonia.model.wording`).

    A union reports one error per member. When one member got further (an error deeper inside
    the value, e.g. at an item of a list), the other members' type errors are noise and dropped;
    type errors left at one path are merged: "expected a string or a list, got integer 5".
    """
    from harmonia.model import describe_value
    from harmonia.model.wording import expected_noun

    by_path: dict[str, list[ErrorDetails]] = {}
    for item in errors:
        by_path.setdefault(_field_path(raw, tuple(item["loc"]), is_dynamic), []).append(item)
    paths = list(by_path)

    problems: list[FieldProblem] = []
    for path, items in by_path.items():
        deeper = any(
            other != path and other.startswith(path) and other[len(path)] in ".["
            for other in paths
            if path
        )
        if deeper:
            items = [i for i in items if not i["type"].endswith("_type")]
            if not items:
                continue
        expected: list[str] = []
        messages: list[str] = []
        got = ""
        for item in items:
            noun = expected_noun(item["type"])
            if noun is not None:
                if noun not in expected:
                    expected.append(noun)
                got = describe_value(item.get("input"))
            elif (message := _message(item, known)) not in messages:
                messages.append(message)
        if expected:
            nouns = " or ".join(expected)
            messages.insert(0, f"expected {nouns}, got {got}")
        problems.append(FieldProblem(path, "; ".join(messages)))
    return problems


@functools.cache
def _fields_of(model: type[pydantic.BaseModel]) -> tuple[list[str], list[str], bool]:
    """A model's input keys, its required ones, and whether it refuses others: read once per
    model, not once per task (a 10,000-task workflow checks 10,000 inputs)."""
    fields = model.model_fields.items()
    known = [info.alias or name for name, info in fields]
    required = [info.alias or name for name, info in fields if info.is_required()]
    return known, required, model.model_config.get("extra") == "forbid"


class Action(abc.ABC):
    """One operation of a component, e.g. `shell.run`.

    Subclasses set `name`, `description` and `input_model` (a pydantic model, normally with
    `extra="forbid"` so that a misspelt field is an error, not silently ignored).
    """

    name: ClassVar[str]
    description: ClassVar[str]
    input_model: ClassVar[type[pydantic.BaseModel]]
    shell_fields: ClassVar[frozenset[str]] = frozenset()
    """Input fields whose string value is run by `/bin/sh`: the values of references in them
    are quoted for the shell when the task's input is rendered (`harmonia.expressions.shell`)."""
    waits_on_engine: ClassVar[bool] = False
    """The action runs no code that could kill the process; it waits on the engine (a child
    execution). Such a task is never held back for crash-loop probation, which is one task
    at a time: it would hold the turn its own child's suspect tasks wait for."""

    _schema: dict[str, Any] | None = None

    def _known_fields(self) -> list[str]:
        return _fields_of(self.input_model)[0]

    def _forbids_extra(self) -> bool:
        return _fields_of(self.input_model)[2]

    def extra_problems(
        self, raw: Mapping[str, Any], is_dynamic: Callable[[Any], bool]
    ) -> list[FieldProblem]:
        """Cross-field rules the model cannot express per field (e.g. `json` and `body`).

        They see the raw keys, so they work at load time even when the values are dynamic; they
        run at load time and at run time, so both report the same thing.
        """
        return []

    def check_static_input(
        self, raw: Mapping[str, Any], is_dynamic: Callable[[Any], bool]
    ) -> list[FieldProblem]:
        """Load-time check of a task's un-rendered input.

        Unknown and missing fields are always reported; values are type-checked as far as they
        are literal: a value that is dynamic as a whole is skipped, a container with dynamic
        parts is checked without those parts.
        """
        if not isinstance(raw, Mapping):
            return [FieldProblem("", f"input must be an object (got {json_kind(raw)})")]
        problems: list[FieldProblem] = []
        known = self._known_fields()
        if self._forbids_extra():
            for key in raw:
                if key not in known:
                    from harmonia.model.wording import unknown_field

                    problems.append(FieldProblem(str(key), unknown_field(str(key), sorted(known))))
        for key in _fields_of(self.input_model)[1]:
            if key not in raw:
                problems.append(FieldProblem(key, "required field missing"))

        pruned: dict[str, Any] = {}
        dynamic_keys: set[str] = set()
        for key, value in raw.items():
            if key not in known and self._forbids_extra():
                continue
            if is_dynamic(value):
                dynamic_keys.add(key)
            kept = _prune(value, is_dynamic)
            if kept is not _DROPPED:
                pruned[key] = kept
        try:
            self.input_model.model_validate(pruned)
        except pydantic.ValidationError as exc:
            relevant: list[ErrorDetails] = []
            for item in exc.errors(include_url=False):
                loc = tuple(item["loc"])
                if item["type"] == "missing":
                    continue  # reported above from the raw keys; the rest are pruning artefacts
                if loc and loc[0] in dynamic_keys and item["type"] in _COUNT_ERRORS:
                    continue
                if not loc and dynamic_keys:
                    continue  # a whole-model rule cannot be judged on a partial input
                relevant.append(item)
            problems.extend(_problems_from_errors(relevant, raw, is_dynamic, known))
        problems.extend(self.extra_problems(raw, is_dynamic))
        return _dedupe(problems)

    def validate_input(self, raw: Mapping[str, Any]) -> pydantic.BaseModel:
        """Run-time check of the rendered input; every bad field is named in one TaskError."""
        if not isinstance(raw, Mapping):
            raise TaskError(
                f"invalid input for action '{self.name}': input must be an object "
                f"(got {json_kind(raw)})",
                ErrorKind.INVALID_INPUT,
            )
        problems: list[FieldProblem] = []
        model: pydantic.BaseModel | None = None
        try:
            model = self.input_model.model_validate(raw)
        except pydantic.ValidationError as exc:
            problems = _problems_from_errors(
                exc.errors(include_url=False), raw, _never_dynamic, self._known_fields()
            )
        problems = _dedupe(problems + self.extra_problems(raw, _never_dynamic))
        if problems or model is None:
            raise TaskError(
                f"invalid input for action '{self.name}': {format_problems(problems)}",
                ErrorKind.INVALID_INPUT,
                details={"problems": [{"field": p.field, "message": p.message} for p in problems]},
            )
        return model

    @abc.abstractmethod
    async def invoke(self, ctx: ActionContext, raw_input: Mapping[str, Any]) -> Any:
        """Validate the rendered input, run, return a JSON-serialisable value; raise TaskError."""

    def describe(self) -> dict[str, Any]:
        """Name, description and input JSON Schema; the schema is built once per action."""
        if self._schema is None:
            self._schema = self.input_model.model_json_schema()
        return {"name": self.name, "description": self.description, "input_schema": self._schema}


def _dedupe(problems: list[FieldProblem]) -> list[FieldProblem]:
    seen: set[FieldProblem] = set()
    unique: list[FieldProblem] = []
    for problem in problems:
        if problem not in seen:
            seen.add(problem)
            unique.append(problem)
    return unique


InputT = TypeVar("InputT", bound=pydantic.BaseModel)


class ModelAction(Action, Generic[InputT]):
    """An action whose `run` receives its validated, typed input model.

    Kept separate from `Action` so that code holding "some action" (engine, loader, registry)
    uses the plain, non-generic `Action` type.
    """

    async def invoke(self, ctx: ActionContext, raw_input: Mapping[str, Any]) -> Any:
        # validate_input returns an instance of input_model, which subclasses bind to InputT.
        params = cast(InputT, self.validate_input(raw_input))
        return await self.run(ctx, params)

    @abc.abstractmethod
    async def run(self, ctx: ActionContext, params: InputT) -> Any:
        """Do the work with an already validated input."""


class UnknownComponent(LookupError):
    """A task names a component that is not registered."""

    def __init__(self, name: str, known: Iterable[str], where: str | None = None) -> None:
        self.name = name
        self.known = sorted(known)
        self.where = where
        """Where remote components were looked for (Hermes, the environment), when they were."""
        message = f"unknown component '{name}'; known: {', '.join(self.known) or '(none)'}"
        super().__init__(message + (f"; looked in: {where}" if where else ""))

    def __str__(self) -> str:
        # LookupError's default str() would quote the message like a KeyError key.
        return str(self.args[0])


class UnknownAction(LookupError):
    """A task names an action its component does not have."""

    def __init__(self, component: str, name: str, known: Iterable[str]) -> None:
        self.component = component
        self.name = name
        self.known = sorted(known)
        super().__init__(
            f"unknown action '{name}' of component '{component}'; "
            f"known: {', '.join(self.known) or '(none)'}"
        )

    def __str__(self) -> str:
        return str(self.args[0])


class Component:
    """A named group of actions (`shell`, `http`, ...)."""

    def __init__(self, name: str, description: str, actions: Iterable[Action]) -> None:
        self.name = name
        self.description = description
        table: dict[str, Action] = {}
        for action in actions:
            if action.name in table:
                raise ValueError(f"component '{name}' has two actions named '{action.name}'")
            table[action.name] = action
        self.actions: Mapping[str, Action] = table

    def action(self, name: str) -> Action:
        try:
            return self.actions[name]
        except KeyError:
            raise UnknownAction(self.name, name, self.actions) from None

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "actions": [action.describe() for action in self.actions.values()],
        }

    async def aclose(self) -> None:
        """Release what the component started (worker processes); the engine calls it when it
        stops. A component used again afterwards starts what it needs anew."""
