"""总览: the quarter's indicators, the indicator × district matrix, watch counts and the drill-down."""
from ui.session import require_page

require_page()

import streamlit as st

from metrics.api import WATCH_TITLES
from metrics.indicators import BY_CODE, INDICATORS, SUPERVISION, TARGETS
from ui import filters as flt, layout
from ui.indicators import cards, figures, grain, matrix, matrix_view, shortfall_section
from ui.style import legend_html

MATRIX_KEY, IND_KEY, GROUP_KEY = "ov_matrix", "ov_ind", "ov_grp"

f = flt.current()
layout.page_header("总览", f, missing_reports=True)

both = figures(f)
city = grain(both, "city")
st.subheader("八项目标指标（目标值均为 100%）")
cards(city, TARGETS)
st.subheader("驻点监督工作指标")
cards(city, SUPERVISION, per_row=3)

st.subheader("需要关注")
watch = layout.watch(f)
for column, (key, title) in zip(st.columns(len(WATCH_TITLES)), WATCH_TITLES.items()):
    with column:
        st.metric(title, f"{len(watch[key]):,}", border=True, help=f"截至 {f.as_of_label}；明细见页面下方「需要关注清单」。")

st.subheader("指标 × 区市评定矩阵")
st.html(legend_html())
st.caption("点击任一单元格，下方即列出该指标、该区市的未达标明细。")
groups = f.groups
table = matrix(both, groups)


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
layout.downloads(table.drop(columns=[f"{g}等级" for g in groups]), "指标区市评定矩阵", f.scope_label, f.quarter.label,
                 key="ov_matrix_dl")

st.subheader("未达标明细")
left, right = st.columns(2)
with left:
    code = st.selectbox("指标", [i.code for i in INDICATORS], key=IND_KEY, bind="query-params",
                        format_func=lambda c: BY_CODE[c].name)
with right:
    group = st.selectbox("区市", groups, key=GROUP_KEY, bind="query-params")
shortfall_section(f, code, group, key="ov_shortfall")

st.subheader("需要关注清单")
for tab, (key, title) in zip(st.tabs([f"{t}（{len(watch[k])}）" for k, t in WATCH_TITLES.items()]),
                             WATCH_TITLES.items()):
    with tab:
        layout.table(watch[key], title, f.scope_label, f.as_of, key=f"ov_watch_{key}",
                     empty=f"截至 {f.as_of_label}，没有{title}。")
