"""`http.request`: one HTTP request via httpx, with failures sorted into retryable kinds.

Client lifetime: one `httpx.AsyncClient` per call. A client's connection pool belongs to the
event loop (and anyio backend) it first ran on, while a component instance lives in a registry
that may outlive any one loop (tests run the same registry on asyncio and on trio; the daemon may
restart its loop). A shared client would break exactly there, and the cost it would save (a TCP
/TLS handshake per task) is small next to a workflow task's usual work. What *is* expensive to
build per call, the TLS context (loading the CA bundle takes milliseconds), is loop-independent
and shared by all calls of the component.

The transport can be injected (tests, proxies, unix sockets); an injected transport belongs to the
caller and is never closed here.
"""

from __future__ import annotations

import re
import ssl
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Annotated, Any

import anyio
import orjson
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from harmonia.components.base import ActionContext, Component, FieldProblem, ModelAction
from harmonia.errors import ErrorKind, TaskError

if TYPE_CHECKING:
    import httpx

__all__ = ["DEFAULT_MAX_RESPONSE_BYTES", "HttpComponent", "HttpRequestAction"]

DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024  # a task output is stored and streamed to clients
_ERROR_BODY_CHARS = 4096
_METHOD = re.compile(r"^[A-Za-z]+$")
# 408 and 429 are client errors by number but say "try again later": retrying them is right.
_RETRYABLE_CLIENT_STATUSES = frozenset({408, 429})


def _check_method(value: str) -> str:
    if not _METHOD.match(value):
        raise ValueError("must be an HTTP method such as GET or POST")
    return value.upper()


