"""harmonia.client without a daemon: settings resolution, error mapping, stream bookkeeping.

Error mapping is checked through `httpx.MockTransport` (the daemon's error answers, built by
hand) and through `error_from_response` directly; everything that needs a working daemon is in
`test_daemon.py`, against a real one.
"""

from __future__ import annotations

import json
import socket
import ssl
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from harmonia.client import (
    DEFAULT_URL,
    ApiError,
    AsyncClient,
    BadRequestError,
    Client,
    ClientError,
    ConflictError,
    DaemonUnreachable,
    Event,
    Execution,
    ExecutionDamagedError,
    ExecutionSummary,
    ForbiddenError,
    MethodNotAllowedError,
    NotFoundError,
    Page,
    PayloadTooLargeError,
    ProtocolError,
    Reconnect,
    ServerError,
    StorageUnavailableError,
    UnauthorizedError,
    UnsupportedMediaTypeError,
    ValidationError,
    WorkflowInfo,
    resolve_daemon,
    resolve_token,
    resolve_url,
)
from harmonia.client._base import ClientConfig
from harmonia.client._errors import error_from_response, format_problem
from harmonia.client._stream import StreamCursor
from harmonia.protocol import ERROR_STATUS, ErrorCode

# ---- URL and token ---------------------------------------------------------------------------


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.delenv("HARMONIA_URL", raising=False)
    monkeypatch.delenv("HARMONIA_TOKEN", raising=False)
    return monkeypatch


def test_url_order_argument_env_daemon_file_default(
    tmp_path: Path, clean_env: pytest.MonkeyPatch
) -> None:
    assert resolve_url(data_dir=tmp_path) == DEFAULT_URL == "http://127.0.0.1:8007"
    (tmp_path / "daemon.json").write_text(json.dumps({"url": "http://127.0.0.1:9100", "pid": 1}))
    assert resolve_url(data_dir=tmp_path) == "http://127.0.0.1:9100"
    clean_env.setenv("HARMONIA_URL", "http://localhost:9200/")
    assert resolve_url(data_dir=tmp_path) == "http://localhost:9200"
    assert resolve_url("http://[::1]:9300/", data_dir=tmp_path) == "http://[::1]:9300"


def test_a_daemon_is_explicit_only_when_a_url_is_asked_for(
    tmp_path: Path, clean_env: pytest.MonkeyPatch
) -> None:
    (tmp_path / "daemon.json").write_text(json.dumps({"url": "http://127.0.0.1:9100"}))
    found = resolve_daemon(data_dir=tmp_path)
    assert (found.url, found.data_dir, found.explicit) == ("http://127.0.0.1:9100", tmp_path, False)
    assert resolve_daemon("http://127.0.0.1:9300", data_dir=tmp_path).explicit
    clean_env.setenv("HARMONIA_URL", "http://localhost:9200/")
    found = resolve_daemon(data_dir=tmp_path)
    assert (found.url, found.explicit) == ("http://localhost:9200", True)


