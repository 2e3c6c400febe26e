"""Where a value substituted into a `/bin/sh` command string lands: bare, '...', "..." or math.

Each place needs its own escaping (`quoting`), so the lexer follows the author's quotes, `$(...)`,
backquotes, comments and here-documents; where it cannot be sure of the place it refuses the
reference at load time, since a wrong guess would be an injection.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from harmonia.expressions.quoting import ShellContext

__all__ = ["Hole", "ShellSyntaxError", "analyse"]


@dataclass(frozen=True, slots=True)
class Hole:
    """A reference in the command text: `label` names it in messages, `position` is its offset
    in the author's text; a `raw` hole is inserted verbatim."""

    label: str
    position: int
    raw: bool = False


class ShellSyntaxError(ValueError):
    """A quoted hole sits where its value cannot be quoted with certainty."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


# Frame kinds of the lexer's stack.
_ROOT, _CMD, _SUB, _SQ, _DQ, _BQ, _PARAM, _ARITH, _ANSI = range(9)
_CODE = frozenset({_ROOT, _CMD, _SUB})  # shell code: a hole there is a bare word
_BOUNDARY = frozenset(" \t\n;&|<>()")
_ARITH_TESTS = frozenset({"-eq", "-ne", "-lt", "-le", "-gt", "-ge"})
_REFUSED = {
    _BQ: "inside backquotes `...` (write $(...) instead)",
    _PARAM: "inside a shell parameter expansion ${...}",
    _ANSI: "inside a $'...' string",
}
_ADVICE = (
    'use the argv-list form of `command`, or pass the value in `env:` and write "$NAME" '
    "in the command"
)

Item = str | Hole


class _Frame:
    """What the shell is inside: `kind`, a nesting count (parentheses in arithmetic), and
    whether a new word starts right after it closes."""

    __slots__ = ("after_word_start", "depth", "kind")

    def __init__(self, kind: int, after_word_start: bool | None) -> None:
        self.kind = kind
        self.depth = 0
        self.after_word_start = after_word_start


class _Numeric:
    """An open `[[ ... ]]` (`kind` "test") or `let` command at stack depth `depth`; the holes
    from `start` on become integer-only if it is `arithmetic`."""

    __slots__ = ("arithmetic", "depth", "kind", "start")

    def __init__(self, kind: str, depth: int, start: int, arithmetic: bool = False) -> None:
        self.kind = kind
        self.depth = depth
        self.start = start
        self.arithmetic = arithmetic

    def matches(self, kind: str, depth: int) -> bool:
        return self.kind == kind and self.depth == depth


class _Lexer:
    """One pass over the command: characters of the author's text and holes, in order.

    The stack holds what the shell is inside at each point. Anything that could make this
    lexer disagree with the shell about that (a here-document, whose body is not shell syntax;
    `case` patterns' unbalanced `)` inside `(...)` or `$(...)`; quotes in backquotes) ends the
    analysis: every quoted hole after it is refused.
    """

    def __init__(self, items: Sequence[Item]) -> None:
        self.items = items
        self.stack: list[_Frame] = [_Frame(_ROOT, True)]
        self.word_start: bool | None = True  # None: cannot tell (see `_code`)
        self.comment = False
        self.gave_up: str | None = None
        self.contexts: list[ShellContext | None] = []
        self.numeric: list[_Numeric] = []  # open `[[ ... ]]` and `let` commands

    # ---- driving ---------------------------------------------------------------------
    def run(self) -> list[ShellContext | None]:
        items = self.items
        i = 0
        while i < len(items):
            item = items[i]
            if isinstance(item, Hole):
                self._hole(item)
                i += 1
            elif self.gave_up is not None:
                i += 1
            else:
                i = self._char(i)
        while self.numeric:
            self._close_numeric()
        return self.contexts

    def _next(self, i: int) -> Item | None:
        return self.items[i] if i < len(self.items) else None

    def _give_up(self, why: str) -> None:
        if self.gave_up is None:
            self.gave_up = why

    def _inside(self, *kinds: int) -> bool:
        return any(frame.kind in kinds for frame in self.stack)

    # ---- holes -----------------------------------------------------------------------
    def _hole(self, hole: Hole) -> None:
        if hole.raw:
            self.contexts.append(None)  # the author's shell text: analysed with its value
            return
        where = f"reference {hole.label}"
        if self.gave_up is not None:
            raise ShellSyntaxError(
                f"{where} comes after {self.gave_up}, after which Harmonia cannot tell how the "
                f"shell quotes it; move it before that, or {_ADVICE}",
                hole.position,
            )
        if self.comment:
            raise ShellSyntaxError(
                f"{where} is inside a shell comment (after '#'), where quoting does not hold; "
                "remove it from the comment",
                hole.position,
            )
        for frame in reversed(self.stack):
            refused = _REFUSED.get(frame.kind)
            if refused is not None:
                raise ShellSyntaxError(f"{where} is {refused}; {_ADVICE}", hole.position)
        kind = self.stack[-1].kind
        if kind == _SQ:
            self.contexts.append(ShellContext.SINGLE)
        elif kind == _DQ:
            self.contexts.append(ShellContext.DOUBLE)
        elif kind == _ARITH:
            self.contexts.append(ShellContext.ARITH)
        else:
            self.contexts.append(ShellContext.WORD)
        self.word_start = False

    def _check_escape(self, i: int, what: str) -> None:
        """Refuse a quoted hole right after a `\\` or `$` (it would change the value's
        quoting: `\\'...'` escapes the opening quote, `$'...'` is bash's escape string)."""
        following = self._next(i + 1)
        if isinstance(following, Hole) and not following.raw:
            raise ShellSyntaxError(
                f"reference {following.label} comes right after {what}, which would change how "
                "the shell reads its quoting; remove it",
                following.position,
            )

    def _backslash(self, i: int) -> int:
        """Skip a backslash and the character it escapes (a raw hole is not skipped: its
        value is only known when the command is rendered)."""
        self._check_escape(i, "a backslash")
        return i + 1 if isinstance(self._next(i + 1), Hole) else i + 2

    # ---- characters ------------------------------------------------------------------
    def _char(self, i: int) -> int:
        kind = self.stack[-1].kind
        if kind in _CODE:
            return self._code(i)
        char = self.items[i]
        if kind == _SQ:
            if char == "'":
                self._pop()
            return i + 1
        if kind == _ANSI:
            if char == "\\":
                return self._backslash(i)
            if char == "'":
                self._pop()
            return i + 1
        if char == "\\":
            return self._backslash(i)
        if kind == _BQ:
            if char == "`":
                self._pop()
            elif char in ("'", '"'):
                self._give_up("a quote inside backquotes `...`")
            return i + 1
        if char == "`":
            self._push(_BQ)
            return i + 1
        if char == "$":
            return self._dollar(i, kind)
        if kind == _DQ:
            if char == '"':
                self._pop()
            return i + 1
        if kind == _PARAM:
            return self._param(i, char)
        return self._arith(i, char)

    def _push(self, kind: int, *, after_word_start: bool | None = False) -> None:
        self.stack.append(_Frame(kind, after_word_start))
        self.word_start = kind in _CODE

    def _pop(self) -> None:
        """Close the innermost frame. What follows starts a new word only after a subshell or
        an arithmetic command; after `$(...)`, quotes... the word goes on (`$(date)#x` is one
        word, `(date)#x` a command and a comment)."""
        self.word_start = self.stack.pop().after_word_start
        while self.numeric and self.numeric[-1].depth > len(self.stack):
            self._close_numeric()

    def _param(self, i: int, char: Item) -> int:
        if char == "}":
            self._pop()
        elif char == "'":
            if self._inside(_DQ):
                self._give_up("a single quote inside ${...} inside double quotes")
            else:
                self._push(_SQ)
        elif char == '"':
            self._push(_DQ)
        return i + 1

    def _arith(self, i: int, char: Item) -> int:
        frame = self.stack[-1]
        if char == "(":
            frame.depth += 1
        elif char == ")":
            if frame.depth:
                frame.depth -= 1
            else:
                self._pop()
                return i + 2 if self._next(i + 1) == ")" else i + 1
        elif char in ("'", '"'):
            self._give_up("a quote inside an arithmetic expression")
        return i + 1

    def _dollar(self, i: int, kind: int) -> int:
        self._check_escape(i, "a '$'")
        following = self._next(i + 1)
        self.word_start = False
        if following == "(":
            if self._next(i + 2) == "(":
                self._push(_ARITH)
                return i + 3
            self._push(_CMD)
            return i + 2
        if following == "{":
            self._push(_PARAM)
            return i + 2
        if kind in _CODE and following == "'":
            self._push(_ANSI)
            return i + 2
        if kind in _CODE and following == '"':
            self._push(_DQ)  # bash's $"..." (translated text): quoted like "..."
            return i + 2
        return i + 1

    def _code(self, i: int) -> int:
        char = self.items[i]
        if self.comment:
            if char == "\n":
                self.comment = False
                self.word_start = True
            return i + 1
        if char == "\\":
            if self._next(i + 1) != "\n":  # a line continuation joins words: no change
                self.word_start = False
            return self._backslash(i)
        if char == "#" and self.word_start is not False:
            if self.word_start is None:
                self._give_up("a '#' that may or may not start a comment")
            self.comment = True
            return i + 1
        if char == "<" and self._next(i + 1) == "<":
            if self._next(i + 2) == "<":  # bash's here-string: an ordinary word follows
                self.word_start = True
                return i + 3
            self._give_up("a here-document ('<<'), whose text the shell does not parse as code")
            return i + 2
        if char == "(":
            if self._next(i + 1) == "(":
                self._arith_command()
                return i + 2
            # `(` opens a subshell at the start of a command; after other characters it is
            # bash's extended glob `@(...)`, after which the word goes on.
            self._push(_SUB, after_word_start=True if self.word_start else None)
            return i + 1
        if char == ")":
            if self.stack[-1].kind == _ROOT:
                self.word_start = True  # a `case` pattern's end
            else:
                self._pop()
            return i + 1
        if char in _BOUNDARY:
            self.word_start = True
            if char in ";&|\n" and self._numeric_here("let"):
                self._close_numeric()
            return i + 1
        if self.word_start and char in ("[", "]", "-", "l"):
            self._bash_arithmetic(self._word_at(i))
        if char == "'":
            self._push(_SQ)
        elif char == '"':
            self._push(_DQ)
        elif char == "`":
            self._push(_BQ)
        elif char == "$":
            return self._dollar(i, self.stack[-1].kind)
        elif self.word_start and char == "c" and self._word_at(i) == "case":
            self._case()
        self.word_start = False
        return i + 1

    def _word_at(self, i: int) -> str:
        """The plain characters from `i` up to the next boundary (or hole)."""
        letters: list[str] = []
        for item in self.items[i : i + 5]:
            if isinstance(item, Hole) or item in _BOUNDARY:
                break
            letters.append(item)
        return "".join(letters)

    # ---- bash's arithmetic on plain words -------------------------------------------
    # bash evaluates the operands of `[[ a -eq b ]]` and the arguments of `let` as arithmetic,
    # where `a[$(cmd)]` runs cmd even when quoted: values there must be integers.

    def _numeric_here(self, kind: str) -> bool:
        return bool(self.numeric) and self.numeric[-1].matches(kind, len(self.stack))

    def _bash_arithmetic(self, word: str) -> None:
        if word == "[[":
            self.numeric.append(_Numeric("test", len(self.stack), len(self.contexts)))
        elif word == "let":
            self.numeric.append(_Numeric("let", len(self.stack), len(self.contexts), True))
        elif word in _ARITH_TESTS and self._numeric_here("test"):
            self.numeric[-1].arithmetic = True
        elif word == "]]" and self._numeric_here("test"):
            self._close_numeric()

    def _close_numeric(self) -> None:
        numeric = self.numeric.pop()
        if numeric.arithmetic:
            for index in range(numeric.start, len(self.contexts)):
                if self.contexts[index] is not None:
                    self.contexts[index] = ShellContext.INTEGER

    def _case(self) -> None:
        """`case` patterns end with an unbalanced `)`: harmless at the top of the command,
        but inside `(...)` or `$(...)` it would close the wrong frame."""
        if len(self.stack) > 1:
            self._give_up("a 'case' inside (...) or $(...)")

    def _arith_command(self) -> None:
        """`((` opens bash's arithmetic command (or two subshells in sh): no holes inside, and
        its parentheses only line up with the shell's at the top of the command."""
        if len(self.stack) > 1:
            self._give_up("'((' inside (...) or $(...)")
        self._push(_ARITH, after_word_start=True)


def analyse(items: Sequence[Item]) -> list[ShellContext | None]:
    """The context of each hole of a command, in order (None for raw holes).

    `items` is the command as the shell will see it: each character of the author's text
    (with `$${` already turned into `${`) as a one-character string, and a `Hole` for each
    reference. Raises ShellSyntaxError for a quoted hole whose quoting cannot be certain.
    """
    return _Lexer(items).run()
