"""总览: the quarter's indicators, the district × indicator matrix, watch counts and the drill-down."""
import streamlit as st

from metrics.api import WATCH_TITLES
from metrics.indicators import INDICATORS
from ui import filters as flt, layout
from ui.filters import CITY
from ui.indicators import SUPERVISION, TARGETS, cards, matrix, matrix_view, report, shortfall_section, with_change
from ui.style import legend_html

MATRIX_KEY, IND_KEY, GROUP_KEY = "ov_matrix", "ov_ind", "ov_grp"

f = flt.current()
layout.page_header("总览", f, missing_reports=True)

figures = with_change(f, "city")
st.subheader("八项目标指标（目标值均为 100%）")
cards(figures, TARGETS)
st.subheader("驻点监督工作指标")
cards(figures, SUPERVISION, per_row=3)

st.subheader("需要关注")
watch = layout.watch(f)
for column, (key, title) in zip(st.columns(len(WATCH_TITLES)), WATCH_TITLES.items()):
    with column:
        st.metric(title, f"{len(watch[key]):,}", border=True,
                  help="截至日期的情况；明细见下方「需要关注清单」。")

st.subheader("区市 × 指标评定矩阵")
st.html(legend_html())
st.caption("点击任一单元格，下方即列出该区市、该指标的未达标明细。")
table = matrix(report(f, "city"), report(f, "district"))
group_options = [CITY] + f.shown_districts
indicator_codes = [i.code for i in INDICATORS]


def pick_cell() -> None:
    """A clicked matrix cell chooses the indicator and district of the drill-down."""
    cells = st.session_state[MATRIX_KEY].selection.cells
    if not cells:
        return
    row, column = cells[0]
    names = {i.name: i.code for i in INDICATORS}
    code = names.get(str(column).removesuffix("等级"))
    if code:
        st.session_state[IND_KEY] = code
    if 0 <= row < len(table):
        st.session_state[GROUP_KEY] = table.loc[row, "区市"]


matrix_view(table, MATRIX_KEY, pick_cell)

st.subheader("未达标明细")
left, right = st.columns(2)
with left:
    code = st.selectbox("指标", indicator_codes, key=IND_KEY, bind="query-params",
                        format_func=lambda c: next(i.name for i in INDICATORS if i.code == c))
with right:
    group = st.selectbox("区市", group_options, key=GROUP_KEY, bind="query-params")
shortfall_section(f, code, group, key="ov_shortfall")

st.subheader("需要关注清单")
for tab, (key, title) in zip(st.tabs([f"{t}（{len(watch[k])}）" for k, t in WATCH_TITLES.items()]),
                             WATCH_TITLES.items()):
    with tab:
        layout.table(watch[key], title, f.scope_label, f.as_of, key=f"ov_watch_{key}",
                     empty=f"截至 {f.as_of_label}，没有{title}。")
