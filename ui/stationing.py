"""Stationing sections, drawn the same way on 驻点工作 and on the enterprise profile.

`stationing_timeline`: who was stationed when (and the gaps) on a date axis. `rotation_section`: every
stationing open at the as-of date with its rotation state, and the handover sheet of each rotation due.
`history_section`: the timeline of one enterprise or one supervisor, with the table behind it.
`watch_section`: the stationing watch lists. `scorecard_section`: the supervisor scorecard (本办做法) per
district. `enterprise_section`: one enterprise's stationing history and its handover sheet.
Every read goes through `ui.data.query` (access-scoped); data reach the screen as text, never Markdown.
"""
from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from core.settings import setting
from metrics import stationing
from metrics.supervision import ROTATION_DUE
from metrics.watch import about
from pack.handover import DOCX_MIME, XLSX_MIME, build_handover_docx, build_handover_xlsx, gather_handover
from ui import data, layout
from ui.charts import base_layout, kept_figure, show_chart
from ui.filters import Filters
from ui.session import audited
from ui.text import chart_text, plain

IN_POST, LEFT, GAP = "#1F4E79", "#8FA9C4", "#C62828"
DUE_STATES = (*ROTATION_DUE, "即将到期")  # a handover sheet is offered from 即将到期 on
MAX_TIMELINE_ROWS = 30


# ------------------------------------------------------------------ the chart

@kept_figure
def stationing_timeline(history: pd.DataFrame, gaps: pd.DataFrame, *, row: str, title: str, as_of: date) -> go.Figure:
    """One bar per stationing from its 进驻日期 to its last day (the day before 撤离日期, or the as-of date), on the
    row named by `row` (驻点人员 or 企业名称); runs with nobody stationed on a row of their own, in red."""
    fig = go.Figure()
    drawn = history[history["进驻日期"].notna()]
    ends = pd.to_datetime(drawn["撤离日期"]).where(drawn["状态"] == "已撤离", pd.Timestamp(as_of) + timedelta(days=1))
    starts = pd.to_datetime(drawn["进驻日期"])
    for state, color in (("在驻", IN_POST), ("已撤离", LEFT)):
        chosen = drawn["状态"] == state
        if not chosen.any():
            continue
        rows = drawn[chosen]
        hover = (chart_text(rows["驻点人员"] + "　" + rows["企业名称"]) + "<br>" + starts[chosen].dt.strftime("%Y-%m-%d")
                 + " 至 " + (ends[chosen] - timedelta(days=1)).dt.strftime("%Y-%m-%d") + "，"
                 + rows["驻点天数"].astype("Int64").astype(str) + "天")
        fig.add_trace(go.Bar(
            y=chart_text(rows[row]), base=starts[chosen].dt.strftime("%Y-%m-%d"),
            x=(ends[chosen] - starts[chosen]).dt.total_seconds() * 1000, orientation="h", name=state,
            marker={"color": color}, hovertext=hover, hoverinfo="text"))
    if len(gaps):
        starts, ends = pd.to_datetime(gaps["起始日期"]), pd.to_datetime(gaps["结束日期"]) + timedelta(days=1)
        hover = ("无驻点人员 " + starts.dt.strftime("%Y-%m-%d") + " 至 " + gaps["结束日期"].astype(str) + "，"
                 + gaps["天数"].astype(str) + "天")
        fig.add_trace(go.Bar(y=["无驻点人员"] * len(gaps), base=starts.dt.strftime("%Y-%m-%d"),
                             x=(ends - starts).dt.total_seconds() * 1000, orientation="h", name="无驻点人员",
                             marker={"color": GAP}, hovertext=hover, hoverinfo="text"))
    # rows top to bottom in order of first arrival (the history is ordered by 进驻日期), the gaps last
    order = list(dict.fromkeys(chart_text(drawn[row]).tolist())) + (["无驻点人员"] if len(gaps) else [])
    base_layout(fig, title, height=max(220, 120 + 34 * len(order)))
    fig.update_xaxes(type="date", tickformat="%Y-%m", showgrid=True, gridcolor="#E5E8EC")
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=order, autorange="reversed",
                     showgrid=False)
    fig.update_layout(barmode="overlay", bargap=0.35)
    return fig


# ------------------------------------------------------------------ handover downloads

