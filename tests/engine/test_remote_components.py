"""Tasks that call a remote component's tools (Tekton's MCP v2 dialect) through the engine:
results, the attempt's context, each kind of failure and whether it retries, the task's
time-out and a cancel aborting the call, `${components.NAME.url}`, and one pooled connection.

The component is a real HTTP server on loopback (`helpers.fake_component`). Every test runs on
asyncio and on trio (see `anyio_backend` in conftest.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from helpers._serve import ThreadedServer
from helpers.engine_probe import FAST_RETRY, engine_options, run_to_end
from helpers.fake_component import FakeComponent
from helpers.workflows import task

from harmonia.components import ComponentRegistry, default_registry
from harmonia.components.remote import RemoteComponent
from harmonia.engine import open_engine
from harmonia.events import EventType
from harmonia.loader import load_workflow_dict
from harmonia.model import Workflow
from harmonia.state import ExecutionState

pytestmark = pytest.mark.anyio


@pytest.fixture
def server(fake: FakeComponent) -> Iterator[ThreadedServer]:
    with fake.serve() as running:
        yield running


@pytest.fixture
def registry(server: ThreadedServer) -> ComponentRegistry:
    return default_registry(declared={"rhetor": server.url}, env={})


def remote_workflow(
    registry: ComponentRegistry, action: str, input: dict[str, Any], **task: Any
) -> Workflow:
    return load_workflow_dict(
        {
            "name": "remote",
            "tasks": {"call": {"component": "rhetor", "action": action, "input": input, **task}},
        },
        registry=registry,
    )


async def run_remote(
    data_dir: Path, registry: ComponentRegistry, action: str, input: dict[str, Any], **task: Any
) -> ExecutionState:
    """The one-task workflow calling rhetor's `action`, run to its end."""
    async with open_engine(data_dir, registry, **engine_options()) as engine:
        return await run_to_end(engine, remote_workflow(registry, action, input, **task))


async def test_a_task_calls_a_remote_tool_with_its_attempts_context(
    data_dir: Path, fake: FakeComponent, registry: ComponentRegistry
) -> None:
    state = await run_remote(data_dir, registry, "Echo", {"message": "hi ", "times": 2})
    task = state.tasks["call"]
    assert task.status == "completed", task.error
    context = {"execution_id": state.id, "task_id": "call", "attempt": 1, "caller": "harmonia"}
    assert task.output == {"echo": "hi hi ", "context": context}
    (call,) = fake.calls
    assert (call.tool, call.arguments, call.context) == (
        "Echo",
        {"message": "hi ", "times": 2},
        context,
    )


async def test_a_tools_own_error_fails_the_task_with_its_text_and_is_not_retried(
    data_dir: Path, fake: FakeComponent, registry: ComponentRegistry
) -> None:
    policy = {**FAST_RETRY, "max_retries": 3}
    state = await run_remote(
        data_dir, registry, "Fail", {"message": "prompt rejected"}, retry_policy=policy
    )
    task = state.tasks["call"]
    assert (task.status, task.attempts) == ("failed", 1)
    assert task.error is not None
    assert task.error["kind"] == "remote_error"
    assert task.error["message"] == "rhetor.Fail failed: prompt rejected"
    assert task.error["details"]["error"] == "prompt rejected"
    assert len(fake.calls) == 1


async def test_a_tools_transient_error_is_retried(
    data_dir: Path, fake: FakeComponent, registry: ComponentRegistry
) -> None:
    policy = {**FAST_RETRY, "max_retries": 1}
    message = {"message": "provider timed out"}
    state = await run_remote(data_dir, registry, "Fail", message, retry_policy=policy)
    assert (state.tasks["call"].status, state.tasks["call"].attempts) == ("failed", 2)
    assert [c.context["attempt"] for c in fake.calls if c.context] == [1, 2]


async def test_a_5xx_answer_is_retried_and_the_next_attempt_succeeds(
    data_dir: Path, fake: FakeComponent, registry: ComponentRegistry
) -> None:
    fake.fail_next(503)
    wf = remote_workflow(registry, "Noop", {}, retry_policy={**FAST_RETRY, "max_retries": 2})
    async with open_engine(data_dir, registry, **engine_options()) as engine:
        started = await engine.start(wf)
        events = [e async for e in engine.subscribe(started.id, after_seq=0, until_finished=True)]
        state = await engine.wait(started.id)
    (retry,) = [e for e in events if e.type == EventType.RETRY_ATTEMPTED]
    assert retry.data["error"]["kind"] == "http_server_error"
    assert "answered HTTP 503" in retry.data["error"]["message"]
    assert (state.tasks["call"].status, state.tasks["call"].attempts) == ("completed", 2)


async def test_a_refused_connection_is_a_retryable_connection_failure(
    data_dir: Path, server: ThreadedServer, registry: ComponentRegistry
) -> None:
    wf = remote_workflow(registry, "Noop", {}, retry_policy={**FAST_RETRY, "max_retries": 1})
    server.stop()
    async with open_engine(data_dir, registry, **engine_options()) as engine:
        state = await run_to_end(engine, wf)
    task = state.tasks["call"]
    assert (task.status, task.attempts) == ("failed", 2)
    assert task.error is not None and task.error["kind"] == "connection"
    assert server.url in task.error["message"]


