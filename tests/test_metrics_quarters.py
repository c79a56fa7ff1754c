"""Quarters and dates as users type them."""
from __future__ import annotations

from datetime import date

import pytest

from warehouse.store import open_reader
from core.dates import DateError, parse_date, shift_months
from core.quarters import (Quarter, QuarterError, available_quarters, latest_complete_quarter, parse_quarter,
                              quarter_of, quarter_range)
from tests.metrics_fixtures import world_db


@pytest.mark.parametrize("text", ["2026Q3", "2026-Q3", "2026q3", " 2026 Q3 ", "２０２６Ｑ３",
                                  "2026年第三季度", "2026年第3季度", "2026年三季度"])
def test_contract_quarter_forms(text):
    assert parse_quarter(text) == Quarter(2026, 3)


@pytest.mark.parametrize("text", ["2026Q5", "2026Q0", "Q3", "2026", "2026年第五季度", "二〇二六年三季度", ""])
def test_bad_quarters(text):
    with pytest.raises(QuarterError, match="无法识别的季度"):
        parse_quarter(text)


def test_quarter_arithmetic():
    q = Quarter(2026, 1)
    assert (q.start, q.end, q.label, q.cn) == (date(2026, 1, 1), date(2026, 3, 31), "2026Q1", "2026年第一季度")
    assert Quarter(2024, 1).end == date(2024, 3, 31) and Quarter(2026, 4).end == date(2026, 12, 31)
    assert q.previous() == Quarter(2025, 4) and Quarter(2025, 4).next() == q
    assert quarter_of(date(2026, 9, 30)) == Quarter(2026, 3) and quarter_of(date(2026, 10, 1)) == Quarter(2026, 4)
    assert quarter_range(Quarter(2026, 2), 3) == [Quarter(2025, 4), Quarter(2026, 1), Quarter(2026, 2)]
    assert latest_complete_quarter(date(2026, 10, 8)) == Quarter(2026, 3)
    assert latest_complete_quarter(date(2026, 1, 1)) == Quarter(2025, 4)
    assert sorted([Quarter(2026, 1), Quarter(2025, 4)]) == [Quarter(2025, 4), Quarter(2026, 1)]


@pytest.mark.parametrize("text", ["2026-09-30", "2026/9/30", "2026.9.30", "2026年9月30日", "20260930", "２０２６-９-３０"])
def test_contract_date_forms(text):
    assert parse_date(text) == date(2026, 9, 30)


@pytest.mark.parametrize("text", ["2026-02-30", "30/09/2026", "明天", "2026093"])
def test_bad_dates(text):
    with pytest.raises(DateError, match="无法识别的日期"):
        parse_date(text)


def test_month_shifts_clamp_to_month_end():
    assert shift_months(date(2026, 9, 30), -12) == date(2025, 9, 30)
    assert shift_months(date(2024, 2, 29), -12) == date(2023, 2, 28)
    assert shift_months(date(2026, 3, 31), 6) == date(2026, 9, 30)
    assert shift_months(date(2026, 1, 31), -2) == date(2025, 11, 30)


def test_available_quarters(tmp_path_factory):
    con = open_reader(world_db(tmp_path_factory))
    # Dated records run from 2025-09-30 (a drill, a training) to 2026-10-01 (H10, a drill, a training);
    # checklists are for 2026Q2 and 2026Q3.
    assert [q.label for q in available_quarters(con)] == ["2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q3", "2026Q4"]
    con.close()
