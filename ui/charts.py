"""Plotly charts with Chinese titles and labels, and the one way a chart is shown.

One rule for every rate: a 0–100% axis; a bar prints its value and n, a trend line prints none (its values are in
the hover). A rate whose denominator is below `SMALL_N` (`is_small`) is a hollow dot with its n, never joined into
a line, or a faint bar.
Colours are fixed per finding level, per state (`STATE_COLORS`) and per district (`district_color`),
the same on every page and in the meeting pack; a district user's own district is drawn emphasised.
"""
from __future__ import annotations

import functools
from typing import Callable

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from streamlit.runtime.caching.cache_errors import UnhashableParamError

from core.presentation import CITY_COLOR, RATE_AXIS, SERIES_COLORS, SMALL_N, STATE_COLORS, district_color, \
    is_small, n_text, rate_label, state_color
from metrics.scope import CITY, SELECTION
from ui.export import file_stem
from ui.style import FONT_FAMILY, LEVEL_COLORS, NO_DATA, PRIMARY, fmt_rate

_MODEBAR_REMOVE = ["zoom2d", "pan2d", "select2d", "lasso2d", "zoomIn2d", "zoomOut2d", "autoScale2d",
                   "resetScale2d", "hoverClosestCartesian", "hoverCompareCartesian", "toggleSpikelines"]
# Plotly's own words (the modebar's button titles and notices) in Chinese: Plotly looks each one up in the
# dictionary of the chart's locale.
_PLOTLY_WORDS = {
    "Download plot as a PNG": "下载图表图片（PNG）", "Download plot": "下载图表图片", "Reset axes": "复原坐标轴",
    "Reset views": "复原视图", "Reset view": "复原视图", "Zoom": "缩放", "Pan": "平移", "Zoom in": "放大",
    "Zoom out": "缩小", "Autoscale": "自动缩放", "Box Select": "框选", "Lasso Select": "套索选择",
    "Toggle Spike Lines": "显示或隐藏辅助线", "Show closest data on hover": "悬停显示最近的数据",
    "Compare data on hover": "悬停比较数据", "Taking snapshot - this may take a few seconds": "正在生成图片，请稍候",
    "Snapshot succeeded": "图片已生成", "Sorry, there was a problem downloading your snapshot!": "图片下载失败，请重试",
    "Double-click to zoom back out": "双击复原", "Click to enter Plot title": "", "Click to enter X axis title": "",
    "Click to enter Y axis title": "", "Download plot as a svg": "下载图表图片（SVG）",
}
PLOTLY_LOCALE = {"locale": "zh-CN", "locales": {"zh-CN": {"dictionary": _PLOTLY_WORDS}}}
SMALL_N_NOTE = f"分母少于 {SMALL_N} 的比率只画空心点并标出 n，不连线（样本太少，一两项就能使比率在 0 与 100% 之间跳动）。"


# Frames from this many rows on are hashed by a sample (Streamlit's rule): a figure of one is built afresh.
_SAMPLED_ROWS = 50_000
_KEPT_FIGURES: list = []


def kept_figure(build: Callable[..., go.Figure]) -> Callable[..., go.Figure]:
    """`build` (a chart made from its arguments alone), kept per its arguments, frames by their content: a page
    drawn again from the same data shows the figures it built before instead of building them again (a Plotly
    figure takes tens of milliseconds to build). The figure is shared: it is only shown (`show_chart`), never
    changed."""
    kept = st.cache_resource(show_spinner=False, max_entries=500)(build)
    _KEPT_FIGURES.append(kept)

    @functools.wraps(build)
    def figure(*args, **kwargs) -> go.Figure:
        if any(isinstance(value, pd.DataFrame) and len(value) >= _SAMPLED_ROWS for value in (*args, *kwargs.values())):
            return build(*args, **kwargs)
        try:
            return kept(*args, **kwargs)
        except UnhashableParamError:
            return build(*args, **kwargs)

    return figure


def forget_figures() -> None:
    """Drop every kept figure (the benchmarks measure a render that builds them)."""
    for kept in _KEPT_FIGURES:
        kept.clear()


def base_layout(fig: go.Figure, title: str, *, height: int = 380, x_title: str | None = None,
                y_title: str | None = None) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0.01, "font": {"size": 16, "color": PRIMARY}},
        font={"family": FONT_FAMILY, "size": 13},
        height=height,
        margin={"l": 70, "r": 20, "t": 56, "b": 30},
        legend={"orientation": "h", "yanchor": "top", "y": -0.18, "xanchor": "left", "x": 0.0, "title": None},
        plot_bgcolor="#FFFFFF",
        separators=".,",
        hoverlabel={"font": {"family": FONT_FAMILY}},
    )
    fig.update_xaxes(title=x_title, showgrid=False, automargin=True)
    fig.update_yaxes(title=y_title, gridcolor="#E5E8EC", automargin=True)
    return fig


