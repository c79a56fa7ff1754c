"""企业画像: one enterprise — its indicators and trend, staff and certificates, training, drills,
hazard ledger with every version, its supervisor's logs on a calendar, its checklists."""
import pandas as pd
import streamlit as st

from metrics import api, explore
from metrics.indicators import BY_CODE, INDICATORS
from metrics.quarters import quarter_range
from ui import data, filters as flt, layout
from ui.charts import log_calendar, show_chart, trend_lines
from ui.style import LEVEL_BADGE_COLORS, fmt_count, fmt_date, fmt_rate, style_levels

ENT_KEY, SECTION_KEY, HAZARD_KEY = "ent", "ent_view", "ent_hazard"

f = flt.current()
layout.page_header("企业画像", f)

found = data.query(explore.enterprise_search, "", districts=f.district_list)
if found.empty:
    layout.no_data("所选区市尚无企业名册数据，请先导入企业名册。")
    st.stop()
labels = dict(zip(found["统一社会信用代码"], found["企业名称"] + "（" + found["区市"] + "）"))
code = st.selectbox("查找企业（输入企业名称或统一社会信用代码）", list(labels), index=None, key=ENT_KEY,
                    bind="query-params", format_func=lambda c: f"{labels[c]} {c}", placeholder="输入名称或代码查找……")
if code is None:
    st.info(f"共 {len(found):,} 家企业。请在上方输入企业名称或统一社会信用代码选择一家企业。", icon=":material/search:")
    layout.table(found, "企业名册", f.scope_label, key="ent_list")
    st.stop()

info = data.query(explore.enterprise_info, code)
st.subheader(info["企业名称"])
cols = st.columns(6)
facts = [("区市", info["区市"]), ("行业类别", info["行业类别"] or "—"), ("企业状态", info["企业状态"]),
         ("从业人员数", fmt_count(info["从业人员数"])), ("驻点监督人员", info["驻点监督人员"] or "—"),
         ("进驻日期", fmt_date(info["进驻日期"]))]
for column, (label, value) in zip(cols, facts):
    column.metric(label, value)
st.caption(f"统一社会信用代码 {code}　·　派出单位 {info['派出单位'] or '—'}")
if info["企业状态"] == "关闭":
    st.warning("该企业在最新名册中为「关闭」，不参与任何指标统计；下方仅列出其历史记录。")

SECTIONS = ["指标", "人员与证书", "培训", "演练", "隐患台账", "驻点日志", "季度检查表"]
# Only the chosen section is computed and drawn (tabs would compute all seven on every run).
section = st.segmented_control("查看内容", SECTIONS, default=SECTIONS[0], required=True, key=SECTION_KEY,
                               bind="query-params", label_visibility="collapsed") or SECTIONS[0]

if section == "指标":
    figures = data.query(api.report, f.quarter, by="enterprise", as_of=f.as_of, districts=[info["区市"]])
    mine = figures[figures["group"] == code]
    if mine.empty:
        layout.no_data("该企业不在统计范围内（已关闭或不在所选区市）。")
    else:
        table = pd.DataFrame({
            "指标": mine["indicator_name"], "比率": mine["rate"].map(fmt_rate),
            "分子": mine["numerator"].astype("Int64"), "分母": mine["denominator"].astype("Int64"),
            "单位": mine["indicator"].map(lambda c: BY_CODE[c].unit), "评定": mine["level"],
        })
        st.dataframe(style_levels(table.assign(等级=table["评定"]), {"比率": "等级"}), hide_index=True,
                     key="ent_figures")
        layout.downloads(table, "企业指标", info["企业名称"], f.quarter.label, key="ent_figures_dl")
        history = data.query(api.trend, quarter_range(f.quarter, 8), by="enterprise", districts=[info["区市"]])
        history = history[history["group"] == code]
        names = [i.name for i in INDICATORS]
        shown = st.multiselect("走势图显示的指标", names, default=names[:4], key="ent_trend_pick")
        history = history[history["indicator_name"].isin(shown)]
        fig = trend_lines(history, series="indicator_name", title=f"{info['企业名称']}：近八个季度指标走势")
        show_chart(fig, info["企业名称"], "指标走势", f.quarter.label, key="ent_trend")

if section == "人员与证书":
    staff = data.query(explore.enterprise_staff, code, as_of=f.as_of)
    states = staff["证书状态"].value_counts() if len(staff) else pd.Series(dtype=int)
    on_duty = int((staff["在岗状态"] == "在岗").sum()) if len(staff) else 0
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("在岗人员", f"{on_duty:,}")
    c2.metric("证书已过期", f"{int(states.get('已过期', 0)):,}")
    c3.metric("关键岗位无证书", f"{int(states.get('无证书', 0)):,}")
    c4.metric("90天内到期", f"{int(states.get('即将到期', 0)):,}")
    layout.table(staff, "人员台账（含证书）", info["企业名称"], key="ent_staff", state_columns=("证书状态",),
                 empty="该企业尚无人员台账。", caption=f"证书状态按截至日期 {f.as_of_label} 判断；红色为已过期或关键岗位无证书，黄色为 90 天内到期。")

if section == "培训":
    layout.table(data.query(explore.enterprise_training, code), "培训记录", info["企业名称"], key="ent_training",
                 state_columns=("考核结果",), empty="该企业尚无培训记录。")

if section == "演练":
    layout.table(data.query(explore.enterprise_drills, code), "演练记录", info["企业名称"], key="ent_drills",
                 empty="该企业尚无演练记录。")

if section == "隐患台账":
    hazards = data.query(explore.enterprise_hazards, code, as_of=f.as_of)
    layout.table(hazards, "隐患台账（每项隐患的最新版本）", info["企业名称"], key="ent_hazards",
                 state_columns=("是否超期",), empty="该企业尚无隐患台账。")
    if len(hazards):
        ids = list(hazards["隐患编号"])
        hazard = st.selectbox("查看隐患的对账销号记录（各版本）", ids, key=HAZARD_KEY,
                              format_func=lambda h: f"{h}　{hazards.set_index('隐患编号').at[h, '隐患描述']}")
        layout.table(data.query(explore.hazard_versions, hazard), f"隐患 {hazard} 的各版本", info["企业名称"],
                     key="ent_versions", caption="每导入一次台账即形成一个版本；最后一行为当前版本。")

if section == "驻点日志":
    calendar = data.query(explore.log_fill_calendar, f.quarter, as_of=f.as_of, districts=[info["区市"]])
    calendar = calendar[calendar["统一社会信用代码"] == code]
    if calendar.empty:
        layout.no_data("名册中该企业没有驻点监督人员。")
    else:
        fig = log_calendar(calendar, title=f"{info['企业名称']}：驻点日志填报日历（{f.quarter.cn}）")
        show_chart(fig, info["企业名称"], "日志填报日历", f.quarter.label, key="ent_calendar")
    logs = data.query(explore.enterprise_logs, code, start=f.quarter.start, end=f.quarter.end)
    layout.table(logs, "本季度工作日志", info["企业名称"], f.quarter.label, key="ent_logs",
                 empty="该企业本季度没有工作日志。")

if section == "季度检查表":
    layout.table(data.query(explore.enterprise_checklists, code), "季度检查表", info["企业名称"], key="ent_checklists",
                 empty="该企业尚未报送季度检查表。")
