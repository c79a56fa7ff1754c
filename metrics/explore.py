"""Read-only browsing queries behind the dashboard pages that are not indicators.

Enterprise search and profile, hazard breakdowns and ageing, supervisors' work
(log calendars, special operations, stationing, weekly summaries) and data
quality (batches, quarantine, rejected files, missing reports).

Every function takes a DuckDB connection and returns a DataFrame whose column
names are the Chinese labels shown (and exported) by the dashboard. `districts`
is None for all districts, else the canonical names to keep. `quarter` is a
`core.quarters.Quarter` (only its `start` and `end` dates are used).
"""
from __future__ import annotations

from datetime import date

import pandas as pd

from core.config import districts as configured_districts, settings
from warehouse.store import first_row, is_demo as store_is_demo
from warehouse.templates import BY_NAME, KEY_STAFF_CATEGORIES, TEMPLATES
from metrics.scope import resolve_districts
from metrics.sql import base_ctes, make_period

# A reusable predicate: the enterprise alias `e` lies in the chosen districts.
_IN_DISTRICTS = "(CAST($districts AS VARCHAR[]) IS NULL OR list_contains(CAST($districts AS VARCHAR[]), e.district))"

# Hazard breakdowns: key -> (Chinese label, expression over the hazard base rows).
HAZARD_GROUPINGS = {
    "status": ("整改状态", "coalesce(status, '未填写')"),
    "category": ("隐患类别", "category"),
    "level": ("隐患等级", "level"),
    "district": ("区市", "ent_district"),
    "method": ("检查方式", "coalesce(method, '未填写')"),
}

AGEING_BUCKETS = ("30天以内", "31–60天", "61–90天", "90天以上")


def _frame(con, sql: str, params: dict | None = None) -> pd.DataFrame:
    return con.execute(sql, params or {}).df()


def _watch_setting(key: str, fallback: int) -> int:
    return int(settings().get("watch", {}).get(key, fallback))


def _window_months() -> int:
    return int(settings().get("indicators", {}).get("window_months", 12))


# --------------------------------------------------------------------------- meta

def meta_value(con, key: str) -> str | None:
    row = first_row(con, "SELECT value FROM meta WHERE key = ?", [key])
    return row[0] if row else None


def is_demo(con) -> bool:
    return store_is_demo(con)


def has_any_data(con) -> bool:
    return bool(first_row(con, "SELECT count(*) FROM enterprises")[0])


# ------------------------------------------------------------------ data quality

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
    return _frame(con, f"SELECT * FROM ({_batches_sql(districts)}) ORDER BY 批次号 DESC", _batch_params(districts))


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
    aliases = ", ".join(f"({_literal(alias)}, {_literal(name)})" for alias, name in config.aliases.items())
    prefixes = "|".join(config.strip_prefixes) or "$^"
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
            FROM cells c JOIN district_aliases a ON regexp_replace(c.text, '^({prefixes})', '') = a.alias
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


