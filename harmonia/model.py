"""The workflow file as typed, validated objects.

These models are the contract between a workflow file and the engine. They are strict on purpose:
`extra="forbid"` everywhere so that a misspelt field is an error rather than a silently ignored
setting, and pydantic's strict mode so that `timeout: true` or `max_retries: "3"` are reported
instead of being coerced into something the author did not write.

Validation that needs more than one model at a time (references between tasks, components that
exist, line numbers) lives in `harmonia.loader`; use `load_workflow_dict` rather than
`Workflow.model_validate` for anything a user wrote.

Effective task settings: `Workflow.tasks` keeps every task exactly as written (so that
`to_document()` round-trips), and `Workflow.effective(task_id)` returns the task with the
workflow `defaults` merged in (`timeout`, and `retry_policy` field by field).
"""

from __future__ import annotations

import copy
import difflib
import json
import random
import re
from collections.abc import Mapping
from graphlib import CycleError, TopologicalSorter
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from harmonia.errors import ErrorKind, NotFound, Problem, ValidationFailed
from harmonia.jsonlimits import big_integer_message, dotted, find_big_integers
from harmonia.protocol import backoff_delay

__all__ = [
    "IDENTIFIER_PATTERN",
    "LOADER_CONTEXT_KEY",
    "InputSpec",
    "InputType",
    "RetryPolicy",
    "TaskDefaults",
    "TaskSpec",
    "Workflow",
    "cycle_message",
    "describe_value",
    "find_cycles",
    "graph_problems",
    "merge_retry_policies",
    "suggest",
    "unknown_input_message",
]

#: Task ids and input names: they appear inside `${tasks.ID...}` / `${input.NAME}` references, so
#: they are restricted to what the expression syntax can name unambiguously.
IDENTIFIER_PATTERN = r"^[A-Za-z_][A-Za-z0-9_-]*$"

Identifier = Annotated[str, StringConstraints(pattern=IDENTIFIER_PATTERN)]

InputType = Literal["string", "integer", "number", "boolean", "object", "array"]

#: Context key that tells `Workflow` the loader runs the cross-task checks itself (with file,
#: line and task attached), so the model must not report them a second time.
LOADER_CONTEXT_KEY = "harmonia_loader"

_ERROR_KINDS: tuple[str, ...] = tuple(kind.value for kind in ErrorKind)


