"""`core.approve`: a task that waits for a person's decision (an approval gate).

The action itself only checks its input and hands it to the engine by raising
`AwaitApproval`: the waiting is the engine's (`harmonia.engine.approvals`), so a waiting task
holds no worker, survives a restart and is decided through the API, the CLI or the dashboard.
"""

from __future__ import annotations

import math
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from harmonia.components.base import ActionContext, ModelAction

__all__ = ["ApproveAction", "ApproveInput", "AwaitApproval", "parse_duration"]

_UNITS = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0}
_DURATION = re.compile(r"(?:(\d+(?:\.\d+)?)([dhms]))")
MAX_WAIT = 10 * 366 * 86400.0
"""The longest timeout taken (ten years): every deadline stays a date."""


def parse_duration(value: object) -> float:
    """Seconds from a number or a string such as `90`, `"45s"`, `"30m"`, `"2h"`, `"1d"` or
    `"1h30m"`; ValueError naming what is wrong otherwise."""
    if isinstance(value, bool):
        raise ValueError(f"must be seconds or a duration such as '30m', not {value!r}")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        text = value.strip().lower()
        try:
            seconds = float(text)
        except ValueError:
            parts = _DURATION.findall(text)
            if not parts or "".join(n + u for n, u in parts) != text.replace(" ", ""):
                raise ValueError(
                    f"{value!r} is not a duration (use seconds, or e.g. '45s', '30m', '2h', "
                    "'1d', '1h30m')"
                ) from None
            seconds = sum(float(n) * _UNITS[u] for n, u in parts)
    else:
        raise ValueError(f"must be seconds or a duration such as '30m', not {value!r}")
    if not math.isfinite(seconds) or not 0 < seconds <= MAX_WAIT:
        raise ValueError(f"must be more than 0 and at most ten years, not {value!r}")
    return seconds


class ApproveInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: str = Field(min_length=1, description="What the person is asked to decide.")
    timeout: float | None = Field(
        default=None,
        description="How long to wait for a decision, from the start of the wait: seconds or "
        "a duration such as '30m', '2h', '1d'. None: wait as long as it takes.",
    )
    on_timeout: Literal["reject", "approve"] = Field(
        default="reject", description="The decision taken when the timeout passes."
    )

    @field_validator("timeout", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> float | None:
        return None if value is None else parse_duration(value)


class AwaitApproval(Exception):
    """Raised by `ApproveAction` for the engine: this attempt waits for a decision."""

    def __init__(self, request: ApproveInput) -> None:
        super().__init__(request.message)
        self.request = request


class ApproveAction(ModelAction[ApproveInput]):
    name = "approve"
    description = (
        "Wait for a person to approve or reject (harmonia approve, the API, the dashboard); "
        "approved: completes with the decision, rejected: fails with kind `rejected`."
    )
    input_model = ApproveInput

    async def run(self, ctx: ActionContext, params: ApproveInput) -> Any:
        raise AwaitApproval(params)
