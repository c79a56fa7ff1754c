"""一企一策 智能化改造: progress by district and each enterprise's projects, from the 智能化改造台账 (§3.9).

The notice (二（七）) asks supervisors to push enterprises to 开展企业智能化诊断，编制“一企一策”改造方案，实施关键岗位
“机器换人、自动化减人、智能化改造”. Everything is judged as of the as-of date: an enterprise is 已诊断 with a 诊断日期
on or before it, has a plan with a 方案日期 on or before it, and a project is done with a 实际完成日期 on or before
it. A project is late (逾期未完成) when its 计划完成日期 is before the as-of date and it is not done by then (the
watch list `late_retrofit_projects` lists them); done after its 计划完成日期 is 逾期完成. Projects whose plan is
dated after the as-of date are left out. 减少危险岗位人数 counts done projects only.
"""
from __future__ import annotations

from datetime import date

import pandas as pd

from core.quarters import Quarter, parse_quarter
from core.sqltext import sql_list, sql_literal
from metrics.lists import frame_of
from metrics.scope import aggregate_label, resolve_districts
from metrics.sql import base_ctes, district_list_cte, make_period

_PROJECTS = """
projects AS (
    SELECT x.* EXCLUDE (enterprise_name), e.district, e.enterprise_name, e.enterprise_key, d.district_order, p.as_of,
           coalesce(x.completed_on <= p.as_of, FALSE) AS done,
           x.planned_on < p.as_of AND NOT coalesce(x.completed_on <= p.as_of, FALSE) AS overdue,
           coalesce(x.completed_on <= p.as_of AND x.completed_on > x.planned_on, FALSE) AS done_late
    FROM retrofit_projects_current x
    JOIN scope e ON e.credit_code = x.credit_code
    JOIN district_list d ON d.district = e.district
    CROSS JOIN periods p
    WHERE coalesce(x.plan_on <= p.as_of, TRUE) {only}
)"""


def _head(quarter: Quarter | str, as_of: date | None, districts: list[str], credit_code: str | None = None) -> str:
    period = make_period(parse_quarter(quarter), as_of)
    only = f"AND x.credit_code IN {sql_list([credit_code])}" if credit_code else ""
    return f"WITH {base_ctes([period], districts)},\n{district_list_cte(districts)},\n{_PROJECTS.format(only=only)}"


PROGRESS_COLUMNS = ("区市", "企业数", "已诊断", "已编制方案", "有项目完成", "改造项目", "已完成项目", "其中逾期完成",
                    "逾期未完成", "减少危险岗位人数", "计划投资（万元）")


