"""The passes of `hooks_bench.py` (signed deliveries, their replays, plain starts), sent by either
load generator: `h11` (requests built before the pass, `_h11sender`) or `httpx` (built and sent
by an httpx client during the pass, as the bench did first). Each pass also reports the sender
process's own CPU per request, so a reader sees what the load generator took from the machine."""

from __future__ import annotations

import resource
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import anyio
import httpx
import orjson
from _h11sender import Prepared, prepare, send_prepared

from harmonia.signing import signed_headers

__all__ = ["SENDERS", "Pass", "deliveries", "starts"]

SENDERS = ("h11", "httpx")
HOOK_PATH = "/api/v1/hooks/bench"


@dataclass
class Pass:
    """What one pass measured; `ids`: delivery id -> the execution it started."""

    count: int
    elapsed: float = 0.0
    latencies: list[float] = field(default_factory=list)
    ids: dict[str, str] = field(default_factory=dict)
    sender_cpu: float = 0.0
    """CPU seconds (user + system) of this process during the pass."""

    def sender_line(self, sender: str) -> str:
        return f"sender ({sender}) CPU per request: {self.sender_cpu / self.count * 1000:.2f} ms"


def _self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _timed(result: Pass, run: Callable[[], None]) -> Pass:
    """`run()` (the pass itself), with this process's CPU meanwhile put in `result`."""
    cpu = _self_cpu()
    run()
    result.sender_cpu = _self_cpu() - cpu
    return result


def _checked(
    expected: int,
    ids: dict[str, str] | None,
    result: Pass,
    delivery_id: str,
    status: int,
    body: bytes,
) -> None:
    """A delivery's answer as the bench demands: the status, and a replay names the same
    execution as its first delivery."""
    if status != expected:
        raise SystemExit(f"delivery {delivery_id}: {status} {body[:300]!r}")
    execution_id = orjson.loads(body)["execution_id"]
    if ids is not None and ids[delivery_id] != execution_id:
        raise SystemExit(f"replay of {delivery_id} named another execution")
    result.ids[delivery_id] = execution_id


def deliveries(
    sender: str, url: str, secret: str, count: int, concurrency: int, ids: dict[str, str] | None
) -> Pass:
    """Deliver `count` signed bodies; with `ids` (a first pass's answers) expect replays."""
    result = Pass(count)
    expected = 200 if ids is not None else 201
    names = [f"bench-{n}" for n in range(count)]
    if sender == "httpx":
        return _timed(
            result,
            lambda: anyio.run(
                _httpx_deliveries, url, secret, names, expected, concurrency, ids, result
            ),
        )
    requests: list[Prepared] = []
    for n, delivery_id in enumerate(names):
        body = orjson.dumps({"n": n})
        requests.append(
            prepare(url, HOOK_PATH, body, signed_headers(secret, body, delivery_id=delivery_id))
        )

    def check(index: int, status: int, body: bytes) -> None:
        _checked(expected, ids, result, names[index], status, body)

    def run() -> None:
        answer = anyio.run(send_prepared, url, requests, concurrency, check)
        result.elapsed, result.latencies = answer.elapsed, answer.latencies

    return _timed(result, run)


async def _httpx_deliveries(
    url: str,
    secret: str,
    names: list[str],
    expected: int,
    concurrency: int,
    ids: dict[str, str] | None,
    result: Pass,
) -> None:
    remaining = iter(enumerate(names))
    limits = httpx.Limits(max_connections=concurrency * 2)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as http:

        async def sender() -> None:
            for n, delivery_id in remaining:
                body = orjson.dumps({"n": n})
                headers = signed_headers(secret, body, delivery_id=delivery_id)
                began = time.perf_counter()
                answer = await http.post(HOOK_PATH, content=body, headers=headers)
                result.latencies.append(time.perf_counter() - began)
                _checked(expected, ids, result, delivery_id, answer.status_code, answer.content)

        began = time.perf_counter()
        async with anyio.create_task_group() as tg:
            for _ in range(concurrency):
                tg.start_soon(sender)
        result.elapsed = time.perf_counter() - began


def starts(
    sender: str, url: str, auth: dict[str, str], workflow_id: str, count: int, concurrency: int
) -> Pass:
    """The baseline: `count` executions started through `POST /api/v1/executions`."""
    result = Pass(count)
    path = "/api/v1/executions"

    def check(index: int, status: int, body: bytes) -> None:
        if status != 201:
            raise SystemExit(f"start {index}: {status} {body[:300]!r}")
        result.ids[str(index)] = orjson.loads(body)["id"]

    if sender == "httpx":

        async def run_httpx() -> None:
            remaining = iter(range(count))
            limits = httpx.Limits(max_connections=concurrency * 2)
            async with httpx.AsyncClient(
                base_url=url, headers=auth, timeout=60, limits=limits
            ) as http:

                async def starter() -> None:
                    for n in remaining:
                        body = {"workflow_id": workflow_id, "input": {"n": n}}
                        began = time.perf_counter()
                        answer = await http.post(path, json=body)
                        result.latencies.append(time.perf_counter() - began)
                        check(n, answer.status_code, answer.content)

                began = time.perf_counter()
                async with anyio.create_task_group() as tg:
                    for _ in range(concurrency):
                        tg.start_soon(starter)
                result.elapsed = time.perf_counter() - began

        return _timed(result, lambda: anyio.run(run_httpx))
    headers = {**auth, "Content-Type": "application/json"}
    requests = [
        prepare(url, path, orjson.dumps({"workflow_id": workflow_id, "input": {"n": n}}), headers)
        for n in range(count)
    ]

    def run() -> None:
        answer = anyio.run(send_prepared, url, requests, concurrency, check)
        result.elapsed, result.latencies = answer.elapsed, answer.latencies

    return _timed(result, run)
