"""区市对比: one indicator across districts — this quarter's bars, the last 8 quarters' lines, a ranking."""
from ui.session import require_page

require_page()

import pandas as pd
import streamlit as st

from metrics import api
from metrics.indicators import BY_CODE, INDICATORS
from core.quarters import quarter_range
from core.presentation import SMALL_N, small_n_rule
from ui import data, filters as flt, layout
from ui.charts import SMALL_N_NOTE, rate_bars, show_chart, trend_lines
from ui.filters import CITY
from ui.indicators import drawable_trend, figures, grain, shortfall_section, trend_values
from ui.meetings import figures_caption
from ui.style import fmt_change, fmt_rate

IND_KEY, GROUP_KEY, BARS_KEY = "cmp_ind", "cmp_grp", "cmp_bars"

f = flt.current()
layout.page_header("区市对比", f, missing_reports=True)
figures_caption(f)

code = st.selectbox("指标", [i.code for i in INDICATORS], key=IND_KEY, bind="query-params",
                    format_func=lambda c: BY_CODE[c].name)
item = BY_CODE[code]
st.caption(f"{item.definition}　分子：{item.numerator}；分母：{item.denominator}。")

# a district user compares their rates with every district's (rates only; the records stay their own)
both = figures(f, indicators=[code], districts=f.comparison_districts)
districts, city = grain(both, "district"), grain(both, "city")
own = f.districts[0] if f.locked and len(f.districts) == 1 else None  # a district user's own, drawn emphasised

group_options = f.groups


def pick_bar() -> None:
    points = st.session_state[BARS_KEY].selection.points
    if points:
        chosen = points[0].get("y")
        if chosen in group_options:
            st.session_state[GROUP_KEY] = chosen


left, right = st.columns([1, 1])
with left:
    total = f"{city['group_name'].iloc[0]} {fmt_rate(city['rate'].iloc[0])}" if len(city) else f"{CITY} 无数据"
    if len(city) and city["group_name"].iloc[0] != CITY:
        real = grain(figures(f, by=("city",), indicators=[code], districts=None), "city")
        total += f"，{CITY} {fmt_rate(real['rate'].iloc[0])}"
    fig = rate_bars(districts, category="group", title=f"{item.name}：各区市（{f.quarter.cn}，{total}）",
                    target=item.target, hover_unit=item.unit, highlight=own)
    show_chart(fig, item.name, "各区市", f.quarter.label, key=BARS_KEY, on_select=pick_bar)
    st.caption("颜色为评定等级；柱上标出比率和分母 n，浅色柱的 n 不足 "
               f"{SMALL_N}；无数据指分母为 0。点击柱条可在下方查看该区市的未达标明细。"
               + ("加框的是本区市。" if own else ""))
with right:
    quarters = quarter_range(f.quarter, 8)
    history = data.query(api.trend, quarters, by=["city", "district"], districts=f.comparison_districts,
                         indicators=[code])
    history = drawable_trend(history.assign(series=history["group_name"]), f)
    fig = trend_lines(history, series="series", title=f"{item.name}：近八个季度走势", target=item.target,
                      highlight=own, by_district=True)
    show_chart(fig, item.name, "近八个季度走势", f.quarter.label, key="cmp_trend")
    st.caption(f"{city['group_name'].iloc[0] if len(city) else CITY}为黑色虚线，各区市颜色在各页固定"
               + ("，本区市为粗线" if own else "") + "；某季度无数据（或该季度未收到相关报送）时折线断开。"
               + SMALL_N_NOTE)

# the values of the lines above, a row per line: the chart prints none (they would cover the lines)
labels = [q.label for q in quarters]
values, exported = trend_values(history, labels)
layout.table(values, f"{item.name}近八个季度数值", f.quarter.label, key="cmp_trend_values",
             export=exported, percent_columns=tuple(labels),
             caption="走势图各折线的数值；" + small_n_rule() + "无数据指该季度分母为 0 或未收到相关报送。")

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
exported = ranked.drop(columns=["等级"]).assign(**{item.name: ranking["rate"].astype(float).round(4).to_numpy()})
layout.table(ranked, f"{item.name}区市排名", f.quarter.label, key="cmp_rank", levels={item.name: "等级", "评定": "等级"},
             export=exported, percent_columns=(item.name,))

st.subheader("未达标明细")
group = st.selectbox("区市", group_options, key=GROUP_KEY, bind="query-params")
shortfall_section(f, code, group, key="cmp_shortfall")
