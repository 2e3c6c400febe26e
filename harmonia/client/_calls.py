"""Every endpoint of the API as data: what to send and how to read the answer.

The sync and the async client differ only in how they do I/O, so the requests and the parsing
of answers live here once (a "sans-I/O" core). Each endpoint function returns a `Call`; a
client sends it and hands the answer to `Call.parse`, or turns an error answer into an
`ApiError`. The endpoint functions have the signature and docstring of the client methods of
the same name, which `_api.Api` makes of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar
from urllib.parse import quote

import httpx
import orjson
import pydantic

from harmonia.client._errors import ProtocolError, error_from_response
from harmonia.client._models import (
    ActionInfo,
    Checkpoint,
    ComponentInfo,
    Discovery,
    EventPage,
    Execution,
    ExecutionSummary,
    Health,
    Page,
    Ready,
    Schedule,
    ScheduleRun,
    Template,
    TemplateInfo,
    ToolAnswer,
    Workflow,
    WorkflowDeleted,
    WorkflowInfo,
)
from harmonia.client._wire import first_line, json_body

T = TypeVar("T")
M = TypeVar("M", bound=pydantic.BaseModel)

DocumentFormat = Literal["yaml", "json"]

API = "/api/v1"

_MEDIA_TYPES: dict[str, str] = {"yaml": "application/yaml", "json": "application/json"}


@dataclass(frozen=True)
class Call(Generic[T]):
    """One request and the reader of its successful answer (the parsed JSON, or None)."""

    method: str
    path: str
    parse: Callable[[Any], T]
    params: dict[str, str] | None = None
    content: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    revalidate: bool = False
    """A GET whose answer carries an ETag: sent again with `If-None-Match`, and a 304 answered
    with the last answer (`harmonia.client._etags`)."""

    def request(self, http: httpx.Client | httpx.AsyncClient) -> httpx.Request:
        """The request, with the client's base URL, headers and timeout."""
        return http.build_request(
            self.method, self.path, params=self.params, content=self.content, headers=self.headers
        )


def segment(value: str) -> str:
    """An id as one path segment: `a/b` must not become two."""
    return quote(str(value), safe="")


def _model(cls: type[M]) -> Callable[[Any], M]:
    def parse(document: Any) -> M:
        return cls.model_validate(document)

    return parse


def _items(cls: type[M]) -> Callable[[Any], list[M]]:
    def parse(document: Any) -> list[M]:
        items = document.get("items") if isinstance(document, Mapping) else document
        if not isinstance(items, list):
            raise ValueError("expected a list of items")
        return [cls.model_validate(item) for item in items]

    return parse


def _page(cls: type[M]) -> Callable[[Any], Page[M]]:
    def parse(document: Any) -> Page[M]:
        return Page[cls].model_validate(document)  # type: ignore[valid-type]

    return parse


def _nothing(document: Any) -> None:
    return None


def _json_call(method: str, path: str, parse: Callable[[Any], T], body: Any = None) -> Call[T]:
    if body is None:
        return Call(method, path, parse)
    return Call(
        method,
        path,
        parse,
        content=json_body(method, path, body),
        headers={"Content-Type": "application/json"},
    )


def _document_call(
    method: str,
    path: str,
    document: str | bytes | Mapping[str, Any],
    fmt: DocumentFormat,
    parse: Callable[[Any], T],
    params: dict[str, str] | None = None,
) -> Call[T]:
    """A workflow as the daemon takes it: text as given (YAML keeps its line numbers for error
    messages), a mapping as JSON."""
    if isinstance(document, Mapping):
        content, media_type = json_body(method, path, dict(document)), _MEDIA_TYPES["json"]
    elif fmt not in _MEDIA_TYPES:
        raise ValueError(f"fmt must be 'yaml' or 'json', not {fmt!r}")
    else:
        content = document.encode("utf-8") if isinstance(document, str) else bytes(document)
        media_type = _MEDIA_TYPES[fmt]
    return Call(
        method,
        path,
        parse,
        params=params,
        content=content,
        headers={"Content-Type": media_type},
    )