def show_chart(fig: go.Figure, *file_parts: object, key: str | None = None, on_select=None,
               selection_mode=("points",)):
    """Show a chart; its PNG download is named after `file_parts` (e.g. 指标名_区市_季度)."""
    config = {
        "displaylogo": False,
        "modeBarButtonsToRemove": _MODEBAR_REMOVE,
        "toImageButtonOptions": {"format": "png", "filename": file_stem(*file_parts), "scale": 2},
        **PLOTLY_LOCALE,
    }
    kwargs = {"key": key, "config": config, "theme": None}
    if on_select is not None:
        kwargs.update(on_select=on_select, selection_mode=selection_mode)
    return st.plotly_chart(fig, **kwargs)


def rate_axis(fig: go.Figure, axis: str) -> None:
    """The one axis rule for rates: 0–100%, gridlines every 20 points."""
    update = fig.update_xaxes if axis == "x" else fig.update_yaxes
    update(range=list(RATE_AXIS), ticksuffix="%", tick0=0, dtick=20, gridcolor="#E5E8EC", showgrid=True,
           zeroline=False)


def emphasised_labels(names: list[str], highlight: str | None) -> list[str]:
    """Category labels with a district user's own district marked: <b>文登区（本区市）</b>."""
    return [f"<b>{name}（本区市）</b>" if name == highlight else name for name in names]


def _faint(color: str) -> str:
    """`color` (#RRGGBB) mixed half with white."""
    red, green, blue = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{(c + 255) // 2:02X}" for c in (red, green, blue))


@kept_figure
def rate_bars(frame: pd.DataFrame, *, category: str, title: str, target: float = 1.0,
              hover_unit: str = "", highlight: str | None = None) -> go.Figure:
    """Horizontal bars of `rate` per `category` (best first), coloured by `level`, on a 0–100% axis with the
    rate and n printed; the target line; `highlight` (a district user's own district) outlined and named.

    A category without data (denominator 0) has no bar and is labelled 无数据; a bar whose n is below
    SMALL_N is drawn faint.
    """
    ordered = frame.assign(_has=frame["denominator"] > 0).sort_values(["_has", "rate"], ascending=[False, False])
    names = list(ordered[category])
    percent = ordered["rate"].astype(float) * 100
    denominators = ordered["denominator"].fillna(0)
    text = [rate_label(r, d, with_n=True) for r, d in zip(ordered["rate"], denominators)]
    hover = [f"{c}：{fmt_rate(r)}<br>分子 {n:,.0f} / 分母 {d:,.0f} {hover_unit}" for c, r, n, d in
             zip(names, ordered["rate"], ordered["numerator"].fillna(0), denominators)]
    fig = go.Figure(go.Bar(
        y=names, x=percent, orientation="h",
        # the value inside the bar's end (clear of the target line), outside a bar too short to hold it
        text=[t if d > 0 else "" for t, d in zip(text, denominators)], cliponaxis=False, insidetextanchor="end",
        textposition=["inside" if p >= 45 else "outside" for p in percent.fillna(0)],
        insidetextfont={"color": ["#333333" if is_small(d) else "#FFFFFF" for d in denominators]},
        outsidetextfont={"color": "#333333"},
        # a faint bar is a lighter colour, not a lower opacity: Plotly selects no bar when opacities vary
        marker={"color": [_faint(LEVEL_COLORS.get(level, LEVEL_COLORS[NO_DATA])) if is_small(d) else
                          LEVEL_COLORS.get(level, LEVEL_COLORS[NO_DATA]) for level, d in zip(ordered["level"], denominators)],
                "line": {"color": "#111111", "width": [3 if n == highlight else 0 for n in names]}},
        hovertext=hover, hoverinfo="text",
    ))
    for name, d in zip(names, denominators):
        if d == 0:
            fig.add_annotation(x=RATE_AXIS[0], y=name, text=NO_DATA, showarrow=False, xanchor="left",
                               font={"color": LEVEL_COLORS[NO_DATA]})
    fig.add_vline(x=target * 100, line_dash="dash", line_color="#C62828")
    fig.add_annotation(x=target * 100, y=1.0, yref="paper", yanchor="bottom", text=f"目标 {target * 100:.0f}%",
                       showarrow=False, font={"color": "#C62828", "size": 12})
    base_layout(fig, title, height=max(320, 90 + 36 * len(ordered)))
    fig.update_layout(bargap=0.35, margin={"r": 130})
    rate_axis(fig, "x")
    fig.update_yaxes(autorange="reversed", type="category", showgrid=False, tickmode="array", tickvals=names,
                     ticktext=emphasised_labels(names, highlight))
    return fig


def series_color(name: str, index: int, by_district: bool) -> str:
    if name in (CITY, SELECTION):
        return CITY_COLOR
    return district_color(name) if by_district else SERIES_COLORS[index % len(SERIES_COLORS)]


@kept_figure
def trend_lines(frame: pd.DataFrame, *, series: str, title: str, target: float = 1.0,
                highlight: str | None = None, by_district: bool = False) -> go.Figure:
    """Lines of `rate` over `quarter` per `series` on a 0–100% axis; gaps where there is no data.

    A quarter whose denominator is below SMALL_N is a hollow dot labelled with its n, not part of the line.
    `by_district`: each district in its fixed colour, the total (全市, 所选区市合计) black and dashed;
    `highlight` (a district user's own district) drawn thick, the other districts faint.
    """
    fig = go.Figure()
    for index, (name, group) in enumerate(frame.groupby(series, sort=False)):
        total = name in (CITY, SELECTION)
        color = series_color(name, index, by_district)
        faint = highlight is not None and name != highlight and not total
        width = 4 if name == highlight else 2
        rate = group["rate"].astype(float) * 100
        n = group["denominator"].fillna(0)
        small = n.map(is_small).astype(bool)
        line = rate.where((n > 0) & ~small)
        # no value printed at a line's end: with several lines close together such labels cover the lines and
        # each other; the values are in the hover (every line's at once) and, on 区市对比, in a table
        fig.add_trace(go.Scatter(
            x=group["quarter"], y=line, name=str(name), legendgroup=str(name),
            mode="lines+markers", opacity=0.35 if faint else 1.0, customdata=n,
            line={"width": width, "dash": "dash" if total else "solid", "color": color},
            # one hover box per quarter lists every line (hovermode "x unified"), the quarter as its heading
            hovertemplate=f"{name}：%{{y:.1f}}%（n=%{{customdata:,}}）<extra></extra>",
            connectgaps=False, cliponaxis=False,
        ))
        small &= rate.notna()
        if small.any():
            fig.add_trace(go.Scatter(
                x=group["quarter"][small], y=rate[small], name=str(name), legendgroup=str(name), showlegend=False,
                mode="markers+text", opacity=0.35 if faint else 1.0, customdata=n[small],
                marker={"symbol": "circle-open", "size": 11, "color": color, "line": {"width": 2}},
                text=[n_text(v) for v in n[small]], textposition="top center", textfont={"size": 11, "color": color},
                hovertemplate=f"{name}：%{{y:.1f}}%（n=%{{customdata:,}}，样本少）<extra></extra>",
                cliponaxis=False,
            ))
    # the target line named in the legend, not written on the chart where it would sit on the 100% tick
    fig.add_hline(y=target * 100, line_dash="dot", line_color="#C62828")
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name=f"目标 {target * 100:.0f}%", hoverinfo="skip",
                             line={"dash": "dot", "color": "#C62828", "width": 2}))
    base_layout(fig, title, height=420)
    fig.update_layout(hovermode="x unified")
    fig.update_xaxes(type="category")
    rate_axis(fig, "y")
    return fig


