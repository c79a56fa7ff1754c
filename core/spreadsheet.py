"""Cell values that are safe to put in a spreadsheet the product writes.

A value starting with `=`, `+`, `-`, `@`, a tab or a carriage return is run as a
formula by Excel, WPS and LibreOffice (CSV/formula injection). Such text values
get a leading apostrophe: the visible text stays, nothing is executed.
"""
from __future__ import annotations

import pandas as pd

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Text that starts like a formula gets an apostrophe; numbers, dates and other text pass as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` whose text cells cannot start a spreadsheet formula."""
    safe = frame.copy()
    for column in safe.columns:
        values = safe[column]
        if not (pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)):
            continue
        text = values.astype("string")
        risky = text.str.startswith(FORMULA_TRIGGERS).fillna(False).astype(bool)
        if risky.any():
            safe[column] = values.astype(object).where(~risky, ("'" + text).astype(object))
    return safe
