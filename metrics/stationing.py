"""Who was stationed where and when: stationing history, gaps, rotation, the handover sheet's records and the
supervisor scorecard.

Everything reads the base relation `stationings` of `metrics.sql`: an enterprise's 驻点派驻记录 (contract §3.8)
when it has any, else one stationing per supervisor named on its roster row. A stationing covers the days
from its 进驻日期 up to the day before its 撤离日期 (the day the supervisor left); one still open at the as-of
date covers up to that date. Stationings that start after the as-of date are not history yet and are left out.

    stationing_history   per stationing: who, where, from when to when, training, handover, predecessor, successor
    stationing_gaps      per enterprise: the runs of days nobody was stationed there
    rotation_watch       every stationing open at the as-of date with its rotation state
    rotation_matters     overdue rotations, drafted as 提请会商事项
    handover_records     the records one enterprise's 交接单 lists (pack.handover lays them out)
    scorecard            per supervisor and quarter: the office's own scorecard (本办做法)
"""
from __future__ import annotations

from datetime import date

import pandas as pd

from core.dates import parse_date, shift_months
from core.policy import Quote, practice
from core.quarters import Quarter, parse_quarter, quarter_of
from core.settings import setting
from metrics import rules
from metrics.lists import frame_of
from metrics.retrofit import retrofit_projects
from metrics.scope import resolve_districts
from metrics.sql import Period, arrow_of, base_ctes, district_list_cte, kept_table, make_period
from warehouse.templates import KEY_STAFF_CATEGORIES


class UnknownEnterprise(ValueError):
    """No enterprise on the roster answers to a name or code (or several do)."""


# A log whose 工作内容 names this counts as the supervisor's work plan (二、工作任务: 进驻后，要制定工作计划).
WORK_PLAN_WORD = "工作计划"

# ------------------------------------------------------------------ shared relations

# Every stationing of an enterprise in scope that started by the as-of date, with its enterprise, its source and
# its last day (the day before 撤离日期, or the as-of date while still open).
_SPAN_ROWS = """
spans AS (
    SELECT s.stationing_key, s.enterprise_key, s.credit_code, e.enterprise_name, e.district, d.district_order,
           s.supervisor_name, s.dispatch_unit, s.stationed_on, s.withdrawn_on, s.pretraining_on, s.handover_on,
           nullif(trim(s.handed_to), '') AS handed_to, s.source_file, s.source_sheet, s.source_row,
           p.as_of, p.q_start, p.period_end,
           coalesce(s.withdrawn_on > p.as_of, TRUE) AS open_at_as_of,
           least(coalesce(s.withdrawn_on - 1, p.as_of), p.as_of) AS last_day,
           r.credit_code IS NOT NULL AS from_records
    FROM stationings s
    JOIN scope e ON e.credit_code = s.credit_code
    JOIN district_list d ON d.district = e.district
    CROSS JOIN periods p
    LEFT JOIN (SELECT DISTINCT credit_code FROM stationing_records_current) r ON r.credit_code = s.credit_code
    WHERE coalesce(s.stationed_on <= p.as_of, TRUE)
)"""
_LINKS = """
links AS (
    -- The stationing before and after each one at the same enterprise (by 进驻日期), and whether a later one
    -- is open at the as-of date (the successor has arrived).
    SELECT s.stationing_key,
           arg_max(o.supervisor_name, o.stationed_on) FILTER (WHERE o.stationed_on < s.stationed_on) AS predecessor,
           arg_max(o.withdrawn_on, o.stationed_on) FILTER (WHERE o.stationed_on < s.stationed_on)
               AS predecessor_withdrawn_on,
           arg_min(o.supervisor_name, o.stationed_on) FILTER (WHERE o.stationed_on > s.stationed_on) AS successor,
           arg_min(o.supervisor_name, o.stationed_on)
               FILTER (WHERE o.stationed_on > s.stationed_on AND o.open_at_as_of) AS successor_present
    FROM spans s
    LEFT JOIN spans o ON o.credit_code = s.credit_code AND o.stationing_key <> s.stationing_key
    GROUP BY s.stationing_key
),
linked AS (
    SELECT s.*, l.predecessor, l.predecessor_withdrawn_on, l.successor, l.successor_present
    FROM spans s JOIN links l USING (stationing_key)
)"""
_SPANS = _SPAN_ROWS + "," + _LINKS


def _gaps(name: str, window: str) -> str:
    """Runs of days with no stationing, per enterprise, inside the window relation `window` (credit_code,
    w_from, w_to): each stationing is cut to the window, one-day sentinels stand just outside it, and a gap is
    where a stationing starts after every earlier one has ended."""
    return f"""
{name}_bounds AS (
    SELECT w.credit_code, greatest(coalesce(s.stationed_on, w.w_from), w.w_from) AS first_day,
           least(s.last_day, w.w_to) AS last_day
    FROM {window} w JOIN spans s ON s.credit_code = w.credit_code
    UNION ALL SELECT credit_code, w_from - 1, w_from - 1 FROM {window}
    UNION ALL SELECT credit_code, w_to + 1, w_to + 1 FROM {window}
),
{name}_runs AS (
    SELECT credit_code, first_day,
           max(last_day) OVER (PARTITION BY credit_code ORDER BY first_day, last_day
                               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS covered_to
    FROM {name}_bounds WHERE first_day <= last_day
),
{name} AS (
    SELECT g.credit_code, g.gap_from, g.gap_to, g.gap_to - g.gap_from + 1 AS days,
           arg_max(s.supervisor_name, s.withdrawn_on) FILTER (WHERE s.withdrawn_on <= g.gap_from) AS before_name,
           arg_min(s.supervisor_name, s.stationed_on) FILTER (WHERE s.stationed_on > g.gap_to) AS after_name
    FROM (SELECT credit_code, covered_to + 1 AS gap_from, first_day - 1 AS gap_to
          FROM {name}_runs WHERE first_day > covered_to + 1) g
    LEFT JOIN spans s ON s.credit_code = g.credit_code
    GROUP BY ALL
)"""