def _check_url(value: str) -> str:
    import httpx  # imported on use: it costs a third of the CLI's start-up otherwise

    try:
        url = httpx.URL(value)
    except (httpx.InvalidURL, TypeError) as exc:
        raise ValueError(f"not a valid URL: {exc}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ValueError("must be an absolute http:// or https:// URL")
    return value


def _scalar_to_str(value: Any) -> Any:
    """Header values written as YAML numbers (`X-Limit: 10`) are meant as text."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


HeaderValue = Annotated[str, BeforeValidator(_scalar_to_str)]
ParamScalar = str | int | float | bool


class HttpRequestInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    method: Annotated[str, AfterValidator(_check_method)] = Field(
        default="GET", description="HTTP method."
    )
    url: Annotated[str, AfterValidator(_check_url)] = Field(description="Absolute http(s) URL.")
    headers: dict[str, HeaderValue] = Field(default_factory=dict, description="Request headers.")
    params: dict[str, ParamScalar | list[ParamScalar]] = Field(
        default_factory=dict, description="Query parameters (a list repeats the parameter)."
    )
    json_body: Any = Field(
        default=None, alias="json", description="A JSON request body (not with `body`)."
    )
    body: str | None = Field(default=None, description="A text request body (not with `json`).")
    timeout: float = Field(
        default=30.0, gt=0, allow_inf_nan=False, description="Seconds for the whole request."
    )
    follow_redirects: bool = Field(default=True, description="Follow 3xx redirects.")


def _is_json(content_type: str) -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


class HttpRequestAction(ModelAction[HttpRequestInput]):
    name = "request"
    description = (
        "Send an HTTP request; returns status, headers and json (JSON answers) or text. "
        "5xx and network errors are retryable failures, 4xx are not."
    )
    input_model = HttpRequestInput

    def __init__(
        self,
        transport: httpx.AsyncBaseTransport | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        self.transport = transport
        self.max_response_bytes = max_response_bytes
        self._ssl_context: ssl.SSLContext | None = None

    def extra_problems(
        self, raw: Mapping[str, Any], is_dynamic: Callable[[Any], bool]
    ) -> list[FieldProblem]:
        if "json" in raw and "body" in raw:
            return [FieldProblem("body", "give either 'json' or 'body', not both")]
        return []

    def _client(self) -> httpx.AsyncClient:
        import httpx

        if self.transport is not None:
            return httpx.AsyncClient(transport=self.transport)
        if self._ssl_context is None:
            self._ssl_context = httpx.create_ssl_context()
        return httpx.AsyncClient(verify=self._ssl_context)

    async def run(self, ctx: ActionContext, params: HttpRequestInput) -> Any:
        client = self._client()
        try:
            # httpx's timeout bounds each phase (connect, each read, ...); the task's `timeout`
            # means the whole request, so an overall deadline caps it too.
            with anyio.fail_after(params.timeout):
                return await self._send(client, params)
        except TimeoutError:
            raise TaskError(
                f"{params.method} {params.url} timed out after {params.timeout:g}s",
                ErrorKind.TIMEOUT,
            ) from None
        finally:
            if self.transport is None:  # closing the client would close an injected transport
                with anyio.CancelScope(shield=True):
                    await client.aclose()

    async def _send(self, client: httpx.AsyncClient, params: HttpRequestInput) -> Any:
        import httpx

        what = f"{params.method} {params.url}"
        headers = dict(params.headers)
        content: str | bytes | None = params.body
        if "json_body" in params.model_fields_set:
            # Encoded here rather than by httpx so that an explicit `json: null` sends `null`.
            try:
                content = orjson.dumps(params.json_body)
            except TypeError as exc:
                raise TaskError(
                    f"json: cannot encode as JSON: {exc}", ErrorKind.INVALID_INPUT
                ) from None
            if not any(name.lower() == "content-type" for name in headers):
                headers["Content-Type"] = "application/json"
        try:
            request = client.build_request(
                params.method,
                params.url,
                headers=headers,
                params=params.params,
                content=content,
                timeout=httpx.Timeout(params.timeout),
            )
            response = await client.send(
                request, stream=True, follow_redirects=params.follow_redirects
            )
            try:
                body = await self._read_body(response, what)
            finally:
                await response.aclose()
        except httpx.TimeoutException as exc:
            raise TaskError(
                f"{what} timed out: {str(exc) or type(exc).__name__}", ErrorKind.TIMEOUT
            ) from None
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
            raise TaskError(f"{what}: {exc}", ErrorKind.INVALID_INPUT) from None
        except httpx.TooManyRedirects as exc:
            raise TaskError(f"{what}: {exc}", ErrorKind.ERROR) from None
        except httpx.TransportError as exc:  # connect, read, write, protocol, proxy errors
            raise TaskError(
                f"{what} failed: {type(exc).__name__}: {exc}", ErrorKind.CONNECTION
            ) from None
        except httpx.HTTPError as exc:  # e.g. a body that cannot be decoded
            raise TaskError(f"{what} failed: {type(exc).__name__}: {exc}") from None
        return self._output(response, body, what)

    async def _read_body(self, response: httpx.Response, what: str) -> bytes:
        """Read the body, refusing one larger than the limit instead of storing it."""
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > self.max_response_bytes:
                raise TaskError(
                    f"{what}: response body larger than {self.max_response_bytes} bytes",
                    ErrorKind.OUTPUT,
                )
            chunks.append(chunk)
        return b"".join(chunks)

    @staticmethod
    def _output(response: httpx.Response, body: bytes, what: str) -> dict[str, Any]:
        headers = dict(response.headers.items())  # repeated headers are joined with ", "
        output: dict[str, Any] = {"status": response.status_code, "headers": headers}
        text: str | None = None
        if _is_json(response.headers.get("content-type", "")):
            try:
                output["json"] = orjson.loads(body) if body.strip() else None
            except orjson.JSONDecodeError:
                text = body.decode(response.encoding or "utf-8", errors="replace")
        else:
            text = body.decode(response.encoding or "utf-8", errors="replace")
        if text is not None:
            output["text"] = text

        status = response.status_code
        if status >= 400:
            shown = text if text is not None else body.decode("utf-8", errors="replace")
            details: dict[str, object] = {
                "status": status,
                "headers": headers,
                "body": shown[:_ERROR_BODY_CHARS],
            }
            snippet = " ".join(shown[:200].split())
            message = f"{what} answered {status} {response.reason_phrase}".rstrip()
            if snippet:
                message += f": {snippet}"
            if status >= 500:
                raise TaskError(message, ErrorKind.HTTP_SERVER_ERROR, details=details)
            raise TaskError(
                message,
                ErrorKind.HTTP_CLIENT_ERROR,
                retryable=status in _RETRYABLE_CLIENT_STATUSES or None,
                details=details,
            )
        return output


class HttpComponent(Component):
    """`http.request`; `transport` replaces the real network (tests, unix sockets, proxies)."""

    def __init__(
        self,
        transport: httpx.AsyncBaseTransport | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        super().__init__(
            "http",
            "Call HTTP APIs.",
            [HttpRequestAction(transport=transport, max_response_bytes=max_response_bytes)],
        )