def handover_buttons(f: Filters, credit_code: str, *, as_of: date, key: str) -> None:
    """The handover sheet of one enterprise at `as_of`: Word and Excel, each download audited."""
    sheet = gather_handover(data.query, credit_code, as_of=as_of)
    with st.container(horizontal=True, gap="small"):
        st.download_button("交接单（Word）", data=audited(lambda: build_handover_docx(sheet), "下载交接单",
                                                         f"{sheet.stem}.docx"),
                           file_name=f"{sheet.stem}.docx", mime=DOCX_MIME, on_click="ignore",
                           icon=":material/description:", key=f"{key}_docx")
        st.download_button("交接单（Excel）", data=audited(lambda: build_handover_xlsx(sheet), "下载交接单",
                                                          f"{sheet.stem}.xlsx"),
                           file_name=f"{sheet.stem}.xlsx", mime=XLSX_MIME, on_click="ignore",
                           icon=":material/table_view:", key=f"{key}_xlsx")


HANDOVER_NOTE = ("交接单列出该企业在交接日未整改的隐患（含整改期限和整改责任人）、重大隐患上报和执法情况、移交未办结事项、"
                 "证书过期或即将到期人员、无有效培训人员、最近一次季度检查表缺项、应急演练、一企一策项目、当前季节性共性任务、"
                 "近4周工作日志摘要，以及交出、接任驻点人员和派出单位签字栏；Word 版可直接修改。")


# ------------------------------------------------------------------ 驻点工作 sections

def rotation_section(f: Filters) -> None:
    rotation = data.query(stationing.rotation_watch, f.quarter, as_of=f.as_of, districts=f.district_list)
    months, notice = setting("watch.rotation_months"), setting("watch.rotation_notice_days")
    grace = setting("watch.rotation_grace_days")
    states = rotation["轮换状态"].value_counts() if len(rotation) else pd.Series(dtype=int)
    counts = [("超期未轮换（人次）", "超期未轮换"), ("应轮换（人次）", "应轮换"),
              ("交接中（人次）", "交接中"), (f"{notice}天内到期（人次）", "即将到期")]
    day = layout.period_text(f, layout.ON_DATE)  # each state is where the stationing stands on the as-of date
    for column, (label, state) in zip(st.columns(len(counts)), counts):
        layout.count_card(column, label, int(states.get(state, 0)), day)
    layout.table(rotation, "驻点轮换情况", f.scope_label, f.as_of, key="sv_rotation", state_columns=("轮换状态",),
                 empty="截至日期没有在驻的驻点人员。",
                 caption=f"应轮换日期为进驻日期加 {months} 个月。超期未轮换：过了应轮换日期 {grace} 天以上仍没有接任人员进驻；"
                         f"应轮换：已到应轮换日期、未超过 {grace} 天；交接中：已到期且接任人员已进驻；"
                         f"即将到期：{notice} 天内到期。距应轮换日期天数为负表示尚未到期。")
    due = rotation[rotation["轮换状态"].isin(DUE_STATES)]
    st.markdown("**到期轮换的交接单**")
    if due.empty:
        layout.no_data("截至日期没有到期或即将到期的轮换。")
        return
    labels = dict(zip(due["统一社会信用代码"].tolist(),
                      (due["企业名称"] + "（" + due["驻点人员"] + "，" + due["轮换状态"] + "）").tolist()))
    chosen = st.selectbox(f"选择企业（{len(labels)} 家到期或即将到期）", list(labels), format_func=labels.get,
                          key="sv_handover_pick")
    st.caption(HANDOVER_NOTE + f"交接日期按截至日期 {f.as_of_label}。")
    handover_buttons(f, chosen, as_of=f.as_of, key="sv_handover")


def history_section(f: Filters) -> None:
    history = data.query(stationing.stationing_history, f.quarter, as_of=f.as_of, districts=f.district_list)
    if history.empty:
        layout.no_data("没有驻点派驻记录，企业名册中也没有驻点监督人员。")
        return
    by = st.segmented_control("查看", ["按企业", "按驻点人员"], default="按企业", required=True, key="sv_history_by")
    if by == "按驻点人员":
        names = sorted(set(history["驻点人员"].tolist()))
        who = st.selectbox("驻点人员", names, key="sv_history_who")
        mine = history[history["驻点人员"] == who]
        gaps = mine.iloc[0:0]
        title, row = f"{chart_text(who)}：驻点经历（截至{f.as_of_short}）", "企业名称"
    else:
        labels = dict(zip(history["统一社会信用代码"].tolist(), (history["企业名称"] + "（" + history["区市"] + "）").tolist()))
        code = st.selectbox("企业", list(labels), format_func=labels.get, key="sv_history_enterprise")
        mine = history[history["统一社会信用代码"] == code]
        gaps = data.query(stationing.stationing_gaps, f.quarter, as_of=f.as_of, districts=f.district_list,
                          credit_code=code)
        title, row = f"{chart_text(labels[code])}：历任驻点人员（截至{f.as_of_short}）", "驻点人员"
    fig = stationing_timeline(mine, gaps, row=row, title=title, as_of=f.as_of)
    show_chart(fig, "驻点经历", f.as_of, key="sv_timeline")
    layout.table(mine, "驻点经历", f.scope_label, f.as_of, key="sv_history",
                 caption="驻点天数为撤离日期（仍在驻的为截至日期）减进驻日期；与前任同驻天数为交接期间两人同时在驻的天数；"
                         "来源为“企业名册”的只有名册中的现任人员，没有历任记录。")
    if len(gaps):
        layout.table(gaps, "无驻点人员的时段", f.scope_label, f.as_of, key="sv_gaps")


