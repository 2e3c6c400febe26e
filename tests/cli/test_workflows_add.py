"""`harmonia workflows add FILE`: a workflow stored in the daemon without starting it."""

from __future__ import annotations

import json
from pathlib import Path

from helpers.daemon_testing import Harmoniad, harmonia_against

SAMPLE = Path(__file__).resolve().parents[2] / "sample_workflows" / "diamond.yaml"


harmonia = harmonia_against


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
