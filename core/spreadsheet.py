"""Cell values that are safe to put in a spreadsheet the product writes, and the one table writer.

A value starting with `=`, `+`, `-`, `@`, a tab or a carriage return is run as a
formula by Excel, WPS and LibreOffice (CSV/formula injection). Such text values
get a leading apostrophe: the visible text stays, nothing is executed.
"""
from __future__ import annotations

from datetime import date, datetime

import pandas as pd
from openpyxl.utils import get_column_letter

from core.text import XML_ILLEGAL, display_width, display_widths, xml_safe

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Text that starts like a formula gets an apostrophe, and a character no spreadsheet can hold is shown
    as its escape; numbers, dates and other text pass as they are."""
    if isinstance(value, str):
        value = xml_safe(value)
        if value.startswith(FORMULA_TRIGGERS):
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
        unwritable = text.str.contains(XML_ILLEGAL).fillna(False).astype(bool)
        if unwritable.any():
            unwritable[unwritable] = values[unwritable].map(lambda v: isinstance(v, str))
            values = values.astype(object).where(~unwritable, text.map(xml_safe, na_action="ignore").astype(object))
            safe[column] = values
            text = values.astype("string")
        risky = text.str.startswith(FORMULA_TRIGGERS).fillna(False).astype(bool)
        if risky.any():
            # Only text is at risk: a number (-5) in a mixed column stays a number.
            risky[risky] = values[risky].map(lambda v: isinstance(v, str))
            safe[column] = values.astype(object).where(~risky, ("'" + text).astype(object))
    return safe


# ------------------------------------------------------------------ the one table writer

PERCENT, POINTS, DATE, DATETIME, INTEGER = "0.0%", "+0.0;-0.0;0.0", "yyyy-mm-dd", "yyyy-mm-dd hh:mm", "#,##0"
MAX_WIDTH, MIN_WIDTH, WIDTH_SAMPLE = 48, 6, 400

def python_values(frame: pd.DataFrame) -> pd.DataFrame:
    """Plain Python values openpyxl writes as the right Excel type: dates as dates, missing as None."""
    plain = frame.copy()
    for column in plain.columns:
        values = plain[column]
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            values = values.dt.tz_localize(None)
        if pd.api.types.is_datetime64_any_dtype(values):
            midnight = bool((values.dropna().dt.normalize() == values.dropna()).all())
            converted = values.dt.date if midnight else pd.Series(values.dt.to_pydatetime(), index=values.index)
            plain[column] = converted.astype(object).where(values.notna(), None)
        else:
            plain[column] = values.astype(object).where(values.notna(), None)
    return plain


def column_format(series: pd.Series) -> str | None:
    """The number format a column's values need: dates, date-times and integers; None for the rest."""
    sample = series.dropna().head(50)
    if pd.api.types.is_datetime64_any_dtype(series):
        has_time = bool(len(sample)) and bool((sample.dt.normalize() != sample).any())
        return DATETIME if has_time else DATE
    if len(sample) and all(isinstance(v, datetime) for v in sample):
        return DATETIME
    if len(sample) and all(isinstance(v, date) for v in sample):
        return DATE
    if pd.api.types.is_integer_dtype(series):
        return INTEGER
    return None


def column_widths(frame: pd.DataFrame, formats: dict[str, str], max_widths: dict[str, int]) -> list[float]:
    """Each column's width: its longest value or header in display width (Chinese counts two), bounded."""
    widths = []
    for column in frame.columns:
        if formats.get(column) in (DATE, DATETIME):
            longest = 16 if formats[column] == DATETIME else 11
        elif formats.get(column) in (PERCENT, POINTS):
            longest = 7
        elif formats.get(column) == INTEGER or pd.api.types.is_numeric_dtype(frame[column]):
            numbers = pd.to_numeric(frame[column], errors="coerce").abs().max()
            longest = 4 if pd.isna(numbers) else len(f"{numbers:,.0f}") + 2
        else:
            longest = int(display_widths(frame[column].head(WIDTH_SAMPLE)).max())
        longest = max(longest, display_width(str(column)))
        widths.append(min(max_widths.get(column, MAX_WIDTH), max(MIN_WIDTH, longest + 2)))
    return widths


def write_table(ws, frame: pd.DataFrame, top: int = 1, *, left: int = 1, formats: dict[str, str] | None = None,
                max_widths: dict[str, int] | None = None, header_style: dict | None = None,
                empty: str | None = None) -> tuple[int, int]:
    """Write `frame` to the openpyxl sheet `ws`: header at row `top`, data below; returns (first, last data row).

    Every cell, the header included, is formula-neutralised; dates, date-times and integers
    get their number format, and `formats` adds more (e.g. `{"整改率": PERCENT}` for a rate
    kept as a number). Column widths follow the display width and only grow, so a sheet may
    hold several tables. `header_style` holds openpyxl attributes set on each header cell
    (fill, font, border, alignment); `empty` is written under the header when there are no rows.
    """
    frame = neutralise_formulas(frame.reset_index(drop=True))
    formats = {**{c: f for c in frame.columns if (f := column_format(frame[c]))}, **(formats or {})}
    for offset, column in enumerate(frame.columns):
        cell = ws.cell(top, left + offset, safe_cell(str(column)))
        for name, value in (header_style or {}).items():
            setattr(cell, name, value)
    if frame.empty:
        if empty is not None:
            ws.cell(top + 1, left, empty)
        return top + 1, top
    columns = list(frame.columns)
    for r, values in enumerate(python_values(frame).itertuples(index=False, name=None), start=top + 1):
        for offset, value in enumerate(values):
            ws.cell(r, left + offset, value)
    # Styles are set per formatted column only: styling every cell costs more than writing the values.
    for offset, column in enumerate(columns):
        if fmt := formats.get(column):
            for (cell,) in ws.iter_rows(min_row=top + 1, max_row=top + len(frame), min_col=left + offset,
                                        max_col=left + offset):
                cell.number_format = fmt
    for offset, width in enumerate(column_widths(frame, formats, max_widths or {})):
        letter = get_column_letter(left + offset)
        ws.column_dimensions[letter].width = max(ws.column_dimensions[letter].width or 0, width)
    return top + 1, top + len(frame)
