"""SQL text built in Python: string literals and lists of them, quoted one way everywhere.

Values put into SQL text this way are configuration names, declared codes or validated
input; anything a user types goes in as a bound parameter instead.
"""
from __future__ import annotations

from collections.abc import Iterable


def sql_literal(value: object) -> str:
    """A SQL string literal: the text in single quotes, each quote inside doubled."""
    return "'" + str(value).replace("'", "''") + "'"


def sql_list(values: Iterable[object]) -> str:
    """A parenthesised list of literals for `IN`; `(NULL)` when empty, which matches nothing."""
    quoted = [sql_literal(value) for value in values]
    return "(" + ", ".join(quoted) + ")" if quoted else "(NULL)"
