"""Data quality: loaded files (batches), quarantined rows, refused files and missing reports.

With `districts`, each view keeps only what can be told to belong to those districts (see each function).
"""
from __future__ import annotations

from datetime import date

import pandas as pd

from core.config import districts as configured_districts
from core.settings import fill
from core.sqltext import sql_literal
from warehouse.store import first_row
from warehouse.templates import BY_NAME, TEMPLATES
from metrics.browsing import IN_DISTRICTS, fetch_frame
from metrics.sql import window_months


_BATCH_COLUMNS = """
    b.batch_id AS 批次号, b.file_name AS 文件名, b.template AS 模板, b.sheets AS 工作表,
    {read} AS 读取行数, {loaded} AS 入库行数, {quarantined} AS 隔离行数,
    {skipped} AS 跳过行数, b.loaded_at AS 导入时间, b.loaded_by AS 导入人,
    CASE WHEN b.rolled_back_at IS NULL THEN '有效' ELSE '已撤销' END AS 状态,
    b.rolled_back_at AS 撤销时间
"""


def _loaded_by_district() -> str:
    """SQL: rows still loaded per batch and district (a roster row's own district, else its enterprise's)."""
    parts = []
    for template in TEMPLATES:
        if template.enterprise_ref:
            parts.append(f"SELECT t.batch_id, e.district, count(*) AS n FROM {template.name} t "
                         f"JOIN enterprises_current e USING (credit_code) GROUP BY ALL")
        else:
            parts.append(f"SELECT batch_id, district, count(*) AS n FROM {template.name} GROUP BY ALL")
    return "\n        UNION ALL ".join(parts)


def _batches_sql(districts: list[str] | None) -> str:
    """The batch list; with districts, only batches with rows of those districts, counted for those rows alone."""
    if districts is None:
        return f"""
            SELECT {_BATCH_COLUMNS.format(read="b.rows_read", loaded="b.rows_loaded",
                                          quarantined="b.rows_quarantined", skipped="b.rows_skipped")}
            FROM batches b
        """
    return f"""
        WITH {_quarantine_located(known_only=True)},
        loaded AS (
            SELECT batch_id, sum(n) AS n FROM ({_loaded_by_district()})
            WHERE list_contains(CAST($districts AS VARCHAR[]), district)
            GROUP BY batch_id
        ),
        quarantined AS (SELECT batch_id, count(*) AS n FROM located GROUP BY batch_id),
        own AS (
            SELECT batch_id, coalesce(l.n, 0)::INTEGER AS loaded, coalesce(q.n, 0)::INTEGER AS quarantined
            FROM loaded l FULL JOIN quarantined q USING (batch_id)
        )
        SELECT {_BATCH_COLUMNS.format(read="own.loaded + own.quarantined", loaded="own.loaded",
                                      quarantined="own.quarantined", skipped="NULL::INTEGER")}
        FROM batches b JOIN own USING (batch_id)
    """


def batches(con, *, districts: list[str] | None = None) -> pd.DataFrame:
    """Every loaded file, newest first.

    With `districts`, only the files that have rows of those districts, with 读取/入库/隔离行数 counted
    for those rows alone (跳过行数 belong to no district: empty). A loaded row belongs to its enterprise's
    district (a roster row to the district it gives); a quarantined row to the district inferred for it
    (`_quarantine_located`; a row of unknown district to none). A rolled-back batch no longer has rows,
    so it is listed for no district.
    """
    return fetch_frame(con, f"SELECT * FROM ({_batches_sql(districts)}) ORDER BY 批次号 DESC", _batch_params(districts))


def last_loaded_at(con, *, districts: list[str] | None = None):
    """When the latest batch still in force (of these districts' batches) was loaded; None when there is none."""
    return first_row(con, f"SELECT max(导入时间) FROM ({_batches_sql(districts)}) WHERE 状态 = '有效'",
                     _batch_params(districts))[0]


def _batch_params(districts: list[str] | None) -> dict:
    return {} if districts is None else {"districts": districts}


