"""`Schedule` keeps graphlib's contract: the same tasks offered at each step, the same errors."""

from __future__ import annotations

import random
from graphlib import TopologicalSorter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harmonia.engine.schedule import Schedule


@st.composite
def dags(draw: st.DrawFn) -> dict[str, list[str]]:
    """Tasks t0..tn-1 in any key order; each may depend on earlier ones (repeats allowed, and
    a dependency that is not a key of its own)."""
    n = draw(st.integers(min_value=0, max_value=30))
    graph: dict[str, list[str]] = {}
    for i in range(n):
        earlier = [f"t{j}" for j in range(i)] + ["outside"]
        graph[f"t{i}"] = draw(st.lists(st.sampled_from(earlier), max_size=4)) if i else []
    order = draw(st.permutations(list(graph)))
    return {tid: graph[tid] for tid in order}


def _steps(sorter: TopologicalSorter[str] | Schedule, seed: int) -> list[list[str]]:
    """Each `get_ready` answer (sorted), finishing a random part of what is out each time."""
    rng = random.Random(seed)
    out: list[str] = []
    steps: list[list[str]] = []
    while True:
        ready = list(sorter.get_ready())
        out.extend(ready)
        steps.append(sorted(ready))
        if not out:
            return steps
        out.sort()  # the same picks whatever order each answered in
        rng.shuffle(out)
        cut = rng.randint(1, len(out))
        finished, out = out[:cut], out[cut:]
        sorter.done(*finished)


@settings(max_examples=60, deadline=None)
@given(dags(), st.integers(0, 1000))
def test_offers_what_graphlib_offers(graph: dict[str, list[str]], seed: int) -> None:
    reference: TopologicalSorter[str] = TopologicalSorter(graph)
    reference.prepare()
    assert _steps(Schedule(graph), seed) == _steps(reference, seed)


@settings(max_examples=60, deadline=None)
@given(dags(), st.integers(0, 1000), st.data())
def test_remaining_leaves_out_what_is_done(
    graph: dict[str, list[str]], seed: int, data: st.DataObject
) -> None:
    """What is left of a graph whose dependencies are all keys, as the runner rebuilds it."""
    graph = {tid: [d for d in deps if d in graph] for tid, deps in graph.items()}
    done = set(data.draw(st.lists(st.sampled_from(sorted(graph)), unique=True)) if graph else [])
    left = {t: [d for d in deps if d not in done] for t, deps in graph.items() if t not in done}
    reference: TopologicalSorter[str] = TopologicalSorter(left)
    reference.prepare()
    depends_on = {tid: tuple(deps) for tid, deps in graph.items()}
    assert _steps(Schedule.remaining(depends_on, done), seed) == _steps(reference, seed)


def test_errors_are_graphlib_s() -> None:
    schedule = Schedule({"a": [], "b": ["a"]})
    with pytest.raises(ValueError, match="not passed out"):
        schedule.done("b")
    with pytest.raises(ValueError, match="not added"):
        schedule.done("z")
    assert schedule.get_ready() == ("a",)
    schedule.done("a")
    with pytest.raises(ValueError, match="already marked done"):
        schedule.done("a")
    assert schedule.get_ready() == ("b",)
    assert schedule.get_ready() == ()
    assert Schedule().get_ready() == ()
