"""DAG shapes shared by the benchmarks: a chain and a seeded random DAG."""

from __future__ import annotations

import random
from typing import Any


def chain(n: int) -> dict[str, list[str]]:
    """t0 <- t1 <- ... : every task depends on the one before."""
    return {f"t{i}": ([f"t{i - 1}"] if i else []) for i in range(n)}


def random_dag(
    n: int, *, seed: int = 7, max_deps: int = 3, window: int = 50
) -> dict[str, list[str]]:
    """Each task depends on up to `max_deps` of the previous `window` tasks."""
    rng = random.Random(seed)
    graph: dict[str, list[str]] = {}
    for i in range(n):
        lo = max(0, i - window)
        k = min(i - lo, rng.randint(0, max_deps))
        graph[f"t{i}"] = [f"t{j}" for j in sorted(rng.sample(range(lo, i), k))]
    return graph


def gated_workflow(name: str, graph: dict[str, list[str]], gate_seconds: float) -> dict[str, Any]:
    """The DAG behind a `gate` task that sleeps while the clients connect; its roots depend on
    the gate, so the DAG proper starts when the gate completes."""
    document = echo_workflow(name, {t: deps or ["gate"] for t, deps in graph.items()})
    document["tasks"]["gate"] = {
        "component": "core",
        "action": "sleep",
        "input": {"seconds": gate_seconds},
    }
    return document


def echo_workflow(
    name: str, graph: dict[str, list[str]], *, max_concurrency: int = 64
) -> dict[str, Any]:
    """A workflow document of `core.echo` tasks with the given shape."""
    return {
        "name": name,
        "max_concurrency": max_concurrency,
        "tasks": {
            tid: {"component": "core", "action": "echo", "depends_on": deps, "input": {"i": tid}}
            for tid, deps in graph.items()
        },
    }
