"""The detail pane previews a task's declared input with the engine's own resolution
(`harmonia.expressions.preview`) over what the dashboard knows of the execution."""

from __future__ import annotations

from helpers.tui_events import ev, fresh

from harmonia.expressions import preview


def test_references_resolve_from_known_results_like_the_engine() -> None:
    view = fresh("a", "b")
    view.input = {"n": 3, "who": "ann"}
    view.apply_all(
        [
            ev(1, "workflow_started"),
            ev(2, "task_started", "a"),
            ev(3, "task_completed", "a", output={"rows": [1, 2], "msg": "hi"}),
            ev(4, "task_started", "b"),
        ]
    )
    template = {
        "count": "${input.n}",
        "first": "${tasks.a.output.rows[0]}",
        "text": "hello ${input.who}, ${tasks.a.output.msg} (${tasks.a.status})",
        "env": "${env.HOME}",
        "later": ["${tasks.b.output}"],
        "escaped": "$${input.n} is ${input.n}",
    }
    assert preview(template, view.reference_context()) == {
        "count": 3,
        "first": 1,
        "text": "hello ann, hi (completed)",
        "env": "${env.HOME}",  # the dashboard never knows the daemon's environment
        "later": ["${tasks.b.output}"],  # b runs: its output does not exist yet
        "escaped": "${input.n} is 3",
    }
