"""What every workflow model shares: strict validation and the words problems are told in.

Strict on purpose: `extra="forbid"` so that a misspelt field is an error rather than a silently
ignored setting, and pydantic's strict mode so that `timeout: true` or `max_retries: "3"` are
reported instead of being coerced into something the author did not write.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict

from harmonia.suggestions import suggest
from harmonia.valuekinds import json_kind

__all__ = [
    "LOADER_CONTEXT_KEY",
    "PLAIN_JSON_CONTEXT_KEY",
    "NonBlank",
    "Strict",
    "describe_value",
    "suggest",
    "unknown_input_message",
]

#: Context key that tells the models the loader runs the cross-field checks itself (with file,
#: line and task attached), so the models must not report them a second time.
LOADER_CONTEXT_KEY = "harmonia_loader"

#: Context key that tells the models their data came from a JSON parser (dicts, lists, str,
#: int, float, bool, None and nothing else), so `Workflow.to_document()` may share the models'
#: values instead of dumping copies of them.
PLAIN_JSON_CONTEXT_KEY = "harmonia_plain_json"


class Strict(BaseModel):
    """Common configuration: no unknown fields, no silent coercion, no NaN/inf."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("the name must not be blank")
    return value


NonBlank = Annotated[str, AfterValidator(_not_blank)]
"""A name of a workflow or template: spaces alone name nothing."""


def describe_value(value: Any) -> str:
    """Name a value's type in the vocabulary of YAML/JSON authors, with a short excerpt."""
    kind = json_kind(value)
    if kind in ("null", "object", "array"):
        return kind
    if kind == "boolean":
        text = "true" if value else "false"
    elif kind == "string":
        text = json.dumps(value, ensure_ascii=False)
    else:
        text = repr(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{kind} {text}"


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
