"""`harmonia show` names each task's join rule, through the real CLI (called in this process,
helpers/cli_process.py), when a workflow uses rules; a workflow without any keeps the usual
table."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from helpers.cli_process import harmonia_here

ROOT = Path(__file__).resolve().parent.parent.parent


def harmonia(*args: str) -> subprocess.CompletedProcess[str]:
    return harmonia_here(*args, cwd=Path.cwd())


def run_and_show(workflow: Path, data_dir: Path, *extra: str) -> list[str]:
    proc = harmonia("run", str(workflow), "--json", "--data-dir", str(data_dir), *extra)
    execution_id = json.loads(proc.stdout)["id"]
    shown = harmonia("show", execution_id, "--data-dir", str(data_dir))
    assert shown.returncode == 0, shown.stderr
    return shown.stdout.splitlines()


def test_show_has_a_rule_column_for_workflows_with_rules(tmp_path: Path) -> None:
    sample = ROOT / "sample_workflows" / "join_rules.yaml"
    lines = run_and_show(sample, tmp_path / "data", "--input", "fail=true")
    header = next(line for line in lines if line.startswith("TASK"))
    assert header.split() == ["TASK", "STATUS", "RULE", "ATTEMPTS", "DURATION", "ERROR"]
    rows = {line.split()[0]: line.split()[1:3] for line in lines[lines.index(header) + 1 :] if line}
    assert rows["alert"] == ["completed", "one_failed"]
    assert rows["cleanup"] == ["completed", "all_done"]
    assert rows["merge"] == ["pending", "none_failed_min_one_success"]
    assert rows["prepare"] == ["completed", "all_success"]
    assert any(line.startswith("tasks") and "2 blocked" in line for line in lines)


def test_show_keeps_its_columns_without_rules(tmp_path: Path) -> None:
    lines = run_and_show(ROOT / "sample_workflows" / "diamond.yaml", tmp_path / "data")
    header = next(line for line in lines if line.startswith("TASK"))
    assert header.split() == ["TASK", "STATUS", "ATTEMPTS", "DURATION", "ERROR"]
