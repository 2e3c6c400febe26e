"""Reading request bodies and query strings into validated values, or the right 4xx.

Content types are checked before anything is parsed (415), malformed JSON is a 422
`invalid_json`, and a body that parses but does not fit its model is a 422 `validation_error`
with pydantic-style details. A workflow file is parsed by the loader, which reports problems
with their line, task and field.
"""

from __future__ import annotations

import re
from typing import Literal, TypeVar, get_args

import anyio
import orjson
from pydantic import BaseModel, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError
from starlette.requests import Request

from harmonia import jsonlimits
from harmonia.components import ComponentRegistry
from harmonia.errors import Problem, ValidationFailed
from harmonia.loader import load_workflow_text
from harmonia.model import Workflow
from harmoniad.errors import ApiError

__all__ = ["WORKFLOW_MEDIA_TYPES", "json_body", "query_params", "workflow_body"]

M = TypeVar("M", bound=BaseModel)

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
        is_int = field is not None and _is_int(field.annotation)
        if is_int and not _WHOLE_NUMBER.fullmatch(value):
            problems.append(InitErrorDetails(type="int_parsing", loc=(name,), input=value))
    if problems:
        raise ValidationError.from_exception_data(model.__name__, problems)
    return model.model_validate(values)


def _is_int(annotation: object) -> bool:
    return annotation is int or int in get_args(annotation)


def _problem(name: str, message: str, value: str) -> InitErrorDetails:
    return InitErrorDetails(
        type=PydanticCustomError("query_parameter", "{message}", {"message": message}),
        loc=(name,),
        input=value,
    )


async def workflow_body(request: Request, registry: ComponentRegistry) -> Workflow:
    """A workflow file sent as YAML or JSON, fully validated by the loader."""
    kind = media_type(request)
    if kind not in WORKFLOW_MEDIA_TYPES and not _is_json(kind):
        raise ApiError(
            415,
            "send the workflow file as application/yaml or application/json "
            f"(got {kind or 'no content type'})",
        )
    raw = await request.body()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problem = Problem(f"the body is not UTF-8 text: {exc}", file=SOURCE)
        raise ValidationFailed(problems=[problem]) from None
    fmt: Literal["yaml", "json"] = "yaml" if kind in YAML_MEDIA_TYPES else "json"
    # the loader is pure computation, but a big workflow takes a while: off the event loop
    return await anyio.to_thread.run_sync(
        lambda: load_workflow_text(text, source=SOURCE, fmt=fmt, registry=registry)
    )
