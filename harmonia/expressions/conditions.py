"""`when:` conditions, evaluated without `eval`: a small closed language over references.

`or`, `and`, `not`, comparisons `== != < <= > >=` (chained like Python: `0 < x <= 9`), `in` /
`not in`, literals, list literals and parentheses. A recursive-descent parser turns the tokens
into closures once, at load time, so evaluating a condition for each task does no parsing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from itertools import pairwise
from typing import Any, NoReturn

from harmonia.expressions.errors import ExpressionError
from harmonia.expressions.limits import MAX_DEPTH, MAX_EXPRESSION_LENGTH
from harmonia.expressions.lookup import Getter, make_getter
from harmonia.expressions.operators import comparison, is_number
from harmonia.expressions.references import Reference
from harmonia.expressions.tokens import Token, tokenize
from harmonia.valuekinds import json_kind

__all__ = ["Condition", "compile_condition"]


def _constant(value: Any) -> Getter:
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
        self.tokens = tokenize(text)
        self.index = 0
        self.depth = 0
        self.references: list[Reference] = []
        self.status_literals: list[tuple[Reference, str, int]] = []
        """`(tasks.X.status, 'text', position)` of each string a status is compared with."""

    def _peek(self) -> Token:
        return self.tokens[self.index]

    def _next(self) -> Token:
        token = self.tokens[self.index]
        if token.kind != "eof":
            self.index += 1
        return token

    def _is_kw(self, token: Token, word: str) -> bool:
        return token.kind == "kw" and token.value == word

    def _fail(self, token: Token, expected: str = "") -> NoReturn:
        if token.kind == "eof":
            found = "unexpected end of condition"
        else:
            found = f"unexpected token {self.text[token.pos : token.end][:40]!r}"
        raise ExpressionError(
            found + (f" (expected {expected})" if expected else ""), self.text, token.pos
        )

    def _enter(self, token: Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(
                f"condition nested more than {MAX_DEPTH} levels deep", self.text, token.pos
            )

    def parse(self) -> Getter:
        if self._peek().kind == "eof":
            raise ExpressionError("empty condition", self.text, 0)
        fn = self._or()
        if self._peek().kind != "eof":
            self._fail(self._peek(), "an operator, 'and', 'or' or the end")
        return fn

    def _or(self) -> Getter:
        return self._joined("or", self._and, any)

    def _and(self) -> Getter:
        return self._joined("and", self._not, all)

    def _joined(
        self, keyword: str, operand: Callable[[], Getter], combine: Callable[[Any], bool]
    ) -> Getter:
        """Operands joined by `keyword` (left to right, short-circuit as `combine` is); a
        single operand is returned as it is, so plain comparisons pay for no wrapper."""
        operands = [operand()]
        while self._is_kw(self._peek(), keyword):
            self._next()
            operands.append(operand())
        if len(operands) == 1:
            return operands[0]
        parts = tuple(operands)
        return lambda context: combine(part(context) for part in parts)

    def _not(self) -> Getter:
        token = self._peek()
        if not self._is_kw(token, "not"):
            return self._comparison()
        self._next()
        self._enter(token)
        operand = self._not()
        self.depth -= 1
        return lambda context: not operand(context)

    def _comparison(self) -> Getter:
        start = self.index
        first = self._operand()
        sides = [self.tokens[start : self.index]]
        links: list[tuple[Callable[[Any, Any], bool], Getter]] = []
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
            start = self.index
            links.append((comparison(op, self.text), self._operand()))
            sides.append(self.tokens[start : self.index])
        for left, right in pairwise(sides):
            self._note_status_literals(left, right)
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

    def _note_status_literals(self, left: list[Token], right: list[Token]) -> None:
        """Record the strings a `tasks.X.status` is compared with (`== 'completed'`, `in
        ['failed', 'skipped']`): the loader knows the statuses and refuses a string that is
        none of them, which would make the condition always false (or always true)."""
        for ref_side, other in ((left, right), (right, left)):
            if len(ref_side) != 1 or ref_side[0].kind != "ref":
                continue
            ref: Reference = ref_side[0].value
            if ref.root != "tasks" or len(ref.path) != 2 or ref.path[1] != "status":
                continue
            literals = other[1:-1:2] if other and other[0].kind == "[" else other
            for token in literals:
                if token.kind == "literal" and isinstance(token.value, str):
                    self.status_literals.append((ref, token.value, token.pos))

    def _operand(self) -> Getter:
        token = self._next()
        kind = token.kind
        if kind == "literal":
            return _constant(token.value)
        if kind == "ref":
            self.references.append(token.value)
            return make_getter(token.value)
        if kind == "-":
            number = self._next()
            if number.kind != "literal" or not is_number(number.value):
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

    def _list(self, opening: Token) -> Getter:
        self._enter(opening)
        items: list[Getter] = []
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

    __slots__ = ("_fn", "references", "status_literals", "text")

    def __init__(
        self,
        text: str,
        fn: Getter,
        references: tuple[Reference, ...],
        status_literals: tuple[tuple[Reference, str, int], ...] = (),
    ) -> None:
        self.text = text
        self._fn = fn
        self.references = references
        self.status_literals = status_literals
        """`(tasks.X.status, 'text', position)`: each string a task's status is compared with."""

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
        raise ExpressionError(f"a condition must be a string, not {json_kind(text)}", "")
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(f"condition longer than {MAX_EXPRESSION_LENGTH} characters", "")
    parser = _Parser(text)
    fn = parser.parse()
    references = tuple(dict.fromkeys(parser.references))
    return Condition(text, fn, references, tuple(parser.status_literals))