def _params(**values: Any) -> dict[str, str]:
    return {
        k: str(v).lower() if isinstance(v, bool) else str(v)
        for k, v in values.items()
        if v is not None
    }


# ---- service -------------------------------------------------------------------------------


def health() -> Call[Health]:
    """Needs no token: a cheap "is it up" check."""
    return Call("GET", "/health", _model(Health))


def ready() -> Call[Ready]:
    return Call("GET", "/ready", _model(Ready))


def discovery() -> Call[Discovery]:
    return Call("GET", "/discovery", _model(Discovery))


def openapi() -> Call[dict[str, Any]]:
    return Call("GET", "/openapi.json", dict)


# ---- workflows -----------------------------------------------------------------------------


def create_workflow(
    document: str | bytes | Mapping[str, Any],
    *,
    fmt: DocumentFormat = "yaml",
) -> Call[WorkflowInfo]:
    """Store a workflow. Text is sent as it is (`fmt` says which); a mapping as JSON.
    An invalid workflow raises `ValidationError` whose `problems` list every reason."""
    return _document_call("POST", f"{API}/workflows", document, fmt, _model(WorkflowInfo))


def list_workflows(limit: int = 50, offset: int = 0) -> Call[Page[WorkflowInfo]]:
    return Call(
        "GET", f"{API}/workflows", _page(WorkflowInfo), params=_params(limit=limit, offset=offset)
    )


def get_workflow(workflow_id: str) -> Call[Workflow]:
    return Call("GET", f"{API}/workflows/{segment(workflow_id)}", _model(Workflow))


def update_workflow(
    workflow_id: str,
    document: str | bytes | Mapping[str, Any],
    *,
    fmt: DocumentFormat = "yaml",
) -> Call[WorkflowInfo]:
    """Replace the definition."""
    path = f"{API}/workflows/{segment(workflow_id)}"
    return _document_call("PUT", path, document, fmt, _model(WorkflowInfo))


def delete_workflow(workflow_id: str) -> Call[WorkflowDeleted]:
    """Delete it; the answer names its schedules (removed with it, or disabled)."""
    return Call("DELETE", f"{API}/workflows/{segment(workflow_id)}", _model(WorkflowDeleted))


# ---- schedules -----------------------------------------------------------------------------


def list_schedules() -> Call[list[Schedule]]:
    """Every schedule, with its next planned time."""
    return Call("GET", f"{API}/schedules", _items(Schedule))


def create_schedule(
    workflow_id: str,
    *,
    cron: str | None = None,
    timezone: str | None = None,
    interval: float | None = None,
    input: Mapping[str, Any] | None = None,
    missed: str | None = None,
    max_missed: int | None = None,
    overlap: str | None = None,
    grace: float | None = None,
    description: str | None = None,
    paused: bool | None = None,
) -> Call[Schedule]:
    """Schedule a stored workflow: `cron` (read in `timezone`) or `interval` seconds. A bad
    expression, zone, interval or input raises `ValidationError` naming the field."""
    given = {
        "cron": cron,
        "timezone": timezone,
        "interval": interval,
        "input": dict(input) if input is not None else None,
        "missed": missed,
        "max_missed": max_missed,
        "overlap": overlap,
        "grace": grace,
        "description": description,
        "paused": paused,
    }
    body = {"workflow_id": workflow_id, **{k: v for k, v in given.items() if v is not None}}
    return _json_call("POST", f"{API}/schedules", _model(Schedule), body)


def get_schedule(schedule_id: str) -> Call[Schedule]:
    return Call("GET", f"{API}/schedules/{segment(schedule_id)}", _model(Schedule))


def delete_schedule(schedule_id: str) -> Call[None]:
    """The executions it started stay."""
    return Call("DELETE", f"{API}/schedules/{segment(schedule_id)}", _nothing)


