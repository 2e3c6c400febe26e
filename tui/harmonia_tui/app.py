"""The Textual app: screens, the connection they share, and how actions report back.

Every call to the daemon goes through `HarmoniaApp.api`, which turns an error answer into a
toast that names the code and every problem, and a missing answer into the connection banner:
nothing the daemon says is swallowed.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Awaitable, Iterable, Mapping
from contextlib import suppress
from pathlib import Path
from typing import Any, Literal, TypeVar

import anyio
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.reactive import reactive
from textual.screen import Screen
from textual.worker import WorkerCancelled, WorkerError, WorkerFailed

from harmonia.client import (
    ApiError,
    ClientError,
    DaemonUnreachable,
    Execution,
    UnauthorizedError,
    ValidationError,
)
from harmonia_tui.connection import Connection, LinkState
from harmonia_tui.format import Clock, Glyphs, system_clock
from harmonia_tui.palette import ExecutionCommands, WorkflowCommands
from harmonia_tui.screens.base import HarmoniaScreen
from harmonia_tui.screens.components import ComponentsScreen
from harmonia_tui.screens.execution import ExecutionScreen
from harmonia_tui.screens.executions import ExecutionsScreen
from harmonia_tui.screens.help import HelpScreen
from harmonia_tui.screens.hooks import HooksScreen
from harmonia_tui.screens.schedules import SchedulesScreen
from harmonia_tui.screens.start_form import StartWorkflowScreen
from harmonia_tui.screens.workflows import WorkflowsScreen
from harmonia_tui.widgets.messages import LiveMessage

__all__ = ["HarmoniaApp"]

T = TypeVar("T")


QUIT_WAIT = 2.0
"""Seconds the app waits at quit for its cancelled workers before closing the client anyway."""


class HarmoniaApp(App[None]):
    """The dashboard. `connection` is the daemon; `clock` renders every relative time."""

    TITLE = "Harmonia"
    CSS = """
    Screen {
        layout: vertical;
    }
    DataTable {
        height: 1fr;
    }
    .-ascii ExecutionScreen #right {
        border-left: ascii $primary 50%;
    }
    """

    BINDINGS = [
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
        Binding("ctrl+p", "command_palette", "Palette", tooltip="Search every action"),
        Binding("e", "executions", "Executions", show=False),
        Binding("w", "workflows", "Workflows", show=False),
        Binding("o", "components", "Components", show=False),
        Binding("S", "schedules", "Schedules", show=False),
        Binding("H", "hooks", "Hooks", show=False),
    ]

    COMMANDS = App.COMMANDS | {ExecutionCommands, WorkflowCommands}

    link_state: reactive[LinkState] = reactive(LinkState, init=False)

    def __init__(
        self,
        connection: Connection,
        *,
        clock: Clock = system_clock,
        ascii: bool = False,
        description: str | None = None,
        run_file: str | Path | None = None,
        run_input: Mapping[str, Any] | None = None,
        open_execution: str | None = None,
        coalesce_interval: float = 0.05,
        watch_health: bool = True,
        close_client: bool = False,
    ) -> None:
        super().__init__()
        self.connection = connection
        self.clock = clock
        self.glyphs = Glyphs(ascii=ascii)
        self.description = description or f"daemon {connection.url}"
        self.run_file = Path(run_file) if run_file is not None else None
        self.run_input = dict(run_input) if run_input else None
        self.open_at_start = open_execution
        self.coalesce_interval = coalesce_interval
        self.watch_health = watch_health
        self.close_client = close_client
        self.messages: deque[tuple[str, str, str]] = deque(maxlen=200)
        self.live_messages: list[LiveMessage] = []
        self._unsubscribe = connection.subscribe(self._on_link)
        self.set_reactive(HarmoniaApp.link_state, connection.state)

    def get_key_display(self, binding: Binding) -> str:
        if self.glyphs.ascii:
            return binding.key_display or (
                binding.key.replace("question_mark", "?")
                .replace("slash", "/")
                .replace("escape", "esc")
                .replace("ctrl+", "^")  # short: an 80-column footer holds every key
            )
        return super().get_key_display(binding)

    # ---- lifecycle --------------------------------------------------------------------------
    def on_mount(self) -> None:
        self.sub_title = self.description
        if self.glyphs.ascii:
            self.add_class("-ascii")
        if self.watch_health:
            self.run_worker(self.connection.watch(), name="health", group="health")
        if self.open_at_start is not None and self.run_file is None:
            # straight to it: the executions screen is made when first needed (esc)
            self.open_execution(self.open_at_start)
            return
        self.push_screen(ExecutionsScreen())
        if self.run_file is not None:
            self.run_worker(self._run_file(self.run_file), name="run-file")

    async def on_unmount(self) -> None:
        """Close the client only once the workers that use it are gone: Textual has asked them
        to stop by now but not waited, and one still sending met a closed client."""
        self._unsubscribe()
        if self.close_client:
            with anyio.move_on_after(QUIT_WAIT):
                for worker in list(self.workers):
                    with suppress(WorkerCancelled, WorkerFailed, WorkerError):
                        await worker.wait()
            await self.connection.client.aclose()

    def _on_link(self, state: LinkState) -> None:
        was_connected = self.link_state.connected
        self.link_state = state
        if state.connected and not was_connected:
            self.notify("Reconnected to the daemon; catching up.", title="Connection", timeout=3)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Say something in the bar of the topmost full screen (it covers nothing): also
        under a dialog, whose own errors it shows itself, so that nothing is left drawn over
        the screen the dialog returns to. The last ones are also kept in `messages` (tests)."""
        self.messages.append((severity, title, message))
        screen = self._bar_screen()
        if screen is None:
            super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)
            return
        seconds = self.NOTIFICATION_TIMEOUT if timeout is None else timeout
        self.live_messages = [m for m in self.live_messages if m.live]
        self.live_messages.append(LiveMessage(severity, title, message, time.monotonic() + seconds))
        screen.show_messages()
        self.set_timer(seconds + 0.05, self._messages_expired)

    def _bar_screen(self) -> HarmoniaScreen | None:
        return next((s for s in reversed(self.screen_stack) if isinstance(s, HarmoniaScreen)), None)

    def _messages_expired(self) -> None:
        screen = self._bar_screen()
        if screen is not None:
            screen.show_messages()

    # ---- talking to the daemon --------------------------------------------------------------
    async def api(self, call: Awaitable[T], *, what: str, file: str | None = None) -> T | None:
        """Await one API call; on failure say so (toast) and return None."""
        try:
            result = await call
        except UnauthorizedError as exc:
            self.connection.refused(f"{exc.status} {exc.code}: {exc.message}")
            return None
        except ApiError as exc:
            self.show_api_error(exc, what, file=file)
            return None
        except DaemonUnreachable as exc:
            self.connection.lost(exc.reason or str(exc))
            self.notify(str(exc), title=f"{what} failed", severity="error", markup=False)
            return None
        self.connection.alive()
        self.connection.accepted()
        return result

    def show_client_error(self, exc: ClientError, what: str) -> None:
        """Any client error, from work in the background (`what` names it)."""
        if isinstance(exc, UnauthorizedError):
            self.connection.refused(f"{exc.status} {exc.code}: {exc.message}")
            return
        if isinstance(exc, ApiError):
            self.show_api_error(exc, what)
            return
        if isinstance(exc, DaemonUnreachable):
            self.connection.lost(exc.reason or str(exc))
        self.notify(str(exc), title=f"{what} failed", severity="error", timeout=12, markup=False)

    def show_api_error(self, exc: ApiError, what: str, *, file: str | None = None) -> None:
        message, *problems = exc.message_lines(file if isinstance(exc, ValidationError) else None)
        lines = [message, *problems[:12]]
        if len(problems) > 12:
            lines.append(f"... and {len(problems) - 12} more")
        self.notify(
            "\n".join(lines),
            title=f"{what} failed: {exc.status} {exc.code}",
            severity="error",
            timeout=12,
            markup=False,
        )

    async def _run_file(self, path: Path) -> None:
        """`--run FILE`: store the workflow, start it and open its execution."""
        try:
            text = await anyio.Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            self.notify(
                f"cannot read {path}: {exc.strerror or exc}",
                title="--run failed",
                severity="error",
                timeout=12,
                markup=False,
            )
            return
        fmt: Literal["yaml", "json"] = "json" if path.suffix.lower() == ".json" else "yaml"
        client = self.connection.client
        info = await self.api(
            client.create_workflow(text, fmt=fmt), what=f"storing {path}", file=str(path)
        )
        if info is None:
            return
        refused: list[ValidationError] = []

        async def starting() -> Execution:
            try:
                return await client.start_execution(info.id, input=self.run_input)
            except ValidationError as exc:
                refused.append(exc)
                raise

        execution = await self.api(starting(), what=f"starting {info.name}")
        if execution is not None:
            said = f"{info.name}: execution {execution.id} started"
            self.notify(said, title="Started", markup=False)
            self.open_execution(execution.id)
        elif refused:  # its input: the start form, with the values given and the problems
            workflow = await self.api(client.get_workflow(info.id), what="reading the workflow")
            if workflow is not None:
                given = self.run_input
                self._open_form(StartWorkflowScreen(workflow, given=given, refused=refused[0]))

    # ---- navigation -------------------------------------------------------------------------
    def open_execution(self, execution_id: str) -> None:
        """Open it; the list, when back on it, has its highlight on it."""
        for screen in self.screen_stack:
            if isinstance(screen, ExecutionsScreen):
                screen.select(execution_id)
        self.push_screen(ExecutionScreen(execution_id))

    def start_workflow(self, workflow_id: str) -> None:
        """The start form of a stored workflow (from the palette); started, it opens."""
        self.run_worker(self._start_form(workflow_id), group="start form", exclusive=True)

    async def _start_form(self, workflow_id: str) -> None:
        client = self.connection.client
        workflow = await self.api(client.get_workflow(workflow_id), what="reading the workflow")
        if workflow is not None:
            self._open_form(StartWorkflowScreen(workflow))

    def _open_form(self, form: StartWorkflowScreen) -> None:
        """A start form (a workflow's or a template's); the execution it starts opens."""

        def started(execution_id: str | None) -> None:
            if execution_id:
                self.open_execution(execution_id)

        self.push_screen(form, started)

    def start_template(self, template: str) -> None:
        """The start form of a template (by id or name): one field per parameter."""
        self.run_worker(self._template_form(template), group="start form", exclusive=True)

    async def _template_form(self, name: str) -> None:
        from harmonia_tui.screens.template_form import StartTemplateScreen

        found = await self.api(
            self.connection.client.get_template(name), what="reading the template"
        )
        if found is not None:
            self._open_form(StartTemplateScreen(found))

    def action_executions(self) -> None:
        """Back to the executions screen, making it if the app opened on an execution."""
        if not any(isinstance(s, ExecutionsScreen) for s in self.screen_stack):
            while len(self.screen_stack) > 2:
                self.pop_screen()
            self.switch_screen(ExecutionsScreen())
            return
        while not isinstance(self.screen, ExecutionsScreen):
            self.pop_screen()

    def back(self) -> None:
        """Leave the current screen for the one below it (the executions, at the bottom)."""
        below = self.screen_stack[-2] if len(self.screen_stack) > 1 else None
        if below is None or type(below) is Screen:
            self.switch_screen(ExecutionsScreen())
        else:
            self.pop_screen()

    def action_workflows(self, select: str | None = None) -> None:
        if isinstance(self.screen, WorkflowsScreen):
            return
        self.push_screen(WorkflowsScreen(select=select))

    def action_components(self) -> None:
        if not isinstance(self.screen, ComponentsScreen):
            self.push_screen(ComponentsScreen())

    def action_schedules(self) -> None:
        if not isinstance(self.screen, SchedulesScreen):
            self.push_screen(SchedulesScreen())

    def action_hooks(self) -> None:
        if not isinstance(self.screen, HooksScreen):
            self.push_screen(HooksScreen())

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.screen))

    # ---- the command palette (ctrl+p) ----------------------------------------------------------
    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        if isinstance(screen, HarmoniaScreen):
            yield from screen.palette_commands()
        yield SystemCommand("Executions", "List executions (e)", self.action_executions)
        yield SystemCommand("Workflows", "Stored workflows; start one (w)", self.action_workflows)
        yield SystemCommand("Components", "What workflows may call (o)", self.action_components)
        yield SystemCommand("Schedules", "Schedules and their next runs (S)", self.action_schedules)
        yield SystemCommand("Hooks", "Inbound hooks and their deliveries (H)", self.action_hooks)
        yield SystemCommand("Help", "Every key binding (?)", self.action_help)
        yield from super().get_system_commands(screen)
