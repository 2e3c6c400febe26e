"""`harmonia complete`, `harmonia skip`, `harmonia retry --input/--dry-run`, run for real: in
this process on a data folder, and against a real `harmoniad` with `--url`. Bad JSON and
actions that do not apply exit 2 and record nothing. The commands are called in the test's
process (helpers/cli_process.py): what they do is tested here, the `harmonia` process itself
in test_commands.py and test_remote.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers.cli_process import Cli, cli_in_process
from helpers.daemon_testing import Harmoniad, fixable_workflow

from harmonia.client import Client
from harmonia.store import Store

FLOW = fixable_workflow("fixme")


SHELL = {
    "name": "shell-fix",
    "defaults": {"retry_policy": {"max_retries": 0}},
    "tasks": {"t": {"component": "shell", "action": "run", "input": {"command": ["false"]}}},
}


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def cli(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Cli:
    return cli_in_process(home, tmp_path, capsys, monkeypatch)


def failed_run(cli: Cli, tmp_path: Path, document: dict[str, Any]) -> str:
    path = tmp_path / f"{document['name']}.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    run = cli("run", path, "--json")
    assert run.returncode == 1, run.stderr
    return str(json.loads(run.stdout)["id"])


def last_seq(home: Path, execution_id: str) -> int:
    return Store(home).load_execution(execution_id).last_seq


def test_complete_in_this_process(cli: Cli, home: Path, tmp_path: Path) -> None:
    execution_id = failed_run(cli, tmp_path, FLOW)
    before = last_seq(home, execution_id)

    bad = cli("complete", execution_id, "b", "--output", '{"rows": 4')
    assert bad.returncode == 2
    assert "--output: not valid JSON" in bad.stderr
    assert "double quotes" not in bad.stderr  # JSON gone wrong, not a bare word
    word = cli("complete", execution_id, "b", "--output", "done")
    assert word.returncode == 2  # the parser said only "invalid literal, expected 'null'"
    assert word.stderr.rstrip().endswith("""a string is written in double quotes: '"done"'""")
    wrong = cli("complete", execution_id, "a", "--output", "1")
    assert wrong.returncode == 2
    assert "task 'a' is completed; only a canceled, failed, pending or waiting task" in wrong.stderr
    unknown = cli("complete", execution_id, "zz", "--output", "1")
    assert unknown.returncode == 2 and "no task 'zz'" in unknown.stderr
    missing = cli("complete", execution_id, "b")
    assert missing.returncode == 2  # argparse: --output or --output-file is required
    assert last_seq(home, execution_id) == before  # nothing recorded

    done = cli("complete", execution_id, "b", "--output", '{"rows": 42}', "--json")
    assert done.returncode == 0, done.stderr
    assert "b of " in done.stderr and "decided again below it: c" in done.stderr
    document = json.loads(done.stdout)
    assert document["status"] == "completed"
    assert document["tasks"]["c"]["output"] == {"rows": 42}
    assert document["tasks"]["b"]["operator"]["by"] == "cli"

    show = cli("show", execution_id)
    assert show.returncode == 0
    row = next(line for line in show.stdout.splitlines() if line.startswith("b "))
    assert "completed by hand by cli" in row
    events = Store(home).read_events(execution_id)
    fixes = [e for e in events if e.type == "task_completed_by_operator"]
    assert [(e.task_id, e.data["by"]) for e in fixes] == [("b", "cli")]


def test_skip_and_output_file_in_this_process(cli: Cli, home: Path, tmp_path: Path) -> None:
    execution_id = failed_run(cli, tmp_path, FLOW)
    skipped = cli("skip", execution_id, "b", "--reason", "source is down", "--json")
    assert skipped.returncode == 0, skipped.stderr
    document = json.loads(skipped.stdout)
    assert {t: document["tasks"][t]["status"] for t in "abc"} == {
        "a": "completed",
        "b": "skipped",
        "c": "skipped",
    }
    show = cli("show", execution_id)
    assert "skipped by hand by cli: source is down" in show.stdout

    second = failed_run(cli, tmp_path, FLOW)
    (tmp_path / "out.json").write_text('{"rows": [1, 2]}', encoding="utf-8")
    done = cli("complete", second, "b", "--output-file", "out.json", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["tasks"]["c"]["output"] == {"rows": [1, 2]}


def test_retry_dry_run_and_input_override_in_this_process(
    cli: Cli, home: Path, tmp_path: Path
) -> None:
    execution_id = failed_run(cli, tmp_path, FLOW)
    before = last_seq(home, execution_id)
    plan = cli("retry", execution_id, "b", "--dry-run")
    assert plan.returncode == 0, plan.stderr
    assert plan.stdout.split() == ["b", "c"]
    as_json = json.loads(cli("retry", execution_id, "b", "--dry-run", "--json").stdout)
    assert as_json["reset"] == ["b", "c"] and as_json["allowed"] is True
    assert last_seq(home, execution_id) == before  # a preview changes nothing

    shell_id = failed_run(cli, tmp_path, SHELL)
    not_object = cli("retry", shell_id, "t", "--input", "[1]")
    assert not_object.returncode == 2 and "must be a JSON object" in not_object.stderr
    assert not_object.stderr.rstrip().endswith("not array")  # it said Python's "not list"
    broken = cli("retry", shell_id, "t", "--input", "{")
    assert broken.returncode == 2 and "--input: not valid JSON" in broken.stderr
    fixed = cli("retry", shell_id, "t", "--input", '{"command": ["echo", "ok"]}', "--json")
    assert fixed.returncode == 0, fixed.stderr
    document = json.loads(fixed.stdout)
    assert document["tasks"]["t"]["output"]["stdout"].strip() == "ok"
    resumed = [e for e in Store(home).read_events(shell_id) if e.type == "workflow_resumed"]
    assert resumed[-1].data["by"] == "cli"
    assert resumed[-1].data["input"] == {"command": ["echo", "ok"]}


# ---- against a daemon ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harmoniad]:
    with Harmoniad(tmp_path_factory.mktemp("fix-cli-daemon") / "data") as running:
        yield running


def test_the_same_commands_against_a_daemon(
    daemon: Harmoniad,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cli = cli_in_process(daemon.data_dir, tmp_path, capsys, monkeypatch)
    with Client(daemon.url, data_dir=daemon.data_dir) as client:
        first = client.start_execution(workflow=FLOW)
        assert client.wait(first.id, timeout=30).status == "failed"
        second = client.start_execution(workflow=FLOW)
        assert client.wait(second.id, timeout=30).status == "failed"
        url = ("--url", daemon.url)

        plan = cli("retry", first.id, "b", "--dry-run", *url)
        assert plan.returncode == 0, plan.stderr
        assert plan.stdout.split() == ["b", "c"]
        bad = cli("complete", first.id, "b", "--output", "nope", *url)
        assert bad.returncode == 2 and "not valid JSON" in bad.stderr
        wrong = cli("skip", first.id, "a", *url)
        assert wrong.returncode == 2 and "task 'a' is completed" in wrong.stderr

        done = cli("complete", first.id, "b", "--output", '{"rows": 3}', "--json", *url)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["tasks"]["c"]["output"] == {"rows": 3}
        skipped = cli("skip", second.id, "b", *url)
        assert skipped.returncode == 0, skipped.stderr

        final = client.get_execution(first.id)
        assert final.tasks["b"].operator is not None
        assert final.tasks["b"].operator["by"] == "cli"
        assert client.get_execution(second.id).tasks["c"].status == "skipped"
        show = cli("show", first.id, *url)
        assert "completed by hand by cli" in show.stdout
