"""企业画像: one enterprise — its indicators and trend, staff and certificates, training, drills,
hazard ledger with every version, its supervisor's logs on a calendar, its checklists."""
from ui.session import require_page

require_page()

import pandas as pd
import streamlit as st

from core.settings import setting
from metrics import api, enterprise, supervision
from metrics.indicators import BY_CODE, INDICATORS
from core.quarters import quarter_range
from ui import data, filters as flt, layout
from ui import stationing as stationing_ui
from ui.charts import SMALL_N_NOTE, log_calendar, show_chart, trend_lines
from ui.indicators import drawable_trend, unscored
from ui.style import facts_html, fmt_count, fmt_date, fmt_rate
from ui.text import chart_text, plain
from ui.timeline import escalation_section, retrofit_section

ENT_KEY, SECTION_KEY, HAZARD_KEY, LIST_KEY = "ent", "ent_view", "ent_hazard", "ent_list"

f = flt.current()
layout.page_header("企业画像", f)


def show_facts(code: str, info: dict) -> None:
    st.subheader(plain(info["企业名称"]))
    facts = {"区市": info["区市"], "行业类别": info["行业类别"] or "—", "企业状态": info["企业状态"],
             "从业人员数": fmt_count(info["从业人员数"]), "驻点监督人员": info["驻点监督人员"] or "—",
             "进驻日期": fmt_date(info["进驻日期"]), "派出单位": info["派出单位"] or "—", "统一社会信用代码": code}
    st.html(facts_html(facts))
    if info["企业状态"] == "关闭":
        st.warning("该企业在最新名册中为「关闭」，不参与任何指标统计；下方仅列出其历史记录。",
                   icon=":material/warning:")


def show_figures(code: str, info: dict) -> None:
    figures = data.query(api.report, f.quarter, by="enterprise", as_of=f.as_of, districts=[info["区市"]])
    mine = figures[figures["group"] == code]
    if mine.empty:
        layout.no_data("该企业不在统计范围内（已关闭或不在所选区市）。")
        return
    mine = unscored(mine, f)
    table = pd.DataFrame({
        "指标": mine["indicator_name"], "比率": mine["rate"].map(fmt_rate),
        "分子": mine["numerator"].astype("Int64"), "分母": mine["denominator"].astype("Int64"),
        "单位": mine["indicator"].map(lambda c: BY_CODE[c].unit), "评定": mine["level"], "等级": mine["level"],
    })
    exported = table.drop(columns=["等级"]).assign(比率=mine["rate"].astype(float).round(4).to_numpy())
    layout.table(table, f"{f.quarter.cn}指标", info["企业名称"], f.quarter.label, key="ent_figures",
                 levels={"比率": "等级", "评定": "等级"}, export=exported, percent_columns=("比率",))
    names = {i.code: i.name for i in INDICATORS}
    chosen = st.multiselect("走势图显示的指标", list(names), default=list(names)[:4], key="ent_trend_pick",
                            format_func=names.get)
    history = data.query(api.trend, quarter_range(f.quarter, 8), by="enterprise", districts=[info["区市"]],
                         indicators=chosen or list(names)[:1])
    history = drawable_trend(history[history["group"] == code], f)
    fig = trend_lines(history, series="indicator_name", title=f"{chart_text(info['企业名称'])}：近八个季度指标走势")
    show_chart(fig, info["企业名称"], "指标走势", f.quarter.label, key="ent_trend")
    st.caption("一家企业的分母往往很小：" + SMALL_N_NOTE)


def show_staff(code: str, info: dict) -> None:
    staff = data.query(enterprise.enterprise_staff, code, as_of=f.as_of)
    states = staff["证书状态"].value_counts()
    on_duty = int((staff["在岗状态"] == "在岗").sum())
    expiry_days = setting("watch.certificate_expiry_days")
    day = f"截至{f.as_of_short}"
    counts = [("在岗人员", on_duty, day), ("证书已过期", states.get("已过期", 0), day),
              ("关键岗位无证书", states.get("无证书", 0), day),
              (f"{expiry_days}天内到期", states.get("即将到期", 0), f"{day}起")]
    for column, (label, value, period) in zip(st.columns(len(counts)), counts):
        layout.count_card(column, label, int(value), period)
    layout.table(staff, "人员台账（含证书）", info["企业名称"], key="ent_staff", state_columns=("证书状态",),
                 empty="该企业尚无人员台账。",
                 caption=f"证书状态按截至日期 {f.as_of_label} 判断；红色为已过期或关键岗位无证书，黄色为 {expiry_days} 天内到期。")


def show_training(code: str, info: dict) -> None:
    layout.table(data.query(enterprise.enterprise_training, code), "培训记录", info["企业名称"], key="ent_training",
                 state_columns=("考核结果",), empty="该企业尚无培训记录。")


