"""Driving the TUI against a real daemon in tests: building the app, waiting on conditions
(with deadlines, never fixed sleeps), workflows that fail in known ways, and reading toasts."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import anyio.lowlevel
from harmonia_tui.app import HarmoniaApp
from harmonia_tui.connection import Connection
from harmonia_tui.screens.execution import ExecutionScreen
from helpers.daemon_testing import Harmoniad, chain_workflow, held
from helpers.waiting import wait_until_async
from textual.command import Command, CommandList, CommandPalette
from textual.pilot import Pilot

from harmonia.client import AsyncClient, Reconnect

__all__ = [
    "FAST_RECONNECT",
    "HEALTH_TIMEOUT",
    "SAMPLES",
    "SIZE",
    "execution_screen",
    "flaky_workflow",
    "free_port",
    "held",
    "loaded",
    "make_app",
    "palette_offers",
    "press",
    "sleepy_chain",
    "task_status",
    "toasted",
    "toasts",
    "unique",
    "until",
    "wait_finished",
]

FAST_RECONNECT = Reconnect(attempts=1_000_000, initial_delay=0.05, max_delay=0.3, stable_after=5)
HEALTH_TIMEOUT = 10.0
"""The tests' daemons go away by being killed or stopped, which a probe learns at once (refused);
a short time-out only made a busy machine's slow answer look like an outage (a flaky banner)."""


def make_app(daemon: Harmoniad, **kwargs: Any) -> HarmoniaApp:
    """The app on `daemon`, probing its health often so that outages show at once."""
    client = AsyncClient(daemon.url, daemon.token, reconnect=FAST_RECONNECT, timeout=10)
    connection = Connection(
        client, health_interval=0.2, retry_interval=0.1, health_timeout=HEALTH_TIMEOUT
    )
    return HarmoniaApp(connection, close_client=True, **kwargs)


def api_client(daemon: Harmoniad) -> AsyncClient:
    return AsyncClient(daemon.url, daemon.token, timeout=10)


async def until(
    pilot: Pilot[Any], predicate: Callable[[], object], what: str, deadline: float = 20
) -> None:
    """Let the app run until `predicate()` holds; fail after `deadline` seconds."""

    def state() -> str:
        screen = type(pilot.app.screen).__name__
        return f"screen: {screen}\nlast toasts: {toasts(pilot.app)[-5:]}"

    await wait_until_async(predicate, deadline, what, wake=lambda: pilot.pause(0.02), detail=state)


async def press(pilot: Pilot[Any], *keys: str) -> None:
    """Send keys as a terminal would, without waiting: follow with `until(...)`.

    `Pilot.press` waits for the process to look idle after each key, which a screen following
    a running execution never does (it redraws twenty times a second), so each press would
    cost up to two seconds. Typing text into an input still wants `Pilot.press` (it sends
    characters, not just keys).
    """
    for key in keys:
        # Textual hands a key to the focused widget; just after a screen change that widget
        # may not be processing yet and the key is lost (a person, who waits to see the new
        # screen, never hits this). So first let the screen catch up with its messages.
        await pilot.pause(0)
        pilot.app.simulate_key(key)
        await anyio.lowlevel.checkpoint()


def toasts(app: Any) -> list[str]:
    """Every toast the app showed: 'severity|title|message'."""
    return [f"{s}|{t}|{m}" for s, t, m in app.messages]


def toasted(app: Any, *parts: str) -> bool:
    """Whether one toast the app showed holds every one of `parts`."""
    return any(all(part in toast for part in parts) for toast in toasts(app))


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


def flaky_workflow(name: str, marker: Path) -> dict[str, Any]:
    """`flaky` fails its first run (exit 3) and succeeds on any later one; `after` needs it,
    `side` does not."""
    return {
        "name": name,
        "tasks": {
            "setup": {"component": "core", "action": "echo", "input": {"step": 1}},
            "flaky": {
                "component": "shell",
                "action": "run",
                "depends_on": ["setup"],
                "input": {
                    "command": f"if [ -f '{marker}' ]; then echo ok; else touch '{marker}'; "
                    "echo 'not yet' >&2; exit 3; fi"
                },
            },
            "after": {
                "component": "core",
                "action": "echo",
                "depends_on": ["flaky"],
                "input": {"got": "${tasks.flaky.output.stdout}"},
            },
            "side": {"component": "core", "action": "echo", "depends_on": ["setup"], "input": {}},
        },
    }


def sleepy_chain(name: str, n: int = 40, seconds: float = 0.15) -> dict[str, Any]:
    """A chain slow enough for a screen to be looked at while it runs."""
    return chain_workflow(n, seconds, name)


async def start(daemon: Harmoniad, document: dict[str, Any], **input: Any) -> str:
    """Store the workflow and start it: the execution id."""
    async with api_client(daemon) as client:
        info = await client.create_workflow(document)
        execution = await client.start_execution(info.id, input=input or None)
        return execution.id


async def wait_finished(daemon: Harmoniad, execution_id: str) -> str:
    async with api_client(daemon) as client:
        return (await client.wait(execution_id, timeout=30)).status


# ---- reading the app's state -------------------------------------------------------------------

SIZE = (110, 32)
"""The terminal of the Pilot tests: columns, rows."""
SAMPLES = Path(__file__).resolve().parents[2] / "sample_workflows"


def free_port() -> int:
    """A port nothing listens on (for a daemon started later, or for none at all)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def execution_screen(app: HarmoniaApp) -> ExecutionScreen:
    screen = app.screen
    assert isinstance(screen, ExecutionScreen), type(screen).__name__
    return screen


def loaded(app: HarmoniaApp, status: str | None = None) -> bool:
    screen = app.screen
    if not isinstance(screen, ExecutionScreen) or screen.view is None:
        return False
    return status is None or screen.view.status == status


def palette_offers(app: HarmoniaApp, prompt: str) -> bool:
    """The command palette is done searching and highlights the command `prompt`."""
    palette = app.screen
    if not isinstance(palette, CommandPalette):
        return False
    if any(worker.node is palette and not worker.is_finished for worker in app.workers):
        return False  # still searching: the list may change yet
    option = palette.query_one(CommandList).highlighted_option
    return isinstance(option, Command) and option.hit.text == prompt


def task_status(app: HarmoniaApp, task_id: str) -> str | None:
    screen = app.screen
    if not isinstance(screen, ExecutionScreen) or screen.view is None:
        return None
    return screen.view.tasks[task_id].status