def test_url_from_the_default_data_dir(tmp_path: Path, clean_env: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    home.mkdir()
    clean_env.setenv("HARMONIA_HOME", str(home))
    (home / "daemon.json").write_text(json.dumps({"url": "http://127.0.0.1:9101", "pid": 2}))
    assert resolve_url() == "http://127.0.0.1:9101"
    assert Client().url == "http://127.0.0.1:9101"


@pytest.mark.parametrize("content", ["", "{not json", "[1, 2]", '{"url": 5}', '{"pid": 3}'])
def test_a_broken_daemon_file_is_no_url(
    tmp_path: Path, clean_env: pytest.MonkeyPatch, content: str
) -> None:
    (tmp_path / "daemon.json").write_text(content)
    assert resolve_url(data_dir=tmp_path) == DEFAULT_URL


def test_a_wildcard_bind_address_is_reached_on_loopback(
    tmp_path: Path, clean_env: pytest.MonkeyPatch
) -> None:
    (tmp_path / "daemon.json").write_text(json.dumps({"url": "http://0.0.0.0:8123"}))
    assert resolve_url(data_dir=tmp_path) == "http://127.0.0.1:8123"


def test_token_order_argument_env_file(tmp_path: Path, clean_env: pytest.MonkeyPatch) -> None:
    assert resolve_token(data_dir=tmp_path) is None
    (tmp_path / "token").write_text("from-file\n")
    assert resolve_token(data_dir=tmp_path) == "from-file"
    clean_env.setenv("HARMONIA_TOKEN", " from-env ")
    assert resolve_token(data_dir=tmp_path) == "from-env"
    assert resolve_token("given", data_dir=tmp_path) == "given"


def test_an_empty_token_file_is_no_token(tmp_path: Path, clean_env: pytest.MonkeyPatch) -> None:
    (tmp_path / "token").write_text("  \n")
    assert resolve_token(data_dir=tmp_path) is None


def test_the_token_is_sent_as_a_bearer_header(
    tmp_path: Path, clean_env: pytest.MonkeyPatch
) -> None:
    (tmp_path / "token").write_text("s3cret")
    config = ClientConfig.resolve(None, None, data_dir=tmp_path, timeout=5)
    assert config.headers()["Authorization"] == "Bearer s3cret"
    assert (
        "Authorization"
        not in ClientConfig.resolve(None, None, data_dir=tmp_path / "none", timeout=5).headers()
    )
    client = Client(data_dir=tmp_path)
    assert client.token == "s3cret"
    client.close()


def test_a_plain_http_daemon_gets_a_tls_context_that_trusts_nothing(
    tmp_path: Path, clean_env: pytest.MonkeyPatch
) -> None:
    """No CA bundle is loaded for a daemon spoken to without TLS; should a request turn to
    https all the same, its certificate is still checked, against no trusted root at all."""
    plain = ClientConfig.resolve("http://127.0.0.1:8007", None, data_dir=tmp_path, timeout=5)
    context = plain.tls()
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.cert_store_stats()["x509_ca"] == 0
    secure = ClientConfig.resolve("https://harmonia.test", None, data_dir=tmp_path, timeout=5)
    assert secure.tls() is True  # httpx's default: the CA bundle


@pytest.mark.parametrize("url", ["ftp://127.0.0.1:8007", "127.0.0.1:8007", "http://"])
def test_an_unusable_url_is_refused_at_once(url: str, clean_env: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="invalid daemon URL"):
        Client(url)


# ---- error answers ---------------------------------------------------------------------------


def _error_body(status: int, code: str, message: str, details: Any = None) -> bytes:
    return orjson.dumps({"status": status, "code": code, "message": message, "details": details})


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (400, "bad_request", BadRequestError),
        (422, "invalid_json", BadRequestError),
        (401, "unauthorized", UnauthorizedError),
        (403, "forbidden_host", ForbiddenError),
        (403, "forbidden_origin", ForbiddenError),
        (404, "not_found", NotFoundError),
        (405, "method_not_allowed", MethodNotAllowedError),
        (409, "conflict", ConflictError),
        (409, "execution_damaged", ExecutionDamagedError),
        (413, "payload_too_large", PayloadTooLargeError),
        (415, "unsupported_media_type", UnsupportedMediaTypeError),
        (422, "validation_error", ValidationError),
        (500, "internal_error", ServerError),
        (503, "unavailable", ServerError),
        (503, "storage_unavailable", StorageUnavailableError),
    ],
)
def test_each_error_code_has_its_class(status: int, code: str, cls: type[ApiError]) -> None:
    assert ERROR_STATUS[ErrorCode(code)] == status
    error = error_from_response(status, _error_body(status, code, "why", {"x": 1}))
    assert type(error) is cls
    assert isinstance(error, ApiError)
    assert (error.status, error.code, error.message, error.details) == (
        status,
        code,
        "why",
        {"x": 1},
    )
    assert str(error) == "why"


def test_the_code_wins_over_the_status() -> None:
    assert isinstance(error_from_response(400, _error_body(400, "conflict", "m")), ConflictError)


def test_an_unknown_code_falls_back_on_the_status() -> None:
    error = error_from_response(409, _error_body(409, "brand_new_code", "m"))
    assert isinstance(error, ConflictError)
    assert error.code == "brand_new_code"
    teapot = error_from_response(418, _error_body(418, "teapot", "short and stout"))
    assert type(teapot) is ApiError


