"""Reading request bodies and query strings into validated values, or the right 4xx.

Content types are checked before anything is parsed (415), malformed JSON is a 422
`invalid_json`, and a body that parses but does not fit its model is a 422 `validation_error`
with pydantic-style details. A workflow file is parsed by the loader, which reports problems
with their line, task and field.

A large document is never parsed or checked on the event loop: a 200,000-task workflow takes
seconds, and every other request (`/health` included) would wait. `off_the_loop` runs such work
in a worker thread, a few at a time (each holds the whole document in memory), with the cyclic
garbage collector paused: its passes over the millions of new objects find nothing to free and
hold the interpreter, so the loop could not run during them either.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Literal, TypeVar, get_args

import anyio
import orjson
from pydantic import BaseModel, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError
from starlette.requests import Request

from harmonia import jsonlimits
from harmonia.components import ComponentRegistry
from harmonia.errors import Problem, ValidationFailed
from harmonia.gcpause import cycle_collection_paused
from harmonia.loader import Template, load_template_text, load_workflow_text
from harmonia.model import Workflow
from harmoniad.context import DaemonState, daemon_state
from harmoniad.errors import ApiError, refused

__all__ = [
    "WORKFLOW_MEDIA_TYPES",
    "json_body",
    "off_the_loop",
    "query_params",
    "template_body",
    "workflow_body",
]

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

LARGE_BODY = 64 * 1024
"""JSON bodies beyond this many bytes are parsed in a worker thread (smaller ones take less
time to parse than the trip to the thread)."""

JSON_MEDIA_TYPES = ("application/json",)
YAML_MEDIA_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")
WORKFLOW_MEDIA_TYPES = YAML_MEDIA_TYPES + JSON_MEDIA_TYPES

SOURCE = "<request body>"


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def _is_json(kind: str) -> bool:
    return kind in JSON_MEDIA_TYPES or (kind.startswith("application/") and kind.endswith("+json"))


async def json_body(request: Request, model: type[M], *, required: bool = True) -> M:
    """The body as `model`. With `required=False` an empty body means all defaults."""
    raw = await request.body()
    if not raw.strip():
        if required:
            raise ApiError(422, "a JSON body is required", code="invalid_json")
        return model()
    kind = media_type(request)
    if not _is_json(kind):
        raise ApiError(
            415,
            f"send the body as application/json (got {kind or 'no content type'})",
        )
    if len(raw) > LARGE_BODY:
        return await off_the_loop(daemon_state(request), lambda: _parsed(raw, model))
    return _parsed(raw, model)


def _parsed(raw: bytes, model: type[M]) -> M:
    try:
        data = jsonlimits.loads(raw)  # integers exact: orjson would round a huge one
    except orjson.JSONDecodeError as exc:
        raise ApiError(422, f"the body is not valid JSON: {exc}", code="invalid_json") from None
    if not isinstance(data, dict):
        raise ApiError(422, "the body must be a JSON object", code="invalid_json")
    big = [
        Problem(jsonlimits.big_integer_message(value), field=jsonlimits.dotted(path))
        for path, value in jsonlimits.find_big_integers(data)
    ]
    if big:  # the engine could not record them: refused here, by name
        raise ValidationFailed(problems=big)
    return model.model_validate(data)


async def off_the_loop(state: DaemonState, work: Callable[[], T]) -> T:
    """Run `work` (parsing or checking a document) in a worker thread, at most
    `DaemonState.parses` at once, with the cyclic garbage collector paused (see the module
    docstring)."""

    def run() -> T:
        with cycle_collection_paused():
            return work()

    return await anyio.to_thread.run_sync(run, limiter=state.parses)


_WHOLE_NUMBER = re.compile(r"-?[0-9]+")


def query_params(request: Request, model: type[M]) -> M:
    """The query string as `model`: unknown names, a name given twice, and a number that is
    not written as a whole number in decimal digits are 422s naming the parameter.

    pydantic alone would take the last of repeated values and parse `1.0`, `+5`, ` 5` or
    `5_0` as integers, none of which the OpenAPI document's `integer` allows."""
    items = request.query_params.multi_items()
    values = dict(items)
    problems: list[InitErrorDetails] = []
    if len(values) < len(items):
        repeated = sorted({name for name, _ in items if request.query_params.getlist(name)[1:]})
        for name in repeated:
            problems.append(_problem(name, "given more than once", request.query_params[name]))
    for name, value in values.items():
        field = model.model_fields.get(name)
        if field is None:
            known = ", ".join(model.model_fields) or "none"
            problems.append(_problem(name, f"unknown query parameter; known: {known}", value))
        is_int = field is not None and _is_int(field.annotation)
        if is_int and not _WHOLE_NUMBER.fullmatch(value):
            problems.append(InitErrorDetails(type="int_parsing", loc=(name,), input=value))
    try:
        if problems:
            raise ValidationError.from_exception_data(model.__name__, problems)
        return model.model_validate(values)
    except ValidationError as exc:
        raise refused(exc, query=True) from None


def _is_int(annotation: object) -> bool:
    return annotation is int or int in get_args(annotation)


def _problem(name: str, message: str, value: str) -> InitErrorDetails:
    return InitErrorDetails(
        type=PydanticCustomError("query_parameter", "{message}", {"message": message}),
        loc=(name,),
        input=value,
    )


async def template_body(request: Request, registry: ComponentRegistry) -> Template:
    """A template file sent as YAML or JSON, fully checked (`harmonia.loader.templates`)."""
    text, fmt = await _document_text(request, "template")
    return await off_the_loop(
        daemon_state(request),
        lambda: load_template_text(text, source=SOURCE, fmt=fmt, registry=registry),
    )


async def workflow_body(request: Request, registry: ComponentRegistry) -> Workflow:
    """A workflow file sent as YAML or JSON, fully validated by the loader."""
    text, fmt = await _document_text(request, "workflow")
    return await off_the_loop(
        daemon_state(request),
        lambda: load_workflow_text(text, source=SOURCE, fmt=fmt, registry=registry, stored=True),
    )


async def _document_text(request: Request, what: str) -> tuple[str, Literal["yaml", "json"]]:
    """The text of a file sent as YAML or JSON, and which of the two it is."""
    kind = media_type(request)
    if kind not in WORKFLOW_MEDIA_TYPES and not _is_json(kind):
        raise ApiError(
            415,
            f"send the {what} file as application/yaml or application/json "
            f"(got {kind or 'no content type'})",
        )
    raw = await request.body()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problem = Problem(f"the body is not UTF-8 text: {exc}", file=SOURCE)
        raise ValidationFailed(problems=[problem]) from None
    fmt: Literal["yaml", "json"] = "yaml" if kind in YAML_MEDIA_TYPES else "json"
    return text, fmt
