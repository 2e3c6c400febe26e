"""The Python clients' approval calls against a real `harmoniad`: sync and async, with who
decides (`by`) and why, and a `ConflictError` for a task that is not waiting."""

from __future__ import annotations

from typing import Any

import pytest
from helpers.daemon_testing import Harmoniad, start_waiting

from harmonia.client import AsyncClient, Client, ConflictError

GATED: dict[str, Any] = {
    "name": "gated-client",
    "tasks": {
        "gate": {"component": "core", "action": "approve", "input": {"message": "go?"}},
        "after": {"component": "core", "action": "echo", "depends_on": ["gate"]},
    },
}


def test_the_sync_client_approves(daemon: Harmoniad) -> None:
    with Client(daemon.url, daemon.token) as client:
        execution_id = start_waiting(client, GATED)
        with pytest.raises(ConflictError):
            client.approve_task(execution_id, "after")
        result = client.approve_task(execution_id, "gate", reason="fine", by="release-bot")
        assert (result.decision, result.by, result.reason) == ("approved", "release-bot", "fine")
        assert result.timed_out is False
        final = client.wait(execution_id, timeout=30)
    assert final.status == "completed"
    assert final.tasks["gate"].output["by"] == "release-bot"


@pytest.mark.anyio
async def test_the_async_client_rejects_as_itself(daemon: Harmoniad) -> None:
    with Client(daemon.url, daemon.token) as sync:
        execution_id = start_waiting(sync, GATED)
    async with AsyncClient(daemon.url, daemon.token) as client:
        result = await client.reject_task(execution_id, "gate", reason="no")
        assert (result.decision, result.by) == ("rejected", "harmonia-client")
        final = await client.wait(execution_id, timeout=30)
    assert final.status == "failed"
    assert final.tasks["gate"].error is not None
    assert final.tasks["gate"].error["message"] == "rejected by harmonia-client: no"
