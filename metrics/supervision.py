"""Resident supervisors' work: stationing and rotation, log calendars, special operations, weekly summaries."""
from __future__ import annotations

from datetime import date

import pandas as pd

from core.settings import setting
from core.sqltext import sql_list, sql_literal
from metrics import rules, stationing
from metrics.browsing import fetch_frame, with_period
from metrics.scope import resolve_districts
from metrics.sql import base_ctes, district_list_cte, make_period
from metrics.stationing import kept_day_sets


# The rotation states of `metrics.stationing.rotation_state_sql` from the 应轮换日期 on, shown together as 待轮换.
ROTATION_DUE = ("超期未轮换", "应轮换", "交接中")
DUE = "待轮换"


def supervisors(con, quarter, *, as_of: date | None = None, districts: list[str] | None = None) -> pd.DataFrame:
    """Resident supervisors stationed at the as-of date (驻点派驻记录, else the roster): where, since when, and
    their rotation state of metrics.stationing.rotation_state_sql, the states of ROTATION_DUE shown as one
    (DUE: it has reached watch.rotation_months), 即将到期 within watch.rotation_notice_days."""
    chosen = resolve_districts(districts)
    period = make_period(quarter, as_of)
    spans = stationing.kept_spans(con, period, chosen) or f",\n{stationing.spans_sql()}"
    return fetch_frame(con, f"""
        WITH {base_ctes([period], chosen)},
        {district_list_cte(chosen)}{spans},
        stationed AS (
            SELECT *, CAST(stationed_on + to_months($rotation) AS DATE) AS rotate_on FROM linked WHERE open_at_as_of
        ),
        rotation AS (SELECT *, {stationing.rotation_state_sql()} AS state FROM stationed s)
        SELECT supervisor_name AS 驻点人员, district AS 区市, enterprise_name AS 企业名称,
               credit_code AS 统一社会信用代码, dispatch_unit AS 派出单位, stationed_on AS 进驻日期,
               CASE WHEN stationed_on <= as_of THEN as_of - stationed_on END AS 驻点天数,
               rotate_on AS 应轮换日期,
               CASE WHEN state IN {sql_list(ROTATION_DUE)} THEN {sql_literal(DUE)} ELSE state END AS 轮换状态
        FROM rotation
        ORDER BY rotate_on <= as_of DESC NULLS LAST, 驻点天数 DESC NULLS LAST, 区市, 驻点人员
    """, {"rotation": setting("watch.rotation_months")})


def _log_calendar(con, quarter, as_of: date | None, districts: list[str] | None) -> str:
    """The WITH clause of the log-fill views: the base relations, the day sets, `pairs` and `due_counts`."""
    chosen = resolve_districts(districts)
    return with_period(quarter, as_of, chosen) + kept_day_sets(con, make_period(quarter, as_of), chosen) + """,
    pairs AS (
        -- each supervisor once per enterprise, when stationed there at some time in the period
        SELECT DISTINCT s.supervisor_name, s.credit_code
        FROM stationings s, periods p
        WHERE coalesce(s.stationed_on <= p.period_end, TRUE) AND coalesce(s.withdrawn_on > p.q_start, TRUE)
    ),
    due_counts AS (
        -- per supervisor and enterprise: the days a log was due (supervision_days), and those with a log
        SELECT supervisor_name, credit_code, sum(bit_count(due))::BIGINT AS due,
               sum(bit_count(due & logged))::BIGINT AS filled
        FROM stationing_day_sets
        GROUP BY supervisor_name, credit_code
    )
"""


