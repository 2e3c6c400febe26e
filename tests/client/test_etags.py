"""The clients poll the executions listing conditionally, through a real `harmoniad`: the last
ETag goes back in `If-None-Match`, a 304 hands back the last page (the same object), and any
change (a new execution, another page or filter) is a fresh page."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from helpers.daemon_testing import Harmoniad, echo_workflow

from harmonia.client import AsyncClient, Client
from harmonia.client._etags import KEPT

NOT_MODIFIED = "GET /api/v1/executions 304"


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harmoniad]:
    """A daemon of this module's: nothing else runs there, so its listing changes only when a
    test changes it."""
    with Harmoniad(tmp_path_factory.mktemp("etags") / "data") as running:
        yield running


def test_an_unchanged_listing_is_answered_304_and_reused(daemon: Harmoniad) -> None:
    with Client(daemon.url, daemon.token) as client:
        first = client.start_execution(workflow=echo_workflow("etag-one"))
        client.wait(first.id, timeout=30)
        page = client.list_executions(limit=10)
        assert page.items[0].id == first.id
        before = daemon.log.count(NOT_MODIFIED)
        again = client.list_executions(limit=10)
        assert again is page
        daemon.wait_for_log(NOT_MODIFIED, count=before + 1)

        other = client.list_executions(limit=5)  # another URL: its own answer
        assert other is not page and other.items[0].id == first.id
        filtered = client.list_executions(status="failed", limit=10)
        assert filtered.items == []

        second = client.start_execution(workflow=echo_workflow("etag-two"))
        client.wait(second.id, timeout=30)
        changed = client.list_executions(limit=10)
        assert changed is not page
        assert [s.id for s in changed.items[:2]] == [second.id, first.id]
        assert client.list_executions(limit=10) is changed
        daemon.wait_for_log(NOT_MODIFIED, count=before + 2)


def test_a_running_execution_is_never_shown_stale(daemon: Harmoniad) -> None:
    """Each poll while an execution runs shows what the daemon holds now: a status change
    always comes as a new page."""
    with Client(daemon.url, daemon.token) as client:
        workflow = echo_workflow("etag-run")
        workflow["tasks"]["wait"] = {
            "component": "core",
            "action": "sleep",
            "input": {"seconds": 30},
        }
        started = client.start_execution(workflow=workflow)
        running = client.list_executions(limit=10)
        assert running.items[0].status in ("pending", "running")
        client.cancel(started.id)
        client.wait(started.id, timeout=30)
        ended = client.list_executions(limit=10)
        assert ended is not running
        assert ended.items[0].status == "canceled"


@pytest.mark.anyio
async def test_the_async_client_polls_conditionally_too(daemon: Harmoniad) -> None:
    async with AsyncClient(daemon.url, daemon.token) as client:
        first = await client.start_execution(workflow=echo_workflow("etag-async"))
        await client.wait(first.id, timeout=30)
        page = await client.list_executions()
        before = daemon.log.count(NOT_MODIFIED)
        assert await client.list_executions() is page
        daemon.wait_for_log(NOT_MODIFIED, count=before + 1)
        second = await client.start_execution(workflow=echo_workflow("etag-async-2"))
        await client.wait(second.id, timeout=30)
        changed = await client.list_executions()
        assert changed is not page and changed.items[0].id == second.id


def test_the_answers_kept_are_bounded() -> None:
    """One answer per URL, the least recently used dropped past `KEPT`: a URL asked for long
    ago goes without `If-None-Match`, a recent one with it."""
    conditional: list[str | None] = []

    def answer(request: httpx.Request) -> httpx.Response:
        conditional.append(request.headers.get("if-none-match"))
        etag = f'"{request.url.params["offset"]}"'
        if request.headers.get("if-none-match") == etag:
            return httpx.Response(304, headers={"ETag": etag})
        page = {"items": [], "total": 0, "limit": 1, "offset": 0}
        return httpx.Response(200, json=page, headers={"ETag": etag})

    with Client("http://127.0.0.1:1", "t", transport=httpx.MockTransport(answer)) as client:
        pages = [client.list_executions(limit=1, offset=n) for n in range(KEPT + 1)]
        assert client.list_executions(limit=1, offset=KEPT) is pages[KEPT]
        assert conditional[-1] == f'"{KEPT}"'
        assert client.list_executions(limit=1, offset=0) is not pages[0]  # dropped: asked anew
        assert conditional[-1] is None
