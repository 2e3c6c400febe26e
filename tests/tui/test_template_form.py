"""The dashboard's start form of a template (issue 13, item 4): generated from the declared
parameters, checked as the daemon checks them before anything is sent (each field says what is
wrong with it), and once right the template is instantiated and its workflow started."""

from __future__ import annotations

import pytest
from harmonia_tui.screens.execution import ExecutionScreen
from harmonia_tui.screens.template_form import StartTemplateScreen
from harmonia_tui.screens.workflows import WorkflowsScreen
from helpers.daemon_testing import Harmoniad
from helpers.tui_testing import (
    SAMPLES,
    SIZE,
    api_client,
    loaded,
    make_app,
    press,
    unique,
    until,
)
from textual.widgets import DataTable, Input, Label, Static


async def import_sample(daemon: Harmoniad, name: str) -> str:
    text = (SAMPLES / "greeting_template.yaml").read_text(encoding="utf-8")
    async with api_client(daemon) as client:
        info = await client.create_template(text.replace("name: greeting\n", f"name: {name}\n", 1))
        return info.id


async def workflow_total(daemon: Harmoniad) -> int:
    async with api_client(daemon) as client:
        return (await client.list_workflows(limit=1)).total


@pytest.mark.anyio
async def test_the_form_is_made_of_the_parameters_and_checks_them(daemon: Harmoniad) -> None:
    name = unique("tform")
    template_id = await import_sample(daemon, name)
    app = make_app(daemon)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.is_running and app.screen.is_mounted, "the app")
        await press(pilot, "w")
        await until(pilot, lambda: isinstance(app.screen, WorkflowsScreen), "workflows")
        screen = app.screen
        assert isinstance(screen, WorkflowsScreen)
        await until(pilot, lambda: template_id in screen.template_ids, "the template listed")
        table = screen.query_one(DataTable)
        row = table.get_row_index(template_id)
        assert f"{name} (template)" in str(table.get_row_at(row)[0])
        table.move_cursor(row=row, animate=False)
        await press(pilot, "enter")
        await until(pilot, lambda: isinstance(app.screen, StartTemplateScreen), "the form")
        form = app.screen
        assert isinstance(form, StartTemplateScreen)
        await until(pilot, lambda: form.query("#field-3"), "the form's last field")

        hints = [str(label.render()) for label in form.query(Label)]
        assert [h.split()[0] for h in hints] == ["who", "times", "style", "timeout"]
        assert "integer, optional, >= 1, <= 10" in hints[1]
        assert "one of plain, loud" in hints[2]
        fields = [form.query_one(f"#field-{i}", Input) for i in range(4)]
        assert [f.value for f in fields] == ["world", "2", "plain", "10"]

        before = await workflow_total(daemon)
        fields[0].value = "R2-D2"
        fields[1].value = "0"
        fields[2].value = "shout"
        fields[3].value = "soon"
        form.submit()
        await pilot.pause()
        errors = [str(form.query_one(f"#error-{i}", Static).render()) for i in range(4)]
        assert "does not match the pattern" in errors[0]
        assert errors[1] == "0 is less than the minimum 1"
        assert errors[2] == "'shout' is not one of: 'plain', 'loud'"
        assert errors[3] == 'expected number, got text "soon"'
        assert await workflow_total(daemon) == before  # nothing was sent

        fields[0].value = "Ada"
        fields[1].value = "3"
        fields[2].value = "plain"
        fields[3].value = "20"
        form.submit()
        await until(pilot, lambda: isinstance(app.screen, ExecutionScreen), "the execution")
        await until(pilot, lambda: loaded(app, "completed"), "it completes", deadline=30)

    async with api_client(daemon) as client:
        page = await client.list_workflows(limit=1000)
        made = [w for w in page.items if w.name == "greet-Ada"]
        assert made, [w.name for w in page.items]
        workflow = await client.get_workflow(made[0].id)
    assert workflow.origin is not None and workflow.origin.template_id == template_id
    assert workflow.origin.parameters == {"who": "Ada", "times": 3, "style": "plain", "timeout": 20}


@pytest.mark.anyio
async def test_the_daemons_problems_land_on_the_parameters(daemon: Harmoniad) -> None:
    """A value the form cannot judge (the workflow it makes is invalid) is the daemon's 422."""
    name = unique("tbad")
    text = (
        "kind: template\n"
        f"name: {name}\n"
        "parameters:\n"
        "  action: {type: string, default: echo}\n"
        "workflow:\n"
        "  name: w\n"
        "  tasks: {a: {component: core, action: '${param.action}'}}\n"
    )
    async with api_client(daemon) as client:
        await client.create_template(text)
    app = make_app(daemon)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.is_running and app.screen.is_mounted, "the app")
        app.start_template(name)
        await until(pilot, lambda: isinstance(app.screen, StartTemplateScreen), "the form")
        form = app.screen
        assert isinstance(form, StartTemplateScreen)
        await until(pilot, lambda: form.query("#field-0"), "the form's field")
        form.query_one("#field-0", Input).value = "nope"
        form.submit()
        error = form.query_one("#form-error", Static)
        await until(pilot, lambda: "nope" in str(error.render()), "the daemon's answer")
        assert isinstance(app.screen, StartTemplateScreen)
