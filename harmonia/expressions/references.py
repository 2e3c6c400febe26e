"""The syntax of a `${...}` reference: which roots exist and how a reference is written.

A reference may only walk the keys of mappings and the indexes of lists in the context the engine
hands over, never a Python attribute, a dunder or a call, so a workflow file cannot reach into the
engine. This module reads references; `lookup` resolves them at run time.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Final

from harmonia.expressions.errors import ExpressionError
from harmonia.expressions.limits import MAX_EXPRESSION_LENGTH
from harmonia.suggestions import suggest

__all__ = [
    "CONTEXT_FIELDS",
    "ITEM_ROOTS",
    "MARKERS",
    "REFERENCE_ROOTS",
    "ROOTS",
    "ROOTS_TEXT",
    "ROOT_RE",
    "Reference",
    "marker_misplaced",
    "normalise",
    "parse_reference",
    "scan_braced",
    "scan_marked",
    "scan_reference",
    "scan_string",
    "show",
    "skip_ws",
    "unknown_root",
]

REFERENCE_ROOTS: Final = (
    "input",
    "tasks",
    "workflow",
    "execution",
    "env",
    "components",
    "item",
    "index",
    "param",
)
"""The names a reference starts with, in the order documentation lists them. `param` names a
template's parameter: it is substituted when the template is instantiated, so it never
reaches the engine (the loader refuses it in a workflow)."""
CONTEXT_FIELDS: Final = {"workflow": ("name", "version"), "execution": ("id",)}
"""The strings the engine gives these roots (`ExecutionRunner`'s context): any other name
after them has no value, so the loader refuses it instead of the task failing at run time."""
ITEM_ROOTS: Final = frozenset({"item", "index"})
"""The roots only a `for_each` task's input and `when` have: its current item and index."""
ROOTS: Final = frozenset(REFERENCE_ROOTS)
MARKERS: Final = frozenset({"raw"})
"""`${raw:input.x}`: the value goes into a shell command string as shell code, unquoted."""
ROOTS_TEXT: Final = ", ".join(sorted(ROOTS))
_TASK_FIELDS: Final = ("output", "status")
_COMPONENT_FIELDS: Final = ("url",)

ROOT_RE: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NAME_RE: Final = re.compile(r"[\w-]+")
_PLAIN_NAME_RE: Final = re.compile(r"[\w-]+\Z")
_INT_RE: Final = re.compile(r"[0-9]+")
_WHITESPACE: Final = frozenset(" \t\r\n")
_HEX: Final = frozenset("0123456789abcdefABCDEF")
_ESCAPES: Final = {
    "\\": "\\",
    "'": "'",
    '"': '"',
    "/": "/",
    "$": "$",
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "b": "\b",
    "f": "\f",
    "0": "\0",
}


@dataclass(frozen=True, slots=True)
class Reference:
    """One `${...}` reference, normalised: `text` re-parses to an equal `Reference`."""

    text: str
    root: str
    path: tuple[str | int, ...]

    @property
    def task_id(self) -> str | None:
        """The referenced task for `tasks.ID...`, so the loader can check dependencies."""
        if self.root == "tasks" and self.path and isinstance(self.path[0], str):
            return self.path[0]
        return None

    def __str__(self) -> str:
        return "${" + self.text + "}"


def skip_ws(text: str, pos: int, end: int) -> int:
    while pos < end and text[pos] in _WHITESPACE:
        pos += 1
    return pos


def show(text: str, pos: int) -> str:
    """Name the character at `pos` for a message."""
    return "end of text" if pos >= len(text) else repr(text[pos])


def normalise(root: str, path: tuple[str | int, ...] | list[str | int]) -> str:
    """The canonical text of a reference: `.name` where a name is plain, `["key"]` otherwise."""
    parts = [root]
    for seg in path:
        if isinstance(seg, int):
            parts.append(f"[{seg}]")
        elif _PLAIN_NAME_RE.match(seg):
            parts.append("." + seg)
        else:
            parts.append("[" + json.dumps(seg, ensure_ascii=False) + "]")
    return "".join(parts)


def scan_string(text: str, pos: int, end: int) -> tuple[str, int]:
    """Read the quoted string starting at `pos`; return its value and the offset after it."""
    quote = text[pos]
    out: list[str] = []
    p = pos + 1
    while p < end:
        ch = text[p]
        if ch == quote:
            return "".join(out), p + 1
        if ch == "\\":
            if p + 1 >= end:
                break
            esc = text[p + 1]
            if esc == "u":
                digits = text[p + 2 : p + 6]
                if p + 6 > end or len(digits) != 4 or not _HEX.issuperset(digits):
                    raise ExpressionError("invalid \\u escape: expected 4 hex digits", text, p)
                code = int(digits, 16)
                p += 6
                low = text[p + 2 : p + 6] if text.startswith("\\u", p) and p + 6 <= end else ""
                if 0xD800 <= code < 0xDC00 and len(low) == 4 and _HEX.issuperset(low):
                    low_code = int(low, 16)
                    if 0xDC00 <= low_code < 0xE000:  # a JSON-style surrogate pair: one character
                        code = 0x10000 + ((code - 0xD800) << 10) + (low_code - 0xDC00)
                        p += 6
                out.append(chr(code))
                continue
            replacement = _ESCAPES.get(esc)
            if replacement is None:
                raise ExpressionError(f"unknown escape '\\{esc}' in a string", text, p)
            out.append(replacement)
            p += 2
            continue
        out.append(ch)
        p += 1
    raise ExpressionError("unterminated string", text, pos)


def _check_name(name: str, text: str, pos: int) -> str:
    if name.startswith("__"):
        raise ExpressionError(f"names starting with '__' are not allowed ({name!r})", text, pos)
    return name


def _scan_bracket(text: str, pos: int, end: int) -> tuple[str | int, int]:
    """Read `[0]`, `["key"]` or `['key']` starting at the `[` at `pos`."""
    p = skip_ws(text, pos + 1, end)
    seg: str | int
    if p < end and text[p] in "'\"":
        key, p = scan_string(text, p, end)
        seg = _check_name(key, text, pos + 1)
    else:
        m = _INT_RE.match(text, p, end)
        if m is None:
            if p < end and text[p] == "-":
                raise ExpressionError("negative array indexes are not supported", text, p)
            raise ExpressionError(
                f"expected an array index or a quoted key after '[', found {show(text, p)}", text, p
            )
        if len(m.group()) > 15:
            raise ExpressionError("array index too large", text, p)
        seg, p = int(m.group()), m.end()
    p = skip_ws(text, p, end)
    if p >= end or text[p] != "]":
        raise ExpressionError(f"expected ']', found {show(text, p)}", text, p)
    return seg, p + 1


def _check_shape(
    root: str, path: list[str | int], positions: list[int], text: str, start: int
) -> None:
    """Refuse references that can never have a value, e.g. `tasks.a.result` or a bare `input`."""
    if root == "components":
        allowed = "components.NAME.url"
        if len(path) != 2 or not isinstance(path[0], str) or path[1] not in _COMPONENT_FIELDS:
            pos = positions[-1] if path else start
            raise ExpressionError(
                f"a component reference is {allowed} (a remote component's base URL)", text, pos
            )
        return
    if root in ITEM_ROOTS:
        if root == "index" and path:
            raise ExpressionError(
                "nothing may follow 'index' (the item's number)", text, positions[0]
            )
        return
    if root == "param":
        if len(path) != 1 or not isinstance(path[0], str):
            pos = positions[1] if len(path) > 1 else start
            raise ExpressionError("a template parameter is written param.NAME", text, pos)
        return
    if root != "tasks":
        if not path:
            raise ExpressionError(
                f"'{root}' must be followed by a name, e.g. {root}.NAME", text, start
            )
        return
    allowed = "tasks.ID.output, tasks.ID.output.PATH or tasks.ID.status"
    if not path or not isinstance(path[0], str):
        raise ExpressionError(f"'tasks' must be followed by a task id: {allowed}", text, start)
    if len(path) < 2 or path[1] not in _TASK_FIELDS:
        pos = positions[1] if len(path) > 1 else start
        hint = suggest(path[1], _TASK_FIELDS) if len(path) > 1 and isinstance(path[1], str) else ""
        raise ExpressionError(
            f"after a task id only .output or .status may follow{f' ({hint})' if hint else ''}"
            f": {allowed}",
            text,
            pos,
        )
    if path[1] == "status" and len(path) > 2:
        raise ExpressionError(f"nothing may follow tasks.ID.status: {allowed}", text, positions[2])


def unknown_root(word: str, text: str, pos: int, hint: str = "") -> ExpressionError:
    """A name no reference starts with: its close root if there is one (`inptu`: did you mean
    'input'?), else `hint` (what the caller knows of the place), with the roots there are."""
    close = suggest(word, sorted(ROOTS))
    said = f" ({close})" if close else hint
    return ExpressionError(
        f"unknown name {word!r}{said}: a reference starts with one of {ROOTS_TEXT}", text, pos
    )


def scan_reference(text: str, pos: int, end: int) -> tuple[Reference, int]:
    """Read a bare reference (`root.seg[0]...`) starting at `pos`; stop at the first other char."""
    start = pos
    m = ROOT_RE.match(text, pos, end)
    if m is None:
        raise ExpressionError(
            f"expected a reference such as input.NAME, found {show(text, pos)}", text, pos
        )
    root = m.group()
    if root not in ROOTS:
        raise unknown_root(root, text, pos)
    pos = m.end()
    path: list[str | int] = []
    positions: list[int] = []
    while pos < end:
        ch = text[pos]
        if ch == ".":
            m = _NAME_RE.match(text, pos + 1, end)
            if m is None:
                raise ExpressionError(
                    f"expected a name after '.', found {show(text, pos + 1)}", text, pos + 1
                )
            positions.append(pos + 1)
            path.append(_check_name(m.group(), text, pos + 1))
            pos = m.end()
        elif ch == "[":
            positions.append(pos)
            seg, pos = _scan_bracket(text, pos, end)
            path.append(seg)
        else:
            break
    _check_shape(root, path, positions, text, start)
    return Reference(normalise(root, path), root, tuple(path)), pos


def scan_marked(text: str, pos: int) -> tuple[Reference, str | None, int]:
    """Read `${ reference }` or `${ marker: reference }` starting at the `$` at `pos`; return
    the reference, the marker (None without one) and the offset after `}`."""
    close = text.find("}", pos + 2)
    if close < 0:
        raise ExpressionError("unterminated '${': missing '}'", text, pos)
    limit = min(len(text), pos + 2 + MAX_EXPRESSION_LENGTH)
    if close >= limit:
        raise ExpressionError(
            f"reference longer than {MAX_EXPRESSION_LENGTH} characters", text, pos
        )
    p = skip_ws(text, pos + 2, limit)
    if p < limit and text[p] == "}":
        raise ExpressionError("empty reference '${}'", text, pos)
    marker: str | None = None
    m = ROOT_RE.match(text, p, limit)
    if m is not None:
        after = skip_ws(text, m.end(), limit)
        if after < limit and text[after] == ":":
            marker = m.group()
            if marker not in MARKERS:
                hint = f" (a reference is written {marker}.NAME)" if marker in ROOTS else ""
                raise ExpressionError(
                    f"unknown marker '{marker}:'{hint}; the only marker is 'raw:', which "
                    "inserts a value into a shell command string without quoting it",
                    text,
                    p,
                )
            p = skip_ws(text, after + 1, limit)
    ref, p = scan_reference(text, p, limit)
    p = skip_ws(text, p, limit)
    if p >= limit:
        raise ExpressionError("unterminated '${': missing '}'", text, pos)
    if text[p] != "}":
        raise ExpressionError(
            f"unexpected {show(text, p)} in a reference: expected '}}', .name, [index] or ['key']",
            text,
            p,
        )
    return ref, marker, p + 1


def scan_braced(text: str, pos: int) -> tuple[Reference, int]:
    """Read `${ reference }` where no marker has a meaning (conditions, bare references)."""
    ref, marker, end = scan_marked(text, pos)
    if marker is not None:
        raise ExpressionError(marker_misplaced(marker), text, pos)
    return ref, end


def marker_misplaced(marker: str) -> str:
    return (
        f"'{marker}:' only has a meaning in a shell command string (shell.run's `command`), "
        "where values are otherwise quoted; elsewhere no shell reads the value"
    )


def parse_reference(text: str) -> Reference:
    """Parse one reference, written bare (`tasks.a.output`) or braced (`${tasks.a.output}`)."""
    stripped = text.strip()
    if stripped.startswith("${"):
        ref, end = scan_braced(stripped, 0)
    else:
        if len(stripped) > MAX_EXPRESSION_LENGTH:
            raise ExpressionError(f"reference longer than {MAX_EXPRESSION_LENGTH} characters", "")
        ref, end = scan_reference(stripped, 0, len(stripped))
    if end != len(stripped):
        raise ExpressionError(f"unexpected {show(stripped, end)} after a reference", stripped, end)
    return ref
