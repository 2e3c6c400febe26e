"""The start-workflow form's logic: read typed text fields and check them as the daemon does.

Each declared input or template parameter (both `{type, default, minimum, maximum, min_length,
max_length, pattern, enum}`) gets a text field. A string input takes the text as it is; every
other type is read as JSON.
The checks are the daemon's own (`harmonia.model.InputSpec.check`), so the form says what the
API would say before the request is sent; the daemon still has the last word, and its 422
problems are shown on the fields they name.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError as PydanticValidationError

from harmonia.model import InputSpec
from harmonia.model.inputs import bound_text

__all__ = [
    "FormResult",
    "InputField",
    "check_value",
    "declared_fields",
    "declared_inputs",
    "problems_by_field",
    "read_form",
]


@dataclass(frozen=True)
class InputField:
    name: str
    spec: Mapping[str, Any]

    @property
    def type(self) -> str:
        return str(self.spec.get("type", "string"))

    @property
    def required(self) -> bool:
        """Required exactly when the spec has no `default` (not even null), as in the daemon."""
        return "default" not in self.spec

    @property
    def description(self) -> str:
        return str(self.spec.get("description") or "")

    def initial_text(self) -> str:
        """The default, written as the user would type it."""
        if self.required:
            return ""
        return to_text(self.type, self.spec.get("default"))

    def hint(self) -> str:
        parts = [self.type, "required" if self.required else "optional"]
        minimum, maximum = self.spec.get("minimum"), self.spec.get("maximum")
        if minimum is not None:
            parts.append(f">= {bound_text(minimum)}")
        if maximum is not None:
            parts.append(f"<= {bound_text(maximum)}")
        enum = self.spec.get("enum")
        if enum:
            parts.append("one of " + ", ".join(to_text("", v) for v in enum))
        return ", ".join(parts)


def declared_inputs(document: Mapping[str, Any]) -> list[InputField]:
    return declared_fields(document.get("input") or {})


def declared_fields(raw: Any) -> list[InputField]:
    """One field per declared input or template parameter (both are `InputSpec`s)."""
    if not isinstance(raw, Mapping):
        return []
    return [
        InputField(str(name), spec if isinstance(spec, Mapping) else {})
        for name, spec in raw.items()
    ]


def to_text(type_: str, value: Any) -> str:
    if type_ == "string" and isinstance(value, str):
        return value
    if isinstance(value, str) and type_ == "":
        return value
    return json.dumps(value, ensure_ascii=False)


@dataclass
class FormResult:
    values: dict[str, Any] = field(default_factory=dict)
    problems: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def read_form(
    fields: list[InputField], texts: Mapping[str, str], *, what: str = "input"
) -> FormResult:
    """The input (or parameter values, `what`) to send, or the problems of each field. An
    empty optional field is left out, so the declared default applies."""
    result = FormResult()
    for item in fields:
        text = texts.get(item.name, "")
        blank = text == "" if item.type == "string" else text.strip() == ""
        if blank:
            if item.required:
                result.problems[item.name] = [f"missing required {what}"]
            continue
        try:
            value = parse_text(item.type, text)
        except ValueError as exc:
            result.problems[item.name] = [str(exc)]
            continue
        problems = check_value(item.spec, value)
        if problems:
            result.problems[item.name] = problems
        else:
            result.values[item.name] = value
    return result


def parse_text(type_: str, text: str) -> Any:
    if type_ == "string":
        return text
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise ValueError(f"expected {type_}, got text {json.dumps(text.strip())}") from None


def check_value(spec: Mapping[str, Any], value: Any) -> list[str]:
    """Every reason `value` does not fit the declared input (empty when it fits), in the
    daemon's own words: the check is `harmonia.model.InputSpec.check` itself."""
    try:
        declared = InputSpec.model_validate(dict(spec))
    except PydanticValidationError:
        return []  # a spec the daemon would not have stored: leave the verdict to it
    return declared.check(value)


def problems_by_field(
    details: Any, prefix: str = "input."
) -> tuple[dict[str, list[str]], list[str]]:
    """A 422's `details` split into problems on `input.NAME` fields (`parameters.NAME` for a
    template's) and the rest."""
    per_field: dict[str, list[str]] = {}
    other: list[str] = []
    for item in details if isinstance(details, list) else []:
        if not isinstance(item, Mapping):
            other.append(str(item))
            continue
        message = str(item.get("message") or item.get("msg") or item)
        where = item.get("field")
        if where is None and isinstance(item.get("loc"), list):
            where = ".".join(str(p) for p in item["loc"])
        if isinstance(where, str) and where.startswith(prefix):
            per_field.setdefault(where.removeprefix(prefix).split(".")[0], []).append(message)
        else:
            other.append(message if not where else f"{where}: {message}")
    return per_field, other
