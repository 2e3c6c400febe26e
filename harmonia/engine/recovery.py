"""Crash recovery at start: every execution that was running when its process died goes on.

One execution that cannot be resumed (damaged, locked, failing) never stops the others; a full
disk holds them until the storage is back (`harmonia.engine.storagehealth`).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import anyio

from harmonia.errors import InvalidOperation, NotFound, StorageUnavailable
from harmonia.store.storage import CorruptDatabase

if TYPE_CHECKING:
    from harmonia.engine.engine import Engine

__all__ = ["recover"]

logger = logging.getLogger("harmonia.engine")


async def recover(engine: Engine) -> list[str]:
    """Resume every interrupted execution not held here; returns the ids resumed."""
    try:
        summaries = await anyio.to_thread.run_sync(engine.store.list_summaries)
    except CorruptDatabase as exc:
        logger.error("%s: no execution resumed (harmonia doctor reports damaged files)", exc)
        return []
    resumed = []
    for row in summaries:
        if row["interrupted"] and row["id"] not in engine.live:
            try:
                await engine.resume(row["id"], reason="recovered")
            except (InvalidOperation, NotFound):
                continue  # damaged ones included: set aside and left for an operator
            except StorageUnavailable:  # the disk is full: resumed once it is not
                engine.storage.hold(row["id"])
                continue
            except Exception:
                # one execution that cannot be resumed must not stop the others
                logger.exception("could not resume execution %s", row["id"])
                continue
            resumed.append(row["id"])
    return resumed