def _literal(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def quarantine_rows(con, *, districts: list[str] | None = None, known_only: bool = False) -> pd.DataFrame:
    """Quarantined rows of batches still in force, with where they came from, why, and the district they concern.

    With `districts`, rows of other districts are left out; rows of unknown district are kept unless `known_only`.
    """
    return _frame(con, f"""
        WITH {_quarantine_located(known_only=known_only)}
        SELECT coalesce(district, '未能识别') AS 区市, template AS 模板, file_name AS 来源文件, sheet AS 工作表,
               "row" AS 行号, "column" AS 列, value AS 原值, reason AS 隔离原因, batch_id AS 批次号
        FROM located
        ORDER BY batch_id DESC, file_name, sheet, "row"
    """, {"districts": districts})


def quarantine_summary(con, *, districts: list[str] | None = None, known_only: bool = False) -> pd.DataFrame:
    """Quarantined rows per template and reason."""
    return _frame(con, f"""
        WITH {_quarantine_located(known_only=known_only)}
        SELECT template AS 模板, reason AS 隔离原因, count(*) AS 行数
        FROM located
        GROUP BY ALL
        ORDER BY 行数 DESC, 模板
    """, {"districts": districts})


def quarantine_counts(con, *, districts: list[str] | None = None, known_only: bool = False) -> dict[str, int]:
    """Quarantined rows still in force per template (Chinese title) that may concern the districts."""
    rows = con.execute(f"""
        WITH {_quarantine_located(known_only=known_only)}
        SELECT template, count(*) FROM located GROUP BY ALL
    """, {"districts": districts}).fetchall()
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
    aliases = ", ".join(f"({_literal(alias)}, {_literal(name)})" for alias, name in config.aliases.items())
    return _frame(con, f"""
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


def report_coverage(con, quarter, *, as_of: date | None = None, districts: list[str] | None = None) -> pd.DataFrame:
    """Per enterprise in scope: which of its reports arrived for the quarter (缺报 = missing)."""
    as_of = as_of or quarter.end
    return _frame(con, f"""
        WITH scope AS (
            SELECT e.* FROM enterprises_in_scope e WHERE {_IN_DISTRICTS}
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
               drills AS 近12个月演练次数,
               (NOT has_checklist)::INT + (log_days = 0 AND supervisor IS NOT NULL)::INT
                 + (people = 0)::INT + (drills = 0)::INT AS 缺报项数
        FROM coverage
        ORDER BY 缺报项数 DESC, 区市, 企业名称
    """, {"districts": districts, "label": quarter.label, "start": quarter.start, "end": quarter.end,
          "as_of": as_of, "months": _window_months()})


# ------------------------------------------------------------------ enterprises

def enterprise_search(con, text: str = "", *, districts: list[str] | None = None,
                      limit: int | None = None) -> pd.DataFrame:
    """Enterprises (current roster, 关闭 included) whose name or credit code contains `text`."""
    needle = "".join((text or "").split()).replace("（", "(").replace("）", ")").upper()
    return _frame(con, f"""
        SELECT e.enterprise_name AS 企业名称, e.credit_code AS 统一社会信用代码, e.district AS 区市,
               e.industry AS 行业类别, e.status AS 企业状态, e.supervisor AS 驻点监督人员
        FROM enterprises_current e
        WHERE {_IN_DISTRICTS}
          AND ($needle = '' OR contains(upper(e.name_norm), $needle) OR contains(e.credit_code, $needle))
        ORDER BY e.district, e.enterprise_name
        LIMIT $limit
    """, {"districts": districts, "needle": needle, "limit": limit})


def enterprise_info(con, credit_code: str) -> dict | None:
    frame = _frame(con, """
        SELECT e.enterprise_name AS 企业名称, e.credit_code AS 统一社会信用代码, e.district AS 区市,
               e.industry AS 行业类别, e.employees AS 从业人员数, e.supervisor AS 驻点监督人员,
               e.dispatch_unit AS 派出单位, e.stationed_on AS 进驻日期, e.status AS 企业状态,
               e.source_file AS 来源文件
        FROM enterprises_current e WHERE e.credit_code = $code
    """, {"code": credit_code})
    return None if frame.empty else frame.iloc[0].to_dict()


def enterprise_staff(con, credit_code: str, *, as_of: date) -> pd.DataFrame:
    """The enterprise's staff with on-duty and certificate status as of `as_of`."""
    return _frame(con, """
        WITH people AS (
            SELECT s.*,
                   (s.hired_on IS NULL OR s.hired_on <= $as_of) AND (s.left_on IS NULL OR s.left_on > $as_of) AS on_duty,
                   list_contains($key_categories, s.category) AS key_role
            FROM staff_current s WHERE s.credit_code = $code
        ),
        judged AS (
            SELECT *,
                   CASE
                     WHEN cert_no IS NULL THEN CASE WHEN key_role THEN '无证书' ELSE '—' END
                     WHEN cert_valid_until IS NULL THEN '有效期未填'
                     WHEN cert_valid_until < $as_of THEN '已过期'
                     WHEN cert_valid_until <= $as_of + to_days($expiry_days) THEN '即将到期'
                     ELSE '有效'
                   END AS cert_state
            FROM people
        )
        SELECT person_id AS 人员编号, person_name AS 姓名, category AS 岗位类别, work_type AS 作业类别,
               CASE WHEN on_duty THEN '在岗' ELSE '不在岗' END AS 在岗状态,
               CASE WHEN key_role THEN '是' ELSE '否' END AS 关键岗位,
               cert_no AS 证书编号, cert_valid_until AS 证书有效期至, cert_state AS 证书状态,
               hired_on AS 入职日期, left_on AS 离职日期,
               source_file AS 来源文件, source_sheet AS 工作表, source_row AS 行号
        FROM judged
        ORDER BY on_duty DESC,
                 list_position(['已过期', '无证书', '即将到期', '有效期未填'], cert_state) NULLS LAST,
                 key_role DESC, person_id
    """, {"code": credit_code, "as_of": as_of, "key_categories": list(KEY_STAFF_CATEGORIES),
          "expiry_days": _watch_setting("certificate_expiry_days", 90)})


def enterprise_training(con, credit_code: str) -> pd.DataFrame:
    return _frame(con, """
        SELECT trained_on AS 培训日期, course AS 培训名称, person_id AS 人员编号, person_name AS 姓名,
               hours AS 学时, score AS 考核成绩,
               CASE WHEN passed THEN '合格' ELSE '不合格' END AS 考核结果,
               source_file AS 来源文件, source_sheet AS 工作表, source_row AS 行号
        FROM training WHERE credit_code = $code
        ORDER BY trained_on DESC, person_id
    """, {"code": credit_code})


def enterprise_drills(con, credit_code: str) -> pd.DataFrame:
    return _frame(con, """
        SELECT drill_date AS 演练日期, drill_name AS 演练名称, drill_type AS 演练类型,
               expected AS 应参加人数, actual AS 实际参加人数,
               round(actual * 100.0 / expected, 1) AS "参与率（%）",
               source_file AS 来源文件, source_sheet AS 工作表, source_row AS 行号
        FROM drills WHERE credit_code = $code
        ORDER BY drill_date DESC
    """, {"code": credit_code})


def enterprise_hazards(con, credit_code: str, *, as_of: date) -> pd.DataFrame:
    """The enterprise's hazard ledger (latest version of each hazard) with its number of versions."""
    return _frame(con, """
        WITH versions AS (
            SELECT credit_code, hazard_id, count(*) AS n FROM hazards WHERE credit_code = $code GROUP BY ALL
        )
        SELECT h.hazard_id AS 隐患编号, h.found_on AS 发现日期, h.category AS 隐患类别, h.level AS 隐患等级,
               h.description AS 隐患描述, h.owner AS 整改责任人, h.deadline AS 整改期限,
               h.rectified_on AS 整改完成日期, h.status AS 整改状态, h.closed_on AS 销号日期,
               h.reported_on AS 上报日期, h.transferred_to AS 移交部门,
               CASE WHEN h.rectified_on <= $as_of THEN '已整改'
                    WHEN h.deadline < $as_of THEN '超期未整改'
                    ELSE '整改期限内' END AS 截至日期状态,
               v.n AS 版本数,
               h.source_file AS 来源文件, h.source_sheet AS 工作表, h.source_row AS 行号
        FROM hazards_current h JOIN versions v USING (credit_code, hazard_id)
        WHERE h.credit_code = $code
        ORDER BY h.found_on DESC, h.hazard_id
    """, {"code": credit_code, "as_of": as_of})


def hazard_versions(con, credit_code: str, hazard_id: str) -> pd.DataFrame:
    """Every loaded version of one hazard of one enterprise, oldest first: the 对账销号 trail.

    A hazard is its enterprise and its 隐患编号: another enterprise's hazard of the same number is not in its trail.
    """
    return _frame(con, """
        SELECT row_number() OVER (ORDER BY h.batch_id, h.source_row) AS 版本,
               b.loaded_at AS 导入时间, h.status AS 整改状态, h.rectified_on AS 整改完成日期,
               h.closed_on AS 销号日期, h.acceptor AS 验收人, h.deadline AS 整改期限,
               h.measure AS 整改措施, h.owner AS 整改责任人, h.reported_on AS 上报日期,
               h.transferred_to AS 移交部门,
               h.source_file AS 来源文件, h.source_sheet AS 工作表, h.source_row AS 行号
        FROM hazards h LEFT JOIN batches b USING (batch_id)
        WHERE h.credit_code = $code AND h.hazard_id = $id
        ORDER BY h.batch_id, h.source_row
    """, {"code": credit_code, "id": hazard_id})


def enterprise_logs(con, credit_code: str, *, start: date, end: date) -> pd.DataFrame:
    return _frame(con, """
        SELECT log_date AS 日期, supervisor AS 驻点人员, content AS 工作内容, issues_found AS 发现问题数,
               special_op_type AS 特殊作业类型, special_ops AS 特殊作业数, onsite AS 现场监督数,
               source_file AS 来源文件, source_sheet AS 工作表, source_row AS 行号
        FROM work_logs
        WHERE credit_code = $code AND log_date BETWEEN $start AND $end
        ORDER BY log_date DESC
    """, {"code": credit_code, "start": start, "end": end})


def enterprise_checklists(con, credit_code: str) -> pd.DataFrame:
    return _frame(con, """
        SELECT quarter AS 季度,
               CASE WHEN responsibility THEN '是' ELSE '否' END AS 安全生产责任制落实,
               CASE WHEN org_sound THEN '是' ELSE '否' END AS 安全管理机构健全,
               CASE WHEN director THEN '是' ELSE '否' END AS 安全总监配备,
               rules_required AS 应建规章制度数, rules_built AS 已建规章制度数,
               rewards_due AS 应发奖励笔数, rewards_paid AS 已发奖励笔数,
               source_file AS 来源文件, source_sheet AS 工作表, source_row AS 行号
        FROM checklists_current WHERE credit_code = $code
        ORDER BY quarter DESC
    """, {"code": credit_code})


# ---------------------------------------------------------------------- hazards
# The hazard and supervision views are written against the same base relations as
# the indicators (metrics.sql), so a breakdown and the indicator beside it agree.

def _with(quarter, as_of: date | None, districts: list[str] | None) -> str:
    return "WITH " + base_ctes([make_period(quarter, as_of)], resolve_districts(districts))


_HAZARD_BASE = """
    base AS (
        SELECT h.*, e.district AS ent_district, e.enterprise_name AS ent_name,
               coalesce(h.rectified_on <= h.as_of, FALSE) AS rectified,
               h.deadline < h.as_of AND (h.rectified_on IS NULL OR h.rectified_on > h.as_of) AS overdue,
               coalesce(h.reported_on <= h.as_of, FALSE) AS reported
        FROM hazards_found h JOIN scope e USING (credit_code)
    )
"""


def hazard_breakdowns(con, quarter, *, as_of: date | None = None,
                      districts: list[str] | None = None) -> dict[str, pd.DataFrame]:
    """Hazards found in the quarter (up to the as-of date), counted by each of HAZARD_GROUPINGS, in one pass."""
    keys = list(HAZARD_GROUPINGS)
    columns = ", ".join(f"{HAZARD_GROUPINGS[k][1]} AS g_{k}" for k in keys)
    sets = ", ".join(f"(g_{k})" for k in keys)
    frame = _frame(con, f"""
        {_with(quarter, as_of, districts)},
        {_HAZARD_BASE},
        methods AS (SELECT credit_code, hazard_id, method FROM hazards_current),
        keyed AS (SELECT base.*, {columns} FROM base LEFT JOIN methods USING (credit_code, hazard_id)),
        grouped AS (
            SELECT {", ".join(f"g_{k}" for k in keys)},
                   {" + ".join(f"CASE WHEN grouping(g_{k}) = 0 THEN {i} ELSE 0 END" for i, k in enumerate(keys))} AS grouping_index,
                   count(*) AS total,
                   count(*) FILTER (WHERE rectified) AS done,
                   count(*) FILTER (WHERE NOT rectified) AS open,
                   count(*) FILTER (WHERE overdue) AS overdue,
                   count(*) FILTER (WHERE level = '重大隐患') AS major
            FROM keyed
            GROUP BY GROUPING SETS ({sets})
        )
        SELECT coalesce({", ".join(f"g_{k}" for k in keys)}) AS grp, grouping_index,
               total AS 隐患数, done AS 已整改, open AS 未整改, overdue AS 超期未整改,
               major AS 重大隐患, round(done * 100.0 / total, 1) AS "整改率（%）"
        FROM grouped
        ORDER BY grouping_index, 隐患数 DESC, grp
    """)
    return {
        key: frame[frame["grouping_index"] == index].drop(columns="grouping_index")
        .rename(columns={"grp": HAZARD_GROUPINGS[key][0]}).reset_index(drop=True)
        for index, key in enumerate(keys)
    }


def hazard_breakdown(con, quarter, *, by: str, as_of: date | None = None,
                     districts: list[str] | None = None) -> pd.DataFrame:
    """Hazards found in the quarter (up to the as-of date), counted by one of HAZARD_GROUPINGS."""
    return hazard_breakdowns(con, quarter, as_of=as_of, districts=districts)[by]


def hazards_found(con, quarter, *, as_of: date | None = None, districts: list[str] | None = None) -> pd.DataFrame:
    """Every hazard found in the quarter (latest version) and where it stood on the as-of date."""
    return _frame(con, f"""
        {_with(quarter, as_of, districts)},
        {_HAZARD_BASE}
        SELECT ent_district AS 区市, ent_name AS 企业名称, credit_code AS 统一社会信用代码,
               hazard_id AS 隐患编号, found_on AS 发现日期, category AS 隐患类别, level AS 隐患等级,
               description AS 隐患描述, owner AS 整改责任人, deadline AS 整改期限, rectified_on AS 整改完成日期,
               status AS 整改状态,
               CASE WHEN rectified THEN '已整改' WHEN overdue THEN '超期未整改' ELSE '整改期限内' END AS 截至日期状态,
               source_file AS 来源文件, source_sheet AS 工作表, source_row AS 行号
        FROM base
        ORDER BY 区市, 发现日期, 隐患编号
    """)


def hazard_ageing(con, quarter, *, as_of: date | None = None, districts: list[str] | None = None) -> pd.DataFrame:
    """Hazards of any quarter still open on the as-of date, by days since found and level."""
    return _frame(con, f"""
        {_with(quarter, as_of, districts)},
        open_hazards AS (
            SELECT h.level, p.as_of - h.found_on AS age, h.deadline < p.as_of AS overdue
            FROM hazards_current h
            JOIN scope e USING (credit_code)
            CROSS JOIN periods p
            WHERE h.found_on <= p.as_of AND (h.rectified_on IS NULL OR h.rectified_on > p.as_of)
        ),
        bucketed AS (
            SELECT level, overdue,
                   CASE WHEN age <= 30 THEN 1 WHEN age <= 60 THEN 2 WHEN age <= 90 THEN 3 ELSE 4 END AS bucket
            FROM open_hazards
        )
        SELECT list_extract($buckets, bucket) AS 隐患账龄, level AS 隐患等级,
               count(*) AS 未整改隐患数, count(*) FILTER (WHERE overdue) AS 其中超期
        FROM bucketed
        GROUP BY bucket, level
        ORDER BY bucket, level
    """, {"buckets": list(AGEING_BUCKETS)})


def major_hazards(con, quarter, *, as_of: date | None = None, districts: list[str] | None = None) -> pd.DataFrame:
    """重大隐患 found in the quarter with their reporting and transfer status on the as-of date."""
    return _frame(con, f"""
        {_with(quarter, as_of, districts)},
        {_HAZARD_BASE}
        SELECT ent_district AS 区市, ent_name AS 企业名称, credit_code AS 统一社会信用代码,
               hazard_id AS 隐患编号, found_on AS 发现日期, category AS 隐患类别, description AS 隐患描述,
               CASE WHEN reported THEN '已上报' ELSE '未上报' END AS 上报状态, reported_on AS 上报日期,
               CASE WHEN transferred_to IS NOT NULL THEN '已移交' ELSE '未移交' END AS 移交状态,
               transferred_to AS 移交部门, deadline AS 整改期限, rectified_on AS 整改完成日期, status AS 整改状态,
               source_file AS 来源文件, source_sheet AS 工作表, source_row AS 行号
        FROM base
        WHERE level = '重大隐患'
        ORDER BY reported, 区市, 发现日期
    """)


# ------------------------------------------------------------------ supervisors

def supervisors(con, quarter, *, as_of: date | None = None, districts: list[str] | None = None) -> pd.DataFrame:
    """Resident supervisors on the roster: where, since when, and whether rotation is due on the as-of date."""
    return _frame(con, f"""
        {_with(quarter, as_of, districts)},
        stationed AS (
            SELECT s.supervisor_name, e.enterprise_name, s.credit_code, e.district, s.dispatch_unit, s.stationed_on,
                   p.as_of,
                   CAST(s.stationed_on + to_months($rotation) AS DATE) AS rotate_on
            FROM stationings s JOIN scope e USING (credit_code) CROSS JOIN periods p
        )
        SELECT supervisor_name AS 驻点人员, district AS 区市, enterprise_name AS 企业名称,
               credit_code AS 统一社会信用代码, dispatch_unit AS 派出单位, stationed_on AS 进驻日期,
               CASE WHEN stationed_on <= as_of THEN as_of - stationed_on END AS 驻点天数,
               rotate_on AS 应轮换日期,
               CASE WHEN stationed_on IS NULL THEN '进驻日期未填'
                    WHEN rotate_on <= as_of THEN '应轮换'
                    WHEN rotate_on <= as_of + 30 THEN '30天内到期'
                    ELSE '正常' END AS 轮换状态
        FROM stationed
        ORDER BY rotate_on <= as_of DESC NULLS LAST, 驻点天数 DESC NULLS LAST, 区市, 驻点人员
    """, {"rotation": _watch_setting("rotation_months", 6)})


_LOG_CALENDAR = """
    all_days AS (
        SELECT CAST(unnest(generate_series(q_start, q_end, INTERVAL 1 DAY)) AS DATE) AS day FROM periods
    ),
    filed AS (
        SELECT credit_code, regexp_replace(supervisor, '\\s', '', 'g') AS supervisor_name, log_date AS day,
               count(*) AS logs
        FROM work_logs, periods
        WHERE log_date BETWEEN q_start AND q_end
        GROUP BY ALL
    ),
    calendar AS (
        SELECT s.supervisor_name, s.credit_code, e.enterprise_name, e.district, a.day, isodow(a.day) AS weekday,
               d.day IS NOT NULL AS due, coalesce(f.logs, 0) AS logs
        FROM stationings s
        JOIN scope e USING (credit_code)
        CROSS JOIN all_days a
        LEFT JOIN supervision_days d
          ON d.credit_code = s.credit_code AND d.supervisor_name = s.supervisor_name AND d.day = a.day
        LEFT JOIN filed f
          ON f.credit_code = s.credit_code AND f.supervisor_name = s.supervisor_name AND f.day = a.day
    )
"""


def log_fill_calendar(con, quarter, *, as_of: date | None = None, districts: list[str] | None = None,
                      credit_code: str | None = None, worst: int | None = None) -> pd.DataFrame:
    """One row per supervisor, enterprise and day of the quarter: was a log due, how many were filed.

    A log is due on the days the 工作日志填报率 counts (Monday–Friday, from the
    进驻日期, up to the as-of date); weekend logs are shown but never due.
    `credit_code` keeps one enterprise; `worst` keeps the N stationings with the
    lowest fill rate (in that order), so a heat map need not fetch every day of every supervisor.
    """
    return _frame(con, f"""
        {_with(quarter, as_of, districts)},
        {_LOG_CALENDAR},
        ranked AS (
            SELECT supervisor_name, credit_code,
                   row_number() OVER (ORDER BY
                       count(*) FILTER (WHERE due AND logs > 0) / nullif(count(*) FILTER (WHERE due), 0) NULLS FIRST,
                       min(district), supervisor_name, credit_code) AS fill_rank
            FROM calendar
            WHERE $code IS NULL OR credit_code = $code
            GROUP BY supervisor_name, credit_code
        )
        SELECT c.supervisor_name AS 驻点人员, c.district AS 区市, c.enterprise_name AS 企业名称,
               c.credit_code AS 统一社会信用代码, c.day AS 日期, c.weekday AS 星期, c.due AS 应填报,
               c.logs AS 日志条数
        FROM calendar c JOIN ranked r USING (supervisor_name, credit_code)
        WHERE $worst IS NULL OR r.fill_rank <= $worst
        ORDER BY r.fill_rank, c.day
    """, {"code": credit_code, "worst": worst})


def log_fill_summary(con, quarter, *, as_of: date | None = None, districts: list[str] | None = None) -> pd.DataFrame:
    """Per supervisor and enterprise: due workdays, filled workdays and the fill rate (NULL when none was due)."""
    return _frame(con, f"""
        {_with(quarter, as_of, districts)},
        {_LOG_CALENDAR},
        per_stationing AS (
            SELECT supervisor_name, district, enterprise_name, count(*) FILTER (WHERE due) AS due_days,
                   count(*) FILTER (WHERE due AND logs > 0) AS filled_days
            FROM calendar GROUP BY ALL
        )
        SELECT supervisor_name AS 驻点人员, district AS 区市, enterprise_name AS 企业名称,
               due_days AS 应填报天数, filled_days AS 已填报天数, due_days - filled_days AS 缺报天数,
               CASE WHEN due_days > 0 THEN round(filled_days * 100.0 / due_days, 1) END AS "填报率（%）"
        FROM per_stationing
        ORDER BY "填报率（%）" NULLS FIRST, 区市, 驻点人员
    """)


def special_ops(con, quarter, *, as_of: date | None = None, districts: list[str] | None = None) -> pd.DataFrame:
    """Special operations in the quarter's logs (up to the as-of date), per district and operation type."""
    return _frame(con, f"""
        {_with(quarter, as_of, districts)},
        ops AS (
            SELECT e.district, coalesce(l.special_op_type, '未注明类型') AS op_type,
                   l.special_ops, coalesce(l.onsite, 0) AS onsite
            FROM period_logs l JOIN scope e USING (credit_code)
            WHERE l.special_ops > 0
        )
        SELECT district AS 区市, op_type AS 特殊作业类型, sum(special_ops)::INT AS 特殊作业数,
               sum(onsite)::INT AS 现场监督数, round(sum(onsite) * 100.0 / sum(special_ops), 1) AS "现场监督率（%）"
        FROM ops GROUP BY ALL
        ORDER BY 区市, 特殊作业数 DESC
    """)


def weekly_summary(con, quarter, *, as_of: date | None = None, districts: list[str] | None = None,
                   supervisor: str | None = None) -> pd.DataFrame:
    """A weekly summary per supervisor drafted from the logs (the 周小结 the notice asks for)."""
    return _frame(con, f"""
        {_with(quarter, as_of, districts)},
        logs AS (
            SELECT l.* EXCLUDE (enterprise_name), e.district, e.enterprise_name,
                   regexp_replace(l.supervisor, '\\s', '', 'g') AS supervisor_name,
                   CAST(date_trunc('week', l.log_date) AS DATE) AS week_start
            FROM work_logs l
            JOIN scope e USING (credit_code)
            JOIN periods p ON l.log_date BETWEEN p.q_start AND p.period_end
        ),
        weeks AS (
            SELECT supervisor_name, district, enterprise_name, week_start,
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
        SELECT supervisor_name AS 驻点人员, district AS 区市, enterprise_name AS 企业名称, week_start AS 周起始日,
               days AS 日志天数, issues AS 发现问题数, ops AS 特殊作业数, onsite AS 现场监督数,
               concat(
                   month(week_start), '月', day(week_start), '日—',
                   month(week_start + 6), '月', day(week_start + 6), '日：填报工作日志', days, '天，发现问题',
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
