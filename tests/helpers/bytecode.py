"""Loaded by `-p helpers.bytecode` (pyproject's addopts), before pytest imports its plugins.

pytest rewrites the asserts of every plugin it loads from an installed package (schemathesis,
hypothesis, syrupy, anyio: ~280 modules) and keeps the result beside the module, unless
$PYTHONDONTWRITEBYTECODE is set (CI and sandbox shells): then the controller and every xdist
worker rewrote all of them again on every run (~1.5 s of CPU each). The suite's own modules
are kept too (pytest_configure would be too late for the plugins: they are imported first).
"""

from __future__ import annotations

import sys

sys.dont_write_bytecode = False
