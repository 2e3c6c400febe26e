"""harmonia.client against a real `harmoniad` subprocess: every method, the error answers, and
event streams that survive the daemon being killed with -9 and restarted."""

from __future__ import annotations

import threading
from collections.abc import AsyncGenerator, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import anyio
import pytest
import yaml
from helpers.daemon_testing import Harmoniad, chain_workflow, echo_workflow, sleep_workflow

from harmonia.client import (
    AsyncClient,
    Checkpoint,
    Client,
    ConflictError,
    Event,
    Execution,
    NotFoundError,
    Reconnect,
    UnauthorizedError,
    ValidationError,
)

SAMPLE_TEMPLATE = (
    Path(__file__).resolve().parents[2] / "sample_workflows" / "greeting_template.yaml"
)

# the workflow as YAML text, the body a user writes (echo_workflow's tasks and input)
ECHO_YAML = yaml.safe_dump(
    {**echo_workflow("greet"), "version": "1.0.0", "description": "say hello, then goodbye"},
    sort_keys=False,
)

INVALID_YAML = """\
name: broken
tasks:
  a:
    component: core
    action: echo
    depends_on: [missing]
"""

TERMINAL = {"workflow_completed", "workflow_failed", "workflow_canceled"}


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harmoniad]:
    with Harmoniad(tmp_path_factory.mktemp("client-daemon") / "data") as running:
        yield running


@pytest.fixture
def client(daemon: Harmoniad, monkeypatch: pytest.MonkeyPatch) -> Iterator[Client]:
    monkeypatch.delenv("HARMONIA_TOKEN", raising=False)
    monkeypatch.delenv("HARMONIA_URL", raising=False)
    # the token is found in the daemon's data folder, as the CLI finds it
    with Client(daemon.url, data_dir=daemon.data_dir) as connected:
        yield connected


def _seqs(events: list[Event]) -> list[int]:
    return [e.seq for e in events]


async def _whole_stream(stream: AsyncGenerator[Event, None]) -> list[Event]:
    """Every event of an execution's stream (SSE or WebSocket) to its end, checked gapless."""
    try:
        history = [event async for event in stream]
    finally:
        await stream.aclose()
    assert _seqs(history) == list(range(1, len(history) + 1))
    return history


def _until(events: Iterator[Event], predicate: Any) -> list[Event]:
    seen = []
    for event in events:
        seen.append(event)
        if predicate(event):
            break
    return seen


# ---- service ---------------------------------------------------------------------------------


def test_service_endpoints(client: Client, daemon: Harmoniad) -> None:
    health = client.health()
    assert health.status == "ok"
    assert health.version
    assert (health.component, health.port) == ("harmonia", daemon.port)
    ready = client.ready()
    assert (ready.ready, ready.status, ready.port) == (True, "healthy", daemon.port)
    discovery = client.discovery()
    assert discovery.name == discovery.component == "harmonia"
    assert discovery.metadata["mcp"] == "/mcp" and discovery.dependencies == []
    assert all(e.description for e in discovery.endpoints)
    listed = client.call_tool("ListTemplates")
    assert (listed.status, listed.error) == ("success", None) and listed.result is not None
    refused = client.call_tool("GetWorkflowDefinition", {"workflow_id": "wf-0"})
    assert refused.status == "error" and refused.error and "no workflow" in refused.error
    assert discovery.port == daemon.port
    assert {"GET", "POST"} <= {e.method for e in discovery.endpoints}
    assert "workflow_completed" in discovery.event_types
    assert "/api/v1/executions" in client.openapi()["paths"]


def test_a_wrong_token_is_unauthorized_except_for_health(daemon: Harmoniad) -> None:
    with Client(daemon.url, "not-the-token") as stranger:
        assert stranger.health().status == "ok"
        with pytest.raises(UnauthorizedError) as caught:
            stranger.ready()
    assert caught.value.status == 401
    assert caught.value.code == "unauthorized"


# ---- workflows and templates -----------------------------------------------------------------


