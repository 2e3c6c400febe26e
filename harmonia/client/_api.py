"""The daemon's REST endpoints as methods, declared once for both clients.

`Client` and `AsyncClient` differ only in how they send a request, so neither spells out its
endpoint methods: both inherit them from `Api`, where each is an `Endpoint` made from a call
description in `_calls` (which carries the method's signature and docstring). Reading one on a
`Client` gives a method that returns the answer; on an `AsyncClient`, a coroutine function.
The overloads of `Endpoint.__get__` tell mypy which, so results stay precisely typed.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine
from typing import Any, Generic, ParamSpec, TypeVar, overload

import harmonia.client._approval_calls as approval_calls
import harmonia.client._calls as calls
import harmonia.client._fix_calls as fix_calls
import harmonia.client._hooks as hooks
import harmonia.client._webhook_calls as webhook_calls
from harmonia.client._calls import Call

__all__ = ["Api", "AsyncApi", "BlockingApi", "Endpoint"]

P = ParamSpec("P")
T = TypeVar("T")


class Endpoint(Generic[P, T]):
    """A client method that sends the call `describe(*args, **kwargs)` with the client's own
    transport. A non-data descriptor: an instance attribute of the same name wins (tests may
    patch a method on one client)."""

    def __init__(self, describe: Callable[P, Call[T]]) -> None:
        self.describe = describe
        self.__doc__ = describe.__doc__
        self.__name__ = describe.__name__
        # the method's signature is the description's, answering T rather than Call[T]
        self.__signature__ = inspect.signature(describe).replace(
            return_annotation=inspect.Signature.empty
        )

    @overload
    def __get__(self, client: None, owner: type[Any] | None = None) -> Endpoint[P, T]: ...

    @overload
    def __get__(self, client: BlockingApi, owner: type[Any] | None = None) -> Callable[P, T]: ...

    @overload
    def __get__(
        self, client: AsyncApi, owner: type[Any] | None = None
    ) -> Callable[P, Coroutine[Any, Any, T]]: ...

    def __get__(self, client: Api | None, owner: type[Any] | None = None) -> Any:
        if client is None:
            return self
        describe = self.describe
        method: Callable[..., Any]
        if isinstance(client, AsyncApi):
            send_later = client._send

            async def method(*args: Any, **kwargs: Any) -> Any:
                # described inside the coroutine, so a bad argument raises where it is awaited
                return await send_later(describe(*args, **kwargs))

        elif isinstance(client, BlockingApi):
            send_now = client._send

            def method(*args: Any, **kwargs: Any) -> Any:
                return send_now(describe(*args, **kwargs))

        else:
            raise TypeError(f"{type(client).__name__} is neither a BlockingApi nor an AsyncApi")
        method.__name__ = self.__name__
        method.__qualname__ = f"{type(client).__name__}.{self.__name__}"
        method.__doc__ = self.__doc__
        method.__signature__ = self.__signature__  # type: ignore[union-attr]
        return method


class Api:
    """Every REST endpoint of `daemon/harmoniad/API.md`, in the order it lists them."""

    # ---- service -------------------------------------------------------------------------
    health = Endpoint(calls.health)
    ready = Endpoint(calls.ready)
    discovery = Endpoint(calls.discovery)
    openapi = Endpoint(calls.openapi)

    # ---- workflows -----------------------------------------------------------------------
    create_workflow = Endpoint(calls.create_workflow)
    list_workflows = Endpoint(calls.list_workflows)
    get_workflow = Endpoint(calls.get_workflow)
    update_workflow = Endpoint(calls.update_workflow)
    delete_workflow = Endpoint(calls.delete_workflow)

    # ---- templates -----------------------------------------------------------------------
    create_template = Endpoint(calls.create_template)
    list_templates = Endpoint(calls.list_templates)
    get_template = Endpoint(calls.get_template)
    delete_template = Endpoint(calls.delete_template)
    instantiate_template = Endpoint(calls.instantiate_template)

    # ---- executions ----------------------------------------------------------------------
    start_execution = Endpoint(calls.start_execution)
    list_executions = Endpoint(calls.list_executions)
    get_execution = Endpoint(calls.get_execution)
    cancel = Endpoint(calls.cancel)
    pause = Endpoint(calls.pause)
    resume = Endpoint(calls.resume)
    checkpoint = Endpoint(calls.checkpoint)
    retry_task = Endpoint(fix_calls.retry_task)
    retry_plan = Endpoint(fix_calls.retry_plan)
    complete_task = Endpoint(fix_calls.complete_task)
    skip_task = Endpoint(fix_calls.skip_task)
    approve_task = Endpoint(approval_calls.approve_task)
    reject_task = Endpoint(approval_calls.reject_task)
    events_page = Endpoint(calls.events_page)
    list_checkpoints = Endpoint(calls.list_checkpoints)
    restore = Endpoint(calls.restore)

    # ---- schedules -----------------------------------------------------------------------
    list_schedules = Endpoint(calls.list_schedules)
    create_schedule = Endpoint(calls.create_schedule)
    get_schedule = Endpoint(calls.get_schedule)
    delete_schedule = Endpoint(calls.delete_schedule)
    pause_schedule = Endpoint(calls.pause_schedule)
    unpause_schedule = Endpoint(calls.unpause_schedule)
    run_schedule_now = Endpoint(calls.run_schedule_now)

    # ---- inbound hooks -------------------------------------------------------------------
    list_hooks = Endpoint(hooks.list_hooks)
    create_hook = Endpoint(hooks.create_hook)
    get_hook = Endpoint(hooks.get_hook)
    delete_hook = Endpoint(hooks.delete_hook)
    rotate_hook_secret = Endpoint(hooks.rotate_hook_secret)
    deliver_hook = Endpoint(hooks.deliver_hook)
    # ---- webhooks out --------------------------------------------------------------------
    webhook_deliveries = Endpoint(webhook_calls.webhook_deliveries)

    # ---- components ----------------------------------------------------------------------
    list_components = Endpoint(calls.list_components)
    get_component = Endpoint(calls.get_component)
    component_actions = Endpoint(calls.component_actions)

    # ---- tools (Tekton's MCP v2 dialect) ---------------------------------------------------
    call_tool = Endpoint(calls.call_tool)


class BlockingApi(Api):
    """`Api` over blocking I/O (`Client`): a method returns the answer."""

    def _send(self, call: Call[T]) -> T:
        raise NotImplementedError


class AsyncApi(Api):
    """`Api` over anyio I/O (`AsyncClient`): a method returns a coroutine of the answer."""

    async def _send(self, call: Call[T]) -> T:
        raise NotImplementedError