async def test_a_component_that_comes_back_is_called_on_the_next_attempt(
    data_dir: Path, fake: FakeComponent, server: ThreadedServer, registry: ComponentRegistry
) -> None:
    policy = {**FAST_RETRY, "max_retries": 5, "initial_delay": 0.2}
    wf = remote_workflow(registry, "Noop", {}, retry_policy=policy)
    server.stop()
    async with open_engine(data_dir, registry, **engine_options()) as engine:
        started = await engine.start(wf)
        async for event in engine.subscribe(started.id, after_seq=0, until_finished=True):
            if event.type == EventType.RETRY_ATTEMPTED and not fake.calls:
                await anyio.to_thread.run_sync(server.start)  # back, same port
        state = await engine.wait(started.id)
    assert state.tasks["call"].status == "completed"
    assert len(fake.calls) == 1


async def test_the_tasks_timeout_aborts_the_call(
    data_dir: Path, fake: FakeComponent, registry: ComponentRegistry
) -> None:
    wf = remote_workflow(registry, "Slow", {"seconds": 30}, timeout=0.5)
    async with open_engine(data_dir, registry, **engine_options()) as engine:
        with anyio.fail_after(10):
            state = await run_to_end(engine, wf)
    task = state.tasks["call"]
    assert task.status == "failed" and task.error is not None
    assert task.error["kind"] == "timeout"
    assert (await anyio.to_thread.run_sync(fake.wait_for_abort)).tool == "Slow"


async def test_a_cancel_aborts_the_call_in_flight(
    data_dir: Path, fake: FakeComponent, registry: ComponentRegistry
) -> None:
    wf = remote_workflow(registry, "Slow", {"seconds": 30})
    async with open_engine(data_dir, registry, **engine_options()) as engine:
        started = await engine.start(wf)
        await anyio.to_thread.run_sync(fake.wait_for_calls, 1)
        with anyio.fail_after(10):
            await engine.cancel(started.id)
            state = await engine.wait(started.id)
    assert (state.status, state.tasks["call"].status) == ("canceled", "canceled")
    assert (await anyio.to_thread.run_sync(fake.wait_for_abort)).tool == "Slow"


async def test_components_url_gives_a_plain_rest_component_its_base_url(
    data_dir: Path, registry: ComponentRegistry
) -> None:
    wf = load_workflow_dict(
        {
            "name": "rest",
            "tasks": {
                "health": task("http.request", input={"url": "${components.rhetor.url}/health"})
            },
        },
        registry=registry,
    )
    async with open_engine(data_dir, registry, **engine_options()) as engine:
        state = await run_to_end(engine, wf)
    output = state.tasks["health"].output
    assert output["status"] == 200 and output["json"]["status"] == "healthy"


async def test_calls_share_one_pooled_connection_closed_with_the_engine(
    data_dir: Path, fake: FakeComponent, registry: ComponentRegistry
) -> None:
    tasks = {f"t{i}": task("rhetor.Noop", depends_on=[f"t{i - 1}"] if i else []) for i in range(5)}
    wf = load_workflow_dict({"name": "chain", "tasks": tasks}, registry=registry)
    async with open_engine(data_dir, registry, **engine_options()) as engine:
        state = await run_to_end(engine, wf)
        remote = registry.get("rhetor")
        assert isinstance(remote, RemoteComponent) and remote._client is not None
    assert state.status == "completed"
    assert len({call.peer for call in fake.calls}) == 1  # one connection for five calls
    assert remote._client is None  # closed with the engine


async def test_a_component_gone_from_every_source_fails_its_task_saying_where_it_looked(
    data_dir: Path, registry: ComponentRegistry
) -> None:
    wf = remote_workflow(registry, "Noop", {})  # loaded while it was declared
    elsewhere = default_registry(env={})  # a later process that does not know it
    async with open_engine(data_dir, elsewhere, **engine_options()) as engine:
        state = await run_to_end(engine, wf)
    task = state.tasks["call"]
    assert task.status == "failed" and task.error is not None
    assert task.error["kind"] == "connection"
    assert (
        "component 'rhetor' not found; looked in: declared components (none"
        in (task.error["message"])
    )


async def test_an_engine_reaches_components_on_both_backends_with_one_registry(
    data_dir: Path, fake: FakeComponent, registry: ComponentRegistry, anyio_backend: str
) -> None:
    """The registry's pooled client belongs to one event loop: a registry used again on
    another loop (as tests and a restarted embedded daemon do) makes a new one."""
    wf = remote_workflow(registry, "Noop", {})
    for _ in range(2):
        async with open_engine(data_dir, registry, **engine_options()) as engine:
            assert (await run_to_end(engine, wf)).status == "completed"
    assert len(fake.calls) == 2


async def test_a_components_url_found_nowhere_at_run_time_is_a_connection_failure(
    data_dir: Path, registry: ComponentRegistry
) -> None:
    task = {"component": "http", "action": "request", "input": {"url": "${components.rhetor.url}"}}
    wf = load_workflow_dict({"name": "rest", "tasks": {"get": task}}, registry=registry)
    elsewhere = default_registry(env={})  # a later process that does not know rhetor
    async with open_engine(data_dir, elsewhere, **engine_options()) as engine:
        state = await run_to_end(engine, wf)
    error = state.tasks["get"].error
    assert error is not None and error["kind"] == "connection"
    assert error["message"].startswith(
        "${components.rhetor.url}: component 'rhetor' not found; looked in: declared"
    )
