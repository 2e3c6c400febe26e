"""The sample workflows run green through the real CLI, with the outputs and skips they promise.

Each test runs `harmonia run FILE --json --data-dir TMP`, as the README tells a user to, and
checks the final execution document, not just the exit code. What a sample does is called in the
test's process (helpers/cli_process.harmonia_here: each `harmonia` start costs ~0.4 s of CPU);
`validate`, the defaults of the first sample and the runs about exit codes and stderr are real
`harmonia` processes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from helpers.cli_process import harmonia_here

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_workflows"
HARMONIA = Path(sys.executable).parent / "harmonia"


def harmonia(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(HARMONIA), *args], capture_output=True, text=True, timeout=60, cwd=cwd
    )


def run_args(name: str, data_dir: Path, *inputs: str) -> list[str]:
    """`run SAMPLE --json --data-dir DATA_DIR`, with an `--input` for each of `inputs`."""
    args = ["run", str(SAMPLES / name), "--json", "--data-dir", str(data_dir)]
    for item in inputs:
        args += ["--input", item]
    return args


def run_sample(
    name: str, data_dir: Path, *inputs: str, cwd: Path | None = None, process: bool = False
) -> dict[str, Any]:
    """Run a sample to its end (in a `harmonia` process if `process`, else in this one); it
    must complete, and the JSON must say so."""
    args = run_args(name, data_dir, *inputs)
    proc = harmonia(*args, cwd=cwd) if process else harmonia_here(*args, cwd=cwd or Path.cwd())
    assert proc.returncode == 0, f"{name} exited {proc.returncode}:\n{proc.stderr}"
    doc: dict[str, Any] = json.loads(proc.stdout)
    assert doc["status"] == "completed", doc
    return doc


def outputs(doc: dict[str, Any]) -> dict[str, Any]:
    return {tid: task["output"] for tid, task in doc["tasks"].items()}


def statuses(doc: dict[str, Any]) -> dict[str, str]:
    return {tid: task["status"] for tid, task in doc["tasks"].items()}


def ended(**tasks: str) -> dict[str, str]:
    """The statuses a run should end with, given status by status: `skipped="a b"`."""
    return {task: status for status, names in tasks.items() for task in names.split()}


def sample_files() -> list[Path]:
    return sorted(SAMPLES.glob("*.yaml"))


def test_there_are_samples() -> None:
    names = {p.name for p in sample_files()}
    assert {"diamond.yaml", "flaky_retry.yaml", "etl_pipeline.yaml", "when_branch.yaml"} <= names


def test_samples_validate_and_are_described() -> None:
    paths = sample_files()
    proc = harmonia("validate", *map(str, paths))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for path in paths:
        first = path.read_text().splitlines()[0]
        assert first.startswith("# ") and len(first) > 20, f"{path.name}: say what it shows"


def test_diamond_defaults(tmp_path: Path) -> None:
    doc = run_sample("diamond.yaml", tmp_path / "data", process=True)
    assert doc["input"] == {"base": 3, "label": "diamond"}
    out = outputs(doc)
    assert out["prepare"] == {"label": "diamond", "base": 3}
    assert out["double"] == 6  # a whole-string reference keeps the integer type
    assert out["shift_cmd"]["stdout"] == "103\n"
    assert out["shift"] == 103
    assert out["join"] == 109
    assert out["summary"] == {
        "label": "diamond",
        "total": 109,
        "message": "diamond: 6 + 103 = 109",
    }
    tasks = doc["tasks"]
    # the branches overlap: both started before either finished (which one ends first is up
    # to the machine's load: the python worker may start slower than `sleep 0.3`)
    branches = (tasks["double"], tasks["shift_cmd"])
    assert max(t["started_at"] for t in branches) <= min(t["finished_at"] for t in branches)
    assert all(t["attempts"] == 1 for t in tasks.values())


def test_diamond_with_inputs(tmp_path: Path) -> None:
    doc = run_sample("diamond.yaml", tmp_path / "data", "base=10", "label=demo")
    out = outputs(doc)
    assert (out["double"], out["shift"], out["join"]) == (20, 110, 130)
    assert out["summary"]["message"] == "demo: 20 + 110 = 130"


def test_flaky_retry_succeeds_after_failures(tmp_path: Path) -> None:
    state_dir = tmp_path / "counters"
    doc = run_sample("flaky_retry.yaml", tmp_path / "data", f"state_dir={state_dir}")
    flaky = doc["tasks"]["flaky"]
    assert flaky["attempts"] == 3
    history = flaky["history"]
    assert [h["status"] for h in history] == ["failed", "failed", "completed"]
    assert [h["error"]["kind"] for h in history[:2]] == ["exit_code", "exit_code"]
    assert "service not ready yet" in history[0]["error"]["message"]
    # exponential backoff: 0.1 s before the first retry, twice that before the second (+-10%
    # jitter); lower bounds only, since a loaded machine only ever makes a wait longer
    gaps = [
        _seconds_between(history[i]["finished_at"], history[i + 1]["started_at"]) for i in (0, 1)
    ]
    assert gaps[0] >= 0.085
    assert gaps[1] >= 0.17
    slow = doc["tasks"]["slow_start"]
    assert slow["attempts"] == 2
    assert slow["history"][0]["error"]["kind"] == "timeout"
    assert outputs(doc)["report"] == {"flaky_attempts": "3", "slow_start_attempts": "2"}
    assert list(state_dir.iterdir()) == []  # cleanup removed this execution's counters

    # a second run in the same places starts from zero: counters are per execution
    again = run_sample(
        "flaky_retry.yaml", tmp_path / "data", "failures=0", f"state_dir={state_dir}"
    )
    assert again["id"] != doc["id"]
    assert again["tasks"]["flaky"]["attempts"] == 1
    assert outputs(again)["report"] == {"flaky_attempts": "1", "slow_start_attempts": "2"}
    assert list(state_dir.iterdir()) == []


def _seconds_between(earlier: str, later: str) -> float:
    def parse(text: str) -> datetime:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))

    return (parse(later) - parse(earlier)).total_seconds()


def test_etl_pipeline(tmp_path: Path) -> None:
    out_dir = tmp_path / "reports"
    doc = run_sample("etl_pipeline.yaml", tmp_path / "data", f"out_dir={out_dir}")
    out = outputs(doc)
    assert out["extract"]["stdout"].splitlines()[:3] == [
        "id,region,amount",
        "1,east,47",
        "2,south,84",
    ]
    parsed = out["parse"]
    assert parsed["rows"] == 12
    assert parsed["amounts"] == [47, 84, 30, 67, 13, 50, 87, 33, 70, 16, 53, 90]
    assert out["total"] == 640
    assert out["mean"] == pytest.approx(640 / 12)
    assert out["median"] == 51.5
    assert out["top"] == [90, 87, 84]
    assert out["per_region"] == {"east": 4, "south": 2, "north": 4, "west": 2}
    report_file = out_dir / f"{doc['id']}.txt"
    assert out["summary"] == {
        "rows": 12,
        "total": 640,
        "median": 51.5,
        "top": [90, 87, 84],
        "per_region": {"east": 4, "south": 2, "north": 4, "west": 2},
        "report_file": str(report_file),
    }
    text = report_file.read_text()
    assert "total:      640" in text
    assert "mean:       53.33" in text
    assert 'per region: {"east": 4, "south": 2, "north": 4, "west": 2}' in text
    assert out["report"]["stdout"] == text


def test_etl_pipeline_more_rows(tmp_path: Path) -> None:
    doc = run_sample(
        "etl_pipeline.yaml", tmp_path / "data", "rows=1000", "top=5", f"out_dir={tmp_path}"
    )
    out = outputs(doc)
    amounts = [(i * 37) % 91 + 10 for i in range(1, 1001)]
    assert out["parse"]["rows"] == 1000
    assert out["total"] == sum(amounts)
    assert out["top"] == sorted(amounts, reverse=True)[:5]
    assert sum(out["per_region"].values()) == 1000


def test_when_branch_fast(tmp_path: Path) -> None:
    doc = run_sample("when_branch.yaml", tmp_path / "data")
    assert statuses(doc) == ended(
        completed="measure fast_path join report",
        skipped="thorough_path thorough_followup alert notify",
    )
    out = outputs(doc)
    assert out["measure"] is False
    assert out["fast_path"] == {"path": "fast", "size": 42}
    assert out["join"] == {"mode": "fast", "fast_path": "completed", "thorough_followup": "skipped"}
    assert out["report"]["stdout"] == "mode fast: fast=completed thorough=skipped\n"
    assert out["thorough_path"] is None and out["alert"] is None


def test_when_branch_thorough(tmp_path: Path) -> None:
    doc = run_sample("when_branch.yaml", tmp_path / "data", "mode=thorough", "size=500")
    assert statuses(doc) == ended(
        completed="measure thorough_path thorough_followup join report alert notify",
        skipped="fast_path",
    )
    out = outputs(doc)
    assert out["thorough_followup"]["log"] == "checking 500 items thoroughly\n"
    assert out["notify"] == {"notified": "size 500 is above 100"}
    assert out["report"]["stdout"] == "mode thorough: fast=skipped thorough=completed\n"


def test_when_branch_rejects_an_unknown_mode(tmp_path: Path) -> None:
    proc = harmonia(*run_args("when_branch.yaml", tmp_path / "data", "mode=sloppy"))
    assert proc.returncode == 2
    assert not (tmp_path / "data" / "executions").exists()


def test_long_dag(tmp_path: Path) -> None:
    doc = run_sample("long_dag.yaml", tmp_path / "data", cwd=tmp_path)
    assert len(doc["tasks"]) == 28
    assert set(statuses(doc).values()) == {"completed"}
    out = outputs(doc)
    assert out["merge"] == {"shards": [1, 2, 3, 4, 5, 6]}
    assert out["publish"] == {"published": [1, 2, 3, 4, 5, 6], "workflow": "long-dag"}
    assert out["fetch_1"] == {"slept": 0.4}


def test_join_rules_without_failures(tmp_path: Path) -> None:
    doc = run_sample("join_rules.yaml", tmp_path / "data")
    # merge (none_failed_min_one_success) runs: one source completed, one skipped; alert
    # (one_failed) is skipped: nothing failed; cleanup (all_done) runs
    assert statuses(doc) == ended(
        completed="prepare extract_a merge publish cleanup", skipped="extract_b alert"
    )
    out = outputs(doc)
    assert out["merge"] == {"a": "completed", "b": "skipped"}
    scratch = out["prepare"]["stdout"]
    assert out["cleanup"]["stdout"] == f"removed {scratch}\n"
    assert not Path(scratch).exists()
    both = run_sample("join_rules.yaml", tmp_path / "data", "with_b=true")
    assert outputs(both)["merge"] == {"a": "completed", "b": "completed"}
    assert statuses(both)["alert"] == "skipped"


def test_join_rules_with_a_failure(tmp_path: Path) -> None:
    """The alert and the cleanup run because of the failure, and the execution still fails."""
    proc = harmonia(*run_args("join_rules.yaml", tmp_path / "data", "fail=true"))
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["status"] == "failed"
    assert doc["error"] == "1 task(s) failed: extract_a"
    # merge and publish are blocked by the failure (pending), as below any failure
    assert statuses(doc) == ended(
        completed="prepare alert cleanup",
        failed="extract_a",
        skipped="extract_b",
        pending="merge publish",
    )
    out = outputs(doc)
    assert out["alert"] == {"message": "extract failed: a=failed b=skipped"}
    assert not Path(out["prepare"]["stdout"]).exists()
    assert "2 blocked" in proc.stderr


def test_for_each_fans_out_over_lines_and_an_input(tmp_path: Path) -> None:
    doc = run_sample("for_each.yaml", tmp_path / "data")
    out = outputs(doc)
    assert out["split"] == ["a.txt", "b.txt", "c.txt"]
    assert [o["stdout"] for o in out["convert"]] == [
        f"converted {name} as item {i}\n" for i, name in enumerate(out["split"])
    ]
    assert out["greet"] == [
        {"word": "alpha", "position": 0},
        None,
        {"word": "gamma", "position": 2},
    ]
    assert out["report"] == {"converted": out["convert"], "greeted": out["greet"]}
    tasks = doc["tasks"]
    assert tasks["convert"]["item_count"] == 3
    assert [tasks[f"convert[{i}]"]["status"] for i in range(3)] == ["completed"] * 3
    assert tasks["greet[1]"]["status"] == "skipped"
    assert (tasks["greet[2]"]["parent"], tasks["greet[2]"]["index"]) == ("greet", 2)

    words = run_sample("for_each.yaml", tmp_path / "data", 'words=["one"]')
    assert outputs(words)["greet"] == [{"word": "one", "position": 0}]


def test_sub_workflow_runs_its_child_file_twice(tmp_path: Path) -> None:
    doc = run_sample("sub_workflow.yaml", tmp_path / "data", "first=b a", cwd=tmp_path)
    out = outputs(doc)
    assert out["stats_a"] == {"words": 2, "sorted": ["a", "b"]}
    assert out["stats_b"]["words"] == 6
    assert doc["output"] == {"total_words": "2 words vs 6 words", "first_sorted": ["a", "b"]}
    children = {doc["tasks"][t]["child_execution_id"] for t in ("stats_a", "stats_b")}
    assert len(children) == 2 and None not in children
    assert doc["tasks"]["compare"]["child_execution_id"] is None


def test_approval_gate_decided_by_its_timeout_in_process(tmp_path: Path) -> None:
    doc = run_sample("approval_gate.yaml", tmp_path / "data", "wait=0.5s", "on_timeout=approve")
    release = doc["tasks"]["release"]
    assert release["output"]["approved"] is True
    assert release["output"]["by"] == "timeout"
    assert release["history"][0]["waiting"]["message"] == "publish app-1.2.tar.gz?"
    assert doc["output"] == {"approved_by": "timeout"}
