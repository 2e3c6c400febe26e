"""A remote component: a Tekton component (or any service speaking its MCP v2 dialect) whose
tools tasks call over HTTP (`harmonia.tekton.mcpv2`).

Its endpoint comes from a `Directory` (Hermes, `--component`, `{NAME}_PORT`), looked up when a
workflow is loaded (with its tool list, so a misspelt tool fails the load) and again when a
call finds the cached answer stale or the endpoint refuses connections (the component may
have moved). Calls share one connection pool (`harmonia.tekton.pool`) per component and event
loop: a pool's connections belong to the loop they were opened on, and one registry may serve
several loops in turn (tests run asyncio then trio; the TUI restarts its embedded daemon).
The engine closes it (`aclose`) when it stops.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final

import anyio
import anyio.lowlevel
import orjson
from pydantic import BaseModel, ConfigDict

from harmonia.components.base import (
    Action,
    ActionContext,
    Component,
    FieldProblem,
    UnknownAction,
    UnknownComponent,
)
from harmonia.errors import ErrorKind, TaskError
from harmonia.suggestions import suggest
from harmonia.tekton.discovery import Directory, Location
from harmonia.tekton.mcpv2 import (
    HEALTH_PATH,
    PROCESS_PATH,
    TOOLS_PATH,
    Tool,
    json_type_of,
    parse_tools,
    process_answer,
)

if TYPE_CHECKING:
    from harmonia.tekton.pool import CallPool

__all__ = ["ComponentUnreachable", "RemoteAction", "RemoteComponent"]

CONNECT_TIMEOUT: Final = 5.0
"""Connecting is quick or never; the answer may take as long as the task's `timeout` allows
(an LLM tool takes minutes), so reads have no limit of their own."""
MAX_ANSWER_BYTES: Final = 10 * 1024 * 1024
_JSON_TYPES: Final[dict[str, tuple[type, ...]]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "object": (Mapping,),
    "array": (list, tuple),
}


class ComponentUnreachable(UnknownComponent):
    """A remote component that was found but whose tool list could not be read: its actions
    cannot be checked, so a workflow using it does not load (the message says why)."""

    def __init__(self, name: str, message: str) -> None:
        self.name = name
        self.known = []
        self.where = None
        LookupError.__init__(self, message)


class _AnyArguments(BaseModel):
    model_config = ConfigDict(extra="allow")


class RemoteAction(Action):
    """One tool of a remote component; its input is the tool's `arguments`."""

    description = "A tool of a remote component."
    input_model = _AnyArguments

    def __init__(self, component: RemoteComponent, name: str, tool: Tool | None = None) -> None:
        self.component = component
        self.name = name  # type: ignore[misc]  # per instance: the tool's name
        self.tool = tool

    def check_static_input(
        self, raw: Mapping[str, Any], is_dynamic: Callable[[Any], bool]
    ) -> list[FieldProblem]:
        """Against the tool's listed parameters: every required one given, none unknown,
        literal values of plain types (str, int, ...) of that type."""
        if not isinstance(raw, Mapping):
            return [FieldProblem("", "input must be an object of the tool's arguments")]
        if self.tool is None:
            return []
        params = self.tool.parameters
        problems: list[FieldProblem] = []
        known = ", ".join(sorted(params)) or "(none)"
        for key, value in raw.items():
            if key not in params:
                hint = suggest(str(key), sorted(params))  # most are typos
                taken = hint or f"it takes: {known}"
                problems.append(FieldProblem(str(key), f"not a parameter of {self._what}; {taken}"))
                continue
            spec = params[key]
            expected = json_type_of(spec.get("type")) if isinstance(spec, Mapping) else None
            if expected is None or is_dynamic(value) or value is None:
                continue
            kinds = _JSON_TYPES[expected]
            if not isinstance(value, kinds) or (expected != "boolean" and isinstance(value, bool)):
                problems.append(
                    FieldProblem(str(key), f"{self._what} takes {expected} here ({spec['type']})")
                )
        for key in self.tool.required:
            if key not in raw:
                problems.append(FieldProblem(key, f"required by {self._what}"))
        return problems

    @property
    def _what(self) -> str:
        return f"{self.component.name}.{self.name}"

    def validate_input(self, raw: Mapping[str, Any]) -> BaseModel:
        """Any mapping: the component checks its arguments itself and says what is wrong
        (a `remote_error`); the load-time check above already caught what the list shows."""
        if not isinstance(raw, Mapping):
            raise TaskError(
                f"invalid input for {self._what}: the input must be an object of arguments",
                ErrorKind.INVALID_INPUT,
            )
        return _AnyArguments.model_validate(dict(raw))

    async def invoke(self, ctx: ActionContext, raw_input: Mapping[str, Any]) -> Any:
        if not isinstance(raw_input, Mapping):
            self.validate_input(raw_input)  # raises the INVALID_INPUT error
        return await self.component.call(ctx, self.name, raw_input)

    def describe(self) -> dict[str, Any]:
        if self.tool is not None:
            return self.tool.describe()
        return {"name": self.name, "description": "", "input_schema": {"type": "object"}}


