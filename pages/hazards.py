"""隐患整改: hazards found in the quarter by status, category, level and district; ageing of open hazards;
the overdue list; major hazards with their reporting and transfer status."""
from ui.session import require_page

require_page()

import streamlit as st

from warehouse.templates import HAZARD_STATUSES
from metrics import hazards
from ui import data, filters as flt, layout
from ui.indicators import report
from ui.charts import count_bars, donut, show_chart
from ui.style import LEVEL_COLORS, fmt_rate

f = flt.current()
layout.page_header("隐患整改", f, templates=("企业名册", "隐患台账"),
                   note="统计季度内发现的隐患（各企业每个隐患编号取最新台账版本），整改情况按截至日期判断。")

found = data.query(hazards.hazards_found, f.quarter, as_of=f.as_of, districts=f.district_list)
majors = data.query(hazards.major_hazards, f.quarter, as_of=f.as_of, districts=f.district_list)
watch = layout.watch(f)
# the counts are the 隐患整改率's own numerator and denominator, so the cards and the indicator agree
rectification = report(f, "city", indicators=["rectification"]).iloc[0]
total = int(rectification["denominator"])

c1, c2, c3, c4, c5, c6 = st.columns(6)
c1.metric("本季度发现隐患", f"{total:,}", border=True)
c2.metric("已整改", f"{int(rectification['numerator']):,}", border=True)
c3.metric("隐患整改率", fmt_rate(rectification["rate"]), border=True)
c4.metric("超期未整改", f"{len(watch['overdue_hazards']):,}", border=True,
          help="截至日期已过整改期限仍未整改的隐患，含以前季度发现的。")
c5.metric("本季度重大隐患", f"{len(majors):,}", border=True)
c6.metric("重大隐患未上报", f"{len(watch['unreported_major_hazards']):,}", border=True,
          help="截至日期仍未报送执法部门的重大隐患，含以前季度发现的。")

if total == 0:
    layout.no_data(f"{f.scope_label}{f.quarter.cn}没有发现隐患的记录（无数据）。")
else:
    OPEN, DONE, OVERDUE = "#F59E0B", LEVEL_COLORS["达标"], LEVEL_COLORS["整改"]
    breakdowns = data.query(hazards.hazard_breakdowns, f.quarter, as_of=f.as_of, districts=f.district_list)
    left, right = st.columns(2)
    with left:
        status = breakdowns["status"]
        order = [s for s in (*HAZARD_STATUSES, "未填写") if s in set(status["整改状态"])]
        status = status.set_index("整改状态").loc[order].reset_index()
        fig = donut(list(status["整改状态"]), list(status["隐患数"]), title="按台账整改状态",
                    colors=["#C62828", "#F59E0B", "#43A047", "#1F4E79", "#9E9E9E"][:len(status)])
        show_chart(fig, "隐患_按整改状态", f.scope_label, f.quarter.label, key="hz_status")
    with right:
        level = breakdowns["level"]
        fig = count_bars(level, x="隐患等级", ys=["已整改", "未整改"], colors=[DONE, OPEN], title="按隐患等级")
        show_chart(fig, "隐患_按等级", f.scope_label, f.quarter.label, key="hz_level")
    left, right = st.columns(2)
    with left:
        category = breakdowns["category"]
        fig = count_bars(category, x="隐患类别", ys=["已整改", "未整改"], colors=[DONE, OPEN], title="按隐患类别",
                         horizontal=True, height=max(320, 60 + 34 * len(category)))
        show_chart(fig, "隐患_按类别", f.scope_label, f.quarter.label, key="hz_category")
    with right:
        district = breakdowns["district"]
        district = district.assign(期限内未整改=district["未整改"] - district["超期未整改"])
        fig = count_bars(district, x="区市", ys=["已整改", "期限内未整改", "超期未整改"],
                         colors=[DONE, OPEN, OVERDUE], title="按区市")
        show_chart(fig, "隐患_按区市", f.scope_label, f.quarter.label, key="hz_district")
    layout.table(district.drop(columns=["期限内未整改"]), "各区市隐患整改情况", f.quarter.label, key="hz_district_table")

st.subheader("未整改隐患账龄")
ageing = data.query(hazards.hazard_ageing, f.quarter, as_of=f.as_of, districts=f.district_list)
if ageing.empty:
    layout.no_data(f"截至 {f.as_of_label}，没有未整改的隐患。")
else:
    wide = ageing.pivot_table(index="隐患账龄", columns="隐患等级", values="未整改隐患数", aggfunc="sum", fill_value=0)
    wide = wide.reindex([b for b in hazards.AGEING_BUCKETS if b in wide.index]).reset_index()
    levels = [c for c in ("一般隐患", "重大隐患") if c in wide.columns]
    fig = count_bars(wide, x="隐患账龄", ys=levels, colors=["#F59E0B", "#C62828"][:len(levels)],
                     title=f"截至 {f.as_of_label} 仍未整改的隐患（按发现至今天数）")
    show_chart(fig, "隐患账龄", f.scope_label, f.as_of, key="hz_ageing")

st.subheader("超期未整改隐患")
layout.table(watch["overdue_hazards"], "超期未整改隐患", f.scope_label, f.as_of, key="hz_overdue",
             empty=f"截至 {f.as_of_label}，没有超期未整改的隐患。")

st.subheader("重大隐患上报与移交")
layout.table(majors, "本季度重大隐患", f.scope_label, f.quarter.label, key="hz_major", state_columns=("上报状态",),
             empty=f"{f.quarter.cn}没有发现重大隐患。")

st.subheader("本季度隐患清单")
layout.table(found, "本季度发现的隐患", f.scope_label, f.quarter.label, key="hz_all", state_columns=("截至日期状态",),
             empty="无数据")