def _quarantine_located(*, known_only: bool = False) -> str:
    """CTEs ending in `located`: quarantined rows still in force, each with the district it concerns.

    A quarantined row was never loaded, so its district is inferred: from its raw cells (an
    enterprise name or credit code on the roster, else a district name or alias), else from a
    single district named in its file name. NULL when none is found (it may concern any district).
    `$districts` keeps the rows of those districts, and the rows of unknown district unless `known_only`.
    """
    config = configured_districts()
    aliases = ", ".join(f"({sql_literal(alias)}, {sql_literal(name)})" for alias, name in config.aliases.items())
    unknown = "FALSE" if known_only else "district IS NULL"
    return f"""
        live AS (
            SELECT q.*, row_number() OVER () AS qid
            FROM quarantine q JOIN batches b USING (batch_id)
            WHERE b.rolled_back_at IS NULL
        ),
        cells AS (
            SELECT l.qid,
                   replace(replace(regexp_replace(j.value ->> '$', '\\s', '', 'g'), '（', '('), '）', ')') AS text
            FROM live l, json_each(l.raw_json) j
        ),
        {_DISTRICT_ALIASES.format(aliases=aliases)},
        by_enterprise AS (
            SELECT c.qid, min(e.district) AS district
            FROM cells c JOIN enterprises_current e ON c.text = e.name_norm OR upper(c.text) = e.credit_code
            GROUP BY c.qid
        ),
        by_district_name AS (
            SELECT c.qid, min(a.district) AS district
            FROM cells c JOIN district_aliases a ON {config.strip_prefix_sql("c.text")} = a.alias
            GROUP BY c.qid
        ),
        by_file_name AS (
            SELECT l.qid, min(a.district) AS district
            FROM live l JOIN district_aliases a ON contains(l.file_name, a.alias)
            GROUP BY l.qid
            HAVING count(DISTINCT a.district) = 1
        ),
        inferred AS (
            SELECT l.*, coalesce(be.district, bd.district, bf.district) AS district
            FROM live l
            LEFT JOIN by_enterprise be USING (qid)
            LEFT JOIN by_district_name bd USING (qid)
            LEFT JOIN by_file_name bf USING (qid)
        ),
        located AS (
            SELECT * FROM inferred
            WHERE CAST($districts AS VARCHAR[]) IS NULL OR {unknown}
               OR list_contains(CAST($districts AS VARCHAR[]), district)
        )
    """


_DISTRICT_ALIASES = "district_aliases(alias, district) AS (VALUES {aliases})"


def quarantine_rows(con, *, districts: list[str] | None = None, known_only: bool = False) -> pd.DataFrame:
    """Quarantined rows of batches still in force, with where they came from, why, and the district they concern.

    With `districts`, rows of other districts are left out; rows of unknown district are kept unless `known_only`.
    """
    return fetch_frame(con, f"""
        WITH {_quarantine_located(known_only=known_only)}
        SELECT coalesce(district, '未能识别') AS 区市, template AS 模板, file_name AS 来源文件, sheet AS 工作表,
               "row" AS 行号, "column" AS 列, value AS 原值, reason AS 隔离原因, batch_id AS 批次号
        FROM located
        ORDER BY batch_id DESC, file_name, sheet, "row"
    """, {"districts": districts})


def quarantine_summary(con, *, districts: list[str] | None = None, known_only: bool = False) -> pd.DataFrame:
    """Quarantined rows per template and reason."""
    return fetch_frame(con, f"""
        WITH {_quarantine_located(known_only=known_only)}
        SELECT template AS 模板, reason AS 隔离原因, count(*) AS 行数
        FROM located
        GROUP BY ALL
        ORDER BY 行数 DESC, 模板
    """, {"districts": districts})


def quarantine_counts(con, *, districts: list[str] | None = None, known_only: bool = False) -> dict[str, int]:
    """Quarantined rows still in force per template (Chinese title) that may concern the districts, in the
    contract's order of the templates."""
    rows = con.execute(f"""
        WITH {_quarantine_located(known_only=known_only)}
        SELECT template, count(*) FROM located GROUP BY ALL
    """, {"districts": districts}).fetchall()
    order = {t.name: n for n, t in enumerate(TEMPLATES)}
    rows.sort(key=lambda row: (order.get(row[0], len(order)), row[0]))
    return {_template_title(name): n for name, n in rows}


