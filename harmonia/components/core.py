"""`core`: actions with no side effects outside the engine, for wiring, demos and tests."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import anyio
from pydantic import BaseModel, ConfigDict, Field

from harmonia.components.approve import ApproveAction
from harmonia.components.base import ActionContext, Component, FieldProblem, ModelAction
from harmonia.errors import ErrorKind, TaskError

__all__ = ["CoreComponent", "EchoAction", "FailAction", "SleepAction"]


class EchoInput(BaseModel):
    """Any fields at all: echo hands its input back unchanged."""

    model_config = ConfigDict(extra="allow")


class EchoAction(ModelAction[EchoInput]):
    name = "echo"
    description = "Return the task's input unchanged (any fields)."
    input_model = EchoInput

    async def invoke(self, ctx: ActionContext, raw_input: Mapping[str, Any]) -> Any:
        """Skip pydantic: a model with no fields and `extra="allow"` accepts every mapping.

        The engine calls echo at tens of thousands of tasks per second in benchmarks and fan-out
        workflows; copying the mapping is all validation would do, at a tenth of the cost.
        """
        if type(raw_input) is dict:
            return raw_input.copy()
        if not isinstance(raw_input, Mapping):
            self.validate_input(raw_input)  # raises the usual INVALID_INPUT error
        return dict(raw_input)

    def check_static_input(
        self, raw: Mapping[str, Any], is_dynamic: Callable[[Any], bool]
    ) -> list[FieldProblem]:
        """Every mapping is a valid input (as in `invoke`): loading need not prune and
        validate a copy of each echo task's input."""
        if type(raw) is dict or isinstance(raw, Mapping):  # a parsed dict: no ABC check
            return []
        return super().check_static_input(raw, is_dynamic)

    async def run(self, ctx: ActionContext, params: EchoInput) -> Any:
        return dict(params.model_extra or {})


class SleepInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seconds: float = Field(ge=0, allow_inf_nan=False, description="How long to wait.")


class SleepAction(ModelAction[SleepInput]):
    name = "sleep"
    description = "Wait `seconds` (cancellable), then return {'slept': seconds}."
    input_model = SleepInput

    async def run(self, ctx: ActionContext, params: SleepInput) -> Any:
        await anyio.sleep(params.seconds)
        return {"slept": params.seconds}


class FailInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: str = Field(default="failed on purpose", description="The error message.")
    kind: ErrorKind = Field(default=ErrorKind.ERROR, description="The error kind to report.")
    retryable: bool | None = Field(
        default=None, description="Override whether the engine may retry; default: by kind."
    )


class FailAction(ModelAction[FailInput]):
    name = "fail"
    description = "Always fail with the given message and error kind (for demos and tests)."
    input_model = FailInput

    async def run(self, ctx: ActionContext, params: FailInput) -> Any:
        raise TaskError(params.message, params.kind, retryable=params.retryable)


class CoreComponent(Component):
    """`core.echo`, `core.sleep`, `core.fail`, `core.approve`."""

    def __init__(self) -> None:
        super().__init__(
            "core",
            "Built-in actions without side effects: echo, sleep, fail, approve (a gate).",
            [EchoAction(), SleepAction(), FailAction(), ApproveAction()],
        )
