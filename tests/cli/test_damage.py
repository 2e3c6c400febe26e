"""Damaged files through the real command line: `harmonia doctor`, `harmoniad --check`,
`harmonia show`, `harmonia executions` and `harmonia resume [--from-damaged]`.

Executions are run with `harmonia run`, then damaged on disk, then looked at. The doctor only
reads: the data folder is byte-identical after it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.cli_process import harmonia_here

TIMEOUT = 60.0

FLOW = """\
name: three
tasks:
  a: {component: core, action: echo, input: {x: 1}}
  b: {component: core, action: echo, depends_on: [a], input: {x: 2}}
  c: {component: core, action: echo, depends_on: [b], input: {x: 3}}
"""


def run(*args: str | Path, tool: str = "harmonia") -> subprocess.CompletedProcess[str]:
    """`harmonia ARGS` called in this process (helpers/cli_process.py: what the commands find
    and do is tested, not their process); `harmoniad --check` as a process of its own."""
    if tool == "harmonia":
        with pytest.MonkeyPatch.context() as patch:
            patch.delenv("HARMONIA_URL", raising=False)
            return harmonia_here(*args, cwd=Path.cwd(), env={"NO_COLOR": "1"})
    module = "harmoniad"
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("HARMONIA_URL", None)
    return subprocess.run(
        [sys.executable, "-m", module, *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=TIMEOUT,
    )


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name not in ("catalog.lock", "lock")
    }


@pytest.fixture
def executions(tmp_path: Path) -> tuple[Path, list[str]]:
    """A data folder with three completed executions of `three`."""
    data = tmp_path / "data"
    flow = tmp_path / "three.yaml"
    flow.write_text(FLOW)
    ids = []
    for _ in range(3):
        done = run("run", flow, "--data-dir", data, "--json", "-q")
        assert done.returncode == 0, done.stderr
        ids.append(json.loads(done.stdout)["id"])
    return data, sorted(ids)  # the order `doctor` checks them in


def test_doctor_reports_every_damaged_file_and_only_reads(
    executions: tuple[Path, list[str]],
) -> None:
    data, (first, second, third) = executions
    clean = run("doctor", "--data-dir", data)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert clean.stdout == f"checked the catalog and 3 executions in {data}: no damage found\n"

    journal = data / "executions" / first / "journal.jsonl"
    lines = journal.read_bytes().splitlines(keepends=True)
    journal.write_bytes(b"".join([lines[0], b"{oops\n", *lines[1:]]))
    (data / "executions" / second / "state.json").write_bytes(b'{"execution": []}')
    catalog = data / "catalog.json"
    catalog.write_bytes(catalog.read_bytes() + b"}")
    before = snapshot(data)

    found = run("doctor", "--data-dir", data)
    assert found.returncode == 1, found.stdout + found.stderr
    out = found.stdout.splitlines()
    assert len(out) == 4
    # (the words after "not valid JSON" are the JSON parser's own)
    assert out[0].startswith(
        f"damaged: {catalog}: line 1, byte {len(before['catalog.json']) - 1}: not valid JSON"
    )
    assert out[1].startswith(f"damaged: {journal}: line 2, byte {len(lines[0])}: not valid JSON (")
    assert out[1].endswith(f" at byte 1) (execution {first})")
    assert out[2] == (
        f"damaged: {data / 'executions' / second / 'state.json'}: no execution row "
        f"(execution {second})"
    )
    assert out[3] == f"checked the catalog and 3 executions in {data}: 3 damaged files"
    as_json = run("doctor", "--data-dir", data, "--json")
    assert as_json.returncode == 1
    report = json.loads(as_json.stdout)
    assert report["clean"] is False and report["executions_checked"] == 3
    assert [(d["execution_id"], d["file"], d["line"], d["offset"]) for d in report["damaged"]] == [
        (None, "catalog.json", 1, len(before["catalog.json"]) - 1),
        (first, f"executions/{first}/journal.jsonl", 2, len(lines[0])),
        (second, f"executions/{second}/state.json", None, None),
    ]
    assert report["damaged"][1]["path"] == str(journal)
    check = run("--check", "--data-dir", data, tool="harmoniad")
    assert (check.returncode, check.stdout) == (1, found.stdout)
    assert snapshot(data) == before  # reads only: nothing repaired, copied or cut
    assert third not in found.stdout


def test_doctor_on_a_folder_with_nothing_yet(tmp_path: Path) -> None:
    done = run("doctor", "--data-dir", tmp_path / "none")
    assert done.returncode == 0
    assert "0 executions" in done.stdout and "no damage found" in done.stdout
    assert not (tmp_path / "none").exists()


def test_show_and_list_a_damaged_execution_then_resume_it_from_its_readable_part(
    executions: tuple[Path, list[str]],
) -> None:
    data, (first, _, _) = executions
    journal = data / "executions" / first / "journal.jsonl"
    lines = journal.read_bytes().splitlines(keepends=True)
    damaged = b"".join([*lines[:3], lines[2], *lines[3:]])  # line 4 repeats seq 3
    journal.write_bytes(damaged)

    shown = run("show", first, "--data-dir", data)
    assert shown.returncode == 0, shown.stderr
    out = shown.stdout
    assert "status     damaged" in out
    assert (
        f"executions/{first}/journal.jsonl: line 4, byte {len(b''.join(lines[:3]))}: "
        "seq 3 repeats the line before"
    ) in out
    assert f"harmonia resume {first} --from-damaged" in out
    as_json = json.loads(run("show", first, "--data-dir", data, "--json").stdout)
    assert as_json["status"] == "damaged" and as_json["damage"]["status"] == "completed"
    assert as_json["damage"]["files"][0]["line"] == 4

    refused = run("resume", first, "--data-dir", data)
    assert refused.returncode == 2
    assert f"execution {first} is damaged" in refused.stderr
    assert "line 4" in refused.stderr and "--from-damaged" in refused.stderr
    assert journal.read_bytes() == damaged
    # met by an engine, it is set aside: kept, and listed as damaged from now on
    [kept] = journal.parent.glob("journal.jsonl.damaged-*")
    assert kept.read_bytes() == damaged
    listed = run("executions", "--data-dir", data, "--status", "damaged")
    assert listed.returncode == 0
    assert [line.split()[0] for line in listed.stdout.splitlines()[1:]] == [first]
    shown = run("show", first, "--data-dir", data)
    assert f"kept as executions/{first}/{kept.name}" in shown.stdout

    resumed = run("resume", first, "--from-damaged", "--data-dir", data, "-q")
    assert resumed.returncode == 0, resumed.stderr
    assert kept.read_bytes() == damaged
    assert run("doctor", "--data-dir", data).returncode == 0
    again = json.loads(run("show", first, "--data-dir", data, "--json").stdout)
    assert again["status"] == "completed" and again["damage"] is None
