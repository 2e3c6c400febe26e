"""The daemon's hooks: create, list, rotate and delete them, and take a signed delivery.

Changes are written to `hooks.json` before they are answered (a refused request changes
nothing). A delivery is checked in an order that tells an unauthenticated sender nothing
beyond whether the hook exists: the signature and the timestamp first, the body after.
"""

from __future__ import annotations

import builtins
import logging
import re
import time
from collections.abc import Callable, Mapping
from typing import Any

import anyio
import anyio.to_thread
import orjson

from harmonia.errors import InvalidOperation, NotFound, Problem, ValidationFailed
from harmonia.events import EventType, iso_time
from harmonia.signing import DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signature_matches
from harmoniad.context import DaemonState
from harmoniad.errors import ApiError
from harmoniad.hooks.deliveries import MARGIN, DeliveryIds, hook_trigger
from harmoniad.hooks.mapping import apply_mapping, check_mapping
from harmoniad.hooks.store import DEFAULT_WINDOW, HOOK_NAME, HookRecord, HookStore, new_secret
from harmoniad.services.executions import stored_workflow

__all__ = ["DELIVERY_ID", "Accepted", "HookService"]

logger = logging.getLogger("harmoniad.hooks")

DELIVERY_ID = r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}"
_DELIVERY_ID = re.compile(DELIVERY_ID)

Accepted = tuple[str, bool]
"""The execution id a delivery started, and whether this delivery was a replay."""


class HookService:
    """Owns `hooks.json` and the delivery ids of one daemon (loaded on first use)."""

    def __init__(self, state: DaemonState, clock: Callable[[], float] = time.time) -> None:
        self.state = state
        self.clock = clock
        self.store = HookStore(state.engine.store.data_dir)
        self.ids = DeliveryIds(clock)
        self._lock = anyio.Lock()
        self._loaded = False

    async def ready(self) -> None:
        """Read the hooks and the delivery ids the catalog remembers, once."""
        if self._loaded:
            return
        async with self._lock:
            if self._loaded:
                return
            await anyio.to_thread.run_sync(self.store.load)
            rows = await self.state.engine.index.rows()
            known = self.store.records

            def window_of(name: str) -> float:
                record = known.get(name)
                return record.window if record is not None else DEFAULT_WINDOW

            self.ids.load(rows, window_of)
            self._loaded = True

    # ---- management (token holders) --------------------------------------------------------
    async def list(self) -> list[HookRecord]:
        await self.ready()
        return sorted(self.store.records.values(), key=lambda r: r.name)

    async def get(self, name: str) -> HookRecord:
        await self.ready()
        return self.store.get(name)

    async def bound_to(self, workflow_id: str) -> builtins.list[str]:
        """The hooks that start `workflow_id` (deleting it is refused while there are any)."""
        await self.ready()
        return sorted(r.name for r in self.store.records.values() if r.workflow_id == workflow_id)

    async def activity(self) -> dict[str, dict[str, Any]]:
        """Per hook name: `deliveries` (executions its deliveries started, still on record)
        and `last_delivery` (the newest: `delivery_id`, `execution_id`, `at`), read from the
        executions' triggers, so nothing is recorded twice."""
        found: dict[str, dict[str, Any]] = {}
        for row in await self.state.engine.index.rows():  # newest first
            trigger = row.get("trigger")
            if not isinstance(trigger, dict) or trigger.get("kind") != "hook":
                continue
            name = str(trigger.get("hook"))
            seen = found.get(name)
            if seen is None:
                last = {
                    "delivery_id": trigger.get("delivery_id"),
                    "execution_id": row["id"],
                    "at": iso_time(row.get("created_at")),
                }
                found[name] = {"deliveries": 1, "last_delivery": last}
            else:
                seen["deliveries"] += 1
        return found

    async def create(
        self,
        name: str,
        workflow_id: str,
        *,
        input_map: dict[str, Any] | None = None,
        window: float = DEFAULT_WINDOW,
        description: str | None = None,
    ) -> HookRecord:
        await self.ready()
        if not HOOK_NAME.fullmatch(name):
            message = (
                "must be 1-64 letters, digits, '_', '.' or '-', starting with one of the first two"
            )
            raise ValidationFailed([Problem(message, field="name")])
        workflow = await stored_workflow(self.state, workflow_id)  # 404 if there is none
        mapping = None if input_map is None else check_mapping(input_map)
        names = list(mapping) if mapping is not None else []
        unknown = [n for n in names if n not in workflow.input]
        if unknown:
            declared = ", ".join(workflow.input) or "none"
            raise ValidationFailed(
                [
                    Problem(f"the workflow takes no input {n!r} (declared: {declared})",
                            field=f"input_map.{n}")
                    for n in unknown
                ]
            )  # fmt: skip
        async with self._lock:
            if name in self.store.records:
                raise InvalidOperation(f"a hook named {name!r} exists (delete it first)")
            record = HookRecord(
                name, workflow_id, new_secret(), self.clock(), mapping, window, description
            )
            await self.store.add(record)
        logger.info("hook %s created (workflow %s)", name, workflow_id)
        return record

    async def delete(self, name: str) -> None:
        await self.ready()
        async with self._lock:
            await self.store.remove(name)
        logger.info("hook %s deleted", name)

    async def rotate(self, name: str) -> HookRecord:
        """A new secret; the old one stops working at once."""
        await self.ready()
        async with self._lock:
            record = self.store.get(name)
            old = (record.secret, record.rotated_at)
            record.secret, record.rotated_at = new_secret(), self.clock()
            try:
                await self.store.save()
            except BaseException:
                record.secret, record.rotated_at = old
                raise
        logger.info("hook %s: secret rotated", name)
        return record

    # ---- deliveries (no token: the signature is the credential) ---------------------------
    async def deliver(self, name: str, headers: Mapping[str, str], body: bytes) -> Accepted:
        """Check a delivery and start (or find) its execution."""
        await self.ready()
        record = self.store.get(name)  # 404
        stamp = _checked_signature(record, headers, body, self.clock())
        try:
            document = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise ApiError(400, f"the body is not JSON: {exc}", code="bad_request") from None
        delivery_id = headers.get(DELIVERY_HEADER.lower())
        if delivery_id is None or not _DELIVERY_ID.fullmatch(delivery_id):
            raise ApiError(
                400,
                f"{DELIVERY_HEADER} is missing or malformed: one id per delivery, 1-128 "
                "letters, digits, '_', '.', ':' or '-' (a retry sends the same one)",
            )
        given = apply_mapping(document, record.input_map)
        trigger = hook_trigger(name, delivery_id, stamp)
        workflow_id = record.workflow_id

        async def start() -> str:
            try:
                workflow = await stored_workflow(self.state, workflow_id)
            except NotFound:
                raise InvalidOperation(
                    f"hook {name!r} starts workflow {workflow_id}, which was deleted: "
                    "delete the hook, or make it again for a stored workflow"
                ) from None
            execution = await self.state.engine.start(workflow, given, trigger=trigger)
            data = {"hook": name, "delivery_id": delivery_id, "timestamp": stamp}
            self.state.engine.emit(execution, EventType.WEBHOOK_RECEIVED, None, data)
            return execution.id

        expires = stamp + record.window + MARGIN
        return await self.ids.accept(name, delivery_id, expires, start)


