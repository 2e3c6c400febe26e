"""`when:` conditions, evaluated without `eval`: a small closed language over references.

`or`, `and`, `not`, comparisons `== != < <= > >=` (chained like Python: `0 < x <= 9`), `in` /
`not in`, literals, list literals and parentheses. The tokens are checked against the grammar
(so that errors name the token and what was expected there), then Python's own parser builds
the tree, and a whitelist of node types turns it into closures, once, at load time.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import Any, NoReturn

from harmonia.expressions.errors import ExpressionError
from harmonia.expressions.limits import MAX_DEPTH, MAX_EXPRESSION_LENGTH
from harmonia.expressions.lookup import Getter, make_getter
from harmonia.expressions.operators import comparison, is_number, py_name
from harmonia.expressions.references import Reference
from harmonia.expressions.tokens import Token, tokenize

__all__ = ["Condition", "compile_condition"]

_OPS = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.In: "in",
    ast.NotIn: "not in",
}
_VALUE, _NUMBER, _AFTER = "value", "number", "after"  # what the checker expects next


def _constant(value: Any) -> Getter:
    return lambda context: value


def _fail(text: str, token: Token, expected: str) -> NoReturn:
    if token.kind == "eof":
        found = "unexpected end of condition"
    else:
        found = f"unexpected token {text[token.pos : token.end][:40]!r}"
    raise ExpressionError(f"{found} (expected {expected})", text, token.pos)


def _is(token: Token, word: str) -> bool:
    return token.kind == "kw" and token.value == word


def _check(text: str, tokens: list[Token]) -> None:
    """Refuse what the grammar does not allow, at the first token that breaks it, saying what
    was expected there; and refuse nesting deeper than MAX_DEPTH (Python's parser gives up at
    200 parentheses, and recurses on each `not` and `-`)."""
    frames: list[Token] = []  # the open `(`, `[` and `not`s: the nesting depth
    expect, may_not, may_close = _VALUE, True, False
    index = 0
    while True:
        token = tokens[index]
        kind, index = token.kind, index + 1
        if expect == _AFTER:
            negated_in = _is(token, "not") and _is(tokens[index], "in")
            if kind == "op" or _is(token, "in") or negated_in:
                index += negated_in
                expect, may_not, may_close = _VALUE, False, False
                continue
            while frames and frames[-1].kind == "kw":
                frames.pop()  # a `not` ends with its operand
            top = frames[-1] if frames else None
            opened = top.kind if top else None
            if _is(token, "and") or _is(token, "or"):
                expect, may_not, may_close = _VALUE, True, False
            elif (opened, kind) in (("(", ")"), ("[", "]")):
                frames.pop()
            elif (opened, kind) == ("[", ","):
                expect, may_not, may_close = _VALUE, True, True
            elif top is None:
                if kind == "eof":
                    return
                _fail(text, token, "an operator, 'and', 'or' or the end")
            elif opened == "(":
                _fail(text, token, f"')' to close the '(' at position {top.pos}")
            else:
                _fail(text, token, f"',' or ']' to close the '[' at position {top.pos}")
        elif expect == _NUMBER:
            if kind != "literal" or not is_number(token.value):
                _fail(text, token, "a number after '-'")
            expect = _AFTER
        elif kind in ("literal", "ref"):
            expect = _AFTER
        elif kind == "-":
            expect = _NUMBER
        elif kind == "]" and may_close:
            frames.pop()
            expect = _AFTER
        elif kind in ("(", "[") or (_is(token, "not") and may_not):
            frames.append(token)
            may_not, may_close = True, kind == "["
            if len(frames) > MAX_DEPTH:
                raise ExpressionError(
                    f"condition nested more than {MAX_DEPTH} levels deep", text, token.pos
                )
        else:
            _fail(text, token, "a value, a reference, '(' or '['")


class _Builder:
    """Turns the tree Python parsed into closures; any node type not listed is refused."""

    def __init__(self, text: str, tokens: list[Token]) -> None:
        self.text = text
        self.tokens = tokens
        self.references: list[Reference] = []

    def build(self, node: ast.AST) -> Getter:
        if isinstance(node, ast.Name):
            token = self.tokens[int(node.id[1:])]
            if token.kind == "ref":
                self.references.append(token.value)
                return make_getter(token.value)
            return _constant(token.value)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            assert isinstance(node.operand, ast.Name)  # checked: '-' only before a number
            return _constant(-self.tokens[int(node.operand.id[1:])].value)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            operand = self.build(node.operand)
            return lambda context: not operand(context)
        if isinstance(node, ast.BoolOp):
            parts = tuple(self.build(value) for value in node.values)
            if isinstance(node.op, ast.And):
                return lambda context: all(part(context) for part in parts)
            return lambda context: any(part(context) for part in parts)
        if isinstance(node, ast.Compare):
            return self._compare(node)
        if isinstance(node, ast.List):
            elements = tuple(self.build(element) for element in node.elts)
            return lambda context: [element(context) for element in elements]
        raise ExpressionError(f"unsupported expression {type(node).__name__}", self.text, 0)

    def _compare(self, node: ast.Compare) -> Getter:
        first = self.build(node.left)
        chain = tuple(
            (comparison(_OPS[type(op)], self.text), self.build(right))
            for op, right in zip(node.ops, node.comparators, strict=True)
        )
        if len(chain) == 1:
            ((compare, second),) = chain
            return lambda context: compare(first(context), second(context))

        def chained(context: Mapping[str, Any]) -> bool:
            left = first(context)
            for compare, operand in chain:
                right = operand(context)
                if not compare(left, right):
                    return False
                left = right
            return True

        return chained


class Condition:
    """A compiled `when:` condition: `evaluate(context)` says whether the task should run."""

    __slots__ = ("_fn", "references", "text")

    def __init__(self, text: str, fn: Getter, references: tuple[Reference, ...]) -> None:
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
        raise ExpressionError(f"a condition must be a string, not {py_name(text)}", "")
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(f"condition longer than {MAX_EXPRESSION_LENGTH} characters", "")
    tokens = tokenize(text)
    if tokens[0].kind == "eof":
        raise ExpressionError("empty condition", text, 0)
    _check(text, tokens)
    # Python's parser sees only its own syntax: each literal and reference becomes the name
    # `_N` (N: its token's index); the rest is kept, one token per word.
    words = (
        f"_{n}" if t.kind in ("literal", "ref") else text[t.pos : t.end]
        for n, t in enumerate(tokens)
    )
    builder = _Builder(text, tokens)
    fn = builder.build(ast.parse(" ".join(words), mode="eval").body)
    return Condition(text, fn, tuple(dict.fromkeys(builder.references)))