class _Strict(BaseModel):
    """Common configuration: no unknown fields, no silent coercion, no NaN/inf."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


def suggest(word: str, candidates: list[str] | tuple[str, ...]) -> str:
    """A "did you mean" hint, because most unknown names in workflow files are typos."""
    matches = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f"did you mean '{matches[0]}'?" if matches else ""


def describe_value(value: Any) -> str:
    """Name a value's type in the vocabulary of YAML/JSON authors, with a short excerpt."""
    if value is None:
        return "null"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, bool):
        kind, text = "boolean", "true" if value else "false"
    elif isinstance(value, int | float):
        kind, text = ("integer" if isinstance(value, int) else "number"), repr(value)
    elif isinstance(value, str):
        kind, text = "string", json.dumps(value, ensure_ascii=False)
    else:
        kind, text = type(value).__name__, repr(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{kind} {text}"


class RetryPolicy(_Strict):
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
        json_schema_extra={"items": {"enum": list(_ERROR_KINDS)}},
    )

    @field_validator("retry_on")
    @classmethod
    def _known_kinds(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return value
        messages = []
        for kind in value:
            if kind not in _ERROR_KINDS:
                hint = suggest(kind, _ERROR_KINDS)
                messages.append(
                    f"unknown error kind '{kind}'"
                    + (f" ({hint})" if hint else "")
                    + f"; valid kinds: {', '.join(_ERROR_KINDS)}"
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


def _type_matches(type_: str, value: Any) -> bool:
    """JSON-style type check: booleans are not integers, integers are numbers."""
    if type_ == "string":
        return isinstance(value, str)
    if type_ == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if type_ == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if type_ == "boolean":
        return isinstance(value, bool)
    if type_ == "object":
        return isinstance(value, Mapping)
    if type_ == "array":
        return isinstance(value, list | tuple)
    return False


def _value_problems(spec: Mapping[str, Any], value: Any) -> list[str]:
    """Everything wrong with `value` for an input described by `spec` (InputSpec fields).

    Works on a plain mapping so that `InputSpec`'s own validator can check its `default` while
    the model is still being built.
    """
    type_ = spec.get("type", "string")
    if not _type_matches(type_, value):
        return [f"expected {type_}, got {describe_value(value)}"]
    problems: list[str] = []
    minimum, maximum = spec.get("minimum"), spec.get("maximum")
    if type_ in ("integer", "number"):
        if minimum is not None and value < minimum:
            problems.append(f"{value!r} is less than the minimum {_num(minimum)}")
        if maximum is not None and value > maximum:
            problems.append(f"{value!r} is greater than the maximum {_num(maximum)}")
    min_length, max_length = spec.get("min_length"), spec.get("max_length")
    if type_ in ("string", "array"):
        unit = "characters" if type_ == "string" else "items"
        if min_length is not None and len(value) < min_length:
            problems.append(f"has {len(value)} {unit}, fewer than min_length {min_length}")
        if max_length is not None and len(value) > max_length:
            problems.append(f"has {len(value)} {unit}, more than max_length {max_length}")
    pattern = spec.get("pattern")
    if type_ == "string" and pattern is not None and re.search(pattern, value) is None:
        problems.append(f"{value!r} does not match the pattern {pattern!r}")
    enum = spec.get("enum")
    if enum is not None and not any(_same_value(value, allowed) for allowed in enum):
        problems.append(f"{value!r} is not one of: {', '.join(repr(v) for v in enum)}")
    return problems


def _same_value(a: Any, b: Any) -> bool:
    """Equality that keeps `True` and `1` apart, as JSON does."""
    return a == b and isinstance(a, bool) == isinstance(b, bool)


def _num(value: Any) -> str:
    """Print 1.0 as 1: bounds are written as integers far more often than not."""
    return str(int(value)) if float(value).is_integer() else str(value)


class InputSpec(_Strict):
    """One declared workflow input.

    An input without `default` is required. `default: null` makes it optional with the value
    null. Constraints only apply to the types they make sense for (`minimum` to numbers,
    `min_length` to strings and arrays, `pattern` to strings), and the default must satisfy the
    whole spec, so a broken default is found when the file is loaded, not when it is first used.
    """

    type: InputType = Field(default="string", description="JSON type of the value.")
    description: str | None = None
    minimum: float | None = Field(default=None, description="Smallest allowed number.")
    maximum: float | None = Field(default=None, description="Largest allowed number.")
    min_length: int | None = Field(default=None, ge=0, description="Shortest string or array.")
    max_length: int | None = Field(default=None, ge=0, description="Longest string or array.")
    pattern: str | None = Field(
        default=None, description="Regular expression a string must contain."
    )
    enum: list[Any] | None = Field(default=None, min_length=1, description="The allowed values.")
    # Declared last: its validator checks it against every field above.
    default: Any = Field(
        default=None, description="Value used when none is given; absent = required."
    )

    @field_validator("minimum", "maximum")
    @classmethod
    def _numeric_only(cls, value: float | None, info: ValidationInfo) -> float | None:
        type_ = info.data.get("type")
        if value is not None and type_ is not None and type_ not in ("integer", "number"):
            raise ValueError(f"{info.field_name} applies to integer and number inputs, not {type_}")
        minimum = info.data.get("minimum")
        below = value is not None and minimum is not None and value < minimum
        if info.field_name == "maximum" and below:
            raise ValueError(f"maximum {_num(value)} is less than minimum {_num(minimum)}")
        return value

    @field_validator("min_length", "max_length")
    @classmethod
    def _sized_only(cls, value: int | None, info: ValidationInfo) -> int | None:
        type_ = info.data.get("type")
        if value is not None and type_ is not None and type_ not in ("string", "array"):
            raise ValueError(f"{info.field_name} applies to string and array inputs, not {type_}")
        min_length = info.data.get("min_length")
        too_short = value is not None and min_length is not None and value < min_length
        if info.field_name == "max_length" and too_short:
            raise ValueError(f"max_length {value} is less than min_length {min_length}")
        return value

    @field_validator("pattern")
    @classmethod
    def _valid_pattern(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return value
        type_ = info.data.get("type")
        if type_ is not None and type_ != "string":
            raise ValueError(f"pattern applies to string inputs, not {type_}")
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"invalid regular expression: {exc}") from None
        return value

    @field_validator("enum")
    @classmethod
    def _enum_matches_type(cls, value: list[Any] | None, info: ValidationInfo) -> list[Any] | None:
        type_ = info.data.get("type")
        if value is None or type_ is None:
            return value
        wrong = [v for v in value if not _type_matches(type_, v)]
        if wrong:
            listed = ", ".join(describe_value(v) for v in wrong)
            raise ValueError(f"enum values must be of type {type_}; got {listed}")
        return value

    @field_validator("default")
    @classmethod
    def _default_fits(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None or "type" not in info.data:
            return value
        problems = _value_problems(info.data, value)
        if problems:
            raise ValueError("default does not fit the input: " + "; ".join(problems))
        return value

    @property
    def required(self) -> bool:
        """An input is required exactly when its spec sets no default (not even null)."""
        return "default" not in self.model_fields_set

    def check(self, value: Any) -> list[str]:
        """Every reason `value` is not acceptable for this input (empty when it is)."""
        if value is None and not self.required and self.default is None:
            return []
        return _value_problems(self.model_dump(), value)


class TaskDefaults(_Strict):
    """Settings merged into every task that does not set them itself."""

    timeout: float | None = Field(default=None, gt=0, description="Seconds per attempt.")
    retry_policy: RetryPolicy | None = None


class TaskSpec(_Strict):
    """One task: call `action` of `component` with `input`, after `depends_on` completed."""

    component: str = Field(min_length=1, description="Component name, e.g. shell, http.")
    action: str = Field(min_length=1, description="Action of the component, e.g. run.")
    input: dict[str, Any] = Field(
        default_factory=dict, description="Action input; strings may contain ${...} references."
    )
    depends_on: list[str] = Field(
        default_factory=list, description="Tasks that must complete before this one starts."
    )
    when: str | None = Field(
        default=None,
        description="Condition; the task is skipped when false.",
        # A YAML boolean is accepted too (see `_boolean_when`); tell editors so.
        json_schema_extra={"anyOf": [{"type": "string"}, {"type": "boolean"}, {"type": "null"}]},
    )
    timeout: float | None = Field(default=None, gt=0, description="Seconds per attempt.")
    retry_policy: RetryPolicy | None = None
    description: str | None = None

    @field_validator("when", mode="before")
    @classmethod
    def _boolean_when(cls, value: Any) -> Any:
        """`when: false` is a natural way to switch a task off; keep it as the condition text."""
        if isinstance(value, bool):
            return "true" if value else "false"
        return value

    @field_validator("depends_on")
    @classmethod
    def _no_duplicates(cls, value: list[str]) -> list[str]:
        seen: set[str] = set()
        duplicates: list[str] = []
        for dep in value:
            if dep in seen and dep not in duplicates:
                duplicates.append(dep)
            seen.add(dep)
        if duplicates:
            raise ValueError("duplicate dependency " + ", ".join(f"'{d}'" for d in duplicates))
        return value


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


def graph_problems(tasks: Mapping[str, TaskSpec]) -> list[tuple[str, str]]:
    """Unknown dependencies, self-dependencies and cycles as (task id, message) pairs.

    Used when a `Workflow` is built directly; the loader reports the same problems itself, from
    the raw document, so that it can attach lines and keep going when tasks are malformed.
    """
    problems: list[tuple[str, str]] = []
    graph: dict[str, list[str]] = {}
    for task_id, task in tasks.items():
        graph[task_id] = []
        for dep in task.depends_on:
            if dep == task_id:
                problems.append((task_id, "a task cannot depend on itself"))
            elif dep not in tasks:
                problems.append((task_id, f"unknown dependency '{dep}'"))
            else:
                graph[task_id].append(dep)
    for cycle in find_cycles(graph):
        problems.append((cycle[0], cycle_message(cycle)))
    return problems


def cycle_message(cycle: list[str]) -> str:
    """Shared wording; the arrow direction is spelt out because either reading is plausible."""
    return "dependency cycle: " + " -> ".join(cycle) + " (each task depends on the next)"


def find_cycles(graph: Mapping[str, list[str]]) -> list[list[str]]:
    """Disjoint dependency cycles, each in depends-on order and closed (`[a, b, a]`).

    `graph` maps a task to the tasks it depends on. graphlib finds one cycle at a time; removing
    the tasks of each cycle found and trying again reports every independent cycle in one pass
    instead of one per edit-and-reload round. Each cycle starts at its task that comes first in
    `graph`'s order (file order), so messages are stable.
    """
    order = {task: index for index, task in enumerate(graph)}
    remaining = {task: [d for d in deps if d in graph] for task, deps in graph.items()}
    cycles: list[list[str]] = []
    while True:
        try:
            TopologicalSorter(remaining).prepare()
        except CycleError as exc:
            # graphlib lists each node as a predecessor (dependency) of the next one; reverse
            # it so that every arrow reads "depends on".
            nodes = list(reversed(exc.args[1][:-1]))
            start = min(range(len(nodes)), key=lambda i: order.get(nodes[i], len(order)))
            nodes = nodes[start:] + nodes[:start]
            cycles.append([*nodes, nodes[0]])
            gone = set(nodes)
            remaining = {
                task: [d for d in deps if d not in gone]
                for task, deps in remaining.items()
                if task not in gone
            }
        else:
            return cycles


class Workflow(_Strict):
    """A workflow definition: declared inputs, defaults and a DAG of tasks.

    `tasks` holds each task as written; call `effective(task_id)` for the settings the engine
    must use. Constructing a `Workflow` directly checks the dependency graph, but not component
    names or `${...}` references: `harmonia.loader` does that, with file and line numbers.
    """

    _document: dict[str, Any] | None = PrivateAttr(default=None)
    _memo: dict[Any, Any] = PrivateAttr(default_factory=dict)

    name: str = Field(min_length=1, description="Name of the workflow.")
    version: str = Field(default="1.0.0", description="Version of this definition.")
    description: str | None = None
    input: dict[Identifier, InputSpec] = Field(
        default_factory=dict,
        description="Declared inputs, by name.",
        # ids that do not match the pattern are errors, not "anything goes"
        json_schema_extra={"additionalProperties": False},
    )
    max_concurrency: int = Field(
        default=16, ge=1, description="Tasks running at once per execution."
    )
    defaults: TaskDefaults = Field(
        default_factory=TaskDefaults, description="Settings merged into every task."
    )
    tasks: dict[Identifier, TaskSpec] = Field(
        min_length=1,
        description="The tasks, by id; at least one.",
        json_schema_extra={"additionalProperties": False},
    )

    @field_validator("name")
    @classmethod
    def _name_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the name must not be blank")
        return value

    @model_validator(mode="after")
    def _valid_graph(self, info: ValidationInfo) -> Workflow:
        context = info.context
        if isinstance(context, Mapping) and context.get(LOADER_CONTEXT_KEY):
            return self
        problems = graph_problems(self.tasks)
        if problems:
            raise ValueError("; ".join(f"task '{task}': {message}" for task, message in problems))
        return self

    def task(self, task_id: str) -> TaskSpec:
        """The task as written; a clear error rather than a bare KeyError for unknown ids."""
        try:
            return self.tasks[task_id]
        except KeyError:
            raise NotFound(f"workflow '{self.name}' has no task '{task_id}'") from None

    def effective(self, task_id: str) -> TaskSpec:
        """The task with the workflow defaults merged in, as the engine must run it.

        `timeout` is the task's own or else `defaults.timeout` (None: no limit). `retry_policy`
        is always set: the defaults' fields overridden by whatever the task set itself (a
        `RetryPolicy()` with no retries when neither says anything).
        """
        task = self.task(task_id)
        timeout = task.timeout if task.timeout is not None else self.defaults.timeout
        policy = merge_retry_policies(self.defaults.retry_policy, task.retry_policy)
        return task.model_copy(update={"timeout": timeout, "retry_policy": policy})

    def upstream(self, task_id: str) -> set[str]:
        """Every task that `task_id` depends on, directly or transitively."""
        seen: set[str] = set()
        stack = list(self.task(task_id).depends_on)
        while stack:
            current = stack.pop()
            if current in seen or current not in self.tasks:
                continue
            seen.add(current)
            stack.extend(self.tasks[current].depends_on)
        seen.discard(task_id)
        return seen

    def downstream(self, task_id: str) -> set[str]:
        """Every task that depends on `task_id`, directly or transitively (re-run on retry)."""
        self.task(task_id)
        dependents: dict[str, list[str]] = {tid: [] for tid in self.tasks}
        for tid, task in self.tasks.items():
            for dep in task.depends_on:
                if dep in dependents:
                    dependents[dep].append(tid)
        seen: set[str] = set()
        stack = list(dependents[task_id])
        while stack:
            current = stack.pop()
            if current not in seen:
                seen.add(current)
                stack.extend(dependents[current])
        seen.discard(task_id)
        return seen

    def validate_input(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """The execution input: `given` checked against the declared inputs, defaults applied.

        Every problem (missing, unknown, wrong type, out of bounds, not in enum, no pattern
        match) is collected and raised together as `ValidationFailed`, each with field
        `input.NAME`, so a caller fixes everything in one go.
        """
        problems: list[Problem] = []
        declared = list(self.input)
        for name in given:
            if name not in self.input:
                problems.append(
                    Problem(unknown_input_message(str(name), declared), field=f"input.{name}")
                )
        result: dict[str, Any] = {}
        for name, spec in self.input.items():
            if name in given:
                value = given[name]
                big = [
                    Problem(big_integer_message(number), field=dotted(path))
                    for path, number in find_big_integers(value, ("input", name))
                ]
                problems.extend(big)
                for message in () if big else spec.check(value):
                    problems.append(Problem(message, field=f"input.{name}"))
                result[name] = list(value) if isinstance(value, tuple) else value
            elif spec.required:
                problems.append(Problem("missing required input", field=f"input.{name}"))
            else:
                result[name] = copy.deepcopy(spec.default)
        if problems:
            raise ValidationFailed(problems=problems)
        return result

    def __eq__(self, other: object) -> bool:
        """Equal definitions are equal workflows: the caches below do not take part."""
        if not isinstance(other, Workflow):
            return NotImplemented
        return self.__dict__ == other.__dict__

    __hash__ = None  # type: ignore[assignment]  # mutable model, as pydantic's default

    def memo(self) -> dict[Any, Any]:
        """Derived data other layers compute once per loaded workflow (the engine's execution
        plan), so that starting the same workflow again costs nothing to prepare."""
        return self._memo

    def to_document(self) -> dict[str, Any]:
        """A JSON-able dict of the definition as written, which the loader accepts back as is.

        Only fields the author set are included: besides keeping stored documents small, this
        matters for the field-wise retry policy merge, where an explicit value and a default one
        mean different things.
        """
        if self._document is None:
            # Cached: dumping a 10,000-task workflow costs more than starting it. Workflows are
            # treated as immutable once loaded; nothing in Harmonia changes one in place.
            self._document = self.model_dump(mode="json", exclude_unset=True)
        return self._document


def unknown_input_message(name: str, declared: list[str]) -> str:
    """Shared wording for an input nobody declared (execution input and `${input.x}`)."""
    if not declared:
        return f"unknown input '{name}'; this workflow declares no inputs"
    hint = suggest(name, declared)
    return (
        f"unknown input '{name}'"
        + (f" ({hint})" if hint else "")
        + f"; declared: {', '.join(declared)}"
    )
