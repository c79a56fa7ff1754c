"""The pack's plotly charts (for the printable report and the PNG images), in the dashboard's style.

Each chart is a plain plotly figure dict: the report and kaleido take dicts as they are, and
building them skips plotly's validation, which costs more than everything else in the report.
`plotly.graph_objects.Figure(chart.figure)` gives a Figure where one is needed.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from metrics.indicators import Indicator
from pack.content import PackContent
from core.presentation import FONT_FAMILY, LEVEL_COLORS, NO_DATA, PRIMARY, SERIES_COLORS, is_missing, rate_text

WIDTH, HEIGHT = 680, 300  # the printable report's column: A4 less 15 mm margins, at 96 dpi
TARGET_COLOUR = "#C62828"
GRID = "#E5E8EC"


@dataclass(frozen=True)
class PackChart:
    name: str  # file name stem, e.g. 02_持证上岗率_各区市
    kind: str  # "overview", "bars" or "trend"
    code: str | None  # the indicator (None for the overview)
    figure: dict  # a plotly figure: {"data": [...], "layout": {...}}


def _layout(title: str, *, height: int = HEIGHT, **extra) -> dict:
    layout = {
        "title": {"text": title, "x": 0.01, "font": {"size": 15, "color": PRIMARY}},
        "font": {"family": FONT_FAMILY, "size": 12},
        "width": WIDTH, "height": height,
        "margin": {"l": 56, "r": 16, "t": 48, "b": 40},
        "legend": {"orientation": "h", "yanchor": "top", "y": -0.14, "xanchor": "left", "x": 0.0},
        "plot_bgcolor": "#FFFFFF", "paper_bgcolor": "#FFFFFF",
        "hoverlabel": {"font": {"family": FONT_FAMILY}},
        "xaxis": {"showgrid": False, "automargin": True, "type": "category"},
        "yaxis": {"gridcolor": GRID, "automargin": True, "ticksuffix": "%"},
    }
    layout.update(extra)
    return layout


def _target_line(layout: dict, target: float) -> None:
    """A dashed line across the plot at the target, labelled at its right end."""
    y = target * 100
    layout["shapes"] = [{"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": "y", "y0": y, "y1": y,
                         "line": {"color": TARGET_COLOUR, "width": 1.5, "dash": "dash"}}]
    layout["annotations"] = [{"xref": "paper", "x": 1, "xanchor": "right", "yref": "y", "y": y, "yanchor": "bottom",
                              "text": f"目标 {y:.0f}%", "showarrow": False,
                              "font": {"color": TARGET_COLOUR, "size": 11}}]


def axis_floor(rates: pd.Series) -> float:
    """A y-axis minimum (in %) that keeps trend lines apart: 0, or a round figure below the lowest rate."""
    lowest = pd.to_numeric(rates, errors="coerce").min()
    if is_missing(lowest):
        return 0.0
    return max(0.0, math.floor((float(lowest) - 0.05) * 10) * 10.0)


def _bar_texts(rates: pd.Series) -> dict:
    """Labels inside the bars keep clear of the target line; a bar without data shows 无数据 above the axis."""
    missing = [is_missing(r) for r in rates]
    return {
        "text": [rate_text(r) for r in rates],
        "textposition": ["outside" if m else "inside" for m in missing],
        "insidetextanchor": "end", "textangle": 0, "cliponaxis": False,
        "textfont": {"color": ["#555555" if m else "#FFFFFF" for m in missing]},
    }


def _level_colours(levels: pd.Series) -> list[str]:
    return [LEVEL_COLORS.get(level, LEVEL_COLORS[NO_DATA]) for level in levels]


def overview_chart(content: PackContent) -> dict:
    """The total's rate of every indicator against the 100 % line."""
    rows = content.figures[content.figures["grain"] == "city"].set_index("indicator")
    rows = rows.reindex([i.code for i in content.indicators])
    rates = rows["rate"].astype(float)
    bars = {"type": "bar", "orientation": "h", "y": rows["indicator_name"].tolist(),
            "x": (rates * 100).fillna(0).tolist(), "marker": {"color": _level_colours(rows["level"])},
            "hovertemplate": "%{y}：%{text}<extra></extra>", **_bar_texts(rates)}
    layout = _layout(f"{content.total_phrase}各项指标完成情况（{content.quarter.cn}，目标100%）", height=420,
                     showlegend=False, margin={"l": 170, "r": 30, "t": 48, "b": 30},
                     xaxis={"type": "linear", "range": [0, 112], "ticksuffix": "%", "gridcolor": GRID},
                     yaxis={"autorange": "reversed", "type": "category", "showgrid": False, "automargin": True})
    layout["shapes"] = [{"type": "line", "yref": "paper", "y0": 0, "y1": 1, "xref": "x", "x0": 100, "x1": 100,
                         "line": {"color": TARGET_COLOUR, "width": 1.5, "dash": "dash"}}]
    return {"data": [bars], "layout": layout}