@pytest.mark.parametrize(
    ("status", "body", "cls", "code"),
    [
        (502, b"<html><body>Bad Gateway</body></html>", ServerError, "internal_error"),
        (404, b"", NotFoundError, "not_found"),
        (401, b"nope", UnauthorizedError, "unauthorized"),
        (418, b"[1, 2]", ApiError, "http_418"),
    ],
)
def test_a_body_that_is_not_the_error_shape_still_maps(
    status: int, body: bytes, cls: type[ApiError], code: str
) -> None:
    error = error_from_response(status, body, "Reason")
    assert type(error) is cls
    assert error.code == code
    assert error.status == status
    assert error.message.startswith(f"HTTP {status} Reason")
    assert "\n" not in error.message


def test_a_long_foreign_body_is_cut() -> None:
    error = error_from_response(500, b"x" * 10_000)
    assert len(error.message) < 400


def test_validation_problems_read_like_harmonia_validate() -> None:
    details = [
        {"message": "unknown field", "file": None, "line": 7, "task": "fetch", "field": "inptu"},
        {
            "message": "cycle: a -> b -> a",
            "file": "w.yaml",
            "line": None,
            "task": None,
            "field": None,
        },
        {"loc": ["body", "input", "limit"], "msg": "must be at least 1", "type": "value_error"},
        {"message": "no tasks"},
    ]
    error = error_from_response(422, _error_body(422, "validation_error", "4 problems", details))
    assert isinstance(error, ValidationError)
    assert error.problems == [
        "<workflow>:7, task 'fetch', field 'inptu': unknown field",
        "w.yaml: cycle: a -> b -> a",
        "body.input.limit: must be at least 1",
        "no tasks",
    ]
    assert (
        error.problem_lines("flow.yaml")[0]
        == "flow.yaml:7, task 'fetch', field 'inptu': unknown field"
    )
    assert error.problem_lines("flow.yaml")[3] == "flow.yaml: no tasks"
    assert format_problem("plain text") == "plain text"


def test_no_problems_without_a_list_of_details() -> None:
    assert error_from_response(404, _error_body(404, "not_found", "m")).problems == []


# ---- the clients on error answers (MockTransport) --------------------------------------------


