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
from harmonia.protocol import DAEMON_FILE, URL_ENV

__all__ = ["data_dir_for_reading", "data_dir_for_writing", "held_by_daemon"]


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


def held_by_daemon(option: str | None, holder: str) -> list[str]:
    """What to do when an execution this command would run is held by the data folder's own
    daemon (`holder`: the pid in its lock): the command works in this process unless given
    --url, which a user who started `harmoniad` and then typed `harmonia resume ID` does not
    know. Nothing when another process (a `harmonia run`) holds it."""
    import orjson  # only on this error path: the parser's imports stay light

    try:
        document = orjson.loads((default_data_dir(option) / DAEMON_FILE).read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return []
    if not (isinstance(document, dict) and isinstance(document.get("url"), str)):
        return []
    if str(document.get("pid")) != holder:
        return []
    url = document["url"]
    return [f"it is the daemon at {url}: ask it with --url {url} (or set {URL_ENV}={url})"]
