"""The submissions ledger without a cluster: a result is applied once, to an attempt still
awaited; anything else is ignored and recorded; results posted from other threads reach the
loop (asyncio and trio alike)."""

from __future__ import annotations

import threading

import anyio
import pytest

from harmonia.executors.ledger import CANCELLED, Ledger

pytestmark = pytest.mark.anyio


async def test_a_result_is_applied_once_and_a_second_is_recorded_as_ignored() -> None:
    ledger = Ledger()
    slot = ledger.expect("k-1")
    assert ledger.deliver("k-1", ("ok", b"1"))
    assert slot.done.is_set() and slot.outcome == ("ok", b"1")
    assert not ledger.deliver("k-1", ("ok", b"2"))  # before the waiter took it
    ledger.forget("k-1")
    assert not ledger.deliver("k-1", ("ok", b"3"))  # after
    assert slot.outcome == ("ok", b"1")
    assert ledger.ignored == 2
    assert [r["why"] for r in ledger.recent] == ["again", "late"]


async def test_a_given_up_attempt_ignores_its_result_and_a_cancel_is_not_a_result() -> None:
    ledger = Ledger()
    ledger.expect("timed-out")
    ledger.abandon("timed-out", "timed out")
    assert ledger.waiting == 0
    assert not ledger.deliver("timed-out", ("error", {"message": "late", "kind": "error"}))
    assert ledger.recent[-1]["why"] == "timed out" and ledger.ignored == 1
    ledger.expect("cancelled")
    ledger.abandon("cancelled", "cancelled")
    assert not ledger.deliver("cancelled", CANCELLED)
    assert ledger.ignored == 1  # the cancel confirmed: nothing came back to ignore


async def test_results_posted_from_threads_reach_their_waiters() -> None:
    ledger = Ledger()
    slots = [ledger.expect(f"k-{i}") for i in range(50)]
    async with anyio.create_task_group() as tg:
        tg.start_soon(ledger.serve)
        threads = [
            threading.Thread(target=ledger.post, args=(f"k-{i}", ("ok", str(i).encode())))
            for i in range(50)
        ]
        for thread in threads:
            thread.start()
        with anyio.fail_after(10):
            for slot in slots:
                await slot.done.wait()
        ledger.close()  # serve returns: the group ends
    assert [s.outcome for s in slots] == [("ok", str(i).encode()) for i in range(50)]
    for thread in threads:
        thread.join()


async def test_a_resolver_turns_each_batch_of_handles_into_outcomes_off_the_loop() -> None:
    ledger = Ledger()
    slots = {i: ledger.expect(f"k-{i}") for i in range(5)}
    threads: list[str] = []

    def resolve(batch: list[tuple[str, object]]) -> list[tuple[str, tuple[str, object]]]:
        threads.append(threading.current_thread().name)
        return [(key, ("ok", f"handle {handle}".encode())) for key, handle in batch]

    for i in range(5):
        ledger.post(f"k-{i}", i)  # a handle (a Dask future, in the executor)
    async with anyio.create_task_group() as tg:
        tg.start_soon(ledger.serve, resolve)
        with anyio.fail_after(10):
            for slot in slots.values():
                await slot.done.wait()
        ledger.close()
    assert [s.outcome for s in slots.values()] == [("ok", f"handle {i}".encode()) for i in range(5)]
    assert threads and threading.main_thread().name not in threads