def pause_schedule(schedule_id: str) -> Call[Schedule]:
    return Call("POST", f"{API}/schedules/{segment(schedule_id)}/pause", _model(Schedule))


def unpause_schedule(schedule_id: str) -> Call[Schedule]:
    """It counts its planned times from now on (the paused period's are not run)."""
    return Call("POST", f"{API}/schedules/{segment(schedule_id)}/unpause", _model(Schedule))


def run_schedule_now(schedule_id: str) -> Call[ScheduleRun]:
    """Start one run now, whatever the overlap policy; its `execution_id` is the new run."""
    path = f"{API}/schedules/{segment(schedule_id)}/run-now"
    return Call("POST", path, _model(ScheduleRun))


# ---- templates -----------------------------------------------------------------------------


def create_template(
    document: str | bytes | Mapping[str, Any],
    *,
    fmt: DocumentFormat = "yaml",
    replace: bool = False,
) -> Call[TemplateInfo]:
    """Import a template file (`kind: template`); `replace=True` replaces the template of
    the same name, which is otherwise refused (`ConflictError`)."""
    params = _params(replace=True) if replace else None
    return _document_call("POST", f"{API}/templates", document, fmt, _model(TemplateInfo), params)


def list_templates(limit: int = 50, offset: int = 0) -> Call[Page[TemplateInfo]]:
    return Call(
        "GET", f"{API}/templates", _page(TemplateInfo), params=_params(limit=limit, offset=offset)
    )


def get_template(template: str) -> Call[Template]:
    """A template by id or name, with its parameters and document."""
    return Call("GET", f"{API}/templates/{segment(template)}", _model(Template))


def delete_template(template: str) -> Call[None]:
    return Call("DELETE", f"{API}/templates/{segment(template)}", _nothing)


def instantiate_template(
    template: str,
    parameters: Mapping[str, Any] | None = None,
    *,
    name: str | None = None,
) -> Call[WorkflowInfo]:
    """A new stored workflow made from the template (by id or name) with these parameter
    values; bad values raise `ValidationError` naming every one (`parameters.NAME`)."""
    body: dict[str, Any] = {"parameters": dict(parameters or {})}
    if name is not None:
        body["name"] = name
    return _json_call(
        "POST", f"{API}/templates/{segment(template)}/instantiate", _model(WorkflowInfo), body
    )


# ---- executions ----------------------------------------------------------------------------


def start_execution(
    workflow_id: str | None = None,
    *,
    workflow: Mapping[str, Any] | None = None,
    input: Mapping[str, Any] | None = None,
) -> Call[Execution]:
    """Start a stored workflow (`workflow_id`) or an unstored one (`workflow`, a document)."""
    if (workflow_id is None) == (workflow is None):
        raise ValueError("give exactly one of workflow_id and workflow")
    body: dict[str, Any] = {"input": dict(input or {})}
    if workflow_id is not None:
        body["workflow_id"] = workflow_id
    else:
        if not isinstance(workflow, Mapping):
            raise TypeError("workflow must be a mapping (the workflow document)")
        body["workflow"] = dict(workflow)
    return _json_call("POST", f"{API}/executions", _model(Execution), body)


def list_executions(
    status: str | None = None, limit: int = 50, offset: int = 0
) -> Call[Page[ExecutionSummary]]:
    """Newest first. While the page is unchanged, the same object as the last time (the
    client asks with its ETag and the daemon answers 304)."""
    return Call(
        "GET",
        f"{API}/executions",
        _page(ExecutionSummary),
        params=_params(status=status, limit=limit, offset=offset),
        revalidate=True,
    )


def get_execution(execution_id: str) -> Call[Execution]:
    return Call("GET", f"{API}/executions/{segment(execution_id)}", _model(Execution))


def cancel(execution_id: str) -> Call[ExecutionSummary]:
    """Running tasks are cancelled. `ConflictError` when the execution has ended."""
    return _operate(execution_id, "cancel")


