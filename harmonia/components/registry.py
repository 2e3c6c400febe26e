"""One registry answers "what can a task call": built-in components, components of installed
packages (`harmonia.components` entry points), and remote components found through a
`Directory` (declared by hand, listed by Hermes, named by the environment).

Two ways to ask, for two moments. Loading a workflow (`get`, then the component's `action`)
may look remote components up (synchronous, bounded, in the loader's thread) and checks each
tool against the component's list, so an unknown one fails the load saying where Harmonia
looked. The engine's plan (`action`) asks nothing over the network: a remote action is bound
by name and finds its endpoint when it is called. The async side (`describe_all`, `actions`,
`execute`) is what the daemon's API, the CLI and the MCP tools use.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final

import anyio

from harmonia.components.base import Action, ActionContext, Component, UnknownComponent
from harmonia.components.urls import ComponentUrls
from harmonia.errors import NotFound

if TYPE_CHECKING:
    from harmonia.components.plugins import PluginFailure
    from harmonia.components.remote import RemoteComponent
    from harmonia.tekton.discovery import Directory

__all__ = ["LOCAL_HEALTH", "ComponentRegistry"]

logger = logging.getLogger("harmonia.components")

LOCAL_HEALTH: Final = "ok"
"""The health of a component that runs inside Harmonia."""


class ComponentRegistry:
    """The components a loader may refer to and an engine may call, by name."""

    def __init__(
        self,
        components: Iterable[Component] = (),
        *,
        lazy: Mapping[str, Callable[[], Component]] | None = None,
        directory: Directory | None = None,
        plugins: bool = False,
    ) -> None:
        """`lazy`: components by name, made on first lookup (the built-ins: importing them
        all was most of a command's start-up)."""
        self._components: dict[str, Component] = {}
        self._kinds: dict[str, str] = {}
        self._lazy: dict[str, Callable[[], Component]] = {}
        for component in components:
            self.register(component)
        for name, make in (lazy or {}).items():
            self._claim(name)
            self._lazy[name] = make
            self._kinds[name] = "builtin"
        self.directory = directory
        """Where remote components are found; None: this registry has only local ones."""
        self._plugins_pending = plugins
        self._lock = threading.Lock()
        self.plugin_failures: list[PluginFailure] = []
        """Entry points that gave no usable component (listed with the components)."""
        self._remote: dict[str, RemoteComponent] = {}
        self.urls = ComponentUrls(directory)
        """What `${components.NAME.url}` reads (the engine puts it in the context)."""
        if directory is not None:
            clash = sorted(set(directory.declared) & set(self._kinds))
            if clash:
                raise ValueError(
                    f"remote component(s) {', '.join(clash)} would hide the built-in "
                    "component(s) of that name; choose another name"
                )

    def register(self, component: Component, kind: str = "builtin") -> None:
        """Add a component; a second one with the same name is a mistake, not an override."""
        self._claim(component.name)
        self._components[component.name] = component
        self._kinds[component.name] = kind

    def _claim(self, name: str) -> None:
        if name in self._kinds:
            raise ValueError(f"component '{name}' is already registered")

    # ---- local components ------------------------------------------------------------------
    def _load_plugins(self) -> None:
        """Installed packages' components, read on first need: a workflow of built-in
        components never pays for reading packages' metadata (~20 ms)."""
        from harmonia.components.plugins import load_plugins

        with self._lock:
            if not self._plugins_pending:
                return
            self._plugins_pending = False
            components, self.plugin_failures = load_plugins(reserved=set(self._kinds))
            for component in components:
                self.register(component, "plugin")
            for failure in self.plugin_failures:
                logger.warning(
                    "component %r (%s) left out: %s", failure.name, failure.value, failure.error
                )

    def _local(self, name: str) -> Component | None:
        found = self._components.get(name)
        if found is None and name in self._lazy:
            with self._lock:  # the loader's thread and the event loop may both ask
                found = self._components.get(name)
                if found is None:
                    found = self._components[name] = self._lazy[name]()
            return found
        if found is None and self._plugins_pending:
            self._load_plugins()
            found = self._components.get(name)
        return found

    def names(self) -> list[str]:
        """The local components (built-in, and plugins once they were read)."""
        return sorted(self._kinds)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._local(name) is not None

    def kind(self, name: str) -> str:
        """`builtin`, `plugin`, or the remote kind (`hermes`, `declared`, `environment`)."""
        if self._local(name) is not None:
            return self._kinds[name]
        found = self.directory.cached(name) if self.directory is not None else None
        if found is None:
            raise UnknownComponent(name, self.names())
        return found.kind

    # ---- lookups ---------------------------------------------------------------------------
    def _remote_component(self, name: str) -> RemoteComponent:
        from harmonia.components.remote import RemoteComponent

        assert self.directory is not None
        with self._lock:
            remote = self._remote.get(name)
            if remote is None:
                remote = self._remote[name] = RemoteComponent(name, self.directory)
            return remote

    def _unknown(self, name: str, where: str | None) -> UnknownComponent:
        """A registry of local components only says what it knows; one that looks for
        remote components says where it looked, too."""
        if where is None:
            return UnknownComponent(name, self.names())
        from harmonia.components.plugins import GROUP

        plugins = ", ".join(n for n in self.names() if self._kinds[n] == "plugin") or "none"
        looked = f"built-in components, plugins ({GROUP} entry points: {plugins}), {where}"
        return UnknownComponent(name, self.names(), looked)

    def get(self, name: str) -> Component:
        """The component `name`; a remote one is looked up now (the loader's check).
        UnknownComponent saying where Harmonia looked."""
        local = self._local(name)
        if local is not None:
            return local
        if self.directory is None:
            raise self._unknown(name, None)
        remote = self._remote_component(name)
        try:
            remote.location()
        except UnknownComponent as exc:
            raise self._unknown(name, exc.where) from None
        return remote

    def check(self, component: str, action: str) -> Action:
        """The action as loading checks it: a remote tool against its component's list."""
        return self.get(component).action(action)

    def action(self, component: str, action: str) -> Action:
        """The action to call, for the engine's plan: nothing is asked over the network (a
        remote tool is bound by name; its call finds the endpoint)."""
        local = self._local(component)
        if local is not None:
            return local.action(action)
        if self.directory is None:
            raise self._unknown(component, None)
        return self._remote_component(component).bind(action)

    def url_problem(self, name: str) -> str | None:
        """What is wrong with `${components.NAME.url}` (None: NAME is a remote component that
        was found now); for the loader."""
        if self._local(name) is not None:
            return (
                f"component '{name}' is {self._kinds[name]} (it runs inside Harmonia): it has "
                "no URL; ${components.NAME.url} is for remote components"
            )
        if self.directory is None or self.directory.resolve(name) is None:
            where = self.directory.where_looked(name) if self.directory is not None else None
            return str(self._unknown(name, where))
        return None

    # ---- descriptions (async: API, CLI, MCP) -----------------------------------------------
    def describe(self) -> list[dict[str, Any]]:
        """The local components, without asking anything (see `describe_all`)."""
        return [self._describe_local(name) for name in self.names()]

    def _describe_local(self, name: str) -> dict[str, Any]:
        local = self._local(name)
        assert local is not None  # every name of `names()` is local
        doc = local.describe()
        doc.update(kind=self._kinds[name], endpoint=None, health=LOCAL_HEALTH, error=None)
        return doc

    async def describe_all(self) -> list[dict[str, Any]]:
        """Every component with its kind, endpoint, health and actions (remote ones asked
        now, concurrently, each within the directory's time-outs), by name; broken plugins
        are listed with health `error` and the reason."""
        if self._plugins_pending:
            await anyio.to_thread.run_sync(self._load_plugins)
        docs = self.describe()
        for failure in self.plugin_failures:
            if failure.name not in self._kinds:  # one entry per name (a built-in's stays)
                docs.append(_failed_plugin(failure))
        if self.directory is not None:
            locations = await anyio.to_thread.run_sync(self.directory.all)
            remote_docs: dict[str, dict[str, Any]] = {}
            taken = {doc["name"] for doc in docs}

            async def describe(name: str) -> None:
                remote = self._remote_component(name)
                remote_docs[name] = await anyio.to_thread.run_sync(remote.describe_now)

            async with anyio.create_task_group() as tg:
                for location in locations:
                    if location.name not in taken:
                        tg.start_soon(describe, location.name)
            docs.extend(remote_docs.values())
        return sorted(docs, key=lambda doc: str(doc["name"]))

    async def describe_one(self, name: str) -> dict[str, Any]:
        """One component as `describe_all` shows it; NotFound saying where Harmonia looked."""
        try:
            component = await anyio.to_thread.run_sync(self.get, name)
        except UnknownComponent as exc:
            raise NotFound(str(exc)) from None
        describe_now = getattr(component, "describe_now", None)  # a remote component's
        if describe_now is not None:
            doc: dict[str, Any] = await anyio.to_thread.run_sync(describe_now)
            return doc
        return self._describe_local(name)

    async def actions(self, name: str) -> list[dict[str, Any]]:
        """The actions of `name` (a remote one's tools with their parameters as given)."""
        doc = await self.describe_one(name)
        actions: list[dict[str, Any]] = doc["actions"]
        return actions

    async def execute(
        self,
        component: str,
        action: str,
        arguments: Mapping[str, Any],
        *,
        execution_id: str = "",
        task_id: str = "",
        attempt: int = 1,
    ) -> Any:
        """Call one action outside any workflow (MCP's ExecuteComponentAction): checked as
        loading checks it (UnknownComponent, UnknownAction), run as a task's attempt is
        (TaskError on failure)."""
        found = await anyio.to_thread.run_sync(self.check, component, action)
        ctx = ActionContext(execution_id, task_id or f"{component}.{action}", attempt)
        return await found.invoke(ctx, arguments)

    async def aclose(self) -> None:
        """Release what components started (worker processes, HTTP connections)."""
        for component in list(self._components.values()):
            await component.aclose()
        for remote in list(self._remote.values()):
            await remote.aclose()
        if self.directory is not None:
            self.directory.close()


def _failed_plugin(failure: PluginFailure) -> dict[str, Any]:
    from harmonia.components.plugins import GROUP

    return {
        "name": failure.name,
        "description": f"entry point {failure.value} ({GROUP})",
        "kind": "plugin",
        "endpoint": None,
        "health": "error",
        "error": failure.error,
        "actions": [],
    }
