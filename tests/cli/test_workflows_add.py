"""`harmonia workflows add FILE`: a workflow stored in the daemon without starting it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from helpers.cli_process import harmonia_here
from helpers.daemon_testing import Harmoniad

SAMPLE = Path(__file__).resolve().parents[2] / "sample_workflows" / "diamond.yaml"


def harmonia(daemon: Harmoniad, *args: str) -> subprocess.CompletedProcess[str]:
    """`harmonia ARGS --url DAEMON --data-dir ITS_DATA` called in this process (the daemon is a
    real one; the CLI's own process is tested in test_remote.py)."""
    return harmonia_here(
        *args, "--url", daemon.url, "--data-dir", daemon.data_dir, cwd=daemon.data_dir.parent
    )


def test_add_stores_a_workflow_and_starts_nothing(daemon: Harmoniad, tmp_path: Path) -> None:
    done = harmonia(daemon, "workflows", "add", str(SAMPLE))
    assert done.returncode == 0, done.stderr
    workflow_id = done.stdout.strip()
    assert workflow_id.startswith("wf-")
    assert "stored as" in done.stderr and "not started" in done.stderr
    with daemon.client() as client:
        assert client.get(f"/api/v1/workflows/{workflow_id}").json()["name"] == "diamond"
        assert client.get("/api/v1/executions").json()["total"] == 0
    as_json = json.loads(harmonia(daemon, "workflows", "add", str(SAMPLE), "--json").stdout)
    assert as_json["name"] == "diamond" and as_json["id"] != workflow_id

    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\ntasks:\n  a: {component: nope, action: x}\n", encoding="utf-8")
    refused = harmonia(daemon, "workflows", "add", str(bad))
    assert refused.returncode == 2 and "bad.yaml" in refused.stderr, refused.stderr
    missing = harmonia(daemon, "workflows", "add", str(tmp_path / "none.yaml"))
    assert missing.returncode == 2 and "cannot read the file" in missing.stderr
    assert harmonia(daemon, "workflows", "add").returncode == 2  # which file?
