"""The `/` filter box that list-like screens share.

`/` opens the box; typing filters at once; enter keeps the filter and goes back to the list;
esc clears it (and, with no filter open, goes back a screen). A screen says what filtering
means for it (`filter_applied`) and which widget has the keys when the box is done
(`filter_target`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING, ClassVar, Generic, TypeVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.coordinate import Coordinate
from textual.widget import Widget
from textual.widgets import DataTable, Input, Static

from harmonia_tui.screens.base import NOT_HERE_EXECUTION, HarmoniaScreen

if TYPE_CHECKING:
    from harmonia_tui.screens.confirm import ConfirmScreen

__all__ = [
    "LISTING_KEYS",
    "FilteredScreen",
    "ListingScreen",
    "TableScreen",
    "column_key",
    "filter_key",
]


def filter_key(by: str) -> Binding:
    """The `/` key of a list filtered by `by` (as `TableScreen.FILTER_BY`)."""
    return Binding("slash", "filter", "Filter", tooltip=f"Filter by {by}")


LISTING_KEYS = [
    Binding("u", "refresh", "Refresh", tooltip="Ask the daemon again"),
    Binding("r", "retry", "Retry", show=False),
    Binding("c", "cancel", "Cancel", show=False),
    Binding("escape", "back", "Back"),
]
"""The last keys of a listing screen's footer: ask again, the execution keys that apply
elsewhere (hidden), and back."""

Item = TypeVar("Item")


def column_key(label: str) -> str:
    """A table column's key: its label's first word ("next planned" is `next`)."""
    return label.split()[0]


class FilteredScreen(HarmoniaScreen):
    """A screen whose body includes an `Input` with id `filter`."""

    filter_text = ""

    def filter_applied(self) -> None:
        """Show what `filter_text` leaves (empty: everything)."""

    def filter_target(self) -> Widget:
        """The widget that gets the keys back when the filter box is done."""
        raise NotImplementedError

    def on_mount(self) -> None:
        # hidden, the box must not take keys: Tab, or the focus a new screen gives its first
        # focusable widget, would send what is typed to a filter nobody sees
        self.query_one("#filter", Input).disabled = True

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.disabled = False
        box.add_class("-active")
        box.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip()
        self.filter_applied()

    def enter_in_filter(self) -> bool:
        """Whether enter (a priority key of the list) came while the filter box had the focus:
        then it only ends the filtering, which keeps the filter."""
        if not isinstance(self.focused, Input):
            return False
        self._filter_done()
        return True

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        if not self.filter_text:
            self._hide_box()
        self.filter_target().focus()

    def _hide_box(self) -> None:
        box = self.query_one("#filter", Input)
        box.remove_class("-active")
        box.disabled = True

    def clear_filter(self) -> bool:
        """Close the filter box and show everything again; False when it was not open."""
        box = self.query_one("#filter", Input)
        if not box.has_class("-active"):
            return False
        box.value = ""
        self._hide_box()
        self.filter_text = ""
        self.filter_applied()
        self.filter_target().focus()
        return True

    def action_back(self) -> None:
        if not self.clear_filter():
            self.harmonia.back()


class TableScreen(FilteredScreen):
    """A filtered list in a `DataTable`, with a note (id `empty`) for when there is none.
    Subclasses name the table's columns and texts; the execution keys a list screen binds only
    to say where they apply (`ELSEWHERE`) are refused here with that reason."""

    DEFAULT_CSS = """
    TableScreen #empty {
        padding: 1 2;
        color: $text-muted;
        display: none;
    }
    TableScreen #empty.-shown {
        display: block;
    }
    """

    COLUMNS: ClassVar[tuple[str, ...]] = ()
    """The table's column labels, left to right (each one's key is `column_key`)."""
    NOUN = ""
    """What the rows are, plural ("hooks"): the table's id."""
    FILTER_BY = ""
    """What the `/` filter looks in, in words ("name or workflow")."""
    FILTER_KEYS = "esc clears it"
    EMPTY = ""
    """The note (id `empty`) as the screen opens."""
    TABLE: ClassVar[type[DataTable[Text | str]]] = DataTable
    ELSEWHERE: ClassVar[tuple[str, ...]] = ()
    """Execution actions bound here only so that their key says where it applies."""

    def compose_body(self) -> ComposeResult:
        yield Input(placeholder=f"filter by {self.FILTER_BY}; {self.FILTER_KEYS}", id="filter")
        yield Static(self.empty_note(), id="empty")
        table = self.TABLE(id=self.NOUN, cursor_type="row")
        for label in self.COLUMNS:
            table.add_column(label, key=column_key(label))
        yield table

    def empty_note(self) -> str:
        """The note (id `empty`) as the screen opens, before any row."""
        return self.EMPTY

    def unavailable(self, action: str) -> str | None:
        return NOT_HERE_EXECUTION if action in self.ELSEWHERE else None

    def never_here(self, action: str) -> bool:
        return action in self.ELSEWHERE

    def action_retry(self) -> None:
        """Never runs from a list of other things (`ELSEWHERE`): the key's toast says why."""
        return None

    action_resume = action_pause = action_cancel = action_retry

    def matching(self, items: Iterable[Item], text: Callable[[Item], str]) -> list[Item]:
        """The items whose `text` holds the filter, case aside (all of them with none)."""
        query = self.filter_text.lower()
        return [item for item in items if not query or query in text(item).lower()]

    def render_rows(self) -> None:
        """Fill the table with the rows `filter_text` leaves."""
        raise NotImplementedError

    def rows_shown(self, keys: list[str], keep: str | None, none: str, *, loaded: bool) -> None:
        """After `render_rows` filled the table with rows `keys`: the note for an empty list
        (`none`, or a wait while not `loaded`), and the cursor back on `keep` if still listed."""
        empty = self.query_one("#empty", Static)
        empty.update(none if loaded else "Asking the daemon...")
        empty.set_class(not keys, "-shown")
        if keep in keys:
            self.query_one(DataTable).move_cursor(row=keys.index(keep), animate=False)

    def filter_applied(self) -> None:
        self.render_rows()

    def filter_target(self) -> Widget:
        return self.query_one(DataTable)

    def highlighted_id(self) -> str | None:
        """The key of the row under the cursor."""
        table: DataTable[Text | str] = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        try:
            key = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key
        except Exception:
            return None
        return str(key.value) if key.value is not None else None


