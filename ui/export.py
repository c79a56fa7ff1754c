"""Table exports: .xlsx and CSV (UTF-8 with BOM, so Excel opens it in Chinese).

Cells that a spreadsheet would read as a formula (leading = + - @ tab or CR) are
prefixed with an apostrophe by `core.spreadsheet.neutralise_formulas` before any
table export.
"""
from __future__ import annotations

import io
import re

import pandas as pd

from core.spreadsheet import neutralise_formulas  # the product's one rule for formula-looking text

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


def to_xlsx(frame: pd.DataFrame, title: str = "数据") -> bytes:
    buffer = io.BytesIO()
    safe = _plain(neutralise_formulas(frame))
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        sheet = _sheet_name(title)
        safe.to_excel(writer, index=False, sheet_name=sheet)
        worksheet = writer.sheets[sheet]
        for index, column in enumerate(safe.columns, start=1):
            longest = max([len(str(column))] + [len(str(v)) for v in safe[column].head(200)])
            worksheet.column_dimensions[worksheet.cell(1, index).column_letter].width = min(60, 4 + longest * 1.6)
        worksheet.freeze_panes = "A2"
    return buffer.getvalue()


def to_csv(frame: pd.DataFrame) -> bytes:
    return _plain(neutralise_formulas(frame)).to_csv(index=False).encode("utf-8-sig")


def file_stem(*parts: object) -> str:
    """A file name stem from meaningful parts, e.g. 隐患整改率_文登区_2026Q3."""
    words = [_UNSAFE_FILE_CHARS.sub("_", str(p)).strip("_") for p in parts if p not in (None, "")]
    return "_".join(w for w in words if w) or "导出"
