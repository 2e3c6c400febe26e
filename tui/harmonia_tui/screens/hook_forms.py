"""The dialogs of the hooks screen: the form that makes a hook, and the one showing its
secret, which the daemon gives only in the answer to the create (a later listing never has
it), so the dialog stays until the operator says it was stored.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from harmonia.client import Hook
from harmonia.signing import DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER
from harmonia_tui.screens.dialog import Dialog, FramedScreen

__all__ = ["HookForm", "HookFormScreen", "HookSecretScreen", "map_text", "parse_input_map"]


@dataclass(frozen=True)
class HookForm:
    name: str
    workflow: str
    """A stored workflow's id or name."""
    input_map: dict[str, str] | None
    description: str | None


def map_text(mapping: dict[str, str] | None) -> str:
    """An `input_map` as the form's field reads it (`parse_input_map` reads it back)."""
    return ", ".join(f"{name}={pointer}" for name, pointer in (mapping or {}).items())


def parse_input_map(text: str) -> dict[str, str] | None:
    """`input=/pointer, other=/x` as the API's `input_map` (None when empty); ValueError
    naming the entry that is not `name=/pointer`."""
    entries = [e.strip() for e in text.split(",") if e.strip()]
    if not entries:
        return None
    mapping: dict[str, str] = {}
    for entry in entries:
        name, equals, pointer = entry.partition("=")
        if not equals or not name.strip():
            raise ValueError(f'{entry!r}: write input=/json/pointer ("" is the whole body)')
        mapping[name.strip()] = pointer.strip().strip('"')
    return mapping


class HookFormScreen(Dialog[HookForm]):
    """A new hook: name, workflow, optional input mapping and description. Enter in the last
    field (or the button) makes it; esc does not."""

    DEFAULT_CSS = """
    HookFormScreen > #dialog {
        width: 80;
    }
    """
    BINDINGS = [Binding("escape", "back_out", "Don't create")]

    def __init__(
        self, workflow: str = "", *, refused: HookForm | None = None, problem: str = ""
    ) -> None:
        """`refused`: a form the daemon refused (`problem` says why), shown again as it was
        typed, so that the operator mends one field instead of typing them all again."""
        super().__init__()
        self.workflow = refused.workflow if refused is not None else workflow
        self.refused = refused
        self.error = problem

    def compose(self) -> ComposeResult:
        refused = self.refused
        with Vertical(id="dialog"):
            yield Static("New inbound hook", id="question")
            yield Input(
                refused.name if refused else "",
                placeholder="name (letters, digits, _ . -)",
                id="name",
            )
            yield Input(self.workflow, placeholder="workflow: its id or name", id="workflow")
            yield Input(
                map_text(refused.input_map) if refused else "",
                placeholder="input mapping (optional): input=/json/pointer, other=/x",
                id="input_map",
            )
            yield Input(
                (refused.description or "") if refused else "",
                placeholder="description (optional), then enter",
                id="description",
            )
            yield Static(self.error, id="problem", markup=False)
            with Horizontal(id="buttons"):
                yield Button("Create (enter)", id="yes", variant="primary")
                yield Button("Don't (esc)", id="no", variant="default")

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "description":
            self.confirmed()
        else:
            self.focus_next()

    def confirmed(self) -> None:
        """Make the form from the fields, or say what is missing and stay open."""

        def value(field: str) -> str:
            return self.query_one(f"#{field}", Input).value.strip()

        try:
            mapping = parse_input_map(value("input_map"))
        except ValueError as exc:
            self._problem(f"input mapping: {exc}")
            return
        if not value("name") or not value("workflow"):
            self._problem("a hook needs a name and a workflow")
            return
        form = HookForm(value("name"), value("workflow"), mapping, value("description") or None)
        self.dismiss(form)

    def _problem(self, text: str) -> None:
        self.error = text
        self.query_one("#problem", Static).update(text)


class HookSecretScreen(FramedScreen[None]):
    """The secret of a hook just made: shown this once, with where senders post."""

    DEFAULT_CSS = """
    HookSecretScreen > #dialog {
        width: 80;
    }
    """
    BINDINGS = [Binding("escape,enter", "done", "Stored it")]

    def __init__(self, hook: Hook, url: str) -> None:
        super().__init__()
        self.hook = hook
        self.url = url

    def compose(self) -> ComposeResult:
        hook = self.hook
        with Vertical(id="dialog"):
            yield Static(f"Hook {hook.name}: its secret, shown this once", id="question")
            yield Input(hook.secret or "", id="secret")
            yield Static(
                f"Senders POST a JSON body to {self.url}{hook.path} with {TIMESTAMP_HEADER} "
                f"(Unix seconds), {DELIVERY_HEADER} (an id per delivery) and "
                f"{SIGNATURE_HEADER}: sha256=<HMAC-SHA256 of '{{timestamp}}.{{body}}' keyed with "
                "this secret>. Store it now: the daemon never shows it again (rotate makes a "
                "new one).",
                markup=False,
            )
            with Horizontal(id="buttons"):
                yield Button("Stored it (enter)", id="done", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#done", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    def action_done(self) -> None:
        self.dismiss(None)
