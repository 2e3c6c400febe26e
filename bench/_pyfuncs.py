"""Functions the python-pool benchmark calls by import path (`_pyfuncs:noop`)."""

from __future__ import annotations


def noop() -> None:
    return None