# The quarter up to the as-of date, for every enterprise in scope (one with no stationing at all is one gap).
QUARTER_GAPS = """
quarter_window AS (
    SELECT e.credit_code, p.q_start AS w_from, p.period_end AS w_to FROM scope e CROSS JOIN periods p
),""" + _gaps("quarter_gaps", "quarter_window")

# From an enterprise's first 进驻日期 to the as-of date (before the first one its history is not known).
HISTORY_GAPS = """
history_window AS (
    SELECT credit_code, min(coalesce(stationed_on, as_of)) AS w_from, any_value(as_of) AS w_to
    FROM spans GROUP BY credit_code
),""" + _gaps("history_gaps", "history_window")


# Every stationing with a due day of 工作日志填报率 in the quarter, and what its supervisor logged there (one period).
_DAY_SETS = """
stationing_day_sets AS (
    -- A stationing is one row (stationed_periods), not a row per day; each name's logs at an enterprise were
    -- folded into one set per quarter when they were loaded (work_log_days), kept here up to the period's end.
    SELECT s.stationing_key, s.credit_code, s.supervisor_name, s.source_file, s.source_sheet, s.source_row,
           s.q_start, s.first_day, s.last_day, s.working, s.due,
           coalesce(l.days & ((1::HUGEINT << (s.period_end - s.q_start + 1)) - 1), 0::HUGEINT) AS logged
    FROM stationed_periods s
    LEFT JOIN work_log_days l
      ON l.credit_code = s.credit_code AND l.supervisor_name = s.supervisor_name AND l.quarter_start = s.q_start
    WHERE s.due <> 0
)"""


def day_sets_sql() -> str:
    """The relation `stationing_day_sets` (after the base relations; one period): per stationing with a due day
    in the quarter, its source, q_start, first_day and last_day of its days in the quarter, and two sets of day
    numbers (bit n: q_start + n): `due` (the days of supervision_days) and `logged` (days with a log by its
    supervisor at the enterprise, up to the period's end). bit_count gives the days."""
    return _DAY_SETS


def kept_day_sets(con, period: Period, districts: list[str]) -> str:
    """`stationing_day_sets` (see `day_sets_sql`) with its leading comma, read from a table kept on the connection
    when it is read-only (`metrics.sql.kept_table`): the scorecard and the log-fill views of one page fold the
    logs once."""
    table = kept_table(con, "day_sets", f"WITH {base_ctes([period], districts)},{_DAY_SETS}\n"
                                        "SELECT * FROM stationing_day_sets")
    return f",{_DAY_SETS}" if table is None else f",\nstationing_day_sets AS (SELECT * FROM {table})"


def spans_sql() -> str:
    """The relations `spans`, `links` and `linked` (after the base relations and `district_list`)."""
    return _SPANS


def span_rows_sql() -> str:
    """The relation `spans` alone (after the base relations and `district_list`)."""
    return _SPAN_ROWS


def links_sql() -> str:
    """The relations `links` and `linked`, given `spans`."""
    return _LINKS


def _frame(con, sql: str, params: dict | None = None) -> pd.DataFrame:
    """`frame_of` with bound parameters: dates as dates (empty as None)."""
    return arrow_of(con, sql, params).to_pandas()


_LINK_COLUMNS = "predecessor, predecessor_withdrawn_on, successor, successor_present"


def kept_spans(con, period: Period, districts: list[str]) -> str | None:
    """`linked` and `spans` (see `spans_sql`) reading a table kept on the connection when it is read-only
    (`metrics.sql.kept_table`; None otherwise), with the leading comma: the stationing views, the scorecard and
    the watch lists run on one connection compute them once."""
    table = kept_table(con, "linked", f"WITH {base_ctes([period], districts)},\n{district_list_cte(districts)},"
                                      f"\n{_SPANS}\nSELECT * FROM linked")
    if table is None:
        return None
    return (f",\nlinked AS (SELECT * FROM {table}),"
            f"\nspans AS (SELECT * EXCLUDE ({_LINK_COLUMNS}) FROM {table})")


def _head(con, quarter: Quarter | str, as_of: date | str | None, districts: list[str] | None) -> str:
    chosen = resolve_districts(districts)
    period = make_period(parse_quarter(quarter), parse_date(as_of) if as_of else None)
    spans = kept_spans(con, period, chosen) or f",\n{_SPANS}"
    return f"WITH {base_ctes([period], chosen)},\n{district_list_cte(chosen)}{spans}"


def _rotation_values() -> dict[str, int]:
    return {"months": int(setting("watch.rotation_months")), "notice": int(setting("watch.rotation_notice_days")),
            "grace": int(setting("watch.rotation_grace_days"))}


# ------------------------------------------------------------------ history and gaps

HISTORY_COLUMNS = ("区市", "企业名称", "统一社会信用代码", "驻点人员", "派出单位", "进驻日期", "撤离日期", "状态", "驻点天数",
                   "岗前培训日期", "交接日期", "交接人", "交接事项", "前任", "接任", "与前任同驻天数", "来源",
                   "来源文件", "工作表", "行号")


