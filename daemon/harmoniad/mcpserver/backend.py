"""What the MCP server serves, wherever it runs: the tools, the operator's actions
(`operator_tools`) and the executions' records.

`DaemonBackend` is the daemon's own services (the `/mcp` path); `ClientBackend` reaches a
running daemon through `harmonia.client` (`harmonia mcp` over stdio), so that both answer the
same tool calls with the same checks, made once by the daemon.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from harmonia.client import AsyncClient, ClientError
from harmoniad.context import DaemonState
from harmoniad.mcpserver import operator_tools as ops
from harmoniad.services import executions as service
from harmoniad.tools import ToolError, guarded, run_tool, text_of

__all__ = ["EVENTS_LIMIT", "Backend", "ClientBackend", "DaemonBackend", "ResourceMissing"]

EVENTS_LIMIT = 10_000
"""Events one history resource holds (the API's page limit): the oldest ones."""
LISTED_EXECUTIONS = 50


class ResourceMissing(LookupError):
    """No such execution (or the daemon refused to say)."""


class Backend(Protocol):
    async def call(self, name: str, arguments: Mapping[str, Any]) -> dict[str, Any]:
        """The tool's result; `ToolError` when it failed."""

    async def operate(self, name: str, params: ops.TaskRef, by: str) -> dict[str, Any]:
        """An operator tool's result (the REST answer's shape), done as `by`; `ToolError`
        when the daemon refused (nothing is recorded then)."""

    async def execution(self, execution_id: str) -> dict[str, Any]:
        """The execution document (`GET /api/v1/executions/{id}`)."""

    async def events(self, execution_id: str) -> dict[str, Any]:
        """Its recorded events, oldest first, at most `EVENTS_LIMIT`."""

    async def recent(self) -> list[dict[str, Any]]:
        """The newest executions' summaries."""


class DaemonBackend:
    """The daemon's services, in its own process."""

    def __init__(self, state: DaemonState) -> None:
        self.state = state

    async def call(self, name: str, arguments: Mapping[str, Any]) -> dict[str, Any]:
        return await run_tool(self.state, name, arguments)

    async def operate(self, name: str, params: ops.TaskRef, by: str) -> dict[str, Any]:
        engine, execution_id, task_id = self.state.engine, params.execution_id, params.task_id

        async def act() -> dict[str, Any]:
            if isinstance(params, ops.Decision):
                decide = engine.approve if name == "ApproveTask" else engine.reject
                return await decide(execution_id, task_id, by=by, reason=params.reason)
            if isinstance(params, ops.CompleteTask):
                try:
                    reset = await engine.complete_task(execution_id, task_id, params.output, by=by)
                except ValueError as exc:  # an output that is not JSON the journal can keep
                    raise ToolError(f"{name}: {exc}") from None
                return _fixed(execution_id, task_id, "completed", reset)
            if isinstance(params, ops.SkipTask):
                reset = await engine.skip_task(execution_id, task_id, by=by, reason=params.reason)
                return _fixed(execution_id, task_id, "skipped", reset)
            if isinstance(params, ops.RetryTask):
                reset = await engine.retry_task(execution_id, task_id, input=params.input, by=by)
                return {"execution_id": execution_id, "task_id": task_id, "reset": reset}
            return (await engine.retry_plan(execution_id, task_id)).to_public(execution_id)

        return await guarded(self.state, name, act)

    async def execution(self, execution_id: str) -> dict[str, Any]:
        try:
            return (await self.state.engine.get(execution_id)).to_public()
        except LookupError as exc:
            raise ResourceMissing(text_of(exc)) from None

    async def events(self, execution_id: str) -> dict[str, Any]:
        try:
            return await service.events_page(self.state, execution_id, after=0, limit=EVENTS_LIMIT)
        except LookupError as exc:
            raise ResourceMissing(text_of(exc)) from None

    async def recent(self) -> list[dict[str, Any]]:
        page = await service.list_executions(
            self.state, status=None, offset=0, limit=LISTED_EXECUTIONS
        )
        items: list[dict[str, Any]] = page["items"]
        return items


class ClientBackend:
    """A running daemon, through `harmonia.client` (token and URL as every client finds them)."""

    def __init__(self, client: AsyncClient) -> None:
        self.client = client

    async def call(self, name: str, arguments: Mapping[str, Any]) -> dict[str, Any]:
        try:
            answer = await self.client.call_tool(name, arguments)
        except ClientError as exc:
            raise ToolError(f"{name}: the daemon at {self.client.url}: {exc}") from None
        if answer.status != "success":
            raise ToolError(answer.error or f"{name} failed")
        return answer.result or {}

    async def operate(self, name: str, params: ops.TaskRef, by: str) -> dict[str, Any]:
        client, execution_id, task_id = self.client, params.execution_id, params.task_id
        try:
            if isinstance(params, ops.Decision):
                decide = client.approve_task if name == "ApproveTask" else client.reject_task
                return ops.dumped(await decide(execution_id, task_id, reason=params.reason, by=by))
            if isinstance(params, ops.CompleteTask):
                done = await client.complete_task(execution_id, task_id, params.output, by=by)
                return ops.dumped(done)
            if isinstance(params, ops.SkipTask):
                skipped = await client.skip_task(execution_id, task_id, reason=params.reason, by=by)
                return ops.dumped(skipped)
            if isinstance(params, ops.RetryTask):
                retried = await client.retry_task(execution_id, task_id, input=params.input, by=by)
                return ops.dumped(retried)
            return ops.dumped(await client.retry_plan(execution_id, task_id))
        except ClientError as exc:
            raise ToolError(f"{name}: {exc}") from None

    async def execution(self, execution_id: str) -> dict[str, Any]:
        try:
            found = await self.client.get_execution(execution_id)
        except ClientError as exc:
            raise ResourceMissing(str(exc)) from None
        return found.model_dump(mode="json")

    async def events(self, execution_id: str) -> dict[str, Any]:
        try:
            page = await self.client.events_page(execution_id, 0, EVENTS_LIMIT)
        except ClientError as exc:
            raise ResourceMissing(str(exc)) from None
        return page.model_dump(mode="json")

    async def recent(self) -> list[dict[str, Any]]:
        page = await self.client.list_executions(limit=LISTED_EXECUTIONS)
        return [item.model_dump(mode="json") for item in page.items]


def _fixed(execution_id: str, task_id: str, status: str, reset: list[str]) -> dict[str, Any]:
    """What `POST .../complete` and `.../skip` answer."""
    return {"execution_id": execution_id, "task_id": task_id, "status": status, "reset": reset}
