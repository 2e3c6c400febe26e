"""Fixtures of the engine tests that drive the probe component (helpers/engine_probe.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.engine_probe import Probe, ProbeBench


@pytest.fixture
def bench(data_dir: Path) -> ProbeBench:
    """An engine over `data_dir` with the probe registered beside the built-in components."""
    return ProbeBench(data_dir)


@pytest.fixture
def probe(bench: ProbeBench) -> Probe:
    return bench.probe
