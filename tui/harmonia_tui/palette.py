"""The command palette's own searches: executions to open and stored workflows to start, by
name, id or status, as the help promises (the screens' keys come from `get_system_commands`).

Each provider reads the daemon once when the palette opens; a daemon that does not answer
leaves it with nothing to offer, and the banner already says why.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from harmonia.client import ClientError, ExecutionSummary, WorkflowInfo

if TYPE_CHECKING:
    from harmonia_tui.app import HarmoniaApp

__all__ = ["ExecutionCommands", "WorkflowCommands"]

LISTED = 200
"""The newest executions the palette searches."""
DISCOVERED = 5
"""Offered before anything is typed."""


class ExecutionCommands(Provider):
    """`Open <workflow> <id>` for the newest executions."""

    items: list[ExecutionSummary]

    @property
    def harmonia(self) -> HarmoniaApp:
        return cast("HarmoniaApp", self.app)

    async def startup(self) -> None:
        self.items = []
        try:
            page = await self.harmonia.connection.client.list_executions(limit=LISTED)
        except ClientError:
            return
        self.items = list(page.items)

    def _offer(self, summary: ExecutionSummary) -> tuple[str, str]:
        return f"Open {summary.workflow} {summary.id}", f"execution, {summary.status}"

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for summary in self.items:
            text, help = self._offer(summary)
            score = matcher.match(f"{text} {summary.status}")
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(text),
                    partial(self.harmonia.open_execution, summary.id),
                    text=text,
                    help=help,
                )

    async def discover(self) -> Hits:
        for summary in self.items[:DISCOVERED]:
            text, help = self._offer(summary)
            yield DiscoveryHit(
                text, partial(self.harmonia.open_execution, summary.id), text=text, help=help
            )


class WorkflowCommands(Provider):
    """`Start <name>` for every stored workflow (the start form asks for its inputs)."""

    items: list[WorkflowInfo]

    @property
    def harmonia(self) -> HarmoniaApp:
        return cast("HarmoniaApp", self.app)

    async def startup(self) -> None:
        self.items = []
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

    def _offer(self, info: WorkflowInfo) -> tuple[str, str]:
        version = f" {info.version}" if info.version else ""
        tasks = f"{info.task_count} task" + ("" if info.task_count == 1 else "s")
        return f"Start {info.name}{version}", f"stored workflow {info.id}, {tasks}"

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for info in self.items:
            text, help = self._offer(info)
            score = matcher.match(f"{text} {info.id}")
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(text),
                    partial(self.harmonia.start_workflow, info.id),
                    text=text,
                    help=help,
                )
