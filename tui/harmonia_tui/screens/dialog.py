"""The modal dialogs' buttons: one confirms, any other backs out, as esc does.

Forms and editors differ in what confirming does (check the fields, parse the JSON, take the
reason); backing out is the same everywhere: the dialog answers None and nothing is sent.
"""

from __future__ import annotations

from typing import TypeVar

from textual.screen import ModalScreen
from textual.widgets import Button

__all__ = ["Dialog"]

Answer = TypeVar("Answer")


class Dialog(ModalScreen[Answer | None]):
    """The button with id `YES` runs `confirmed`; another, or `back_out`, answers None."""

    YES = "yes"

    def confirmed(self) -> None:
        """The confirming button was pressed: check what was entered, then dismiss."""
        raise NotImplementedError

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == self.YES:
            self.confirmed()
        else:
            self.dismiss(None)

    def action_back_out(self) -> None:
        self.dismiss(None)