def log_fill_calendar(con, quarter, *, as_of: date | None = None, districts: list[str] | None = None,
                      credit_code: str | None = None, worst: int | None = None) -> pd.DataFrame:
    """One row per supervisor, enterprise and day of the quarter: was a log due, how many were filed.

    A log is due on the days the 工作日志填报率 counts (official working days, from the 进驻日期 and
    before a 撤离日期, up to the as-of date); logs on other days are shown but never due.
    `credit_code` keeps one enterprise; `worst` keeps the N stationings with the
    lowest fill rate (in that order), so a heat map need not fetch every day of every supervisor.
    """
    # The ranking reads the per-stationing counts; only the stationings kept get a row per day.
    return fetch_frame(con, f"""
        {_log_calendar(con, quarter, as_of, districts)},
        ranked AS (
            SELECT s.supervisor_name, s.credit_code,
                   row_number() OVER (ORDER BY c.filled / nullif(c.due, 0) NULLS FIRST,
                                      e.district, s.supervisor_name, s.credit_code) AS fill_rank
            FROM pairs s
            JOIN scope e USING (credit_code)
            LEFT JOIN due_counts c USING (supervisor_name, credit_code)
            WHERE $code IS NULL OR s.credit_code = $code
        ),
        kept AS (
            SELECT * FROM ranked WHERE $worst IS NULL OR fill_rank <= $worst
        ),
        all_days AS (
            SELECT CAST(unnest(generate_series(q_start, q_end, INTERVAL 1 DAY)) AS DATE) AS day FROM periods
        ),
        due_days AS (
            -- the kept pairs' rows of supervision_days (one per stationing and due day), read off the day sets
            SELECT supervisor_name, credit_code, q_start + i AS day
            FROM (
                SELECT d.*, unnest(range(d.last_day - d.q_start + 1))::INTEGER AS i
                FROM stationing_day_sets d
                SEMI JOIN kept k ON k.supervisor_name = d.supervisor_name AND k.credit_code = d.credit_code
            )
            WHERE ((due >> i) & 1) = 1
        ),
        filed AS (
            SELECT credit_code, {rules.supervisor_name("supervisor")} AS supervisor_name, log_date AS day,
                   count(*) AS logs
            FROM work_logs, periods
            WHERE log_date BETWEEN q_start AND q_end AND credit_code IN (SELECT credit_code FROM kept)
            GROUP BY ALL
        )
        SELECT r.supervisor_name AS 驻点人员, e.district AS 区市, e.enterprise_name AS 企业名称,
               r.credit_code AS 统一社会信用代码, a.day AS 日期, isodow(a.day) AS 星期, d.day IS NOT NULL AS 应填报,
               coalesce(f.logs, 0) AS 日志条数
        FROM kept r
        JOIN scope e USING (credit_code)
        CROSS JOIN all_days a
        LEFT JOIN due_days d
          ON d.credit_code = r.credit_code AND d.supervisor_name = r.supervisor_name AND d.day = a.day
        LEFT JOIN filed f
          ON f.credit_code = r.credit_code AND f.supervisor_name = r.supervisor_name AND f.day = a.day
        ORDER BY r.fill_rank, a.day
    """, {"code": credit_code, "worst": worst})


def log_fill_summary(con, quarter, *, as_of: date | None = None, districts: list[str] | None = None) -> pd.DataFrame:
    """Per supervisor and enterprise: due workdays, filled workdays and the fill rate (NULL when none was due)."""
    return fetch_frame(con, f"""
        {_log_calendar(con, quarter, as_of, districts)},
        per_stationing AS (
            SELECT s.supervisor_name, e.district, e.enterprise_name, coalesce(sum(c.due), 0)::BIGINT AS due_days,
                   coalesce(sum(c.filled), 0)::BIGINT AS filled_days
            FROM pairs s
            JOIN scope e USING (credit_code)
            LEFT JOIN due_counts c USING (supervisor_name, credit_code)
            GROUP BY s.supervisor_name, e.district, e.enterprise_name
        )
        SELECT supervisor_name AS 驻点人员, district AS 区市, enterprise_name AS 企业名称,
               due_days AS 应填报天数, filled_days AS 已填报天数, due_days - filled_days AS 缺报天数,
               CASE WHEN due_days > 0 THEN round(filled_days * 100.0 / due_days, 1) END AS "填报率（%）"
        FROM per_stationing
        ORDER BY "填报率（%）" NULLS FIRST, 区市, 驻点人员
    """)


