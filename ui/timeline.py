"""直通车 and 一企一策 sections, drawn the same way on every page that shows them.

`escalation_section`: the major hazards and 移交 items with where each stands, and the chosen item's
timeline (发现 → 上报 → 立案 → 整改 → 验收销号, or 发现 → 移交 → 办结) on a date axis. `retrofit_section`:
一企一策 智能化改造 progress by district, or one enterprise's projects, with the late projects' watch list.
"""
from __future__ import annotations

from datetime import date

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from core.policy import Quote
from core.settings import setting
from metrics import api, escalation, retrofit
from ui import data, layout
from ui.charts import base_layout, count_bars, kept_figure, show_chart
from ui.filters import Filters
from ui.text import chart_text, plain

DIRECT_LINE = Quote("三（三）", "对重大隐患要直报具有相应执法权的单位，提请启动执法程序，督促企业按时整改。"
                               "发现问题或隐患不属于工业和信息化部门职责权限范围内的，要及时移交具有安全监管职责的部门处理，"
                               "并盯紧抓好整改落实")
RETROFIT = Quote("二（七）", "开展企业智能化诊断，编制“一企一策”改造方案，实施关键岗位“机器换人、自动化减人、智能化改造”")

BREACH, GAP, DONE, OPEN, IDLE = "#C62828", "#F59E0B", "#43A047", "#1F4E79", "#9E9E9E"


def state_colour(state: str) -> str:
    if state in escalation.BREACH_STATES:
        return BREACH
    if state in escalation.GAP_STATES:
        return GAP
    if state in escalation.DONE_STATES:
        return DONE
    return OPEN if state in escalation.OPEN_STATES else IDLE


def _label(day, state: str, days) -> str:
    when = f"{day:%Y-%m-%d} " if isinstance(day, date) else ""
    took = "" if pd.isna(days) else f"（{int(days)}天）"
    return f"{when}{state}{took}"


@kept_figure
def timeline_figure(stages: pd.DataFrame, *, as_of: date, title: str) -> go.Figure:
    """One item's stages, top to bottom, on a date axis: a filled dot on each stage's date (green on time, red
    past its limit, amber a data gap), a hollow dot at the as-of date for a stage still open, a grey diamond
    on each limit date, and a line through the dated stages in order."""
    stages = stages.sort_values("环节序号")
    names = list(stages["环节"])
    found = stages["日期"].iloc[0]
    fig = go.Figure()
    dated = stages[stages["日期"].notna()]
    fig.add_trace(go.Scatter(x=list(dated["日期"]), y=list(dated["环节"]), mode="lines",
                             line={"color": "#B0BEC5", "width": 2}, hoverinfo="skip", showlegend=False))
    limits = stages[stages["时限日期"].notna()]
    fig.add_trace(go.Scatter(
        x=list(limits["时限日期"]), y=list(limits["环节"]), mode="markers", name="时限",
        marker={"symbol": "diamond-open", "size": 13, "color": "#607D8B", "line": {"width": 2}},
        hovertext=[f"{s}时限：{d:%Y-%m-%d}（{int(n)}天）" for s, d, n in
                   zip(limits["环节"], limits["时限日期"], limits["时限（天）"])], hoverinfo="text"))
    for _, row in stages.iterrows():
        has_date = isinstance(row["日期"], date)
        still_open = not has_date and row["状态"] not in escalation.IDLE_STATES and row["状态"] != "已记录"
        x = row["日期"] if has_date else (as_of if still_open else found)
        party = "" if pd.isna(row["单位或人员"]) else f"<br>{chart_text(row['单位或人员'])}"
        note = f"<br>{chart_text(row['说明'])}" if row["说明"] else ""
        fig.add_trace(go.Scatter(
            x=[x], y=[row["环节"]], mode="markers+text", showlegend=False,
            marker={"size": 15, "color": state_colour(row["状态"]),
                    "symbol": "circle" if has_date else ("circle-open" if still_open else "square-open"),
                    "line": {"width": 3, "color": state_colour(row["状态"])}},
            text=[chart_text(_label(row["日期"], row["状态"], row["天数"]))], textposition="middle right",
            hovertext=[f"{row['环节']}：{chart_text(row['状态'])}{party}{note}"], hoverinfo="text",
            cliponaxis=False))
    fig.add_vline(x=as_of.isoformat(), line_dash="dot", line_color="#90A4AE")
    fig.add_annotation(x=as_of.isoformat(), y=1.0, yref="paper", yanchor="bottom",
                       text=f"截至 {as_of:%Y-%m-%d}", showarrow=False, font={"color": "#607D8B", "size": 12})
    base_layout(fig, title, height=110 + 52 * len(names))
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=names[::-1], showgrid=False)
    fig.update_xaxes(type="date", tickformat="%Y-%m-%d", showgrid=True, gridcolor="#EEF1F4")
    # the legend right under the date ticks, whatever the number of rows (a height-relative place drifts away)
    fig.update_layout(margin={"r": 170, "b": 58},
                      legend={"yref": "container", "y": 0, "yanchor": "bottom", "x": 0, "xanchor": "left"})
    return fig


def _item_label(row) -> str:
    return f"{row['类别']} {row['隐患编号']}　{row['企业名称']}　{row['当前环节']}"