def pause(execution_id: str) -> Call[ExecutionSummary]:
    """Start nothing new; running tasks finish."""
    return _operate(execution_id, "pause")


def resume(execution_id: str, *, from_damaged: bool = False) -> Call[ExecutionSummary]:
    """A paused, failed or canceled execution goes on; failed tasks get fresh attempts.
    `from_damaged`: a damaged one goes on from the readable part of its journal."""
    return _operate(execution_id, "resume", {"from_damaged": True} if from_damaged else {})


def _operate(
    execution_id: str,
    operation: Literal["cancel", "pause", "resume"],
    body: dict[str, Any] | None = None,
) -> Call[ExecutionSummary]:
    return _json_call(
        "POST",
        f"{API}/executions/{segment(execution_id)}/{operation}",
        _model(ExecutionSummary),
        body or {},
    )


def checkpoint(execution_id: str, name: str | None = None) -> Call[Checkpoint]:
    body = {"name": name} if name is not None else {}
    return _json_call(
        "POST", f"{API}/executions/{segment(execution_id)}/checkpoint", _model(Checkpoint), body
    )


def events_page(execution_id: str, after: int = 0, limit: int = 1000) -> Call[EventPage]:
    """Recorded events after `after`, oldest first (no waiting for new ones)."""
    return Call(
        "GET",
        f"{API}/executions/{segment(execution_id)}/events",
        _model(EventPage),
        params=_params(after=after, limit=limit),
    )


def list_checkpoints(execution_id: str | None = None) -> Call[list[Checkpoint]]:
    return Call(
        "GET", f"{API}/checkpoints", _items(Checkpoint), params=_params(execution_id=execution_id)
    )


def restore(checkpoint_id: str) -> Call[Execution]:
    """A new execution that starts from the checkpoint."""
    return Call("POST", f"{API}/checkpoints/{segment(checkpoint_id)}/restore", _model(Execution))


# ---- components ----------------------------------------------------------------------------


def list_components() -> Call[list[ComponentInfo]]:
    return Call("GET", f"{API}/components", _items(ComponentInfo))


def get_component(name: str) -> Call[ComponentInfo]:
    """One component, as the list shows it; NotFoundError says where the daemon looked."""
    return Call("GET", f"{API}/components/{segment(name)}", _model(ComponentInfo))


def component_actions(name: str) -> Call[list[ActionInfo]]:
    return Call("GET", f"{API}/components/{segment(name)}/actions", _items(ActionInfo))


# ---- tools -------------------------------------------------------------------------------


def call_tool(name: str, arguments: Mapping[str, Any] | None = None) -> Call[ToolAnswer]:
    """One of the daemon's 17 workflow tools (`GET /api/mcp/v2/tools`), through Tekton's MCP
    v2 dialect: a tool that fails answers `status == "error"`, it raises nothing."""
    body = {"tool_name": name, "arguments": dict(arguments or {})}
    return _json_call("POST", "/api/mcp/v2/process", _model(ToolAnswer), body)


# ---- answers -------------------------------------------------------------------------------


def read_answer(call: Call[T], response: httpx.Response) -> T:
    """The parsed answer of a successful call; the error of an unsuccessful one.

    Call it on a response whose body was read."""
    if response.status_code >= 400:
        raise error_from_response(response.status_code, response.content, response.reason_phrase)
    if response.status_code == 204 or not response.content:
        document: Any = None
    else:
        try:
            document = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            raise ProtocolError(
                f"{call.method} {call.path}: the answer is not JSON "
                f"(HTTP {response.status_code}, {response.headers.get('content-type', 'no type')})"
            ) from None
    try:
        return call.parse(document)
    except (pydantic.ValidationError, ValueError, TypeError, AttributeError) as exc:
        raise ProtocolError(
            f"{call.method} {call.path}: unexpected answer: {first_line(exc)}"
        ) from None