def _template_title(name: str) -> str:
    template = BY_NAME.get(name)
    return template.title if template else name


def rejected_files(con, *, districts: list[str] | None = None) -> pd.DataFrame:
    """Files refused whole, newest first.

    A refused file has no rows to tell its district by; with `districts`, only the files whose name
    names exactly one district, one of these (a file naming none or several is listed for no district).
    """
    config = configured_districts()
    aliases = ", ".join(f"({sql_literal(alias)}, {sql_literal(name)})" for alias, name in config.aliases.items())
    return fetch_frame(con, f"""
        WITH {_DISTRICT_ALIASES.format(aliases=aliases)},
        named AS (
            SELECT r.rowid AS rid, min(a.district) AS district
            FROM rejected_files r JOIN district_aliases a ON contains(r.file_name, a.alias)
            GROUP BY r.rowid
            HAVING count(DISTINCT a.district) = 1
        )
        SELECT r.file_name AS 文件名, r.reason AS 拒收原因, r.rejected_at AS 拒收时间, r.rejected_by AS 操作人
        FROM rejected_files r LEFT JOIN named n ON n.rid = r.rowid
        WHERE CAST($districts AS VARCHAR[]) IS NULL OR list_contains(CAST($districts AS VARCHAR[]), n.district)
        ORDER BY r.rejected_at DESC
    """, {"districts": districts})


def drills_column() -> str:
    """The coverage column counting an enterprise's drills in the indicators' window (indicators.window_months)."""
    return fill("近{indicators.window_months}个月演练次数")


def report_coverage(con, quarter, *, as_of: date | None = None, districts: list[str] | None = None) -> pd.DataFrame:
    """Per enterprise in scope: which of its reports arrived for the quarter (缺报 = missing)."""
    as_of = as_of or quarter.end
    return fetch_frame(con, f"""
        WITH scope AS (
            SELECT e.* FROM enterprises_in_scope e WHERE {IN_DISTRICTS}
        ),
        checklist AS (
            SELECT DISTINCT credit_code FROM checklists_current WHERE quarter = $label
        ),
        logs AS (
            SELECT credit_code, count(DISTINCT log_date) AS days
            FROM work_logs WHERE log_date BETWEEN $start AND $end GROUP BY ALL
        ),
        staff AS (
            SELECT credit_code, count(*) AS people FROM staff_current GROUP BY ALL
        ),
        hazards AS (
            SELECT credit_code, count(*) AS n FROM hazards_current
            WHERE found_on BETWEEN $start AND $end GROUP BY ALL
        ),
        drills AS (
            SELECT credit_code, count(*) AS n FROM drills
            WHERE drill_date > $as_of - to_months($months) AND drill_date <= $as_of GROUP BY ALL
        ),
        coverage AS (
            SELECT e.district, e.enterprise_name, e.credit_code, e.supervisor,
                   c.credit_code IS NOT NULL AS has_checklist,
                   coalesce(l.days, 0) AS log_days,
                   coalesce(s.people, 0) AS people,
                   coalesce(h.n, 0) AS hazards,
                   coalesce(d.n, 0) AS drills
            FROM scope e
            LEFT JOIN checklist c USING (credit_code)
            LEFT JOIN logs l USING (credit_code)
            LEFT JOIN staff s USING (credit_code)
            LEFT JOIN hazards h USING (credit_code)
            LEFT JOIN drills d USING (credit_code)
        )
        SELECT district AS 区市, enterprise_name AS 企业名称, credit_code AS 统一社会信用代码,
               CASE WHEN has_checklist THEN '已报' ELSE '未报' END AS 季度检查表,
               log_days AS 本季度日志天数, people AS 人员台账人数, hazards AS 本季度隐患条数,
               drills AS "{drills_column()}",
               (NOT has_checklist)::INT + (log_days = 0 AND supervisor IS NOT NULL)::INT
                 + (people = 0)::INT + (drills = 0)::INT AS 缺报项数
        FROM coverage
        ORDER BY 缺报项数 DESC, 区市, 企业名称
    """, {"districts": districts, "label": quarter.label, "start": quarter.start, "end": quarter.end,
          "as_of": as_of, "months": window_months()})
