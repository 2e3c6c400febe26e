"""Reading a file a store writes whole, and keeping a damaged one aside instead of stopping."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

__all__ = ["load_or_set_aside"]

T = TypeVar("T")


def load_or_set_aside(
    path: Path,
    parse: Callable[[bytes], T],
    damage: tuple[type[Exception], ...],
    logger: logging.Logger,
    what: str,
) -> T | None:
    """`parse` of the file a store writes whole; None when there is none. A damaged one (only
    ever replaced whole, so a crash never leaves one: a hand or a disk did this), that is one
    `parse` fails on with an error of `damage`, is renamed to `NAME.damaged-<UTC time>` beside
    it, byte for byte and with its mode (a file of secrets stays private), logged, and None
    returned: the daemon goes on without `what` rather than not at all."""
    try:
        payload = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        return parse(payload)
    except damage as exc:
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        kept = path.with_name(f"{path.name}.damaged-{stamp}")
        os.replace(path, kept)
        logger.error("%s is damaged (%s): kept as %s; no %s loaded", path, exc, kept, what)
        return None
