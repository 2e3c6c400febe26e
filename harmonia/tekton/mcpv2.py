"""Tekton's "MCP v2" REST dialect, as real components serve it (TEKTON.md §7).

- `GET {base}/api/mcp/v2/tools` -> `{"tools": [{"name", "description", "parameters": {p:
  {"type": "<python type repr>", "required", "default", "description"}}, "tags", "category"}],
  "count"}`;
- `POST {base}/api/mcp/v2/process` with `{"tool_name", "arguments", "context"?}` answers HTTP
  200 in every case the component understood: `{"status": "success", "result": ...}` or
  `{"status": "error", "error": "..."}` (an unknown tool and bad arguments included); 422 only
  without `tool_name`.

This module turns those shapes into Harmonia's: tools with a JSON Schema beside the parameters
as given, and answers into a value or a `TaskError` of the right kind. No HTTP happens here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from harmonia.errors import ErrorKind, TaskError

__all__ = [
    "HEALTH_PATH",
    "PROCESS_PATH",
    "TOOLS_PATH",
    "Tool",
    "error_is_transient",
    "json_type_of",
    "parse_tools",
    "process_answer",
]

PROCESS_PATH: Final = "/api/mcp/v2/process"
TOOLS_PATH: Final = "/api/mcp/v2/tools"
HEALTH_PATH: Final = "/health"
"""Every Tekton component serves `/health` (`status`: healthy/degraded); not all of them serve
`/api/mcp/v2/health`."""

_SNIPPET = 300

# A tool's own failure is final unless its text says it is the kind that passes by itself: the
# component could not reach something (an LLM provider, a database) or was told to slow down.
_TRANSIENT: Final = re.compile(
    r"timed?[ -]?out|timeout|temporar(il)?y|unavailable|connection (refused|reset|error|aborted)"
    r"|could not connect|rate[ -]?limit|too many requests|try again|overloaded",
    re.IGNORECASE,
)

_PY_TYPES: Final = {
    "str": "string",
    "int": "integer",
    "float": "number",
    "bool": "boolean",
    "dict": "object",
    "list": "array",
}
_CLASS_REPR: Final = re.compile(r"^<class '([A-Za-z_][A-Za-z0-9_.]*)'>$")


def json_type_of(python_type: Any) -> str | None:
    """The JSON type a parameter's Python type repr means, when it is one plain type
    (`"str"`, `"<class 'int'>"`, `"Dict[str, Any]"`); None for anything else (unions,
    Optional, Any), which is then left unchecked."""
    if not isinstance(python_type, str):
        return None
    text = python_type.strip()
    match = _CLASS_REPR.match(text)
    if match:
        text = match.group(1)
    text = text.removeprefix("typing.").removeprefix("builtins.")
    base = text.split("[", 1)[0].strip().lower()
    return _PY_TYPES.get(base)


@dataclass(frozen=True)
class Tool:
    """One tool a component lists: `parameters` exactly as the component gave them."""

    name: str
    description: str = ""
    parameters: Mapping[str, Any] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    category: str | None = None

    @property
    def required(self) -> list[str]:
        return [
            name
            for name, spec in self.parameters.items()
            if isinstance(spec, Mapping) and spec.get("required") is True
        ]

    def input_schema(self) -> dict[str, Any]:
        """A JSON Schema for the arguments, derived from the parameters (types where plain)."""
        properties: dict[str, Any] = {}
        for name, spec in self.parameters.items():
            prop: dict[str, Any] = {}
            if isinstance(spec, Mapping):
                kind = json_type_of(spec.get("type"))
                if kind is not None:
                    prop["type"] = kind
                if isinstance(spec.get("description"), str) and spec["description"]:
                    prop["description"] = spec["description"]
                if "default" in spec and spec.get("required") is not True:
                    prop["default"] = spec["default"]
            properties[name] = prop
        schema: dict[str, Any] = {"type": "object", "properties": properties}
        if self.required:
            schema["required"] = self.required
        return schema

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "input_schema": self.input_schema(),
            "parameters": dict(self.parameters),
            "tags": list(self.tags),
            "category": self.category,
        }


def parse_tools(payload: Any) -> list[Tool]:
    """The tools of a tools-list answer; entries without a name are skipped. A bare list is
    accepted too (Hermes' own aggregator answers one)."""
    entries = payload.get("tools") if isinstance(payload, Mapping) else payload
    if not isinstance(entries, list):
        raise ValueError("the answer has no 'tools' list")
    tools: list[Tool] = []
    for entry in entries:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str):
            continue
        parameters = entry.get("parameters")
        tags = entry.get("tags")
        category = entry.get("category")
        tools.append(
            Tool(
                name=entry["name"],
                description=str(entry.get("description") or ""),
                parameters=dict(parameters) if isinstance(parameters, Mapping) else {},
                tags=tuple(str(t) for t in tags) if isinstance(tags, list) else (),
                category=category if isinstance(category, str) else None,
            )
        )
    return tools


def error_is_transient(message: str) -> bool:
    """Whether a tool's `status: "error"` text says the failure passes by itself (see
    `_TRANSIENT`): only then is the failed attempt retried."""
    return bool(_TRANSIENT.search(message))


def _snippet(text: str) -> str:
    return " ".join(text[:_SNIPPET].split())


def process_answer(what: str, status: int, payload: Any, body: bytes) -> Any:
    """The result of a process call, or the `TaskError` its answer means.

    `payload` is the decoded JSON body (None when it was not JSON), `body` the raw body, read
    as text for messages only. HTTP 200 with `status: "error"` is the tool's own failure
    (`remote_error`); other HTTP answers are sorted like `http.request` sorts them."""
    if 200 <= status < 300 and isinstance(payload, Mapping) and payload.get("status") == "success":
        return payload.get("result")  # the hot path: nothing else to look at
    text = body.decode("utf-8", errors="replace")
    if 200 <= status < 300:
        if not isinstance(payload, Mapping) or "status" not in payload:
            raise TaskError(
                f"{what}: the answer is not an MCP v2 process answer (no 'status'): "
                f"{_snippet(text) or '(empty)'}",
                ErrorKind.REMOTE_ERROR,
                retryable=False,
                details={"status": status, "body": text[:4096]},
            )
        error = payload.get("error")
        message = error if isinstance(error, str) and error else f"status {payload['status']!r}"
        transient = error_is_transient(message)
        raise TaskError(
            f"{what} failed: {message}",
            ErrorKind.REMOTE_ERROR,
            retryable=transient,
            details={"error": error, "status": payload["status"], "transient": transient},
        )
    details: dict[str, object] = {"status": status, "body": text[:4096]}
    shown = _snippet(text)
    message = f"{what} answered HTTP {status}" + (f": {shown}" if shown else "")
    if status >= 500:
        raise TaskError(message, ErrorKind.HTTP_SERVER_ERROR, details=details)
    if status == 404:
        message += " (the component serves no MCP v2 process endpoint)"
    raise TaskError(
        message,
        ErrorKind.HTTP_CLIENT_ERROR,
        retryable=status in (408, 429) or None,
        details=details,
    )