def stationing_history(con, quarter: Quarter | str, *, as_of: date | str | None = None,
                       districts: list[str] | None = None, credit_code: str | None = None,
                       supervisor: str | None = None) -> pd.DataFrame:
    """Every stationing that started by the as-of date (HISTORY_COLUMNS), per enterprise in 进驻日期 order.

    `credit_code` keeps one enterprise, `supervisor` one supervisor (by name, spaces ignored). 状态 is 在驻 or
    已撤离 at the as-of date; 驻点天数 is 撤离日期 (the as-of date while still stationed) − 进驻日期, as 已驻点天数
    of the rotation lists; 与前任同驻天数 the days both the predecessor and this supervisor were stationed
    (a handover week). 来源 tells 驻点派驻记录 from the roster's single 驻点监督人员 (no history before it).
    """
    return _frame(con, _head(con, quarter, as_of, districts) + f"""
SELECT s.district AS "区市", s.enterprise_name AS "企业名称", s.credit_code AS "统一社会信用代码",
       s.supervisor_name AS "驻点人员", s.dispatch_unit AS "派出单位", s.stationed_on AS "进驻日期",
       s.withdrawn_on AS "撤离日期", CASE WHEN s.open_at_as_of THEN '在驻' ELSE '已撤离' END AS "状态",
       CASE WHEN s.open_at_as_of THEN s.as_of ELSE s.withdrawn_on END - s.stationed_on AS "驻点天数",
       s.pretraining_on AS "岗前培训日期", s.handover_on AS "交接日期", s.handed_to AS "交接人",
       r.handover_items AS "交接事项", s.predecessor AS "前任", s.successor AS "接任",
       CASE WHEN s.predecessor_withdrawn_on > s.stationed_on
            THEN s.predecessor_withdrawn_on - s.stationed_on END AS "与前任同驻天数",
       CASE WHEN s.from_records THEN '驻点派驻记录' ELSE '企业名册' END AS "来源",
       s.source_file AS "来源文件", s.source_sheet AS "工作表", s.source_row AS "行号"
FROM linked s
LEFT JOIN stationing_records_current r
  ON s.from_records AND r.credit_code = s.credit_code AND r.supervisor_name = s.supervisor_name
 AND r.stationed_on IS NOT DISTINCT FROM s.stationed_on
WHERE ($code IS NULL OR s.credit_code = $code)
  AND ($who IS NULL OR s.supervisor_name = {rules.supervisor_name("$who")})
ORDER BY s.district_order, s.enterprise_key, s.stationed_on NULLS FIRST, s.supervisor_name
""", {"code": credit_code, "who": supervisor})


GAP_COLUMNS = ("区市", "企业名称", "统一社会信用代码", "起始日期", "结束日期", "天数", "前任驻点人员", "接任驻点人员")


def stationing_gaps(con, quarter: Quarter | str, *, as_of: date | str | None = None,
                    districts: list[str] | None = None, credit_code: str | None = None) -> pd.DataFrame:
    """The runs of days on which nobody was stationed at an enterprise (GAP_COLUMNS), from its first 进驻日期
    to the as-of date: between two stationings, or after the last one left."""
    return _frame(con, _head(con, quarter, as_of, districts) + f""",
{HISTORY_GAPS}
SELECT e.district AS "区市", e.enterprise_name AS "企业名称", g.credit_code AS "统一社会信用代码",
       g.gap_from AS "起始日期", g.gap_to AS "结束日期", g.days AS "天数",
       g.before_name AS "前任驻点人员", g.after_name AS "接任驻点人员"
FROM history_gaps g
JOIN scope e ON e.credit_code = g.credit_code
JOIN district_list d ON d.district = e.district
WHERE $code IS NULL OR g.credit_code = $code
ORDER BY d.district_order, e.enterprise_key, g.gap_from
""", {"code": credit_code})


# ------------------------------------------------------------------ rotation

ROTATION_STATES = ("超期未轮换", "应轮换", "即将到期", "交接中", "正常", "进驻日期未填")


def rotation_state_sql() -> str:
    """The rotation state of a stationing `s` open at the as-of date (ROTATION_STATES), from its 应轮换日期
    `rotate_on`: 超期未轮换 more than watch.rotation_grace_days after it with no successor arrived, 应轮换 from
    it until then, 即将到期 within watch.rotation_notice_days before it, 交接中 when due and a successor is
    already stationed."""
    v = _rotation_values()
    return f"""CASE WHEN s.stationed_on IS NULL THEN '进驻日期未填'
            WHEN s.rotate_on > s.as_of + {v['notice']} THEN '正常'
            WHEN s.rotate_on > s.as_of THEN '即将到期'
            WHEN s.successor_present IS NOT NULL THEN '交接中'
            WHEN s.as_of - s.rotate_on > {v['grace']} THEN '超期未轮换'
            ELSE '应轮换' END"""


ROTATION_COLUMNS = ("区市", "企业名称", "统一社会信用代码", "驻点人员", "派出单位", "进驻日期", "已驻点天数", "应轮换日期",
                    "轮换状态", "距应轮换日期天数", "接任人员", "岗前培训日期", "来源文件", "工作表", "行号")


def rotation_watch(con, quarter: Quarter | str, *, as_of: date | str | None = None,
                   districts: list[str] | None = None) -> pd.DataFrame:
    """Every stationing open at the as-of date with its rotation state (ROTATION_COLUMNS), the most overdue first.

    距应轮换日期天数 is negative before the 应轮换日期 (进驻日期 + watch.rotation_months months) and the days
    past it after; 接任人员 names a supervisor who arrived later at the same enterprise and is stationed too."""
    months = _rotation_values()["months"]
    return frame_of(con, _head(con, quarter, as_of, districts) + f""",
rotation AS (
    SELECT *, (stationed_on + INTERVAL {months} MONTH)::DATE AS rotate_on FROM linked WHERE open_at_as_of
)
SELECT s.district AS "区市", s.enterprise_name AS "企业名称", s.credit_code AS "统一社会信用代码",
       s.supervisor_name AS "驻点人员", s.dispatch_unit AS "派出单位", s.stationed_on AS "进驻日期",
       s.as_of - s.stationed_on AS "已驻点天数", s.rotate_on AS "应轮换日期",
       {rotation_state_sql()} AS "轮换状态", s.as_of - s.rotate_on AS "距应轮换日期天数",
       s.successor_present AS "接任人员", s.pretraining_on AS "岗前培训日期",
       s.source_file AS "来源文件", s.source_sheet AS "工作表", s.source_row AS "行号"
FROM rotation s
ORDER BY s.as_of - s.rotate_on DESC NULLS LAST, s.district_order, s.enterprise_key, s.supervisor_name
""")


MATTER_KIND = "rotation_overdue"
MATTER_KIND_NAME = "超期未轮换"


