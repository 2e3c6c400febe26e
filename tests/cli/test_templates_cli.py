"""`harmonia templates ...` through the real CLI against a real daemon: import, list, show,
instantiate (values read by declared type; exit 2 naming every bad one, nothing stored),
export and its round trip, delete; and `workflows show` telling where a workflow came from."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
from pathlib import Path

import yaml
from helpers.daemon_testing import HARMONIA, Harmoniad, harmonia_against

from harmonia.cli.main import main

SAMPLE = Path(__file__).resolve().parents[2] / "sample_workflows" / "greeting_template.yaml"


def harmonia_process(daemon: Harmoniad, *args: str) -> subprocess.CompletedProcess[str]:
    """`harmonia ARGS` as a user runs it (a subprocess: a second or more of start-up each)."""
    return harmonia_against(daemon, *args)


def harmonia(daemon: Harmoniad, *args: str) -> subprocess.CompletedProcess[str]:
    """The same entry point in this process: the daemon answers the same, without paying the
    CLI's start-up for every one of this file's dozen commands."""
    argv = [*args, "--url", daemon.url, "--data-dir", str(daemon.data_dir)]
    out, err = (io.TextIOWrapper(io.BytesIO(), encoding="utf-8", write_through=True) for _ in "12")
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    text = [stream.buffer.getvalue().decode() for stream in (out, err)]
    return subprocess.CompletedProcess(argv, code, *text)


def workflow_count(daemon: Harmoniad) -> int:
    with daemon.client() as client:
        return int(client.get("/api/v1/workflows").json()["total"])


def test_import_list_show_instantiate_export_delete(daemon: Harmoniad, tmp_path: Path) -> None:
    imported = harmonia_process(daemon, "templates", "import", str(SAMPLE))
    assert imported.returncode == 0, imported.stderr
    template_id = imported.stdout.strip()
    assert template_id.startswith("tpl-")
    again = harmonia(daemon, "templates", "import", str(SAMPLE))
    assert again.returncode == 2 and "exists" in again.stderr

    listed = harmonia(daemon, "templates", "list")
    assert listed.returncode == 0 and "greeting" in listed.stdout and template_id in listed.stdout
    shown = harmonia(daemon, "templates", "show", "greeting")
    assert shown.returncode == 0, shown.stderr
    assert "times" in shown.stdout and "one of" in shown.stdout
    assert ">= 1; <= 10 " in shown.stdout  # integer bounds (it said ">= 1.0; <= 10.0")

    made = harmonia(
        daemon, "templates", "instantiate", "greeting", "--param", "who=true", "-p", "times=3"
    )
    assert made.returncode == 0, made.stderr
    workflow_id = made.stdout.strip()
    with daemon.client() as client:
        origin = client.get(f"/api/v1/workflows/{workflow_id}").json()["origin"]
    assert origin["parameters"]["who"] == "true"  # a string parameter takes the text as it is
    assert origin["parameters"]["times"] == 3
    described = harmonia(daemon, "workflows", "show", workflow_id)
    assert "made from" in described.stdout and "greeting 1.0.0" in described.stdout
    assert "times=3" in described.stdout

    values = tmp_path / "values.yaml"
    values.write_text("who: Ada\ntimes: 2\n", encoding="utf-8")
    from_file = harmonia(
        daemon, "templates", "instantiate", "greeting", "--param-file", str(values), "--json"
    )
    assert json.loads(from_file.stdout)["name"] == "greet-Ada"

    started = harmonia(daemon, "templates", "instantiate", "greeting", "-p", "times=1", "--start")
    assert started.returncode == 0, started.stderr
    execution_id = started.stdout.strip()
    assert daemon.wait_finished(execution_id)["tasks"]["greet"]["output"]["stdout"] == (
        "hello, world\n"
    )

    exported = tmp_path / "exported.yaml"
    assert harmonia(daemon, "templates", "export", "greeting", "-o", str(exported)).returncode == 0
    assert yaml.safe_load(exported.read_text()) == yaml.safe_load(SAMPLE.read_text())
    as_json = tmp_path / "exported.json"
    assert harmonia(daemon, "templates", "export", template_id, "-o", str(as_json)).returncode == 0
    assert json.loads(as_json.read_text()) == yaml.safe_load(SAMPLE.read_text())
    replaced = harmonia(daemon, "templates", "import", str(as_json), "--replace")
    assert replaced.returncode == 0 and replaced.stdout.strip() == template_id
    on_stdout = harmonia(daemon, "templates", "export", "greeting")
    assert yaml.safe_load(on_stdout.stdout) == yaml.safe_load(SAMPLE.read_text())

    deleted = harmonia(daemon, "templates", "delete", "greeting", "--json")
    assert deleted.returncode == 0, deleted.stderr
    assert json.loads(deleted.stdout) == {"name": "greeting", "deleted": True}  # as every delete
    gone = harmonia(daemon, "templates", "show", "greeting")
    assert gone.returncode == 2 and "no template 'greeting'" in gone.stderr


def test_bad_parameters_exit_2_naming_each_and_store_nothing(daemon: Harmoniad) -> None:
    text = SAMPLE.read_text().replace("name: greeting\n", "name: strict\n", 1)
    path = daemon.data_dir.parent / "strict.yaml"
    path.write_text(text, encoding="utf-8")
    assert harmonia(daemon, "templates", "import", str(path)).returncode == 0
    before = workflow_count(daemon)
    refused = harmonia(
        daemon,
        "templates",
        "instantiate",
        "strict",
        "--param",
        "times=0",
        "--param",
        "style=shouting",
        "--param",
        "colour=red",
        "--param",
        "timeout=[1]",
    )
    assert refused.returncode == 2, refused.stderr
    for name in ("times", "style", "colour", "timeout"):
        assert f"parameters.{name}" in refused.stderr, refused.stderr
    assert workflow_count(daemon) == before
    malformed = harmonia(daemon, "templates", "instantiate", "strict", "--param", "nonsense")
    assert malformed.returncode == 2 and "expected KEY=VALUE" in malformed.stderr
    assert harmonia(daemon, "templates", "instantiate").returncode == 2  # which template?


def test_import_reports_a_broken_template_with_its_lines(daemon: Harmoniad, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        SAMPLE.read_text()
        .replace("name: greeting\n", "name: broken\n", 1)
        .replace("${param.times}); do", "${param.time}); do"),
        encoding="utf-8",
    )
    refused = harmonia(daemon, "templates", "import", str(broken))
    assert refused.returncode == 2
    assert "broken.yaml:" in refused.stderr and "unknown parameter 'time'" in refused.stderr
    assert "parameter 'times' is never used" not in refused.stderr  # still used elsewhere


def test_validate_schema_and_run_know_templates(tmp_path: Path) -> None:
    def local(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([HARMONIA, *args], capture_output=True, text=True, timeout=60)

    checked = local("validate", str(SAMPLE))
    assert checked.returncode == 0 and "ok (template, 4 parameters)" in checked.stdout
    schema = json.loads(local("schema", "--template").stdout)
    assert schema["$id"] == "urn:harmonia:schema:template:1"
    assert json.loads(local("schema").stdout)["$id"] == "urn:harmonia:schema:workflow:1"
    refused = local("run", str(SAMPLE), "--data-dir", str(tmp_path / "data"))
    assert refused.returncode == 2 and "this is a template" in refused.stderr + refused.stdout
    assert not (tmp_path / "data" / "executions").exists()
