"""驻点工作: each supervisor's log fill (calendar heat map), special operations supervised on site,
days stationed and rotation due, and a weekly summary drafted from the logs.

The cards stand above a choice of sections; only the chosen section is queried and drawn (as on the enterprise
profile), so the page stays quick however many sections it has."""
from ui.session import require_page

require_page()

import streamlit as st

from core.presentation import state_color
from core.settings import setting
from metrics import supervision
from ui import data, filters as flt, layout
from ui import stationing as stationing_ui
from ui.charts import count_bars, log_heatmap, show_chart
from metrics.indicators import SUPERVISION
from ui.indicators import cards, figures, grain
from ui.meetings import figures_caption
from ui.text import chart_text, plain
from ui.timeline import retrofit_section

MAX_HEATMAP_ROWS = 40
SUPERVISOR_KEY, SECTION_KEY = "sv_who", "sv_view"

f = flt.current()
layout.page_header("驻点工作", f, templates=("企业名册", "驻点工作日志", "隐患台账"))
figures_caption(f)

cards(grain(figures(f, by=("city",), indicators=[i.code for i in SUPERVISION]), "city"), SUPERVISION, f, per_row=3)

people = data.query(supervision.supervisors, f.quarter, as_of=f.as_of, districts=f.district_list)
rotation = setting("watch.rotation_months")
states = people["轮换状态"].value_counts() if len(people) else {}
# people (one person stationed at two enterprises is one person) beside stationings (two)
day = f"截至{f.as_of_short}"
c1, c2, c3, c4 = st.columns(4)
layout.count_card(c1, "驻点监督人员（人）", people["驻点人员"].nunique() if len(people) else 0, day,
                  help="按姓名计的人数；一人同时驻多家企业只计一人。")
layout.count_card(c2, "驻点（人次）", len(people), day, help="每人每家驻点企业计一次；一人驻两家企业计两次。")
layout.count_card(c3, f"驻点满{rotation}个月{supervision.DUE}（人次）", int(states.get(supervision.DUE, 0)), day,
                  help=f"进驻满 {rotation} 个月、截至日期仍在驻的人次：“轮换与交接”中"
                       f"{'、'.join(supervision.ROTATION_DUE)}各项之和。")
layout.count_card(c4, f"{setting('watch.rotation_notice_days')}天内满{rotation}个月（人次）",
                  int(states.get("即将到期", 0)), day)


def show_log_fill() -> None:
    st.subheader("工作日志填报")
    summary = data.query(supervision.log_fill_summary, f.quarter, as_of=f.as_of, districts=f.district_list)
    if summary.empty:
        layout.no_data("名册中没有驻点监督人员，无法统计日志填报（无数据）。")
        return
    calendar = data.query(supervision.log_fill_calendar, f.quarter, as_of=f.as_of, districts=f.district_list,
                          worst=MAX_HEATMAP_ROWS)
    calendar = calendar.assign(人员=chart_text(calendar["驻点人员"] + "（" + calendar["企业名称"].str.slice(0, 10) + "）"))
    note = f"（填报率最低的 {MAX_HEATMAP_ROWS} 人）" if len(summary) > MAX_HEATMAP_ROWS else ""
    fig = log_heatmap(calendar, title=f"日志填报日历{note}：{f.quarter.cn}", row_label="人员")
    show_chart(fig, "驻点日志填报日历", f.scope_label, f.quarter.label, key="sv_heatmap")
    layout.table(summary, "各驻点人员日志填报率", f.scope_label, f.quarter.label, key="sv_fill",
                 caption="应填报日：季度内、进驻日期及以后、撤离日期之前、不晚于截至日期的法定工作日"
                         "（法定节假日不计，调休上班的周六、周日计入）；驻点人员有驻点派驻记录的按派驻记录。")


