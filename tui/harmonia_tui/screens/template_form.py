"""The start form of a template: one field per declared parameter, checked as the daemon
checks them. Start instantiates the template (the daemon has the last word: its 422 lands
on the fields it names) and starts the workflow it makes, or, when that workflow declares
inputs of its own without defaults, opens the ordinary start form for them."""

from __future__ import annotations

from harmonia.client import ApiError, DaemonUnreachable, Template, ValidationError
from harmonia_tui.inputs import declared_fields, problems_by_field
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

    async def _send(self, values: dict[str, object]) -> None:
        app = self.harmonia
        client = app.connection.client
        what = f"starting from template {self.template.name}"
        try:
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
                return
            execution = await client.start_execution(made.id)
        except ValidationError as exc:
            per_field, other = problems_by_field(exc.details, "parameters.")
            self.show_problems(per_field, [exc.message, *other] if not per_field else other)
            app.show_api_error(exc, what)
            return
        except ApiError as exc:
            self.show_problems({}, [f"{exc.status} {exc.code}: {exc.message}"])
            app.show_api_error(exc, what)
            return
        except DaemonUnreachable as exc:
            app.connection.lost(exc.reason or str(exc))
            self.show_problems({}, [str(exc)])
            return
        app.notify(
            f"{made.name} (from template {self.template.name}): execution {execution.id} started",
            title="Started",
            markup=False,
        )
        if self.app.screen is self:
            self.dismiss(execution.id)