def escalation_section(f: Filters, *, key: str, credit_code: str | None = None,
                       districts: list[str] | None = None, history: bool = False) -> None:
    """The 直通车 items of the scope (or of one enterprise), a table of where each stands and the chosen one's
    timeline. On an enterprise's profile pass its credit code, its district and `history` (all its items)."""
    chosen = districts if districts is not None else f.district_list
    items = data.query(escalation.escalation_items, f.quarter, as_of=f.as_of, districts=chosen,
                       credit_code=credit_code, history=history)
    limits = (f"上报时限 {setting('indicators.major_hazard_report_days')} 天（发现后）、整改以各隐患的整改期限为限、"
              f"验收销号时限 {setting('escalation.close_days')} 天（整改完成后）、移交办结时限 "
              f"{setting('watch.transfer_reply_days')} 天（移交后）")
    st.caption(plain(f"依据：{DIRECT_LINE.cited} 时限：{limits}；台账不记立案日期，立案环节只列执法立案情况。"))
    if items.empty:
        layout.no_data("没有需要跟踪的重大隐患或移交事项。" if credit_code else
                       f"{f.quarter.cn}没有需要跟踪的重大隐患或移交事项（截至 {f.as_of_label}）。")
        return
    breached = int((items["超时环节"] != "").sum())
    counts = [("跟踪的重大隐患", int((items["类别"] == "重大隐患").sum())),
              ("跟踪的移交事项", int((items["类别"] == "移交事项").sum())),
              ("有超时环节", breached), ("有数据缺口", int((items["数据缺口"] != "").sum()))]
    # A quarter's view counts the items tracked in the quarter; an enterprise's history every item up to the as-of date.
    period = f.cumulative if history else layout.period_text(f, layout.QUARTER)
    tracked = (f"截至 {f.as_of_label} 发现的全部事项。" if history else
               "本季度内仍在跟踪的事项：含以前季度发现、本季度开始时尚未销号（移交事项尚未办结）的。")
    for column, (label, value) in zip(st.columns(len(counts)), counts):
        layout.count_card(column, label, value, period,
                          help=tracked + ("超时环节按截至日期判断。" if label == "有超时环节" else ""))
    if credit_code is None:
        summary = data.query(escalation.escalation_summary, f.quarter, as_of=f.as_of, districts=chosen)
        layout.table(summary, "各区市直通车事项与超时环节", f.scope_label, f.quarter.label, key=f"{key}_summary",
                     caption="重大隐患和移交事项按本季度内仍在跟踪的计（季度开始前已销号、已办结的不计）；"
                             "超时环节按截至日期判断；挂牌督办为市级或区市级挂牌督办的重大隐患。")
    shown = items.drop(columns=["事项代码"])
    layout.table(shown, "重大隐患与移交事项", f.scope_label, f.quarter.label, key=f"{key}_items",
                 caption="有超时环节的排在前面；当前环节为尚未完成的第一个环节。")
    labels = {k: _item_label(row) for k, row in zip(items["事项代码"], items.to_dict("records"))}
    picked = st.selectbox("查看事项的时间线", list(labels), key=f"{key}_pick", format_func=labels.get)
    if picked is None:
        return
    stages = data.query(escalation.timelines, f.quarter, as_of=f.as_of, districts=chosen, credit_code=credit_code,
                        history=history)
    mine = stages[stages["事项代码"] == picked]
    if mine.empty:
        return
    head = mine.iloc[0]
    title = chart_text(f"{head['类别']} {head['隐患编号']}（{head['企业名称']}，督办级别：{head['督办级别']}）")
    show_chart(timeline_figure(mine, as_of=f.as_of, title=title), "直通车时间线", head["隐患编号"], f.as_of,
               key=f"{key}_chart")
    layout.table(mine.drop(columns=["事项代码", "环节序号", "区市", "统一社会信用代码"]), "各环节", head["企业名称"],
                 head["隐患编号"], key=f"{key}_stages",
                 caption="天数：上报、整改从发现日期算起，验收销号从整改完成日期算起，办结从移交日期算起；"
                         "尚未完成的环节算到截至日期。")


def retrofit_section(f: Filters, *, key: str, credit_code: str | None = None,
                     districts: list[str] | None = None, name: str | None = None) -> None:
    """一企一策: progress by district with the late projects (or, with a credit code, one enterprise's projects)."""
    chosen = districts if districts is not None else f.district_list
    st.caption(plain(f"依据：{RETROFIT.cited} 按截至日期 {f.as_of_label} 判断：诊断日期、方案日期、实际完成日期不晚于该日的计入；"
                     "计划完成日期已过而未完成的为逾期未完成；减少危险岗位人数只计已完成项目。"))
    if credit_code is not None:
        projects = data.query(retrofit.retrofit_projects, f.quarter, as_of=f.as_of, districts=chosen,
                              credit_code=credit_code)
        layout.table(projects.drop(columns=["区市", "企业名称", "统一社会信用代码"]), "一企一策改造项目", name or "",
                     key=f"{key}_projects", state_columns=("进展",), empty="该企业的智能化改造台账中没有项目。")
        return
    progress = data.query(retrofit.retrofit_progress, f.quarter, as_of=f.as_of, districts=chosen)
    total = progress.iloc[-1]
    st.markdown(plain(retrofit.retrofit_line(progress)))
    if int(total["企业数"]) and int(total["改造项目"]):
        by_district = progress.iloc[:-1]
        fig = count_bars(by_district, x="区市", ys=["已诊断", "已编制方案", "有项目完成"], stacked=False,
                         colors=["#90CAF9", "#1F77B4", "#43A047"], title="各区市一企一策进展（企业数）", y_title="企业数")
        show_chart(fig, "一企一策进展_各区市", f.scope_label, f.as_of, key=f"{key}_chart")
    layout.table(progress, "各区市一企一策智能化改造进展", f.scope_label, f.as_of, key=f"{key}_progress")
    late = data.query(api.watch, f.quarter, as_of=f.as_of, districts=chosen,
                      lists=["late_retrofit_projects"])["late_retrofit_projects"]
    layout.watch_table(f, late, api.watch_list("late_retrofit_projects"), key=f"{key}_late")
