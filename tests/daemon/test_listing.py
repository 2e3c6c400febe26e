"""The executions listing and a finished execution's document, served from cached bytes
(`harmoniad.listing`): always what the execution is now, the same JSON as built afresh, an
ETag that yields 304 while nothing changed, and connections kept open for polling clients.
"""

from __future__ import annotations

import http.client
import time
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from harmoniad.answercache import DocumentCache
from harmoniad.config import DaemonConfig
from harmoniad.context import DaemonState
from harmoniad.listing import etag_matches, listing_page
from harmoniad.server import KEEP_ALIVE_SECONDS
from harmoniad.services.executions import list_executions
from helpers.daemon_testing import Harmoniad, echo_workflow, sleep_workflow
from helpers.engine_probe import engine_options
from helpers.waiting import wait_until_async

from harmonia.engine import open_engine
from harmonia.loader import load_workflow_dict
from harmonia.store.definitions import WorkflowDefinitions


def start(api: httpx.Client, workflow: dict[str, Any]) -> str:
    response = api.post("/api/v1/executions", json={"workflow": workflow})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def listed(api: httpx.Client, execution_id: str) -> dict[str, Any]:
    rows = api.get("/api/v1/executions", params={"limit": 1000}).json()["items"]
    return next(row for row in rows if row["id"] == execution_id)


def test_the_listing_shows_a_status_change_right_after_it(api: httpx.Client) -> None:
    execution_id = start(api, sleep_workflow(60, "listed-sleeper"))
    assert listed(api, execution_id)["status"] == "running"
    for action, status in (("pause", "paused"), ("resume", "running"), ("cancel", "canceled")):
        answer = api.post(f"/api/v1/executions/{execution_id}/{action}")
        assert answer.status_code == 200, answer.text
        row = listed(api, execution_id)  # the very next request: no cache may lag behind
        assert row["status"] == status, action
        assert row["interrupted"] is False


def test_a_finished_run_is_listed_with_its_counts(api: httpx.Client, daemon: Harmoniad) -> None:
    execution_id = start(api, echo_workflow("listed-echo"))
    before = listed(api, execution_id)
    done = daemon.wait_finished(execution_id)
    row = listed(api, execution_id)
    assert row["status"] == "completed" and row["last_seq"] == done["last_seq"]
    assert row["done_count"] == row["task_count"] == len(done["tasks"])
    assert before["last_seq"] <= row["last_seq"]


