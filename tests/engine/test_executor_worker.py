"""What a Dask worker runs for an attempt, called here directly (no cluster): outcomes travel
as data, the same errors as in the engine, and the worker's own time limit as a safety net."""

from __future__ import annotations

import orjson
import pytest

from harmonia.executors import worker
from harmonia.executors.worker import run_attempt


def _attempt(
    component: str, action: str, payload: object, timeout: float | None = None
) -> worker.SubmittedAttempt:
    return ("k", component, action, payload, "ex", "t", 1, timeout)


def test_an_output_comes_back_as_json_and_an_error_as_its_document() -> None:
    status, body = run_attempt(_attempt("shell", "run", {"command": "echo hi"}))
    assert status == "ok"
    assert orjson.loads(body) == {"exit_code": 0, "stdout": "hi\n", "stderr": ""}
    status, doc = run_attempt(_attempt("shell", "run", {"command": "exit 4"}))
    assert (status, doc["kind"], doc["message"]) == (
        "error",
        "exit_code",
        "command exited with code 4",
    )
    status, body = run_attempt(
        _attempt("python", "call", {"function": "operator:mul", "args": [6, 7]})
    )
    assert (status, orjson.loads(body)) == ("ok", 42)
    status, doc = run_attempt(_attempt("python", "call", {"function": "nope"}))
    assert (status, doc["kind"], doc["retryable"]) == ("error", "invalid_input", False)
    status, doc = run_attempt(_attempt("core", "echo", {}))
    assert doc["message"] == "component 'core' does not run on Dask"


def test_the_worker_stops_an_attempt_the_engine_never_cancelled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(worker, "_GRACE", 0.0)  # the engine is gone: only the worker's limit
    status, doc = run_attempt(_attempt("shell", "run", {"command": "sleep 30"}, timeout=0.3))
    assert (status, doc["kind"]) == ("error", "timeout")
    assert doc["message"] == "attempt 1 was stopped on the worker after 0.3s"
