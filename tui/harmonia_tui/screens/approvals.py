"""The approval gate keys of the execution screen: `a` approves the selected waiting task
(after a confirm), `D` rejects (denies) it, asking why. The decision is recorded as made by `tui`,
with the reason, and a toast says what happened.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from harmonia_tui.fold import ExecutionView
from harmonia_tui.gates import GATE_KEYS
from harmonia_tui.screens.confirm import ConfirmScreen
from harmonia_tui.screens.dialog import Dialog

if TYPE_CHECKING:
    from harmonia_tui.app import HarmoniaApp

__all__ = [
    "GATE_BINDINGS",
    "RejectScreen",
    "approve_question",
    "decide",
    "gate_asks",
    "gate_unavailable",
]

GATE_BINDINGS = [
    Binding("a", "approve", "Approve", tooltip="Approve the selected task waiting for approval"),
    Binding("D", "reject", "Reject", tooltip="Reject the selected waiting task, with a reason"),
]


def gate_unavailable(view: ExecutionView | None, selected: str | None) -> str | None:
    """Why `a`/`d` do not apply now, or None when the selected task waits at a gate."""
    if view is None:
        return None  # the screen's own rule says why (still loading, or the load failed)
    waiting = [tid for tid, task in view.tasks.items() if task.status == "waiting"]
    if selected is None or selected not in view.tasks:
        return "select a task waiting for approval first" + (
            f" ({', '.join(waiting[:5])})" if waiting else ""
        )
    status = view.tasks[selected].status
    if status != "waiting":
        also = f"; waiting: {', '.join(waiting[:5])}" if waiting else ""
        return f"{selected} is {status}; only a task waiting for approval can be decided{also}"
    return None


def gate_asks(view: ExecutionView, task_id: str) -> str:
    """What the gate asks, for the dialogs of `a` and `D`: its note without the keys."""
    task = view.tasks[task_id]
    return (task.note or "awaiting approval").removesuffix(GATE_KEYS)


def approve_question(view: ExecutionView, task_id: str) -> ConfirmScreen:
    """Before an approval: what the gate asks, and what runs next."""
    return ConfirmScreen(
        f"Approve {task_id}?",
        [gate_asks(view, task_id), "Approved, it completes and the tasks after it run."],
        yes="Approve",
        no="Don't",
    )


class RejectScreen(Dialog[str]):
    """Reject a gate: the reason typed (enter or the button) confirms; esc does not reject.
    Answers the reason ("" when none was given), or None when the operator backed out."""

    DEFAULT_CSS = """
    RejectScreen > #dialog {
        border: thick $error;
    }
    """

    BINDINGS = [Binding("escape", "back_out", "Don't reject")]

    def __init__(self, task_id: str, asks: str) -> None:
        super().__init__()
        self.task_id = task_id
        self.asks = asks

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(f"Reject {self.task_id}?", id="question", markup=False)
            yield Static(self.asks, markup=False)
            yield Static("Rejected, it fails (kind rejected); the tasks after it do not run.")
            yield Input(placeholder="why (optional), then enter", id="reason")
            with Horizontal(id="buttons"):
                yield Button("Reject (enter)", id="yes", variant="error")
                yield Button("Don't (esc)", id="no", variant="default")

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()

    @on(Input.Submitted, "#reason")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip())

    def confirmed(self) -> None:
        self.dismiss(self.query_one("#reason", Input).value.strip())


async def decide(
    app: HarmoniaApp, execution_id: str, task_id: str, *, approve: bool, reason: str | None
) -> None:
    """Send the decision (as `tui`); a toast says it was recorded."""
    client = app.connection.client
    call = client.approve_task if approve else client.reject_task
    verb = "approving" if approve else "rejecting"
    result = await app.api(
        call(execution_id, task_id, reason=reason, by="tui"), what=f"{verb} {task_id}"
    )
    if result is not None:
        why = f": {result.reason}" if result.reason else ""
        app.notify(
            f"{task_id} {result.decision} by {result.by}{why}",
            title=f"{'Approved' if approve else 'Rejected'} {task_id}",
            severity="information" if approve else "warning",
            markup=False,
        )
