"""Sending a local workflow or template file to a daemon: `submit`, `workflows add` and
`templates import` read the file the same way and turn the daemon's refusal into the same
file/line messages and exit code, so they live here once."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

from harmonia.cli.errors import CliError
from harmonia.cli.remote import api_error_code, api_error_lines
from harmonia.client import ValidationError
from harmonia.errors import reading_failure

__all__ = ["daemon_refusal", "read_upload"]


def read_upload(name: str) -> tuple[str, Literal["yaml", "json"]]:
    """The file's text and its format by its suffix (YAML unless it ends in .json); read before
    the daemon is asked anything, so a typo in the path fails first."""
    path = Path(name)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"{name}: cannot read the file: {reading_failure(exc)}") from None
    return text, "json" if path.suffix.lower() == ".json" else "yaml"


@contextmanager
def daemon_refusal(args: argparse.Namespace, default_file: str | None = None) -> Iterator[None]:
    """A `ValidationError` from the daemon becomes the CLI's error: every problem on its own
    line (naming `default_file` where the daemon named no file), exit 2."""
    try:
        yield
    except ValidationError as exc:
        lines = api_error_lines(exc, args, default_file=default_file)
        raise CliError(*lines, code=api_error_code(exc)) from None