def watch_section(f: Filters) -> None:
    items = about("supervision")
    layout.watch_tables(f, layout.watch(f, items), items, key="sv_watch")


def scorecard_section(f: Filters) -> None:
    card = data.query(stationing.scorecard, f.quarter, as_of=f.as_of, districts=f.district_list)
    st.caption(plain(f"{stationing.SCORECARD_PRACTICE} 依据：{stationing.SCORECARD_BASIS.cited}"))
    st.caption(plain("各项及权重：" + stationing.scorecard_weights_text() + "。"
                     f"每驻点30天驻点检查发现 {setting('scorecard.hazards_per_month'):g} 项隐患为满分；"
                     f"本季度驻点不足 {setting('scorecard.min_days')} 天的只计分、不排名；"
                     "周报完整：有应填报日的每一周（周一至周日）中有工作日志即计为已报；"
                     "没有数据的项目（如本季度没有离任交接）不计入得分，权重按其余项目折算。"))
    if card.empty:
        layout.no_data(f"{f.quarter.cn}没有驻点人员（无数据）。")
        return
    districts = list(dict.fromkeys(card["区市"]))
    district = st.segmented_control("区市", districts, default=districts[0], required=True, key="sv_score_district")
    mine = card[card["区市"] == district]
    for label in ("表扬候选", "约谈候选"):
        people = mine[mine["候选"] == label]
        if len(people):
            st.markdown(f"**{label}**（候选，不是结论；请核实下列数据）")
            for _, person in people.iterrows():
                st.markdown(plain(f"{person['驻点人员']}（{person['驻点企业']}，得分 {person['得分']:g}）：{person['依据']}"))
    layout.table(mine, f"{district}驻点人员考评", f.quarter.label, f.as_of, key="sv_scorecard",
                 caption="点击列名可按该列排序。得分为各项比率按权重折算的百分制分数。")


# ------------------------------------------------------------------ the enterprise profile

def enterprise_section(f: Filters, credit_code: str, info: dict) -> None:
    """One enterprise: who was stationed when (with gaps), and its handover sheet at a chosen date."""
    district = [info["区市"]]
    history = data.query(stationing.stationing_history, f.quarter, as_of=f.as_of, districts=district,
                         credit_code=credit_code)
    gaps = data.query(stationing.stationing_gaps, f.quarter, as_of=f.as_of, districts=district,
                      credit_code=credit_code)
    if history.empty:
        layout.no_data("该企业没有驻点派驻记录，企业名册中也没有驻点监督人员（或企业已关闭、不在所选区市）。")
    else:
        fig = stationing_timeline(history, gaps, row="驻点人员", title=f"{chart_text(info['企业名称'])}：历任驻点人员",
                                  as_of=f.as_of)
        show_chart(fig, info["企业名称"], "驻点经历", f.as_of, key="ent_timeline")
        layout.table(history, "驻点经历", info["企业名称"], f.as_of, key="ent_history",
                     caption="与前任同驻天数为交接期间两人同时在驻的天数。")
        layout.table(gaps, "无驻点人员的时段", info["企业名称"], f.as_of, key="ent_gaps",
                     empty="首任驻点人员进驻以来，没有无人驻点的时段。")
    st.markdown("**驻点监督工作交接单**")
    day = st.date_input("交接日期", value=f.as_of, key="ent_handover_day", format="YYYY-MM-DD")
    st.caption(HANDOVER_NOTE)
    handover_buttons(f, credit_code, as_of=day if isinstance(day, date) else f.as_of, key="ent_handover")
