"""Colours, number text and dates as people see them, shared by the dashboard and the meeting pack.

One module for both so a rate, a change in percentage points or a level colour reads
the same on a page, in the brief and in the workbook. Plain values only: no
Streamlit, no document library.
"""
from __future__ import annotations

import math
from datetime import date, datetime

import pandas as pd

from core.config import districts as configured_districts

NO_DATA = "无数据"
# A figure of a quarter whose input of that kind never arrived (see docs/indicators.md, 输入不完整的季度).
NOT_SCORED = "不评定"
LEVEL_COLORS = {"达标": "#2E7D32", "关注": "#F59E0B", "整改": "#C62828", "无数据": "#9E9E9E", NOT_SCORED: "#607D8B"}
LEVEL_BACKGROUNDS = {"达标": "#E3F1E4", "关注": "#FEF3D7", "整改": "#FBE3E3", "无数据": "#EEEEEE",
                     NOT_SCORED: "#ECEFF1"}
PRIMARY = "#1F4E79"
FONT_FAMILY = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif"
SERIES_COLORS = ("#1F4E79", "#2E86C1", "#17A589", "#D68910", "#884EA0", "#CB4335", "#5D6D7E", "#A04000",
                 "#1ABC9C", "#7D3C98")

# One colour per state wherever a chart splits counts by state (dashboard and pack alike): a hazard's
# state as of the as-of date, a logged day, an operation supervised or not, a hazard's level.
STATE_COLORS = {
    "已销号": "#1B5E20", "已整改未销号": "#66BB6A", "已整改": "#43A047",
    "整改期限内": "#F59E0B", "期限内未整改": "#F59E0B", "未整改": "#F59E0B", "超期未整改": "#C62828",
    "一般隐患": "#78909C", "重大隐患": "#6A1B9A",
    "现场监督": "#43A047", "未现场监督": "#C62828", "特殊作业": "#1F4E79",
    "无需填报": "#EEEEEE", "应填未填": "#E57373", "已填报": "#43A047", "周末已填报": "#A5D6A7",
}
# A hazard's state as of the as-of date, in the order charts list it (metrics.hazards `as_of_status`).
HAZARD_STATES = ("超期未整改", "整改期限内", "已整改未销号", "已销号")
CITY_COLOR = "#222222"  # the city (or the selection's total) in every chart with several districts
# Blues, cyans and purples only: no red, orange, yellow, brown or green (those read as a finding level, see
# LEVEL_COLORS) and no grey (无数据); in the order of config/districts.toml.
DISTRICT_PALETTE = ("#1F77B4", "#7B3FA0", "#17A2C4", "#D36BC6", "#303F9F", "#64B5F6", "#00838F", "#9575CD",
                    "#5C6BC0", "#AB47BC", "#0277BD", "#4A148C")

# Rates are drawn on a 0–100% axis (one rule for every chart, dashboard and pack); a bar prints its value, a trend
# line does not (its values are in the hover and in a table).
RATE_AXIS = (0.0, 100.0)
# A rate whose denominator is below this (`is_small`) is shown with its n: a hollow dot never joined into a line,
# a faint bar, a table cell with its numerator and denominator.
SMALL_N = 10
CN_DIGITS = "一二三四五六七八九十"


def district_color(name: str) -> str:
    """A district's fixed colour: by its place in config/districts.toml, the same on every chart and page."""
    names = configured_districts().names
    if name in names:
        return DISTRICT_PALETTE[names.index(name) % len(DISTRICT_PALETTE)]
    return CITY_COLOR


def state_color(name: str) -> str:
    return STATE_COLORS.get(name, "#9E9E9E")


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


def is_small(denominator) -> bool:
    """A denominator above 0 and below SMALL_N: a rate on it is shown with its n, so a rate on a handful of items
    does not read like one on thousands."""
    return not is_missing(denominator) and 0 < float(denominator) < SMALL_N


def n_text(denominator) -> str:
    """A denominator as a chart labels it: n=4, n=2,391."""
    return f"n={int(denominator):,}"


def rate_label(rate, denominator, *, with_n: bool = False) -> str:
    """A rate as a chart prints it on a bar: 88.9%; with its n when the denominator is small (or always, `with_n`),
    75.0%（n=4）; 无数据 when there is no denominator."""
    if is_missing(rate) or is_missing(denominator) or float(denominator) == 0:
        return NO_DATA
    return f"{rate_text(rate)}（{n_text(denominator)}）" if with_n or is_small(denominator) else rate_text(rate)


def rate_with_n(rate, numerator, denominator) -> str:
    """A rate for a table cell: 94.4%; with its numerator and denominator when the denominator is small,
    75.0%（3/4）."""
    text = rate_text(rate)
    if is_missing(rate) or not is_small(denominator):
        return text
    return f"{text}（{count_text(numerator)}/{count_text(denominator)}）"


def small_n_rule() -> str:
    """The rule of `rate_with_n` in a sentence, for the caption under such a table."""
    return f"分母少于 {SMALL_N} 的比率后面括号内标出分子/分母（样本太少，一两项就能使比率大幅变动）。"


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
