"""Shared fixtures: both anyio backends for engine tests, and a fresh data folder per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Engine code is anyio-only: every async test runs on asyncio and on trio."""
    return str(request.param)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """An empty Harmonia data folder (not created yet, as on a fresh machine)."""
    return tmp_path / "harmonia-data"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Never touch the developer's real data folder from a test."""
    monkeypatch.setenv("HARMONIA_HOME", str(tmp_path / "default-home"))
    yield