def test_workflow_create_list_get_update_delete(client: Client) -> None:
    info = client.create_workflow(ECHO_YAML)
    assert (info.name, info.version, info.task_count) == ("greet", "1.0.0", 2)
    assert info.created_at is not None
    listed = client.list_workflows(limit=1000)
    assert info.id in {w.id for w in listed.items}
    assert listed.total is not None and listed.total >= 1
    stored = client.get_workflow(info.id)
    assert stored.document["name"] == "greet"
    assert set(stored.document["tasks"]) == {"hello", "bye"}

    changed = {**stored.document, "version": "2.0.0"}
    updated = client.update_workflow(info.id, changed)
    assert (updated.id, updated.version) == (info.id, "2.0.0")
    assert client.get_workflow(info.id).version == "2.0.0"

    gone = client.delete_workflow(info.id)
    assert (gone.id, gone.schedules_removed, gone.schedules_disabled) == (info.id, [], [])
    with pytest.raises(NotFoundError):
        client.get_workflow(info.id)
    with pytest.raises(NotFoundError):
        client.delete_workflow(info.id)


def test_json_text_is_accepted(client: Client) -> None:
    import json

    info = client.create_workflow(json.dumps(echo_workflow("as-json")), fmt="json")
    assert info.name == "as-json"


def test_an_invalid_workflow_lists_its_problems(client: Client) -> None:
    with pytest.raises(ValidationError) as caught:
        client.create_workflow(INVALID_YAML)
    error = caught.value
    assert (error.status, error.code) == (422, "validation_error")
    assert error.problems
    assert any("missing" in line for line in error.problems)
    assert any(":6" in line for line in error.problem_lines("broken.yaml"))


def test_templates(client: Client) -> None:
    text = SAMPLE_TEMPLATE.read_text().replace("name: greeting\n", "name: client-greet\n", 1)
    template = client.create_template(text)
    assert template.id in {t.id for t in client.list_templates(limit=1000).items}
    shown = client.get_template("client-greet")
    assert shown.id == template.id and shown.parameters["style"]["enum"] == ["plain", "loud"]
    with pytest.raises(ConflictError):
        client.create_template(text)
    assert client.create_template(text, replace=True).id == template.id
    made = client.instantiate_template("client-greet", {"who": "you"}, name="greet-you")
    assert made.name == "greet-you" and not made.template
    assert made.origin is not None and made.origin.parameters["who"] == "you"
    stored = client.get_workflow(made.id)
    assert stored.origin == made.origin and stored.document["name"] == "greet-you"
    with pytest.raises(ValidationError) as caught:
        client.instantiate_template("client-greet", {"who": "", "times": 11})
    fields = sorted(str(p.get("field")) for p in caught.value.details)
    assert fields == ["parameters.times", "parameters.who"]
    plain = client.create_workflow(ECHO_YAML)
    with pytest.raises(NotFoundError):
        client.get_template(plain.id)
    with pytest.raises(NotFoundError):
        client.instantiate_template("no-such-template")
    client.delete_template(template.id)
    with pytest.raises(NotFoundError):
        client.get_template("client-greet")


# ---- executions ------------------------------------------------------------------------------


def test_an_execution_from_start_to_end(client: Client) -> None:
    info = client.create_workflow(ECHO_YAML)
    started = client.start_execution(info.id, input={"who": "ann"})
    assert isinstance(started, Execution)
    assert set(started.tasks) == {"hello", "bye"}

    final = client.wait(started.id, timeout=30)
    assert final.status == "completed"
    assert final.finished
    assert final.tasks["bye"].output == {"prev": "hi ann"}
    assert final.counts["completed"] == 2
    assert final.input == {"who": "ann"}

    # the whole history over SSE: seq 1.. without gaps, ending with the terminal event
    with closing(client.events(started.id)) as stream:
        history = list(stream)
    assert _seqs(history) == list(range(1, len(history) + 1))
    assert history[0].type == "workflow_started"
    assert history[-1].type == "workflow_completed"
    assert final.last_seq == history[-1].seq

    # the same history, paged
    page = client.events_page(started.id, after=0, limit=2)
    assert _seqs(page.items) == [1, 2]
    assert page.next_after == 2
    rest = client.events_page(started.id, after=page.next_after)
    assert _seqs(page.items + rest.items) == _seqs(history)

    # after the last event of an ended execution: nothing, and the iteration ends
    with closing(client.events(started.id, after=history[-1].seq)) as stream:
        assert list(stream) == []
    with closing(client.events(started.id, after=2)) as stream:
        assert _seqs(list(stream)) == _seqs(history)[2:]

    listed = client.list_executions(status="completed", limit=1000)
    summary = next(s for s in listed.items if s.id == started.id)
    assert (summary.workflow, summary.task_count, summary.done_count) == ("greet", 2, 2)
    assert client.get_execution(started.id).status == "completed"


