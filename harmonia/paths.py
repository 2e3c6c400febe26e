"""Where Harmonia keeps its data when nobody says otherwise.

The CLI, the daemon and the TUI must agree on this, or `harmonia executions` would not list what
`harmoniad` ran; hence one function that all of them call.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["DATA_DIR_DEFAULT", "DATA_DIR_ENV", "DATA_DIR_HELP", "HOME_ENV", "default_data_dir"]

HOME_ENV = "HARMONIA_HOME"
"""Environment variable naming the data folder; handy for tests, containers and CI."""
DATA_DIR_ENV = "HARMONIA_DATA_DIR"
"""The original (Tekton) Harmonia's name for the same setting, accepted so that a Tekton
environment carries over; `HARMONIA_HOME` wins when both are set."""
DATA_DIR_DEFAULT = f"(default: ${HOME_ENV}, else ${DATA_DIR_ENV}, else the user data folder)"
"""What `default_data_dir` reads, for every command's `--data-dir` help, the daemon's included."""
DATA_DIR_HELP = f"data folder {DATA_DIR_DEFAULT}"


def default_data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The data folder: `explicit` if given, else `$HARMONIA_HOME`, else `$HARMONIA_DATA_DIR`,
    else the platform's user data folder (e.g. `~/.local/share/harmonia` on Linux).

    Nothing is created here: a command that fails validation must leave no trace on disk.
    """
    if explicit is not None and str(explicit) != "":
        return Path(explicit).expanduser()
    from_env = os.environ.get(HOME_ENV) or os.environ.get(DATA_DIR_ENV)
    if from_env:
        return Path(from_env).expanduser()
    import platformdirs  # imported late: tests and scripts usually name the folder

    return Path(platformdirs.user_data_dir("harmonia", appauthor=False))
