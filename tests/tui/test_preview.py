"""A declared input with its `${...}` references filled in from what the TUI knows."""

from __future__ import annotations

from harmonia_tui.preview import resolve_references


def test_references_resolve_from_known_results() -> None:
    context = {
        "input": {"n": 3, "who": "ann"},
        "tasks": {"a": {"output": {"rows": [1, 2], "msg": "hi"}, "status": "completed"}},
        "execution": {"id": "x1"},
    }
    template = {
        "count": "${input.n}",
        "first": "${tasks.a.output.rows[0]}",
        "text": "hello ${input.who}, ${tasks.a.output.msg} (${tasks.a.status})",
        "env": "${env.HOME}",
        "later": ["${tasks.b.output}"],
    }
    assert resolve_references(template, context) == {
        "count": 3,
        "first": 1,
        "text": "hello ann, hi (completed)",
        "env": "${env.HOME}",
        "later": ["${tasks.b.output}"],
    }
