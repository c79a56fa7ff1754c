"""隐患整改: hazards found in the quarter by status, category, level and district; ageing of open hazards;
the hazard watch lists (overdue, within deadline, rectified late, not 销号, major, 移交); major hazards with
their reporting and transfer status.

The cards stand above a choice of sections; only the chosen section is queried and drawn (as on the enterprise
profile)."""
from ui.session import require_page

require_page()

import streamlit as st

from core.presentation import HAZARD_STATES, NO_DATA
from metrics import hazards
from metrics.watch import about
from ui import data, filters as flt, layout
from ui.indicators import report
from ui.charts import count_bars, donut, show_chart
from ui.style import fmt_rate
from ui.timeline import escalation_section

SECTION_KEY = "hz_view"

f = flt.current()
layout.page_header("隐患整改", f, templates=("企业名册", "隐患台账"),
                   note="发现情况按季度内发现的隐患统计；隐患整改率按整改期限在本季度内的隐患统计（各企业每个隐患编号"
                        "取最新台账版本），整改情况按截至日期判断。")

found = data.query(hazards.hazards_found, f.quarter, as_of=f.as_of, districts=f.district_list)
majors = data.query(hazards.major_hazards, f.quarter, as_of=f.as_of, districts=f.district_list)
HAZARD_WATCH = about("hazards")
watch = layout.watch(f, HAZARD_WATCH)
# 已整改 and the rate are the 隐患整改率's own numerator and ratio (hazards due in the quarter), so the cards and
# the indicator agree; 发现 counts the hazards found in the quarter, which the charts below break down.
rectification_by = report(f, ("city", "district"), indicators=["rectification"])
rectification = rectification_by[rectification_by["grain"] == "city"].iloc[0]
total = len(found)
due = int(rectification["denominator"])

# Each card says its period: this quarter's hazards beside counts over every quarter up to the as-of date.
c1, c2, c3 = st.columns(3)
layout.count_card(c1, "发现隐患", total, "本季度", help="发现日期在本季度内（至截至日期）的隐患。")
layout.count_card(c2, "已整改", int(rectification["numerator"]), "本季度到期",
                  help=f"整改期限在本季度内的 {due} 项隐患中，截至日期前已完成整改的项数。")
c3.metric("隐患整改率", fmt_rate(rectification["rate"]), delta="本季度到期", delta_color="off", delta_arrow="off",
          border=True, help=f"已整改 ÷ 整改期限在本季度内的隐患（{due} 项）；尚在整改期限内的隐患不计入。")
c4, c5, c6 = st.columns(3)
layout.count_card(c4, "发现重大隐患", len(majors), "本季度")
layout.count_card(c5, "超期未整改", len(watch["overdue_hazards"]), f.cumulative,
                  help="截至日期已过整改期限仍未整改的隐患，含以前季度发现的。")
layout.count_card(c6, "重大隐患未上报", len(watch["unreported_major_hazards"]), f.cumulative,
                  help="截至日期仍未报送执法部门的重大隐患，含以前季度发现的。")


