"""Colours, number text and dates as people see them, shared by the dashboard and the meeting pack.

One module for both so a rate, a change in percentage points or a level colour reads
the same on a page, in the brief and in the workbook. Plain values only: no
Streamlit, no document library.
"""
from __future__ import annotations

import math
from datetime import date, datetime

import pandas as pd

NO_DATA = "无数据"
LEVEL_COLORS = {"达标": "#2E7D32", "关注": "#F59E0B", "整改": "#C62828", "无数据": "#9E9E9E"}
LEVEL_BACKGROUNDS = {"达标": "#E3F1E4", "关注": "#FEF3D7", "整改": "#FBE3E3", "无数据": "#EEEEEE"}
PRIMARY = "#1F4E79"
FONT_FAMILY = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif"
SERIES_COLORS = ("#1F4E79", "#2E86C1", "#17A589", "#D68910", "#884EA0", "#CB4335", "#5D6D7E", "#A04000",
                 "#1ABC9C", "#7D3C98")
CN_DIGITS = "一二三四五六七八九十"


def is_missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def rate_text(rate) -> str:
    """A rate in [0, 1] as a percentage with one decimal; 无数据 when there is none."""
    return NO_DATA if is_missing(rate) else f"{float(rate) * 100:.1f}%"


def percent_number(rate) -> str:
    """A rate as a bare percentage for tables headed （%）: 94.4; 无数据 when there is none."""
    return NO_DATA if is_missing(rate) else f"{float(rate) * 100:.1f}"


def _points(change) -> float | None:
    """A change of rate in percentage points; 0.0 when it rounds to no change (one decimal), None when missing."""
    if is_missing(change):
        return None
    points = float(change) * 100
    return 0.0 if math.isclose(points, 0.0, abs_tol=0.05) else points


def points_text(change) -> str:
    """A change of rate in a sentence: 上升2.0个百分点 / 下降… / 持平; empty when not comparable."""
    points = _points(change)
    if points is None:
        return ""
    return "持平" if points == 0.0 else f"{'上升' if points > 0 else '下降'}{_points_unit(abs(points))}"


def signed_points(change) -> str:
    """A change of rate in a table cell: +2.0 / -1.5 / 持平; — when not comparable."""
    points = _points(change)
    if points is None:
        return "—"
    return "持平" if points == 0.0 else f"{points:+.1f}"


def points_delta(change) -> str | None:
    """A change of rate as a dashboard card's delta: +2.0 个百分点 / 持平; None when not comparable.

    The sign leads so the card colours the arrow by it.
    """
    points = _points(change)
    if points is None:
        return None
    return "持平" if points == 0.0 else f"{points:+.1f} 个百分点"


def points_gap_text(gap) -> str:
    """A distance between two rates, e.g. below the target: 28.6个百分点."""
    return _points_unit(float(gap) * 100)


def _points_unit(points: float) -> str:
    return f"{points:.1f}个百分点"


def count_text(value) -> str:
    if is_missing(value):
        return "0"
    number = float(value)
    return f"{int(number):,}" if number.is_integer() else f"{number:,.1f}"


def date_text(value) -> str:
    """2026年9月30日; — when missing."""
    if is_missing(value):
        return "—"
    if isinstance(value, (datetime, pd.Timestamp)):
        value = value.date()
    if isinstance(value, date):
        return f"{value.year}年{value.month}月{value.day}日"
    return str(value)


def iso_date(value) -> str:
    if is_missing(value):
        return ""
    if isinstance(value, (datetime, pd.Timestamp)):
        value = value.date()
    return value.isoformat() if isinstance(value, date) else str(value)


def cn_ordinal(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二 (section and list numbering up to 99)."""
    if n <= 10:
        return CN_DIGITS[n - 1]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else CN_DIGITS[tens - 1]) + "十" + (CN_DIGITS[ones - 1] if ones else "")


def joined(items, sep: str = "、") -> str:
    return sep.join(str(i) for i in items)
