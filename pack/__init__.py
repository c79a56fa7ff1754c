"""会商材料: the quarterly consultation pack (workbook, brief, printable report, chart images).

`pack.content.gather` reads every figure once through `metrics`; the builders
(`pack.workbook`, `pack.brief`, `pack.report_html`, `pack.images`) only format
that content. Nothing here imports streamlit.
"""
