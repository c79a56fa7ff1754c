"""直通车: the escalation timeline of every major hazard and every 移交 item, stage by stage.

The notice's 问题解决直通车机制 (三（三）): a major hazard is reported straight to the body with enforcement
power, which opens a case, and the enterprise is made to put it right in time; a problem outside the
department's remit is handed over (移交) and followed until it is done. The hazard ledger's columns
(contract §3.5) record each step:

    重大隐患  发现 → 上报（上报单位） → 立案（执法立案情况） → 整改（整改期限） → 验收/销号（验收人）
    移交      发现 → 移交（移交部门） → 办结（移交办结日期）

Each stage has its date, the days it took (from the stage before; an open stage counts to the as-of date),
its limit where one applies (settings: indicators.major_hazard_report_days, the hazard's own 整改期限,
escalation.close_days, watch.transfer_reply_days), and a state. The ledger records no date for 立案:
that stage shows what is recorded and the ledger file where it first appeared.

A quarter's timelines are the items found by its end whose loop was still open when it began (a major
hazard not yet 销号, a handover not yet answered); an enterprise's profile shows all of its items.
"""
from __future__ import annotations

from datetime import date

import pandas as pd

from core.quarters import Quarter, parse_quarter
from core.settings import setting
from core.sqltext import sql_list
from metrics import rules
from metrics.lists import frame_of
from metrics.scope import resolve_districts
from metrics.sql import base_ctes, district_list_cte, make_period

KINDS = {"major": "重大隐患", "transfer": "移交事项"}
MAJOR_STAGES = ("发现", "上报", "立案", "整改", "验收销号")
TRANSFER_STAGES = ("发现", "移交", "办结")

# Stage states by what they mean for the loop.
LATE_STATES = ("超时", "逾期完成", "超时办结")  # done, after the limit
BREACH_STATES = (*LATE_STATES, "超时未上报", "超期未整改", "超时未销号", "超时未办结")
GAP_STATES = ("未填上报日期", "未填移交日期", "已销号未填日期", "已销号未填办结日期")
DONE_STATES = ("已发现", "按时", "按期", "已记录", "已移交", "按时办结", *LATE_STATES)
OPEN_STATES = ("未到期", "整改中", "待销号", "办理中")
IDLE_STATES = ("未记录", "未到此环节")

_HANDED_OVER = "(nullif(trim(x.transferred_to), '') IS NOT NULL OR x.transferred_on IS NOT NULL)"
# 销号 of a hazard by its date, or by its status when the ledger gives no date.
_CLOSED_ON = "coalesce(x.closed_on, CASE WHEN x.status = '已销号' THEN x.rectified_on END)"


def _items_sql(history: bool, only: str) -> str:
    """Major hazards and handovers found by the period's end; in a quarter's view only those still open when it
    began (with `history`, every one found by the as-of date)."""
    major_open = "TRUE" if history else f"NOT coalesce({_CLOSED_ON} < p.q_start, FALSE)"
    transfer_open = "TRUE" if history else (
        "NOT coalesce(x.transfer_closed_on < p.q_start, FALSE) "
        f"AND NOT (x.transferred_on IS NULL AND coalesce({_CLOSED_ON} < p.q_start, FALSE))")
    last_day = "p.as_of" if history else "p.period_end"
    return f"""
items AS (
    SELECT k.kind, k.kind_order, x.* EXCLUDE (district, enterprise_name), e.district, e.enterprise_name,
           e.enterprise_key, d.district_order, p.as_of, p.q_start,
           k.kind || '/' || x.credit_code || '/' || x.hazard_id AS item_key
    FROM hazards_current x
    JOIN scope e ON e.credit_code = x.credit_code
    JOIN district_list d ON d.district = e.district
    CROSS JOIN periods p
    JOIN (VALUES ('major', 0), ('transfer', 1)) k(kind, kind_order)
      ON (k.kind = 'major' AND x.level = '重大隐患' AND {major_open})
      OR (k.kind = 'transfer' AND {_HANDED_OVER} AND {transfer_open})
    WHERE x.found_on <= {last_day} {only}
),
case_first AS (
    -- the ledger version in which the 执法立案情况 first appears (the ledger has no date for it)
    SELECT v.credit_code, v.hazard_id, arg_min(v.source_file, (v.batch_id, v.source_row)) AS source_file
    FROM hazards v
    WHERE nullif(trim(v.enforcement_case), '') IS NOT NULL
      AND EXISTS (SELECT 1 FROM items i WHERE i.credit_code = v.credit_code AND i.hazard_id = v.hazard_id)
    GROUP BY v.credit_code, v.hazard_id
)"""


