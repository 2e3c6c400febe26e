"""Shared fixtures: both anyio backends for engine tests, and a fresh data folder per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str | tuple[str, dict[str, Any]]:
    """Engine code is anyio-only: every async test runs on asyncio and on trio; on virtual
    time (helpers/virtual_time.py) if marked `@pytest.mark.virtual_time`."""
    backend = str(request.param)
    if request.node.get_closest_marker("virtual_time") is None:
        return backend
    from helpers.virtual_time import virtual_time_backend

    return virtual_time_backend(backend)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """An empty Harmonia data folder (not created yet, as on a fresh machine)."""
    return tmp_path / "harmonia-data"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Never touch the developer's real data folder from a test."""
    monkeypatch.setenv("HARMONIA_HOME", str(tmp_path / "default-home"))
    yield


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The JavaScript client's tests (`node --test` against real daemons, tests/client/test_js.py)
    run after the whole Python suite, as CI's one command promises: a Python failure is
    reported first, and the JS half reads a Python half that already passed."""
    javascript = [item for item in items if item.nodeid.startswith("tests/client/test_js.py")]
    if javascript:
        items[:] = [item for item in items if item not in javascript] + javascript
