"""The public surface of `harmonia` and `harmonia.client`, pinned.

A name a user imports is a promise; one that leaks out by accident (a helper, a module) becomes
one too. So each package says what it exports in one `__all__`, everything in it imports, and
nothing public sits beside it unlisted; a change to the surface changes this file, on purpose.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path
from types import ModuleType

import pytest

import harmonia
import harmonia.client

SURFACES = {
    "harmonia": "__version__",
    "harmonia.client": """
        DEFAULT_URL DaemonAddress resolve_daemon resolve_token resolve_url
        AsyncClient Client Reconnect
        ClientError DaemonUnreachable ProtocolError ApiError BadRequestError UnauthorizedError
        RequestNotJson ForbiddenError NotFoundError MethodNotAllowedError ConflictError
        ExecutionDamagedError PayloadTooLargeError UnsupportedMediaTypeError ValidationError
        ServerError StorageUnavailableError
        ActionInfo ApprovalResult Checkpoint ComponentInfo DamagedFile DeliveryAttempt Discovery
        Endpoint Event EventPage Execution ExecutionDamage ExecutionSummary ExecutorState
        FixResult Health HermesState Hook HookDelivered HookLastDelivery Page Ready RetryPlan
        RetryResult Schedule ScheduleRun StorageState TaskInfo Template TemplateInfo ToolAnswer
        WebhookDelivery Workflow WorkflowDeleted WorkflowInfo WorkflowOrigin
    """,
}
"""What each package exports; a new or a removed name is an API change, made here too."""

PACKAGES = [harmonia, harmonia.client]


def public_members(package: ModuleType) -> set[str]:
    """What `package` defines or imports at its top level for users: not its submodules
    (reached by their own dotted name), not `_private` names, but its `__version__`."""
    return {
        name
        for name, value in vars(package).items()
        if (not name.startswith("_") or name == "__version__") and not isinstance(value, ModuleType)
    }


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.__name__)
def test_all_is_the_pinned_surface(package: ModuleType) -> None:
    exported = package.__all__
    assert len(exported) == len(set(exported)), "a name is listed twice"
    assert set(exported) == set(SURFACES[package.__name__].split())


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.__name__)
def test_every_public_name_is_in_all_and_every_name_in_all_imports(package: ModuleType) -> None:
    assert public_members(package) == set(package.__all__)
    for name in package.__all__:
        namespace: dict[str, object] = {}
        exec(f"from {package.__name__} import {name}", namespace)
        assert namespace[name] is getattr(package, name)


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.__name__)
def test_all_is_declared_once_in_the_init(package: ModuleType) -> None:
    """One literal list, so the surface reads in one place (no `+=`, no `extend`)."""
    tree = ast.parse(inspect.getsource(package))
    (assignment,) = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign)
        and "__all__" in {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    ]
    assert isinstance(assignment, ast.Assign) and isinstance(assignment.value, ast.List)
    changed = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and ast.unparse(node.value) == "__all__"
    ]
    assert not changed


def test_the_client_keeps_its_modules_private() -> None:
    """Users import from `harmonia.client`; its modules may move without notice."""
    folder = Path(harmonia.client.__file__).parent
    public = [p.name for p in folder.glob("*.py") if not p.name.startswith("_")]
    assert public == []
