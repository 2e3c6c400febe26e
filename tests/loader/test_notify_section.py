"""A workflow file's `notify:` (webhooks out): each problem named by file, line and field, the
CLI exits 2 on one, and a good section is kept in the stored document with its defaults."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.loading import section_problems, with_section

from harmonia.cli.main import main
from harmonia.loader import load_workflow_text
from harmonia.model.notify import DEFAULT_NOTIFY_EVENTS
from harmonia.schema import workflow_json_schema

TEXT = with_section("told", "notify")


def problems(notify: str) -> list[tuple[int | None, str | None, str]]:
    return section_problems(TEXT + notify)


def test_a_good_section_is_kept_with_its_defaults() -> None:
    workflow = load_workflow_text(
        TEXT + "  - url: https://hooks.example.org/harmonia\n"
        "  - {url: 'http://127.0.0.1:9000/x', events: [task_completed], secret_env: HOOK_KEY}\n"
    )
    first, second = workflow.notify
    assert first.events == list(DEFAULT_NOTIFY_EVENTS) and first.secret_env is None
    assert second.events == ["task_completed"] and second.secret_env == "HOOK_KEY"
    assert workflow.to_document()["notify"][1]["secret_env"] == "HOOK_KEY"


def test_each_problem_has_its_line_and_field() -> None:
    found = problems(
        "  - url: ftp://example.org/hook\n"
        "  - url: http://example.org/hook\n"
        "    events: [workflow_complete]\n"
        "  - {url: 'http://:80/', events: []}\n"
        "  - {url: http://example.org, secret_env: 'A B', method: PUT}\n"
    )
    by_field = {field: (line, message) for line, field, message in found}
    assert by_field["notify[0].url"][0] == 5
    assert "is not an http:// or https:// URL" in by_field["notify[0].url"][1]
    assert by_field["notify[1].events"][0] == 7
    assert "unknown event 'workflow_complete'" in by_field["notify[1].events"][1]
    assert "did you mean 'workflow_completed'" in by_field["notify[1].events"][1]
    assert "names no host" in by_field["notify[2].url"][1]
    assert by_field["notify[2].events"][0] == 8
    assert "not an environment variable name" in by_field["notify[3].secret_env"][1]
    assert by_field["notify[3].method"][0] == 9


def test_validate_exits_2_on_a_bad_target(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "wf.yaml"
    path.write_text(TEXT + "  - {url: 'http://example.org', events: [nope]}\n")
    assert main(["validate", str(path)]) == 2
    assert f"{path}:5, field 'notify[0].events': unknown event 'nope'" in capsys.readouterr().out


def test_the_json_schema_lists_the_events() -> None:
    target = workflow_json_schema()["$defs"]["NotifyTarget"]
    assert "task_waiting" in target["properties"]["events"]["items"]["enum"]
    assert target["required"] == ["url"]