class RemoteComponent(Component):
    """A component reached over HTTP; found through `directory` under `name`."""

    def __init__(self, name: str, directory: Directory) -> None:
        super().__init__(name, f"remote component {name} (Tekton MCP v2)", [])
        self.directory = directory
        self._tools: tuple[dict[str, Tool], float] | None = None
        self._tools_error: str | None = None
        self._tools_lock = threading.Lock()
        self._client: CallPool | None = None
        self._client_loop: object = None

    # ---- where it is, what it offers (sync: the loader's thread) ---------------------------
    def location(self) -> Location:
        """Where the component is now; UnknownComponent saying where Harmonia looked."""
        found = self.directory.resolve(self.name)
        if found is None:
            raise UnknownComponent(self.name, [], self.directory.where_looked(self.name))
        return found

    def tools(self, *, refresh: bool = False) -> dict[str, Tool]:
        """The component's tools (cached like discovery); ComponentUnreachable when the list
        cannot be read."""
        import httpx

        with self._tools_lock:
            now = self.directory.clock()
            if (
                not refresh
                and self._tools is not None
                and now - self._tools[1] < self.directory.ttl
            ):
                return self._tools[0]
            location = self.location()
            url = location.url + TOOLS_PATH
            try:
                status, payload = self.directory.get_json(url)
                if status != 200:
                    raise ValueError(f"GET {url} answered HTTP {status}")
                tools = {tool.name: tool for tool in parse_tools(payload)}
            except (httpx.HTTPError, ValueError) as exc:
                if isinstance(exc, httpx.TransportError):
                    self.directory.forget(self.name)
                self._tools_error = (
                    str(exc) if isinstance(exc, ValueError) else f"{type(exc).__name__}: {exc}"
                )
                raise ComponentUnreachable(
                    self.name,
                    f"component '{self.name}' ({location.source}: {location.url}) did not "
                    f"list its tools: {self._tools_error}",
                ) from None
            self._tools = (tools, now)
            self._tools_error = None
            return tools

    def action(self, name: str) -> Action:
        """The tool `name`, checked against the component's list (asked again once when the
        name is missing: the component may have gained it since). ComponentUnreachable when
        the list cannot be read."""
        tools = self.tools()
        if name not in tools:
            tools = self.tools(refresh=True)
        if name not in tools:
            raise UnknownAction(self.name, name, tools)
        return RemoteAction(self, name, tools[name])

    def bind(self, name: str) -> RemoteAction:
        """The tool `name` without asking anything (the engine's plan: the loader checked it,
        and a tool that went away since fails its task with the component's own error)."""
        cached = self._tools[0].get(name) if self._tools is not None else None
        return RemoteAction(self, name, cached)

    # ---- calls (async: the engine's loop) --------------------------------------------------
    async def endpoint(self) -> str:
        """The base URL to call; TaskError (`connection`, retryable) when nowhere to be found."""
        directory = self.directory
        if directory.is_fresh(self.name):
            found = directory.cached(self.name)
        else:
            found = await anyio.to_thread.run_sync(directory.resolve, self.name)
        if found is None:
            raise TaskError(
                f"component '{self.name}' not found; looked in: "
                f"{directory.where_looked(self.name)}",
                ErrorKind.CONNECTION,
            )
        return found.url

    def _pool(self) -> CallPool:
        from harmonia.tekton.pool import CallPool

        loop = anyio.lowlevel.current_token().native_token
        if self._client is None or self._client_loop is not loop:
            # a pool of another (finished) loop cannot be closed from here: let it go
            self._client = CallPool(connect_timeout=CONNECT_TIMEOUT, max_connections=100)
            self._client_loop = loop
        return self._client

    async def call(self, ctx: ActionContext, tool: str, arguments: Mapping[str, Any]) -> Any:
        """`POST {endpoint}/api/mcp/v2/process` with the tool, its arguments and the attempt
        it serves; the answer's result, or a TaskError of the kind the answer means."""
        import httpcore

        from harmonia.tekton.pool import AnswerTooLarge

        base = await self.endpoint()
        try:
            body = orjson.dumps(
                {
                    "tool_name": tool,
                    "arguments": arguments,
                    "context": {
                        "execution_id": ctx.execution_id,
                        "task_id": ctx.task_id,
                        "attempt": ctx.attempt,
                        "caller": "harmonia",
                    },
                }
            )
        except TypeError as exc:
            raise TaskError(
                f"{self.name}.{tool}: arguments are not JSON: {exc}", ErrorKind.INVALID_INPUT
            ) from None
        try:
            status, content = await self._pool().post_json(
                base + PROCESS_PATH, body, MAX_ANSWER_BYTES
            )
        except AnswerTooLarge as exc:
            raise TaskError(f"{self.name}.{tool}: {exc}", ErrorKind.OUTPUT) from None
        except httpcore.TimeoutException as exc:
            raise TaskError(
                f"{self.name}.{tool} at {base}: timed out ({type(exc).__name__})",
                ErrorKind.TIMEOUT,
            ) from None
        except (
            httpcore.NetworkError,
            httpcore.ProtocolError,
            httpcore.UnsupportedProtocol,
            httpcore.ConnectionNotAvailable,
        ) as exc:
            self.directory.forget(self.name)  # it may have moved: look it up again
            raise TaskError(
                f"{self.name}.{tool} at {base}: {type(exc).__name__}: {exc or 'connection failed'}",
                ErrorKind.CONNECTION,
            ) from None
        try:
            payload = orjson.loads(content) if content else None
        except orjson.JSONDecodeError:
            payload = None
        return process_answer(f"{self.name}.{tool}", status, payload, content)

    # ---- description (async: the API, the CLI, MCP) ---------------------------------------
    def describe(self) -> dict[str, Any]:
        """What is known without asking anything (see `describe_now` for a fresh look)."""
        found = self.directory.cached(self.name)
        tools = self._tools[0] if self._tools is not None else {}
        return {
            "name": self.name,
            "description": self.description,
            "kind": found.kind if found is not None else None,
            "endpoint": found.url if found is not None else None,
            "health": "unknown",
            "error": self._tools_error,
            "actions": [tool.describe() for tool in tools.values()],
        }

    def describe_now(self) -> dict[str, Any]:
        """Location, health (`/health`'s status, or `unreachable`) and tools, asked now
        (sync, short time-outs: run it in a worker thread)."""
        import httpx

        doc = self.describe()
        try:
            location = self.location()
        except UnknownComponent:
            doc.update(health="unreachable", error=self.directory.where_looked(self.name))
            return doc
        doc.update(kind=location.kind, endpoint=location.url, source=location.source)
        try:
            status, payload = self.directory.get_json(location.url + HEALTH_PATH)
            reported = payload.get("status") if isinstance(payload, Mapping) else None
            if status != 200:
                doc["health"] = f"http {status}"
            else:
                doc["health"] = str(reported) if reported else "healthy"
        except httpx.HTTPError as exc:
            doc.update(health="unreachable", error=f"{type(exc).__name__}: {exc}")
            return doc
        try:
            tools = self.tools(refresh=True)
        except ComponentUnreachable as exc:
            doc.update(error=str(exc), actions=[])
            return doc
        doc.update(error=None, actions=[tool.describe() for tool in tools.values()])
        return doc

    async def aclose(self) -> None:
        client, self._client = self._client, None
        loop, self._client_loop = self._client_loop, None
        if client is not None and loop is anyio.lowlevel.current_token().native_token:
            with anyio.CancelScope(shield=True):
                await client.aclose()
