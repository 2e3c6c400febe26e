"""Built-in components are imported when first used: a run of `core` tasks must not pay for
importing `ssl`, the Python worker pool and the shell parser at start-up."""

from __future__ import annotations

import subprocess
import sys

import pytest

from harmonia.components import (
    BUILTIN_COMPONENTS,
    HttpComponent,
    ShellComponent,
    default_registry,
)

HEAVY = ("harmonia.components.http", "harmonia.components.python_call", "harmonia.components.shell")


def _loaded_after(code: str) -> set[str]:
    """The heavy built-in modules imported after running `code` in a fresh interpreter."""
    probe = f"{code}\nimport sys\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(done.stdout.split())


def test_loading_a_core_workflow_imports_no_other_builtin() -> None:
    code = (
        "from harmonia.loader import load_workflow_dict\n"
        "load_workflow_dict({'name': 'w', 'tasks': {'a': {'component': 'core', "
        "'action': 'echo'}}})"
    )
    assert _loaded_after(code) == set()


def test_a_builtin_is_imported_when_a_task_names_it() -> None:
    code = (
        "from harmonia.loader import load_workflow_dict\n"
        "load_workflow_dict({'name': 'w', 'tasks': {'a': {'component': 'shell', "
        "'action': 'run', 'input': {'command': 'true'}}}})"
    )
    assert _loaded_after(code) == {"harmonia.components.shell"}


def test_every_builtin_is_listed_and_made_on_lookup() -> None:
    registry = default_registry(env={})
    assert registry.names() == sorted(BUILTIN_COMPONENTS)
    assert all(registry.kind(name) == "builtin" for name in BUILTIN_COMPONENTS)
    assert isinstance(registry.get("shell"), ShellComponent)
    assert registry.get("http") is registry.get("http")  # made once
    assert isinstance(registry.get("http"), HttpComponent)


def test_a_declared_component_cannot_hide_a_lazy_builtin() -> None:
    with pytest.raises(ValueError, match="would hide the built-in"):
        default_registry(declared={"shell": "http://127.0.0.1:9"}, env={})


def test_an_unknown_class_name_is_an_attribute_error() -> None:
    import harmonia.components as components

    with pytest.raises(AttributeError):
        _ = components.NoSuchComponent  # type: ignore[attr-defined]
