"""Parses a budget expression into a tree of :mod:`releasegate.gates.nodes`.

The grammar (whitespace is free between tokens; keywords and units are case-sensitive)::

    budget      ::= or_expr END
    or_expr     ::= and_expr ( "or" and_expr )*
    and_expr    ::= primary ( "and" primary )*
    primary     ::= comparison | "(" or_expr ")"
    comparison  ::= aggregation OP operand
    aggregation ::= "avg" | "min" | "max" | "med" | "median" | "rate" | "count" | "rps" | "value"
                  | "p" "(" NUMBER ")"                       (0 <= NUMBER <= 100)
    OP          ::= "<" | "<=" | ">" | ">=" | "==" | "!="
    operand     ::= term ( ( "+" | "-" ) term )*
    term        ::= factor ( ( "*" | "/" ) factor )*
    factor      ::= quantity | "baseline" | "(" operand ")" | "-" factor
    quantity    ::= NUMBER [ unit ]
    unit        ::= "ms" | "s" | "m" | "h" | "%" | "B" | "KB" | "MB" | "GB" | "KiB" | "MiB" | "GiB"
    NUMBER      ::= digits [ "." digits ] [ ( "e" | "E" ) [ "+" | "-" ] digits ]

Examples: ``p(95) < 800ms``, ``avg < 2s and max < 5s``, ``rate < 1% or count < 20``,
``p(95) < baseline * 1.10``, ``median < baseline + 200ms``.

Only syntax is checked here. Whether an aggregation fits the metric and the unit fits its
values is checked by :mod:`releasegate.gates.catalog`. Every problem raises
:class:`releasegate.gates.errors.BudgetSyntaxError`.
"""

from __future__ import annotations

import difflib
import math

from releasegate.gates.errors import BudgetSyntaxError
from releasegate.gates.lexer import T, Token, tokenize
from releasegate.gates.nodes import (
    AGGREGATIONS,
    ALIASES,
    Aggregation,
    Arith,
    BaselineRef,
    BoolOp,
    Comparison,
    Expr,
    Operand,
    Quantity,
)
from releasegate.gates.units import UNITS

MAX_DEPTH = 16
_KEYWORDS = ("and", "or", "baseline")


def parse(text: str) -> Expr:
    """The tree of ``text``; BudgetSyntaxError when it is not a valid expression."""
    return _Parser(text).parse()


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0

    # -- helpers -----------------------------------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def advance(self) -> Token:
        tok = self.tokens[self.i]
        if tok.kind is not T.END:
            self.i += 1
        return tok

    def error(self, message: str, tok: Token | None = None) -> BudgetSyntaxError:
        return BudgetSyntaxError(message, text=self.text, position=(tok or self.tok).pos)

    def expect(self, kind: T, what: str) -> Token:
        if self.tok.kind is not kind:
            raise self.error(f"expected {what}, found {_describe(self.tok)}")
        return self.advance()

    def at_end(self) -> bool:
        return self.tok.kind is T.END

    def is_word(self, word: str) -> bool:
        return self.tok.kind is T.IDENT and self.tok.text == word

    def nest(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"parentheses nested deeper than {MAX_DEPTH}")

    # -- grammar -----------------------------------------------------------------------------
    def parse(self) -> Expr:
        if self.tok.kind is T.END:
            raise self.error("empty expression; write e.g. 'p(95) < 800ms'")
        expr = self.or_expr()
        if not self.at_end():
            raise self.error(f"expected 'and', 'or' or the end, found {_describe(self.tok)}")
        return expr

    def or_expr(self) -> Expr:
        items = [self.and_expr()]
        while self.is_word("or"):
            self.advance()
            items.append(self.and_expr())
        return items[0] if len(items) == 1 else BoolOp("or", tuple(items))

    def and_expr(self) -> Expr:
        items = [self.primary()]
        while self.is_word("and"):
            self.advance()
            items.append(self.primary())
        return items[0] if len(items) == 1 else BoolOp("and", tuple(items))

    def primary(self) -> Expr:
        if self.tok.kind is T.LPAREN:
            self.nest()
            self.advance()
            expr = self.or_expr()
            self.expect(T.RPAREN, "')'")
            self.depth -= 1
            return expr
        return self.comparison()

    def comparison(self) -> Comparison:
        aggregation = self.aggregation()
        if self.tok.kind is not T.OP:
            raise self.error(
                f"expected a comparison (<, <=, >, >=, ==, !=) after {aggregation}, "
                f"found {_describe(self.tok)}"
            )
        op = self.advance().text
        return Comparison(aggregation, op, self.operand())

    def aggregation(self) -> Aggregation:
        tok = self.tok
        if tok.kind is not T.IDENT:
            raise self.error(f"expected an aggregation (avg, p(95), rate, ...), found {_describe(tok)}")
        name = ALIASES.get(tok.text, tok.text)
        if name not in AGGREGATIONS:
            known = [*AGGREGATIONS, *ALIASES]
            close = difflib.get_close_matches(tok.text, known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f"; known: {', '.join(known)}"
            raise self.error(f"unknown aggregation {tok.text!r}{hint}", tok)
        self.advance()
        if name != "p":
            return Aggregation(name)
        self.expect(T.LPAREN, "'(' after p, as in p(95)")
        number = self.expect(T.NUMBER, "a percentile between 0 and 100")
        arg = float(number.text)
        if not 0 <= arg <= 100:
            raise self.error(f"percentile {number.text} is outside 0..100", number)
        self.expect(T.RPAREN, "')'")
        return Aggregation("p", arg)

    def operand(self) -> Operand:
        left = self.term()
        while self.tok.kind in (T.PLUS, T.MINUS):
            op = self.advance().text
            left = Arith(op, left, self.term())
        return left

    def term(self) -> Operand:
        left = self.factor()
        while self.tok.kind in (T.STAR, T.SLASH):
            op = self.advance().text
            left = Arith(op, left, self.factor())
        return left

    def factor(self) -> Operand:
        tok = self.tok
        if tok.kind is T.NUMBER:
            return self.quantity()
        if tok.kind is T.MINUS:
            self.nest()
            self.advance()
            inner = self.factor()
            self.depth -= 1
            if isinstance(inner, Quantity):
                return Quantity(-inner.number, inner.unit)
            return Arith("*", Quantity(-1.0), inner)
        if self.is_word("baseline"):
            self.advance()
            return BaselineRef()
        if tok.kind is T.LPAREN:
            self.nest()
            self.advance()
            inner = self.operand()
            self.expect(T.RPAREN, "')'")
            self.depth -= 1
            return inner
        raise self.error(f"expected a number with a unit (800ms, 0.5%) or 'baseline', found {_describe(tok)}")

    def quantity(self) -> Quantity:
        number = self.advance()
        value = float(number.text)
        if not math.isfinite(value):
            raise self.error(f"number {number.text} is too large", number)
        if self.tok.kind is T.PERCENT:
            self.advance()
            return Quantity(value, "%")
        tok = self.tok
        if tok.kind is T.IDENT and tok.text not in _KEYWORDS:
            if tok.text in UNITS:
                self.advance()
                return Quantity(value, tok.text)
            close = [u for u in UNITS if u.lower() == tok.text.lower()]
            close = close or difflib.get_close_matches(tok.text, list(UNITS), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f"; known units: {', '.join(UNITS)}"
            raise self.error(f"unknown unit {tok.text!r}{hint}", tok)
        return Quantity(value)


def _describe(tok: Token) -> str:
    return "the end of the expression" if tok.kind is T.END else repr(tok.text)
