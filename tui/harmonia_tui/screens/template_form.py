"""The start form of a template: one field per declared parameter, checked as the daemon
checks them. Start instantiates the template (the daemon has the last word: its 422 lands
on the fields it names) and starts the workflow it makes, or, when that workflow declares
inputs of its own without defaults, opens the ordinary start form for them."""

from __future__ import annotations

from harmonia.client import Template
from harmonia_tui.inputs import declared_fields
from harmonia_tui.screens.start_form import StartWorkflowScreen

__all__ = ["StartTemplateScreen"]


class StartTemplateScreen(StartWorkflowScreen):
    """Dismissed with the new execution's id, or None (also when the workflow's own start
    form takes over: that form opens the execution)."""

    TITLE_WORD = "Start from template"
    EMPTY = "This template declares no parameters."
    WHAT = "parameters"

    def __init__(self, template: Template) -> None:
        super().__init__(template)
        self.template = template
        self.fields = declared_fields(template.parameters)

    @property
    def doing(self) -> str:
        return f"starting from template {self.template.name}"

    async def started(self, values: dict[str, object]) -> tuple[str, str] | None:
        app = self.harmonia
        client = app.connection.client
        made = await client.instantiate_template(self.template.id, values)
        workflow = await client.get_workflow(made.id)
        required = [
            name
            for name, spec in (workflow.document.get("input") or {}).items()
            if isinstance(spec, dict) and "default" not in spec
        ]
        if required:  # its own inputs: the ordinary form asks for them
            self.dismiss(None)
            app.start_workflow(made.id)
            return None
        execution = await client.start_execution(made.id)
        said = f"{made.name} (from template {self.template.name}): execution {execution.id} started"
        return execution.id, said
