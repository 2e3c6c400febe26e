"""Ids are never given twice, and an operator action that fails writes nothing."""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest
from helpers.engine_probe import ProbeBench

import harmonia.engine.persistence as persistence_module
from harmonia.errors import InvalidOperation, NotFound
from harmonia.store import Store

pytestmark = pytest.mark.anyio


def tree(folder: Path) -> dict[str, bytes]:
    """Every path under `folder` with its bytes: what "nothing was written" compares."""
    return {
        str(p.relative_to(folder)): p.read_bytes() if p.is_file() else b"<dir>"
        for p in sorted(folder.rglob("*"))
    }


async def test_an_execution_id_drawn_twice_never_overwrites_the_first_execution(
    bench: ProbeBench, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn: Iterator[str] = iter(
        ["20260101-000000-aaaaaaaaaa", "20260101-000000-aaaaaaaaaa", "20260101-000000-bbbbbbbbbb"]
    )
    monkeypatch.setattr(persistence_module, "new_execution_id", lambda now: next(drawn))
    first_wf = bench.workflow({"one": {}}, name="first")
    second_wf = bench.workflow({"two": {}}, name="second")
    async with bench.engine() as engine:
        first = await engine.wait((await engine.start(first_wf)).id)
        snapshot = bench.store().state_path(first.id).read_bytes()
        second = await engine.wait((await engine.start(second_wf)).id)
    assert (first.id, second.id) == ("20260101-000000-aaaaaaaaaa", "20260101-000000-bbbbbbbbbb")
    assert first.status == second.status == "completed"
    store = bench.store()
    assert store.state_path(first.id).read_bytes() == snapshot
    assert store.load_execution(first.id).workflow_name == "first"
    assert store.load_execution(second.id).workflow_name == "second"
    rows = {r["id"]: r["workflow"] for r in store.list_summaries()}
    assert rows == {first.id: "first", second.id: "second"}


async def test_executions_started_at_once_share_commits_and_are_all_recorded_whole(
    bench: ProbeBench,
) -> None:
    """Starts that arrive while a commit is in flight are made durable together (their
    snapshots, catalog rows and first events in shared rounds of fsyncs): each is whole."""
    wf = bench.workflow({"a": {}})
    started: list[str] = []
    async with bench.engine() as engine:
        batches = engine.writer.batches

        async def start() -> None:
            started.append((await engine.start(wf)).id)

        async with anyio.create_task_group() as tg:
            for _ in range(20):
                tg.start_soon(start)
        assert engine.writer.batches - batches < 20  # shared, at least some
        for execution_id in started:
            assert (await engine.wait(execution_id)).status == "completed"
    store = bench.store()
    assert {r["id"] for r in store.list_summaries()} == set(started)
    for execution_id in started:
        assert store.load_execution(execution_id).status == "completed"
    assert list(bench.data_dir.rglob("*.tmp")) == []


async def test_checkpoint_ids_are_unique_even_when_the_random_source_repeats(
    bench: ProbeBench, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with bench.engine() as engine:
        one = await engine.wait((await engine.start(bench.workflow({"a": {}}, name="one"))).id)
        two = await engine.wait((await engine.start(bench.workflow({"a": {}}, name="two"))).id)
        monkeypatch.setattr(secrets, "token_hex", lambda n=None: "0" * 2 * (n or 16))
        first = await engine.checkpoint(one.id, "of one")
        again = await engine.checkpoint(one.id, "of one, again")
        second = await engine.checkpoint(two.id, "of two")
        monkeypatch.undo()
        assert len({first["id"], again["id"], second["id"]}) == 3
        restored = await engine.wait((await engine.restore(second["id"])).id)
        assert restored.workflow_name == "two"
        restored = await engine.wait((await engine.restore(first["id"])).id)
        assert restored.workflow_name == "one"
    names = {c["id"]: c["name"] for c in Store(bench.data_dir).list_checkpoints()}
    assert names == {
        first["id"]: "of one",
        again["id"]: "of one, again",
        second["id"]: "of two",
    }


async def test_operator_actions_on_unknown_executions_write_nothing(bench: ProbeBench) -> None:
    async with bench.engine() as engine:
        done = await engine.wait((await engine.start(bench.workflow({"a": {}}))).id)
        await engine.writer.flush()
        before = tree(bench.data_dir)
        unknown = ["20260101-000000-ffffffffff", "nope", "..", "a" * 300, "-x", "a\x00b"]
        actions = [
            engine.cancel,
            engine.resume,
            engine.checkpoint,
            engine.pause,
            lambda i: engine.retry_task(i, "a"),
            engine.restore,
            engine.get,
        ]
        for execution_id, action in itertools.product(unknown, actions):
            with pytest.raises(NotFound):
                await action(execution_id)
        # refused actions on an execution at rest: it is loaded, refused, and left as it was
        with pytest.raises(NotFound):
            await engine.retry_task(done.id, "no-such-task")
        with pytest.raises(InvalidOperation):
            await engine.cancel(done.id)
        with pytest.raises(InvalidOperation):
            await engine.resume(done.id)
        with pytest.raises(InvalidOperation):
            await engine.pause(done.id)
        await engine.writer.flush()
        assert tree(bench.data_dir) == before


async def test_a_refused_action_still_fixes_a_catalog_row_that_lags_its_journal(
    bench: ProbeBench,
) -> None:
    async with bench.engine() as engine:
        done = await engine.wait((await engine.start(bench.workflow({"a": {}}))).id)
    # its process died after the last event, before the catalog row caught up
    store = bench.store()
    row = store.get_summary(done.id)
    store.put_summary({**row, "status": "running", "last_seq": 2, "done_count": 0})
    assert store.list_summaries()[0]["interrupted"] is True
    async with bench.engine() as engine:
        assert await engine.recover() == []  # nothing to resume: it completed
        await engine.writer.flush()
        (listed,) = await engine.index.rows()
        assert listed["status"] == "completed"
    row = bench.store().get_summary(done.id)
    assert (row["status"], row["last_seq"], row["done_count"]) == ("completed", done.last_seq, 1)