def _answers(routes: dict[tuple[str, str], httpx.Response]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        key = (request.method, request.url.path)
        if key in routes:
            canned = routes[key]  # a fresh response each time: the async client needs its own
            return httpx.Response(
                canned.status_code, content=canned.content, headers=canned.headers
            )
        return httpx.Response(404, content=_error_body(404, "not_found", f"no such path: {key[1]}"))

    return httpx.MockTransport(handle)


ERROR_ROUTES = {
    ("GET", "/api/v1/executions/nope"): httpx.Response(
        404, content=_error_body(404, "not_found", "no execution 'nope'")
    ),
    ("POST", "/api/v1/executions/e1/pause"): httpx.Response(
        409, content=_error_body(409, "conflict", "execution e1 is completed: cannot pause")
    ),
    ("POST", "/api/v1/workflows"): httpx.Response(
        422,
        content=_error_body(
            422,
            "validation_error",
            "2 problems; the first: x",
            [{"message": "x", "line": 2}, {"message": "y", "task": "t"}],
        ),
    ),
    ("GET", "/api/v1/components"): httpx.Response(
        500, content=b"Internal Server Error", headers={"content-type": "text/plain"}
    ),
    ("GET", "/ready"): httpx.Response(200, content=b"<html>hello</html>"),
    ("GET", "/discovery"): httpx.Response(200, json={"unexpected": True}),
    ("GET", "/health"): httpx.Response(200, json={"status": "ok", "version": "9", "new": 1}),
}


def test_sync_client_maps_error_answers(clean_env: pytest.MonkeyPatch) -> None:
    with Client("http://127.0.0.1:8007", "t", transport=_answers(ERROR_ROUTES)) as client:
        with pytest.raises(NotFoundError) as missing:
            client.get_execution("nope")
        assert missing.value.status == 404
        assert missing.value.message == "no execution 'nope'"
        with pytest.raises(ConflictError, match="cannot pause"):
            client.pause("e1")
        with pytest.raises(ValidationError) as invalid:
            client.create_workflow("name: x\n")
        assert invalid.value.problems == ["<workflow>:2: x", "task 't': y"]
        with pytest.raises(ServerError) as broken:
            client.list_components()
        assert broken.value.status == 500
        with pytest.raises(ProtocolError, match="not JSON"):
            client.ready()
        with pytest.raises(ProtocolError, match="unexpected answer"):
            client.discovery()
        assert client.health().version == "9"  # the unknown field is ignored


@pytest.mark.anyio
async def test_async_client_maps_error_answers(clean_env: pytest.MonkeyPatch) -> None:
    async with AsyncClient(
        "http://127.0.0.1:8007", "t", transport=_answers(ERROR_ROUTES)
    ) as client:
        with pytest.raises(NotFoundError):
            await client.get_execution("nope")
        with pytest.raises(ConflictError):
            await client.pause("e1")
        with pytest.raises(ValidationError):
            await client.create_workflow({"name": "x"})
        with pytest.raises(ServerError):
            await client.list_components()
        with pytest.raises(ProtocolError):
            await client.ready()
        assert (await client.health()).status == "ok"


def test_a_transport_failure_is_daemon_unreachable(clean_env: pytest.MonkeyPatch) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    transport = httpx.MockTransport(refuse)
    with (
        Client("http://127.0.0.1:8007", transport=transport) as client,
        pytest.raises(DaemonUnreachable) as caught,
    ):
        client.health()
    assert caught.value.url == "http://127.0.0.1:8007"
    assert str(caught.value) == (
        "cannot reach the Harmonia daemon at http://127.0.0.1:8007 "
        "(connection refused; is harmoniad running?)"
    )
    assert not isinstance(caught.value, ApiError)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_closed_port_is_daemon_unreachable(clean_env: pytest.MonkeyPatch) -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    fast = Reconnect(attempts=2, initial_delay=0.01, max_delay=0.02)
    with Client(url, timeout=5, reconnect=fast) as client:
        with pytest.raises(DaemonUnreachable) as caught:
            client.list_executions()
        with pytest.raises(DaemonUnreachable):
            next(iter(client.events("e1")))
    message = str(caught.value)
    assert url in message
    assert "\n" not in message


@pytest.mark.anyio
async def test_a_closed_port_is_daemon_unreachable_async(clean_env: pytest.MonkeyPatch) -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    fast = Reconnect(attempts=2, initial_delay=0.01, max_delay=0.02)
    async with AsyncClient(url, timeout=5, reconnect=fast) as client:
        with pytest.raises(DaemonUnreachable, match="cannot reach the Harmonia daemon at") as c:
            await client.health()
        assert "(connection refused; is harmoniad running?)" in str(c.value)
        with pytest.raises(DaemonUnreachable, match="gave up after 2 reconnection attempts"):
            async for _event in client.events("e1"):
                pass


def test_a_value_json_cannot_carry_is_a_typed_error_naming_its_place(
    clean_env: pytest.MonkeyPatch,
) -> None:
    """It was orjson's bare TypeError ("Integer exceeds 64-bit range"), naming neither the
    call nor the value, and not a `ClientError` (`harmonia mcp` let it out as a protocol
    error instead of a tool error)."""
    from harmonia.client import RequestNotJson  # this test's alone

    sent: list[str] = []

    def record(request: httpx.Request) -> httpx.Response:
        sent.append(request.url.path)
        return httpx.Response(500)

    with Client("http://127.0.0.1:8007", transport=httpx.MockTransport(record)) as client:
        with pytest.raises(RequestNotJson) as caught:
            client.start_execution("wf-1", input={"ok": [1, 2], "n": [0, 2**70]})
        with pytest.raises(TypeError, match=r"at arguments\.kwargs\.when is not JSON: "):
            client.call_tool("ExecuteComponentAction", {"kwargs": {"when": object()}})
    assert str(caught.value) == (
        "POST /api/v1/executions: the body at input.n[1] is not JSON: Integer exceeds 64-bit "
        "range (put it in quotes to pass it as a string)"
    )
    assert isinstance(caught.value, ClientError)
    assert sent == []  # refused before anything was sent


def test_the_requests_quote_ids_into_one_segment(clean_env: pytest.MonkeyPatch) -> None:
    seen: list[str] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.raw_path.decode())
        return httpx.Response(404, content=_error_body(404, "not_found", "no"))

    transport = httpx.MockTransport(record)
    with (
        Client("http://127.0.0.1:8007", transport=transport) as client,
        pytest.raises(NotFoundError),
    ):
        client.retry_task("a/b", "c d")
    assert seen == ["/api/v1/executions/a%2Fb/tasks/c%20d/retry"]


