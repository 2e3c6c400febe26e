"""How a value is escaped for the place it lands in a `/bin/sh` command, so that the shell
reads exactly the value, as one word of data. `shellsyntax` finds the place; this escapes."""

from __future__ import annotations

import enum
import re
from typing import Final

__all__ = ["ShellContext", "quote"]

_INTEGER: Final = re.compile(r"-?[0-9]{1,100}")


class ShellContext(enum.Enum):
    """Where a quoted hole sits: how its value must be escaped."""

    WORD = "word"  # unquoted: the value becomes one single-quoted word
    SINGLE = "single"  # inside '...': each ' becomes '\''
    DOUBLE = "double"  # inside "...": \ $ ` " get a backslash
    ARITH = "arith"  # inside $((...)) or ((...)): only an integer may go there
    INTEGER = "integer"  # a word bash evaluates as arithmetic (`[[ x -eq y ]]`, `let`)


def quote(value: str, context: ShellContext) -> str:
    """`value` escaped so that, at `context`, the shell reads exactly `value` as data.

    Arithmetic has no quoting: there a value must be an integer (ValueError otherwise), given
    in decimal (`012` would be octal to the shell) and in parentheses when negative.
    """
    if context is ShellContext.WORD:
        return "'" + value.replace("'", "'\\''") + "'"
    if context is ShellContext.SINGLE:
        return value.replace("'", "'\\''")
    if context is ShellContext.ARITH or context is ShellContext.INTEGER:
        if not _INTEGER.fullmatch(value):
            shown = value if len(value) <= 40 else value[:40] + "..."
            raise ValueError(f"only an integer can go into shell arithmetic, not {shown!r}")
        number = int(value)
        return f"({number})" if number < 0 and context is ShellContext.ARITH else str(number)
    out = value.replace("\\", "\\\\").replace('"', '\\"')
    return out.replace("$", "\\$").replace("`", "\\`")