STAGES_SQL = """
stages AS (
    SELECT item_key, 0 AS stage_order, '发现' AS stage, found_on AS on_date, method AS party, NULL::INTEGER AS days,
           NULL::INTEGER AS limit_days, NULL::DATE AS limit_on, '已发现' AS state,
           printf('%s发现', coalesce(method || '', '')) AS note
    FROM items
    UNION ALL
    SELECT item_key, 1, '上报', CASE WHEN reported_on <= as_of THEN reported_on END, report_unit,
           date_diff('day', found_on, CASE WHEN reported_on <= as_of THEN reported_on ELSE as_of END),
           {report_days}, (found_on + {report_days})::DATE,
           CASE WHEN reported_on <= as_of AND reported_on <= found_on + {report_days} THEN '按时'
                WHEN reported_on <= as_of THEN '超时'
                WHEN nullif(trim(transferred_to), '') IS NOT NULL AND reported_on IS NULL THEN '未填上报日期'
                WHEN as_of > found_on + {report_days} THEN '超时未上报'
                ELSE '未到期' END,
           CASE WHEN reported_on <= as_of AND reported_on > found_on + {report_days}
                    THEN printf('迟报 %d 天', date_diff('day', found_on + {report_days}, reported_on))
                WHEN reported_on > as_of THEN printf('上报日期 %s 晚于截至日期', strftime(reported_on, '%Y-%m-%d'))
                WHEN nullif(trim(transferred_to), '') IS NOT NULL AND reported_on IS NULL
                    THEN printf('填了移交部门“%s”，未填上报日期：数据缺口，不等于未上报，请核实补填', trim(transferred_to))
                WHEN reported_on IS NULL THEN printf('发现后已 %d 天未上报', date_diff('day', found_on, as_of))
                ELSE '' END
    FROM items WHERE kind = 'major'
    UNION ALL
    SELECT i.item_key, 2, '立案', NULL, nullif(trim(i.enforcement_case), ''), NULL, NULL, NULL,
           CASE WHEN nullif(trim(i.enforcement_case), '') IS NOT NULL THEN '已记录' ELSE '未记录' END,
           CASE WHEN c.source_file IS NOT NULL THEN '台账不记立案日期；首见于 ' || c.source_file
                ELSE '台账未填执法立案情况' END
    FROM items i LEFT JOIN case_first c ON c.credit_code = i.credit_code AND c.hazard_id = i.hazard_id
    WHERE i.kind = 'major'
    UNION ALL
    SELECT item_key, 3, '整改', CASE WHEN rectified_on <= as_of THEN rectified_on END, owner,
           date_diff('day', found_on, CASE WHEN rectified_on <= as_of THEN rectified_on ELSE as_of END),
           date_diff('day', found_on, deadline), deadline,
           CASE WHEN rectified_on <= as_of AND rectified_on <= deadline THEN '按期'
                WHEN rectified_on <= as_of THEN '逾期完成'
                WHEN {overdue} THEN '超期未整改'
                ELSE '整改中' END,
           CASE WHEN rectified_on <= as_of AND rectified_on > deadline
                    THEN printf('逾期 %d 天', date_diff('day', deadline, rectified_on))
                WHEN rectified_on <= as_of THEN ''
                WHEN {overdue} THEN printf('超期 %d 天', date_diff('day', deadline, as_of))
                ELSE printf('距整改期限还有 %d 天', date_diff('day', as_of, deadline)) END
    FROM items WHERE kind = 'major'
    UNION ALL
    SELECT item_key, 4, '验收销号', CASE WHEN closed_on <= as_of THEN closed_on END, acceptor,
           CASE WHEN closed_on <= as_of THEN date_diff('day', rectified_on, closed_on)
                WHEN rectified_on <= as_of AND NOT (closed_on IS NULL AND status = '已销号')
                    THEN date_diff('day', rectified_on, as_of) END,
           {close_days}, CASE WHEN rectified_on <= as_of THEN (rectified_on + {close_days})::DATE END,
           CASE WHEN NOT coalesce(rectified_on <= as_of, FALSE) THEN '未到此环节'
                WHEN closed_on IS NULL AND status = '已销号' THEN '已销号未填日期'
                WHEN closed_on <= as_of AND closed_on <= rectified_on + {close_days} THEN '按时'
                WHEN closed_on <= as_of THEN '超时'
                WHEN as_of > rectified_on + {close_days} THEN '超时未销号'
                ELSE '待销号' END,
           CASE WHEN NOT coalesce(rectified_on <= as_of, FALSE) THEN ''
                WHEN closed_on IS NULL AND status = '已销号' THEN '整改状态为已销号，未填销号日期'
                WHEN closed_on <= as_of AND nullif(trim(acceptor), '') IS NULL THEN '未填验收人'
                WHEN closed_on <= as_of THEN ''
                ELSE printf('整改完成后已 %d 天未销号', date_diff('day', rectified_on, as_of)) END
    FROM items WHERE kind = 'major'
    UNION ALL
    SELECT item_key, 1, '移交', CASE WHEN transferred_on <= as_of THEN transferred_on END, transferred_to,
           CASE WHEN transferred_on <= as_of THEN date_diff('day', found_on, transferred_on) END, NULL, NULL,
           CASE WHEN transferred_on IS NULL THEN '未填移交日期' ELSE '已移交' END,
           CASE WHEN transferred_on IS NULL THEN '未填移交日期，办结天数按发现日期计，请补填'
                WHEN nullif(trim(transferred_to), '') IS NULL THEN '未填移交部门' ELSE '' END
    FROM items WHERE kind = 'transfer'
    UNION ALL
    SELECT item_key, 2, '办结', CASE WHEN transfer_closed_on <= as_of THEN transfer_closed_on END, transferred_to,
           CASE WHEN transfer_closed_on <= as_of THEN date_diff('day', coalesce(transferred_on, found_on), transfer_closed_on)
                WHEN NOT (transferred_on IS NULL AND coalesce(closed_on <= as_of, status = '已销号', FALSE))
                    THEN date_diff('day', coalesce(transferred_on, found_on), as_of) END,
           {reply_days}, (coalesce(transferred_on, found_on) + {reply_days})::DATE,
           CASE WHEN transfer_closed_on <= as_of
                     AND transfer_closed_on <= coalesce(transferred_on, found_on) + {reply_days} THEN '按时办结'
                WHEN transfer_closed_on <= as_of THEN '超时办结'
                WHEN transferred_on IS NULL AND coalesce(closed_on <= as_of, status = '已销号', FALSE)
                    THEN '已销号未填办结日期'
                WHEN as_of > coalesce(transferred_on, found_on) + {reply_days} THEN '超时未办结'
                ELSE '办理中' END,
           CASE WHEN transfer_closed_on > as_of
                    THEN printf('办结日期 %s 晚于截至日期', strftime(transfer_closed_on, '%Y-%m-%d'))
                WHEN transfer_closed_on <= as_of THEN ''
                WHEN transferred_on IS NULL AND coalesce(closed_on <= as_of, status = '已销号', FALSE)
                    THEN '隐患已销号，视为移交已有结果；请补填移交日期和办结日期'
                ELSE printf('移交后已 %d 天无办结日期', date_diff('day', coalesce(transferred_on, found_on), as_of)) END
    FROM items WHERE kind = 'transfer'
)"""


