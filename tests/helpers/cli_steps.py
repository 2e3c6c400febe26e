"""What the CLI tests of the daemon's stored things (hooks, schedules) share: a workflow to
point them at, and the daemon's file of them read as it is, to show that a refused command
stored nothing."""

from __future__ import annotations

from helpers.daemon_testing import Harmoniad, echo_workflow

from harmonia.client import Client


def stored_echo(daemon: Harmoniad, name: str) -> str:
    """The id of `echo_workflow(name)`, stored on `daemon`."""
    with Client(daemon.url, daemon.token) as client:
        return client.create_workflow(echo_workflow(name)).id


def data_file(daemon: Harmoniad, name: str) -> bytes | None:
    """The bytes of the file `name` in the daemon's data folder; None while there is none."""
    path = daemon.data_dir / name
    return path.read_bytes() if path.exists() else None
