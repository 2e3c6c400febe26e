"""The command palette's own searches: executions to open and stored workflows to start, by
name, id or status, as the help promises (the screens' keys come from `get_system_commands`).

Each provider reads the daemon once when the palette opens; a daemon that does not answer
leaves it with nothing to offer, and the banner already says why.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Generic, TypeVar, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from harmonia.client import ClientError, ExecutionSummary, WorkflowInfo

if TYPE_CHECKING:
    from harmonia_tui.app import HarmoniaApp

__all__ = ["ExecutionCommands", "WorkflowCommands"]

LISTED = 200
"""The newest executions the palette searches."""
DISCOVERED = 5
"""Offered before anything is typed."""

Item = TypeVar("Item")


class DaemonCommands(Provider, Generic[Item]):
    """A search over what the daemon listed (`load`) as the palette opened: each item is
    offered as a command (`offer`), matched on its text and `haystack`, and runs `run`."""

    items: list[Item]
    _loading: asyncio.Task[None] | None = None

    @property
    def harmonia(self) -> HarmoniaApp:
        return cast("HarmoniaApp", self.app)

    async def startup(self) -> None:
        """Start the read, not await it: Textual's searches await `startup`'s task, and a
        keystroke cancels a search, which cancelled that task with it (the read lost, the
        palette empty until reopened, for anyone who types before the daemon answers)."""
        self.items = []
        self._loading = asyncio.create_task(self.load())

    async def shutdown(self) -> None:
        if self._loading is not None:
            self._loading.cancel()

    async def loaded(self) -> list[Item]:
        """The items, once read; a cancelled search leaves the read running for the next."""
        if self._loading is not None:
            await asyncio.shield(self._loading)
        return self.items

    async def load(self) -> None:
        """Read the daemon's items into `items` (nothing, if it does not answer)."""
        raise NotImplementedError

    def offer(self, item: Item) -> tuple[str, str]:
        """The command's text and its help line."""
        raise NotImplementedError

    def haystack(self, item: Item) -> str:
        """What a query is matched on besides the command's text."""
        raise NotImplementedError

    def run(self, item: Item) -> Callable[[], object]:
        """What choosing the command does."""
        raise NotImplementedError

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for item in await self.loaded():
            text, help = self.offer(item)
            score = matcher.match(f"{text} {self.haystack(item)}")
            if score > 0:
                yield Hit(score, matcher.highlight(text), self.run(item), text=text, help=help)


class ExecutionCommands(DaemonCommands[ExecutionSummary]):
    """`Open <workflow> <id>` for the newest executions."""

    async def load(self) -> None:
        try:
            page = await self.harmonia.connection.client.list_executions(limit=LISTED)
        except ClientError:
            return
        self.items = list(page.items)

    def offer(self, item: ExecutionSummary) -> tuple[str, str]:
        return f"Open {item.workflow} {item.id}", f"execution, {item.status}"

    def haystack(self, item: ExecutionSummary) -> str:
        return item.status

    def run(self, item: ExecutionSummary) -> Callable[[], object]:
        return partial(self.harmonia.open_execution, item.id)

    async def discover(self) -> Hits:
        for summary in (await self.loaded())[:DISCOVERED]:
            text, help = self.offer(summary)
            yield DiscoveryHit(text, self.run(summary), text=text, help=help)


class WorkflowCommands(DaemonCommands[WorkflowInfo]):
    """`Start <name>` for every stored workflow (the start form asks for its inputs)."""

    async def load(self) -> None:
        client = self.harmonia.connection.client
        offset = 0
        try:
            while True:
                page = await client.list_workflows(limit=200, offset=offset)
                self.items.extend(page.items)
                if not page.has_more or not page.items:
                    break
                offset += len(page.items)
        except ClientError:
            return

    def offer(self, item: WorkflowInfo) -> tuple[str, str]:
        version = f" {item.version}" if item.version else ""
        tasks = f"{item.task_count} task" + ("" if item.task_count == 1 else "s")
        return f"Start {item.name}{version}", f"stored workflow {item.id}, {tasks}"

    def haystack(self, item: WorkflowInfo) -> str:
        return item.id

    def run(self, item: WorkflowInfo) -> Callable[[], object]:
        return partial(self.harmonia.start_workflow, item.id)
