"""Plotly charts with Chinese titles and labels, and the one way a chart is shown."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from ui.export import file_stem
from ui.style import FONT_FAMILY, LEVEL_COLORS, NO_DATA, PRIMARY, fmt_rate

SERIES_COLORS = ("#1F4E79", "#2E86C1", "#17A589", "#D68910", "#884EA0", "#CB4335", "#5D6D7E", "#A04000",
                 "#1ABC9C", "#7D3C98")
_MODEBAR_REMOVE = ["zoom2d", "pan2d", "select2d", "lasso2d", "zoomIn2d", "zoomOut2d", "autoScale2d",
                   "resetScale2d", "hoverClosestCartesian", "hoverCompareCartesian", "toggleSpikelines"]


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
    }
    kwargs = {"key": key, "config": config, "theme": None}
    if on_select is not None:
        kwargs.update(on_select=on_select, selection_mode=selection_mode)
    return st.plotly_chart(fig, **kwargs)


def _percent_range(values: pd.Series) -> list[float]:
    """An axis range that shows differences between high rates (all rates of 50 % and more: start near the lowest)."""
    present = values.dropna()
    if present.empty:
        return [0, 105]
    low, high = float(present.min()), float(present.max())
    start = 0.0 if low < 50 else max(0.0, (low - 5) // 10 * 10)
    return [start, max(104.0, high + 4)]


def rate_bars(frame: pd.DataFrame, *, category: str, title: str, target: float = 1.0,
              hover_unit: str = "") -> go.Figure:
    """Horizontal bars of `rate` per `category` (best first), coloured by `level`, with the target line.

    A category without data (denominator 0) has no bar and is labelled 无数据.
    """
    ordered = frame.assign(_has=frame["denominator"] > 0).sort_values(["_has", "rate"], ascending=[False, False])
    percent = ordered["rate"].astype(float) * 100
    axis = _percent_range(percent)
    text = [fmt_rate(r) for r in ordered["rate"]]
    hover = [f"{c}：{t}<br>分子 {n:,.0f} / 分母 {d:,.0f} {hover_unit}" for c, t, n, d in
             zip(ordered[category], text, ordered["numerator"].fillna(0), ordered["denominator"].fillna(0))]
    fig = go.Figure(go.Bar(
        y=ordered[category], x=percent, orientation="h",
        text=text, textposition="outside", cliponaxis=False,
        marker_color=[LEVEL_COLORS.get(level, LEVEL_COLORS[NO_DATA]) for level in ordered["level"]],
        hovertext=hover, hoverinfo="text",
    ))
    no_data = ordered[percent.isna().to_numpy()]
    for name in no_data[category]:
        fig.add_annotation(x=axis[0], y=name, text=NO_DATA, showarrow=False, xanchor="left",
                           font={"color": LEVEL_COLORS[NO_DATA]})
    fig.add_vline(x=target * 100, line_dash="dash", line_color="#C62828")
    fig.add_annotation(x=target * 100, y=1.0, yref="paper", yanchor="bottom", text=f"目标 {target * 100:.0f}%",
                       showarrow=False, font={"color": "#C62828", "size": 12})
    base_layout(fig, title, height=max(320, 90 + 36 * len(ordered)))
    fig.update_xaxes(range=axis, ticksuffix="%", gridcolor="#E5E8EC", showgrid=True)
    fig.update_yaxes(autorange="reversed", type="category", showgrid=False)
    fig.update_layout(bargap=0.35)
    return fig


def trend_lines(frame: pd.DataFrame, *, series: str, title: str, target: float = 1.0,
                highlight: str | None = None) -> go.Figure:
    """Lines of `rate` over `quarter` per `series`; gaps where there is no data."""
    fig = go.Figure()
    for index, (name, group) in enumerate(frame.groupby(series, sort=False)):
        emphasised = highlight is not None and name == highlight
        fig.add_trace(go.Scatter(
            x=group["quarter"], y=group["rate"].astype(float) * 100, name=str(name), mode="lines+markers",
            line={"width": 4 if emphasised else 2, "dash": "dash" if name == "全市" else "solid",
                  "color": "#222222" if name == "全市" else SERIES_COLORS[index % len(SERIES_COLORS)]},
            hovertemplate=f"{name}<br>%{{x}}：%{{y:.1f}}%<extra></extra>",
            connectgaps=False,
        ))
    fig.add_hline(y=target * 100, line_dash="dot", line_color="#C62828",
                  annotation_text=f"目标 {target * 100:.0f}%", annotation_position="top left")
    base_layout(fig, title, height=420)
    fig.update_xaxes(type="category")
    fig.update_yaxes(range=_percent_range(frame["rate"].astype(float) * 100), ticksuffix="%")
    return fig


def count_bars(frame: pd.DataFrame, *, x: str, ys: list[str], title: str, colors: list[str] | None = None,
               stacked: bool = True, horizontal: bool = False, y_title: str = "数量",
               height: int = 360) -> go.Figure:
    fig = go.Figure()
    for index, column in enumerate(ys):
        color = (colors or SERIES_COLORS)[index % len(colors or SERIES_COLORS)]
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
    return fig


def donut(labels: list[str], values: list[float], *, title: str, colors: list[str] | None = None,
          height: int = 340) -> go.Figure:
    fig = go.Figure(go.Pie(labels=labels, values=values, hole=0.55, sort=False,
                           marker={"colors": colors} if colors else None,
                           texttemplate="%{label}<br>%{value}", hovertemplate="%{label}：%{value}（%{percent}）<extra></extra>"))
    base_layout(fig, title, height=height)
    fig.update_layout(showlegend=False)
    return fig


# Log calendar cells: 0 no log and none due, 1 due but missing, 2 filed on a due day, 3 filed on a weekend.
_CALENDAR_STATES = ("无需填报", "应填未填", "已填报", "周末已填报")
_CALENDAR_COLORS = ("#EEEEEE", "#E57373", "#43A047", "#A5D6A7")
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
    for state, color in zip(_CALENDAR_STATES, _CALENDAR_COLORS):
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=state,
                                 marker={"size": 12, "symbol": "square", "color": color}))
    fig.update_layout(showlegend=True)


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
    _calendar_legend(fig)
    base_layout(fig, title, height=320)
    fig.update_yaxes(autorange="reversed", showgrid=False)
    fig.update_xaxes(type="category", tickangle=-45)
    return fig


def log_heatmap(calendar: pd.DataFrame, *, title: str, row_label: str = "驻点人员") -> go.Figure:
    """Several supervisors: one row each (in the calendar's order), one column per day of the quarter."""
    frame = calendar.assign(state=_calendar_state(calendar),
                            day=pd.to_datetime(calendar["日期"]).dt.strftime("%m-%d"))
    frame = frame.assign(hover=frame[row_label] + " " + frame["day"] + "："
                         + frame["state"].map(dict(enumerate(_CALENDAR_STATES))))
    rows = list(dict.fromkeys(frame[row_label]))
    z = frame.pivot_table(index=row_label, columns="day", values="state", aggfunc="max").reindex(index=rows)
    text = frame.pivot_table(index=row_label, columns="day", values="hover", aggfunc="first").reindex(index=rows)
    fig = go.Figure(go.Heatmap(z=z.values, x=list(z.columns), y=rows, text=text.values, hoverinfo="text",
                               colorscale=_discrete_scale(), zmin=-0.5, zmax=len(_CALENDAR_STATES) - 0.5,
                               showscale=False, xgap=1, ygap=2))
    _calendar_legend(fig)
    base_layout(fig, title, height=max(260, 120 + 22 * len(rows)))
    fig.update_yaxes(autorange="reversed", showgrid=False, type="category")
    fig.update_xaxes(type="category", tickangle=-90, nticks=20)
    return fig
