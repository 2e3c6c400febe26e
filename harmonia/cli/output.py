"""Machine-readable output: one JSON document on stdout and nothing else there."""

from __future__ import annotations

import sys
from typing import Any

import orjson

__all__ = ["print_json"]


def print_json(document: Any) -> None:
    """Indented, because people read `--json` output too; `jq` does not mind either way.

    Written as bytes, so no locale can make a non-ASCII output unencodable."""
    sys.stdout.flush()
    sys.stdout.buffer.write(orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n")
    sys.stdout.buffer.flush()
