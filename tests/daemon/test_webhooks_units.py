"""Webhooks out without a daemon process: the deliveries log read back after a crash (a torn
last line cut, pending deliveries kept), compaction, the catch-up that records deliveries of
events journaled while nobody watched, and a receiver that never answers never holding the
engine up. The engine is real; HTTP goes through httpx's mock transport."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import httpx
import orjson
import pytest
from harmoniad.webhooks import Webhooks, WebhookSettings
from harmoniad.webhooks import service as service_module
from harmoniad.webhooks import store as store_module
from harmoniad.webhooks.feed import Route, batches_of, target_key
from harmoniad.webhooks.settings import Secret
from harmoniad.webhooks.store import Delivery, DeliveryLog, Listing, try_line
from helpers.engine_probe import engine_options
from helpers.waiting import wait_until_async

from harmonia.engine.engine import open_engine
from harmonia.events import Event
from harmonia.loader import load_workflow_dict
from harmonia.signing import sign

pytestmark = pytest.mark.anyio
URL = "http://receiver.test/hook"


def delivery(ident: str, at: float = 1.0) -> Delivery:
    return Delivery(ident, URL, "daemon", None, "workflow_completed", "ex1", None, 3, at)


def line(item: Delivery, n: int) -> bytes:
    """A `new` line, one delivery's, as logs written before `news` lines hold them."""
    event = Event(3, "workflow_completed", "ex1", None, 1.5, {"n": n})
    head = {"k": "new", "id": item.id, "url": item.url, "source": item.source}
    head |= {"secret_env": item.secret_env, "at": item.created_at, "workflow": "told"}
    return orjson.dumps(head)[:-1] + b',"event":' + event.to_journal_line().rstrip(b"\n") + b"}\n"


def by_id(log: DeliveryLog) -> dict[str, Delivery]:
    return {d.id: d for d in reversed(log.select(None, None)[1])}


def body(ident: str, n: int) -> bytes:
    return orjson.dumps(
        {
            "delivery_id": ident,
            "event": "workflow_completed",
            "execution_id": "ex1",
            "workflow": "told",
            "task_id": None,
            "seq": 3,
            "timestamp": "1970-01-01T00:00:01.500Z",
            "data": {"n": n},
        }
    )


def notified_workflow(events: list[str], tasks: int = 2) -> Any:
    return load_workflow_dict(
        {
            "name": "told",
            "tasks": {f"t{i}": {"component": "core", "action": "echo"} for i in range(tasks)},
            "notify": [{"url": URL, "events": events}],
        }
    )


def test_a_torn_last_line_is_cut_and_pending_deliveries_stay(tmp_path: Path) -> None:
    log = DeliveryLog(tmp_path)
    first, second = delivery("wh_a"), delivery("wh_b")
    log.append([line(first, 1), line(second, 2)])
    first.attempts.append({"attempt": 1, "at": 2.0, "status_code": 200, "error": None})
    first.status = "delivered"
    log.append([try_line(first), {"k": "mark", "seen": {"ex1": 3}}])
    log.close()
    whole = log.path.stat().st_size
    with open(log.path, "ab") as handle:
        handle.write(b'{"k": "try", "id": "wh_b", "attem')  # killed mid-append
    again = DeliveryLog(tmp_path)
    again.load()
    assert log.path.stat().st_size == whole and not again.fresh
    found = by_id(again)
    assert found["wh_a"].status == "delivered"
    assert found["wh_b"].status == "pending" and found["wh_b"].attempts == []
    assert again.read_body(found["wh_b"]) == body("wh_b", 2)
    assert found["wh_b"].event == "workflow_completed"
    assert again.seen == {"ex1": 3}
    assert [d.id for d in again.select(None, "pending")[1]] == ["wh_b"]


def test_compaction_keeps_pending_and_recent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_module, "KEEP_FINISHED", 2)
    log = DeliveryLog(tmp_path)
    lines: list[dict[str, Any] | bytes] = []
    for n in range(6):
        item = delivery(f"wh_{n}", at=float(n))
        lines.append(line(item, n))
        if n != 2:
            item.attempts.append({"attempt": 1, "at": 9.0, "status_code": 200, "error": None})
            item.status = "delivered"
            lines.append(try_line(item))
    log.append(lines)
    log.close()
    again = DeliveryLog(tmp_path)
    again.load()
    found = by_id(again)
    assert list(found) == ["wh_2", "wh_4", "wh_5"]
    assert again.read_body(found["wh_5"]) == body("wh_5", 5)
    assert found["wh_4"].status == "delivered"