def rotation_matters(con, quarter: Quarter | str, *, as_of: date | str | None = None,
                     districts: list[str] | None = None) -> pd.DataFrame:
    """The overdue rotations as 提请会商事项 (columns kind, subject, districts, drafted_text): one per stationing
    still open more than watch.rotation_grace_days after its 应轮换日期 with no successor stationed.
    `subject` is 统一社会信用代码/驻点人员/进驻日期, stable while the stationing lasts."""
    frame = rotation_watch(con, quarter, as_of=as_of, districts=districts)
    overdue = frame[frame["轮换状态"] == "超期未轮换"]
    day = parse_date(as_of) if as_of else parse_quarter(quarter).end
    months = _rotation_values()["months"]

    def text(row) -> str:
        unit = f"，提请会商督促派出单位（{row['派出单位']}）" if isinstance(row["派出单位"], str) and row["派出单位"] \
            else "，提请会商督促派出单位"
        return (f"{row['区市']}{row['企业名称']}驻点监督人员{row['驻点人员']}于{_cn(row['进驻日期'])}进驻，"
                f"驻点已满{months}个月，应于{_cn(row['应轮换日期'])}轮换，截至{_cn(day)}已超期"
                f"{int(row['距应轮换日期天数'])}天仍未轮换{unit}尽快确定接任人选，做好岗前培训和交接。")

    return pd.DataFrame({
        "kind": MATTER_KIND,
        "subject": overdue["统一社会信用代码"] + "/" + overdue["驻点人员"] + "/"
                   + pd.to_datetime(overdue["进驻日期"]).dt.strftime("%Y-%m-%d"),
        "districts": overdue["区市"],
        "drafted_text": [text(row) for _, row in overdue.iterrows()],
    }, columns=["kind", "subject", "districts", "drafted_text"]).reset_index(drop=True)


def _cn(day) -> str:
    day = pd.Timestamp(day).date()
    return f"{day.year}年{day.month}月{day.day}日"


# ------------------------------------------------------------------ the handover sheet's records

def find_enterprise(con, text: str, districts: list[str] | None = None) -> str:
    """The credit code of the enterprise on the current roster named by `text` (its 统一社会信用代码, or its name
    with spaces and bracket widths ignored), within `districts`."""
    wanted = (text or "").strip()
    if not wanted:
        raise UnknownEnterprise("请填写企业名称或统一社会信用代码。")
    rows = con.execute("""
        SELECT credit_code, enterprise_name, district FROM enterprises_current
        WHERE (upper(credit_code) = upper($text)
               OR name_norm = lower(regexp_replace(translate($text, '（）【】［］', '()[][]'), '\\s+', '', 'g')))
          AND (CAST($districts AS VARCHAR[]) IS NULL OR list_contains(CAST($districts AS VARCHAR[]), district))
        ORDER BY district, credit_code
    """, {"text": wanted, "districts": resolve_districts(districts) if districts else None}).fetchall()
    if not rows:
        raise UnknownEnterprise(f"企业名册中没有找到企业：{wanted}。请填写名册中的企业名称或 18 位统一社会信用代码。")
    if len(rows) > 1:
        listed = "；".join(f"{name}（{district}，{code}）" for code, name, district in rows)
        raise UnknownEnterprise(f"名称“{wanted}”对应多家企业：{listed}。请改用统一社会信用代码。")
    return rows[0][0]


_HANDOVER_HAZARD = """
    SELECT h.*, {rectified} AS rectified, {overdue} AS overdue,
           coalesce(h.closed_on <= $as_of, h.status = '已销号', FALSE) AS closed
    FROM hazards_current h WHERE h.credit_code = $code AND h.found_on <= $as_of
"""

