"""The 17 tools of the original Harmonia, under their original names and parameters, served by
Tekton's MCP v2 REST paths (`harmoniad.mcpv2`) and by the MCP server (`harmoniad.mcpserver`).

`run_tool` is the one way in: it finds the tool, validates the arguments with its model and
turns every refusal (unknown tool, bad arguments, an unknown id, a conflict, a full disk) into a
`ToolError` with a message, so neither dialect ever answers a tool's failure with a 5xx.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from harmonia.errors import InvalidOperation, NotFound, StorageUnavailable, ValidationFailed
from harmonia.store.storage import STORAGE_ERRNOS
from harmonia.store.store import ExecutionLocked
from harmoniad.context import DaemonState
from harmoniad.errors import without_data_dir
from harmoniad.tools import components, executions, templates, workflows
from harmoniad.tools.base import Tool, ToolError, text_of

__all__ = [
    "CATEGORIES",
    "TOOLS",
    "Tool",
    "ToolError",
    "guarded",
    "run_tool",
    "text_of",
    "tool_named",
]

logger = logging.getLogger("harmoniad.tools")

TOOLS: list[Tool[Any]] = [
    *workflows.TOOLS,
    *executions.TOOLS,
    *templates.TOOLS,
    *components.TOOLS,
]
_BY_NAME = {t.name: t for t in TOOLS}

CATEGORIES: dict[str, str] = {
    workflows.CATEGORY: "Create, read, update, delete and list stored workflow definitions.",
    executions.CATEGORY: "Start executions of stored workflows; cancel, pause, resume, watch them.",
    templates.CATEGORY: "Make templates of workflows and new workflows from templates.",
    components.CATEGORY: "The components workflows may call, and calling one action directly.",
}


def tool_named(name: str) -> Tool[Any]:
    tool = _BY_NAME.get(name)
    if tool is None:
        raise ToolError(f"no tool {name!r}; the tools are: {', '.join(_BY_NAME)}")
    return tool


async def run_tool(state: DaemonState, name: str, arguments: Mapping[str, Any]) -> dict[str, Any]:
    """The tool's result, or a `ToolError` saying why not."""
    tool = tool_named(name)
    return await guarded(state, name, lambda: tool.call(state, arguments))


async def guarded(
    state: DaemonState, name: str, call: Callable[[], Awaitable[dict[str, Any]]]
) -> dict[str, Any]:
    """`call()`'s result, each refusal of the daemon's said as a `ToolError` naming `name`
    (the MCP server's operator tools go through here too)."""
    try:
        return await call()
    except ToolError:
        raise
    except ValidationFailed as exc:
        problems = [str(p) for p in exc.problems] or ["invalid"]
        raise ToolError(f"{name}: " + "; ".join(problems)) from None
    except StorageUnavailable as exc:
        message = without_data_dir(exc.message, state.engine.store.data_dir)
        raise ToolError(f"{name}: {message}") from None
    except (NotFound, InvalidOperation, ExecutionLocked) as exc:
        raise ToolError(f"{name}: {text_of(exc)}") from None
    except OSError as exc:
        if exc.errno in STORAGE_ERRNOS and not name.startswith(("Get", "List")):
            state.engine.storage.report(exc)  # as a failed write of the REST paths does
        raise ToolError(f"{name}: the data folder refused: {exc.strerror or exc}") from None
    except Exception as exc:  # a bug: logged whole, said in one line
        logger.exception("tool %s failed", name)
        raise ToolError(f"{name}: internal error ({type(exc).__name__}: {exc})") from None
