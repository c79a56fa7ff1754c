"""指标说明: every indicator's definition, numerator, denominator and policy sentence."""
from ui.session import require_page

require_page()

import streamlit as st

from core.policy import practice
from core.settings import setting
from metrics.indicators import INDICATORS
from ui.style import legend_html

GRAIN_NAMES = {"city": "全市", "district": "区市", "enterprise": "企业"}
KIND_NAMES = {"target": "目标指标（目标 100%）", "supervision": "驻点监督工作指标"}

st.title("指标说明")  # the same for every quarter and district: the sidebar has no filters here

st.markdown(
    f"所有比率 = 分子 ÷ 分母；分母为 0 时显示 **无数据**，不视为 100%。区市比率为该区市各企业分子之和除以分母之和，"
    f"而非企业比率的平均。评定：比率 ≥ {setting('findings.pass_rate') * 100:.0f}% 为达标，"
    f"≥ {setting('findings.watch_rate') * 100:.0f}% 为关注，其余为整改。已关闭企业不参与任何指标。"
)
st.html(legend_html())

for kind, title in KIND_NAMES.items():
    st.subheader(title)
    for item in (i for i in INDICATORS if i.kind == kind):
        with st.container(border=True):
            st.markdown(f"#### {item.name}")
            st.markdown(f"**定义**：{item.definition}")
            left, right = st.columns(2)
            left.markdown(f"**分子**：{item.numerator}（{item.unit}）")
            right.markdown(f"**分母**：{item.denominator}（{item.unit}）")
            st.markdown("**政策依据**")
            st.text(item.quote.cited)
            if item.practice:
                st.caption(practice(item.practice))
            st.caption(f"目标值 {item.target * 100:.0f}%　·　统计层级：{'、'.join(GRAIN_NAMES[g] for g in item.grains)}"
                       f"　·　命令行代码：{item.code}")