def _checked_signature(
    record: HookRecord, headers: Mapping[str, str], body: bytes, now: float
) -> int:
    """The delivery's timestamp once its signature and age are right; a 401 saying which is
    wrong otherwise (a wrong signature and a wrong secret look the same)."""
    raw_stamp = headers.get(TIMESTAMP_HEADER.lower())
    given = headers.get(SIGNATURE_HEADER.lower())
    if raw_stamp is None or not raw_stamp.isdigit() or len(raw_stamp) > 12:
        raise _unsigned(f"{TIMESTAMP_HEADER} is missing or not Unix seconds")
    if given is None or not given.startswith("sha256="):
        raise _unsigned(f"{SIGNATURE_HEADER} is missing or not 'sha256=<hex>'")
    if not signature_matches(record.secret.encode(), raw_stamp, body, given):
        raise _unsigned(
            f"the signature does not match: HMAC-SHA256 of '{{timestamp}}.{{body}}' with the "
            f"hook's secret, as {SIGNATURE_HEADER}: sha256=<hex>"
        )
    stamp = int(raw_stamp)
    age = now - stamp
    if abs(age) > record.window:
        when = f"{age:.0f}s old" if age > 0 else f"{-age:.0f}s in the future"
        raise _unsigned(
            f"the timestamp is {when}: deliveries are accepted within {record.window:g}s of "
            "the daemon's clock (sign each delivery when it is sent)",
            reason="stale_timestamp",
        )
    return stamp


def _unsigned(message: str, *, reason: str = "bad_signature") -> ApiError:
    return ApiError(401, message, code="unauthorized", details={"reason": reason})
