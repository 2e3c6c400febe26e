"""Answers of the system paths: `/health`, `/ready` (storage and Hermes states) and
`/discovery`, in today's shapes and Tekton's alike (see API.md, "Joining Tekton").
"""

from __future__ import annotations

from typing import Any, Literal, get_args

from pydantic import BaseModel, Field

from harmoniad.hermes import LinkState
from harmoniad.schemas import Time, _Answer

__all__ = [
    "Discovery",
    "EndpointInfo",
    "ExecutorState",
    "Health",
    "HermesState",
    "Ready",
    "StorageState",
]


class Health(_Answer):
    status: Literal["ok"]
    version: str
    component: Literal["harmonia"] = Field(description="Tekton's name for this component.")
    port: int = Field(description="The port the daemon listens on.")


class StorageState(_Answer):
    available: bool
    error: str | None = Field(
        description="While unavailable: what failed, e.g. `storage unavailable: cannot write "
        "PATH: No space left on device`."
    )
    path: str | None = Field(description="While unavailable: the file whose write failed.")
    since: Time = Field(description="While unavailable: when the failure began.")
    stopped_executions: list[str] = Field(
        description="Executions stopped by the failure; they resume once a write succeeds."
    )


HermesStateName = Literal[
    "off", "registering", "registered", "unreachable", "refused", "displaced", "unregistered"
]
assert set(get_args(HermesStateName)) == {str(s) for s in LinkState}


class HermesState(_Answer):
    state: HermesStateName = Field(
        description="`off`: no Hermes configured. `registering`: a registration is under way. "
        "`unreachable`/`refused`: Hermes did not answer, or answered with an error; retried with "
        "backoff. `displaced`: the entry `harmonia` points at another endpoint. `unregistered`: "
        "removed at stop."
    )
    url: str | None = Field(description="The Hermes base URL, while joining one.")
    component_id: str | None = Field(description="The id registered (`harmonia`).")
    endpoint: str | None = Field(description="The URL registered for this daemon.")
    since: Time = Field(description="When the state last changed.")
    error: str | None = Field(description="What the last failed exchange with Hermes was.")


class ExecutorState(_Answer):
    """Where tasks run: open to more fields than these (an executor tells what it knows)."""

    executor: Literal["local", "dask"] = Field(
        description="`local`: in the daemon's process; `dask`: shell, python and http tasks on "
        "a Dask cluster."
    )
    scheduler: str | None = Field(description="The Dask scheduler's address.")
    workers: int | None = Field(description="Dask workers connected now.")
    threads: int | None = Field(description="Threads of those workers, all together.")


class Ready(_Answer):
    ready: bool
    status: Literal["healthy", "degraded"] = Field(
        description="Tekton's word: `degraded` while stopping or while the storage refuses writes."
    )
    component: Literal["harmonia"]
    version: str
    port: int
    running_executions: int = Field(ge=0)
    storage: StorageState = Field(
        description="Whether the data folder takes writes; while it does not, `ready` is false "
        "and every write answers 503 `storage_unavailable`."
    )
    hermes: HermesState = Field(
        description="The registration with Tekton's Hermes; it never makes `ready` false."
    )
    executor: ExecutorState = Field(description="Where tasks run (`harmoniad --executor`).")


class EndpointInfo(BaseModel):
    method: str
    path: str
    description: str
    tags: list[str]


class Discovery(_Answer):
    """Today's fields (`name`, `port`, `event_types`) and Tekton's DiscoveryResponse
    (`component`, `description`, `dependencies`, `metadata`)."""

    name: Literal["harmonia"]
    component: Literal["harmonia"]
    version: str
    description: str
    port: int
    endpoints: list[EndpointInfo]
    capabilities: list[str]
    dependencies: list[str] = Field(description="`hermes` when the daemon joins Tekton.")
    metadata: dict[str, Any]
    event_types: list[str]


# ---- paging ------------------------------------------------------------------------------
