"""The tokens of a `when:` condition, each with its position in the text.

The lexer knows the language's whole vocabulary, so a character or name that does not belong is
refused where it stands with a hint at what was meant (`=` for `==`, `&&` for `and`, an unquoted
word for a string), rather than later as a puzzling parse error.
"""

from __future__ import annotations

import re
from typing import Any, Final, NamedTuple

from harmonia.expressions.errors import ExpressionError
from harmonia.expressions.references import (
    ROOT_RE,
    ROOTS,
    scan_braced,
    scan_reference,
    scan_string,
    skip_ws,
    unknown_root,
)

__all__ = ["Token", "tokenize"]


class Token(NamedTuple):
    kind: str  # "literal", "ref", "kw", "op", "(", ")", "[", "]", ",", "-", "eof"
    value: Any
    pos: int
    end: int


_NUMBER_RE: Final = re.compile(r"[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?")
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


def _unknown_name(text: str, pos: int, word: str, after: int) -> ExpressionError:
    following = text[skip_ws(text, after, len(text)) :][:1]
    if following == "(":
        hint = " (function calls are not supported)"
    elif following in (".", "["):
        hint = ""
    else:
        hint = f" (to compare with text, quote it: '{word}')"
    return unknown_root(word, text, pos, hint)


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    n = len(text)
    pos = 0
    while True:
        pos = skip_ws(text, pos, n)
        if pos >= n:
            tokens.append(Token("eof", None, n, n))
            return tokens
        ch = text[pos]
        pair = text[pos : pos + 2]
        if pair in ("==", "!=", "<=", ">="):
            tokens.append(Token("op", pair, pos, pos + 2))
            pos += 2
        elif ch in "<>":
            tokens.append(Token("op", ch, pos, pos + 1))
            pos += 1
        elif ch in "()[],-":
            tokens.append(Token(ch, ch, pos, pos + 1))
            pos += 1
        elif ch in "'\"":
            value, end = scan_string(text, pos, n)
            if _UNEXPANDED_RE.search(text, pos, end):
                raise ExpressionError(
                    "references are not expanded inside quoted strings: write the reference "
                    "without quotes (or '\\${' for a literal '${')",
                    text,
                    pos,
                )
            tokens.append(Token("literal", value, pos, end))
            pos = end
        elif "0" <= ch <= "9":
            m = _NUMBER_RE.match(text, pos)
            assert m is not None  # a digit always matches
            end = m.end()
            if end < n and (text[end].isalnum() or text[end] in "_."):
                raise ExpressionError(f"invalid number {text[pos : end + 1]!r}", text, pos)
            number: int | float = float(m.group()) if m.group(1) or m.group(2) else int(m.group())
            tokens.append(Token("literal", number, pos, end))
            pos = end
        elif pair == "${":
            ref, end = scan_braced(text, pos)
            tokens.append(Token("ref", ref, pos, end))
            pos = end
        elif (m := ROOT_RE.match(text, pos)) is not None:
            word = m.group()
            if word in _KEYWORDS:
                tokens.append(Token("kw", word, pos, m.end()))
                pos = m.end()
            elif word in _CONSTANTS:
                tokens.append(Token("literal", _CONSTANTS[word], pos, m.end()))
                pos = m.end()
            elif word not in ROOTS:
                raise _unknown_name(text, pos, word, m.end())
            else:
                ref, end = scan_reference(text, pos, n)
                tokens.append(Token("ref", ref, pos, end))
                pos = end
        else:
            raise ExpressionError(f"unexpected character {ch!r}{_HINTS.get(ch, '')}", text, pos)