def test_an_inline_workflow_runs_without_being_stored(client: Client) -> None:
    execution = client.start_execution(workflow=echo_workflow("inline"), input={"who": "bo"})
    assert client.wait(execution.id, timeout=30).tasks["hello"].output == {"msg": "hi bo"}


def test_unknown_ids_are_not_found(client: Client) -> None:
    for call in (
        lambda: client.get_execution("no-such-execution"),
        lambda: client.cancel("no-such-execution"),
        lambda: client.events_page("no-such-execution"),
        lambda: client.restore("no-such-checkpoint"),
        lambda: client.start_execution("no-such-workflow"),
        lambda: list(client.events("no-such-execution")),
    ):
        with pytest.raises(NotFoundError) as caught:
            call()
        assert caught.value.status == 404


def test_cancel_then_conflicts(client: Client) -> None:
    execution = client.start_execution(workflow=sleep_workflow(30))
    with closing(client.events(execution.id)) as stream:
        _until(stream, lambda e: e.type == "task_started")
    canceled = client.cancel(execution.id)
    assert canceled.id == execution.id
    final = client.wait(execution.id, timeout=30)
    assert final.status == "canceled"
    with pytest.raises(ConflictError) as caught:
        client.cancel(execution.id)
    assert (caught.value.status, caught.value.code) == (409, "conflict")
    with pytest.raises(ConflictError):
        client.pause(execution.id)


def test_pause_and_resume(client: Client) -> None:
    execution = client.start_execution(workflow=chain_workflow(4, 0.5))
    with closing(client.events(execution.id)) as stream:
        _until(stream, lambda e: e.type == "task_started")
        paused = client.pause(execution.id)
        assert paused.id == execution.id
        _until(stream, lambda e: e.type == "workflow_paused")
    with pytest.raises(TimeoutError):
        client.wait(execution.id, timeout=1.0)  # a paused execution has not ended
    assert client.get_execution(execution.id).status == "paused"
    resumed = client.resume(execution.id)
    assert resumed.status in ("running", "pending")
    assert client.wait(execution.id, timeout=30).status == "completed"
    with pytest.raises(ConflictError):
        client.resume(execution.id)  # completed: nothing to resume


def test_checkpoint_and_restore(client: Client) -> None:
    execution = client.start_execution(workflow=echo_workflow("to-restore"))
    client.wait(execution.id, timeout=30)
    checkpoint = client.checkpoint(execution.id, name="after the run")
    assert isinstance(checkpoint, Checkpoint)
    assert (checkpoint.execution_id, checkpoint.name) == (execution.id, "after the run")
    assert checkpoint.id in {c.id for c in client.list_checkpoints(execution.id)}
    assert checkpoint.id in {c.id for c in client.list_checkpoints()}
    restored = client.restore(checkpoint.id)
    assert restored.id != execution.id
    assert restored.restored_from is not None
    assert client.wait(restored.id, timeout=30).status == "completed"


def test_retry_a_task(client: Client) -> None:
    execution = client.start_execution(workflow=echo_workflow("to-retry"))
    first = client.wait(execution.id, timeout=30)
    result = client.retry_task(execution.id, "hello")
    assert (result.execution_id, result.task_id) == (execution.id, "hello")
    assert result.reset == ["hello", "bye"]
    final = client.wait(execution.id, timeout=30)
    assert final.status == "completed"
    assert final.last_seq is not None and first.last_seq is not None
    assert final.last_seq > first.last_seq
    # the whole history: the first terminal event does not end the stream, the last one does
    with closing(client.events(execution.id)) as stream:
        history = list(stream)
    assert _seqs(history) == list(range(1, final.last_seq + 1))
    assert [e.type for e in history].count("workflow_completed") == 2
    with pytest.raises(NotFoundError):
        client.retry_task(execution.id, "no-such-task")


def test_components(client: Client) -> None:
    components = {c.name: c for c in client.list_components()}
    assert {"core", "shell", "python", "http"} <= set(components)
    assert "echo" in {a.name for a in components["core"].actions}
    actions = client.component_actions("shell")
    assert "run" in {a.name for a in actions}
    with pytest.raises(NotFoundError):
        client.component_actions("no-such-component")


