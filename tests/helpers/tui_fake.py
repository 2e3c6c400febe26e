"""A canned daemon for the TUI's snapshot tests: fixed documents served over httpx's mock
transport, so the real `AsyncClient` (and every code path of the app) runs against data whose
ids and times never change. Event streams send their history and then stay open, as a live
daemon's do. Behaviour is tested against a real daemon elsewhere (tests/tui/test_pilot_*.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

import anyio
import httpx
import orjson
from harmonia_tui.app import HarmoniaApp
from harmonia_tui.connection import STREAM_RECONNECT, Connection

from harmonia.client import AsyncClient

__all__ = ["ETL_EXECUTION", "LEGACY_EXECUTION", "NOW", "FakeDaemon", "fake_app"]

NOW = datetime(2026, 1, 2, 3, 5, 0, tzinfo=UTC)
"""The fixed clock of every snapshot."""
START = NOW - timedelta(seconds=42)
URL = "http://harmonia.test:8007"


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def at(seconds: float) -> str:
    return iso(START + timedelta(seconds=seconds))


# ---- the workflow on screen --------------------------------------------------------------------

ETL_TASKS: dict[str, dict[str, Any]] = {
    "extract": {"component": "shell", "action": "run", "input": {"command": "seq 1 ${input.rows}"}},
    "validate": {
        "component": "python",
        "action": "call",
        "depends_on": ["extract"],
        "description": "check every row parses",
        "input": {"function": "json:loads", "args": ["${tasks.extract.output.stdout}"]},
    },
    "clean": {"component": "core", "action": "echo", "depends_on": ["extract"], "input": {}},
    "enrich": {
        "component": "http",
        "action": "request",
        "depends_on": ["clean"],
        "input": {"method": "GET", "url": "https://example.test/geo?rows=${input.rows}"},
        "retry_policy": {"max_retries": 3, "initial_delay": 1},
    },
    "aggregate": {"component": "core", "action": "echo", "depends_on": ["validate", "clean"]},
    "load_db": {
        "component": "shell",
        "action": "run",
        "depends_on": ["aggregate"],
        "input": {"command": "psql ${env.DATABASE_URL} -f load.sql"},
    },
    "report": {
        "component": "core",
        "action": "echo",
        "depends_on": ["aggregate", "enrich"],
        "when": "input.report",
    },
    "notify": {"component": "core", "action": "echo", "depends_on": ["report", "load_db"]},
    "archive": {"component": "core", "action": "echo", "depends_on": ["extract"]},
}

ETL_DOCUMENT: dict[str, Any] = {
    "name": "nightly-etl",
    "version": "2.1.0",
    "description": "Extract, validate, enrich and publish the nightly sales data.",
    "input": {
        "rows": {"type": "integer", "default": 12, "minimum": 1, "description": "Rows to fetch."},
        "region": {"type": "string", "enum": ["north", "south"], "description": "Sales region."},
        "report": {"type": "boolean", "default": True},
    },
    "tasks": ETL_TASKS,
}


def _attempt(n: int, start: float, end: float | None, status: str | None, error: Any = None) -> Any:
    out: dict[str, Any] = {"attempt": n, "started_at": at(start)}
    if end is not None:
        out.update({"finished_at": at(end), "status": status})
    if error is not None:
        out["error"] = error
    return out


def _task(
    status: str,
    attempts: int = 0,
    start: float | None = None,
    end: float | None = None,
    output: Any = None,
    error: Any = None,
    history: list[Any] | None = None,
) -> dict[str, Any]:
    return {
        "status": status,
        "attempts": attempts,
        "output": output,
        "error": error,
        "started_at": at(start) if start is not None else None,
        "finished_at": at(end) if end is not None else None,
        "duration": (end - start) if start is not None and end is not None else None,
        "history": history or [],
    }


ENRICH_ERROR = {
    "kind": "http_status",
    "message": "GET https://example.test/geo: 503 Service Unavailable",
}
LOAD_ERROR = {
    "kind": "exit_code",
    "message": "command exited with code 2: psql: connection refused",
}

ETL_EXECUTION: dict[str, Any] = {
    "id": "20260102-030418-a1b2c3",
    "workflow": "nightly-etl",
    "workflow_version": "2.1.0",
    "status": "running",
    "input": {"rows": 12, "region": "north", "report": True},
    "created_at": at(0),
    "started_at": at(0),
    "finished_at": None,
    "duration": None,
    "error": None,
    "restored_from": None,
    "last_seq": 0,  # set below
    "counts": {},
    "tasks": {
        "extract": _task(
            "completed",
            1,
            0.0,
            1.25,
            {"stdout": "1\n2\n3\n", "exit_code": 0},
            history=[_attempt(1, 0.0, 1.25, "completed")],
        ),
        "validate": _task(
            "completed", 1, 1.3, 1.9, [1, 2, 3], history=[_attempt(1, 1.3, 1.9, "completed")]
        ),
        "clean": _task(
            "completed", 1, 1.3, 2.0, {"rows": 3}, history=[_attempt(1, 1.3, 2.0, "completed")]
        ),
        "enrich": _task(
            "retrying",
            2,
            4.2,
            None,
            error=ENRICH_ERROR,
            history=[
                _attempt(1, 2.1, 3.1, "failed", ENRICH_ERROR),
                _attempt(2, 4.2, 5.2, "failed", ENRICH_ERROR),
            ],
        ),
        "aggregate": _task(
            "completed", 1, 2.1, 2.4, {"total": 640}, history=[_attempt(1, 2.1, 2.4, "completed")]
        ),
        "load_db": _task(
            "failed",
            1,
            2.5,
            3.0,
            error=LOAD_ERROR,
            history=[_attempt(1, 2.5, 3.0, "failed", LOAD_ERROR)],
        ),
        "report": _task("pending"),
        "notify": _task("pending"),
        "archive": _task("running", 1, 30.0, None, history=[_attempt(1, 30.0, None, None)]),
    },
}


def _event(seq: int, kind: str, t: float, task: str | None = None, **data: Any) -> dict[str, Any]:
    return {
        "seq": seq,
        "type": kind,
        "execution_id": ETL_EXECUTION["id"],
        "task_id": task,
        "timestamp": at(t),
        "data": data,
    }


def _etl_events() -> list[dict[str, Any]]:
    enrich = {"method": "GET", "url": "https://example.test/geo?rows=12"}
    raw: list[tuple[str, float, str | None, dict[str, Any]]] = [
        ("workflow_started", 0.0, None, {"task_count": 9, "workflow": "nightly-etl"}),
        ("task_started", 0.0, "extract", {"attempt": 1, "input": {"command": "seq 1 12"}}),
        ("task_completed", 1.25, "extract", {"attempt": 1, "duration": 1.25}),
        (
            "task_started",
            1.3,
            "validate",
            {"attempt": 1, "input": {"function": "json:loads", "args": ["1\n2\n3\n"]}},
        ),
        ("task_started", 1.3, "clean", {"attempt": 1, "input": {}}),
        ("task_completed", 1.9, "validate", {"attempt": 1, "duration": 0.6}),
        ("task_completed", 2.0, "clean", {"attempt": 1, "duration": 0.7}),
        ("task_started", 2.1, "enrich", {"attempt": 1, "input": enrich}),
        ("task_started", 2.1, "aggregate", {"attempt": 1, "input": {}}),
        ("task_completed", 2.4, "aggregate", {"attempt": 1, "duration": 0.3}),
        (
            "task_started",
            2.5,
            "load_db",
            {"attempt": 1, "input": {"command": "psql *** -f load.sql"}},
        ),
        ("task_failed", 3.0, "load_db", {"attempt": 1, "duration": 0.5, "error": LOAD_ERROR}),
        ("retry_attempted", 3.1, "enrich", {"attempt": 1, "delay": 1.0, "error": ENRICH_ERROR}),
        ("task_started", 4.2, "enrich", {"attempt": 2, "input": enrich}),
        ("retry_attempted", 5.2, "enrich", {"attempt": 2, "delay": 2.0, "error": ENRICH_ERROR}),
        ("checkpoint_created", 20.0, None, {"name": "periodic at seq 15"}),
        ("task_started", 30.0, "archive", {"attempt": 1, "input": {}}),
    ]
    return [_event(i + 1, kind, t, task, **data) for i, (kind, t, task, data) in enumerate(raw)]


ETL_EVENTS = _etl_events()
ETL_EXECUTION["last_seq"] = len(ETL_EVENTS)
for _tid, _info in ETL_EXECUTION["tasks"].items():
    _info["depends_on"] = list(ETL_TASKS[_tid].get("depends_on", []))

LEGACY_EXECUTION: dict[str, Any] = {
    **ETL_EXECUTION,
    "id": "20260102-030001-d4e5f6",
    "tasks": {
        tid: {k: v for k, v in info.items() if k != "depends_on"}
        for tid, info in ETL_EXECUTION["tasks"].items()
    },
}
"""The same execution as a daemon from before `depends_on` and recorded inputs sends it."""
LEGACY_EVENTS = [
    {
        **event,
        "execution_id": LEGACY_EXECUTION["id"],
        "data": {k: v for k, v in event["data"].items() if k != "input"},
    }
    for event in ETL_EVENTS
]


def _summary(doc: dict[str, Any]) -> dict[str, Any]:
    tasks = doc.get("tasks", {})
    return {
        "id": doc["id"],
        "workflow": doc["workflow"],
        "status": doc["status"],
        "created_at": doc["created_at"],
        "started_at": doc["started_at"],
        "finished_at": doc["finished_at"],
        "task_count": doc.get("task_count", len(tasks)),
        "done_count": doc.get(
            "done_count", sum(t["status"] in ("completed", "skipped") for t in tasks.values())
        ),
        "failed_count": doc.get(
            "failed_count", sum(t["status"] == "failed" for t in tasks.values())
        ),
        "interrupted": doc.get("interrupted", False),
        "restored_from": None,
        "last_seq": doc.get("last_seq", 0),
    }


def _other(
    idx: int,
    workflow: str,
    status: str,
    age: float,
    took: float | None,
    total: int,
    done: int,
    failed: int = 0,
) -> dict[str, Any]:
    created = NOW - timedelta(seconds=age)
    return {
        "id": f"20260102-{idx:06d}-{idx * 7919 % 999999:06x}",
        "workflow": workflow,
        "status": status,
        "created_at": iso(created),
        "started_at": iso(created),
        "finished_at": iso(created + timedelta(seconds=took)) if took is not None else None,
        "task_count": total,
        "done_count": done,
        "failed_count": failed,
    }


OTHER_EXECUTIONS = [
    _other(25958, "diamond", "completed", 95, 1.43, 6, 6),
    _other(25521, "flaky-retry", "failed", 600, 7.5, 5, 3, 1),
    _other(24112, "long-dag", "paused", 3900, None, 28, 11),
    _other(23001, "when-branch", "canceled", 90000, 0.8, 8, 2),
]

WORKFLOWS: list[dict[str, Any]] = [
    {
        "id": "wf-0c1d2e3f4a5b",
        "name": "nightly-etl",
        "version": "2.1.0",
        "description": ETL_DOCUMENT["description"],
        "task_count": len(ETL_TASKS),
        "template": False,
        "created_at": iso(NOW - timedelta(days=3)),
        "updated_at": iso(NOW - timedelta(hours=5)),
        "document": ETL_DOCUMENT,
    },
    {
        "id": "wf-9a8b7c6d5e4f",
        "name": "diamond",
        "version": "1.0.0",
        "description": "Fan out to two parallel branches and join their results.",
        "task_count": 6,
        "template": False,
        "created_at": iso(NOW - timedelta(days=1)),
        "updated_at": iso(NOW - timedelta(days=1)),
        "document": {"name": "diamond", "tasks": {}},
    },
]


# ---- the transport ---------------------------------------------------------------------------


class _OpenStream(httpx.AsyncByteStream):
    """An SSE body: the given messages, then silence until the client closes it."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self.body:
            yield self.body
        await anyio.sleep_forever()

    async def aclose(self) -> None:
        return None


