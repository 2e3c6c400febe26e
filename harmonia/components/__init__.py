"""Components: the things tasks call (`shell.run`, `python.call`, `http.request`, `core.echo`,
and the tools of remote components such as Tekton's Rhetor).

`default_registry()` is what the loader and the engine use unless told otherwise: the built-in
components, installed packages' components, and remote components found through Hermes or the
environment (see `harmonia.components.registry`). Tests and embedders build their own registry
(e.g. an `HttpComponent` with an injected transport).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping

from harmonia.components.base import (
    Action,
    ActionContext,
    Component,
    FieldProblem,
    ModelAction,
    UnknownAction,
    UnknownComponent,
)
from harmonia.components.core import CoreComponent
from harmonia.components.http import HttpComponent
from harmonia.components.python_call import PythonComponent
from harmonia.components.registry import ComponentRegistry
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

BUILTIN_COMPONENTS: Mapping[str, Callable[[], Component]] = {
    "core": CoreComponent,
    "http": HttpComponent,
    "python": PythonComponent,
    "shell": ShellComponent,
    "workflow": WorkflowComponent,
}
"""The built-in components by name, each made with its real (not test) resources."""


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
        [BUILTIN_COMPONENTS[name]() for name in names], directory=directory, plugins=True
    )
