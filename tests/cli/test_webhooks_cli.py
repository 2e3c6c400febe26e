"""`harmonia webhooks deliveries` against a real daemon and receiver: each delivery with its
attempts (a failed one, then the answer that delivered it), filters, JSON, and bad options."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Iterator

import pytest
from helpers.daemon_testing import Harmoniad, echo_workflow, start_execution
from helpers.waiting import wait_until
from helpers.webhook_receiver import Receiver, receiver

from harmonia.cli.main import main

Cli = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def hook() -> Iterator[Receiver]:
    with receiver(statuses=[502]) as found:
        yield found


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory, hook: Receiver) -> Iterator[Harmoniad]:
    folder = tmp_path_factory.mktemp("cli-webhooks") / "data"
    args = ("--notify", hook.url, "--notify-events", "workflow_completed")
    with Harmoniad(folder, *args, "--webhook-retry-delay", "0.05") as running:
        yield running


@pytest.fixture(scope="module")
def execution_id(daemon: Harmoniad, hook: Receiver) -> str:
    with daemon.client() as api:
        found = start_execution(api, echo_workflow())
    hook.wait_for(2)
    return found


def test_a_delivery_with_its_attempts(cli: Cli, execution_id: str) -> None:
    def delivered() -> str | None:
        shown = cli("webhooks", "deliveries", "--execution", execution_id)
        return shown.stdout if "delivered" in shown.stdout else None

    text = wait_until(delivered, 30, "the delivery to show as delivered")
    assert "workflow_completed" in text and execution_id in text
    assert "#1" in text and "502" in text and "answered HTTP 502" in text
    assert "#2" in text and "200" in text


def test_json_and_filters(cli: Cli, execution_id: str) -> None:
    wait_until(
        lambda: json.loads(cli("webhooks", "--status", "delivered", "--json").stdout)["items"],
        30,
        "a delivered delivery",
    )
    page = json.loads(cli("webhooks", "deliveries", "--json").stdout)
    (item,) = page["items"]
    assert item["execution_id"] == execution_id and page["total"] == 1
    assert [a["status_code"] for a in item["attempts"]] == [502, 200]
    prefix = cli("webhooks", "deliveries", "--execution", execution_id[:12], "--json")
    assert [i["id"] for i in json.loads(prefix.stdout)["items"]] == [item["id"]]
    failed = json.loads(cli("webhooks", "deliveries", "--status", "failed", "--json").stdout)
    assert failed["items"] == []


def test_an_unknown_execution_is_refused_by_name(cli: Cli) -> None:
    other = cli("webhooks", "deliveries", "--execution", "no-such-run")
    assert other.returncode == cli("show", "no-such-run").returncode == 2
    assert "no execution 'no-such-run'" in other.stderr
    assert other.stdout == ""


def test_bad_options_exit_2(cli: Cli) -> None:
    assert cli("webhooks", "deliveries", "--status", "lost").returncode == 2
    assert cli("webhooks", "deliveries", "--offset", "-1").returncode == 2


def test_help_names_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["webhooks", "--help"])
    assert "--execution" in capsys.readouterr().out
