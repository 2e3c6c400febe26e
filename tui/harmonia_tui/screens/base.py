"""What every full screen shares: the header, the connection banner, the footer, and keys that
may not apply right now.

A screen says why an action does not apply (`unavailable`); the footer then shows its key
dimmed (`check_action` answers None), and pressing it anyway shows the reason as a toast
instead of doing nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING, cast

from textual import events
from textual.app import ComposeResult, SystemCommand
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Footer, Header, Input

from harmonia.client import ClientError
from harmonia_tui.connection import LinkState
from harmonia_tui.widgets.banner import ConnectionBanner
from harmonia_tui.widgets.messages import MessageBar

if TYPE_CHECKING:
    from harmonia_tui.app import HarmoniaApp
    from harmonia_tui.screens.confirm import ConfirmScreen

__all__ = ["NOT_HERE_EXECUTION", "HarmoniaScreen"]

NOT_HERE_EXECUTION = "applies to an execution: open one first (e lists them, enter opens one)"


class HarmoniaScreen(Screen[None]):
    """Header, banner, body (`compose_body`), footer."""

    DEFAULT_CSS = """
    HarmoniaScreen #filter {
        display: none;
        dock: top;
        height: 3;
    }
    HarmoniaScreen #filter.-active {
        display: block;
    }
    """

    _key_signature: tuple[bool, ...] = ()

    @property
    def harmonia(self) -> HarmoniaApp:
        return cast("HarmoniaApp", self.app)

    def compose(self) -> ComposeResult:
        yield Header(icon="H")
        yield ConnectionBanner(self.harmonia.connection.url, self.harmonia.glyphs.ascii)
        yield from self.compose_body()
        yield MessageBar()
        # the palette's key is an ordinary binding of the app (`HarmoniaApp.BINDINGS`): the
        # footer's own, docked right, was drawn over the other keys on a narrow terminal
        yield Footer(compact=True, show_command_palette=False)

    def compose_body(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        banner = self.query_one(ConnectionBanner)
        banner.show_state(self.harmonia.link_state)
        self.watch(self.harmonia, "link_state", self._link_changed, init=False)

    def on_screen_resume(self) -> None:
        self.show_messages()

    def show_messages(self) -> None:
        """The app's messages still live, in this screen's bar."""
        try:
            bar = self.query_one(MessageBar)
        except NoMatches:
            return
        bar.show(self.harmonia.live_messages)

    def _link_changed(self, state: LinkState) -> None:
        self.query_one(ConnectionBanner).show_state(state)
        self.link_changed(state)

    def link_changed(self, state: LinkState) -> None:
        """The daemon went away or came back (subclasses catch up here)."""

    # ---- keys that may not apply --------------------------------------------------------------
    def unavailable(self, action: str) -> str | None:
        """Why `action` does not apply now, or None when it does."""
        return None

    def never_here(self, action: str) -> bool:
        """Whether `action` cannot apply on this screen whatever is selected (a task's retry
        on a list of executions): its key is bound only to say where it applies."""
        return False

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A key that applies is shown; one that does not now is dimmed, or, when the footer
        cannot hold every key, left out; one that never applies here (`never_here`) is left
        out always: a dimmed `r Retry` on a list of workflows promised a key that would never
        work there. A key left out still says why when pressed, and `?` lists it."""
        if self.unavailable(action) is None:
            return True
        if self.never_here(action):
            return False
        return False if self.footer_crowded() else None

    def _left_out(self, action: str) -> bool:
        return self.never_here(action) and self.unavailable(action) is not None

    def footer_crowded(self) -> bool:
        """Whether the footer's keys, dimmed ones included, are wider than the terminal."""
        seen: set[str] = set()
        width = -1
        for node in (self, self.app):
            for bindings in node._bindings.key_to_bindings.values():
                for binding in bindings:
                    if not binding.show or binding.action in seen or self._left_out(binding.action):
                        continue
                    seen.add(binding.action)
                    key = self.app.get_key_display(binding)
                    width += len(key) + 1 + len(binding.description) + 1
        return width > self.app.size.width

    def on_resize(self) -> None:
        self._key_signature = ()
        self.refresh_keys()

    def on_key(self, event: events.Key) -> None:
        """A key whose action does not apply: say why, rather than nothing."""
        if isinstance(self.focused, Input):
            return
        for key in event.aliases:
            for binding in self._bindings.key_to_bindings.get(key, ()):
                reason = self.unavailable(binding.action)
                if reason is not None:
                    event.stop()
                    event.prevent_default()
                    label = binding.description or binding.action
                    display = self.app.get_key_display(binding)
                    self.notify(reason, title=f"{display} {label}: not now", severity="warning")
                    return

    def palette_commands(self) -> Iterable[SystemCommand]:
        """This screen's actions that apply now, for the command palette."""
        seen: set[str] = set()
        for bindings in self._bindings.key_to_bindings.values():
            for binding in bindings:
                if binding.action in seen or not binding.show or binding.action == "back":
                    continue
                seen.add(binding.action)
                if self.unavailable(binding.action) is None:
                    key = self.app.get_key_display(binding)
                    yield SystemCommand(
                        binding.description,
                        f"{binding.tooltip or binding.description} ({key})",
                        partial(self.run_action, binding.action),
                    )

    # ---- background work ----------------------------------------------------------------------
    @property
    def gone(self) -> bool:
        """Closed, popped, or the app is quitting: results have nowhere to go."""
        return self._closing or not self.is_attached or self not in self.app.screen_stack

    def start_task(
        self, work: Callable[[], Awaitable[None]], *, group: str, exclusive: bool = False
    ) -> None:
        """Run `work` as a worker of this screen. A screen that goes away while it awaits the
        daemon loses its widgets; what the work then finds missing is no error."""

        async def guarded() -> None:
            try:
                await work()
            except NoMatches:
                if not self.gone:
                    raise
            except ClientError as exc:  # shown, never swallowed; the app goes on
                if not self.gone:
                    self.harmonia.show_client_error(exc, group)

        # a callable, not a coroutine: a worker cancelled before it starts leaves none unawaited
        self.run_worker(guarded, group=group, exclusive=exclusive)  # type: ignore[arg-type]

    def confirm_then(
        self,
        question: ConfirmScreen,
        work: Callable[[], Awaitable[None]],
        *,
        group: str,
        exclusive: bool = False,
    ) -> None:
        """Ask `question`; on yes run `work` as `start_task` does. Every action that cannot be
        taken back (cancel, delete, skip, a new secret) goes through here."""

        def answered(yes: bool | None) -> None:
            if yes:
                self.start_task(work, group=group, exclusive=exclusive)

        self.app.push_screen(question, answered)

    def refresh_keys(self) -> None:
        """Re-evaluate which keys apply, after a change that may alter that. The footer is
        redrawn only when some key's availability actually changed: redrawing it is costly."""
        actions = sorted(
            {b.action for bindings in self._bindings.key_to_bindings.values() for b in bindings}
        )
        signature = (
            self.footer_crowded(),
            *(self.unavailable(action) is None for action in actions),
        )
        if signature != self._key_signature:
            self._key_signature = signature
            self.refresh_bindings()