def retrofit_progress(con, quarter: Quarter | str, *, as_of: date | None = None,
                      districts: list[str] | None = None) -> pd.DataFrame:
    """Per district (every district chosen, with zeros), then the total row (全市, or 所选区市合计): enterprises in
    scope, diagnosed, with a plan, with at least one project done; projects, done, done late, late (open past
    their planned date); dangerous posts reduced by the done projects; planned investment."""
    chosen = resolve_districts(districts)
    total = sql_literal(aggregate_label(chosen))
    return frame_of(con, _head(quarter, as_of, chosen) + f""",
per_enterprise AS (
    SELECT e.credit_code, e.district,
           coalesce(bool_or(x.diagnosed_on <= x.as_of), FALSE) AS diagnosed,
           coalesce(bool_or(x.plan_on <= x.as_of), FALSE) AS planned,
           coalesce(bool_or(x.done), FALSE) AS any_done,
           count(x.project_name) AS projects, count(*) FILTER (WHERE x.done) AS done,
           count(*) FILTER (WHERE x.done_late) AS done_late, count(*) FILTER (WHERE x.overdue) AS overdue,
           coalesce(sum(x.posts_reduced) FILTER (WHERE x.done), 0) AS posts, coalesce(sum(x.investment), 0) AS money
    FROM scope e
    LEFT JOIN projects x ON x.credit_code = e.credit_code
    GROUP BY e.credit_code, e.district
),
rolled AS (
    SELECT d.district, d.district_order, grouping(d.district) AS is_total,
           count(f.credit_code) AS enterprises, count(*) FILTER (WHERE f.diagnosed) AS diagnosed,
           count(*) FILTER (WHERE f.planned) AS planned, count(*) FILTER (WHERE f.any_done) AS any_done,
           coalesce(sum(f.projects), 0)::BIGINT AS projects, coalesce(sum(f.done), 0)::BIGINT AS done,
           coalesce(sum(f.done_late), 0)::BIGINT AS done_late, coalesce(sum(f.overdue), 0)::BIGINT AS overdue,
           coalesce(sum(f.posts), 0)::BIGINT AS posts, coalesce(sum(f.money), 0) AS money
    FROM district_list d
    LEFT JOIN per_enterprise f ON f.district = d.district
    GROUP BY GROUPING SETS ((d.district, d.district_order), ())
)
SELECT CASE WHEN is_total = 1 THEN {total} ELSE district END AS "区市", enterprises AS "企业数",
       diagnosed AS "已诊断", planned AS "已编制方案", any_done AS "有项目完成", projects AS "改造项目",
       done AS "已完成项目", done_late AS "其中逾期完成", overdue AS "逾期未完成", posts AS "减少危险岗位人数",
       round(money, 2) AS "计划投资（万元）"
FROM rolled
ORDER BY is_total, district_order
""")


PROJECT_COLUMNS = ("区市", "企业名称", "统一社会信用代码", "项目名称", "改造类型", "诊断日期", "方案日期", "计划完成日期",
                   "实际完成日期", "进展", "逾期天数", "投资金额（万元）", "减少危险岗位人数", "来源文件", "工作表", "行号")


def retrofit_projects(con, quarter: Quarter | str, *, as_of: date | None = None, districts: list[str] | None = None,
                      credit_code: str | None = None) -> pd.DataFrame:
    """Each project with where it stands on the as-of date: 已完成 / 逾期完成 / 逾期未完成 (with days late) /
    推进中; late ones first."""
    return frame_of(con, _head(quarter, as_of, resolve_districts(districts), credit_code) + """
SELECT district AS "区市", enterprise_name AS "企业名称", credit_code AS "统一社会信用代码", project_name AS "项目名称",
       retrofit_type AS "改造类型", diagnosed_on AS "诊断日期", plan_on AS "方案日期", planned_on AS "计划完成日期",
       CASE WHEN done THEN completed_on END AS "实际完成日期",
       CASE WHEN done_late THEN '逾期完成' WHEN done THEN '已完成' WHEN overdue THEN '逾期未完成' ELSE '推进中' END AS "进展",
       CASE WHEN done_late THEN date_diff('day', planned_on, completed_on)
            WHEN overdue THEN date_diff('day', planned_on, as_of) END AS "逾期天数",
       investment AS "投资金额（万元）", posts_reduced AS "减少危险岗位人数",
       source_file AS "来源文件", source_sheet AS "工作表", source_row AS "行号"
FROM projects
ORDER BY overdue DESC, district_order, enterprise_key, planned_on, project_name
""")


def retrofit_line(progress: pd.DataFrame) -> str:
    """One sentence for the meeting paper from `retrofit_progress`'s total row."""
    row = progress.iloc[-1]
    return (f"一企一策智能化改造：{row['区市']}{int(row['企业数'])}家企业中，{int(row['已诊断'])}家完成智能化诊断、"
            f"{int(row['已编制方案'])}家编制改造方案、{int(row['有项目完成'])}家有项目完成；改造项目{int(row['改造项目'])}个，"
            f"已完成{int(row['已完成项目'])}个（其中逾期完成{int(row['其中逾期完成'])}个），逾期未完成{int(row['逾期未完成'])}个；"
            f"已完成项目减少危险岗位{int(row['减少危险岗位人数'])}人。")