@kept_figure
def count_bars(frame: pd.DataFrame, *, x: str, ys: list[str], title: str, colors: list[str] | None = None,
               stacked: bool = True, horizontal: bool = False, y_title: str = "数量",
               height: int = 360) -> go.Figure:
    fig = go.Figure()
    for index, column in enumerate(ys):
        if colors:
            color = colors[index % len(colors)]
        else:  # a state keeps its colour on every chart
            color = state_color(column) if column in STATE_COLORS else SERIES_COLORS[index % len(SERIES_COLORS)]
        values = frame[column]
        if horizontal:
            fig.add_trace(go.Bar(y=frame[x], x=values, name=column, orientation="h", marker_color=color,
                                 hovertemplate=f"%{{y}}<br>{column}：%{{x}}<extra></extra>"))
        else:
            fig.add_trace(go.Bar(x=frame[x], y=values, name=column, marker_color=color,
                                 hovertemplate=f"%{{x}}<br>{column}：%{{y}}<extra></extra>"))
    fig.update_layout(barmode="stack" if stacked else "group")
    if horizontal:
        base_layout(fig, title, x_title=y_title, height=height)
        fig.update_yaxes(autorange="reversed", title=None)
        fig.update_xaxes(gridcolor="#E5E8EC")
    else:
        base_layout(fig, title, y_title=y_title, height=height)
    # the legend at the top right, in the order the series were given: clear of the axis title below
    fig.update_layout(legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1.0,
                              "traceorder": "normal"})
    return fig


