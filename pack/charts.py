"""The pack's plotly charts (for the printable report and the PNG images), in the dashboard's style.

Each chart is a plain plotly figure dict: the report and kaleido take dicts as they are, and
building them skips plotly's validation, which costs more than everything else in the report.
`plotly.graph_objects.Figure(chart.figure)` gives a Figure where one is needed.

The dashboard's rules (core.presentation, as ui/charts.py draws them): every rate on the 0–100% axis with its
value printed; bars coloured by finding level; in a trend, the total (全市, or 所选区市合计) black and dashed
and each district in its fixed colour; a rate on fewer than SMALL_N items printed with its n (a faint bar, a
hollow dot off the line).
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from metrics.indicators import Indicator
from pack.content import PackContent
from core.presentation import CITY_COLOR, FONT_FAMILY, LEVEL_COLORS, NO_DATA, PRIMARY, RATE_AXIS, SMALL_N, \
    district_color, is_missing, is_small, n_text, rate_label, rate_text

WIDTH, HEIGHT = 680, 300  # the printable report's column: A4 less 15 mm margins, at 96 dpi
TARGET_COLOUR = "#C62828"
GRID = "#E5E8EC"
INSIDE_FROM = 45  # a bar at least this long (in %) holds its label inside its end; a shorter one has it outside
FAINT = 0.45  # the opacity of a bar whose denominator is below SMALL_N


@dataclass(frozen=True)
class PackChart:
    name: str  # file name stem, e.g. 02_持证上岗率_各区市
    kind: str  # "overview", "bars" or "trend"
    code: str | None  # the indicator (None for the overview)
    figure: dict  # a plotly figure: {"data": [...], "layout": {...}}


def rate_axis() -> dict:
    """The one axis rule for rates (core.presentation.RATE_AXIS): 0–100%, gridlines every 20 points."""
    return {"type": "linear", "range": list(RATE_AXIS), "ticksuffix": "%", "tick0": 0, "dtick": 20,
            "gridcolor": GRID, "showgrid": True, "zeroline": False, "automargin": True}


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
        "yaxis": rate_axis(),
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


def _bar_texts(rates: pd.Series, denominators: pd.Series) -> dict:
    """The value printed on every bar: inside a long bar's end (clear of the target line), outside a short one;
    无数据 above the axis where there is no bar."""
    percent = [0.0 if is_missing(r) else float(r) * 100 for r in rates]
    missing = [is_missing(r) for r in rates]
    return {
        "text": [rate_label(r, d) for r, d in zip(rates, denominators)],
        "textposition": ["inside" if p >= INSIDE_FROM and not m else "outside" for p, m in zip(percent, missing)],
        "insidetextanchor": "end", "textangle": 0, "cliponaxis": False,
        # dark on a faint bar, white on a full one
        "insidetextfont": {"color": ["#333333" if is_small(d) else "#FFFFFF" for d in denominators]},
        "outsidetextfont": {"color": "#333333"},
    }


def _bar_marker(levels: pd.Series, denominators: pd.Series) -> dict:
    """Coloured by finding level (LEVEL_COLORS, as on the dashboard); a bar on fewer than SMALL_N items faint."""
    return {"color": [LEVEL_COLORS.get(level, LEVEL_COLORS[NO_DATA]) for level in levels],
            "opacity": [FAINT if is_small(d) else 1.0 for d in denominators]}


def overview_chart(content: PackContent) -> dict:
    """The total's rate of every indicator on the 0–100% axis, the value printed on each bar."""
    rows = content.figures[content.figures["grain"] == "city"].set_index("indicator")
    rows = rows.reindex([i.code for i in content.indicators])
    rates = rows["rate"].astype(float)
    bars = {"type": "bar", "orientation": "h", "y": rows["indicator_name"].tolist(),
            "x": (rates * 100).fillna(0).tolist(), "marker": _bar_marker(rows["level"], rows["denominator"]),
            "hovertemplate": "%{y}：%{text}<extra></extra>", **_bar_texts(rates, rows["denominator"])}
    layout = _layout(f"{content.total_phrase}各项指标完成情况（{content.quarter.cn}，目标100%）", height=420,
                     showlegend=False, margin={"l": 170, "r": 30, "t": 48, "b": 30}, xaxis=rate_axis(),
                     yaxis={"autorange": "reversed", "type": "category", "showgrid": False, "automargin": True})
    layout["shapes"] = [{"type": "line", "yref": "paper", "y0": 0, "y1": 1, "xref": "x", "x0": 100, "x1": 100,
                         "line": {"color": TARGET_COLOUR, "width": 1.5, "dash": "dash"}}]
    return {"data": [bars], "layout": layout}