def special_ops(con, quarter, *, as_of: date | None = None, districts: list[str] | None = None) -> pd.DataFrame:
    """Special operations in the quarter's logs (up to the as-of date), per district and operation type, and
    whether the type counts in 特殊作业现场监督率 (动火、设备检维修、高处作业 or no type)."""
    return fetch_frame(con, f"""
        {with_period(quarter, as_of, districts)},
        ops AS (
            SELECT e.district, coalesce(l.special_op_type, '未注明类型') AS op_type,
                   CASE WHEN {rules.onsite_required("l.special_op_type")} THEN '是' ELSE '否（在比率旁列示）' END
                       AS counted,
                   l.special_ops, coalesce(l.onsite, 0) AS onsite
            FROM period_logs l JOIN scope e USING (credit_code)
            WHERE l.special_ops > 0
        )
        SELECT district AS 区市, op_type AS 特殊作业类型, sum(special_ops)::INT AS 特殊作业数,
               sum(onsite)::INT AS 现场监督数, round(sum(onsite) * 100.0 / sum(special_ops), 1) AS "现场监督率（%）",
               counted AS 计入现场监督率
        FROM ops GROUP BY district, op_type, counted
        ORDER BY 区市, counted = '是' DESC, 特殊作业数 DESC
    """)


def weekly_summary(con, quarter, *, as_of: date | None = None, districts: list[str] | None = None,
                   supervisor: str | None = None) -> pd.DataFrame:
    """A weekly summary per supervisor drafted from the logs (the 周小结 the notice asks for). Its dates are the
    days of the week inside the quarter and not after the as-of date, the days whose logs it counts."""
    return fetch_frame(con, f"""
        {with_period(quarter, as_of, districts)},
        logs AS (
            SELECT l.* EXCLUDE (enterprise_name), e.district, e.enterprise_name,
                   {rules.supervisor_name("l.supervisor")} AS supervisor_name,
                   CAST(date_trunc('week', l.log_date) AS DATE) AS week_start,
                   -- the days of the week the quarter (up to the as-of date) covers: the label says no more
                   greatest(CAST(date_trunc('week', l.log_date) AS DATE), p.q_start) AS shown_from,
                   least(CAST(date_trunc('week', l.log_date) AS DATE) + 6, p.period_end) AS shown_to
            FROM work_logs l
            JOIN scope e USING (credit_code)
            JOIN periods p ON l.log_date BETWEEN p.q_start AND p.period_end
        ),
        weeks AS (
            SELECT supervisor_name, district, enterprise_name, week_start, shown_from, shown_to,
                   count(DISTINCT log_date) AS days,
                   coalesce(sum(issues_found), 0)::INT AS issues,
                   coalesce(sum(special_ops), 0)::INT AS ops,
                   coalesce(sum(onsite), 0)::INT AS onsite,
                   string_agg(DISTINCT content, '；' ORDER BY content) FILTER (WHERE content IS NOT NULL) AS contents,
                   string_agg(DISTINCT special_op_type, '、' ORDER BY special_op_type)
                       FILTER (WHERE special_op_type IS NOT NULL AND special_ops > 0) AS op_types
            FROM logs
            WHERE $supervisor IS NULL OR supervisor_name = $supervisor
            GROUP BY ALL
        )
        SELECT supervisor_name AS 驻点人员, district AS 区市, enterprise_name AS 企业名称, shown_from AS 起始日期,
               shown_to AS 截止日期,
               days AS 日志天数, issues AS 发现问题数, ops AS 特殊作业数, onsite AS 现场监督数,
               concat(
                   month(shown_from), '月', day(shown_from), '日—',
                   month(shown_to), '月', day(shown_to), '日：填报工作日志', days, '天，发现问题',
                   issues, '个；',
                   CASE WHEN ops > 0
                        THEN concat('监督特殊作业', ops, '次（', coalesce(op_types, '未注明类型'), '），现场监督',
                                    onsite, '次。')
                        ELSE '本周无特殊作业。' END,
                   '主要工作：', coalesce(contents, '（日志未填写工作内容）')
               ) AS 周小结草稿
        FROM weeks
        ORDER BY week_start DESC, district, supervisor_name
    """, {"supervisor": supervisor})
