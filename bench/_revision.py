"""The `harmonia` package of a git revision, extracted for a before/after figure: no worktree,
so nothing is left to clean up in the repository if a bench is interrupted."""

from __future__ import annotations

import subprocess
from pathlib import Path

__all__ = ["ROOT", "extract_code", "extract_harmonia"]

ROOT = Path(__file__).resolve().parent.parent


def extract_harmonia(ref: str, where: Path) -> Path:
    """`harmonia/` of revision `ref` under `where` (created); put `where` on PYTHONPATH, which
    comes before the editable install's finder."""
    where.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", ref, "harmonia"],
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(where)], input=archive, check=True)
    return where


def extract_code(ref: str, where: Path) -> Path:
    """`harmonia/` and `harmoniad/` of revision `ref` under `where`, for PYTHONPATH (which
    comes before the editable install's finders): the daemon's benches run both."""
    where.mkdir()
    for member, strip in (("harmonia", 0), ("daemon/harmoniad", 1)):
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", "--format=tar", ref, member],
            check=True,
            capture_output=True,
        ).stdout
        tar = ["tar", "-x", "-C", str(where), f"--strip-components={strip}"]
        subprocess.run(tar, input=archive, check=True)
    return where
