"""Which daemon to talk to and with which token, when the caller does not say.

The order is the same for the CLI, the TUI and scripts: an explicit argument, then the
environment (`HARMONIA_URL`, `HARMONIA_TOKEN`), then what the daemon left in its data folder
(`daemon.json` with the URL it listens on, `token`), then the default port on loopback.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from harmonia.paths import default_data_dir
from harmonia.protocol import DAEMON_FILE, DEFAULT_PORT, TOKEN_ENV, TOKEN_FILE, URL_ENV

__all__ = ["DEFAULT_URL", "DaemonAddress", "resolve_daemon", "resolve_token", "resolve_url"]

DEFAULT_URL = f"http://127.0.0.1:{DEFAULT_PORT}"
"""Where a daemon started with no options listens."""

PathLike = str | os.PathLike[str]


def resolve_url(url: str | None = None, *, data_dir: PathLike | None = None) -> str:
    """The daemon's base URL, without a trailing slash."""
    for candidate in (url, os.environ.get(URL_ENV), _url_from_daemon_file(data_dir)):
        if candidate and candidate.strip():
            return _connectable(candidate.strip().rstrip("/"))
    return DEFAULT_URL


@dataclass(frozen=True)
class DaemonAddress:
    """Where the daemon should be, for a program that starts one in its own process when none
    answers (`harmonia tui`, `harmonia mcp`), unless the URL was asked for."""

    url: str
    data_dir: Path
    explicit: bool
    """The URL came from the caller or `$HARMONIA_URL`: a silence there is an error."""


def resolve_daemon(url: str | None = None, *, data_dir: PathLike | None = None) -> DaemonAddress:
    """`resolve_url` with the data folder it looked in and whether the URL was asked for."""
    folder = default_data_dir(data_dir)
    explicit = bool(url or os.environ.get(URL_ENV))
    return DaemonAddress(resolve_url(url, data_dir=folder), folder, explicit)


def _connectable(url: str) -> str:
    """`http://0.0.0.0:8007` (a daemon bound to every interface) is reached on loopback, whose
    name the daemon's Host check accepts."""
    for wildcard in ("://0.0.0.0", "://[::]"):
        if wildcard in url:
            return url.replace(wildcard, "://127.0.0.1", 1)
    return url


def resolve_token(token: str | None = None, *, data_dir: PathLike | None = None) -> str | None:
    """The bearer token, or None when there is none to be found (the daemon will say 401)."""
    if token:
        return token.strip()
    from_env = os.environ.get(TOKEN_ENV)
    if from_env and from_env.strip():
        return from_env.strip()
    path = default_data_dir(data_dir) / TOKEN_FILE
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None  # absent or unreadable: the 401 that follows says what is missing
    return text or None


def _url_from_daemon_file(data_dir: PathLike | None) -> str | None:
    """The URL a daemon recorded; a missing, half-written or foreign file is no URL."""
    path: Path = default_data_dir(data_dir) / DAEMON_FILE
    try:
        document: Any = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    if isinstance(document, dict) and isinstance(document.get("url"), str):
        return str(document["url"])
    return None
