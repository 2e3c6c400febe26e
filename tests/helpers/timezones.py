"""This process's local time zone, set for a while: times shown "in the viewer's zone" are
then checked somewhere other than the machine's own (often UTC, where an offset-free time and
a UTC one read alike)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["local_zone"]


@contextmanager
def local_zone(name: str) -> Iterator[None]:
    """`TZ=name` (and `time.tzset()`) inside the block, the previous zone after it."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = name
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = before
        time.tzset()
