"""Each presentation rule the dashboard and the pack share, pinned once with hand-worked values."""
from __future__ import annotations

import io

import openpyxl
import pandas as pd
from openpyxl import Workbook

from core.presentation import points_delta, points_gap_text, points_text, rate_text, signed_points
from core.spreadsheet import PERCENT, write_table
from core.text import display_width, display_widths
from etl.blank import column_width
from metrics.changes import with_change
from metrics.indicators import INDICATORS, SUPERVISION, TARGETS
from ui.export import to_xlsx
from warehouse.templates import BY_TITLE


def test_points_texts():
    assert points_text(0.0204) == "上升2.0个百分点"
    assert points_text(-0.015) == "下降1.5个百分点"
    assert points_text(0.0004) == "持平"  # 0.04 points rounds to no change
    assert points_text(None) == ""
    assert points_delta(0.0204) == "+2.0 个百分点"
    assert points_delta(-0.0004) == "持平"
    assert points_delta(float("nan")) is None
    assert signed_points(-0.015) == "-1.5"
    assert signed_points(None) == "—"
    assert points_gap_text(1 - 5 / 7) == "28.6个百分点"
    assert rate_text(17 / 18) == "94.4%"


def test_display_width():
    assert display_width("文登A") == 5
    assert display_width("ＡＢ") == 4  # full-width forms count two
    assert display_widths(pd.Series(["文登A", None, "ab", "文登A"])).tolist() == [5, 0, 2, 5]


def test_blank_template_width_is_the_display_width_rule():
    column = next(c for c in BY_TITLE["隐患台账"].columns if c.label == "整改完成日期")
    assert display_width(column.label) == 12
    assert column_width(column) == 2.2 * 6 + 4  # wider than a date column's 14


def test_xlsx_writer_neutralises_header_and_cells_and_keeps_rates_numbers():
    frame = pd.DataFrame({"=1+1": ["=1+1", "文登区应急管理局化工科"], "整改率": [0.944, None],
                          "记录数": [1234, 5]})
    workbook = Workbook()
    first, last = write_table(workbook.active, frame, formats={"整改率": PERCENT})
    assert (first, last) == (2, 3)
    buffer = io.BytesIO()
    workbook.save(buffer)
    sheet = openpyxl.load_workbook(buffer).active
    assert (sheet["A1"].value, sheet["A1"].data_type) == ("'=1+1", "s")
    assert (sheet["A2"].value, sheet["A2"].data_type) == ("'=1+1", "s")
    assert (sheet["B2"].value, sheet["B2"].data_type, sheet["B2"].number_format) == (0.944, "n", "0.0%")
    assert sheet["B3"].value is None
    assert (sheet["C2"].value, sheet["C2"].number_format) == (1234, "#,##0")
    assert sheet.column_dimensions["A"].width == 24  # display width 22 of the longest value, plus 2


def test_change_on_the_previous_quarter():
    key = {"grain": ["city", "district"], "indicator": ["training", "training"], "group": ["全市", "文登区"]}
    current = pd.DataFrame({**key, "rate": [0.9, 0.5]})
    previous = pd.DataFrame({**key, "rate": [0.8, None]})
    changed = with_change(current, previous)
    assert round(changed["change"].iloc[0], 6) == 0.1
    assert pd.isna(changed["change"].iloc[1])
    assert points_text(changed["change"].iloc[0]) == "上升10.0个百分点"


def test_indicator_groups_are_declared_once():
    assert [i.code for i in TARGETS + SUPERVISION] == [i.code for i in INDICATORS]
    assert (len(TARGETS), len(SUPERVISION)) == (8, 3)
    assert {i.group for i in TARGETS} == {"目标指标"} and {i.group for i in SUPERVISION} == {"驻点工作"}


def test_dashboard_export_neutralises_a_formula_header():
    """A column titled like a formula (a pivot over district text) was written as a live formula."""
    frame = pd.DataFrame({'=HYPERLINK("http://evil.example","x")': ["-2+3"], "日期": pd.to_datetime(["2026-07-01"])})
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx(frame, "短板"))).active
    assert (sheet["A1"].value, sheet["A1"].data_type) == ("'=HYPERLINK(\"http://evil.example\",\"x\")", "s")
    assert (sheet["A2"].value, sheet["A2"].data_type) == ("'-2+3", "s")
    assert (sheet["B2"].value.date().isoformat(), sheet["B2"].number_format) == ("2026-07-01", "yyyy-mm-dd")
    assert sheet.freeze_panes == "A2"
