"""`loop_clock`: the runner's durations are read on the event loop's own clock."""

from __future__ import annotations

import anyio
import pytest

from harmonia.engine.clock import loop_clock

pytestmark = pytest.mark.anyio


@pytest.mark.virtual_time
async def test_loop_clock_is_the_loops_clock_virtual_time_included() -> None:
    clock = loop_clock()
    before, anyio_before = clock(), anyio.current_time()
    await anyio.sleep(600)  # virtual: the clock jumps, no real wait
    assert clock() - before >= 600
    assert clock() - before == pytest.approx(anyio.current_time() - anyio_before, abs=1)


async def test_loop_clock_reads_the_same_values_as_anyio() -> None:
    clock = loop_clock()
    first = anyio.current_time()
    mine = clock()
    assert first <= mine <= anyio.current_time()
