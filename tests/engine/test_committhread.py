"""The journal's commit thread: jobs in order, errors raised in the caller, no torn writes."""

from __future__ import annotations

import threading

import anyio
import anyio.lowlevel
import pytest

from harmonia.engine.committhread import CommitThread

pytestmark = pytest.mark.anyio


async def test_jobs_run_in_one_other_thread_in_order() -> None:
    ran: list[tuple[int, int]] = []
    async with CommitThread() as thread:
        for i in range(5):
            await thread.run(lambda i=i: ran.append((i, threading.get_ident())))
    assert [i for i, _ in ran] == list(range(5))
    idents = {ident for _, ident in ran}
    assert len(idents) == 1 and threading.get_ident() not in idents


async def test_a_job_error_is_raised_in_the_caller_and_the_thread_goes_on() -> None:
    async with CommitThread() as thread:

        def broken() -> None:
            raise OSError(28, "No space left on device")

        with pytest.raises(OSError, match="No space left"):
            await thread.run(broken)
        done: list[bool] = []
        await thread.run(lambda: done.append(True))
    assert done == [True]


async def test_a_cancelled_caller_still_waits_for_its_job_to_end() -> None:
    """A write cut short by shutdown would leave a torn journal line: once handed over, the
    job runs to its end and its caller waits for it, cancelled or not."""
    started, release = threading.Event(), threading.Event()
    finished: list[bool] = []

    def slow_write() -> None:
        started.set()
        release.wait(10)
        finished.append(True)

    async with CommitThread() as thread, anyio.create_task_group() as tg:
        caller_returned = anyio.Event()
        scope = anyio.CancelScope()

        async def caller() -> None:
            with scope:
                try:
                    await thread.run(slow_write)
                finally:
                    caller_returned.set()

        tg.start_soon(caller)
        await anyio.to_thread.run_sync(started.wait, 10)
        scope.cancel()
        for _ in range(50):  # an unshielded wait would end at the first of these
            await anyio.lowlevel.checkpoint()
        assert not caller_returned.is_set() and not finished
        release.set()
        with anyio.fail_after(10):
            await caller_returned.wait()
    assert finished == [True]
