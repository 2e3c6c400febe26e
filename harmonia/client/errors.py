"""What can go wrong talking to a daemon, as exceptions a caller can tell apart.

`ApiError` and its subclasses are answers: the daemon understood the request and refused it,
with the one error shape of API.md. `DaemonUnreachable` means there was no answer at all, which
a person fixes differently (start the daemon, check the URL), so it is not an `ApiError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

__all__ = [
    "ApiError",
    "BadRequestError",
    "ClientError",
    "ConflictError",
    "DaemonUnreachable",
    "ExecutionDamagedError",
    "ForbiddenError",
    "MethodNotAllowedError",
    "NotFoundError",
    "PayloadTooLargeError",
    "ProtocolError",
    "ServerError",
    "StorageUnavailableError",
    "UnauthorizedError",
    "UnsupportedMediaTypeError",
    "ValidationError",
    "error_from_response",
]


class ClientError(Exception):
    """Base of every error `harmonia.client` raises on purpose."""


class DaemonUnreachable(ClientError):
    """No answer from the daemon: refused, timed out, or the connection broke mid-answer."""

    def __init__(self, url: str, reason: str = "") -> None:
        self.url = url
        self.reason = " ".join(reason.split())
        text = f"cannot reach the Harmonia daemon at {url}"
        super().__init__(f"{text} ({self.reason})" if self.reason else text)


class ProtocolError(ClientError):
    """The daemon answered something that is not the API's shape (a bug, or not a daemon)."""


class ApiError(ClientError):
    """The daemon answered with an error: `status`, a stable `code`, a `message` for people,
    and `details` (for a validation error, the list of problems)."""

    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details

    def __repr__(self) -> str:
        name = type(self).__name__
        return f"{name}(status={self.status}, code={self.code!r}, message={self.message!r})"

    @property
    def problems(self) -> list[str]:
        """`details` as one readable line per problem (empty when there are none)."""
        if not isinstance(self.details, list):
            return []
        return [format_problem(p) for p in self.details if p is not None]

    def problem_lines(self, default_file: str | None = None) -> list[str]:
        """Like `problems`, naming `default_file` where a problem names no file or only a
        placeholder such as `<request body>` (the daemon only saw the text of a workflow; the
        caller knows which file it came from)."""
        if not isinstance(self.details, list):
            return []
        return [format_problem(p, default_file) for p in self.details if p is not None]


class BadRequestError(ApiError):
    """400 `bad_request` or `invalid_json`."""


class UnauthorizedError(ApiError):
    """401: no token, or not the daemon's token."""


class ForbiddenError(ApiError):
    """403 `forbidden_host`: the Host header does not name an allowed host (or
    `forbidden_origin`: a WebSocket handshake's Origin names another site)."""


class NotFoundError(ApiError):
    """404: no such workflow, execution, task, checkpoint, template or component."""


class MethodNotAllowedError(ApiError):
    """405."""


class ConflictError(ApiError):
    """409: the operation does not apply to the current state (e.g. pause a finished
    execution), or the execution is locked by another process."""


class ExecutionDamagedError(ConflictError):
    """409 `execution_damaged`: the execution's files are damaged (its `damage` says where), so
    it is not run; `resume(..., from_damaged=True)` continues it from its readable part."""


class PayloadTooLargeError(ApiError):
    """413: the request body is over the daemon's limit."""


class UnsupportedMediaTypeError(ApiError):
    """415."""


class ValidationError(ApiError):
    """422: the workflow or the input is invalid; `problems` lists every reason."""


class ServerError(ApiError):
    """5xx: a bug or a failure in the daemon."""


class StorageUnavailableError(ServerError):
    """503 `storage_unavailable`: the daemon's data folder refuses writes (disk full, I/O
    error, read-only). Nothing was changed; reads still work, and the daemon resumes by itself
    once a write succeeds again, so trying later is the fix. `path` and `error` say what
    failed."""

    @property
    def path(self) -> str | None:
        details = self.details if isinstance(self.details, Mapping) else {}
        path = details.get("path")
        return None if path is None else str(path)

    @property
    def error(self) -> str:
        details = self.details if isinstance(self.details, Mapping) else {}
        return str(details.get("error") or "")


