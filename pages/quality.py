"""数据质量: which files were loaded and when, data as of which date, quarantined rows with reasons,
rejected files, and enterprises with missing reports."""
from ui.session import require_page

require_page()

import streamlit as st

from core.settings import setting
from metrics import api, quality
from ui import data, filters as flt, layout
from ui.charts import count_bars, show_chart
from ui.style import facts_html, fmt_date

f = flt.current()
layout.page_header("数据质量", f, templates=())

batches = data.query(quality.batches, districts=f.district_list)
quarantine = data.query(quality.quarantine_rows, districts=f.district_list)
rejected = data.query(quality.rejected_files, districts=f.district_list)
coverage = data.query(quality.report_coverage, f.quarter, as_of=f.as_of, districts=f.district_list)
live = batches[batches["状态"] == "有效"] if len(batches) else batches
last = data.query(quality.last_loaded_at, districts=f.district_list)

missing = coverage[coverage["缺报项数"] > 0] if len(coverage) else coverage
as_of_data = data.query(api.data_as_of)
st.html(facts_html({
    "最近导入": f"{fmt_date(last)} {last:%H:%M}" if last else "尚未导入",
    "数据截至（最晚业务日期）": fmt_date(as_of_data) if as_of_data else "—",
    "统计季度": f.quarter.cn,
    "统计范围": f.scope_label,
}))
counts = [("已导入文件", len(live), "历次导入累计", "仍有效（未撤销）的导入批次。"),
          ("隔离行数", len(quarantine), "历次导入累计", "格式或取值有误、未入库的数据行。"),
          ("拒收文件", len(rejected), "历次导入累计", "无法识别为任何模板的文件。"),
          ("有缺报的企业", len(missing), "本季度", f"{f.quarter.cn}缺少季度检查表、工作日志、人员台账或演练记录之一的企业。")]
for column, (label, value, period, help_text) in zip(st.columns(len(counts)), counts):
    layout.count_card(column, label, value, period, help=help_text)

st.subheader("报送完整性")
st.caption(f"{f.quarter.cn}：季度检查表、本季度工作日志（有驻点人员的企业）、人员台账、"
           f"近 {setting('indicators.window_months')} 个月演练，缺任何一项即列出。")
layout.table(missing, "有缺报的企业", f.scope_label, f.quarter.label, key="dq_missing", state_columns=("季度检查表",),
             empty="所选范围内企业的各项报送齐全。")

st.subheader("隔离的数据行")
if quarantine.empty:
    layout.no_data("没有被隔离的数据行。")
else:
    reasons = data.query(quality.quarantine_summary, districts=f.district_list)
    per_template = reasons.groupby("模板", as_index=False)["行数"].sum().sort_values("行数", ascending=False)
    if len(per_template) > 1:
        left, right = st.columns([2, 3])
        with left:
            fig = count_bars(per_template, x="模板", ys=["行数"], title="各模板隔离行数", horizontal=True,
                             height=max(260, 80 + 34 * len(per_template)), y_title="行数")
            show_chart(fig, "隔离行数_按模板", f.scope_label, key="dq_reasons")
        with right:
            layout.table(reasons, "隔离原因汇总", f.scope_label, key="dq_reason_table")
    else:
        layout.table(reasons, "隔离原因汇总", f.scope_label, key="dq_reason_table")
    layout.table(quarantine, "隔离行明细", key="dq_quarantine",
                 caption="行号为 Excel 中显示的行号；改正原文件后重新导入即可。")

st.subheader("已导入文件")
by_district = f.district_list is not None
layout.table(batches, "导入批次", f.scope_label, key="dq_batches", state_columns=(), empty="尚未导入任何文件。",
             caption=f"只列出含{f.scope_label}数据行的文件；读取、入库、隔离行数只计{f.scope_label}的行。"
             if by_district else None)

st.subheader("拒收的文件")
layout.table(rejected, "拒收文件", f.scope_label, key="dq_rejected", empty="没有被拒收的文件。",
             caption=f"拒收的文件没有可识别区市的数据行，只列出文件名中写明{f.scope_label}的文件。"
             if by_district else None)