def _values() -> dict[str, int | str]:
    return {"overdue": rules.overdue("as_of"),
            "report_days": int(setting("indicators.major_hazard_report_days")),
            "close_days": int(setting("escalation.close_days")),
            "reply_days": int(setting("watch.transfer_reply_days"))}


def _head(quarter: Quarter | str, as_of: date | None, districts: list[str] | None, credit_code: str | None,
          history: bool) -> str:
    period = make_period(parse_quarter(quarter), as_of)
    chosen = resolve_districts(districts)
    only = f"AND e.credit_code IN {sql_list([credit_code])}" if credit_code else ""
    items = _items_sql(history, only)
    states = ", ".join(f"'{s}'" for s in BREACH_STATES)
    gaps = ", ".join(f"'{s}'" for s in GAP_STATES)
    done = ", ".join(f"'{s}'" for s in DONE_STATES)
    return f"""
WITH {base_ctes([period], chosen)},
{district_list_cte(chosen)},
{items},
{STAGES_SQL.format(**_values())},
judged AS (
    SELECT s.*, s.state IN ({states}) AS breach, s.state IN ({gaps}) AS gap, s.state IN ({done}) AS done
    FROM stages s
)"""


TIMELINE_COLUMNS = ("事项代码", "类别", "区市", "企业名称", "统一社会信用代码", "隐患编号", "督办级别", "环节序号", "环节",
                    "日期", "单位或人员", "天数", "时限（天）", "时限日期", "状态", "说明")


