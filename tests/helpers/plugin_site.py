"""A package installed the way pip leaves one on disk, for the plugin tests of commands and of
components: the look-up through installed packages' metadata is then the one users get."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

__all__ = ["HARMONIA", "install", "run_harmonia"]

HARMONIA = str(Path(sys.executable).with_name("harmonia"))


def install(site: Path, name: str, module: str, entry_points: str) -> None:
    """The module, and its `.dist-info` metadata with its `entry_points.txt`."""
    site.mkdir(exist_ok=True)
    (site / f"{name}.py").write_text(module, encoding="utf-8")
    info = site / f"{name}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(entry_points, encoding="utf-8")


def run_harmonia(
    site: Path, *args: str, columns: int = 100, drop_env: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    """The real `harmonia` script with `site` on PYTHONPATH (and `drop_env` prefixes unset)."""
    env = {k: v for k, v in os.environ.items() if not (drop_env and k.startswith(drop_env))}
    env.update(PYTHONPATH=str(site), COLUMNS=str(columns))
    return subprocess.run(
        [HARMONIA, *args], capture_output=True, text=True, env=env, timeout=60, check=False
    )
