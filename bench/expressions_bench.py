"""How fast expressions are refused and rendered: the timing that tests/expressions/test_limits.py
does not assert (a test asserts what a limit does, a bench how long it takes).

Prints, per hostile input, the worst time to refuse it, and the cost of one render plus one
evaluation of compiled expressions. `--quick` runs a few rounds only, to check that it works.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

from harmonia.expressions import ExpressionError, compile_condition, compile_template


def hostile() -> dict[str, Callable[[], object]]:
    """The inputs test_limits.py refuses, by name."""
    deep: Any = "${input.a}"
    for _ in range(1000):
        deep = [deep]
    cyclic: list[Any] = []
    cyclic.append(cyclic)
    cases: dict[str, Callable[[], object]] = {
        "long condition": lambda: compile_condition(" or ".join(["input.a == 1"] * 1000)),
        "long reference": lambda: compile_template("${input." + "a" * 100_000 + "}"),
        "500 parentheses": lambda: compile_condition("(" * 500 + "1" + ")" * 500),
        "400 nots": lambda: compile_condition("not " * 400 + "true"),
        "10,000 parentheses": lambda: compile_condition("(" * 10_000 + "1" + ")" * 10_000),
        "deep template": lambda: compile_template(deep),
        "cyclic template": lambda: compile_template(cyclic),
        "200,000 values": lambda: compile_template(list(range(200_000))),
        "20,000 references": lambda: compile_template("${input.a}" * 20_000),
    }
    return cases


def worst_refusal(action: Callable[[], object], rounds: int) -> float:
    worst = 0.0
    for _ in range(rounds):
        started = time.perf_counter()
        try:
            action()
        except ExpressionError:
            pass
        else:
            raise SystemExit("a hostile input was accepted")
        worst = max(worst, time.perf_counter() - started)
    return worst


def render_cost(calls: int) -> float:
    """Seconds per render + evaluate of compiled expressions."""
    context = {"input": {"limit": 5}, "tasks": {"fetch": {"output": {"status_code": 200}}}}
    template = compile_template({"x": "${input.limit}", "y": [1, 2]})
    condition = compile_condition("tasks.fetch.output.status_code == 200 and input.limit > 0")
    started = time.perf_counter()
    for _ in range(calls):
        template.render(context)
        condition.evaluate(context)
    return (time.perf_counter() - started) / calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few rounds: does it run?")
    args = parser.parse_args()
    rounds, calls = (2, 1_000) if args.quick else (20, 100_000)
    for name, action in hostile().items():
        print(f"refuse {name:<20} worst of {rounds}: {worst_refusal(action, rounds) * 1e3:8.2f} ms")
    print(f"render + evaluate: {render_cost(calls) * 1e6:.2f} µs per call ({calls} calls)")


if __name__ == "__main__":
    main()
