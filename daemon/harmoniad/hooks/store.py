"""The hooks of one data folder: `DATA_DIR/hooks.json`, replaced whole like `schedules.json`
(`harmonia.store.recordfile`), so a crash leaves the old file or the new one, never half.

Each hook keeps its secret here (the file is created 0600 in the 0700 data folder): the
daemon must read it back to check signatures.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
from dataclasses import dataclass, field, fields
from typing import Any

from harmonia.store.recordfile import RecordFile

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
        """The file's row: the record's fields, after those of a newer daemon."""
        return {**self.extra, **{name: getattr(self, name) for name in _FIELDS}}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HookRecord:
        return cls(
            name=str(data["name"]),
            workflow_id=str(data["workflow_id"]),
            secret=str(data["secret"]),
            created_at=float(data["created_at"]),
            input_map=data.get("input_map"),
            window=float(data.get("window") or DEFAULT_WINDOW),
            description=data.get("description"),
            rotated_at=data.get("rotated_at"),
            extra={k: v for k, v in data.items() if k not in _FIELDS},
        )


_FIELDS = tuple(f.name for f in fields(HookRecord) if f.name != "extra")


class HookStore(RecordFile[HookRecord]):
    """Every hook, in memory, written whole (by name) on `save`; the file is private (0600)."""

    FILE = FILE
    SECTION = "hooks"
    NOUN = "hook"
    KEY = HOOK_NAME
    LOGGER = logger

    def key_of(self, record: HookRecord) -> str:
        return record.name

    def from_row(self, row: dict[str, Any]) -> HookRecord:
        return HookRecord.from_dict(row)

    def in_file_order(self) -> list[HookRecord]:
        return sorted(self.records.values(), key=lambda r: r.name)

    def write(self, payload: bytes) -> None:
        super().write(payload)
        os.chmod(self.path, 0o600)
