"""A workflow file's `schedules:`: each problem named by file, line and field; a good one is
kept in the stored document."""

from __future__ import annotations

from helpers.loading import section_problems, with_section

from harmonia.loader import load_workflow_text

TEXT = with_section("nightly", "schedules", "input:\n  limit: {type: integer, default: 5}\n")


def problems(schedules: str) -> list[tuple[int | None, str | None, str]]:
    return section_problems(TEXT + schedules)


def test_good_schedules_are_kept() -> None:
    workflow = load_workflow_text(
        TEXT + '  - {cron: "0 3 * * *", timezone: Europe/Paris, input: {limit: 9}}\n'
        "  - {interval: 60, missed: run_all, overlap: queue}\n"
    )
    assert workflow.to_document()["schedules"][0]["input"] == {"limit": 9}
    assert len(workflow.schedules) == 2


def test_without_schedules_the_document_has_none() -> None:
    assert "schedules" not in load_workflow_text(TEXT.removesuffix("schedules:\n")).to_document()


def test_each_problem_has_its_line_and_field() -> None:
    found = problems(
        '  - cron: "61 * * * *"\n'  # line 7
        "    timezone: Mars/Base\n"  # line 8
        "  - interval: 0\n"  # line 9
        "  - interval: 60\n"  # line 10
        "    input: {limit: many, nope: 1}\n"  # line 11
    )
    fields = {field: (line, message) for line, field, message in found}
    assert fields["schedules[0].cron"][0] == 7 and "bad cron" in fields["schedules[0].cron"][1]
    assert fields["schedules[0].timezone"][0] == 8
    assert "unknown time zone 'Mars/Base'" in fields["schedules[0].timezone"][1]
    assert fields["schedules[1].interval"][0] == 9
    assert fields["schedules[2].input.limit"][0] == 11
    assert "unknown input 'nope'" in fields["schedules[2].input.nope"][1]
