"""Component tools: what workflows may call, one component's actions, and calling one action
outside any workflow (`ComponentRegistry.execute`: checked as loading checks a task, run as a
task's attempt runs, without a journal: nothing of it is recorded or retried)."""

from __future__ import annotations

from typing import Any

import anyio
from pydantic import Field

from harmonia.components.base import UnknownAction, UnknownComponent
from harmonia.errors import TaskError
from harmoniad.context import DaemonState
from harmoniad.tools.base import Params, Tool, ToolError, text_of

__all__ = ["TOOLS"]

CATEGORY = "component_integration"


class ListComponents(Params):
    pass


class GetComponentActions(Params):
    component_name: str = Field(description="A component's name, as ListComponents shows it.")


class ExecuteComponentAction(Params):
    component_name: str = Field(description="A component's name, as ListComponents shows it.")
    action: str = Field(description="One of its actions.")
    parameters: dict[str, Any] = Field(
        default_factory=dict, description="The action's input, as a task's `input`."
    )
    timeout: float = Field(
        default=60, gt=0, le=3600, description="Seconds before the call is abandoned."
    )


async def list_components(state: DaemonState, params: ListComponents) -> dict[str, Any]:
    return {"items": await state.engine.registry.describe_all()}


async def get_actions(state: DaemonState, params: GetComponentActions) -> dict[str, Any]:
    actions = await state.engine.registry.actions(params.component_name)
    return {"component": params.component_name, "items": actions}


async def execute_action(state: DaemonState, params: ExecuteComponentAction) -> dict[str, Any]:
    what = f"{params.component_name}.{params.action}"
    try:
        with anyio.fail_after(params.timeout):
            output = await state.engine.registry.execute(
                params.component_name, params.action, params.parameters
            )
    except TimeoutError:
        raise ToolError(f"{what} did not answer within {params.timeout:g}s") from None
    except (UnknownComponent, UnknownAction) as exc:
        raise ToolError(text_of(exc)) from None
    except TaskError as exc:
        raise ToolError(f"{what} failed ({exc.kind}): {exc}") from None
    return {"component": params.component_name, "action": params.action, "output": output}


TOOLS: list[Tool[Any]] = [
    Tool(
        "ListComponents",
        "Every component workflows may call: kind, endpoint, health and actions.",
        CATEGORY,
        ListComponents,
        list_components,
        ("component", "list"),
    ),
    Tool(
        "GetComponentActions",
        "One component's actions with their input schemas.",
        CATEGORY,
        GetComponentActions,
        get_actions,
        ("component", "read"),
    ),
    Tool(
        "ExecuteComponentAction",
        "Call one action of a component directly, outside any workflow (not recorded).",
        CATEGORY,
        ExecuteComponentAction,
        execute_action,
        ("component", "execute"),
    ),
]