def test_the_etag_answers_304_until_the_listing_changes(api: httpx.Client) -> None:
    first = api.get("/api/v1/executions")
    assert first.status_code == 200 and first.headers["cache-control"] == "no-cache"
    etag = first.headers["etag"]
    same = api.get("/api/v1/executions", headers={"If-None-Match": etag})
    assert same.status_code == 304 and same.content == b"" and same.headers["etag"] == etag
    weak = api.get("/api/v1/executions", headers={"If-None-Match": f'"other", W/{etag}'})
    assert weak.status_code == 304
    other_page = api.get("/api/v1/executions", params={"limit": 1}, headers={"If-None-Match": etag})
    assert other_page.status_code == 200 and other_page.headers["etag"] != etag

    execution_id = start(api, sleep_workflow(60, "etag-sleeper"))
    changed = api.get("/api/v1/executions", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert changed.json()["items"][0]["id"] == execution_id
    etag = changed.headers["etag"]
    api.post(f"/api/v1/executions/{execution_id}/cancel")
    after_cancel = api.get("/api/v1/executions", headers={"If-None-Match": etag})
    assert after_cancel.status_code == 200
    assert after_cancel.json()["items"][0]["status"] == "canceled"


def test_a_finished_execution_is_shown_anew_when_its_files_change(
    api: httpx.Client, daemon: Harmoniad
) -> None:
    execution_id = start(api, echo_workflow("shown-twice"))
    done = daemon.wait_finished(execution_id)
    again = api.get(f"/api/v1/executions/{execution_id}")
    assert again.headers["content-type"] == "application/json"
    assert again.json() == done
    checkpoint = api.post(f"/api/v1/executions/{execution_id}/checkpoint", json={"name": "c"})
    assert checkpoint.status_code == 201, checkpoint.text
    shown = api.get(f"/api/v1/executions/{execution_id}").json()
    assert shown["last_seq"] > done["last_seq"]  # the checkpoint's event
    assert api.get("/api/v1/executions/no-such-execution").status_code == 404


def test_an_idle_connection_outlives_httpx_s_keepalive_expiry(daemon: Harmoniad) -> None:
    """A polling client reuses a connection idle for up to its own expiry (httpx: 5 s); the
    daemon closing it first made such a request fail. Waits out that expiry on purpose."""
    assert KEEP_ALIVE_SECONDS > 15
    # http.client never opens a new connection behind the caller's back (httpx would)
    connection = http.client.HTTPConnection("127.0.0.1", daemon.port, timeout=10)
    try:
        connection.request("GET", "/health")
        assert connection.getresponse().read() and connection.sock is not None
        first = connection.sock.getsockname()
        time.sleep(5.5)  # the time idle is what is tested, not a wait for something
        connection.request("GET", "/health")
        response = connection.getresponse()
        assert response.status == 200 and response.read()
        assert connection.sock.getsockname() == first  # the same connection
    finally:
        connection.close()


@pytest.mark.anyio
async def test_the_listing_bytes_are_the_listing_built_afresh(tmp_path: Path) -> None:
    """Same document as `services.executions.list_executions` (what the MCP tools return),
    for running, finished and canceled executions, paged and filtered, cached or not."""
    data_dir = tmp_path / "data"
    async with open_engine(data_dir, **engine_options()) as engine:
        state = DaemonState(
            engine, DaemonConfig(data_dir=data_dir), WorkflowDefinitions(engine.store)
        )
        echo = load_workflow_dict(echo_workflow("fresh"))
        sleeper = load_workflow_dict(sleep_workflow(60, "fresh-sleeper"))
        finished = await engine.start(echo)
        await engine.wait(finished.id)
        canceled = await engine.start(sleeper)
        await engine.cancel(canceled.id)
        running = await engine.start(sleeper)  # left running
        # the comparison below is two reads: a task_started landing between them moved last_seq
        await wait_until_async(
            lambda: (live := engine.live_state(running.id)) and live.summary()["last_seq"] >= 2,
            10,
            "the running execution's task_started",
        )
        for _ in range(2):  # built, then from the cache
            for status, offset, limit in ((None, 0, 50), ("running", 0, 50), (None, 1, 1)):
                page = await listing_page(state, status=status, offset=offset, limit=limit)
                fresh = await list_executions(state, status=status, offset=offset, limit=limit)
                assert orjson.loads(page.body) == fresh
                assert page.body == orjson.dumps(fresh)
        encoded = state.summaries.encoded
        await listing_page(state, status=None, offset=0, limit=50)
        assert state.summaries.encoded == encoded  # nothing changed: nothing serialised again


def test_if_none_match_forms() -> None:
    assert etag_matches('"a"', '"a"') and etag_matches('W/"a"', '"a"')
    assert etag_matches('"b", "a"', '"a"') and etag_matches("*", '"a"')
    assert not etag_matches(None, '"a"') and not etag_matches('"b"', '"a"')


def test_kept_documents_are_bounded_and_match_their_files_versions() -> None:
    cache = DocumentCache(max_bytes=10)
    cache.put("a", ((1, 2, 3),), b"aaaa")
    cache.put("b", ((1, 2, 3),), b"bbbb")
    assert cache.get("a", ((1, 2, 3),)) == b"aaaa"
    assert cache.get("a", ((1, 2, 4),)) is None  # its file changed since
    cache.put("c", ((1, 2, 3),), b"cccc")  # over 10 bytes: the least recently asked for goes
    assert cache.get("b", ((1, 2, 3),)) is None
    assert cache.get("a", ((1, 2, 3),)) == b"aaaa" and cache.kept_bytes == 8
    cache.put("d", ((1, 2, 3),), b"d" * 11)  # larger than the whole cache: not kept
    assert cache.get("d", ((1, 2, 3),)) is None and cache.kept_bytes == 8
