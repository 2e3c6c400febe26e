"""`harmonia approve` against a real `harmoniad`: approve, reject with a reason, `show` of a
waiting execution, and the refusals (a task that is not waiting, an unknown id: exit 2)."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from helpers.daemon_testing import Harmoniad, gated_workflow, start_waiting

from harmonia.cli.main import main
from harmonia.client import Client

Cli = Callable[..., subprocess.CompletedProcess[str]]

GATED = gated_workflow("gated-cli", "release it?", timeout="1d")


@pytest.fixture
def client(daemon: Harmoniad) -> Iterator[Client]:
    with Client(daemon.url, daemon.token) as connected:
        yield connected


def test_show_then_approve_with_a_reason(cli: Cli, client: Client, daemon: Harmoniad) -> None:
    execution_id = start_waiting(client, GATED)
    shown = cli("show", execution_id, "--url", daemon.url)
    assert shown.returncode == 0, shown.stderr
    assert re.search(r"^gate +waiting +1 ", shown.stdout, re.M)
    assert "waiting for approval:" in shown.stdout
    assert re.search(r"^  gate: release it\? \(until .*, then reject\)$", shown.stdout, re.M)
    assert f"harmonia approve {execution_id} TASK" in shown.stdout

    done = cli("approve", execution_id[:10], "gate", "--reason", "QA signed off")
    assert done.returncode == 0, done.stderr
    assert f"gate of {execution_id} approved by cli: QA signed off" in done.stderr
    final = client.wait(execution_id, timeout=30)
    assert final.status == "completed"
    assert final.tasks["gate"].output["by"] == "cli"
    assert final.tasks["gate"].output["reason"] == "QA signed off"
    assert final.tasks["deploy"].status == "completed"


def test_reject_then_deciding_again_exits_2(cli: Cli, client: Client) -> None:
    execution_id = start_waiting(client, GATED)
    done = cli("approve", execution_id, "gate", "--reject", "--reason", "too late", "--json")
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert (record["decision"], record["by"], record["reason"]) == ("rejected", "cli", "too late")
    final = client.wait(execution_id, timeout=30)
    assert final.status == "failed"
    assert final.tasks["gate"].error is not None
    assert final.tasks["gate"].error["kind"] == "rejected"

    again = cli("approve", execution_id, "gate")
    assert again.returncode == 2
    assert "not waiting for approval" in again.stderr
    events = client.events_page(execution_id).items
    assert [e.type for e in events].count("approval_decided") == 1  # nothing recorded


def test_unknown_execution_or_task_exits_2(cli: Cli, client: Client) -> None:
    assert cli("approve", "no-such-execution", "gate").returncode == 2
    execution_id = start_waiting(client, GATED)
    missing = cli("approve", execution_id, "nope")
    assert missing.returncode == 2
    assert "no task 'nope'" in missing.stderr
    assert cli("approve", execution_id, "gate", "--by", "tester").returncode == 0


def test_run_in_process_waits_for_a_gates_timeout_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    flow = tmp_path / "gate.json"
    document = json.loads(json.dumps(GATED))
    document["tasks"]["gate"]["input"] = {"message": "go?", "timeout": 0.2, "on_timeout": "reject"}
    flow.write_text(json.dumps(document), encoding="utf-8")
    monkeypatch.setenv("NO_COLOR", "1")
    code = main(["run", str(flow), "--data-dir", str(tmp_path / "data"), "--json"])
    captured = capsys.readouterr()
    assert code == 1  # rejected by its timeout: the execution failed
    assert "gate waits for approval (its timeout decides it here)" in captured.err
    assert re.search(r"gate +rejected +by timeout", captured.err)
    final = json.loads(captured.out)
    assert final["status"] == "failed"
    assert final["tasks"]["gate"]["error"]["kind"] == "rejected"


def test_run_in_process_stops_at_a_gate_no_timeout_decides_leaving_it_for_a_daemon(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """It followed forever ("no timeout decides it"): nobody can decide a gate in this
    process. It now stops at rest (exit 5, the execution resumable) and says how to decide;
    a daemon started on the data folder takes the execution up and `approve` ends it."""
    flow = tmp_path / "gate.json"
    document = gated_workflow("gated-here", "ship it?")  # no timeout
    flow.write_text(json.dumps(document), encoding="utf-8")
    data = tmp_path / "data"
    monkeypatch.setenv("NO_COLOR", "1")
    assert main(["run", str(flow), "--data-dir", str(data)]) == 5
    captured = capsys.readouterr()
    assert "gate waits for approval and no timeout decides it: nothing in this process can" in (
        captured.err
    )
    (execution_id,) = re.findall(r"harmonia approve (\S+) gate", captured.out)
    assert f"start `harmoniad --data-dir {data}` (it takes the execution up)" in captured.out
    with Harmoniad(data) as daemon, daemon.client() as api:
        decided = api.post(f"/api/v1/executions/{execution_id}/tasks/gate/approve", json={})
        assert decided.status_code == 200, decided.text
        assert daemon.wait_finished(execution_id)["status"] == "completed"


WITH_A_SLOW_BRANCH = GATED | {
    "tasks": GATED["tasks"]
    | {"slow": {"component": "core", "action": "sleep", "input": {"seconds": 0.3}}}
}


def test_submit_watch_stops_once_the_run_waits_for_a_person(
    cli: Cli, client: Client, tmp_path: Path
) -> None:
    """`--watch` follows the run while anything runs (the slow branch) and stops once only a
    gate waits, saying so and how to decide, exit 5: a person decides, maybe hours later."""
    flow = tmp_path / "gated.json"
    flow.write_text(json.dumps(WITH_A_SLOW_BRANCH), encoding="utf-8")
    done = cli("submit", flow, "--watch")
    assert done.returncode == 5, done.stderr
    err = done.stderr
    stop = err.index("harmonia: gate waits for approval; stopped following")
    assert re.search(r"slow +completed", err[:stop])  # followed to the end of what ran
    assert re.search(r"^  gate: release it\? \(until .*, then reject\)$", err, re.M)
    found = re.search(r"execution (\S+) started", err)
    assert found is not None
    execution_id = found.group(1)
    assert f"  decide: harmonia approve {execution_id} TASK" in err
    assert f"  follow: harmonia watch {execution_id}" in err
    now = client.get_execution(execution_id)
    assert (now.status, now.tasks["gate"].status) == ("running", "waiting")


def test_retry_of_a_gate_stops_when_it_asks_again(
    cli: Cli, client: Client, daemon: Harmoniad
) -> None:
    execution_id = start_waiting(client, GATED)
    assert cli("approve", execution_id, "gate", "--reject").returncode == 0
    assert client.wait(execution_id, timeout=30).status == "failed"
    done = cli("retry", execution_id, "gate", "--url", daemon.url, "--json")
    assert done.returncode == 5, done.stderr
    assert "retrying gate" in done.stderr
    assert "gate waits for approval; stopped following" in done.stderr
    assert json.loads(done.stdout)["tasks"]["gate"]["status"] == "waiting"
    # it waits in the daemon, which goes on with it once a person decides
    assert cli("approve", execution_id, "gate").returncode == 0
    assert client.wait(execution_id, timeout=30).status == "completed"


@pytest.mark.parametrize(
    "command",
    [("resume",), ("retry", "gate", "--dry-run"), ("skip", "gate"), ("complete", "gate")],
)
def test_a_command_on_an_execution_the_daemon_runs_says_how_to_ask_it(
    cli: Cli, client: Client, daemon: Harmoniad, command: tuple[str, ...]
) -> None:
    """Without --url these commands work in this process, which cannot take an execution the
    local daemon runs: the refusal named only the daemon's pid; it now says how to ask it."""
    execution_id = start_waiting(client, GATED)
    args = [*command, "--output", "1"] if command[0] == "complete" else list(command)
    refused = cli(args[0], execution_id, *args[1:])
    assert refused.returncode == 2, refused.stderr
    assert "is being run by another process" in refused.stderr
    assert f"ask it with --url {daemon.url} (or set HARMONIA_URL={daemon.url})" in refused.stderr
    assert "Traceback" not in refused.stderr