class ListingScreen(TableScreen, Generic[Item]):
    """A table of what one daemon call lists (components, schedules, hooks), asked again each
    time the screen comes back and on `action_refresh`; subclasses say what to ask and how to
    show one item (`listing`, `KEY`, `haystack`, `cells`)."""

    NONE = ""
    """The note when the daemon lists nothing (or the filter leaves nothing)."""
    KEY = "id"
    """The items' attribute that keys their rows (unique in the list)."""
    ELSEWHERE = ("retry", "cancel")

    def __init__(self) -> None:
        super().__init__()
        self.items: list[Item] = []
        self.filter_text = ""
        self.loaded = False

    @property
    def what(self) -> str:
        """What the call does, for its worker group and a failure's toast ("listing hooks")."""
        return f"listing {self.NOUN}"

    def listing(self) -> Awaitable[list[Item]]:
        raise NotImplementedError

    def empty_note(self) -> str:
        return self.EMPTY or f"Asking the daemon for its {self.NOUN}..."

    def key_of(self, item: Item) -> str:
        return str(getattr(item, self.KEY))

    def haystack(self, item: Item) -> str:
        """What the `/` filter looks in."""
        raise NotImplementedError

    def cells(self, item: Item) -> tuple[Text | str, ...]:
        """The item's row, one cell a column."""
        raise NotImplementedError

    def render_rows(self) -> None:
        table: DataTable[Text | str] = self.query_one(DataTable)
        keep = self.highlighted_id()
        table.clear()
        shown = self.matching(self.items, self.haystack)
        for item in shown:
            table.add_row(*self.cells(item), key=self.key_of(item))
        self.rows_shown([self.key_of(i) for i in shown], keep, self.NONE, loaded=self.loaded)
        self.refresh_keys()

    def highlighted(self) -> Item | None:
        key = self.highlighted_id()
        return next((item for item in self.items if self.key_of(item) == key), None)

    def last_run(self, item: Item) -> str | None:
        """The execution enter opens for `item` (the run it started last), if any: a screen
        that binds enter to `open_last` says which."""
        return None

    def action_open_last(self) -> None:
        if self.enter_in_filter():
            return
        item = self.highlighted()
        execution_id = self.last_run(item) if item is not None else None
        if execution_id is not None:
            self.harmonia.open_execution(execution_id)

    def action_filter(self) -> None:
        if not isinstance(self.focused, Input):
            super().action_filter()

    def with_highlighted(
        self,
        work: Callable[[Item], Awaitable[None]],
        *,
        group: str,
        ask: Callable[[Item], ConfirmScreen] | None = None,
    ) -> None:
        """Run `work` on the highlighted item as the one task of `group` (none highlighted:
        nothing), after a yes to `ask`'s question when there is one."""
        item = self.highlighted()
        if item is None:
            return
        if ask is None:
            self.start_task(partial(work, item), group=group, exclusive=True)
        else:
            self.confirm_then(ask(item), partial(work, item), group=group, exclusive=True)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#empty").add_class("-shown")
        self.query_one(DataTable).focus()

    def on_screen_resume(self) -> None:
        self.action_refresh()

    def action_refresh(self) -> None:
        self.start_task(self._load, group=self.what, exclusive=True)

    async def _load(self) -> None:
        items = await self.harmonia.api(self.listing(), what=self.what)
        if items is None:
            return
        self.items = items
        self.loaded = True
        self.render_rows()
