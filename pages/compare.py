"""区市对比: one indicator across districts — this quarter's bars, the last 8 quarters' lines, a ranking."""
from ui.session import require_page

require_page()

import pandas as pd
import streamlit as st

from metrics import api
from metrics.indicators import BY_CODE, INDICATORS
from core.quarters import quarter_range
from ui import data, filters as flt, layout
from ui.charts import rate_bars, show_chart, trend_lines
from ui.filters import CITY
from ui.indicators import figures, grain, shortfall_section
from ui.style import fmt_change, fmt_rate

IND_KEY, GROUP_KEY, BARS_KEY = "cmp_ind", "cmp_grp", "cmp_bars"

f = flt.current()
layout.page_header("区市对比", f, missing_reports=True)

code = st.selectbox("指标", [i.code for i in INDICATORS], key=IND_KEY, bind="query-params",
                    format_func=lambda c: BY_CODE[c].name)
item = BY_CODE[code]
st.caption(f"{item.definition}　分子：{item.numerator}；分母：{item.denominator}。")

# a district user compares their rates with every district's (rates only; the records stay their own)
both = figures(f, indicators=[code], districts=f.comparison_districts)
districts, city = grain(both, "district"), grain(both, "city")

group_options = f.groups


def pick_bar() -> None:
    points = st.session_state[BARS_KEY].selection.points
    if points:
        chosen = points[0].get("y")
        if chosen in group_options:
            st.session_state[GROUP_KEY] = chosen


left, right = st.columns([1, 1])
with left:
    city_rate = fmt_rate(city["rate"].iloc[0]) if len(city) else "无数据"
    fig = rate_bars(districts, category="group", title=f"{item.name}：各区市（{f.quarter.cn}，全市 {city_rate}）",
                    target=item.target, hover_unit=item.unit)
    show_chart(fig, item.name, "各区市", f.quarter.label, key=BARS_KEY, on_select=pick_bar)
    st.caption("颜色为评定等级；无数据指分母为 0。点击柱条可在下方查看该区市的未达标明细。")
with right:
    quarters = quarter_range(f.quarter, 8)
    history = data.query(api.trend, quarters, by=["city", "district"], districts=f.comparison_districts,
                         indicators=[code])
    history = history.assign(series=history["group_name"])
    fig = trend_lines(history, series="series", title=f"{item.name}：近八个季度走势", target=item.target,
                      highlight=CITY)
    show_chart(fig, item.name, "近八个季度走势", f.quarter.label, key="cmp_trend")
    st.caption("全市为黑色虚线；某季度无数据时折线断开。")

st.subheader("排名")
ranking = districts.assign(has_data=districts["denominator"] > 0) \
    .sort_values(["has_data", "rate", "denominator"], ascending=[False, False, False], na_position="last")
ranked = pd.DataFrame({
    # equal rates share a rank (1, 1, 3 …); districts without data are not ranked
    "排名": ranking["rate"].rank(method="min", ascending=False).map(lambda r: "—" if pd.isna(r) else f"{r:.0f}"),
    "区市": ranking["group_name"],
    item.name: ranking["rate"].map(fmt_rate),
    f"分子（{item.numerator}，{item.unit}）": ranking["numerator"].astype("Int64"),
    f"分母（{item.denominator}，{item.unit}）": ranking["denominator"].astype("Int64"),
    "评定": ranking["level"],
    "较上季度": ranking["change"].map(lambda c: fmt_change(c) or "—"),
    "等级": ranking["level"],
})
layout.table(ranked, f"{item.name}区市排名", f.quarter.label, key="cmp_rank", levels={item.name: "等级", "评定": "等级"})

st.subheader("未达标明细")
group = st.selectbox("区市", group_options, key=GROUP_KEY, bind="query-params")
shortfall_section(f, code, group, key="cmp_shortfall")
