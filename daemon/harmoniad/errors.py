"""The one error shape, and the handlers that turn every failure into it.

`{"status": 404, "code": "not_found", "message": "...", "details": null}`, always JSON, never a
traceback. Handlers map the engine's exceptions (NotFound, InvalidOperation, ExecutionDamaged,
ExecutionLocked, ValidationFailed, StorageUnavailable and an `OSError` that says the data folder
cannot be written) and the web layer's (HTTPException, pydantic's ValidationError) to codes that
clients branch on; the message is for people.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, overload

import pydantic
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from harmonia.engine.writer import unavailable
from harmonia.errors import (
    ExecutionDamaged,
    InvalidOperation,
    NotFound,
    Problem,
    StorageUnavailable,
    ValidationFailed,
)
from harmonia.model.wording import error_message
from harmonia.protocol import ERROR_STATUS, STATUS_CODES, ErrorCode
from harmonia.store.storage import STORAGE_ERRNOS
from harmonia.store.store import ExecutionLocked
from harmoniad.responses import JSONResponse

__all__ = [
    "ApiError",
    "error_response",
    "exception_handlers",
    "problem_details",
    "refused",
    "without_data_dir",
]

QUERY_VALUE_SHOWN = 40
"""Characters of a refused query value an error shows (quotes included)."""

STORAGE_RETRY_AFTER = "5"
"""Seconds a client should wait before it tries a write again (the engine's longest probe)."""


class ApiError(Exception):
    """An error answer raised from a handler: status, stable code, message, details.

    The code is one of `harmonia.protocol.ErrorCode` (a misspelt one fails here, where the
    mistake is, not in a client), else the default code of the status."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        details: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = ErrorCode(code) if code else _code_of(status)
        self.message = message
        self.details = details
        self.headers = dict(headers or {})


def error_response(
    code: ErrorCode,
    message: str,
    details: Any = None,
    headers: Mapping[str, str] | None = None,
    *,
    status: int | None = None,
) -> Response:
    """The error answer; its status is the code's (`harmonia.protocol.ERROR_STATUS`) unless
    the web layer already chose one the table does not name."""
    status = ERROR_STATUS[code] if status is None else status
    body = {"status": status, "code": code, "message": message, "details": details}
    return JSONResponse(body, status_code=status, headers=dict(headers or {}))


def _code_of(status: int) -> ErrorCode:
    return STATUS_CODES.get(status, ErrorCode.BAD_REQUEST)


def problem_details(problems: list[Problem]) -> list[dict[str, Any]]:
    return [
        {"message": p.message, "field": p.field, "line": p.line, "task": p.task, "file": p.file}
        for p in problems
    ]


def pydantic_details(exc: pydantic.ValidationError, *, query: bool = False) -> list[dict[str, Any]]:
    """pydantic's errors in the loader's words (`harmonia.model.wording`), without the echoed
    input of a body (it can be large, or hold secrets): only its kind is named. A query
    string's value is shown (`got 'lots'`): a few characters the client wrote in the URL,
    which the access log shows anyway, and its kind is always "string"."""
    return [
        {
            "loc": list(e["loc"]),
            "msg": error_message(e, show_value=query, describe=_query_value),
            "type": e["type"],
        }
        for e in exc.errors(include_url=False)
    ]


def _query_value(value: Any) -> str:
    text = repr(str(value))
    return text if len(text) <= QUERY_VALUE_SHOWN else text[: QUERY_VALUE_SHOWN - 4] + "...'"


def refused(exc: pydantic.ValidationError, *, query: bool = False) -> ApiError:
    """The 422 answer to a request pydantic refused: the first error (where: what) as the
    message, every error in `details`."""
    details = pydantic_details(exc, query=query)
    first = details[0] if details else None
    where = ".".join(str(p) for p in first["loc"]) if first else ""
    message = first["msg"] if first else "the request is not valid"
    if where:
        message = f"{where}: {message}"
    return ApiError(422, message, code=ErrorCode.VALIDATION_ERROR, details=details)


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc.code, exc.message, exc.details, exc.headers, status=exc.status)


async def _http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    headers = dict(exc.headers or {})
    if status == 404:
        message = f"no such path: {request.url.path}"
    elif status == 405:
        message = f"{request.method} is not allowed here; allowed: {headers.get('Allow', '')}"
    else:
        message = str(exc.detail)
    if status == 413:
        headers["Connection"] = "close"
    return error_response(_code_of(status), message, None, headers, status=status)


async def _validation_failed(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ValidationFailed)
    problems = exc.problems
    count = len(problems)
    first = str(problems[0]) if problems else "invalid"
    message = first if count == 1 else f"{count} problems; the first: {first}"
    return error_response(ErrorCode.VALIDATION_ERROR, message, problem_details(problems))


async def _pydantic_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, pydantic.ValidationError)
    answer = refused(exc)
    return error_response(answer.code, answer.message, answer.details)


async def _not_found(request: Request, exc: Exception) -> Response:
    return error_response(ErrorCode.NOT_FOUND, _text(exc))


async def _conflict(request: Request, exc: Exception) -> Response:
    return error_response(ErrorCode.CONFLICT, _text(exc))


async def _damaged(request: Request, exc: Exception) -> Response:
    """A 409 of its own code: a client can tell "damaged, see its `damage`" from a plain
    conflict without reading the message."""
    return error_response(ErrorCode.EXECUTION_DAMAGED, _text(exc))


async def _storage_unavailable(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StorageUnavailable)
    return storage_unavailable_response(exc, _data_dir(request))


def storage_unavailable_response(exc: StorageUnavailable, data_dir: Path) -> Response:
    return error_response(
        ErrorCode.STORAGE_UNAVAILABLE,
        without_data_dir(exc.message, data_dir),
        {"path": without_data_dir(exc.path, data_dir), "error": exc.error},
        {"Retry-After": STORAGE_RETRY_AFTER},
    )


@overload
def without_data_dir(text: str, data_dir: Path) -> str: ...
@overload
def without_data_dir(text: None, data_dir: Path) -> None: ...
def without_data_dir(text: str | None, data_dir: Path) -> str | None:
    """`text` with the data folder's own path left out (`executions/ID/journal.jsonl`): the
    file is named within the folder, for the operator; the server's paths are not a client's
    business."""
    return None if text is None else text.replace(f"{data_dir}{os.sep}", "")


def _data_dir(request: Request) -> Path:
    return Path(request.app.state.daemon.engine.store.data_dir)


async def _os_error(request: Request, exc: Exception) -> Response:
    """The data folder refused a read or a write the API did itself (a stored workflow, in the
    catalog). A failed write fails the storage for the engine too, as one of its own writes
    would. Any other `OSError` is a bug, and stays one (500, logged with its traceback)."""
    assert isinstance(exc, OSError)
    if exc.errno not in STORAGE_ERRNOS:
        raise exc
    if request.method not in ("GET", "HEAD"):
        request.app.state.daemon.engine.storage.report(exc)
    return storage_unavailable_response(unavailable(exc), _data_dir(request))


def _text(exc: Exception) -> str:
    # the message alone: a NotFound's str() adds the data folder it searched (`where`), a
    # server path no client is to see
    return str(exc.args[0]) if exc.args else type(exc).__name__


exception_handlers: dict[Any, Any] = {
    ApiError: _api_error,
    HTTPException: _http_exception,
    ValidationFailed: _validation_failed,
    pydantic.ValidationError: _pydantic_error,
    NotFound: _not_found,
    ExecutionDamaged: _damaged,
    InvalidOperation: _conflict,
    ExecutionLocked: _conflict,
    StorageUnavailable: _storage_unavailable,
    OSError: _os_error,
}
