"""Components that installed packages add, through the entry-point group `harmonia.components`
(the Python ecosystem's plugin convention, as `harmonia.commands` is for commands).

An entry point `NAME = module:factory` names a `Component` subclass or a callable returning a
`Component` called NAME. A package that fails to load, or whose component is misnamed or takes
a built-in name, is left out and reported (the registry's listing shows why); the built-in
components always work. Read only on first need: installed packages' metadata costs ~20 ms.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from harmonia.components.base import Component

__all__ = ["GROUP", "PluginFailure", "load_plugins"]

GROUP = "harmonia.components"


@dataclass(frozen=True)
class PluginFailure:
    """An entry point that gave no usable component, and why."""

    name: str
    value: str
    error: str


def load_plugins(reserved: Collection[str]) -> tuple[list[Component], list[PluginFailure]]:
    """Every installed package's components; `reserved` names (built-ins) are refused."""
    from harmonia.entrypoints import distinct_entry_points

    components: list[Component] = []
    failures: list[PluginFailure] = []
    for entry in distinct_entry_points(GROUP):
        try:
            made = entry.load()
            component = made if isinstance(made, Component) else made()
            if not isinstance(component, Component):
                raise TypeError(f"{entry.value} made a {type(component).__name__}, not a Component")
            if component.name != entry.name:
                raise ValueError(f"{entry.value} made a component named {component.name!r}")
            if component.name in reserved:
                raise ValueError(f"{component.name!r} is a built-in component's name")
        except Exception as exc:
            failures.append(PluginFailure(entry.name, entry.value, f"{type(exc).__name__}: {exc}"))
            continue
        components.append(component)
    return components, failures
