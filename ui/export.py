"""Table exports: .xlsx and CSV (UTF-8 with BOM, so Excel opens it in Chinese).

Cells that a spreadsheet would read as a formula (leading = + - @ tab or CR), the
header included, are prefixed with an apostrophe (`core.spreadsheet`) in every
table export; the .xlsx is written by `core.spreadsheet.write_table`.
"""
from __future__ import annotations

import io
import re

import pandas as pd
from openpyxl import Workbook

# The product's one rule for formula-looking text, and its one table writer.
from core.spreadsheet import PERCENT, neutralise_formulas, write_table

_UNSAFE_FILE_CHARS = re.compile(r'[\\/:*?"<>|\s]+')


def _sheet_name(title: str) -> str:
    cleaned = re.sub(r"[\[\]:*?/\\]", "", title)[:31]
    return cleaned or "数据"


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Timezone-free, Excel-friendly values (dates stay dates)."""
    plain = frame.copy()
    for column in plain.columns:
        if isinstance(plain[column].dtype, pd.DatetimeTZDtype):
            plain[column] = plain[column].dt.tz_localize(None)
    return plain


def to_xlsx(frame: pd.DataFrame, title: str = "数据", percent_columns: tuple[str, ...] = ()) -> bytes:
    """The table as a workbook; `percent_columns` hold rates as numbers (0.944) shown as percentages (94.4%)."""
    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = _sheet_name(title)
    write_table(worksheet, _plain(frame), formats={column: PERCENT for column in percent_columns})
    worksheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def to_csv(frame: pd.DataFrame) -> bytes:
    return _plain(neutralise_formulas(frame)).to_csv(index=False).encode("utf-8-sig")


def file_stem(*parts: object) -> str:
    """A file name stem from meaningful parts, e.g. 隐患整改率_文登区_2026Q3."""
    words = [_UNSAFE_FILE_CHARS.sub("_", str(p)).strip("_") for p in parts if p not in (None, "")]
    return "_".join(w for w in words if w) or "导出"