_HANDOVER_QUERIES = {
    "open_hazards": """
SELECT hazard_id AS "隐患编号", level AS "隐患等级", category AS "隐患类别", description AS "隐患描述",
       found_on AS "发现日期", deadline AS "整改期限",
       CASE WHEN overdue THEN '超期' || ($as_of - deadline) || '天' ELSE '剩余' || (deadline - $as_of) || '天' END
           AS "截至交接日",
       measure AS "整改措施", owner AS "整改责任人"
FROM hazard WHERE NOT rectified
ORDER BY overdue DESC, deadline, hazard_id""",
    "major_hazards": """
SELECT hazard_id AS "隐患编号", description AS "隐患描述", found_on AS "发现日期", deadline AS "整改期限",
       CASE WHEN rectified THEN '已整改' WHEN overdue THEN '超期未整改' ELSE '整改期限内' END AS "整改情况",
       CASE WHEN reported_on IS NULL OR reported_on > $as_of THEN '未上报'
            ELSE '发现后' || (reported_on - found_on) || '天上报' END AS "上报情况",
       CASE WHEN reported_on <= $as_of THEN reported_on END AS "上报日期", report_unit AS "上报单位",
       enforcement_case AS "执法立案情况", supervision_level AS "督办级别", owner AS "整改责任人"
FROM hazard
WHERE level = '重大隐患' AND (NOT closed OR found_on > $window_start)
ORDER BY rectified, found_on, hazard_id""",
    "transfers": """
SELECT hazard_id AS "隐患编号", description AS "隐患描述", transferred_to AS "移交部门", transferred_on AS "移交日期",
       $as_of - coalesce(transferred_on, found_on) AS "已移交天数",
       CASE WHEN rectified THEN '已整改' WHEN overdue THEN '超期未整改' ELSE '整改期限内' END AS "整改情况"
FROM hazard
WHERE (nullif(trim(transferred_to), '') IS NOT NULL OR transferred_on <= $as_of)
  AND NOT coalesce(transfer_closed_on <= $as_of, FALSE)
ORDER BY coalesce(transferred_on, found_on), hazard_id""",
    "certificates": """
SELECT person_id AS "人员编号", person_name AS "姓名", category AS "岗位类别", work_type AS "作业类别",
       cert_no AS "证书编号", cert_valid_until AS "证书有效期至",
       CASE WHEN nullif(trim(cert_no), '') IS NULL THEN '关键岗位无证书'
            WHEN cert_valid_until IS NULL THEN '有效期未填'
            WHEN cert_valid_until < $as_of THEN '已过期' || ($as_of - cert_valid_until) || '天'
            ELSE (cert_valid_until - $as_of) || '天后到期' END AS "证书情况"
FROM staff_current s
WHERE s.credit_code = $code AND {on_duty}
  AND ((nullif(trim(cert_no), '') IS NOT NULL
        AND (cert_valid_until IS NULL OR cert_valid_until <= $as_of + $expiry_days))
       OR (nullif(trim(cert_no), '') IS NULL AND list_contains($key_categories, category)))
ORDER BY cert_valid_until NULLS FIRST, person_id""",
    "untrained": """
SELECT s.person_id AS "人员编号", s.person_name AS "姓名", s.category AS "岗位类别",
       max(t.trained_on) AS "最近一次培训日期", max(t.trained_on) FILTER (WHERE t.passed) AS "最近一次合格日期",
       CASE WHEN count(t.trained_on) = 0 THEN '无培训记录'
            WHEN max(t.trained_on) > $window_start THEN '统计窗口内培训未合格'
            ELSE '统计窗口内未参加培训' END AS "情况"
FROM staff_current s
LEFT JOIN training t ON t.credit_code = s.credit_code AND t.person_id = s.person_id AND t.trained_on <= $as_of
WHERE s.credit_code = $code AND {on_duty}
GROUP BY ALL
HAVING NOT coalesce(bool_or(t.passed AND t.trained_on > $window_start), FALSE)
ORDER BY s.person_id""",
    "checklist": """
WITH last AS (
    SELECT * FROM checklists_current WHERE credit_code = $code AND quarter <= $quarter
    ORDER BY quarter DESC LIMIT 1
)
SELECT quarter AS "季度", item AS "检查项", answer AS "情况"
FROM (
    SELECT quarter, 1 AS n, '安全生产责任制落实' AS item, CASE WHEN responsibility THEN '是' ELSE '否' END AS answer,
           NOT coalesce(responsibility, FALSE) AS gap FROM last
    UNION ALL SELECT quarter, 2, '安全管理机构健全', CASE WHEN org_sound THEN '是' ELSE '否' END,
           NOT coalesce(org_sound, FALSE) FROM last
    UNION ALL SELECT quarter, 3, '安全总监配备', coalesce(director, '未填'), NOT {director} FROM last
    UNION ALL SELECT quarter, 4, '规章制度', '应建' || rules_required || '项，已建' || rules_built || '项',
           rules_built < rules_required FROM last
    UNION ALL SELECT quarter, 5, '隐患举报奖励', '应发' || rewards_due || '笔，已发' || rewards_paid || '笔',
           coalesce(rewards_paid < rewards_due, FALSE) FROM last
)
WHERE gap ORDER BY n""",
    "last_checklist": """
SELECT max(quarter) AS quarter FROM checklists_current WHERE credit_code = $code AND quarter <= $quarter""",
    "drills": """
SELECT drill_date AS "演练日期", drill_name AS "演练名称", drill_type AS "演练类型", expected AS "应参加人数",
       actual AS "实际参加人数",
       CASE WHEN actual < expected THEN '未全员参与（缺' || (expected - actual) || '人）' ELSE '全员参与' END AS "参与情况"
FROM drills WHERE credit_code = $code AND drill_date > $window_start AND drill_date <= $as_of
ORDER BY drill_date DESC""",
    "last_drill": """
SELECT max(drill_date) AS last_drill FROM drills WHERE credit_code = $code AND drill_date <= $as_of""",
    "logs": """
WITH logs AS (
    SELECT l.*, CAST(($as_of - l.log_date) // 7 AS INTEGER) AS weeks_back, {log_name} AS supervisor_name
    FROM work_logs l
    WHERE l.credit_code = $code AND l.log_date <= $as_of AND l.log_date > $as_of - 28
)
SELECT $as_of - 7 * weeks_back - 6 AS "起始日期", $as_of - 7 * weeks_back AS "结束日期",
       supervisor_name AS "驻点人员", count(DISTINCT log_date) AS "日志天数",
       coalesce(sum(issues_found), 0)::INT AS "发现问题数", coalesce(sum(special_ops), 0)::INT AS "特殊作业数",
       coalesce(sum(onsite), 0)::INT AS "现场监督数",
       coalesce(string_agg(DISTINCT content, '；' ORDER BY content) FILTER (WHERE content IS NOT NULL),
                '（日志未填写工作内容）') AS "主要工作"
FROM logs
GROUP BY weeks_back, supervisor_name
ORDER BY weeks_back DESC, supervisor_name""",
    "stationings": """
SELECT {name} AS "驻点人员", dispatch_unit AS "派出单位", stationed_on AS "进驻日期", withdrawn_on AS "撤离日期",
       pretraining_on AS "岗前培训日期", handover_on AS "交接日期", nullif(trim(handed_to), '') AS "交接人",
       handover_items AS "交接事项"
FROM stationing_records_current WHERE credit_code = $code
ORDER BY stationed_on, supervisor_name""",
}


HANDOVER_PARTS = ("enterprise", "stationings", "open_hazards", "major_hazards", "transfers", "certificates",
                  "untrained", "checklist", "drills", "retrofit", "logs", "facts")


