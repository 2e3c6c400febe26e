"""The start-workflow form: one field per declared input, checked as the API checks them.
(`template_form` makes the same form from a template's parameters.)"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.widgets import Button, Input, Label, Static

from harmonia.client import ApiError, DaemonUnreachable, Template, ValidationError, Workflow
from harmonia_tui.inputs import (
    InputField,
    declared_inputs,
    problems_by_field,
    read_form,
    to_text,
)
from harmonia_tui.screens.dialog import Dialog

if TYPE_CHECKING:
    from harmonia_tui.app import HarmoniaApp

__all__ = ["StartWorkflowScreen"]

FORM_CHROME = 15
"""Lines of the form that are not fields: borders, title, description, errors, buttons."""
MIN_FIELDS, MAX_FIELDS = 5, 30


class StartWorkflowScreen(Dialog[str]):
    """Dismissed with the new execution's id, or None."""

    DEFAULT_CSS = """
    StartWorkflowScreen > #dialog {
        width: 84;
    }
    StartWorkflowScreen #form-title {
        text-style: bold;
    }
    StartWorkflowScreen #fields {
        height: auto;
        max-height: 30;
    }
    StartWorkflowScreen .hint {
        color: $text-muted;
        margin-top: 1;
    }
    StartWorkflowScreen .field-error, StartWorkflowScreen #form-error {
        color: $error;
        height: auto;
    }
    """

    BINDINGS = [Binding("escape", "back_out", "Cancel")]
    YES = "start"

    TITLE_WORD = "Start"
    EMPTY = "This workflow declares no inputs."
    WHAT = "input"

    AUTO_FOCUS = "#field-0, #start"
    """The first field, or Start when there is none: Textual focuses it once the screen is
    shown, where an on_mount query failed if the app closed while the screen mounted."""

    def __init__(
        self,
        workflow: Workflow | Template,
        *,
        given: Mapping[str, Any] | None = None,
        refused: ValidationError | None = None,
    ) -> None:
        """`given`: values to show instead of the defaults, which the daemon `refused`
        (`tui --run FILE -i ...`): the operator mends the field it names, the rest as given."""
        super().__init__()
        self.workflow = workflow
        self.given = dict(given or {})
        self.refused = refused
        self.fields: list[InputField] = (
            declared_inputs(workflow.document) if isinstance(workflow, Workflow) else []
        )

    @property
    def harmonia(self) -> HarmoniaApp:
        return cast("HarmoniaApp", self.app)

    def compose(self) -> ComposeResult:
        wf = self.workflow
        with Vertical(id="dialog"):
            yield Static(
                f"{self.TITLE_WORD} {wf.name}" + (f" {wf.version}" if wf.version else ""),
                id="form-title",
                markup=False,
            )
            if wf.description:
                yield Static(wf.description, classes="hint", markup=False)
            with VerticalScroll(id="fields"):
                if not self.fields:
                    yield Static(self.EMPTY, classes="hint")
                for index, item in enumerate(self.fields):
                    hint = f"{item.name}  ({item.hint()})"
                    if item.description:
                        hint += f"  {item.description}"
                    yield Label(hint, classes="hint", markup=False)
                    yield Input(
                        value=to_text(item.type, self.given[item.name])
                        if item.name in self.given
                        else item.initial_text(),
                        placeholder="required" if item.required else "empty: the default",
                        id=f"field-{index}",
                    )
                    yield Static("", id=f"error-{index}", classes="field-error", markup=False)
            yield Static("", id="form-error", markup=False)
            with Horizontal(id="buttons"):
                yield Button("Start", id="start", variant="primary")
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        if self.refused is not None:
            self._show_refusal(self.refused)

    def _show_refusal(self, exc: ValidationError) -> None:
        """The daemon's problems on the fields they name, the rest below them."""
        per_field, other = problems_by_field(exc.details, f"{self.WHAT}.")
        self.show_problems(per_field, [exc.message, *other] if not per_field else other)

    def on_resize(self) -> None:
        """The fields scroll, so that the title, the errors and the buttons stay on screen
        on a short terminal (24 lines) too."""
        room = self.size.height - FORM_CHROME
        self.query_one("#fields").styles.max_height = max(MIN_FIELDS, min(MAX_FIELDS, room))

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        """Enter moves to the next field; on the last one it starts."""
        event.stop()
        index = int((event.input.id or "field-0").removeprefix("field-"))
        if index + 1 < len(self.fields):
            self.query_one(f"#field-{index + 1}", Input).focus()
        else:
            self.submit()

    def confirmed(self) -> None:
        self.submit()

    def texts(self) -> dict[str, str]:
        return {
            item.name: self.query_one(f"#field-{i}", Input).value
            for i, item in enumerate(self.fields)
        }

    def show_problems(self, per_field: dict[str, list[str]], other: list[str]) -> None:
        for index, item in enumerate(self.fields):
            self.query_one(f"#error-{index}", Static).update(
                "; ".join(per_field.get(item.name, []))
            )
        self.query_one("#form-error", Static).update("\n".join(other))

    def submit(self) -> None:
        result = read_form(self.fields, self.texts(), what=self.WHAT)
        self.show_problems(result.problems, [])
        if not result.ok:
            first = next(i for i, f in enumerate(self.fields) if f.name in result.problems)
            self.query_one(f"#field-{first}", Input).focus()
            return
        self.run_worker(self._start(result.values), group="start", exclusive=True)

    async def _start(self, values: dict[str, object]) -> None:
        try:
            await self._send(values)
        except NoMatches:
            if self.is_attached and self.app.screen is self:
                raise  # the form is still there: a real bug

    @property
    def doing(self) -> str:
        """What the start does, for a failure's toast."""
        return f"starting {self.workflow.name}"

    async def started(self, values: dict[str, object]) -> tuple[str, str] | None:
        """Ask the daemon to start: the new execution's id and the toast saying so, or None
        when another form took over."""
        execution = await self.harmonia.connection.client.start_execution(
            self.workflow.id, input=values
        )
        return execution.id, f"{self.workflow.name}: execution {execution.id} started"

    async def _send(self, values: dict[str, object]) -> None:
        """`started`, with the daemon's refusal shown on the fields it names (the rest below
        them) and the new execution opened."""
        app = self.harmonia
        try:
            started = await self.started(values)
        except ValidationError as exc:
            self._show_refusal(exc)
            app.show_api_error(exc, self.doing)
            return
        except ApiError as exc:
            self.show_problems({}, [f"{exc.status} {exc.code}: {exc.message}"])
            app.show_api_error(exc, self.doing)
            return
        except DaemonUnreachable as exc:
            app.connection.lost(exc.reason or str(exc))
            self.show_problems({}, [str(exc)])
            return
        if started is None:
            return
        execution_id, said = started
        app.notify(said, title="Started", markup=False)
        if self.app.screen is self:
            self.dismiss(execution_id)
