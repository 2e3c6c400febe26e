"""Components: the things tasks call (`shell.run`, `python.call`, `http.request`, `core.echo`).

`default_registry()` is what the loader and the engine use unless told otherwise; tests and
embedders build their own registry (e.g. an `HttpComponent` with an injected transport).
"""

from __future__ import annotations

from harmonia.components.base import (
    Action,
    ActionContext,
    Component,
    ComponentRegistry,
    FieldProblem,
    ModelAction,
    UnknownAction,
    UnknownComponent,
)
from harmonia.components.core import CoreComponent
from harmonia.components.http import HttpComponent
from harmonia.components.python_call import PythonComponent
from harmonia.components.shell import ShellComponent

__all__ = [
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
    "default_registry",
]


def default_registry() -> ComponentRegistry:
    """A fresh registry with the built-in components, each with its real (not test) resources.

    Fresh on every call so that one caller registering its own components never affects another.
    """
    return ComponentRegistry(
        [CoreComponent(), ShellComponent(), PythonComponent(), HttpComponent()]
    )
