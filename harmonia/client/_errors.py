"""What can go wrong talking to a daemon, as exceptions a caller can tell apart.

`ApiError` and its subclasses are answers: the daemon understood the request and refused it,
with the one error shape of API.md. `DaemonUnreachable` means there was no answer at all, which
a person fixes differently (start the daemon, check the URL), so it is not an `ApiError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from harmonia.protocol import STATUS_CODES, ErrorCode, problem_text

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
    "RequestNotJson",
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


class RequestNotJson(ClientError, TypeError):
    """A value of the request that JSON cannot carry (an integer over 64 bits, an object of no
    JSON type), refused before anything is sent; a `TypeError` too, as `json.dumps` raises."""


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

    def message_lines(self, default_file: str | None = None) -> list[str]:
        """What a person is shown (the CLI), each problem once: `message_for` then any problem
        it does not say; with several problems, how many, then each. (The daemon's message,
        `N problems; the first: ...`, is for readers of the message alone: above the list it
        said the first problem twice.)"""
        problems = list(dict.fromkeys(self.problem_lines(default_file)))
        if len(problems) > 1:
            return [f"{len(problems)} problems:", *problems]
        lines = [self.message_for(default_file)]
        return lines + [p for p in problems if p not in lines]

    def message_for(self, default_file: str | None = None) -> str:
        """`message`, naming `default_file` where the daemon could only say `<request body>`
        (as `problem_lines` does for the problems)."""
        if default_file is None:
            return self.message
        return self.message.replace(_REQUEST_BODY, default_file)


class BadRequestError(ApiError):
    """400 `bad_request`, or 422 `invalid_json`: a body that is not JSON, or not an object."""


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
    ErrorCode.BAD_REQUEST: BadRequestError,
    ErrorCode.UNAUTHORIZED: UnauthorizedError,
    ErrorCode.FORBIDDEN_HOST: ForbiddenError,
    ErrorCode.FORBIDDEN_ORIGIN: ForbiddenError,
    ErrorCode.NOT_FOUND: NotFoundError,
    ErrorCode.METHOD_NOT_ALLOWED: MethodNotAllowedError,
    ErrorCode.CONFLICT: ConflictError,
    ErrorCode.EXECUTION_DAMAGED: ExecutionDamagedError,
    ErrorCode.PAYLOAD_TOO_LARGE: PayloadTooLargeError,
    ErrorCode.UNSUPPORTED_MEDIA_TYPE: UnsupportedMediaTypeError,
    ErrorCode.VALIDATION_ERROR: ValidationError,
    ErrorCode.INVALID_JSON: BadRequestError,
    ErrorCode.INTERNAL_ERROR: ServerError,
    ErrorCode.UNAVAILABLE: ServerError,
    ErrorCode.STORAGE_UNAVAILABLE: StorageUnavailableError,
}
"""The exception of each code of `harmonia.protocol.ErrorCode` (a test checks it has them all)."""

_REQUEST_BODY = "<request body>"
"""The daemon's name for a workflow it only got as the text of a request."""

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
    cls = _BY_CODE.get(code) or _BY_CODE.get(_default_code(status))
    if cls is None:
        cls = ServerError if status >= 500 else ApiError
    return cls(status, code, message, details)


def _default_code(status: int) -> str:
    """The code of an answer that carries none: its status's (`STATUS_CODES`), else one that
    still says what happened."""
    if status in STATUS_CODES:
        return STATUS_CODES[status]
    return ErrorCode.INTERNAL_ERROR if status >= 500 else f"http_{status}"


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
    file = problem.get("file")
    if default_file is not None and (not file or _placeholder(str(file))):
        file = default_file
    return problem_text(
        str(problem.get("message", "")),
        str(file) if file else None,
        problem.get("line"),
        problem.get("task"),
        problem.get("field"),
    )


def _placeholder(name: str) -> bool:
    """`<request body>`, `<workflow>`: a stand-in for a file the daemon never saw."""
    return name.startswith("<") and name.endswith(">")
