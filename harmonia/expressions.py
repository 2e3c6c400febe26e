"""`${...}` references and `when:` conditions of workflow files, evaluated without `eval`.

Workflow files come from users and are run by a long-lived engine, so the expression language is
deliberately tiny and closed: a reference can only walk the keys of mappings and the indexes of
lists in the context the engine hands over, never a Python attribute, a dunder or a call. Every
input is bounded (expression length, nesting depth, template size) so that a hostile or broken
file is refused quickly instead of eating the engine's stack or CPU.

Two things are compiled here, once, when a workflow is loaded:

* a *template*: any JSON-like task input in which strings may contain `${reference}`. A string that
  is exactly one reference renders to the referenced value with its type kept; a reference inside
  a longer string is formatted into it (strings and numbers as `str()`, everything else as JSON).
  `$${` is a literal `${`. In a command string run by `/bin/sh` (an action's `shell_fields`)
  every value is quoted for the shell instead, so that it is one word of data, never code;
  `${raw:REF}` is the author's explicit way to insert shell code. Compilation yields a tree of
  small closures, so rendering (which runs for every task of every execution) does no parsing,
  and a template without references renders to the very object it was compiled from.
* a *condition*: `or`, `and`, `not`, comparisons `== != < <= > >=` (chained like Python:
  `0 < x <= 9` means `0 < x and x <= 9`), `in` / `not in`, literals, list literals and
  parentheses, over the same references (written bare or inside `${}`). It is parsed by a small
  recursive-descent parser into closures. `and`/`or`/`not` always produce booleans.

Positions in errors are 0-based character offsets into the text shown in the message.
"""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any, Final, NamedTuple, NoReturn

from harmonia.shellsyntax import Hole, ShellContext, ShellSyntaxError, analyse, quote

__all__ = [
    "MARKERS",
    "MAX_DEPTH",
    "MAX_EXPRESSION_LENGTH",
    "MAX_TEMPLATE_NODES",
    "MAX_TEMPLATE_REFERENCES",
    "ROOTS",
    "Condition",
    "ExpressionError",
    "ExpressionTypeError",
    "Reference",
    "ReferenceMissing",
    "ReferenceUnusable",
    "Template",
    "compile_condition",
    "compile_shell_template",
    "compile_template",
    "find_references",
    "parse_reference",
    "preview_shell_command",
]

ROOTS: Final = frozenset({"input", "tasks", "workflow", "execution", "env"})
MARKERS: Final = frozenset({"raw"})
"""`${raw:input.x}`: the value goes into a shell command string as shell code, unquoted."""
MAX_EXPRESSION_LENGTH: Final = 2_000  # characters in one condition or one `${...}`
MAX_DEPTH: Final = (
    64  # nesting of parentheses/lists/`not` in a condition, of dicts/lists in a template
)
MAX_TEMPLATE_NODES: Final = 100_000  # values (scalars, strings, dicts, lists) in one template
MAX_TEMPLATE_REFERENCES: Final = 10_000  # `${...}` occurrences in one template

_ROOTS_TEXT: Final = ", ".join(sorted(ROOTS))
_TASK_FIELDS: Final = ("output", "status")
_SHOWN_CHARS: Final = 120  # longer expression texts are shown as an excerpt around the position

Context = Mapping[str, Any]
_Fn = Callable[[Mapping[str, Any]], Any]


# --------------------------------------------------------------------------------------- errors


def _quote(text: str, position: int | None) -> str:
    """Quote `text` for a message, cutting it to an excerpt around `position` when it is long."""
    if len(text) <= _SHOWN_CHARS:
        return json.dumps(text, ensure_ascii=False)
    centre = min(position or 0, len(text))
    start = max(0, centre - _SHOWN_CHARS // 2)
    end = min(len(text), start + _SHOWN_CHARS)
    start = max(0, end - _SHOWN_CHARS)
    body = json.dumps(text[start:end], ensure_ascii=False)[1:-1]
    return '"' + ("..." if start else "") + body + ("..." if end < len(text) else "") + '"'


class ExpressionError(ValueError):
    """A reference, template or condition is malformed; raised when it is compiled.

    `text` is the whole expression (for a template: the whole string holding the `${...}`) and
    `position` the 0-based offset of the problem in it, so the loader can point at it.
    """

    def __init__(self, message: str, text: str, position: int | None = None) -> None:
        self.message = message
        self.text = text
        self.position = position
        super().__init__(self._describe())

    def _describe(self) -> str:
        where = "" if self.position is None else f" at position {self.position}"
        if not self.text:
            return f"{self.message}{where}"
        return f"{self.message}{where} in {_quote(self.text, self.position)}"

    def __reduce__(self) -> tuple[Any, ...]:
        # Keeps the error picklable (it may cross a process boundary) despite the custom __init__.
        return (type(self), (self.message, self.text, self.position))


class ReferenceMissing(LookupError):
    """A well-formed reference has no value in the run-time context (missing key, bad index...)."""

    def __init__(self, reference: str, reason: str) -> None:
        self.reference = reference
        self.reason = reason
        super().__init__(f"reference ${{{reference}}} has no value: {reason}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.reference, self.reason))


class ReferenceUnusable(ReferenceMissing):
    """A reference has a value, but not one that can be used where it stands: a quoted value
    in a shell command whose `${raw:...}` values make its place uncertain."""

    def __init__(self, reference: str, reason: str) -> None:
        self.reference = reference
        self.reason = reason
        LookupError.__init__(self, reason)


class ExpressionTypeError(TypeError):
    """A condition compared or tested values of types that do not go together, e.g. `"a" < 1`."""

    def __init__(self, message: str, text: str) -> None:
        self.message = message
        self.text = text
        super().__init__(f"{message} in {_quote(text, None)}" if text else message)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.message, self.text))


