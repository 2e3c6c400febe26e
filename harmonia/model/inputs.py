"""Declared workflow inputs: what an execution's input must look like, checked by value.

The same checks serve the loader (a declared `default` must fit its own spec), the engine (an
execution's input) and the dashboard's input form, so they live on the model itself.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from typing import Any, Literal

from pydantic import Field, PrivateAttr, ValidationInfo, field_validator

from harmonia.errors import Problem, ValidationFailed
from harmonia.jsonlimits import big_integer_message, dotted, find_big_integers
from harmonia.model.base import Strict, describe_value

__all__ = ["InputSpec", "InputType", "bound_text", "check_declared"]

InputType = Literal["string", "integer", "number", "boolean", "object", "array"]


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
            problems.append(f"{value!r} is less than the minimum {bound_text(minimum)}")
        if maximum is not None and value > maximum:
            problems.append(f"{value!r} is greater than the maximum {bound_text(maximum)}")
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


def bound_text(value: Any) -> str:
    """Print 1.0 as 1: bounds are written as integers far more often than not (a daemon's
    answer carries them as floats: `harmonia templates show`, the dashboard's forms)."""
    return str(int(value)) if float(value).is_integer() else str(value)


#: Each bound: the input types it applies to, and the bound it must not be below.
_BOUNDS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "minimum": (("integer", "number"), None),
    "maximum": (("integer", "number"), "minimum"),
    "min_length": (("string", "array"), None),
    "max_length": (("string", "array"), "min_length"),
}


class InputSpec(Strict):
    """One declared workflow input.

    An input without `default` is required. `default: null` makes it optional with the value
    null. Constraints only apply to the types they make sense for (`minimum` to numbers,
    `min_length` to strings and arrays, `pattern` to strings), and the default must satisfy the
    whole spec, so a broken default is found when the file is loaded, not when it is first used.
    """

    _fields: dict[str, Any] | None = PrivateAttr(default=None)

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

    @field_validator("minimum", "maximum", "min_length", "max_length")
    @classmethod
    def _bound_fits(cls, value: float | None, info: ValidationInfo) -> float | None:
        """A bound applies to the types it makes sense for, and an upper one is not below
        its lower one (a spec no value could fit is a mistake to report, not to keep)."""
        name = str(info.field_name)
        types, lower_name = _BOUNDS[name]
        type_ = info.data.get("type")
        if value is not None and type_ is not None and type_ not in types:
            raise ValueError(f"{name} applies to {' and '.join(types)} inputs, not {type_}")
        lower = info.data.get(lower_name) if lower_name is not None else None
        if value is not None and lower is not None and value < lower:
            raise ValueError(
                f"{name} {bound_text(value)} is less than {lower_name} {bound_text(lower)}"
            )
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
            raise ValueError("default does not fit its spec: " + "; ".join(problems))
        return value

    @property
    def required(self) -> bool:
        """An input is required exactly when its spec sets no default (not even null)."""
        return "default" not in self.model_fields_set

    def check(self, value: Any) -> list[str]:
        """Every reason `value` is not acceptable for this input (empty when it is)."""
        if value is None and not self.required and self.default is None:
            return []
        if self._fields is None:  # dumped once: a template checks a thousand values at once
            self._fields = self.model_dump()
        return _value_problems(self._fields, value)


def check_declared(
    specs: Mapping[str, InputSpec],
    given: Mapping[str, Any],
    *,
    prefix: str,
    noun: str,
    unknown: Callable[[str, list[str]], str],
    file: str | None = None,
) -> dict[str, Any]:
    """`given` checked against declared `specs`, defaults applied: an execution's input and a
    template's parameters follow one rule. Every problem (unknown, missing, wrong type, out of
    bounds, big integer) is raised together as `ValidationFailed`, field `PREFIX.NAME`."""
    problems: list[Problem] = []
    declared = list(specs)
    for name in given:
        if name not in specs:
            where = f"{prefix}.{name}"
            problems.append(Problem(unknown(str(name), declared), file=file, field=where))
    result: dict[str, Any] = {}
    for name, spec in specs.items():
        where = f"{prefix}.{name}"
        if name not in given:
            if spec.required:
                problems.append(Problem(f"missing required {noun}", file=file, field=where))
            else:
                result[name] = copy.deepcopy(spec.default)
            continue
        value = given[name]
        big = [
            Problem(big_integer_message(number), file=file, field=dotted(path))
            for path, number in find_big_integers(value, (prefix, name))
        ]
        problems.extend(big)
        checked = () if big else spec.check(value)
        problems.extend(Problem(m, file=file, field=where) for m in checked)
        result[name] = list(value) if isinstance(value, tuple) else value
    if problems:
        raise ValidationFailed(problems=problems)
    return result