@kept_figure
def donut(labels: list[str], values: list[float], *, title: str, colors: list[str] | None = None,
          height: int = 340) -> go.Figure:
    fig = go.Figure(go.Pie(labels=labels, values=values, hole=0.55, sort=False,
                           marker={"colors": colors or [state_color(label) for label in labels]},
                           texttemplate="%{label}<br>%{value}", hovertemplate="%{label}：%{value}（%{percent}）<extra></extra>"))
    base_layout(fig, title, height=height)
    fig.update_layout(showlegend=False)
    return fig


# Log calendar cells: 0 no log and none due, 1 due but missing, 2 filed on a due day, 3 filed on a weekend.
_CALENDAR_STATES = ("无需填报", "应填未填", "已填报", "周末已填报")
_CALENDAR_COLORS = tuple(STATE_COLORS[state] for state in _CALENDAR_STATES)
_WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


def _calendar_state(calendar: pd.DataFrame) -> pd.Series:
    filed = calendar["日志条数"] > 0
    due = calendar["应填报"].astype(bool)
    state = pd.Series(0, index=calendar.index)
    state = state.mask(due & ~filed, 1).mask(due & filed, 2).mask(~due & filed, 3)
    return state


def _discrete_scale() -> list:
    n = len(_CALENDAR_COLORS)
    scale = []
    for index, color in enumerate(_CALENDAR_COLORS):
        scale += [[index / n, color], [(index + 1) / n, color]]
    return scale


def _calendar_legend(fig: go.Figure) -> None:
    """The states' legend above the grid, under the title (below it, it would cover the day labels)."""
    for state, color in zip(_CALENDAR_STATES, _CALENDAR_COLORS):
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=state,
                                 marker={"size": 12, "symbol": "square", "color": color}))
    fig.update_layout(showlegend=True, margin={"t": 92, "b": 10},
                      legend={"orientation": "h", "yanchor": "bottom", "y": 1.01, "xanchor": "left", "x": 0.0})


@kept_figure
def log_calendar(calendar: pd.DataFrame, *, title: str) -> go.Figure:
    """One supervisor's quarter as a calendar: weeks across, weekdays down."""
    frame = calendar.assign(
        state=_calendar_state(calendar),
        week=pd.to_datetime(calendar["日期"]).dt.to_period("W-SUN").dt.start_time.dt.strftime("%m月%d日起"),
        weekday=calendar["星期"].map(lambda d: _WEEKDAYS[int(d) - 1]),
        label=pd.to_datetime(calendar["日期"]).dt.strftime("%Y年%m月%d日"),
    )
    frame = frame.drop_duplicates(["week", "weekday"])
    z = frame.pivot(index="weekday", columns="week", values="state").reindex(index=list(_WEEKDAYS))
    text = frame.assign(hover=frame["label"] + "：" + frame["state"].map(dict(enumerate(_CALENDAR_STATES)))
                        + "（日志 " + frame["日志条数"].astype(str) + " 条）") \
        .pivot(index="weekday", columns="week", values="hover").reindex(index=list(_WEEKDAYS))
    fig = go.Figure(go.Heatmap(z=z.values, x=list(z.columns), y=list(z.index), text=text.values,
                               hoverinfo="text", colorscale=_discrete_scale(), zmin=-0.5,
                               zmax=len(_CALENDAR_STATES) - 0.5, showscale=False, xgap=3, ygap=3))
    base_layout(fig, title, height=340)
    _calendar_legend(fig)
    fig.update_yaxes(autorange="reversed", showgrid=False)
    fig.update_xaxes(type="category", tickangle=-45)
    return fig


@kept_figure
def log_heatmap(calendar: pd.DataFrame, *, title: str, row_label: str = "驻点人员") -> go.Figure:
    """Several supervisors: one row each (in the calendar's order), one column per day of the quarter."""
    frame = calendar.assign(state=_calendar_state(calendar),
                            day=pd.to_datetime(calendar["日期"]).dt.strftime("%m-%d"))
    frame = frame.assign(hover=frame[row_label] + " " + frame["day"] + "："
                         + frame["state"].map(dict(enumerate(_CALENDAR_STATES))))
    rows = list(dict.fromkeys(frame[row_label].tolist()))
    z = frame.pivot_table(index=row_label, columns="day", values="state", aggfunc="max").reindex(index=rows)
    text = frame.pivot_table(index=row_label, columns="day", values="hover", aggfunc="first").reindex(index=rows)
    fig = go.Figure(go.Heatmap(z=z.values, x=list(z.columns), y=rows, text=text.values, hoverinfo="text",
                               colorscale=_discrete_scale(), zmin=-0.5, zmax=len(_CALENDAR_STATES) - 0.5,
                               showscale=False, xgap=1, ygap=2))
    base_layout(fig, title, height=max(280, 150 + 22 * len(rows)))
    _calendar_legend(fig)
    fig.update_yaxes(autorange="reversed", showgrid=False, type="category")
    fig.update_xaxes(type="category", tickangle=-90, nticks=20)
    return fig