def handover_records(con, credit_code: str, *, as_of: date | str) -> dict[str, pd.DataFrame]:
    """Everything one enterprise's 交接单 lists as of the handover date (HANDOVER_PARTS), each a frame of that
    enterprise's records only, with the columns the sheet shows:

    enterprise    the roster row (企业名称, 统一社会信用代码, 区市 …; closed enterprises too)
    stationings   its 驻点派驻记录 (all, future ones too), else the roster's supervisor
    open_hazards  hazards found by the date and not rectified by it, overdue first, with 整改期限 and 整改责任人
    major_hazards 重大隐患 not 销号 by the date or found in the 12-month window, with reporting and enforcement
    transfers     hazards handed over (移交) with no 移交办结日期 by the date
    certificates  on-duty staff whose certificate has expired, expires within watch.certificate_expiry_days or
                  has no date; key staff without one
    untrained     on-duty staff without a passed training in the 12-month window
    checklist     the gaps of the last quarterly checklist up to the date's quarter
    drills        the drills in the 12-month window
    retrofit      its 一企一策 projects (metrics.retrofit) with where each stands
    logs          the last 4 weeks of logs, per 7-day block counted back from the date and supervisor
    facts         one row: 最近检查表季度, 最近一次演练日期, 下次演练应在此前
    """
    day = parse_date(as_of)
    window_start = shift_months(day, -int(setting("indicators.window_months")))
    quarter = quarter_of(day)
    params = {"code": credit_code, "as_of": day, "window_start": window_start,
              "expiry_days": int(setting("watch.certificate_expiry_days")),
              "key_categories": list(KEY_STAFF_CATEGORIES), "quarter": quarter.label}
    hazard = _HANDOVER_HAZARD.format(rectified=rules.rectified("$as_of", "h."), overdue=rules.overdue("$as_of", "h."))
    values = {"on_duty": rules.on_duty("$as_of", "s."), "director": rules.director_in_place("director"),
              "log_name": rules.supervisor_name("l.supervisor"), "name": rules.supervisor_name("supervisor")}

    def run(name: str) -> pd.DataFrame:
        sql = _HANDOVER_QUERIES[name].format(**values)
        if name in ("open_hazards", "major_hazards", "transfers"):
            sql = f"WITH hazard AS ({hazard}) {sql}"
        return _frame(con, sql, {k: v for k, v in params.items() if f"${k}" in sql})

    enterprise = _frame(con, """
        SELECT enterprise_name AS "企业名称", credit_code AS "统一社会信用代码", district AS "区市",
               industry AS "行业类别", employees AS "从业人员数", status AS "企业状态",
               supervisor AS "驻点监督人员", dispatch_unit AS "派出单位", stationed_on AS "进驻日期"
        FROM enterprises_current WHERE credit_code = $code""", {"code": credit_code})
    records = {name: run(name) for name in ("stationings", "open_hazards", "major_hazards", "transfers",
                                            "certificates", "untrained", "checklist", "drills", "logs")}
    if records["stationings"].empty and len(enterprise) and enterprise.iloc[0]["驻点监督人员"]:
        row = enterprise.iloc[0]
        records["stationings"] = pd.DataFrame([{
            "驻点人员": row["驻点监督人员"], "派出单位": row["派出单位"], "进驻日期": row["进驻日期"], "撤离日期": None,
            "岗前培训日期": None, "交接日期": None, "交接人": None, "交接事项": None}])
    last_checklist = run("last_checklist").iloc[0]["quarter"]
    last_drill = run("last_drill").iloc[0]["last_drill"]
    next_drill = None if pd.isna(last_drill) else shift_months(pd.Timestamp(last_drill).date(),
                                                               int(setting("indicators.window_months")))
    records["facts"] = pd.DataFrame([{
        "最近检查表季度": None if pd.isna(last_checklist) else last_checklist,
        "最近一次演练日期": None if pd.isna(last_drill) else pd.Timestamp(last_drill).date(),
        "下次演练应在此前": next_drill,
    }])
    records["enterprise"] = enterprise
    records["retrofit"] = _retrofit(con, credit_code, day, enterprise)
    return {name: records[name] for name in HANDOVER_PARTS}


def _retrofit(con, credit_code: str, day: date, enterprise: pd.DataFrame) -> pd.DataFrame:
    """The enterprise's 一企一策 projects as metrics.retrofit judges them on the day (none for a closed one)."""
    columns = ["项目名称", "改造类型", "诊断日期", "方案日期", "计划完成日期", "实际完成日期", "进展", "逾期天数"]
    if enterprise.empty:
        return pd.DataFrame(columns=columns)
    projects = retrofit_projects(con, quarter_of(day), as_of=day, districts=[enterprise.iloc[0]["区市"]],
                                 credit_code=credit_code)
    return projects[columns].reset_index(drop=True)


# ------------------------------------------------------------------ scorecard (本办做法)

SCORECARD_BASIS = Quote("三（六）", "对工作成绩突出的要优先给予表扬奖励，对工作不尽职不尽责的要按相关规定严肃处理")
SCORECARD_PRACTICE = practice(
    "驻点人员考评是本办为落实激励约束机制所做的安排，按季度、按区市对驻点人员排序：各项按有数据的项目以设置的权重折算为"
    "百分制得分，区内得分最高和最低的若干人列为表扬、约谈候选，只供研究，不作结论，须结合各项数据核实。")

# (code, name, the notice's words it serves, setting of its weight)
SCORECARD_ITEMS: tuple[tuple[str, str, Quote, str], ...] = (
    ("log_fill", "日志填报率", Quote("三（二）", "每日填写工作日志"), "scorecard.weight_log_fill"),
    ("onsite", "必到场作业现场监督率",
     Quote("二（四）", "做到动火作业必到现场监督、设备检维修必到现场监督、高处作业必到现场监督"),
     "scorecard.weight_onsite"),
    ("hazards_found", "每驻点月发现隐患",
     Quote("二（一）", "对照检查标准全面深入开展审计式安全检查，逐项查找分析问题隐患原因"),
     "scorecard.weight_hazards_found"),
    ("on_time", "按期整改率", Quote("三（三）", "督促企业按时整改"), "scorecard.weight_on_time"),
    ("major_reported", "重大隐患按时直报率", Quote("三（三）", "对重大隐患要直报具有相应执法权的单位"),
     "scorecard.weight_major_reported"),
    ("weekly", "周报完整率", Quote("三（二）", "每周报派出单位汇总"), "scorecard.weight_weekly"),
    ("handover", "离任交接完成率", Quote("三（五）", "人员轮换既要交接岗位又要交接任务和责任"), "scorecard.weight_handover"),
)

SCORECARD_COLUMNS = (
    "区市", "驻点人员", "派出单位", "驻点企业", "驻点天数",
    "应填报天数", "已填报天数", "日志填报率（%）",
    "必到场作业数", "现场监督数", "现场监督率（%）",
    "驻点检查发现隐患数", "每驻点月发现隐患数",
    "应判定按期整改隐患数", "按期整改隐患数", "按期整改率（%）",
    "发现重大隐患数", "按时直报数", "按时直报率（%）",
    "应报周数", "有日志周数", "周报完整率（%）",
    "应交接次数", "已交接次数", "交接完成率（%）",
    "得分", "区内排名", "候选", "依据",
)


def _weights() -> dict[str, float]:
    return {code: float(setting(key)) for code, _, _, key in SCORECARD_ITEMS}