def timelines(con, quarter: Quarter | str, *, as_of: date | None = None, districts: list[str] | None = None,
              credit_code: str | None = None, history: bool = False) -> pd.DataFrame:
    """Every stage of every item (one row per item and stage, in stage order): its date, who (上报单位, 整改责任人,
    验收人, 移交部门), days, limit, state and a note. `history`: every item found by the as-of date, not only
    those open in the quarter (an enterprise's profile)."""
    return frame_of(con, _head(quarter, as_of, districts, credit_code, history) + """
SELECT i.item_key AS "事项代码", CASE i.kind WHEN 'major' THEN '重大隐患' ELSE '移交事项' END AS "类别",
       i.district AS "区市", i.enterprise_name AS "企业名称", i.credit_code AS "统一社会信用代码",
       i.hazard_id AS "隐患编号", coalesce(i.supervision_level, '未填') AS "督办级别",
       j.stage_order AS "环节序号", j.stage AS "环节", j.on_date AS "日期", j.party AS "单位或人员", j.days AS "天数",
       j.limit_days AS "时限（天）", j.limit_on AS "时限日期", j.state AS "状态", j.note AS "说明"
FROM judged j
JOIN items i USING (item_key)
ORDER BY i.kind_order, i.district_order, i.enterprise_key, i.found_on, i.hazard_id, j.stage_order
""")


ITEM_COLUMNS = ("事项代码", "类别", "区市", "企业名称", "统一社会信用代码", "隐患编号", "隐患描述", "督办级别", "发现日期",
                "当前环节", "已历时天数", "超时环节", "数据缺口", "来源文件", "工作表", "行号")


