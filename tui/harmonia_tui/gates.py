"""Approval gates as the dashboard words them: the note of a waiting task (what it asks) and
the log line of a wait or a decision. One place, so the graph, the detail and the log agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["gate_log_text", "gate_note"]


GATE_KEYS = " (a approves, D rejects)"
"""How the note of a waiting task ends on the execution screen (not in the dialogs these
keys open, whose own keys are y/n, enter/esc)."""


def gate_note(gate: Mapping[str, Any] | None) -> str:
    """`awaiting approval: MESSAGE` for a waiting task (its gate as the journal recorded it),
    then the keys that decide it."""
    message = str((gate or {}).get("message") or "").strip()
    return "awaiting approval" + (f": {message}" if message else "") + GATE_KEYS


def gate_log_text(task: str, data: Mapping[str, Any]) -> str:
    """The log line of `task_waiting` or `approval_decided`."""
    if "decision" not in data:
        timeout = data.get("timeout")
        then = f"; after {timeout:g}s: {data.get('on_timeout', 'reject')}" if timeout else ""
        return f"{task} waits for approval: {data.get('message', '')}{then}"
    reason = f": {data['reason']}" if data.get("reason") else ""
    return f"{task} {data.get('decision', 'decided')} by {data.get('by', '?')}{reason}"
