"""The OpenAPI 3.1 document, generated from the route table and the pydantic models.

Nothing here is written by hand per endpoint: paths, methods, parameters, bodies and answers come
from `Endpoint` entries, schemas from `model_json_schema`, so the document describes exactly what
the router serves and what the handlers validate. OpenAPI 3.1 uses JSON Schema 2020-12, which is
what pydantic emits; nested definitions are hoisted into `components/schemas`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from http import HTTPStatus
from typing import Any

from pydantic import BaseModel

from harmonia.model import TemplateSpec, Workflow
from harmoniad.bodies import WORKFLOW_MEDIA_TYPES
from harmoniad.routegroups import RouteTable
from harmoniad.routing import PATH_PARAM_PATTERN, Endpoint, SocketEndpoint
from harmoniad.schemas import WORKFLOW_DOCUMENT_MARK, ErrorBody

__all__ = ["OpenApiDocument", "build_openapi"]

REF = "#/components/schemas/{model}"


class _Schemas:
    """Collects component schemas while the paths are built."""

    def __init__(self) -> None:
        self.components: dict[str, Any] = {}

    def ref(self, model: type[BaseModel]) -> dict[str, Any]:
        name = model.__name__
        if name not in self.components:
            self.add(name, model.model_json_schema(ref_template=REF))
        return {"$ref": REF.format(model=name)}

    def add(self, name: str, schema: dict[str, Any]) -> None:
        defs = schema.pop("$defs", {})
        self.components[name] = self._marks_replaced(schema)
        for def_name, def_schema in defs.items():
            self.components.setdefault(def_name, self._marks_replaced(def_schema))

    def _marks_replaced(self, value: Any) -> Any:
        if isinstance(value, dict):
            if value.get(WORKFLOW_DOCUMENT_MARK):
                return self.workflow_document()
            return {k: self._marks_replaced(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._marks_replaced(v) for v in value]
        return value

    def template_document(self) -> dict[str, Any]:
        return self._document("TemplateDocument", TemplateSpec)

    def workflow_document(self) -> dict[str, Any]:
        return self._document("WorkflowDocument", Workflow)

    def _document(self, name: str, model: type[BaseModel]) -> dict[str, Any]:
        """A file format's schema, added once under its document name: every body and answer
        that carries such a file refers to the one entry."""
        if name not in self.components:
            schema = model.model_json_schema(ref_template=REF)
            schema["title"] = name
            self.add(name, schema)
        return {"$ref": REF.format(model=name)}


class OpenApiDocument:
    """The daemon's document, built on its first request and kept: building it (a JSON Schema
    of every model, every route group imported) cost a fifth of each daemon start, for a path
    few clients ever ask for."""

    def __init__(self, table: RouteTable, *, version: str) -> None:
        self._table = table
        self._version = version
        self._document: dict[str, Any] | None = None

    def document(self) -> dict[str, Any]:
        if self._document is None:
            table = self._table
            self._document = build_openapi(table.endpoints(), table.sockets, version=self._version)
        return self._document


def build_openapi(
    endpoints: Sequence[Endpoint],
    sockets: Iterable[SocketEndpoint] = (),
    *,
    version: str,
) -> dict[str, Any]:
    schemas = _Schemas()
    paths: dict[str, dict[str, Any]] = {}
    for endpoint in endpoints:
        paths.setdefault(endpoint.path, {})[endpoint.method.lower()] = _operation(endpoint, schemas)
    socket_lines = "".join(f"\n- `WS {s.path}`: {s.summary}" for s in sockets)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Harmonia daemon",
            "version": version,
            "description": "REST, Server-Sent Events and WebSocket API of `harmoniad`. Every "
            "path but /health needs `Authorization: Bearer <token>` (the token is in the data "
            "folder's `token` file, or `$HARMONIA_TOKEN`). The MCP server at `/mcp` "
            "(streamable HTTP, token always needed) and the WebSockets are not describable in "
            "OpenAPI:" + socket_lines,
        },
        "paths": paths,
        "components": {
            "schemas": schemas.components,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearerAuth": []}],
    }


def _operation(endpoint: Endpoint, schemas: _Schemas) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": endpoint.operation_id,
        "summary": endpoint.summary,
        "tags": [endpoint.tag],
    }
    if endpoint.description:
        operation["description"] = endpoint.description
    if endpoint.public:
        operation["security"] = []
    parameters = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "string", "pattern": PATH_PARAM_PATTERN},
        }
        for name in endpoint.path_params
    ]
    if endpoint.query is not None:
        parameters.extend(_query_parameters(endpoint.query))
    for header in endpoint.headers:
        schema: dict[str, Any] = {"type": "string"}
        if header.pattern:
            schema["pattern"] = header.pattern
        parameters.append(
            {
                "name": header.name,
                "in": "header",
                "required": False,
                "description": header.description,
                "schema": schema,
            }
        )
    if parameters:
        operation["parameters"] = parameters
    if endpoint.body == "json":
        assert endpoint.body_model is not None
        operation["requestBody"] = {
            "required": endpoint.body_required,
            "content": {"application/json": {"schema": schemas.ref(endpoint.body_model)}},
        }
    elif endpoint.body == "template":
        operation["requestBody"] = {
            "required": True,
            "description": "The template file (`kind: template`), as YAML or JSON.",
            "content": {
                kind: {"schema": schemas.template_document()} for kind in WORKFLOW_MEDIA_TYPES
            },
        }
    elif endpoint.body == "workflow":
        document = schemas.workflow_document()
        operation["requestBody"] = {
            "required": True,
            "description": "The workflow file, as YAML or JSON.",
            "content": {kind: {"schema": document} for kind in WORKFLOW_MEDIA_TYPES},
        }
    responses: dict[str, Any] = {}
    for status, answer in endpoint.responses.items():
        responses[str(status)] = _answer(status, answer, schemas)
    # every write may meet a failed storage (`harmoniad.storageguard`)
    writes = () if endpoint.method in ("GET", "HEAD") else (503,)
    for status in (*endpoint.errors, *writes):
        responses.setdefault(
            str(status),
            {
                "description": HTTPStatus(status).phrase,
                "content": {"application/json": {"schema": schemas.ref(ErrorBody)}},
            },
        )
    if endpoint.path_params:
        responses.setdefault(
            "404",
            {
                "description": HTTPStatus(404).phrase,
                "content": {"application/json": {"schema": schemas.ref(ErrorBody)}},
            },
        )
    operation["responses"] = dict(sorted(responses.items()))
    return operation


def _answer(status: int, answer: object, schemas: _Schemas) -> dict[str, Any]:
    description = HTTPStatus(status).phrase
    if answer is None:
        return {"description": description}
    if answer == "sse":
        return {
            "description": "An event stream (text/event-stream)",
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        }
    if answer == "object":
        return {
            "description": description,
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    assert isinstance(answer, type) and issubclass(answer, BaseModel)
    return {
        "description": description,
        "content": {"application/json": {"schema": schemas.ref(answer)}},
    }


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template=REF)
    required = set(schema.get("required", ()))
    out = []
    for name, prop in schema.get("properties", {}).items():
        prop = dict(prop)
        description = prop.pop("description", None)
        prop.pop("title", None)
        variants = prop.get("anyOf")
        if variants is not None:
            # in a query string "absent" is the only null there is
            kept = [v for v in variants if v.get("type") != "null"]
            prop.pop("anyOf")
            if len(kept) == 1:
                prop.update(kept[0])
            else:
                prop["anyOf"] = kept
        if prop.get("default", 0) is None:
            prop.pop("default")
        parameter: dict[str, Any] = {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": prop,
        }
        if description:
            parameter["description"] = description
        out.append(parameter)
    return out