def district_bars(content: PackContent, item: Indicator) -> dict:
    """This quarter's rate for the total and each district, coloured by finding level."""
    rows = pd.concat([content.city_row(item.code).to_frame().T, content.district_rows(item.code)], ignore_index=True)
    labels = [content.total_label, *rows["group"].iloc[1:]]
    rates = rows["rate"].astype(float)
    hover = [f"{g}：{rate_text(r)}<br>{item.numerator} {int(n):,} / {item.denominator} {int(d):,} {item.unit}"
             for g, r, n, d in zip(labels, rates, rows["numerator"], rows["denominator"])]
    bars = {"type": "bar", "x": labels, "y": (rates * 100).fillna(0).tolist(), "hovertext": hover, "hoverinfo": "text",
            "marker": {"color": _level_colours(rows["level"])}, **_bar_texts(rates)}
    layout = _layout(f"{item.name}：{content.total_phrase}{rate_text(rates.iloc[0])}（{content.quarter.cn}）",
                     showlegend=False, bargap=0.35)
    layout["yaxis"]["range"] = [0, 112]
    _target_line(layout, item.target)
    return {"data": [bars], "layout": layout}


def trend_lines(content: PackContent, item: Indicator) -> dict:
    """The last quarters' rates of the total and each district; gaps where there is no data."""
    history = content.history_of(item.code)
    history = history.assign(series=history["group"].where(history["grain"] == "district", content.total_label))
    quarters = [q.label for q in content.history_quarters]
    traces = []
    for index, name in enumerate([content.total_label, *content.districts]):
        rates = history[history["series"] == name].set_index("quarter")["rate"].reindex(quarters).astype(float)
        is_total = name == content.total_label
        traces.append({
            "type": "scatter", "mode": "lines+markers", "name": name, "x": quarters, "connectgaps": False,
            "y": [None if is_missing(r) else float(r) * 100 for r in rates],
            "line": {"width": 3.5 if is_total else 1.8, "dash": "dash" if is_total else "solid",
                     "color": "#222222" if is_total else SERIES_COLORS[(index - 1) % len(SERIES_COLORS)]},
            "marker": {"size": 6 if is_total else 5},
            "hovertemplate": f"{name}<br>%{{x}}：%{{y:.1f}}%<extra></extra>",
        })
    layout = _layout(f"{item.name}：近{len(quarters)}个季度走势", height=HEIGHT + 40)
    layout["yaxis"]["range"] = [axis_floor(history["rate"]), 104]
    _target_line(layout, item.target)
    return {"data": traces, "layout": layout}


def pack_charts(content: PackContent) -> list[PackChart]:
    """Every chart of the pack, in the order of the printable report."""
    charts = [PackChart("01_各项指标完成情况", "overview", None, overview_chart(content))]
    for n, item in enumerate(content.indicators):
        charts.append(PackChart(f"{2 * n + 2:02d}_{item.name}_各区市", "bars", item.code,
                                district_bars(content, item)))
        charts.append(PackChart(f"{2 * n + 3:02d}_{item.name}_近{len(content.history_quarters)}个季度走势", "trend",
                                item.code, trend_lines(content, item)))
    return charts