def show_special_ops() -> None:
    st.subheader("特殊作业现场监督")
    ops = data.query(supervision.special_ops, f.quarter, as_of=f.as_of, districts=f.district_list)
    if ops.empty:
        layout.no_data(f"{f.quarter.cn}的工作日志中没有特殊作业记录（无数据）。")
        return
    by_district = ops.groupby("区市", as_index=False)[["特殊作业数", "现场监督数"]].sum()
    by_district = by_district.assign(未现场监督=by_district["特殊作业数"] - by_district["现场监督数"])
    left, right = st.columns(2)
    with left:
        fig = count_bars(by_district, x="区市", ys=["现场监督数", "未现场监督"],
                         colors=[state_color("现场监督"), state_color("未现场监督")], title="各区市特殊作业现场监督情况",
                         y_title="次数")
        show_chart(fig, "特殊作业现场监督_各区市", f.quarter.label, key="sv_ops_district")
    with right:
        by_type = ops.groupby("特殊作业类型", as_index=False)[["特殊作业数", "现场监督数"]].sum() \
            .sort_values("特殊作业数", ascending=False)
        fig = count_bars(by_type, x="特殊作业类型", ys=["特殊作业数", "现场监督数"], stacked=False,
                         colors=[state_color("特殊作业"), state_color("现场监督")], title="按特殊作业类型", y_title="次数")
        show_chart(fig, "特殊作业现场监督_按类型", f.quarter.label, key="sv_ops_type")
    layout.table(ops, "特殊作业现场监督明细", f.scope_label, f.quarter.label, key="sv_ops",
                 caption="特殊作业现场监督率只计动火作业、设备检维修、高处作业（及未填类型）；其他类型在此列出，不计入比率。")


def show_rotation() -> None:
    st.subheader("驻点时长与轮换")
    layout.table(people, "驻点监督人员", f.scope_label, f.as_of, key="sv_people", state_columns=("轮换状态",),
                 empty="名册中没有驻点监督人员。",
                 caption=f"驻点天数按截至日期 {f.as_of_label} 计算；进驻满 {rotation} 个月应轮换并做好交接。"
                         f"轮换状态“{supervision.DUE}”为已满期仍在驻（含{'、'.join(supervision.ROTATION_DUE)}，"
                         "细分见下方“轮换与交接”）。")
    st.subheader("轮换与交接")
    stationing_ui.rotation_section(f)


def show_history() -> None:
    st.subheader("驻点经历")
    stationing_ui.history_section(f)


def show_watch_lists() -> None:
    st.subheader("轮换、交接与工作计划清单")
    stationing_ui.watch_section(f)


def show_scorecard() -> None:
    st.subheader("驻点人员考评（本办做法）")
    stationing_ui.scorecard_section(f)


def show_weekly_summary() -> None:
    st.subheader("周小结（根据工作日志自动起草）")
    names = sorted(set(people["驻点人员"].tolist())) if len(people) else []
    if not names:
        layout.no_data("名册中没有驻点监督人员。")
        return
    who = st.selectbox("驻点人员", names, key=SUPERVISOR_KEY, bind="query-params")
    weeks = data.query(supervision.weekly_summary, f.quarter, as_of=f.as_of, districts=f.district_list,
                       supervisor=who)
    if weeks.empty:
        layout.no_data(f"{plain(who)}在{f.quarter.cn}没有工作日志，无法起草周小结。")
        return
    for _, week in weeks.head(4).iterrows():
        with st.container(border=True):
            st.markdown(f"**{plain(who)} · {plain(week['企业名称'])}**")
            st.markdown(plain(week["周小结草稿"]))
    layout.table(weeks, f"{who}的周小结草稿", f.quarter.label, key="sv_weeks")


def show_retrofit() -> None:
    st.subheader("一企一策智能化改造")
    retrofit_section(f, key="sv_retrofit")


SECTIONS = {"日志填报": show_log_fill, "特殊作业": show_special_ops, "轮换与交接": show_rotation,
            "驻点经历": show_history, "清单": show_watch_lists, "考评": show_scorecard, "周小结": show_weekly_summary,
            "一企一策": show_retrofit}
SECTIONS[layout.chosen_section(list(SECTIONS), key=SECTION_KEY)]()