def scorecard(con, quarter: Quarter | str, *, as_of: date | str | None = None,
              districts: list[str] | None = None) -> pd.DataFrame:
    """Per district and supervisor (by name) stationed at some time in the quarter up to the as-of date: the
    SCORECARD_ITEMS as numerator, denominator and rate, the weighted score, the rank in the district, the 表扬 /
    约谈 candidates and the data behind each (依据). Ordered by district, then score (best first).

    Each stationing counts its own days in the quarter (from 进驻日期, before 撤离日期, up to the as-of date).
    - 日志填报: the due working days of 工作日志填报率 and those with a log by the supervisor at that enterprise.
    - 现场监督: Σ 现场监督数 / Σ 特殊作业数 of the supervisor's logs there of 动火、设备检维修、高处作业 (or no type).
    - 发现隐患: hazards of that enterprise found on a day stationed whose 检查方式 is 驻点检查 or not stated, per
      30 days stationed; scored against scorecard.hazards_per_month (reaching it scores full).
    - 按期整改: of those hazards, the ones whose 整改期限 has passed or that are rectified by the as-of date; on time
      when 整改完成日期 ≤ 整改期限.
    - 重大隐患直报: of those hazards the 重大隐患, reported within indicators.major_hazard_report_days.
    - 周报: weeks (Monday–Sunday) with at least one due day; complete when the supervisor logged there that week.
    - 交接: stationings left (撤离日期) in the quarter with a successor (a later stationing or a 交接人); done
      with a 交接日期 on or before the as-of date.
    The score is Σ weight × rate / Σ weight over the items that have data (×100); a supervisor stationed fewer
    than scorecard.min_days days in the quarter is scored but not ranked.
    """
    weights = _weights()
    target = float(setting("scorecard.hazards_per_month"))
    days = int(setting("indicators.major_hazard_report_days"))
    candidates = int(setting("scorecard.candidates"))
    min_days = int(setting("scorecard.min_days"))
    rates = {"log_fill": "filled / nullif(due, 0)", "onsite": "onsite / nullif(ops, 0)",
             "hazards_found": f"CASE WHEN days > 0 THEN least(1.0, found * 30.0 / days / {target}) END",
             "on_time": "on_time / nullif(judged, 0)", "major_reported": "majors_ok / nullif(majors, 0)",
             "weekly": "weeks_logged / nullif(weeks_due, 0)", "handover": "handovers_done / nullif(handovers_due, 0)"}
    weighted = " + ".join(f"coalesce({weights[c]} * r_{c}, 0)" for c in rates)
    available = " + ".join(f"CASE WHEN r_{c} IS NOT NULL THEN {weights[c]} ELSE 0 END" for c in rates)
    basis = _basis_sql()
    chosen = resolve_districts(districts)
    sets = kept_day_sets(con, make_period(parse_quarter(quarter), parse_date(as_of) if as_of else None), chosen)
    frame = frame_of(con, _head(con, quarter, as_of, chosen) + f"""{sets},
q_spans AS (
    SELECT * FROM (
        SELECT s.*, greatest(s.q_start, coalesce(s.stationed_on, s.q_start)) AS first_day,
               least(s.period_end, s.last_day) AS end_day
        FROM linked s
    ) WHERE first_day <= end_day
),
log_days AS (
    SELECT stationing_key, bit_count(due)::BIGINT AS due, bit_count(due & logged)::BIGINT AS filled
    FROM stationing_day_sets
),
week_sets AS (
    -- the days of each week (Monday–Sunday) in the quarter up to the period's end, as bits of the day sets
    SELECT date_trunc('week', c.day) AS week, bit_or(1::HUGEINT << (c.day - p.q_start)) AS days
    FROM calendar_days c CROSS JOIN periods p
    WHERE c.day BETWEEN p.q_start AND p.period_end
    GROUP BY ALL
),
log_weeks AS (
    -- weeks with a due day; logged when the supervisor logged there on any day of that week in the quarter
    SELECT d.stationing_key, count(*) AS weeks_due, count(*) FILTER (WHERE (d.logged & w.days) <> 0) AS weeks_logged
    FROM stationing_day_sets d
    JOIN week_sets w ON (d.due & w.days) <> 0
    GROUP BY d.stationing_key
),
ops AS (
    SELECT s.stationing_key, coalesce(sum(l.special_ops), 0) AS ops, coalesce(sum(coalesce(l.onsite, 0)), 0) AS onsite
    FROM q_spans s
    JOIN (
        -- the name compared as in work_log_days, on the logs with a special operation that must be attended only
        SELECT l.credit_code, l.log_date, l.special_ops, l.onsite, {rules.supervisor_name("l.supervisor")} AS supervisor_name
        FROM period_logs l
        WHERE {rules.onsite_required("l.special_op_type")} AND l.special_ops > 0 AND l.supervisor IS NOT NULL
    ) l ON l.credit_code = s.credit_code AND l.supervisor_name = s.supervisor_name
       AND l.log_date BETWEEN s.first_day AND s.end_day
    GROUP BY s.stationing_key
),
found AS (
    SELECT s.stationing_key, count(*) AS found,
           count(*) FILTER (WHERE {rules.rectified("s.as_of", "h.")} OR {rules.overdue("s.as_of", "h.")}) AS judged,
           count(*) FILTER (WHERE h.rectified_on <= h.deadline AND {rules.rectified("s.as_of", "h.")}) AS on_time,
           count(*) FILTER (WHERE h.level = '重大隐患') AS majors,
           count(*) FILTER (WHERE h.level = '重大隐患' AND {rules.reported_in_time("s.as_of", str(days), "h.")})
               AS majors_ok
    FROM q_spans s
    JOIN hazards_current h ON h.credit_code = s.credit_code AND h.found_on BETWEEN s.first_day AND s.end_day
    WHERE coalesce(h.method, '驻点检查') = '驻点检查'
    GROUP BY s.stationing_key
),
per_stationing AS (
    SELECT s.district, s.district_order, s.supervisor_name, s.enterprise_name, s.enterprise_key, s.dispatch_unit,
           s.end_day - s.first_day + 1 AS days,
           coalesce(d.due, 0) AS due, coalesce(d.filled, 0) AS filled,
           coalesce(w.weeks_due, 0) AS weeks_due, coalesce(w.weeks_logged, 0) AS weeks_logged,
           coalesce(o.ops, 0) AS ops, coalesce(o.onsite, 0) AS onsite,
           coalesce(f.found, 0) AS found, coalesce(f.judged, 0) AS judged, coalesce(f.on_time, 0) AS on_time,
           coalesce(f.majors, 0) AS majors, coalesce(f.majors_ok, 0) AS majors_ok,
           CASE WHEN s.withdrawn_on BETWEEN s.q_start AND s.period_end
                 AND (s.successor IS NOT NULL OR s.handed_to IS NOT NULL) THEN 1 ELSE 0 END AS handovers_due,
           CASE WHEN s.withdrawn_on BETWEEN s.q_start AND s.period_end
                 AND (s.successor IS NOT NULL OR s.handed_to IS NOT NULL)
                 AND s.handover_on <= s.as_of THEN 1 ELSE 0 END AS handovers_done
    FROM q_spans s
    LEFT JOIN log_days d USING (stationing_key)
    LEFT JOIN log_weeks w USING (stationing_key)
    LEFT JOIN ops o USING (stationing_key)
    LEFT JOIN found f USING (stationing_key)
),
per_supervisor AS (
    SELECT district, any_value(district_order) AS district_order, supervisor_name,
           string_agg(DISTINCT dispatch_unit, '、' ORDER BY dispatch_unit) AS dispatch_units,
           string_agg(DISTINCT enterprise_name, '、' ORDER BY enterprise_name) AS enterprises,
           sum(days)::BIGINT AS days, sum(due)::BIGINT AS due, sum(filled)::BIGINT AS filled,
           sum(ops)::BIGINT AS ops, sum(onsite)::BIGINT AS onsite, sum(found)::BIGINT AS found,
           sum(judged)::BIGINT AS judged, sum(on_time)::BIGINT AS on_time, sum(majors)::BIGINT AS majors,
           sum(majors_ok)::BIGINT AS majors_ok, sum(weeks_due)::BIGINT AS weeks_due,
           sum(weeks_logged)::BIGINT AS weeks_logged, sum(handovers_due)::BIGINT AS handovers_due,
           sum(handovers_done)::BIGINT AS handovers_done
    FROM per_stationing
    GROUP BY district, supervisor_name
),
rated AS (
    SELECT *, {", ".join(f"{sql} AS r_{code}" for code, sql in rates.items())}
    FROM per_supervisor
),
scored AS (
    SELECT *, round(100.0 * ({weighted}) / nullif({available}, 0), 1) AS score FROM rated
),
ranked AS (
    SELECT *,
           CASE WHEN days >= {min_days} AND score IS NOT NULL
                THEN rank() OVER (PARTITION BY district, days >= {min_days} AND score IS NOT NULL
                                  ORDER BY score DESC) END AS top_rank,
           CASE WHEN days >= {min_days} AND score IS NOT NULL
                THEN rank() OVER (PARTITION BY district, days >= {min_days} AND score IS NOT NULL
                                  ORDER BY score) END AS bottom_rank
    FROM scored
)
SELECT district AS "区市", supervisor_name AS "驻点人员", dispatch_units AS "派出单位", enterprises AS "驻点企业",
       days AS "驻点天数",
       due AS "应填报天数", filled AS "已填报天数", round(100 * r_log_fill, 1) AS "日志填报率（%）",
       ops AS "必到场作业数", onsite AS "现场监督数", round(100 * r_onsite, 1) AS "现场监督率（%）",
       found AS "驻点检查发现隐患数",
       CASE WHEN days > 0 THEN round(found * 30.0 / days, 2) END AS "每驻点月发现隐患数",
       judged AS "应判定按期整改隐患数", on_time AS "按期整改隐患数", round(100 * r_on_time, 1) AS "按期整改率（%）",
       majors AS "发现重大隐患数", majors_ok AS "按时直报数", round(100 * r_major_reported, 1) AS "按时直报率（%）",
       weeks_due AS "应报周数", weeks_logged AS "有日志周数", round(100 * r_weekly, 1) AS "周报完整率（%）",
       handovers_due AS "应交接次数", handovers_done AS "已交接次数", round(100 * r_handover, 1) AS "交接完成率（%）",
       score AS "得分", top_rank AS "区内排名",
       CASE WHEN top_rank <= {candidates} AND top_rank < bottom_rank THEN '表扬候选'
            WHEN bottom_rank <= {candidates} AND bottom_rank < top_rank THEN '约谈候选'
            WHEN days < {min_days} THEN '驻点不足{min_days}天，不排名'
            ELSE '' END AS "候选",
       {basis} AS "依据"
FROM ranked
ORDER BY district_order, score DESC NULLS LAST, supervisor_name COLLATE zh
""")
    return frame.assign(**{"区内排名": frame["区内排名"].astype("Int64")})


def _basis_sql() -> str:
    """The data behind a supervisor's score, in one line: every item's count over its base, or 无 when none."""
    def part(label: str, num: str, den: str, unit: str) -> str:
        return (f"'{label}' || CASE WHEN {den} > 0 THEN {num} || '/' || {den} || '{unit}' ELSE '无' END")
    parts = [
        part("日志填报", "filled", "due", "天"),
        part("必到场作业现场监督", "onsite", "ops", "次"),
        "'驻点检查发现隐患' || found || '项（驻点' || days || '天）'",
        part("按期整改", "on_time", "judged", "项"),
        part("重大隐患按时直报", "majors_ok", "majors", "项"),
        part("有日志周数", "weeks_logged", "weeks_due", "周"),
        part("离任交接", "handovers_done", "handovers_due", "次"),
    ]
    return " || '；' || ".join(parts)


def scorecard_weights_text() -> str:
    """The items with their weights and the clauses they serve, as the page and docs state them."""
    weights = _weights()
    return "；".join(f"{name}（权重 {weights[code]:g}，{quote.cited}）" for code, name, quote, _ in SCORECARD_ITEMS)

