"""总览: the quarter's indicators, the indicator × district matrix, watch counts and the drill-down."""
from ui.session import require_page

require_page()

import streamlit as st

from core.presentation import small_n_rule
from metrics.api import WATCH_LISTS
from metrics.indicators import BY_CODE, INDICATORS, SUPERVISION, TARGETS
from ui import filters as flt, layout
from ui.filters import BENCHMARK
from ui.indicators import cards, figures, grain, matrix, matrix_numbers, matrix_view, shortfall_section
from ui.meetings import figures_caption, prefetch_paper
from ui.style import legend_html
from ui.text import plain

MATRIX_KEY, IND_KEY, GROUP_KEY = "ov_matrix", "ov_ind", "ov_grp"

f = flt.current()
layout.prefetch_watch(f)  # the slowest read, computed beside the figures
both = figures(f)
watch = layout.watch(f)
layout.page_header("总览", f, missing_reports=True, watch_lists=watch)
figures_caption(f)

city = grain(both, "city")
# a district user and a selection see the real 全市 figure beside their own (rates, no records)
benchmark = grain(figures(f, by=("city",), districts=None), "city") if f.benchmark else None
st.subheader(f"八项目标指标（{f.quarter.cn}，目标值均为 100%）")
cards(city, TARGETS, f)
st.subheader(f"驻点监督工作指标（{f.quarter.cn}）")
cards(city, SUPERVISION, f, per_row=3)

st.subheader("需要关注")
WATCH_PER_ROW = 5
for start in range(0, len(WATCH_LISTS), WATCH_PER_ROW):
    row = WATCH_LISTS[start:start + WATCH_PER_ROW]
    for column, item in zip(st.columns(WATCH_PER_ROW), row):
        with column:
            layout.count_card(st, item.title, len(watch[item.code]), layout.watch_period(f, item.code),
                              help=plain(f"截至 {f.as_of_label}。{item.help}明细见页面下方「需要关注清单」。"))

st.subheader("指标 × 区市评定矩阵")
st.html(legend_html())
st.caption(small_n_rule() + "点击任一单元格，下方即列出该指标、该区市的未达标明细。"
           + (f"“{BENCHMARK}”列为全市的比率，只作对照，不列明细。" if benchmark is not None else ""))
groups = f.groups
table = matrix(both, groups, benchmark)


def pick_cell() -> None:
    """A clicked matrix cell chooses the indicator and district of the drill-down below."""
    cells = st.session_state[MATRIX_KEY].selection.cells
    if not cells:
        return
    row, column = cells[0]
    if 0 <= row < len(INDICATORS):
        st.session_state[IND_KEY] = INDICATORS[row].code
    if column in groups:
        st.session_state[GROUP_KEY] = column


matrix_view(table, groups, MATRIX_KEY, pick_cell)
numbers = matrix_numbers(both, groups, benchmark)
layout.downloads(numbers, "指标区市评定矩阵", f.scope_label, f.quarter.label, key="ov_matrix_dl",
                 percent_columns=tuple(c for c in numbers.columns if c != "指标"))
st.caption("下载的表格中比率为数值（Excel 中显示为百分数，CSV 中为小数，如 0.9444），空白为无数据。")

st.subheader("未达标明细")
left, right = st.columns(2)
with left:
    code = st.selectbox("指标", [i.code for i in INDICATORS], key=IND_KEY, bind="query-params",
                        format_func=lambda c: BY_CODE[c].name)
with right:
    group = st.selectbox("区市", groups, key=GROUP_KEY, bind="query-params")
shortfall_section(f, code, group, key="ov_shortfall")

st.subheader("需要关注清单")
layout.watch_tables(f, watch, WATCH_LISTS, key="ov_watch")
# The page opened next at the quarter's meeting: its paper is drafted while this one is read.
prefetch_paper(f)
