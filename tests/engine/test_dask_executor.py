"""The Dask executor against a real LocalCluster (2 worker processes, one per module): every
movable component gives what it gives in the engine, and retries, timeouts, cancel, resources,
a killed worker and a result for a given-up attempt are the engine's business, as locally."""

from __future__ import annotations

import http.server
import importlib.util
import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
import pytest

if importlib.util.find_spec("distributed") is None:
    pytest.skip("distributed is not installed", allow_module_level=True)

from helpers.dask_cluster import local_cluster
from helpers.waiting import wait_until_async

from harmonia.engine import open_engine
from harmonia.executors.base import CONNECT_TIMEOUT
from harmonia.loader import load_workflow_dict
from harmonia.state import ExecutionState

if TYPE_CHECKING:
    from harmonia.executors.dask import DaskExecutor

pytestmark = pytest.mark.anyio

FUNCS = "helpers.dask_funcs"


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    with local_cluster() as cluster:
        yield str(cluster.scheduler_address)


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/json":
            body, status = json.dumps({"hello": "dask"}).encode(), 200
        else:
            body, status = b"no such page", 404
        self.send_response(status)
        self.send_header("Content-Type", "application/json" if status == 200 else "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def web() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


async def _executor(scheduler: str) -> DaskExecutor:
    """The engine's Dask executor, imported here: Dask's import (~0.5 s of CPU) is then paid by
    the worker that runs these tests, not by every worker that merely collects them."""
    from harmonia.executors.dask import DaskExecutor

    return await DaskExecutor.start(scheduler, None, CONNECT_TIMEOUT)


def _workflow(tasks: dict[str, Any], **extra: Any) -> Any:
    return load_workflow_dict({"name": "dask-test", "tasks": tasks, **extra})


async def _run(
    data_dir: Path, tasks: dict[str, Any], scheduler: str | None, **extra: Any
) -> tuple[ExecutionState, list[dict[str, Any]]]:
    executor = None if scheduler is None else await _executor(scheduler)
    async with open_engine(data_dir, executor=executor) as engine:
        state = await engine.start(_workflow(tasks, **extra))
        with anyio.fail_after(90):
            final = await engine.wait(state.id)
        events = [e.to_dict() for e in engine.store.read_events(state.id)]
    return final, events


def _outcome(task: Any) -> dict[str, Any]:
    """What must match between the engine and a worker (not timings, pids or dates)."""
    output = task.output
    if isinstance(output, dict) and "headers" in output:
        output = {k: v for k, v in output.items() if k != "headers"}
    error = None if task.error is None else (task.error["kind"], task.error["message"])
    return {"status": str(task.status), "output": output, "error": error}


def _components(web: str) -> dict[str, Any]:
    def shell(command: Any, **more: Any) -> dict[str, Any]:
        return {"component": "shell", "action": "run", "input": {"command": command, **more}}

    def python(function: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        call = {"function": function, "args": list(args), "kwargs": kwargs}
        return {"component": "python", "action": "call", "input": call}

    def http(path: str) -> dict[str, Any]:
        return {"component": "http", "action": "request", "input": {"url": web + path}}

    return {
        "sh_ok": shell("echo out; echo err >&2"),
        "sh_argv": shell(["printf", "%s|", "a b", "${input.word}"]),
        "sh_stdin": shell("tr a-z A-Z", stdin="quiet"),
        "sh_exit": shell("echo broken >&2; exit 3"),
        "sh_missing": shell(["no-such-program-here"]),
        "sh_bad_input": shell("echo", timeout="${input.negative}"),
        "py_ok": python(f"{FUNCS}:add", 1, 2, times=3),
        "py_raise": python(f"{FUNCS}:boom", "no"),
        "py_not_json": python(f"{FUNCS}:not_json"),
        "py_missing": python("helpers.no_such_module:f"),
        "http_ok": http("/json"),
        "http_404": http("/missing"),
    }


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_every_component_gives_on_a_worker_what_it_gives_in_the_engine(
    tmp_path: Path, scheduler: str, web: str, anyio_backend: str
) -> None:
    tasks = _components(web)
    inputs = {
        "input": {
            "word": {"type": "string", "default": "w"},
            "negative": {"type": "integer", "default": -1},
        }
    }
    local, _ = await _run(tmp_path / "local", tasks, None, **inputs)
    remote, events = await _run(tmp_path / "dask", tasks, scheduler, **inputs)
    for tid in tasks:
        assert _outcome(remote.tasks[tid]) == _outcome(local.tasks[tid]), tid
    assert remote.tasks["sh_ok"].output["stdout"] == "out\n"
    assert remote.tasks["sh_argv"].output["stdout"] == "a b|w|"
    assert remote.tasks["py_ok"].output == {"sum": 9, "pid_is_int": True}
    assert remote.tasks["http_ok"].output["json"] == {"hello": "dask"}
    kinds = {tid: (t.error or {}).get("kind") for tid, t in remote.tasks.items()}
    assert kinds["sh_exit"] == "exit_code" and kinds["py_raise"] == "exception"
    assert kinds["py_not_json"] == "output" and kinds["http_404"] == "http_client_error"
    assert kinds["sh_bad_input"] == "invalid_input" and kinds["py_missing"] == "invalid_input"
    assert remote.tasks["sh_exit"].error["details"]["exit_code"] == 3
    # each attempt started and ended once in the journal, exactly as in the engine
    ends = [e for e in events if e["type"] in ("task_completed", "task_failed")]
    assert len(ends) == len(tasks)


async def test_python_runs_in_the_worker_processes_not_the_engine(
    tmp_path: Path, scheduler: str
) -> None:
    tasks = {f"p{i}": {"component": "python", "action": "call",
                       "input": {"function": f"{FUNCS}:pid"}} for i in range(4)}  # fmt: skip
    tasks["each"] = {
        "component": "python",
        "action": "call",
        "for_each": [1, 2, 3],
        "input": {"function": f"{FUNCS}:add", "args": ["${item}", "${index}"]},
    }
    final, _ = await _run(tmp_path, tasks, scheduler)
    pids = {final.tasks[tid].output for tid in tasks if tid != "each"}
    assert os.getpid() not in pids and all(isinstance(p, int) for p in pids)
    # the items of a for_each task go to the cluster too, each one an attempt of its own
    assert [final.tasks[f"each[{i}]"].output["sum"] for i in range(3)] == [1, 3, 5]


async def test_a_failure_is_retried_by_the_engine_policy_each_try_an_attempt(
    tmp_path: Path, scheduler: str
) -> None:
    marker = str(tmp_path / "calls")
    tasks = {
        "flaky": {
            "component": "python",
            "action": "call",
            "input": {"function": f"{FUNCS}:fail_until", "args": [marker, 2]},
            "retry_policy": {"max_retries": 3, "initial_delay": 0.01},
        }
    }
    final, events = await _run(tmp_path / "data", tasks, scheduler)
    task = final.tasks["flaky"]
    assert (task.status, task.attempts, task.output) == ("completed", 3, 3)
    retries = [e["data"] for e in events if e["type"] == "retry_attempted"]
    assert [r["error"]["kind"] for r in retries] == ["exception", "exception"]
    assert retries[0]["error"]["message"] == "RuntimeError: call 1 fails"


def _process_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # a zombie (not reaped yet) has stopped running too
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] in ("Z", "X")


def _slow_command(pidfile: Path, **extra: Any) -> dict[str, Any]:
    """One task, `slow`: a shell command that writes its pid to `pidfile`, then sleeps 60 s."""
    command = f"echo $$ > {pidfile}; exec sleep 60"
    return {"slow": {"component": "shell", "action": "run", "input": {"command": command}, **extra}}


async def test_a_timeout_fails_the_attempt_and_kills_the_command_on_the_worker(
    tmp_path: Path, scheduler: str
) -> None:
    pidfile = tmp_path / "pid"
    tasks = _slow_command(pidfile, timeout=1.5)
    final, _ = await _run(tmp_path / "data", tasks, scheduler)
    task = final.tasks["slow"]
    assert task.status == "failed"
    assert task.error == {"kind": "timeout", "message": "attempt 1 timed out after 1.5s"}
    pid = int(pidfile.read_text())
    await wait_until_async(lambda: _process_gone(pid), 45, "the command to be killed")


async def test_cancel_cancels_the_future_and_kills_the_command_on_the_worker(
    tmp_path: Path, scheduler: str
) -> None:
    pidfile = tmp_path / "pid"
    tasks = _slow_command(pidfile)
    executor = await _executor(scheduler)
    async with open_engine(tmp_path / "data", executor=executor) as engine:
        state = await engine.start(_workflow(tasks))
        await wait_until_async(lambda: pidfile.exists() and pidfile.read_text(), 30, "a start")
        pid = int(pidfile.read_text())
        await engine.cancel(state.id)
        with anyio.fail_after(30):
            final = await engine.wait(state.id)
        assert final.status == "canceled" and final.tasks["slow"].status == "canceled"
        await wait_until_async(lambda: _process_gone(pid), 45, "the command to be killed")
        await wait_until_async(lambda: executor.ledger.waiting == 0, 45, "nothing awaited")


async def test_resources_go_to_dask_a_task_runs_only_where_they_are(
    tmp_path: Path, scheduler: str
) -> None:
    def task(resources: dict[str, Any]) -> dict[str, Any]:
        return {
            "component": "python",
            "action": "call",
            "input": {"function": f"{FUNCS}:pid"},
            "resources": resources,
            "timeout": 3,
        }

    tasks = {"fits": task({"GPU": 1}), "too_big": task({"GPU": 2}), "unknown": task({"TPU": 1})}
    final, _ = await _run(tmp_path, tasks, scheduler)
    assert final.tasks["fits"].status == "completed"
    # no worker has 2 GPUs or any TPU: Dask never starts them, the engine's timeout ends them
    for tid in ("too_big", "unknown"):
        assert final.tasks[tid].error == {
            "kind": "timeout",
            "message": "attempt 1 timed out after 3s",
        }


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_a_killed_worker_is_a_worker_lost_attempt_and_the_engine_retries(
    tmp_path: Path, scheduler: str, anyio_backend: str
) -> None:
    marker = tmp_path / "died"
    tasks = {
        "fragile": {
            "component": "python",
            "action": "call",
            "input": {"function": f"{FUNCS}:die_first", "args": [str(marker)]},
            "retry_policy": {"max_retries": 2, "initial_delay": 0.01},
        }
    }
    final, events = await _run(tmp_path / "data", tasks, scheduler)
    task = final.tasks["fragile"]
    assert (task.status, task.attempts, task.output) == ("completed", 2, "survived")
    retry = next(e["data"] for e in events if e["type"] == "retry_attempted")
    assert retry["attempt"] == 1 and retry["error"]["kind"] == "worker_lost"
    assert _process_gone(int(marker.read_text()))
    # the nanny starts a new worker: the module's later tests see two again
    executor = await _executor(scheduler)
    try:
        with anyio.fail_after(60):
            while (await executor.describe())["workers"] < 2:  # noqa: ASYNC110 (a poll)
                await anyio.sleep(0.1)
    finally:
        await executor.aclose()


async def test_a_result_for_an_attempt_no_longer_awaited_is_ignored_and_recorded(
    tmp_path: Path, scheduler: str
) -> None:
    from harmonia.executors.dask import submission_key

    tasks = {"once": {"component": "python", "action": "call",
                      "input": {"function": f"{FUNCS}:add", "args": [2, 2]}}}  # fmt: skip
    executor = await _executor(scheduler)
    async with open_engine(tmp_path / "data", executor=executor) as engine:
        state = await engine.start(_workflow(tasks))
        with anyio.fail_after(60):
            final = await engine.wait(state.id)
        key = submission_key(state.id, "once", 1)
        # the same key again (a duplicate completion), and a stale attempt's
        assert not executor.ledger.deliver(key, ("ok", b'{"sum": 99}'))
        stale = submission_key(state.id, "once", 7)
        executor.ledger.expect(stale)
        executor.ledger.abandon(stale, "timed out")
        assert not executor.ledger.deliver(stale, ("ok", b"1"))
        assert executor.ledger.ignored == 2
        assert [r["key"] for r in executor.ledger.recent] == [key, stale]
        status = await executor.describe()
        assert status["ignored_results"] == 2 and status["workers"] == 2
        events = engine.store.read_events(state.id)
    assert final.tasks["once"].output == {"sum": 4, "pid_is_int": True}
    assert [e.type for e in events].count("task_completed") == 1