class _StepFailed(Exception):
    """Internal: a lookup step hit a value that is neither a mapping nor a list."""


# ------------------------------------------------------------------------------------ references


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


_ROOT_RE: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NAME_RE: Final = re.compile(r"[\w-]+")
_PLAIN_NAME_RE: Final = re.compile(r"[\w-]+\Z")
_INT_RE: Final = re.compile(r"[0-9]+")
_NUMBER_RE: Final = re.compile(r"[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?")
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


def _skip_ws(text: str, pos: int, end: int) -> int:
    while pos < end and text[pos] in _WHITESPACE:
        pos += 1
    return pos


def _show(text: str, pos: int) -> str:
    """Name the character at `pos` for a message."""
    return "end of text" if pos >= len(text) else repr(text[pos])


def _normalise(root: str, path: tuple[str | int, ...] | list[str | int]) -> str:
    parts = [root]
    for seg in path:
        if isinstance(seg, int):
            parts.append(f"[{seg}]")
        elif _PLAIN_NAME_RE.match(seg):
            parts.append("." + seg)
        else:
            parts.append("[" + json.dumps(seg, ensure_ascii=False) + "]")
    return "".join(parts)


def _scan_string(text: str, pos: int, end: int) -> tuple[str, int]:
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
    p = _skip_ws(text, pos + 1, end)
    seg: str | int
    if p < end and text[p] in "'\"":
        key, p = _scan_string(text, p, end)
        seg = _check_name(key, text, pos + 1)
    else:
        m = _INT_RE.match(text, p, end)
        if m is None:
            if p < end and text[p] == "-":
                raise ExpressionError("negative list indexes are not supported", text, p)
            raise ExpressionError(
                f"expected a list index or a quoted key after '[', found {_show(text, p)}", text, p
            )
        if len(m.group()) > 15:
            raise ExpressionError("list index too large", text, p)
        seg, p = int(m.group()), m.end()
    p = _skip_ws(text, p, end)
    if p >= end or text[p] != "]":
        raise ExpressionError(f"expected ']', found {_show(text, p)}", text, p)
    return seg, p + 1


def _check_shape(
    root: str, path: list[str | int], positions: list[int], text: str, start: int
) -> None:
    """Refuse references that can never have a value, e.g. `tasks.a.result` or a bare `input`."""
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
        raise ExpressionError(
            f"after a task id only .output or .status may follow: {allowed}", text, pos
        )
    if path[1] == "status" and len(path) > 2:
        raise ExpressionError(f"nothing may follow tasks.ID.status: {allowed}", text, positions[2])


