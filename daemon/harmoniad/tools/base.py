"""What a tool is: a name, typed parameters (a pydantic model) and an async handler over the
daemon's services, answering a plain JSON object.

One definition serves both dialects: Tekton's MCP v2 REST paths list the parameters as Python
type reprs (what Tekton components list), the MCP server as the model's JSON Schema; both
validate arguments with the same model before the handler runs.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from harmonia.model.wording import error_message
from harmonia.suggestions import suggest
from harmoniad.context import DaemonState

__all__ = ["Params", "Tool", "ToolError", "arguments_problem", "python_type_repr", "text_of"]

P = TypeVar("P", bound="Params")


class Params(BaseModel):
    """A tool's arguments: unknown names are refused (a misspelt optional argument would
    otherwise be dropped without a word)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)  # validator made on first call


class ToolError(Exception):
    """A tool's failure, said in words (an unknown tool, arguments that do not fit, or what
    the daemon refused): `status: "error"` in MCP v2, `isError` in MCP."""


@dataclass(frozen=True)
class Tool(Generic[P]):
    name: str
    description: str
    category: str
    params: type[P]
    handler: Callable[[DaemonState, P], Awaitable[dict[str, Any]]]
    tags: tuple[str, ...] = ()

    def input_schema(self) -> dict[str, Any]:
        """The arguments' JSON Schema (what the MCP server lists as `inputSchema`)."""
        schema = self.params.model_json_schema()
        schema.pop("title", None)
        return schema

    def tekton_parameters(self) -> dict[str, dict[str, Any]]:
        """The arguments as Tekton components list them: `{name: {"type", "required",
        "default", "description"}}`, types as Python type reprs."""
        out: dict[str, dict[str, Any]] = {}
        for name, field in self.params.model_fields.items():
            required = field.is_required()
            out[name] = {
                "type": python_type_repr(field.annotation),
                "required": required,
                "default": None if required else field.get_default(call_default_factory=True),
                "description": field.description or "",
            }
        return out

    def tekton_entry(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "parameters": self.tekton_parameters(),
            "tags": list(self.tags),
            "category": self.category,
        }

    async def call(self, state: DaemonState, arguments: Mapping[str, Any]) -> dict[str, Any]:
        """Validate `arguments` and run the tool; a `ToolError` for arguments that do not fit."""
        try:
            params = self.params.model_validate(dict(arguments))
        except ValidationError as exc:
            raise ToolError(f"{self.name}: {arguments_problem(exc, self.params)}") from None
        return await self.handler(state, params)


def arguments_problem(exc: ValidationError, params: type[BaseModel]) -> str:
    """Every complaint about the arguments, each naming its argument, in the loader's words
    (`harmonia.model.wording`): an agent fixes them all in one call. pydantic's own ("Extra
    inputs are not permitted", "Field required", the first only and "(and 2 more)") named
    neither the argument meant nor the ones left."""
    known = list(params.model_fields)
    said: list[str] = []
    for error in exc.errors(include_url=False):
        where = ".".join(str(p) for p in error["loc"])
        if error["type"] == "extra_forbidden" and len(error["loc"]) == 1:
            hint = suggest(where, known) or "the arguments are: " + ", ".join(known)
            said.append(f"unknown argument {where!r} ({hint})")
        elif error["type"] == "missing" and len(error["loc"]) == 1:
            said.append(f"argument {where!r} is required")
        else:
            message = error_message(error, show_value=False)
            said.append(f"argument {where!r}: {message}" if where else message)
    return "; ".join(said)


def python_type_repr(annotation: Any) -> str:
    """`str`, `int`, `dict[str, Any]`, `Optional[str]`: a parameter's type as Tekton components
    list them (Python reprs)."""
    if annotation is type(None):
        return "None"
    if isinstance(annotation, type) and not typing.get_args(annotation):
        return annotation.__name__
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        # typing's spelling, which readers (Harmonia's own included) leave unchecked
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        inner = ", ".join(python_type_repr(a) for a in members)
        if len(members) < len(typing.get_args(annotation)):
            return f"Optional[{inner}]" if len(members) == 1 else f"Optional[Union[{inner}]]"
        return f"Union[{inner}]"
    if annotation is Any:
        return "Any"
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return "str"
    args = typing.get_args(annotation)
    if origin is not None and args:
        name = getattr(origin, "__name__", str(origin))
        return f"{name}[{', '.join(python_type_repr(a) for a in args)}]"
    return str(annotation).removeprefix("typing.")


def text_of(exc: BaseException) -> str:
    """An exception's message alone: a NotFound's str() adds the server's data folder."""
    return str(exc.args[0]) if exc.args else type(exc).__name__
