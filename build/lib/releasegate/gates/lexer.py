"""Turns a budget expression into tokens. See :mod:`releasegate.gates.parser` for the grammar."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from releasegate.gates.errors import BudgetSyntaxError


class T(StrEnum):
    NUMBER = "number"
    IDENT = "identifier"
    OP = "comparison"
    LPAREN = "'('"
    RPAREN = "')'"
    PLUS = "'+'"
    MINUS = "'-'"
    STAR = "'*'"
    SLASH = "'/'"
    PERCENT = "'%'"
    END = "end of expression"


@dataclass(frozen=True)
class Token:
    kind: T
    text: str
    pos: int


_NUMBER = re.compile(r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_OPS = ("<=", ">=", "==", "!=", "<", ">")
_SINGLE = {"(": T.LPAREN, ")": T.RPAREN, "+": T.PLUS, "-": T.MINUS, "*": T.STAR, "/": T.SLASH, "%": T.PERCENT}
MAX_LENGTH = 500


def tokenize(text: str) -> list[Token]:
    """All tokens of ``text`` followed by an END token; BudgetSyntaxError on a stray character."""
    if len(text) > MAX_LENGTH:
        raise BudgetSyntaxError(f"expression longer than {MAX_LENGTH} characters", text=text[:40], position=0)
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        ch = text[pos]
        if ch in " \t":
            pos += 1
            continue
        number = _NUMBER.match(text, pos)
        if number:
            tokens.append(Token(T.NUMBER, number.group(), pos))
            pos = number.end()
            continue
        ident = _IDENT.match(text, pos)
        if ident:
            tokens.append(Token(T.IDENT, ident.group(), pos))
            pos = ident.end()
            continue
        op = next((o for o in _OPS if text.startswith(o, pos)), None)
        if op:
            tokens.append(Token(T.OP, op, pos))
            pos += len(op)
            continue
        if ch in _SINGLE:
            tokens.append(Token(_SINGLE[ch], ch, pos))
            pos += 1
            continue
        hint = " (use '==' to compare)" if ch == "=" else ""
        raise BudgetSyntaxError(f"unexpected character {ch!r}{hint}", text=text, position=pos)
    tokens.append(Token(T.END, "", len(text)))
    return tokens
