"""数据质量: which files were loaded and when, data as of which date, quarantined rows with reasons,
rejected files, and enterprises with missing reports."""
import streamlit as st

from metrics import api, explore
from ui import data, filters as flt, layout
from ui.charts import count_bars, show_chart
from ui.style import fmt_date

f = flt.current()
layout.page_header("数据质量", f, templates=())

batches = data.query(explore.batches)
quarantine = data.query(explore.quarantine_rows)
rejected = data.query(explore.rejected_files)
coverage = data.query(explore.report_coverage, f.quarter, as_of=f.as_of, districts=f.district_list)
live = batches[batches["状态"] == "有效"] if len(batches) else batches
last = data.query(explore.last_loaded_at)

c1, c2, c3, c4, c5 = st.columns(5)
c1.metric("已导入文件", f"{len(live):,}", border=True)
c2.metric("最近导入", fmt_date(last) if last else "—", border=True)
c3.metric("数据截至", fmt_date(data.query(api.data_as_of)), border=True,
          help="已导入数据中最晚的业务日期（日志、隐患、培训、演练）。")
c4.metric("隔离行数", f"{len(quarantine):,}", border=True, help="格式或取值有误、未入库的数据行。")
c5.metric("拒收文件", f"{len(rejected):,}", border=True)

st.subheader("报送完整性")
missing = coverage[coverage["缺报项数"] > 0] if len(coverage) else coverage
st.caption(f"{f.quarter.cn}：季度检查表、本季度工作日志（有驻点人员的企业）、人员台账、近 12 个月演练，缺任何一项即列出。")
layout.table(missing, "有缺报的企业", f.scope_label, f.quarter.label, key="dq_missing", state_columns=("季度检查表",),
             empty="所选范围内企业的各项报送齐全。")

st.subheader("隔离的数据行")
if quarantine.empty:
    layout.no_data("没有被隔离的数据行。")
else:
    reasons = data.query(explore.quarantine_summary)
    fig = count_bars(reasons.head(15).assign(原因=reasons["模板"] + "：" + reasons["隔离原因"]), x="原因", ys=["行数"],
                     title="隔离原因（前 15 项）", horizontal=True, height=max(300, 60 + 30 * min(15, len(reasons))),
                     y_title="行数")
    show_chart(fig, "隔离原因", key="dq_reasons")
    layout.table(quarantine, "隔离行明细", key="dq_quarantine",
                 caption="行号为 Excel 中显示的行号；改正原文件后重新导入即可。")

st.subheader("已导入文件")
layout.table(batches, "导入批次", key="dq_batches", state_columns=(), empty="尚未导入任何文件。")

st.subheader("拒收的文件")
layout.table(rejected, "拒收文件", key="dq_rejected", empty="没有被拒收的文件。")