def _scan_reference(text: str, pos: int, end: int) -> tuple[Reference, int]:
    """Read a bare reference (`root.seg[0]...`) starting at `pos`; stop at the first other char."""
    start = pos
    m = _ROOT_RE.match(text, pos, end)
    if m is None:
        raise ExpressionError(
            f"expected a reference such as input.NAME, found {_show(text, pos)}", text, pos
        )
    root = m.group()
    if root not in ROOTS:
        raise ExpressionError(
            f"unknown name {root!r}: a reference starts with one of {_ROOTS_TEXT}", text, pos
        )
    pos = m.end()
    path: list[str | int] = []
    positions: list[int] = []
    while pos < end:
        ch = text[pos]
        if ch == ".":
            m = _NAME_RE.match(text, pos + 1, end)
            if m is None:
                raise ExpressionError(
                    f"expected a name after '.', found {_show(text, pos + 1)}", text, pos + 1
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
    return Reference(_normalise(root, path), root, tuple(path)), pos


def _scan_marked(text: str, pos: int) -> tuple[Reference, str | None, int]:
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
    p = _skip_ws(text, pos + 2, limit)
    if p < limit and text[p] == "}":
        raise ExpressionError("empty reference '${}'", text, pos)
    marker: str | None = None
    m = _ROOT_RE.match(text, p, limit)
    if m is not None:
        after = _skip_ws(text, m.end(), limit)
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
            p = _skip_ws(text, after + 1, limit)
    ref, p = _scan_reference(text, p, limit)
    p = _skip_ws(text, p, limit)
    if p >= limit:
        raise ExpressionError("unterminated '${': missing '}'", text, pos)
    if text[p] != "}":
        raise ExpressionError(
            f"unexpected {_show(text, p)} in a reference: expected '}}', .name, [index] or ['key']",
            text,
            p,
        )
    return ref, marker, p + 1


def _scan_braced(text: str, pos: int) -> tuple[Reference, int]:
    """Read `${ reference }` where no marker has a meaning (conditions, bare references)."""
    ref, marker, end = _scan_marked(text, pos)
    if marker is not None:
        raise ExpressionError(_marker_misplaced(marker), text, pos)
    return ref, end


def _marker_misplaced(marker: str) -> str:
    return (
        f"'{marker}:' only has a meaning in a shell command string (shell.run's `command`), "
        "where values are otherwise quoted; elsewhere no shell reads the value"
    )


def parse_reference(text: str) -> Reference:
    """Parse one reference, written bare (`tasks.a.output`) or braced (`${tasks.a.output}`)."""
    stripped = text.strip()
    if stripped.startswith("${"):
        ref, end = _scan_braced(stripped, 0)
    else:
        if len(stripped) > MAX_EXPRESSION_LENGTH:
            raise ExpressionError(f"reference longer than {MAX_EXPRESSION_LENGTH} characters", "")
        ref, end = _scan_reference(stripped, 0, len(stripped))
    if end != len(stripped):
        raise ExpressionError(f"unexpected {_show(stripped, end)} after a reference", stripped, end)
    return ref


# ------------------------------------------------------------------------------------ lookups


def _kind(value: Any) -> str:
    """JSON-flavoured name of a value's type, for run-time messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    return f"a {type(value).__name__}"


def _step(value: Any, key: str | int) -> Any:
    """One lookup step on anything other than a plain dict/list (the fast path handles those).

    Only mappings and lists/tuples are walked. `in` is checked first so that a mapping with a
    default factory (defaultdict) is not modified by the lookup.
    """
    if isinstance(value, Mapping):
        if key in value:
            return value[key]
        raise KeyError(key)
    if isinstance(value, list | tuple) and type(key) is int:
        return value[key]
    raise _StepFailed


def _reason(ref: Reference, n: int, container: Any, key: str | int) -> str:
    """Explain why step `n` (0 = the root) of `ref` failed on `container`."""
    if n == 0:
        return f"the context has no {key!r}"
    where = _normalise(ref.root, ref.path[: n - 1])
    suffix = "" if n == len(ref.path) else f" in {where}"
    if isinstance(container, Mapping):
        if n == 1 and ref.root == "env":
            explain = getattr(container, "explain_missing", None)  # harmonia.taskenv
            why = explain(key) if explain is not None else None
            return why or f"environment variable {key!r} is not set"
        if n == 1 and ref.root == "input":
            return f"the execution input has no {key!r}"
        if n == 1 and ref.root == "tasks":
            return f"task {key!r} has no result (it has not run, or did not complete)"
        names = [repr(k)[:40] for k in list(container)[:8]]
        more = ", ..." if len(container) > 8 else ""
        known = f" (keys: {', '.join(names)}{more})" if names else " (the object is empty)"
        return f"key {key!r} not found{suffix}{known}"
    if isinstance(container, list | tuple):
        if isinstance(key, int):
            return f"list index {key} out of range (length {len(container)}){suffix}"
        return f"cannot look up key {key!r} in a list{suffix} (use an index like [0])"
    what = f"index [{key}]" if isinstance(key, int) else f"key {key!r}"
    return f"{where} is {_kind(container)}, which has no {what}"


def _missing(ref: Reference, context: Mapping[str, Any]) -> ReferenceMissing:
    """Walk `ref` again, slowly, to say where and why it has no value (error path only)."""
    value: Any = context
    for n, key in enumerate((ref.root, *ref.path)):
        try:
            value = _step(value, key)
        except (LookupError, TypeError, _StepFailed):
            return ReferenceMissing(ref.text, _reason(ref, n, value, key))
    return ReferenceMissing(ref.text, "the value could not be read")


def _make_getter(ref: Reference) -> _Fn:
    """Compile `ref` into a function context -> value, with a fast path for plain dicts/lists."""
    keys: tuple[str | int, ...] = (ref.root, *ref.path)

    def get(context: Mapping[str, Any]) -> Any:
        value: Any = context
        try:
            for key in keys:
                cls = type(value)
                if cls is dict or ((cls is list or cls is tuple) and type(key) is int):
                    value = value[key]
                else:
                    value = _step(value, key)
        except (LookupError, TypeError, _StepFailed):
            raise _missing(ref, context) from None
        return value

    return get


# ------------------------------------------------------------------------------------ templates


def _format(value: Any) -> str:
    """Format a referenced value into a longer string: str() for text/numbers, else JSON."""
    cls = type(value)
    if cls is str:
        return value  # type: ignore[no-any-return]
    if cls is int or cls is float:
        return str(value)
    if value is None or isinstance(value, bool | Mapping | list | tuple):
        return _JSON.encode(value)
    return str(value)


# Built once: json.dumps with options would build a new encoder on every call.
_JSON: Final = json.JSONEncoder(ensure_ascii=False, default=str)


class _Budget:
    """Counts what one `compile_template` call has walked, to bound its work."""

    __slots__ = ("nodes", "references")

    def __init__(self) -> None:
        self.nodes = 0
        self.references: list[Reference] = []


class _Slot(NamedTuple):
    """A `${...}` in a template string: its reference, whether it is `raw:`, its offset."""

    ref: Reference
    raw: bool
    position: int

    @property
    def label(self) -> str:
        return "${raw:" + self.ref.text + "}" if self.raw else str(self.ref)


def _split(text: str, budget: _Budget, *, shell: bool) -> list[str | _Slot]:
    """`text` as literal pieces (with `$${` turned into `${`) and slots, in order."""
    pieces: list[str | _Slot] = []
    literal: list[str] = []
    i = 0
    while True:
        j = text.find("$", i)
        if j < 0:
            literal.append(text[i:])
            break
        if text.startswith("$${", j):
            literal.append(text[i:j] + "${")
            i = j + 3
        elif text.startswith("${", j):
            literal.append(text[i:j])
            if any(literal):
                pieces.append("".join(literal))
            literal = []
            ref, marker, i = _scan_marked(text, j)
            if marker is not None and not shell:
                raise ExpressionError(_marker_misplaced(marker), text, j)
            pieces.append(_Slot(ref, marker is not None, j))
            budget.references.append(ref)
            if len(budget.references) > MAX_TEMPLATE_REFERENCES:
                raise ExpressionError(
                    f"template has more than {MAX_TEMPLATE_REFERENCES} references", text, j
                )
        else:
            literal.append(text[i : j + 1])
            i = j + 1
    if any(literal):
        pieces.append("".join(literal))
    return pieces


def _compile_string(text: str, budget: _Budget) -> tuple[bool, Any]:
    """Compile one string; returns (dynamic, render function or constant value)."""
    if "$" not in text:
        return False, text
    pieces = _split(text, budget, shell=False)
    slots = [p for p in pieces if isinstance(p, _Slot)]
    if not slots:
        value = "".join(p for p in pieces if isinstance(p, str))
        return False, (text if value == text else value)
    if len(pieces) == 1:
        return True, _make_getter(slots[0].ref)
    base = [p if isinstance(p, str) else "" for p in pieces]
    dynamic = tuple((i, _make_getter(p.ref)) for i, p in enumerate(pieces) if isinstance(p, _Slot))

    def render_string(context: Mapping[str, Any]) -> str:
        out = base.copy()
        for index, get in dynamic:
            out[index] = _format(get(context))
        return "".join(out)

    return True, render_string


def _shell_items(pieces: list[str | _Slot], raw_values: Mapping[int, str]) -> list[str | Hole]:
    """The command as `shellsyntax.analyse` reads it: characters and holes; the raw slots
    whose values are given (by index in `pieces`) are characters too."""
    items: list[str | Hole] = []
    for index, piece in enumerate(pieces):
        if isinstance(piece, str):
            items.extend(piece)
        elif index in raw_values:
            items.extend(raw_values[index])
        else:
            items.append(Hole(piece.label, piece.position, piece.raw))
    return items


def _compile_shell_string(text: str, budget: _Budget) -> tuple[bool, Any]:
    """Compile a command string run by `/bin/sh -c`: each value is quoted for the place it
    lands in (see `harmonia.shellsyntax`), so that it reaches the shell as one word of data;
    `${raw:...}` values go in as shell code. A string that is only a reference to a list
    stays that list: an argv, which no shell parses."""
    if "$" not in text:
        return False, text
    pieces = _split(text, budget, shell=True)
    slots = [(i, p) for i, p in enumerate(pieces) if isinstance(p, _Slot)]
    if not slots:
        return _compile_string(text, budget)
    try:
        contexts = analyse(_shell_items(pieces, {}))
    except ShellSyntaxError as exc:
        raise ExpressionError(exc.message, text, exc.position) from None
    if len(pieces) == 1:
        slot = slots[0][1]
        get = _make_getter(slot.ref)
        if slot.raw:
            return True, get

        def render_word(context: Mapping[str, Any]) -> Any:
            value = get(context)
            if isinstance(value, list | tuple):
                return value
            return quote(_format(value), ShellContext.WORD)

        return True, render_word
    base = [p if isinstance(p, str) else "" for p in pieces]
    dynamic = tuple(
        (index, _make_getter(slot.ref), context)
        for (index, slot), context in zip(slots, contexts, strict=True)
    )
    # A raw value is shell code: it can open a quote or a comment. Quoted values after one
    # are placed again, with the raw values in, whenever the command is rendered.
    first_raw = next((n for n, (_, slot) in enumerate(slots) if slot.raw), len(slots))
    recheck = any(not slot.raw for _, slot in slots[first_raw:])

    def render_command(context: Mapping[str, Any]) -> str:
        out = base.copy()
        values = [_format(get(context)) for _, get, _ in dynamic]
        placed: list[ShellContext | None] = [c for _, _, c in dynamic]
        if recheck:
            raw = {index: values[n] for n, (index, slot) in enumerate(slots) if slot.raw}
            try:
                again = iter(analyse(_shell_items(pieces, raw)))
            except ShellSyntaxError as exc:
                reason = f"{exc.message} (once the raw values are in the command)"
                raise ReferenceUnusable(_slot_at(slots, exc.position), reason) from None
            placed = [None if slot.raw else next(again) for _, slot in slots]
        for (index, _, _), value, where, (_, slot) in zip(
            dynamic, values, placed, slots, strict=True
        ):
            out[index] = value if where is None else _quoted(value, where, slot)
        return "".join(out)

    return True, render_command


def _quoted(value: str, where: ShellContext, slot: _Slot) -> str:
    try:
        return quote(value, where)
    except ValueError as exc:  # not an integer in shell arithmetic
        raise ReferenceUnusable(slot.ref.text, f"reference {slot.label}: {exc}") from None


def _slot_at(slots: list[tuple[int, _Slot]], position: int) -> str:
    """The reference text of the slot at `position`, for a run-time message."""
    return next((slot.ref.text for _, slot in slots if slot.position == position), "?")


def _compile_mapping(
    value: Mapping[Any, Any], depth: int, budget: _Budget, shell_fields: Collection[str] = ()
) -> tuple[bool, Any]:
    base: dict[Any, Any] = {}
    dynamic: list[tuple[Any, _Fn]] = []
    changed = False
    for key, item in value.items():
        if key in shell_fields and isinstance(item, str):
            budget.nodes += 1
            is_dynamic, payload = _compile_shell_string(item, budget)
        else:
            is_dynamic, payload = _compile_value(item, depth, budget)
        if is_dynamic:
            dynamic.append((key, payload))
            base[key] = None  # placeholder: keeps the key's position when it is assigned
        else:
            base[key] = payload
            changed = changed or payload is not item
    if not dynamic:
        return False, (base if changed else value)
    entries = tuple(dynamic)

    def render_mapping(context: Mapping[str, Any]) -> dict[Any, Any]:
        out = base.copy()
        for key, render in entries:
            out[key] = render(context)
        return out

    return True, render_mapping


def _compile_sequence(
    value: list[Any] | tuple[Any, ...], depth: int, budget: _Budget
) -> tuple[bool, Any]:
    base: list[Any] = []
    dynamic: list[tuple[int, _Fn]] = []
    changed = False
    for index, item in enumerate(value):
        is_dynamic, payload = _compile_value(item, depth, budget)
        if is_dynamic:
            dynamic.append((index, payload))
            base.append(None)
        else:
            base.append(payload)
            changed = changed or payload is not item
    as_tuple = isinstance(value, tuple)
    if not dynamic:
        if not changed:
            return False, value
        return False, (tuple(base) if as_tuple else base)
    entries = tuple(dynamic)

    def render_sequence(context: Mapping[str, Any]) -> list[Any] | tuple[Any, ...]:
        out = base.copy()
        for index, render in entries:
            out[index] = render(context)
        return tuple(out) if as_tuple else out

    return True, render_sequence


def _compile_value(value: Any, depth: int, budget: _Budget) -> tuple[bool, Any]:
    budget.nodes += 1
    if budget.nodes > MAX_TEMPLATE_NODES:
        raise ExpressionError(f"template has more than {MAX_TEMPLATE_NODES} values", "")
    if isinstance(value, str):
        return _compile_string(value, budget)
    if isinstance(value, Mapping | list | tuple):
        if depth >= MAX_DEPTH:
            raise ExpressionError(f"template nested more than {MAX_DEPTH} levels deep", "")
        if isinstance(value, Mapping):
            return _compile_mapping(value, depth + 1, budget)
        return _compile_sequence(value, depth + 1, budget)
    return False, value


class Template:
    """A compiled task input: `render(context)` fills in its `${...}` references."""

    __slots__ = ("_render", "is_static", "references", "source")

    def __init__(
        self, source: Any, render: _Fn, is_static: bool, references: tuple[Reference, ...]
    ):
        self.source = source
        self._render = render
        self.is_static = is_static
        self.references = references

    def render(self, context: Mapping[str, Any]) -> Any:
        """Resolve the references against `context`; raises ReferenceMissing for absent values.

        A template without references returns the same object every time (no copy), so callers
        must not mutate what they get back.
        """
        return self._render(context)

    def __repr__(self) -> str:
        return f"Template({self.source!r})"


def compile_template(value: Any, shell_fields: Collection[str] = ()) -> Template:
    """Compile a JSON-like task input; dict keys are not templated, values are walked.

    `shell_fields` are the top-level keys whose string value is a command run by `/bin/sh`
    (`Action.shell_fields`): the values of their references are quoted for the shell.
    """
    budget = _Budget()
    if shell_fields and isinstance(value, Mapping):
        budget.nodes += 1
        is_dynamic, payload = _compile_mapping(value, 1, budget, shell_fields)
    else:
        is_dynamic, payload = _compile_value(value, 0, budget)
    references = tuple(dict.fromkeys(budget.references))
    if is_dynamic:
        return Template(value, payload, False, references)

    def constant(context: Mapping[str, Any]) -> Any:
        return payload

    return Template(value, constant, True, references)


def compile_shell_template(text: str) -> Template:
    """Compile one command string run by `/bin/sh` (see `compile_template`'s shell_fields)."""
    budget = _Budget()
    is_dynamic, payload = _compile_shell_string(text, budget)
    references = tuple(dict.fromkeys(budget.references))
    if is_dynamic:
        return Template(text, payload, False, references)
    return Template(text, lambda context: payload, True, references)


def preview_shell_command(text: str, context: Mapping[str, Any]) -> Any:
    """`text` as `/bin/sh` will get it, for a preview before the task runs: the references
    `context` can answer are filled in and quoted as they will be, the others are left as
    written. Never raises: a command that does not compile is shown as written."""
    try:
        pieces = _split(text, _Budget(), shell=True)
        contexts = iter(analyse(_shell_items(pieces, {})))
    except (ExpressionError, ShellSyntaxError):
        return text
    out: list[str] = []
    for piece in pieces:
        if isinstance(piece, str):
            out.append(piece)
            continue
        where = next(contexts)
        try:
            value = _make_getter(piece.ref)(context)
            if len(pieces) == 1 and (piece.raw or isinstance(value, list | tuple)):
                return value
            shown = _format(value)
            out.append(shown if where is None else quote(shown, where))
        except (ReferenceMissing, ValueError):
            out.append(piece.label)
    return "".join(out)


def find_references(value: Any) -> tuple[Reference, ...]:
    """The distinct references in a task input, in order of first appearance."""
    return compile_template(value).references


# ------------------------------------------------------------------------------------ conditions


class _Token(NamedTuple):
    kind: str  # "literal", "ref", "kw", "op", "(", ")", "[", "]", ",", "-", "eof"
    value: Any
    pos: int
    end: int


_KEYWORDS: Final = frozenset({"and", "or", "not", "in"})
_CONSTANTS: Final[dict[str, Any]] = {
    "true": True,
    "false": False,
    "null": None,
    "True": True,
    "False": False,
    "None": None,
}
_HINTS: Final = {
    "=": " (use '==' to compare)",
    "!": " (use 'not' or '!=')",
    "&": " (use 'and')",
    "|": " (use 'or')",
}
_UNEXPANDED_RE: Final = re.compile(r"(?<!\\)\$\{")


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    n = len(text)
    pos = 0
    while True:
        pos = _skip_ws(text, pos, n)
        if pos >= n:
            tokens.append(_Token("eof", None, n, n))
            return tokens
        ch = text[pos]
        pair = text[pos : pos + 2]
        if pair in ("==", "!=", "<=", ">="):
            tokens.append(_Token("op", pair, pos, pos + 2))
            pos += 2
        elif ch in "<>":
            tokens.append(_Token("op", ch, pos, pos + 1))
            pos += 1
        elif ch in "()[],-":
            tokens.append(_Token(ch, ch, pos, pos + 1))
            pos += 1
        elif ch in "'\"":
            value, end = _scan_string(text, pos, n)
            if _UNEXPANDED_RE.search(text, pos, end):
                raise ExpressionError(
                    "references are not expanded inside quoted strings: write the reference "
                    "without quotes (or '\\${' for a literal '${')",
                    text,
                    pos,
                )
            tokens.append(_Token("literal", value, pos, end))
            pos = end
        elif "0" <= ch <= "9":
            m = _NUMBER_RE.match(text, pos)
            assert m is not None  # a digit always matches
            end = m.end()
            if end < n and (text[end].isalnum() or text[end] in "_."):
                raise ExpressionError(f"invalid number {text[pos : end + 1]!r}", text, pos)
            number: int | float = float(m.group()) if m.group(1) or m.group(2) else int(m.group())
            tokens.append(_Token("literal", number, pos, end))
            pos = end
        elif pair == "${":
            ref, end = _scan_braced(text, pos)
            tokens.append(_Token("ref", ref, pos, end))
            pos = end
        elif (m := _ROOT_RE.match(text, pos)) is not None:
            word = m.group()
            if word in _KEYWORDS:
                tokens.append(_Token("kw", word, pos, m.end()))
                pos = m.end()
            elif word in _CONSTANTS:
                tokens.append(_Token("literal", _CONSTANTS[word], pos, m.end()))
                pos = m.end()
            elif word not in ROOTS:
                following = text[_skip_ws(text, m.end(), n) : _skip_ws(text, m.end(), n) + 1]
                if following == "(":
                    hint = " (function calls are not supported)"
                elif following in (".", "["):
                    hint = ""
                else:
                    hint = f" (to compare with text, quote it: '{word}')"
                raise ExpressionError(
                    f"unknown name {word!r}: a reference starts with one of {_ROOTS_TEXT}{hint}",
                    text,
                    pos,
                )
            else:
                ref, end = _scan_reference(text, pos, n)
                tokens.append(_Token("ref", ref, pos, end))
                pos = end
        else:
            raise ExpressionError(f"unexpected character {ch!r}{_HINTS.get(ch, '')}", text, pos)


def _py_name(value: Any) -> str:
    return "None" if value is None else type(value).__name__


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _equal(a: Any, b: Any, depth: int = 0) -> bool:
    """JSON equality: like Python's, except that a boolean never equals a number."""
    ta, tb = type(a), type(b)
    if ta is tb and (ta is str or ta is int or ta is float or a is None):
        return bool(a == b)
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if depth > MAX_DEPTH:
        raise ExpressionTypeError(f"values nested more than {MAX_DEPTH} levels deep", "")
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_equal(x, y, depth + 1) for x, y in zip(a, b, strict=True))
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return len(a) == len(b) and all(
            key in b and _equal(item, b[key], depth + 1) for key, item in a.items()
        )
    result = a == b
    return result if isinstance(result, bool) else False


def _contains(container: Any, item: Any, op: str, text: str) -> bool:
    if isinstance(container, str):
        if isinstance(item, str):
            return item in container
        raise ExpressionTypeError(
            f"'{op}' needs a str on the left when the right is a str, not {_py_name(item)}", text
        )
    if isinstance(container, list | tuple):
        return any(_equal(item, element) for element in container)
    if isinstance(container, Mapping):
        try:
            return item in container
        except TypeError:
            raise ExpressionTypeError(
                f"'{op}' cannot look up a {_py_name(item)} among the keys of a dict", text
            ) from None
    raise ExpressionTypeError(
        f"'{op}' needs a list, str or dict on the right, not {_py_name(container)}", text
    )


_ORDERINGS: Final[dict[str, Callable[[Any, Any], bool]]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _comparison(op: str, text: str) -> Callable[[Any, Any], bool]:
    """The function implementing `left op right` in the condition `text`."""
    if op == "==":
        return _equal
    if op == "!=":
        return lambda a, b: not _equal(a, b)
    if op == "in":
        return lambda a, b: _contains(b, a, op, text)
    if op == "not in":
        return lambda a, b: not _contains(b, a, op, text)
    ordering = _ORDERINGS[op]

    def compare(a: Any, b: Any) -> bool:
        if (_is_number(a) and _is_number(b)) or (isinstance(a, str) and isinstance(b, str)):
            return ordering(a, b)
        raise ExpressionTypeError(
            f"'{op}' not supported between {_py_name(a)} and {_py_name(b)}", text
        )

    return compare


def _constant(value: Any) -> _Fn:
    return lambda context: value


class _Parser:
    """Recursive descent over the tokens; each rule returns the closure that evaluates it.

    Grammar (lowest precedence first)::

        or_expr    := and_expr ('or' and_expr)*
        and_expr   := not_expr ('and' not_expr)*
        not_expr   := 'not' not_expr | comparison
        comparison := operand (('=='|'!='|'<'|'<='|'>'|'>='|'in'|'not' 'in') operand)*
        operand    := literal | '-' number | reference | '(' or_expr ')' | '[' [items] ']'
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.index = 0
        self.depth = 0
        self.references: list[Reference] = []

    def _peek(self) -> _Token:
        return self.tokens[self.index]

    def _next(self) -> _Token:
        token = self.tokens[self.index]
        if token.kind != "eof":
            self.index += 1
        return token

    def _is_kw(self, token: _Token, word: str) -> bool:
        return token.kind == "kw" and token.value == word

    def _fail(self, token: _Token, expected: str = "") -> NoReturn:
        if token.kind == "eof":
            found = "unexpected end of condition"
        else:
            found = f"unexpected token {self.text[token.pos : token.end][:40]!r}"
        raise ExpressionError(
            found + (f" (expected {expected})" if expected else ""), self.text, token.pos
        )

    def _enter(self, token: _Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(
                f"condition nested more than {MAX_DEPTH} levels deep", self.text, token.pos
            )

    def parse(self) -> _Fn:
        if self._peek().kind == "eof":
            raise ExpressionError("empty condition", self.text, 0)
        fn = self._or()
        if self._peek().kind != "eof":
            self._fail(self._peek(), "an operator, 'and', 'or' or the end")
        return fn

    def _or(self) -> _Fn:
        operands = [self._and()]
        while self._is_kw(self._peek(), "or"):
            self._next()
            operands.append(self._and())
        if len(operands) == 1:
            return operands[0]
        parts = tuple(operands)
        return lambda context: any(part(context) for part in parts)

    def _and(self) -> _Fn:
        operands = [self._not()]
        while self._is_kw(self._peek(), "and"):
            self._next()
            operands.append(self._not())
        if len(operands) == 1:
            return operands[0]
        parts = tuple(operands)
        return lambda context: all(part(context) for part in parts)

    def _not(self) -> _Fn:
        token = self._peek()
        if not self._is_kw(token, "not"):
            return self._comparison()
        self._next()
        self._enter(token)
        operand = self._not()
        self.depth -= 1
        return lambda context: not operand(context)

    def _comparison(self) -> _Fn:
        first = self._operand()
        links: list[tuple[Callable[[Any, Any], bool], _Fn]] = []
        while True:
            token = self._peek()
            if token.kind == "op":
                op = str(token.value)
                self._next()
            elif self._is_kw(token, "in"):
                op = "in"
                self._next()
            elif self._is_kw(token, "not") and self._is_kw(self.tokens[self.index + 1], "in"):
                op = "not in"
                self.index += 2
            else:
                break
            links.append((_comparison(op, self.text), self._operand()))
        if not links:
            return first
        if len(links) == 1:
            ((compare, second),) = links
            return lambda context: compare(first(context), second(context))
        chain = tuple(links)

        def chained(context: Mapping[str, Any]) -> bool:
            left = first(context)
            for compare, operand in chain:
                right = operand(context)
                if not compare(left, right):
                    return False
                left = right
            return True

        return chained

    def _operand(self) -> _Fn:
        token = self._next()
        kind = token.kind
        if kind == "literal":
            return _constant(token.value)
        if kind == "ref":
            self.references.append(token.value)
            return _make_getter(token.value)
        if kind == "-":
            number = self._next()
            if number.kind != "literal" or not _is_number(number.value):
                self._fail(number, "a number after '-'")
            return _constant(-number.value)
        if kind == "(":
            self._enter(token)
            inner = self._or()
            closing = self._next()
            if closing.kind != ")":
                self._fail(closing, f"')' to close the '(' at position {token.pos}")
            self.depth -= 1
            return inner
        if kind == "[":
            return self._list(token)
        self._fail(token, "a value, a reference, '(' or '['")

    def _list(self, opening: _Token) -> _Fn:
        self._enter(opening)
        items: list[_Fn] = []
        while self._peek().kind != "]":
            items.append(self._or())
            separator = self._peek()
            if separator.kind == ",":
                self._next()
            elif separator.kind != "]":
                self._fail(separator, f"',' or ']' to close the '[' at position {opening.pos}")
        self._next()
        self.depth -= 1
        elements = tuple(items)
        return lambda context: [element(context) for element in elements]


class Condition:
    """A compiled `when:` condition: `evaluate(context)` says whether the task should run."""

    __slots__ = ("_fn", "references", "text")

    def __init__(self, text: str, fn: _Fn, references: tuple[Reference, ...]) -> None:
        self.text = text
        self._fn = fn
        self.references = references

    def evaluate(self, context: Mapping[str, Any]) -> bool:
        """True when the condition holds; raises ReferenceMissing or ExpressionTypeError."""
        return bool(self._fn(context))

    def __repr__(self) -> str:
        return f"Condition({self.text!r})"


def compile_condition(text: str) -> Condition:
    """Parse a `when:` condition. A YAML boolean (`when: false`) is accepted as a constant."""
    if isinstance(text, bool):
        return Condition("true" if text else "false", _constant(text), ())
    if not isinstance(text, str):
        raise ExpressionError(f"a condition must be a string, not {_py_name(text)}", "")
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(f"condition longer than {MAX_EXPRESSION_LENGTH} characters", "")
    parser = _Parser(text)
    fn = parser.parse()
    return Condition(text, fn, tuple(dict.fromkeys(parser.references)))