_BY_CODE: dict[str, type[ApiError]] = {
    "bad_request": BadRequestError,
    "invalid_json": BadRequestError,
    "unauthorized": UnauthorizedError,
    "forbidden_host": ForbiddenError,
    "forbidden_origin": ForbiddenError,
    "not_found": NotFoundError,
    "method_not_allowed": MethodNotAllowedError,
    "conflict": ConflictError,
    "execution_damaged": ExecutionDamagedError,
    "payload_too_large": PayloadTooLargeError,
    "unsupported_media_type": UnsupportedMediaTypeError,
    "validation_error": ValidationError,
    "internal_error": ServerError,
    "storage_unavailable": StorageUnavailableError,
}

_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequestError,
    401: UnauthorizedError,
    403: ForbiddenError,
    404: NotFoundError,
    405: MethodNotAllowedError,
    409: ConflictError,
    413: PayloadTooLargeError,
    415: UnsupportedMediaTypeError,
    422: ValidationError,
}

_DEFAULT_CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    500: "internal_error",
}

MESSAGE_LIMIT = 300
"""Characters of a non-JSON error body kept as the message (a proxy's HTML page, say)."""


def error_from_response(status: int, body: bytes, reason: str = "") -> ApiError:
    """The exception for an error answer.

    The daemon's JSON shape is used when the body has it; otherwise (a proxy, an older daemon,
    something else listening on the port) the status alone picks the class and the body's text
    becomes the message, so the caller still gets an `ApiError` and never a decoding error.
    The code wins over the status when both are known: it is the stable part of the contract.
    """
    document: Any = None
    try:
        document = orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        document = None
    if isinstance(document, Mapping) and ("code" in document or "message" in document):
        code = str(document.get("code") or _default_code(status))
        message = str(document.get("message") or reason or f"HTTP {status}")
        details = document.get("details")
    else:
        code = _default_code(status)
        text = " ".join(body.decode("utf-8", "replace").split())
        if len(text) > MESSAGE_LIMIT:
            text = text[: MESSAGE_LIMIT - 3] + "..."
        message = f"HTTP {status} {reason}".rstrip() + (f": {text}" if text else "")
        details = None
    cls = _BY_CODE.get(code) or _BY_STATUS.get(status)
    if cls is None:
        cls = ServerError if status >= 500 else ApiError
    return cls(status, code, message, details)


def _default_code(status: int) -> str:
    if status in _DEFAULT_CODES:
        return _DEFAULT_CODES[status]
    return "internal_error" if status >= 500 else f"http_{status}"


def format_problem(problem: Any, default_file: str | None = None) -> str:
    """One validation problem as a line.

    The engine's problems (`{"message", "file", "line", "task", "file"}`) read like
    `harmonia validate`: `file:line: task 't', field 'f': message`; pydantic-style ones
    (`{"loc", "msg"}`) read `body.input.limit: message`.
    """
    if not isinstance(problem, Mapping):
        return str(problem)
    if "msg" in problem and "message" not in problem:
        loc = problem.get("loc")
        where = ".".join(str(part) for part in loc) if isinstance(loc, list | tuple) else ""
        return f"{where}: {problem['msg']}" if where else str(problem["msg"])
    message = str(problem.get("message", ""))
    parts: list[str] = []
    file = problem.get("file")
    if default_file is not None and (not file or _placeholder(str(file))):
        file = default_file
    line = problem.get("line")
    if file or line is not None:
        where = str(file or "<workflow>")
        if line is not None:
            where += f":{line}"
        parts.append(where)
    if problem.get("task") is not None:
        parts.append(f"task '{problem['task']}'")
    if problem.get("field") is not None:
        parts.append(f"field '{problem['field']}'")
    return ": ".join([", ".join(parts), message]) if parts else message


def _placeholder(name: str) -> bool:
    """`<request body>`, `<workflow>`: a stand-in for a file the daemon never saw."""
    return name.startswith("<") and name.endswith(">")


def with_file_name(text: str, default_file: str) -> str:
    """`text` with the daemon's stand-in for the request body replaced by `default_file`."""
    return text.replace("<request body>", default_file)