def show_found() -> None:
    st.subheader("本季度发现的隐患")
    if total == 0:
        layout.no_data(f"{f.scope_label}{f.quarter.cn}没有发现隐患的记录（无数据）。")
        return
    breakdowns = data.query(hazards.hazard_breakdowns, f.quarter, as_of=f.as_of, districts=f.district_list)
    st.caption(f"以下各图为{f.quarter.cn}发现的 {total:,} 项隐患，按截至 {f.as_of_label} 的情况分类"
               "（依整改完成日期、销号日期判断，不看台账的“整改状态”一栏）；颜色在各图中含义相同。")
    left, right = st.columns(2)
    with left:
        state = breakdowns["state"].set_index("截至日期状态").reindex(HAZARD_STATES).dropna().reset_index()
        fig = donut(list(state["截至日期状态"]), [int(n) for n in state["隐患数"]],
                    title=f"本季度发现的隐患：截至{f.as_of_short}的状态")
        # the title at the top, the pie lower: room for the labels of small slices at the top
        fig.update_layout(margin={"t": 88}, title={"yref": "container", "y": 0.97, "yanchor": "top"})
        show_chart(fig, "隐患_按截至日期整改状态", f.scope_label, f.quarter.label, key="hz_status")
    with right:
        level = breakdowns["level"]
        fig = count_bars(level, x="隐患等级", ys=["已整改", "未整改"], title="按隐患等级")
        show_chart(fig, "隐患_按等级", f.scope_label, f.quarter.label, key="hz_level")
    left, right = st.columns(2)
    with left:
        category = breakdowns["category"]
        fig = count_bars(category, x="隐患类别", ys=["已整改", "未整改"], title="按隐患类别",
                         horizontal=True, height=max(320, 60 + 34 * len(category)))
        show_chart(fig, "隐患_按类别", f.scope_label, f.quarter.label, key="hz_category")
    with right:
        district = breakdowns["district"]
        district = district.assign(期限内未整改=district["未整改"] - district["超期未整改"])
        fig = count_bars(district, x="区市", ys=["已整改", "期限内未整改", "超期未整改"], title="按区市")
        show_chart(fig, "隐患_按区市", f.scope_label, f.quarter.label, key="hz_district")
    layout.table(hazards.district_rectification(breakdowns["district"], rectification_by), "各区市隐患整改情况",
                 f.quarter.label, key="hz_district_table",
                 caption="本季度发现的各列按发现日期在本季度内的隐患计（超期未整改只含本季度发现的，上方卡片另含以前季度发现的）；"
                         f"本季度到期、到期已整改和{hazards.RECTIFICATION_RATE}按隐患整改率的口径：整改期限在本季度内的隐患"
                         f"及其中截至日期前已整改的；本季度没有到期隐患的区市，整改率为“{NO_DATA}”。")


def show_ageing() -> None:
    st.subheader("未整改隐患账龄")
    ageing = data.query(hazards.hazard_ageing, f.quarter, as_of=f.as_of, districts=f.district_list)
    if ageing.empty:
        layout.no_data(f"截至 {f.as_of_label}，没有未整改的隐患。")
        return
    wide = ageing.pivot_table(index="隐患账龄", columns="隐患等级", values="未整改隐患数", aggfunc="sum", fill_value=0)
    wide = wide.reindex([b for b in hazards.AGEING_BUCKETS if b in wide.index]).reset_index()
    levels = [c for c in ("一般隐患", "重大隐患") if c in wide.columns]
    fig = count_bars(wide, x="隐患账龄", ys=levels, title=f"截至 {f.as_of_label} 仍未整改的隐患（按发现至今天数）")
    show_chart(fig, "隐患账龄", f.scope_label, f.as_of, key="hz_ageing")


def show_watch() -> None:
    st.subheader("需要关注的隐患")
    st.caption(f"截至 {f.as_of_label}，不限发现季度（逾期整改只列本季度内完成整改的）。")
    layout.watch_tables(f, watch, HAZARD_WATCH, key="hz")


def show_majors() -> None:
    st.subheader("重大隐患上报与移交")
    layout.table(majors, "本季度重大隐患", f.scope_label, f.quarter.label, key="hz_major",
                 state_columns=("上报状态",), empty=f"{f.quarter.cn}没有发现重大隐患。")


def show_direct_line() -> None:
    st.subheader("直通车：重大隐患与移交事项时间线")
    escalation_section(f, key="hz_direct")


def show_found_list() -> None:
    st.subheader("本季度隐患清单")
    layout.table(found, "本季度发现的隐患", f.scope_label, f.quarter.label, key="hz_all",
                 state_columns=("截至日期状态",), empty="无数据")


SECTIONS = {"发现情况": show_found, "账龄": show_ageing, "需要关注": show_watch, "重大隐患": show_majors,
            "直通车": show_direct_line, "隐患清单": show_found_list}
SECTIONS[layout.chosen_section(list(SECTIONS), key=SECTION_KEY)]()
