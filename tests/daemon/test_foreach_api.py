"""A `for_each` execution through a real `harmoniad`: the task list shows each item with its
task and index, the task its item count, and an operator retry of one item (`fan[1]`, brackets
in the URL) runs that item again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from helpers.daemon_testing import Harmoniad

from harmonia.client import Client


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Harmoniad]:
    with Harmoniad(tmp_path / "data") as running:
        yield running


def fan_workflow(flag: Path) -> dict[str, object]:
    """Item `bad` fails until `flag` exists."""
    check = 'test "$1" != bad || test -e "$2"'
    return {
        "name": "fan-api",
        "tasks": {
            "fan": {
                "component": "shell",
                "action": "run",
                "for_each": ["ok", "bad", "fine"],
                "max_parallel": 2,
                "input": {"command": ["sh", "-c", check, "sh", "${item}", str(flag)]},
            },
            "after": {
                "component": "core",
                "action": "echo",
                "depends_on": ["fan"],
                "input": {"n": "${tasks.fan.output[2].exit_code}"},
            },
        },
    }


def test_items_in_the_task_list_and_a_retry_of_one_item(
    daemon: Harmoniad, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HARMONIA_TOKEN", raising=False)
    flag = tmp_path / "fixed"
    with Client(daemon.url, data_dir=daemon.data_dir) as client:
        started = client.start_execution(workflow=fan_workflow(flag))
        failed = client.wait(started.id, timeout=30)
        assert failed.status == "failed"
        tasks = failed.tasks
        assert tasks["fan"].status == "failed" and tasks["fan"].item_count == 3
        assert [tasks[f"fan[{i}]"].status for i in range(3)] == ["completed", "failed", "completed"]
        assert (tasks["fan[1]"].parent, tasks["fan[1]"].index) == ("fan", 1)
        assert tasks["after"].status == "pending"

        flag.touch()
        retried = client.retry_task(started.id, "fan[1]")
        assert retried.reset == ["fan[1]", "fan", "after"]
        done = client.wait(started.id, timeout=30)
    assert done.status == "completed"
    assert done.tasks["fan[1]"].attempts == 2
    assert done.tasks["fan[0]"].attempts == 1
    assert done.tasks["after"].output == {"n": 0}
    # the raw API document, as the dashboard and other clients read it
    raw = httpx.get(
        f"{daemon.url}/api/v1/executions/{started.id}",
        headers={"Authorization": f"Bearer {daemon.token}"},
    ).json()
    assert raw["tasks"]["fan[2]"]["parent"] == "fan" and raw["tasks"]["fan"]["item_count"] == 3
