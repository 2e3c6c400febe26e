"""`harmonia show` of an execution with a `for_each` task, through the real CLI (called in this
process, helpers/cli_process.py): the items are grouped under their task with its counts, and
`--json` names each item's task and index."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from helpers.cli_process import harmonia_here

WORKFLOW = """\
name: fan-show
tasks:
  fan:
    component: shell
    action: run
    for_each: [good, bad, fine]
    input: {command: [test, "${item}", "!=", bad]}
  after:
    component: shell
    action: run
    depends_on: [fan]
    input: {command: [echo, done]}
"""


def harmonia(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"HARMONIA_HOME": str(tmp_path / "home"), "NO_COLOR": "1"}
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("COLUMNS", raising=False)
        return harmonia_here(*args, cwd=tmp_path, env=env)


def test_show_groups_the_items_under_their_task(tmp_path: Path) -> None:
    flow = tmp_path / "fan.yaml"
    flow.write_text(WORKFLOW, encoding="utf-8")
    data = str(tmp_path / "data")
    run = harmonia(tmp_path, "run", str(flow), "--data-dir", data, "--json")
    assert run.returncode == 1, run.stderr
    doc = json.loads(run.stdout)
    assert doc["status"] == "failed"

    text = harmonia(tmp_path, "show", doc["id"], "--data-dir", data)
    assert text.returncode == 0, text.stderr
    table = text.stdout.splitlines()
    fan = next(i for i, line in enumerate(table) if line.startswith("fan "))
    assert "2/3 completed, 1 failed" in table[fan]
    assert table[fan + 1].split()[:3] == ["[0]", "completed", "1"]
    assert table[fan + 2].split()[:3] == ["[1]", "failed", "1"]
    assert table[fan + 3].split()[:3] == ["[2]", "completed", "1"]
    assert table[fan + 4].split()[:2] == ["after", "pending"] or "blocked" in table[fan + 4]
    assert "fan[1] (attempt 1):" in text.stdout

    shown = harmonia(tmp_path, "show", doc["id"], "--data-dir", data, "--json")
    tasks = json.loads(shown.stdout)["tasks"]
    assert tasks["fan"]["item_count"] == 3
    assert (tasks["fan[1]"]["parent"], tasks["fan[1]"]["index"]) == ("fan", 1)
    assert tasks["fan[1]"]["status"] == "failed"