# ---- models ----------------------------------------------------------------------------------


def test_models_ignore_unknown_fields_and_keep_the_time_format() -> None:
    document = {
        "id": "e1",
        "workflow": "w",
        "workflow_version": "1",
        "status": "completed",
        "input": {"n": 1},
        "created_at": "2026-01-02T03:04:05.678Z",
        "started_at": "2026-01-02T03:04:05.700Z",
        "finished_at": None,
        "duration": None,
        "error": None,
        "restored_from": None,
        "last_seq": 9,
        "counts": {"completed": 1},
        "tasks": {"a": {"status": "completed", "attempts": 1, "shiny": "new"}},
        "from_the_future": [1, 2, 3],
    }
    execution = Execution.model_validate(document)
    assert execution.created_at == datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    assert execution.finished
    dumped = execution.model_dump(mode="json")
    assert dumped["created_at"] == "2026-01-02T03:04:05.678Z"
    assert "from_the_future" not in dumped


def test_a_page_knows_whether_more_follow() -> None:
    page = Page[WorkflowInfo].model_validate(
        {"items": [{"id": "w1", "name": "n"}], "total": 3, "limit": 1, "offset": 1}
    )
    assert page.has_more
    assert not Page[ExecutionSummary].model_validate({"items": []}).has_more


# ---- the stream cursor -----------------------------------------------------------------------


def _event(seq: int, type_: str = "task_started", execution_id: str = "e1") -> str:
    return json.dumps(
        {
            "seq": seq,
            "type": type_,
            "execution_id": execution_id,
            "task_id": None,
            "timestamp": "2026-01-02T03:04:05.678Z",
            "data": {},
        }
    )


def _cursor(**kwargs: Any) -> StreamCursor:
    options: dict[str, Any] = {"after": None, "follow": False, "reconnect": Reconnect()}
    options.update(kwargs)
    execution_id = options.pop("execution_id", "e1")
    return StreamCursor("http://d", execution_id, **options)


def test_the_cursor_drops_repeats_and_remembers_the_last_id() -> None:
    cursor = _cursor()
    assert cursor.headers() == {}
    assert cursor.path == "/events/executions/e1"
    first = cursor.accept(_event(1), "1")
    assert isinstance(first, Event)
    assert first.seq == 1
    assert cursor.accept(_event(2), "") is not None
    assert cursor.headers() == {"Last-Event-ID": "2"}
    assert cursor.accept(_event(2), "2") is None  # replayed twice by a reconnection
    assert cursor.accept(_event(1), "1") is None
    assert not cursor.last_terminal
    assert cursor.accept(_event(3, "workflow_failed"), "3") is not None
    assert cursor.last_terminal
    assert cursor.complete(None, False)  # a clean close after a terminal event: the end
    assert cursor.accept(_event(4, "workflow_resumed"), "4") is not None
    assert not cursor.complete(4, False)  # resumed: more to come


def test_a_clean_close_ends_the_stream_only_when_the_execution_has_ended() -> None:
    cursor = _cursor(after=9)
    assert cursor.complete(9, True)  # it had ended before the stream started
    assert not cursor.complete(10, True)  # events beyond what was seen: reconnect
    assert not cursor.complete(9, False)  # still going: the daemon went away
    assert not _cursor(follow=True).complete(0, True)
    assert not _cursor(execution_id=None).complete(0, True)


def test_the_cursor_starts_after_a_given_seq() -> None:
    cursor = _cursor(after=5)
    assert cursor.headers() == {"Last-Event-ID": "5"}
    assert cursor.accept(_event(5), "5") is None
    assert cursor.accept(_event(6), "6") is not None


def test_a_followed_stream_does_not_end_at_a_terminal_event() -> None:
    cursor = _cursor(follow=True)
    assert cursor.params() == {"follow": "true"}
    cursor.accept(_event(1, "workflow_completed"), "1")
    assert not cursor.may_end
    assert not cursor.complete(1, True)