async def test_events_journaled_while_nobody_watched_get_their_deliveries(tmp_path: Path) -> None:
    DeliveryLog(tmp_path).append([{"k": "mark", "seen": {}}])  # a daemon ran webhooks here
    received: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        received.append(request)
        return httpx.Response(204)

    settings = WebhookSettings(secret=Secret(b"k"), urls=("http://daemon.test/all",))
    async with open_engine(tmp_path, **engine_options()) as engine:
        state = await engine.start(notified_workflow(["task_completed", "workflow_completed"]))
        await engine.wait(state.id)  # journaled, then "killed" before any delivery was recorded
        webhooks = Webhooks(engine, settings, transport=httpx.MockTransport(answer))
        async with anyio.create_task_group() as tg:
            await tg.start(webhooks.run)
            await wait_until_async(
                lambda: len(webhooks.listing(state.id, "delivered")) == 4, 10, "4 deliveries"
            )
            tg.cancel_scope.cancel()
    by_url = sorted((r.url.host, r.headers["X-Harmonia-Event"]) for r in received)
    assert by_url == [
        ("daemon.test", "workflow_completed"),
        ("receiver.test", "task_completed"),
        ("receiver.test", "task_completed"),
        ("receiver.test", "workflow_completed"),
    ]
    signed = next(r for r in received if r.url.host == "daemon.test")
    stamp = signed.headers["X-Harmonia-Timestamp"]
    assert signed.headers["X-Harmonia-Signature-256"] == sign(b"k", stamp, signed.content)
    assert all("X-Harmonia-Signature-256" not in r.headers for r in received if r is not signed)
    reread = DeliveryLog(tmp_path)
    reread.load()
    assert reread.seen[state.id] == state.last_seq
    assert {d.status for d in reread.select(None, None)[1]} == {"delivered"}


async def test_a_new_log_takes_stored_executions_as_history(tmp_path: Path) -> None:
    async with open_engine(tmp_path, **engine_options()) as engine:
        state = await engine.start(notified_workflow(["workflow_completed"]))
        await engine.wait(state.id)
        webhooks = Webhooks(engine, WebhookSettings(), transport=httpx.MockTransport(None))  # type: ignore[arg-type]
        async with anyio.create_task_group() as tg:
            await tg.start(webhooks.run)
            await wait_until_async(lambda: webhooks.log.seen.get(state.id), 10, "the mark")
            tg.cancel_scope.cancel()
    assert len(webhooks.listing(None, None)) == 0


async def test_a_receiver_that_never_answers_holds_nothing_up(tmp_path: Path) -> None:
    async def hang(request: httpx.Request) -> httpx.Response:
        await anyio.sleep_forever()
        raise AssertionError("unreachable")

    settings = WebhookSettings(timeout=60, concurrency=2)
    async with open_engine(tmp_path, **engine_options()) as engine:
        webhooks = Webhooks(engine, settings, transport=httpx.MockTransport(hang))
        async with anyio.create_task_group() as tg:
            await tg.start(webhooks.run)
            state = await engine.start(notified_workflow(["task_completed"], tasks=50))
            with anyio.fail_after(20):
                await engine.wait(state.id)
            await wait_until_async(
                lambda: len(webhooks.listing(state.id, None)) == 50, 10, "50 recorded deliveries"
            )
            await wait_until_async(lambda: len(webhooks._in_flight) == 2, 10, "2 in flight")
            assert len(webhooks.listing(state.id, "pending")) == 50  # the rest wait their turn
            tg.cancel_scope.cancel()
    assert str(state.status) == "completed"


def test_the_daemon_secret_is_read_once_and_hidden_from_tasks(tmp_path: Path) -> None:
    from harmoniad.config import config_from_args

    key = tmp_path / "key"
    key.write_text("from-a-file\n")
    args = ["--data-dir", str(tmp_path), "--notify", URL, "--notify-secret-env", "HOOK_KEY"]
    config = config_from_args(args, environ={"HOOK_KEY": "from-env"})
    assert config.webhooks.secret is not None
    assert config.webhooks.secret.reveal() == b"from-env"
    assert "HOOK_KEY" in config.secret_env  # tasks never see it
    assert "from-env" not in repr(config)
    args = ["--data-dir", str(tmp_path), "--notify-secret-file", str(key)]
    from_file = config_from_args(args, environ={})
    assert from_file.webhooks.secret is not None
    assert from_file.webhooks.secret.reveal() == b"from-a-file"


