"""Replayed deliveries: a delivery id already accepted is answered with the execution it
started, not with a second run.

The durable record is the execution itself: its `trigger` (`{"kind": "hook", "hook",
"delivery_id", "timestamp"}`) is in its catalog row before `engine.start` returns, so after a
crash (`kill -9` included) the ids are read back from the catalog, and no second file is
written per delivery. Ids are remembered until their signed timestamp is `window + MARGIN`
seconds old: past `window` a replay is refused for its old timestamp anyway.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import anyio

__all__ = ["MARGIN", "Delivery", "DeliveryIds", "hook_trigger"]

MARGIN = 300.0
"""Seconds a delivery id is remembered beyond its hook's window."""
PRUNE_EVERY = 30.0


def hook_trigger(hook: str, delivery_id: str, timestamp: int) -> dict[str, Any]:
    """What an execution started by a delivery records about it (`trigger`)."""
    return {"kind": "hook", "hook": hook, "delivery_id": delivery_id, "timestamp": timestamp}


@dataclass
class Delivery:
    """An accepted (or being accepted) delivery; `execution_id` is set once started."""

    expires_at: float
    execution_id: str | None = None
    done: anyio.Event = field(default_factory=anyio.Event)


class DeliveryIds:
    """Delivery ids by (hook, id): a sender's ids are its own, so a hook's secret cannot look
    up what another hook's deliveries started."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self._seen: dict[tuple[str, str], Delivery] = {}
        self._pruned_at = -math.inf

    def __len__(self) -> int:
        return len(self._seen)

    def load(self, rows: Iterable[dict[str, Any]], window_of: Callable[[str], float]) -> int:
        """Remember the deliveries that started these catalog rows (unexpired ones)."""
        now = self.clock()
        for row in rows:
            trigger = row.get("trigger")
            if not isinstance(trigger, dict) or trigger.get("kind") != "hook":
                continue
            hook, delivery_id = trigger.get("hook"), trigger.get("delivery_id")
            stamp = trigger.get("timestamp")
            if not isinstance(hook, str) or not isinstance(delivery_id, str):
                continue
            if not isinstance(stamp, int | float):
                continue
            expires = float(stamp) + window_of(hook) + MARGIN
            if expires > now:
                delivery = Delivery(expires, str(row["id"]))
                delivery.done.set()
                self._seen[(hook, delivery_id)] = delivery
        return len(self._seen)

    async def accept(
        self,
        hook: str,
        delivery_id: str,
        expires_at: float,
        start: Callable[[], Awaitable[str]],
    ) -> tuple[str, bool]:
        """The execution of this delivery and whether it was a replay: `start()` runs once per
        id; a concurrent duplicate waits for it. If `start()` fails, the id is forgotten (the
        sender got an error, and may deliver again)."""
        self._prune()
        key = (hook, delivery_id)
        while (known := self._seen.get(key)) is not None:
            await known.done.wait()
            if known.execution_id is not None:
                return known.execution_id, True
            # the first attempt failed; it was forgotten: try again as new
        delivery = self._seen[key] = Delivery(expires_at)
        try:
            delivery.execution_id = await start()
        except BaseException:
            del self._seen[key]
            raise
        finally:
            delivery.done.set()
        return delivery.execution_id, False

    def _prune(self) -> None:
        now = self.clock()
        if now - self._pruned_at < PRUNE_EVERY:
            return
        self._pruned_at = now
        expired = [k for k, d in self._seen.items() if d.expires_at <= now and d.done.is_set()]
        for key in expired:
            del self._seen[key]
