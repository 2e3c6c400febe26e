"""The data folder as the commands see it: chosen once, checked before use.

`harmonia.paths.default_data_dir` decides *which* folder; this module decides whether a command
can use it, so that a bad `--data-dir` is a clear exit-2 error before anything runs rather than
an OSError from deep inside the store half-way through an execution.
"""

from __future__ import annotations

import os
from pathlib import Path

from harmonia.cli.errors import CliError
from harmonia.paths import default_data_dir

__all__ = ["data_dir_for_reading", "data_dir_for_writing"]


def data_dir_for_reading(option: str | None) -> Path:
    """A folder to read from. A missing one is fine (nothing has run yet); a file is not."""
    path = default_data_dir(option)
    if path.exists() and not path.is_dir():
        raise CliError(f"data folder {path} is not a directory")
    return path


def data_dir_for_writing(option: str | None) -> Path:
    """A folder to run executions in, created if needed. Call it only once the command's
    input is known to be valid: an invalid run must leave no trace on disk."""
    path = data_dir_for_reading(option)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CliError(f"cannot create data folder {path}: {exc.strerror or exc}") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise CliError(f"data folder {path} is not writable")
    return path
