"""数据可信度: the reconciliation checks (对账) of the quarter — counts by check per district and per supervisor,
and the rows behind them with their source file and row."""
from ui.session import require_page

require_page()

import streamlit as st

from core.settings import section_title
from metrics import reconcile
from ui import data, filters as flt, layout
from ui.text import plain

ALL = "全部"
PER_ROW = 5

f = flt.current()
layout.page_header("数据可信度", f, templates=("企业名册", "人员台账", "隐患台账", "驻点工作日志", "季度检查表", "驻点派驻记录"),
                   note="把一份记录与另一份应当一致的记录相互印证（对账）：日志与隐患台账、检查表与人员台账、销号与验收……"
                        "“记录不一致”“记录错误”须更正；“数据缺口”是漏填，不等于工作没做；“需核实”是线索，不等于违规。")

summary = data.query(reconcile.reconcile_summary, f.quarter, as_of=f.as_of, districts=f.district_list)
for start in range(0, len(summary), PER_ROW):
    row = summary.iloc[start:start + PER_ROW]
    for column, item in zip(st.columns(PER_ROW), row.to_dict("records")):
        layout.count_card(column, item["检查项"], int(item["发现条数"]), layout.check_period(f, item["检查代码"]),
                          help=plain(f"{item['性质']}：{item['比对内容']}"))

st.subheader("各区市对账结果")
by_district = data.query(reconcile.reconcile_counts, f.quarter, by="district", as_of=f.as_of,
                         districts=f.district_list)
layout.table(by_district, "各区市对账检查条数", f.scope_label, f.quarter.label, key="rc_district",
             caption=f"按{f.quarter.cn}、截至 {f.as_of_label} 计；隐患台账类检查按各隐患的最新版本、截至日期前发现的计。")

st.subheader("各驻点人员对账结果")
by_supervisor = data.query(reconcile.reconcile_counts, f.quarter, by="supervisor", as_of=f.as_of,
                           districts=f.district_list)
layout.table(by_supervisor, "各驻点人员对账检查条数", f.scope_label, f.quarter.label, key="rc_supervisor",
             empty="所选范围内没有驻点人员。",
             caption="驻点人员：检查针对驻点人员本人的（日志断档、现场监督记录）为其本人；其余为该记录发生时驻在该企业的人员"
                     f"（无派驻记录的按企业名册）；企业无驻点人员的记为“{reconcile.NO_SUPERVISOR}”。")

st.subheader("对账明细")
names = {c.code: c.name for c in reconcile.CHECKS}
left, middle, right = st.columns(3)
chosen_check = left.selectbox("检查项", [ALL, *names], key="rc_check", format_func=lambda c: names.get(c, c))
chosen_district = middle.selectbox("区市", [ALL, *f.shown_districts], key="rc_where")
rows = data.query(reconcile.reconcile_rows, f.quarter, as_of=f.as_of,
                  districts=f.district_list if chosen_district == ALL else [chosen_district],
                  checks=None if chosen_check == ALL else [chosen_check])
people = sorted(set(rows["驻点人员"])) if len(rows) else []
chosen_person = right.selectbox("驻点人员", [ALL, *people], key="rc_person")
if chosen_person != ALL:
    rows = rows[rows["驻点人员"] == chosen_person]
layout.table(rows.drop(columns=["检查代码"]), "对账明细", f.scope_label, f.quarter.label, key="rc_rows",
             empty="所选范围内没有需要对账的记录。",
             caption="来源文件、工作表和行号指向要打开核对的那一行（行号为 Excel 中显示的行号）；说明列写明哪里不一致、如何处理。")

st.subheader("检查项说明")
layout.table(summary[["检查项", "性质", "比对内容", "为什么要查", "依据"]], "对账检查项说明", key="rc_about",
             caption=f"各项检查的容差写在比对内容一栏，为系统设置「{section_title('reconcile')}」的当前值；"
                     "依据中引号内为通知原文，“本办做法”为本办补充的口径。")
