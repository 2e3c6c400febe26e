"""A modal with a JSON editor under a question: the confirm of a retry with an input override
(prefilled with the input as last rendered) and of a task completed by hand (its output).

What it says it will do is listed above the editor. JSON that does not parse, or is not the
object an override must be, is shown under the editor and never sent: the dialog stays open.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Static, TextArea

from harmonia.valuekinds import a_json_kind
from harmonia_tui.screens.dialog import Dialog

__all__ = ["Edited", "JsonEditScreen", "parse_edit"]


@dataclass(frozen=True)
class Edited:
    """The confirmed value (wrapped: `null` is a value an operator may mean)."""

    value: Any


def parse_edit(text: str, *, need_object: bool) -> tuple[Any, str | None]:
    """The text as JSON, or why it is not acceptable (line and column of a syntax error)."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
    if need_object and not isinstance(value, dict):
        return None, f"must be a JSON object, not {a_json_kind(value)}"
    return value, None


class JsonEditScreen(Dialog[Edited]):
    """ctrl+s (or the first button) confirms when the JSON is valid; esc does not."""

    DEFAULT_CSS = """
    JsonEditScreen > #dialog {
        width: 90;
        border: thick $warning;
    }
    JsonEditScreen #details {
        max-height: 10;
    }
    JsonEditScreen TextArea {
        height: 14;
    }
    """

    BINDINGS = [
        Binding("ctrl+s", "confirm", "Confirm", priority=True),
        Binding("escape", "back_out", "Cancel"),
    ]

    def __init__(
        self,
        question: str,
        lines: list[str],
        text: str,
        *,
        yes: str,
        need_object: bool = False,
        allowed: bool = True,
    ) -> None:
        super().__init__()
        self.question = question
        self.lines = lines
        self.text = text
        self.yes = yes
        self.need_object = need_object
        self.allowed = allowed
        """False when the action would be refused now (said in `lines`): only Cancel works."""
        self.problem = ""
        """What is wrong with the JSON as last confirmed ("" when nothing is)."""

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(self.question, id="question", markup=False)
            with VerticalScroll(id="details"):
                yield Static("\n".join(self.lines), markup=False)
            yield TextArea(
                self.text,
                language=None,
                id="editor",
                show_line_numbers=True,
                highlight_cursor_line=False,
            )
            yield Static("", id="problem", markup=False)
            with Horizontal(id="buttons"):
                yield Button(
                    f"{self.yes} (ctrl+s)", id="yes", variant="warning", disabled=not self.allowed
                )
                yield Button("Cancel (esc)", id="no", variant="default")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def confirmed(self) -> None:
        self.action_confirm()

    def action_confirm(self) -> None:
        if not self.allowed:
            return
        value, problem = parse_edit(self.query_one(TextArea).text, need_object=self.need_object)
        if problem is not None:
            self.problem = problem
            self.query_one("#problem", Static).update(problem)
            return
        self.dismiss(Edited(value))