# ---- streams ---------------------------------------------------------------------------------


def test_the_stream_of_all_executions(client: Client) -> None:
    execution = client.start_execution(workflow=echo_workflow("global"))
    mine: list[Event] = []
    with closing(client.events(after=f"{execution.id}:0")) as stream:
        for event in stream:
            if event.execution_id == execution.id:
                mine.append(event)
                if event.type in TERMINAL:
                    break
    assert _seqs(mine) == list(range(1, len(mine) + 1))
    assert mine[-1].type == "workflow_completed"


def test_a_followed_stream_goes_on_after_the_end(client: Client) -> None:
    execution = client.start_execution(workflow=echo_workflow("followed"))
    client.wait(execution.id, timeout=30)
    with closing(client.events(execution.id, follow=True)) as stream:
        seen = _until(stream, lambda e: e.type == "workflow_completed")
        assert seen[-1].type == "workflow_completed"
        # still open: a retry shows up on the same stream
        client.retry_task(execution.id, "bye")
        after = _until(stream, lambda e: e.type == "workflow_completed")
    assert after[0].type == "workflow_resumed"
    assert _seqs(seen + after) == list(range(1, len(seen) + len(after) + 1))


@pytest.mark.anyio
async def test_the_async_client(daemon: Harmoniad, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HARMONIA_TOKEN", raising=False)
    async with AsyncClient(daemon.url, data_dir=daemon.data_dir) as client:
        assert (await client.health()).status == "ok"
        info = await client.create_workflow(ECHO_YAML)
        execution = await client.start_execution(info.id, input={"who": "cy"})
        history = await _whole_stream(client.events(execution.id))
        assert history[-1].type == "workflow_completed"
        final = await client.wait(execution.id, timeout=30)
        assert final.tasks["bye"].output == {"prev": "hi cy"}
        page = await client.list_executions(limit=1000)
        assert execution.id in {s.id for s in page.items}
        with pytest.raises(ConflictError):
            await client.cancel(execution.id)
        with pytest.raises(NotFoundError):
            await client.get_workflow("no-such-workflow")
        text = SAMPLE_TEMPLATE.read_text().replace("name: greeting\n", "name: async-greet\n", 1)
        template = await client.create_template(text, replace=True)
        assert (await client.get_template(template.id)).name == "async-greet"
        made = await client.instantiate_template("async-greet", {"times": 1})
        assert made.origin is not None and made.origin.template_id == template.id
        with pytest.raises(ValidationError):
            await client.instantiate_template("async-greet", {"times": "1"})
        await client.delete_template("async-greet")
        slow = await client.start_execution(workflow=sleep_workflow(30))
        with pytest.raises(TimeoutError):
            await client.wait(slow.id, timeout=0.5)
        await client.cancel(slow.id)
        assert (await client.wait(slow.id, timeout=30)).status == "canceled"


def test_the_websocket_stream(client: Client, daemon: Harmoniad) -> None:
    execution = client.start_execution(workflow=echo_workflow("over-ws"))
    with closing(client.ws_events(execution.id)) as stream:
        over_ws = list(stream)
    with closing(client.events(execution.id)) as stream:
        over_sse = list(stream)
    assert over_ws == over_sse
    assert over_ws[-1].type == "workflow_completed"
    with closing(client.ws_events(execution.id, after=2)) as stream:
        assert _seqs(list(stream)) == _seqs(over_sse)[2:]
    with pytest.raises(NotFoundError):
        list(client.ws_events("no-such-execution"))
    with Client(daemon.url, "not-the-token") as stranger, pytest.raises(UnauthorizedError):
        list(stranger.ws_events(execution.id))


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])  # the websockets client is asyncio-only
async def test_the_async_websocket_stream(
    daemon: Harmoniad, monkeypatch: pytest.MonkeyPatch, anyio_backend: str
) -> None:
    monkeypatch.delenv("HARMONIA_TOKEN", raising=False)
    async with AsyncClient(daemon.url, data_dir=daemon.data_dir) as client:
        execution = await client.start_execution(workflow=echo_workflow("over-async-ws"))
        history = await _whole_stream(client.ws_events(execution.id))
        assert history[-1].type == "workflow_completed"
        with pytest.raises(NotFoundError):
            async for _event in client.ws_events("no-such-execution"):
                pass