def escalation_items(con, quarter: Quarter | str, *, as_of: date | None = None, districts: list[str] | None = None,
                     credit_code: str | None = None, history: bool = False) -> pd.DataFrame:
    """One row per item: where it stands (its first unfinished stage, or 已闭环), days since found (to the end of
    the loop, or to the as-of date), the stages that broke their limits and the data gaps; items with a
    breach first."""
    return frame_of(con, _head(quarter, as_of, districts, credit_code, history) + """,
per_item AS (
    SELECT item_key,
           arg_min(stage || '·' || state, stage_order) FILTER (WHERE NOT done AND state <> '未记录')
               AS current_stage,
           -- the loop is closed when its last stage (验收销号, 办结) is done, or done with its date missing
           arg_max_null(on_date, stage_order) AS last_done_on,
           arg_max(done OR gap, stage_order) AS closed,
           string_agg(stage || '·' || state, '；' ORDER BY stage_order) FILTER (WHERE breach) AS breaches,
           string_agg(stage || '·' || state, '；' ORDER BY stage_order) FILTER (WHERE gap) AS gaps
    FROM judged GROUP BY item_key
)
SELECT i.item_key AS "事项代码", CASE i.kind WHEN 'major' THEN '重大隐患' ELSE '移交事项' END AS "类别",
       i.district AS "区市", i.enterprise_name AS "企业名称", i.credit_code AS "统一社会信用代码",
       i.hazard_id AS "隐患编号", i.description AS "隐患描述", coalesce(i.supervision_level, '未填') AS "督办级别",
       i.found_on AS "发现日期", CASE WHEN a.closed THEN '已闭环' ELSE a.current_stage END AS "当前环节",
       date_diff('day', i.found_on, CASE WHEN a.closed THEN a.last_done_on ELSE i.as_of END) AS "已历时天数",
       coalesce(a.breaches, '') AS "超时环节", coalesce(a.gaps, '') AS "数据缺口",
       i.source_file AS "来源文件", i.source_sheet AS "工作表", i.source_row AS "行号"
FROM items i
JOIN per_item a USING (item_key)
ORDER BY a.breaches IS NULL, i.kind_order, i.district_order, i.enterprise_key, i.found_on, i.hazard_id
""")


SUMMARY_COLUMNS = ("区市", "重大隐患", "上报超时", "整改超期", "销号超时", "挂牌督办", "移交事项", "办结超时",
                   "数据缺口")


def escalation_summary(con, quarter: Quarter | str, *, as_of: date | None = None,
                       districts: list[str] | None = None) -> pd.DataFrame:
    """Per district (every district chosen, with zeros): the quarter's major hazards and handovers, and how many
    broke the limit at each stage; 挂牌督办 counts majors under 市级 or 区市级 supervision."""
    return frame_of(con, _head(quarter, as_of, districts, None, False) + """,
flags AS (
    SELECT i.district, i.kind, i.item_key, i.supervision_level,
           bool_or(j.breach AND j.stage = '上报') AS late_report,
           bool_or(j.breach AND j.stage = '整改') AS late_fix,
           bool_or(j.breach AND j.stage = '验收销号') AS late_close,
           bool_or(j.breach AND j.stage = '办结') AS late_reply,
           bool_or(j.gap) AS gap
    FROM items i JOIN judged j USING (item_key)
    GROUP BY i.district, i.kind, i.item_key, i.supervision_level
)
SELECT d.district AS "区市",
       count(f.item_key) FILTER (WHERE f.kind = 'major') AS "重大隐患",
       count(*) FILTER (WHERE f.late_report) AS "上报超时",
       count(*) FILTER (WHERE f.late_fix) AS "整改超期",
       count(*) FILTER (WHERE f.late_close) AS "销号超时",
       count(*) FILTER (WHERE f.kind = 'major' AND f.supervision_level IN ('市级挂牌督办', '区市级挂牌督办')) AS "挂牌督办",
       count(f.item_key) FILTER (WHERE f.kind = 'transfer') AS "移交事项",
       count(*) FILTER (WHERE f.late_reply) AS "办结超时",
       count(*) FILTER (WHERE f.gap) AS "数据缺口"
FROM district_list d
LEFT JOIN flags f ON f.district = d.district
GROUP BY d.district, d.district_order
ORDER BY d.district_order
""")
