"""会商材料: the quarterly meeting pack in one click — the paper's text (editable), the Word brief,
the data workbook, the printable report and the chart images, for the quarter and districts in the sidebar."""
from ui.session import require_page

require_page()

import plotly.graph_objects as go
import streamlit as st

from access.scope import Scope
from metrics.sql import AsOfError
from pack import images
from pack.brief import build_brief
from pack.charts import overview_chart
from metrics.indicators import TARGETS
from pack.content import gather
from pack.draft import SECTION_TITLES, common_tasks, draft_sections
from pack.report_html import build_html
from pack.workbook import build_workbook
from ui import data, filters as flt, layout
from ui.charts import show_chart
from ui.session import audited, current_user

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEXT_HEIGHTS = {"work": 180, "indicators": 200, "problems": 360, "tasks": 360}

f = flt.current()
layout.page_header("会商材料", f, missing_reports=True,
                   note="按左侧所选季度、截至日期和区市，一键生成季度研究会商材料：会商材料（Word）、数据工作簿（Excel）、"
                        "打印版报告（HTML，可在浏览器中打印为 PDF）和图表图片。")

# A district user's pack covers their districts only (the rates too, so the paper's totals add up).
user = current_user()
districts = Scope(tuple(user.districts) if user and user.districts else None).clamp(f.district_list)
try:
    # Every metrics call of the pack goes through the cached, access-scoped dashboard query.
    content = gather(data.query, f.quarter, as_of=f.as_of_input, districts=districts)
except AsOfError as error:
    st.error(f"{error} 请在左侧重新选择截至日期。")
    st.stop()

scope = f"{f.quarter.label}_{f.as_of:%Y%m%d}_{'_'.join(districts or []) or '全市'}"
text_keys = {key: f"pack_text_{key}_{scope}" for key in SECTION_TITLES}

# ------------------------------------------------------------------ at a glance
city = content.figures[content.figures["grain"] == "city"].set_index("indicator")
met = int((city.loc[[i.code for i in TARGETS], "level"] == "达标").sum())
c1, c2, c3, c4 = st.columns(4)
c1.metric("目标指标达标", f"{met} / {len(TARGETS)} 项", border=True)
c2.metric("超期未整改隐患", f"{len(content.watch['overdue_hazards']):,}", border=True)
c3.metric("未报季度检查表", f"{len(content.watch['missing_checklists']):,} 家", border=True)
c4.metric("建议共性任务", f"{len(common_tasks(content))} 项", border=True)
with st.expander("图表预览", icon=":material/bar_chart:"):
    show_chart(go.Figure(overview_chart(content)), "各项指标完成情况", f.scope_label, f.quarter.label,
               key="pack_overview")

drafts = draft_sections(content)
# The edited text as the user left it (widget values are in the session state before the page runs).
texts = {key: st.session_state.get(widget, drafts[key]) for key, widget in text_keys.items()}

# ------------------------------------------------------------------ downloads
st.subheader("下载")
left, middle, right = st.columns(3)
with left:
    st.download_button("会商材料（Word）", data=audited(lambda: build_brief(content, texts), "下载会商材料", f"{content.stem}.docx"),
                       file_name=f"{content.stem}.docx",
                       mime=DOCX, on_click="ignore", icon=":material/description:", type="primary",
                       key="pack_docx", width="stretch")
with middle:
    st.download_button("数据工作簿（Excel）", data=audited(lambda: build_workbook(content), "下载会商材料", f"{content.stem}.xlsx"),
                       file_name=f"{content.stem}.xlsx",
                       mime=XLSX, on_click="ignore", icon=":material/table_view:", key="pack_xlsx",
                       width="stretch")
with right:
    st.download_button("打印版报告（HTML）", data=audited(lambda: build_html(content, texts).encode("utf-8"), "下载会商材料", f"{content.stem}.html"),
                       file_name=f"{content.stem}.html", mime="text/html", on_click="ignore",
                       icon=":material/print:", key="pack_html", width="stretch")
st.caption("会商材料（Word）和打印版报告使用下方“材料正文”中修改后的文字。工作簿含：说明、指标总表、"
           "各指标分表（含柱状图和走势图）、短板清单、超期隐患、重大隐患、证书到期预警、未报检查表、轮换到期、驻点工作。"
           "打印版报告用浏览器打开后选择“打印”，纸张 A4，即可另存为 PDF。")

st.subheader("图表图片")
png_key = f"pack_png_{scope}"
if images.chromium_path() is None:
    st.warning(f"本机没有安装 Chromium 浏览器，无法导出图表图片。请系统管理员安装：`{images.INSTALL_HINT}`",
               icon=":material/warning:")
else:
    if st.button("生成图表图片（PNG）", icon=":material/image:", key="pack_png_make"):
        with st.spinner("正在生成全部图表图片，约需十几秒……"):
            try:
                st.session_state[png_key] = images.render_png_zip(content)
            except images.ChartImagesUnavailable as problem:
                st.error(str(problem))
    if png_key in st.session_state:
        st.download_button("下载图表图片（ZIP）", data=audited(lambda: st.session_state[png_key], "下载会商材料", f"{content.stem}_图表.zip"),
                           file_name=f"{content.stem}_图表.zip",
                           mime="application/zip", on_click="ignore", icon=":material/download:", key="pack_png")
    else:
        st.caption("每项指标的各区市柱状图和近八个季度走势图，另加各项指标总览图，每张一个 PNG 文件。")

# ------------------------------------------------------------------ the paper's text
st.subheader("材料正文（可修改）")
st.caption("以下文字由系统根据数据起草，可直接修改；上方下载的会商材料（Word）和打印版报告使用修改后的文字，"
           "表格始终按数据生成。以“（一）”开头的行排为小标题。")


def restore_drafts() -> None:
    for key in text_keys.values():
        st.session_state.pop(key, None)


for key, title in SECTION_TITLES.items():
    st.text_area(title, value=drafts[key], key=text_keys[key], height=TEXT_HEIGHTS[key])
st.button("恢复为系统起草的文字", on_click=restore_drafts, icon=":material/restart_alt:", key="pack_restore")
