"""`--json` of an execution is streamed task by task: it must stay the very bytes of
`print_json(state.to_public())`, which clients and `jq` scripts already read."""

from __future__ import annotations

import io
import sys

import orjson
import pytest

from harmonia.cli.output import print_execution_json, print_json
from harmonia.state import ExecutionState, TaskState


class _Stdout:
    def __init__(self) -> None:
        self.buffer = io.BytesIO()

    def flush(self) -> None:
        pass


def _written(monkeypatch: pytest.MonkeyPatch, write: object, *args: object) -> bytes:
    out = _Stdout()
    monkeypatch.setattr(sys, "stdout", out)
    write(*args)  # type: ignore[operator]
    return out.buffer.getvalue()


def _state(count: int) -> ExecutionState:
    ids = [f"t{i}" for i in range(count)] + (['odd-"id"\n\u00e9'] if count else [])
    tasks = {tid: {"component": "core", "action": "echo"} for tid in ids}
    for index, tid in enumerate(ids[1:]):
        tasks[tid]["depends_on"] = [ids[index]]
    state = ExecutionState.new("e1", {"name": "w", "tasks": tasks}, {"x": [1, "é"]}, 1.5)
    for index, tid in enumerate(ids):
        state.tasks[tid] = TaskState(
            status="completed" if index % 2 else "failed",
            attempts=1,
            output={"text": "line\nbreak", "n": index} if index % 2 else None,
            error=None if index % 2 else {"message": "no\nluck", "kind": "error"},
            started_at=1_796_000_000.25 + index,
            finished_at=1_796_000_000.75 + index,
            history=[{"attempt": 1, "started_at": 1_796_000_000.25, "status": "completed"}],
        )
    return state


@pytest.mark.parametrize("count", [0, 1, 3, 1100])
def test_streamed_document_is_the_whole_document_byte_for_byte(
    monkeypatch: pytest.MonkeyPatch, count: int
) -> None:
    state = _state(count)
    whole = _written(monkeypatch, print_json, state.to_public())
    streamed = _written(monkeypatch, print_execution_json, state)
    assert streamed == whole
    assert orjson.loads(streamed)["tasks"].keys() == state.tasks.keys()
