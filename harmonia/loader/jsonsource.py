"""JSON text into data: orjson for speed, the json module where orjson cannot tell enough.

orjson reads a workflow ten times faster than the json module with a pairs hook, but it keeps
the last of duplicate keys silently, rounds integers beyond 64 bits, and refuses what the json
module has always accepted (NaN). Each of these is detected cheaply, and then the text is read
again exactly as before, so results and messages stay the same whichever parser read it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import orjson

from harmonia.errors import Problem
from harmonia.jsonlimits import has_long_digits, read_int
from harmonia.loader.document import Document, KeyPath, LineIndex
from harmonia.loader.shape import TOO_DEEP, values_fit

__all__ = ["parse_json"]


def parse_json(text: str, source: str) -> Document:
    """Parse JSON strictly; lines (borrowed from YAML, see `_json_lines`) only when asked."""
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError:
        return _parse_exactly(text, source)  # NaN, huge integers, or the json module's message
    if has_long_digits(text) or _may_hold_duplicates(text, data):
        return _parse_exactly(text, source)
    shape = (None, False) if values_fit(text) else None
    return Document(
        source=source,
        data=data,
        index_lines=lambda: _json_lines(text),
        shape=shape,
        plain_json=True,
    )


def _may_hold_duplicates(text: str, data: Any) -> bool:
    """Whether orjson may have dropped a member with a duplicate key.

    Each member of an object has one `:` outside strings, and the dump of what orjson kept
    holds every string as read; so a dropped member shows as fewer colons in the dump than in
    the text. Only a colon written as `\\u003a` is counted apart, so such text is read again.
    """
    if "\\u003" in text:
        return True
    return text.count(":") != orjson.dumps(data).count(b":")


def _parse_exactly(text: str, source: str) -> Document:
    """The json module with a pairs hook: every duplicate key, exact integers, NaN."""
    parsed = Document(source=source, index_lines=lambda: _json_lines(text))
    duplicates: list[tuple[dict[str, Any], str]] = []

    def pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                duplicates.append((result, key))
            result[key] = value
        return result

    try:
        try:
            parsed.data = json.loads(text, object_pairs_hook=pairs_hook)
        except json.JSONDecodeError:
            raise
        except ValueError:  # an integer of too many digits to convert: read it to report it
            duplicates.clear()
            parsed.data = json.loads(text, object_pairs_hook=pairs_hook, parse_int=read_int)
    except json.JSONDecodeError as exc:
        parsed.problems.append(Problem(_syntax_message(exc), file=source, line=exc.lineno))
        parsed.fatal = True
        return parsed
    except RecursionError:
        parsed.problems.append(Problem(TOO_DEEP, file=source))
        parsed.fatal = True
        return parsed
    if duplicates:
        paths = {id(container): path for path, container in _containers(parsed.data)}
        for container, key in duplicates:
            path = (*paths.get(id(container), ()), key)
            parsed.problems.append(
                parsed.problem(f"duplicate key '{key}'; only the last value would be used", path)
            )
    return parsed


def _json_lines(text: str) -> LineIndex:
    """JSON is nearly a subset of YAML, so composing the same text as YAML gives its lines;
    when it cannot (tabs, some escapes), problems just have no line."""
    from harmonia.loader.yamlsource import yaml_lines

    return yaml_lines(text)


def _containers(data: Any, path: KeyPath = ()) -> Iterator[tuple[KeyPath, Any]]:
    """Every dict and list in freshly parsed JSON (a tree: no sharing, no cycles)."""
    if isinstance(data, dict):
        yield path, data
        for key, value in data.items():
            yield from _containers(value, (*path, key))
    elif isinstance(data, list):
        yield path, data
        for index, value in enumerate(data):
            yield from _containers(value, (*path, index))


def _syntax_message(exc: json.JSONDecodeError) -> str:
    """The json module's complaint with its column; at the very end of the text it only
    names what it expected next, so say that the file ends there (most often: cut short)."""
    if not exc.doc[exc.pos :].strip():
        return f"JSON syntax error: the file ends before the document does ({exc.msg})"
    return f"JSON syntax error at column {exc.colno}: {exc.msg}"
