"""`harmonia hooks` against a real daemon: create (the secret printed once), list, show,
rotate, delete; misuse and refusals exit 2 with nothing stored; `harmonia show` of a run a
delivery started names its hook and delivery."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import orjson
import pytest
from helpers.cli_process import Cli, cli_env, cli_subprocess
from helpers.cli_steps import data_file, stored_echo
from helpers.daemon_testing import Harmoniad

from harmonia.signing import signed_headers


@pytest.fixture(scope="module")
def workflow_id(daemon: Harmoniad) -> str:
    return stored_echo(daemon, "cli-hooked")


def test_create_list_show_rotate_delete(cli: Cli, daemon: Harmoniad, workflow_id: str) -> None:
    created = cli("hooks", "create", "gh", workflow_id, "--map", "who=/sender/login")
    assert created.returncode == 0, created.stderr
    secret = created.stdout.strip()
    assert len(secret) >= 40 and "shown this once" in created.stderr
    assert "POST /api/v1/hooks/gh" in created.stderr
    listed = cli("hooks")
    assert listed.returncode == 0 and "gh" in listed.stdout and "who=/sender/login" in listed.stdout
    assert secret not in listed.stdout
    shown = cli("hooks", "show", "gh", "--json")
    assert json.loads(shown.stdout)["input_map"] == {"who": "/sender/login"}
    assert json.loads(shown.stdout)["secret"] is None

    body = orjson.dumps({"sender": {"login": "octo"}})
    with httpx.Client(base_url=daemon.url) as http:
        headers = signed_headers(secret, body, delivery_id="cli-1")
        answer = http.post("/api/v1/hooks/gh", content=body, headers=headers)
    assert answer.status_code == 201, answer.text
    execution_id = answer.json()["execution_id"]
    daemon.wait_finished(execution_id)
    report = cli("show", execution_id, "--url", daemon.url)
    assert report.returncode == 0, report.stderr
    assert "gh (delivery cli-1)" in report.stdout
    assert f"1 (last: {execution_id})" in cli("hooks").stdout
    assert f"deliveries  1 (last: {execution_id})" in cli("hooks", "show", "gh").stdout
    refused = cli("workflows", "delete", workflow_id, "--url", daemon.url)
    assert refused.returncode == 2 and "inbound hook gh: delete it first" in refused.stderr

    rotated = cli("hooks", "rotate", "gh")
    assert rotated.returncode == 0 and rotated.stdout.strip() not in ("", secret)
    deleted = cli("hooks", "delete", "gh")
    assert deleted.returncode == 0 and "deleted hook gh" in deleted.stderr
    assert cli("hooks", "show", "gh").returncode == 2


def test_misuse_and_refusals_exit_2_and_store_nothing(
    cli: Cli, daemon: Harmoniad, workflow_id: str
) -> None:
    before = data_file(daemon, "hooks.json")
    cases = [
        (("hooks", "create", "x"), "which workflow"),
        (("hooks", "create", "x", workflow_id, "--map", "who"), "INPUT=/json/pointer"),
        (("hooks", "create", "x", workflow_id, "--map", "who=rel"), "starts with '/'"),
        (("hooks", "create", "x", "wf-nope"), "no workflow"),
        (("hooks", "create", "x", workflow_id, "--map", "nope=/a"), "nope"),
        (("hooks", "create", "bad/name", workflow_id), "name"),
        (("hooks", "show"), "which hook"),
        (("hooks", "show", "nobody"), "no hook 'nobody'"),
        (("hooks", "delete", "x", "--window", "5"), "--window is for create"),
        (("hooks", "list", "x"), "takes no NAME"),
    ]
    for args, text in cases:
        done = cli(*args)
        assert done.returncode == 2, (args, done.stderr)
        assert text in done.stderr, (args, done.stderr)
    assert data_file(daemon, "hooks.json") == before


def test_as_a_real_process(daemon: Harmoniad, tmp_path: Path, workflow_id: str) -> None:
    harmonia = cli_subprocess(cli_env(daemon.data_dir), tmp_path, 60)
    made = harmonia("hooks", "create", "proc", workflow_id, "--window", "60", "--json")
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["window"] == 60 and json.loads(made.stdout)["secret"]
    listed = harmonia("hooks", "--json")
    assert "proc" in [h["name"] for h in json.loads(listed.stdout)]
