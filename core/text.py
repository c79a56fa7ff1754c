"""Text as people see it: printable (no terminal control or fake lines) and its width on screen."""
from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

_UNPRINTABLE = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def printable(value: object, limit: int | None = None) -> str:
    """`value` as text that cannot drive a terminal or fake a line: control and format characters escaped.

    An escape sequence (`\\x1b[31m`), a newline or a bidi override in a file name or user
    name is shown as its escape (`\\x1b`, `\\n`, `\\u202e`); the result is cut to `limit`
    characters (ending with `…`).
    """
    text = "" if value is None else str(value)
    if not text.isprintable():
        text = "".join(_escape(ch) if unicodedata.category(ch) in _UNPRINTABLE else ch for ch in text)
    if limit is not None and len(text) > limit:
        text = text[:limit - 1] + "…"
    return text


def first_unprintable(text: str, allowed: str = "") -> tuple[int, str] | None:
    """(1-based position, escaped character) of the first control or format character in `text` that is not
    in `allowed` — what `printable` would escape; None when there is none."""
    if text.isprintable():
        return None
    for position, ch in enumerate(text, start=1):
        if ch not in allowed and unicodedata.category(ch) in _UNPRINTABLE:
            return position, _escape(ch)
    return None


def _escape(ch: str) -> str:
    code = ord(ch)
    named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(ch)
    return named or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")


def display_width(text: str) -> int:
    """Columns `text` takes on screen or in a spreadsheet cell: East Asian wide and full-width characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def display_widths(values: pd.Series) -> pd.Series:
    """`display_width` of each value as text (0 when missing), measuring each distinct value once."""
    codes, distinct = pd.factorize(values.astype("string"), use_na_sentinel=True)
    widths = np.array([*map(display_width, distinct.tolist()), 0], dtype=np.int64)  # code -1 (missing) is last
    return pd.Series(widths[codes], index=values.index, name=values.name)


# Characters XML 1.0 cannot hold: a workbook or Word file containing one cannot be written at all.
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """`text` with each character a spreadsheet or Word file cannot hold shown as its escape (\\x1b)."""
    return XML_ILLEGAL.sub(lambda match: f"\\x{ord(match.group()):02x}", text)

