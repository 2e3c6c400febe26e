"""Build the parser of the one command a command line names, not of all ~40.

`harmonia resume ID` used to build every subcommand's parser (~50 parsers, ~10 ms, more on a
cold start) before its first task could start. When the first argument names a built-in
command, the code that adds commands runs as always, but each other command's parser is a
`_Skipped` stand-in that drops what is added to it. Any other command line (help, a typo, a
plugin's command) gets the whole parser, so its help and errors are unchanged.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any, cast

__all__ = ["OneCommand", "named_command"]


def named_command(argv: Sequence[str] | None) -> str | None:
    """The command the command line starts with, if it starts with one (not an option)."""
    if not argv or argv[0].startswith("-"):
        return None
    return argv[0]


class _Skipped:
    """Stands for the parser of a command the command line does not name: every method call
    (`add_argument`, `set_defaults`, groups...) is accepted and does nothing."""

    def __getattr__(self, name: str) -> Any:
        return self._drop

    def _drop(self, *args: Any, **kwargs: Any) -> _Skipped:
        return self


class OneCommand(argparse._SubParsersAction):  # type: ignore[type-arg]
    """Subparsers that build only `only`'s parser (`argparse`'s `action=` hook, so the code
    adding commands sees the usual object). `built` tells whether `only` was among them."""

    only: str | None = None
    """Set just after `add_subparsers(action=OneCommand)` (None: build every command)."""

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser:
        if self.only is None or name == self.only:
            return cast(argparse.ArgumentParser, super().add_parser(name, **kwargs))
        return cast(argparse.ArgumentParser, _Skipped())

    @property
    def built(self) -> bool:
        return self.only is None or self.only in self.choices
