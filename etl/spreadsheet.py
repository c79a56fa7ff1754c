"""Cell values that are safe to put in a spreadsheet the product writes.

A value starting with `=`, `+`, `-`, `@`, a tab or a carriage return is run as a
formula by Excel, WPS and LibreOffice (CSV/formula injection). Such text values
get a leading apostrophe: the visible text stays, nothing is executed.
"""
from __future__ import annotations

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value
