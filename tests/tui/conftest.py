"""What the TUI's Pilot tests share: Textual runs on asyncio only, and one real daemon per test
module (tests store workflows with names of their own, so they do not see each other's)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from helpers.daemon_testing import Harmoniad

if TYPE_CHECKING:
    from helpers.tui_terminal import Terminal


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # Textual runs on asyncio


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harmoniad]:
    with Harmoniad(tmp_path_factory.mktemp("tui-daemon") / "data") as running:
        yield running


@pytest.fixture
def terminals() -> Iterator[list[Terminal]]:
    """The tmux terminals a test opens (append each), closed after it whatever happened."""
    opened: list[Terminal] = []
    yield opened
    for terminal in opened:
        terminal.close()
