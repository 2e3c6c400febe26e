"""Finding every damaged file of a data folder: `harmonia doctor` and `harmoniad --check`.

Both run `check` and print its report; exit code 0 when nothing is damaged, 1 otherwise. It only
reads: nothing is repaired, cut, copied or locked, so it is safe beside a running daemon (whose
journals can only show a torn tail while it appends, which is not damage).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from harmonia.errors import NotFound
from harmonia.store.damage import DamagedFile, check_workflow
from harmonia.store.definitions import check_catalog as catalog_damage
from harmonia.store.store import Store

__all__ = ["DoctorReport", "check", "check_catalog", "check_execution", "run"]


@dataclass
class DoctorReport:
    data_dir: Path
    executions: int = 0
    """How many executions were checked."""
    damaged: list[tuple[str | None, DamagedFile]] = field(default_factory=list)
    """Each damaged file with the execution it belongs to (None: the catalog)."""

    @property
    def clean(self) -> bool:
        return not self.damaged

    def to_json(self) -> dict[str, Any]:
        return {
            "data_dir": str(self.data_dir),
            "executions_checked": self.executions,
            "clean": self.clean,
            "damaged": [
                {"execution_id": owner, "path": str(self.data_dir / item.file), **item.to_dict()}
                for owner, item in self.damaged
            ],
        }

    def lines(self) -> list[str]:
        out = []
        for owner, item in self.damaged:
            where = item.where()
            text = f"damaged: {self.data_dir / item.file}: {where + ': ' if where else ''}"
            text += item.reason
            if owner is not None:
                text += f" (execution {owner})"
            if item.kept_as:
                text += f"; a copy is kept as {self.data_dir / item.kept_as}"
            out.append(text)
        count = len(self.damaged)
        found = f"{count} damaged file{'' if count == 1 else 's'}" if count else "no damage found"
        plural = "" if self.executions == 1 else "s"
        out.append(
            f"checked the catalog and {self.executions} execution{plural} "
            f"in {self.data_dir}: {found}"
        )
        return out


def check(data_dir: Path) -> DoctorReport:
    """Every damaged file of the data folder: the catalog, and each execution's snapshot and
    journal (every journal line, and each snapshot's workflow document)."""
    report = DoctorReport(data_dir)
    report.damaged.extend((None, item) for item in check_catalog(data_dir))
    store = Store(data_dir)
    folder = data_dir / "executions"
    entries = sorted(folder.iterdir()) if folder.is_dir() else []
    for entry in entries:
        if not entry.is_dir() or entry.name.startswith("."):
            continue
        if not (entry / "state.json").exists() and not (entry / "journal.jsonl").exists():
            continue  # nothing recorded (an execution being created, or an empty folder)
        report.executions += 1
        report.damaged.extend((entry.name, item) for item in check_execution(store, entry.name))
    return report


def check_execution(store: Store, execution_id: str) -> list[DamagedFile]:
    """The damaged files of one execution (the same checks recovery makes, on every line)."""
    try:
        state = store.load_execution(execution_id)
    except NotFound:
        return []
    if state.damage is not None:
        return [DamagedFile.from_dict(raw) for raw in state.damage["files"]]
    _, problem = check_workflow(state.workflow)
    if problem is not None:
        name = store.state_path(execution_id).relative_to(store.data_dir).as_posix()
        return [DamagedFile(name, problem)]
    return []


def check_catalog(data_dir: Path) -> list[DamagedFile]:
    """The catalog's damaged files (`catalog.json`, stored workflow files), as
    `harmonia.store.definitions.check_catalog` finds them; empty when they read."""
    return [
        DamagedFile(
            damage.path.relative_to(data_dir).as_posix()
            if damage.path.is_relative_to(data_dir)
            else str(damage.path),
            damage.problem,
            damage.offset,
            damage.line,
        )
        for damage in catalog_damage(data_dir)
    ]


def run(data_dir: Path, *, as_json: bool = False) -> int:
    """Check, print the report on stdout (text or JSON), and return the exit code: 0 when
    nothing is damaged, 1 otherwise. `harmonia doctor` and `harmoniad --check` are this."""
    report = check(data_dir)
    if as_json:
        sys.stdout.flush()
        sys.stdout.buffer.write(orjson.dumps(report.to_json(), option=orjson.OPT_INDENT_2) + b"\n")
        sys.stdout.buffer.flush()
    else:
        print("\n".join(report.lines()), flush=True)
    return 0 if report.clean else 1