# ---- surviving a crash of the daemon ---------------------------------------------------------


def _restart_on_same_port(daemon: Harmoniad) -> Harmoniad:
    """A new daemon process on the same folder and port (the last --port wins)."""
    return Harmoniad(daemon.data_dir, "--port", str(daemon.port)).start()


@pytest.mark.parametrize("transport", ["sse", "websocket"])
def test_events_resume_exactly_once_after_kill_9(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, transport: str
) -> None:
    monkeypatch.delenv("HARMONIA_TOKEN", raising=False)
    first = Harmoniad(tmp_path / "data").start()
    second: Harmoniad | None = None
    try:
        patient = Reconnect(attempts=40, initial_delay=0.05, max_delay=0.5)
        with Client(first.url, data_dir=first.data_dir, reconnect=patient) as client:
            execution = client.start_execution(workflow=chain_workflow(6, 0.3, "crashy"))
            received: list[Event] = []
            opened = client.events if transport == "sse" else client.ws_events
            with closing(opened(execution.id)) as stream:
                for event in stream:
                    received.append(event)
                    if second is None and event.type == "task_completed":
                        first.kill()  # mid-execution, mid-stream
                        second = _restart_on_same_port(first)
            assert second is not None
            assert second.url == first.url
            history = []
            after = 0
            while True:
                page = client.events_page(execution.id, after=after)
                if not page.items:
                    break
                history.extend(page.items)
                after = page.next_after
            final = client.get_execution(execution.id)
    finally:
        first.kill()
        if second is not None:
            second.terminate()
    assert final.status == "completed"
    assert _seqs(received) == list(range(1, len(received) + 1))  # no gap, no repeat
    assert [(e.seq, e.type, e.task_id) for e in received] == [
        (e.seq, e.type, e.task_id) for e in history
    ]
    assert received[-1].type == "workflow_completed"


@pytest.mark.anyio
async def test_async_events_resume_after_kill_9(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HARMONIA_TOKEN", raising=False)
    first = Harmoniad(tmp_path / "data").start()
    restarted: list[Harmoniad] = []
    try:
        patient = Reconnect(attempts=40, initial_delay=0.05, max_delay=0.5)
        async with AsyncClient(first.url, data_dir=first.data_dir, reconnect=patient) as client:
            execution = await client.start_execution(workflow=chain_workflow(5, 0.3, "crashy"))
            received: list[Event] = []
            stream = client.events(execution.id)
            try:
                async for event in stream:
                    received.append(event)
                    if not restarted and event.type == "task_completed":
                        first.kill()
                        restarted.append(
                            await anyio.to_thread.run_sync(_restart_on_same_port, first)
                        )
            finally:
                await stream.aclose()
            final = await client.get_execution(execution.id)
    finally:
        first.kill()
        for daemon in restarted:
            daemon.terminate()
    assert final.status == "completed"
    assert final.last_seq == received[-1].seq
    assert _seqs(received) == list(range(1, len(received) + 1))


def test_a_stream_outlives_a_clean_restart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SIGTERM closes streams cleanly; the client must take that for a pause, not the end."""
    monkeypatch.delenv("HARMONIA_TOKEN", raising=False)
    first = Harmoniad(tmp_path / "data").start()
    restarted: list[Harmoniad] = []
    try:
        patient = Reconnect(attempts=40, initial_delay=0.05, max_delay=0.5)
        with Client(first.url, data_dir=first.data_dir, reconnect=patient) as client:
            execution = client.start_execution(workflow=chain_workflow(5, 0.3, "restarted"))
            received: list[Event] = []

            def restart() -> None:
                first.terminate()
                restarted.append(_restart_on_same_port(first))

            restarter: threading.Thread | None = None
            with closing(client.events(execution.id)) as stream:
                for event in stream:
                    received.append(event)
                    if restarter is None and event.type == "task_completed":
                        restarter = threading.Thread(target=restart)
                        restarter.start()
            assert restarter is not None
            restarter.join(60)
            final = client.get_execution(execution.id)
    finally:
        first.kill()
        for daemon in restarted:
            daemon.terminate()
    assert final.status == "completed"
    assert _seqs(received) == list(range(1, final.last_seq + 1 if final.last_seq else 0))