def district_bars(content: PackContent, item: Indicator) -> dict:
    """This quarter's rate for the total and each district, coloured by finding level, the value printed."""
    rows = pd.concat([content.city_row(item.code).to_frame().T, content.district_rows(item.code)], ignore_index=True)
    labels = [content.total_label, *rows["group"].iloc[1:]]
    rates = rows["rate"].astype(float)
    hover = [f"{g}：{rate_text(r)}<br>{item.numerator} {int(n):,} / {item.denominator} {int(d):,} {item.unit}"
             for g, r, n, d in zip(labels, rates, rows["numerator"], rows["denominator"])]
    bars = {"type": "bar", "x": labels, "y": (rates * 100).fillna(0).tolist(), "hovertext": hover, "hoverinfo": "text",
            "marker": _bar_marker(rows["level"], rows["denominator"]), **_bar_texts(rates, rows["denominator"])}
    layout = _layout(f"{item.name}：{content.total_phrase}{rate_text(rates.iloc[0])}（{content.quarter.cn}）",
                     showlegend=False, bargap=0.35)
    _target_line(layout, item.target)
    return {"data": [bars], "layout": layout}


def series_color(content: PackContent, name: str) -> str:
    """The total (全市 or 所选区市合计) black, each district its fixed colour (core.presentation.district_color)."""
    return CITY_COLOR if name == content.total_label else district_color(name)


def trend_lines(content: PackContent, item: Indicator) -> dict:
    """The last quarters' rates of the total and each district on the 0–100% axis; gaps where there is no data.

    A quarter whose denominator is below SMALL_N is a hollow dot labelled with its n, not part of the line; the
    total's latest rate is printed at its end.
    """
    history = content.history_of(item.code)
    history = history.assign(series=history["group"].where(history["grain"] == "district", content.total_label))
    quarters = [q.label for q in content.history_quarters]
    traces = []
    for name in [content.total_label, *content.districts]:
        rows = history[history["series"] == name].set_index("quarter").reindex(quarters)
        rates = rows["rate"].astype(float) * 100
        n = rows["denominator"].astype(float).fillna(0)
        small = [is_small(d) and not is_missing(r) for r, d in zip(rates, n)]
        line = [None if is_missing(r) or s or d == 0 else float(r) for r, d, s in zip(rates, n, small)]
        is_total = name == content.total_label
        color = series_color(content, name)
        last = max((i for i, v in enumerate(line) if v is not None), default=None) if is_total else None
        traces.append({
            "type": "scatter", "mode": "lines+markers+text" if last is not None else "lines+markers", "name": name,
            "x": quarters, "y": line, "connectgaps": False, "cliponaxis": False,
            "text": [f"{v:.1f}%" if i == last else "" for i, v in enumerate(line)] if last is not None else None,
            "textposition": "bottom center", "textfont": {"color": color, "size": 11},
            "line": {"width": 3.5 if is_total else 1.8, "dash": "dash" if is_total else "solid", "color": color},
            "marker": {"size": 6 if is_total else 5, "color": color},
            "legendgroup": name,
            "hovertemplate": f"{name}<br>%{{x}}：%{{y:.1f}}%<extra></extra>",
        })
        if any(small):
            picked = [i for i, s in enumerate(small) if s]
            traces.append({
                "type": "scatter", "mode": "markers+text", "name": name, "legendgroup": name, "showlegend": False,
                "x": [quarters[i] for i in picked], "y": [float(rates.iloc[i]) for i in picked], "cliponaxis": False,
                "marker": {"symbol": "circle-open", "size": 10, "color": color, "line": {"width": 2}},
                # only the total's n is printed: nine districts' labels on one quarter cover each other
                "text": [n_text(n.iloc[i]) if is_total else "" for i in picked], "textposition": "top center",
                "textfont": {"color": color, "size": 10}, "customdata": [int(n.iloc[i]) for i in picked],
                "hovertemplate": f"{name}<br>%{{x}}：%{{y:.1f}}%（n=%{{customdata}}，样本少）<extra></extra>",
            })
    layout = _layout(f"{item.name}：近{len(quarters)}个季度走势", height=HEIGHT + 40)
    _target_line(layout, item.target)
    if any(trace["mode"] == "markers+text" for trace in traces):
        layout["title"]["text"] += f"　<span style='font-size:11px;color:#666666'>空心点：该季度分母不足{SMALL_N}，不连线</span>"
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
