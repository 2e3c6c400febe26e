"""Components: the things tasks call (`shell.run`, `python.call`, `http.request`, `core.echo`,
and the tools of remote components such as Tekton's Rhetor).

`default_registry()` is what the loader and the engine use unless told otherwise: the built-in
components, installed packages' components, and remote components found through Hermes or the
environment (see `harmonia.components.registry`). Tests and embedders build their own registry
(e.g. an `HttpComponent` with an injected transport).

The built-in components are imported on first use (by name, PEP 562 for the class names): a
workflow of `core` tasks never pays for importing `ssl`, the Python worker pool or the shell
parser, which were most of `harmonia run`'s start-up.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from importlib import import_module
from typing import TYPE_CHECKING, Any

from harmonia.components.base import (
    Action,
    ActionContext,
    Component,
    FieldProblem,
    ModelAction,
    UnknownAction,
    UnknownComponent,
)
from harmonia.components.registry import ComponentRegistry

if TYPE_CHECKING:
    from harmonia.components.core import CoreComponent
    from harmonia.components.http import HttpComponent
    from harmonia.components.python_call import PythonComponent
    from harmonia.components.shell import ShellComponent
    from harmonia.components.workflow import WorkflowComponent

__all__ = [
    "BUILTIN_COMPONENTS",
    "Action",
    "ActionContext",
    "Component",
    "ComponentRegistry",
    "CoreComponent",
    "FieldProblem",
    "HttpComponent",
    "ModelAction",
    "PythonComponent",
    "ShellComponent",
    "UnknownAction",
    "UnknownComponent",
    "WorkflowComponent",
    "default_registry",
]

_BUILTIN_CLASSES = {
    "CoreComponent": ("core", "harmonia.components.core"),
    "HttpComponent": ("http", "harmonia.components.http"),
    "PythonComponent": ("python", "harmonia.components.python_call"),
    "ShellComponent": ("shell", "harmonia.components.shell"),
    "WorkflowComponent": ("workflow", "harmonia.components.workflow"),
}


def __getattr__(name: str) -> Any:
    """The built-in component classes, imported when first named."""
    found = _BUILTIN_CLASSES.get(name)
    if found is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(found[1]), name)


def _builtin(class_name: str) -> Callable[[], Component]:
    def make() -> Component:
        component: Component = __getattr__(class_name)()
        return component

    make.__qualname__ = make.__name__ = class_name
    return make


BUILTIN_COMPONENTS: Mapping[str, Callable[[], Component]] = {
    name: _builtin(class_name) for class_name, (name, _) in _BUILTIN_CLASSES.items()
}
"""The built-in components by name, each made (and its module imported) when called, with its
real (not test) resources."""


def default_registry(
    *,
    builtins: Iterable[str] | None = None,
    declared: Mapping[str, str] | None = None,
    hermes: str | None = None,
    env: Mapping[str, str] | None = None,
) -> ComponentRegistry:
    """A fresh registry: the `builtins` named (default: all), installed packages'
    components, and remote components `declared` by hand (NAME -> URL), listed by Hermes
    (`hermes`, else Hermes' URL from `env`: see `harmonia.tekton.urls.hermes_url`) or named
    by `env` (`{NAME}_PORT`; default `os.environ`).

    Fresh on every call so that one caller registering its own components never affects
    another. Nothing is read or asked until a name is looked up.
    """
    from harmonia.tekton.discovery import Directory
    from harmonia.tekton.urls import hermes_url

    environ = os.environ if env is None else env
    names = BUILTIN_COMPONENTS if builtins is None else builtins
    directory = Directory(declared=declared, hermes=hermes_url(environ, hermes), env=environ)
    return ComponentRegistry(
        lazy={name: BUILTIN_COMPONENTS[name] for name in names}, directory=directory, plugins=True
    )