async def test_a_backlog_past_the_memory_bound_is_caught_up_from_the_journal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service_module, "MAX_COLLECTED", 5)

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200)

    async with open_engine(tmp_path, **engine_options()) as engine:
        webhooks = Webhooks(engine, WebhookSettings(), transport=httpx.MockTransport(answer))
        async with anyio.create_task_group() as tg:
            await tg.start(webhooks.run)
            state = await engine.start(notified_workflow(["task_completed"], tasks=40))
            await engine.wait(state.id)
            await wait_until_async(
                lambda: len(webhooks.listing(state.id, "delivered")) == 40, 20, "40 deliveries"
            )
            tg.cancel_scope.cancel()
    assert sorted(d.task_id or "" for d in webhooks.listing(None, None)) == sorted(
        f"t{i}" for i in range(40)
    )


def test_a_rounds_lines_are_batches_and_skip_what_is_known(tmp_path: Path) -> None:
    """The recorder writes one line per target and execution; read back, each of its events
    is a delivery whose body is what it was before `news` lines (the same bytes as a `new`
    line's), and an event read twice, or already in the log, makes nothing."""
    wanted = frozenset({"workflow_completed", "task_completed"})
    key = target_key("workflow", URL)
    route = Route("told", [(URL, "SECRET", "workflow", wanted, key)])
    event = Event(3, "workflow_completed", "ex1", None, 1.5, {"n": 1})
    other = Event(4, "task_started", "ex1", "t1", 1.6, {})
    task = Event(2, "task_completed", "ex1", "t0", 1.4, {})
    found, lines = batches_of(
        [(route, task), (route, event), (route, other), (route, event)], 2.0, {}
    )
    assert len(found) == 1 == len(lines) and found[0].seqs == [2, 3]
    log = DeliveryLog(tmp_path)
    log.append(lines)
    log.close()
    assert batches_of([(route, event)], 2.0, {(key, "ex1"): {3}}) == ([], [])
    again = DeliveryLog(tmp_path)
    again.load()
    (told, done) = again.select(None, None)[1]
    assert (told.id, told.secret_env, told.source) == (f"wh_{key}_ex1_3", "SECRET", "workflow")
    assert (done.task_id, done.event, done.seq) == ("t0", "task_completed", 2)
    assert again.read_body(told) == body(told.id, 1)
    assert again.recorded == {(key, "ex1"): {2, 3}}
    assert again.select(None, "pending", 1, 1) == (2, [done])
    assert again.select("ex2", None) == (0, [])
    listing = Listing(again, None, None)
    assert len(listing) == 2 and listing[1:5] == [done] and listing[-1] == done
    assert listing[::2] == [told] and list(listing) == [told, done]


def test_an_old_log_is_read_with_new_lines_after_it(tmp_path: Path) -> None:
    """A daemon upgraded in place: its `new` lines (one delivery each) and their attempts
    are read beside the `news` lines written since, and their bodies do not change."""
    key = target_key("daemon", URL)
    old = delivery(f"wh_{key}_ex1_3")
    route = Route("told", [(URL, None, "daemon", frozenset({"task_completed"}), key)])
    _, lines = batches_of([(route, Event(4, "task_completed", "ex1", "t", 1.6, {}))], 2.0, {})
    old.attempts.append({"attempt": 1, "at": 2.0, "status_code": 500, "error": "answered HTTP 500"})
    old.next_at = 9.0
    log = DeliveryLog(tmp_path)
    log.append([line(old, 7), try_line(old), *lines])
    log.close()
    again = DeliveryLog(tmp_path)
    again.load()
    newer, older = again.select(None, "pending")[1]
    assert older.id == old.id and older.attempts == old.attempts and older.next_at == 9.0
    assert again.read_body(older) == body(old.id, 7)
    assert newer.id == f"wh_{key}_ex1_4" and newer.task_id == "t"
    assert again.recorded == {(key, "ex1"): {3, 4}}
