"""The hooks of one data folder: `DATA_DIR/hooks.json`, replaced whole (temp file, fsync,
rename, like `schedules.json`), so a crash leaves the old file or the new one, never half.

Each hook keeps its secret here (the file is created 0600 in the 0700 data folder): the
daemon must read it back to check signatures. Only the daemon writes it; call from a thread.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from harmonia.errors import NotFound
from harmonia.store.storage import load_or_set_aside, write_atomically

__all__ = ["DEFAULT_WINDOW", "FILE", "HOOK_NAME", "HookRecord", "HookStore", "new_secret"]

logger = logging.getLogger("harmoniad.hooks")

FILE = "hooks.json"
DEFAULT_WINDOW = 300.0
"""Seconds a delivery's timestamp may be away from the daemon's clock (either way)."""
HOOK_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def new_secret() -> str:
    return secrets.token_urlsafe(32)


@dataclass
class HookRecord:
    """One hook: which workflow a signed delivery starts, with what, and its secret."""

    name: str
    workflow_id: str
    secret: str
    created_at: float
    input_map: dict[str, str] | None = None
    window: float = DEFAULT_WINDOW
    description: str | None = None
    rotated_at: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    """Fields of a newer daemon's file, kept as they were."""

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.extra,
            "name": self.name,
            "workflow_id": self.workflow_id,
            "secret": self.secret,
            "created_at": self.created_at,
            "input_map": self.input_map,
            "window": self.window,
            "description": self.description,
            "rotated_at": self.rotated_at,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HookRecord:
        known = {
            "name", "workflow_id", "secret", "created_at", "input_map", "window",
            "description", "rotated_at",
        }  # fmt: skip
        return cls(
            name=str(data["name"]),
            workflow_id=str(data["workflow_id"]),
            secret=str(data["secret"]),
            created_at=float(data["created_at"]),
            input_map=data.get("input_map"),
            window=float(data.get("window") or DEFAULT_WINDOW),
            description=data.get("description"),
            rotated_at=data.get("rotated_at"),
            extra={k: v for k, v in data.items() if k not in known},
        )


_DAMAGE = (orjson.JSONDecodeError, KeyError, TypeError, ValueError)


def _parse(payload: bytes) -> dict[str, HookRecord]:
    return {r["name"]: HookRecord.from_dict(r) for r in orjson.loads(payload)["hooks"]}


class HookStore:
    """Every hook, in memory, written whole on `write`."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / FILE
        self.records: dict[str, HookRecord] = {}

    def load(self) -> None:
        """Read the file (none: no hooks). A damaged one (a hand or a disk, never a crash) is
        kept aside byte for byte and the daemon goes on with no hooks rather than not at all:
        every delivery is then a 404, which a sender retries."""
        records = load_or_set_aside(self.path, _parse, _DAMAGE, logger, "hooks")
        self.records = records or {}

    def snapshot(self) -> bytes:
        """The file's bytes now (taken on the event loop, written in a thread)."""
        rows = [r.to_dict() for r in sorted(self.records.values(), key=lambda r: r.name)]
        return orjson.dumps({"version": 1, "hooks": rows})

    def write(self, payload: bytes) -> None:
        write_atomically(self.path, payload)
        os.chmod(self.path, 0o600)

    def get(self, name: str) -> HookRecord:
        record = self.records.get(name) if HOOK_NAME.fullmatch(name) else None
        if record is None:
            raise NotFound(f"no hook {name!r}")
        return record