def show_drills(code: str, info: dict) -> None:
    layout.table(data.query(enterprise.enterprise_drills, code), "演练记录", info["企业名称"], key="ent_drills",
                 empty="该企业尚无演练记录。")


def show_hazards(code: str, info: dict) -> None:
    hazards = data.query(enterprise.enterprise_hazards, code, as_of=f.as_of)
    layout.table(hazards, "隐患台账（每项隐患的最新版本）", info["企业名称"], key="ent_hazards",
                 state_columns=("截至日期状态",), empty="该企业尚无隐患台账。")
    if hazards.empty:
        return
    described = dict(zip(hazards["隐患编号"], hazards["隐患描述"]))
    hazard = st.selectbox("查看隐患的对账销号记录（各版本）", list(described), key=HAZARD_KEY,
                          format_func=lambda h: f"{h}　{described[h]}")
    layout.table(data.query(enterprise.hazard_versions, code, hazard), f"隐患 {hazard} 的各版本", info["企业名称"],
                 key="ent_versions", caption="每导入一次台账即形成一个版本；最后一行为当前版本。")


def show_logs(code: str, info: dict) -> None:
    calendar = data.query(supervision.log_fill_calendar, f.quarter, as_of=f.as_of, districts=[info["区市"]],
                          credit_code=code)
    if calendar.empty:
        layout.no_data("名册中该企业没有驻点监督人员。")
    for supervisor, days in calendar.groupby("驻点人员", sort=False):
        fig = log_calendar(days, title=f"{chart_text(supervisor)}：驻点日志填报日历（{f.quarter.cn}）")
        show_chart(fig, info["企业名称"], supervisor, "日志填报日历", f.quarter.label, key=f"ent_calendar_{supervisor}")
    logs = data.query(enterprise.enterprise_logs, code, start=f.quarter.start, end=f.quarter.end)
    layout.table(logs, "本季度工作日志", info["企业名称"], f.quarter.label, key="ent_logs",
                 empty="该企业本季度没有工作日志。")


def show_checklists(code: str, info: dict) -> None:
    layout.table(data.query(enterprise.enterprise_checklists, code), "季度检查表", info["企业名称"],
                 key="ent_checklists", empty="该企业尚未报送季度检查表。")


def show_direct_line(code: str, info: dict) -> None:
    escalation_section(f, key="ent_direct", credit_code=code, districts=[info["区市"]], history=True)


def show_retrofit(code: str, info: dict) -> None:
    retrofit_section(f, key="ent_retrofit", credit_code=code, districts=[info["区市"]], name=info["企业名称"])


def show_stationing(code: str, info: dict) -> None:
    stationing_ui.enterprise_section(f, code, info)


SECTIONS = {"指标": show_figures, "人员与证书": show_staff, "培训": show_training, "演练": show_drills,
            "隐患台账": show_hazards, "直通车": show_direct_line, "驻点日志": show_logs, "季度检查表": show_checklists,
            "一企一策": show_retrofit, "驻点与交接": show_stationing}


def show_profile(code: str) -> None:
    info = data.query(enterprise.enterprise_info, code)
    show_facts(code, info)
    SECTIONS[layout.chosen_section(list(SECTIONS), key=SECTION_KEY)](code, info)


found = data.query(enterprise.enterprise_search, "", districts=f.district_list)


def open_clicked() -> None:
    """A row clicked in the roster opens that enterprise."""
    rows = st.session_state[LIST_KEY].selection.rows
    if rows:
        st.session_state[ENT_KEY] = found.iloc[rows[0]]["统一社会信用代码"]


if found.empty:
    layout.no_data("所选区市尚无企业名册数据，请先导入企业名册。")
else:
    labels = dict(zip(found["统一社会信用代码"], found["企业名称"] + "（" + found["区市"] + "）"))
    chosen = st.selectbox("查找企业（输入企业名称或统一社会信用代码）", list(labels), index=None, key=ENT_KEY,
                          bind="query-params", format_func=lambda c: f"{labels[c]} {c}",
                          placeholder="输入名称或代码查找……")
    if chosen is None:
        in_scope = int(found[enterprise.IN_SCOPE].sum())
        # the roster lists closed enterprises too (their history stays viewable); the figures count the others
        counted = (f"，其中统计范围内 {in_scope:,} 家，已关闭 {len(found) - in_scope:,} 家（不参与统计）"
                   if in_scope < len(found) else "")
        st.info(f"名册共 {len(found):,} 家企业{counted}。请在上方输入企业名称或统一社会信用代码选择一家企业。",
                icon=":material/search:")
        layout.table(found.drop(columns=[enterprise.IN_SCOPE]), "企业名册", f.scope_label, key=LIST_KEY,
                     on_select=open_clicked,
                     caption="点击表格中的一行即可查看该企业。")
    else:
        show_profile(chosen)
