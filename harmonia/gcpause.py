"""Pausing Python's cyclic garbage collector while a large, acyclic structure is built.

Parsing a 10,000-task workflow, or rebuilding a 10,000-task execution on resume, allocates a few
hundred thousand objects in one go. The collector's passes over them free nothing (none is part
of a cycle) yet took most of the time. Kept light, apart from the engine, so the loader uses it
without importing the engine.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["cycle_collection_paused"]


@contextmanager
def cycle_collection_paused() -> Iterator[None]:
    """Pause the cyclic collector for the block; reference counting still frees everything as
    usual, and the previous setting is restored afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