def test_the_stream_of_all_executions_tracks_each_one() -> None:
    cursor = _cursor(execution_id=None, after="e1:4")
    assert cursor.path == "/events"
    assert cursor.headers() == {"Last-Event-ID": "e1:4"}
    assert cursor.accept(_event(4, execution_id="e1"), "e1:4") is None
    assert cursor.accept(_event(1, execution_id="e2"), "e2:1") is not None
    assert cursor.accept(_event(1, "workflow_completed", "e3"), "") is not None
    assert cursor.headers() == {"Last-Event-ID": "e3:1"}
    assert not cursor.may_end  # the stream of all never ends by itself
    with pytest.raises(ValueError, match="execution_id"):
        _cursor(execution_id=None, after="7")


@pytest.mark.parametrize(
    "data", ["", "not json", "[1]", '{"kind": "lagged"}', '{"seq": "x", "type": 1}']
)
def test_messages_that_are_not_events_are_skipped(data: str) -> None:
    assert _cursor().accept(data, "") is None


def test_reconnection_backs_off_then_gives_up() -> None:
    cursor = _cursor(reconnect=Reconnect(attempts=4, initial_delay=0.5, max_delay=1.5))
    assert [cursor.dropped("down") for _ in range(4)] == [0.5, 1.0, 1.5, 1.5]
    with pytest.raises(DaemonUnreachable) as caught:
        cursor.dropped("connection refused")
    assert str(caught.value) == (
        "cannot reach the Harmonia daemon at http://d "
        "(connection refused; gave up after 4 reconnection attempts)"
    )


def test_an_event_or_a_long_connection_restores_the_budget() -> None:
    cursor = _cursor(reconnect=Reconnect(attempts=2, initial_delay=0.1, stable_after=0.0))
    cursor.dropped("x")
    cursor.dropped("x")
    cursor.accept(_event(1), "1")
    assert cursor.dropped("x") == 0.1
    cursor.connected()  # stable_after=0: any connection counts as having worked
    assert cursor.dropped("x") == 0.1


# ---- WebSocket helpers -----------------------------------------------------------------------


def test_the_websocket_url_follows_the_cursor() -> None:
    from harmonia.client._ws import ws_url

    cursor = _cursor(after=4)
    assert (
        ws_url("http://127.0.0.1:8007", cursor)
        == "ws://127.0.0.1:8007/ws/executions/e1?after=4&batch=true"
    )
    cursor.accept(_event(5), "")
    followed = _cursor(follow=True)
    assert (
        ws_url("https://h/prefix", followed)
        == "wss://h/prefix/ws/executions/e1?after=0&batch=true&follow=true"
    )
    assert ws_url("http://h", cursor).endswith("?after=5&batch=true")


def test_websocket_frames_yield_new_events_whether_batched_or_single() -> None:
    from harmonia.client._ws import frame_events

    cursor = _cursor(after=1)
    batch = (
        b'{"type": "batch", "events": ['
        + b", ".join([_event(1).encode(), _event(2).encode(), _event(3).encode()])
        + b"]}"
    )
    assert [e.seq for e in frame_events(cursor, batch)] == [2, 3]  # seq 1 was seen already
    assert [e.seq for e in frame_events(cursor, _event(3))] == []  # a repeat
    assert [e.seq for e in frame_events(cursor, _event(4))] == [4]
    assert frame_events(cursor, "not json") == []
    assert frame_events(cursor, '{"type": "batch", "events": 7}') == []


def test_websocket_close_codes() -> None:
    from harmonia.client._ws import close_outcome

    assert close_outcome(1000, "") == "end"
    assert close_outcome(1001, "the daemon is stopping") == "reconnect"
    assert close_outcome(1006, "") == "reconnect"
    assert close_outcome(None, "") == "reconnect"
    with pytest.raises(NotFoundError, match="no execution 'x'"):
        close_outcome(4404, "no execution 'x'")
    with pytest.raises(UnauthorizedError):
        close_outcome(4401, "unauthorized")
    with pytest.raises(BadRequestError):
        close_outcome(1008, "")
