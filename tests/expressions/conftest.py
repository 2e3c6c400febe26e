"""The run-time context most expression tests resolve against."""

from __future__ import annotations

from typing import Any

import pytest
from helpers.expressions import make_context


@pytest.fixture
def ctx() -> dict[str, Any]:
    return make_context()
