"""A long list written as sheet XML (`write_table(..., bulk=True)`) reads back as the cells openpyxl writes."""
from __future__ import annotations

import io
from datetime import date, datetime

import openpyxl
import pandas as pd
import pytest
from openpyxl import Workbook

from core.spreadsheet import DATE, DATETIME, INTEGER, LINE_HEIGHT, workbook_bytes, write_table


def _frame() -> pd.DataFrame:
    long_text = "隐患描述" * 30
    return pd.DataFrame({
        "序号": [1, 2, 3, 4, 5],
        "企业名称": ["=HYPERLINK(\"http://x\")", " 前后空格 ", "a&b<c>d\r\ne", "#N/A", None],
        "明细": [long_text, "短", "x" * 40_000, "", "@SUM(A1)"],
        "比率": [0.5, None, float("inf"), 1 / 3, 2.0],
        "日期": pd.to_datetime(["2026-07-01", None, "2026-09-30", "1900-01-15", "2026-08-08"]),
        "时间": [datetime(2026, 7, 1, 8, 30), None, datetime(2026, 9, 30, 23, 59, 59), None, None],
        "是否": [True, False, None, True, False],
        "天数": pd.array([3, None, -5, 0, 12], dtype="Int64"),
    })


def _written(bulk: bool) -> openpyxl.Workbook:
    wb = Workbook()
    ws = wb.active
    ws.cell(1, 1, "标题")
    first, last = write_table(ws, _frame(), 3, formats={"比率": "0.0%"}, max_widths={"明细": 20}, wrap=True,
                              bulk=bulk)
    assert (first, last) == (4, 8)
    return openpyxl.load_workbook(io.BytesIO(workbook_bytes(wb)))


def test_bulk_rows_read_back_as_the_cells_openpyxl_writes():
    cells, bulk = _written(False).active, _written(True).active
    for row in range(1, 9):
        for column in range(1, 9):
            a, b = cells.cell(row, column), bulk.cell(row, column)
            assert (b.value, b.data_type, b.number_format, repr(b.alignment), repr(b.font)) == \
                   (a.value, a.data_type, a.number_format, repr(a.alignment), repr(a.font)), (row, column)
        assert bulk.row_dimensions[row].height == cells.row_dimensions[row].height, row
    assert bulk.max_row == cells.max_row == 8 and bulk.max_column == cells.max_column == 8
    # The values themselves: formulas neutralised, an error code kept as text, text cut to what a cell holds.
    assert bulk["B4"].value == "'=HYPERLINK(\"http://x\")" and bulk["C8"].value == "'@SUM(A1)"
    assert bulk["B7"].value == "#N/A" and bulk["B6"].value == "a&b<c>d\r\ne" and bulk["B5"].value == " 前后空格 "
    assert len(bulk["C6"].value) == 32767
    assert bulk["E4"].value == datetime(2026, 7, 1) and bulk["E4"].number_format == DATE
    assert bulk["E7"].value == datetime(1900, 1, 15)
    assert bulk["F6"].value == datetime(2026, 9, 30, 23, 59, 59) and bulk["F6"].number_format == DATETIME
    assert bulk["H6"].value == -5 and bulk["H6"].number_format == INTEGER and bulk["H5"].value is None
    assert bulk["G4"].value is True and bulk["D4"].value == 0.5 and bulk["D4"].number_format == "0.0%"
    # 明细 wraps: its rows are as tall as their lines, the other cells of those rows align to the top.
    assert bulk["C4"].alignment.wrap_text and bulk.row_dimensions[4].height == LINE_HEIGHT * 12
    assert bulk["A4"].alignment.vertical == "top" and not bulk["A5"].alignment.vertical


def test_bulk_rows_refuse_a_cell_written_below_them():
    wb = Workbook()
    ws = wb.active
    write_table(ws, pd.DataFrame({"a": ["x", "y"]}), 1, bulk=True)
    ws.cell(10, 1, "其后写入")
    with pytest.raises(ValueError, match="重叠"):
        workbook_bytes(wb)


def test_a_table_of_values_xml_cannot_hold_as_written_falls_back_to_cells():
    wb = Workbook()
    ws = wb.active
    mixed = pd.DataFrame({"混合": [date(2026, 7, 1), "文字"]})  # a date in an unformatted column
    write_table(ws, mixed, 1, bulk=True)
    assert ws["A2"].value == date(2026, 7, 1) and ws["A3"].value == "文字"
    sheet = openpyxl.load_workbook(io.BytesIO(workbook_bytes(wb))).active
    assert sheet["A2"].number_format == "yyyy-mm-dd" and sheet["A3"].value == "文字"