def _sse(events: list[dict[str, Any]], all_executions: bool) -> bytes:
    out = bytearray()
    for event in events:
        sse_id = f"{event['execution_id']}:{event['seq']}" if all_executions else str(event["seq"])
        out += f"id: {sse_id}\nevent: {event['type']}\ndata: ".encode()
        out += orjson.dumps(event) + b"\n\n"
    return bytes(out)


def _json(document: Any, status: int = 200) -> httpx.Response:
    return httpx.Response(
        status, content=orjson.dumps(document), headers={"content-type": "application/json"}
    )


class FakeDaemon:
    """Routes the API's paths to the canned documents."""

    def __init__(self) -> None:
        self.executions = {
            ETL_EXECUTION["id"]: ETL_EXECUTION,
            LEGACY_EXECUTION["id"]: LEGACY_EXECUTION,
        }
        self.events = {ETL_EXECUTION["id"]: ETL_EVENTS, LEGACY_EXECUTION["id"]: LEGACY_EVENTS}
        self.summaries = [_summary(ETL_EXECUTION), *[_summary(o) for o in OTHER_EXECUTIONS]]
        self.workflows = {w["id"]: w for w in WORKFLOWS}
        self.requests: list[str] = []

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    async def handle(self, request: httpx.Request) -> httpx.Response:
        path = unquote(request.url.path)
        self.requests.append(f"{request.method} {path}")
        parts = [p for p in path.split("/") if p]
        if path == "/health":
            return _json({"status": "ok", "version": "0.1.0"})
        if path == "/api/v1/executions":
            items = self.summaries
            return _json({"items": items, "total": len(items), "limit": 500, "offset": 0})
        if parts[:3] == ["api", "v1", "executions"] and len(parts) == 4:
            doc = self.executions.get(parts[3])
            if doc is None:
                return _json(
                    {
                        "status": 404,
                        "code": "not_found",
                        "message": f"no execution '{parts[3]}'",
                        "details": None,
                    },
                    404,
                )
            return _json(doc)
        if parts[:3] == ["api", "v1", "executions"] and parts[4:] == ["events"]:
            after = int(request.url.params.get("after", "0"))
            items = [e for e in self.events.get(parts[3], []) if e["seq"] > after]
            return _json({"items": items, "next_after": items[-1]["seq"] if items else after})
        plan = parts[:3] == ["api", "v1", "executions"] and parts[6:] == ["retry-plan"]
        if plan and parts[3] in self.executions:
            return _json(self.retry_plan(parts[3], parts[5]))
        if path == "/api/v1/workflows":
            items = [
                {k: v for k, v in w.items() if k != "document"} for w in self.workflows.values()
            ]
            return _json({"items": items, "total": len(items), "limit": 200, "offset": 0})
        if parts[:3] == ["api", "v1", "workflows"] and len(parts) == 4:
            return _json(self.workflows[parts[3]])
        if parts[:2] == ["events", "executions"]:
            after = int(
                request.headers.get("last-event-id") or request.url.params.get("after") or 0
            )
            events = [e for e in self.events.get(parts[2], []) if e["seq"] > after]
            return httpx.Response(
                200,
                headers={"content-type": "text/event-stream"},
                stream=_OpenStream(_sse(events, False)),
            )
        if path == "/events":
            return httpx.Response(
                200, headers={"content-type": "text/event-stream"}, stream=_OpenStream(b"")
            )
        if request.method == "POST":
            return _json(
                {
                    "status": 409,
                    "code": "conflict",
                    "message": "not in the snapshot daemon",
                    "details": None,
                },
                409,
            )
        return _json({"status": 404, "code": "not_found", "message": path, "details": None}, 404)

    def retry_plan(self, execution_id: str, task_id: str) -> dict[str, Any]:
        """The ETL graph's answer: the task and what is below it; the input as the canned
        workflow declares it (an `${env.*}` reference stays one, as the engine records it)."""
        below, seen = [task_id], {task_id}
        for tid, spec in ETL_TASKS.items():
            if any(d in seen for d in spec.get("depends_on", ())):
                below.append(tid)
                seen.add(tid)
        status = self.executions[execution_id]["tasks"][task_id]["status"]
        return {
            "execution_id": execution_id,
            "task_id": task_id,
            "status": status,
            "reset": below,
            "unexpanded": [],
            "allowed": True,
            "refusal": None,
            "input": ETL_TASKS[task_id].get("input"),
        }


def fake_app(*, ascii: bool = False, open_execution: str | None = None) -> HarmoniaApp:
    daemon = FakeDaemon()
    client = AsyncClient(
        URL, "snapshot-token", transport=daemon.transport(), reconnect=STREAM_RECONNECT
    )
    connection = Connection(client, health_interval=3600)
    return HarmoniaApp(
        connection,
        clock=lambda: NOW,
        ascii=ascii,
        description=f"daemon {URL}",
        open_execution=open_execution,
        watch_health=False,
    )
