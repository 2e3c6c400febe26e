"""`harmonia.tekton.pool`: process calls on httpcore's pool, against a real server on loopback
(`helpers.fake_component`), on asyncio and on trio: answers, one kept-alive connection, a
connection the server closed meanwhile, the answer-size limit, and what is not a URL it calls."""

from __future__ import annotations

from collections.abc import Iterator

import httpcore
import orjson
import pytest
from helpers._serve import ThreadedServer
from helpers.fake_component import FakeComponent

from harmonia.tekton.mcpv2 import PROCESS_PATH
from harmonia.tekton.pool import AnswerTooLarge, CallPool

pytestmark = pytest.mark.anyio


@pytest.fixture
def server(fake: FakeComponent) -> Iterator[ThreadedServer]:
    with fake.serve() as running:
        yield running


def echo(message: str) -> bytes:
    return orjson.dumps({"tool_name": "Echo", "arguments": {"message": message}})


async def test_a_call_answers_status_and_body_over_one_kept_alive_connection(
    server: ThreadedServer, fake: FakeComponent
) -> None:
    pool = CallPool(connect_timeout=5)
    try:
        for word in ("one", "two", "three"):
            status, body = await pool.post_json(server.url + PROCESS_PATH, echo(word), 10_000)
            assert status == 200
            assert orjson.loads(body)["result"]["echo"] == word
        assert pool.connections == 1
    finally:
        await pool.aclose()
    assert len({call.peer for call in fake.calls}) == 1


async def test_a_connection_the_server_closed_while_idle_is_replaced(
    server: ThreadedServer, fake: FakeComponent
) -> None:
    pool = CallPool(connect_timeout=5)
    try:
        await pool.post_json(server.url + PROCESS_PATH, echo("before"), 10_000)
        server.stop()  # closes the kept-alive connection; the same port serves again below
        server.start()
        status, body = await pool.post_json(server.url + PROCESS_PATH, echo("after"), 10_000)
    finally:
        await pool.aclose()
    assert status == 200 and orjson.loads(body)["result"]["echo"] == "after"
    assert len({call.peer for call in fake.calls}) == 2  # a fresh connection for the second


async def test_an_answer_past_the_limit_is_refused(server: ThreadedServer) -> None:
    pool = CallPool(connect_timeout=5)
    try:
        with pytest.raises(AnswerTooLarge, match="larger than 100 bytes"):
            await pool.post_json(server.url + PROCESS_PATH, echo("x" * 500), 100)
        status, _ = await pool.post_json(server.url + PROCESS_PATH, echo("small"), 10_000)
        assert status == 200  # the pool still works after a refused answer
    finally:
        await pool.aclose()


async def test_a_refused_connection_and_a_foreign_scheme_are_httpcore_errors(
    server: ThreadedServer,
) -> None:
    url = server.url
    server.stop()
    pool = CallPool(connect_timeout=5)
    try:
        with pytest.raises(httpcore.ConnectError):
            await pool.post_json(url + PROCESS_PATH, echo("hi"), 10_000)
        with pytest.raises(httpcore.UnsupportedProtocol):
            await pool.post_json("ftp://127.0.0.1:1/x", echo("hi"), 10_000)
    finally:
        await pool.aclose()
