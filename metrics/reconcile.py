"""对账: checks that set one record against another, each declared once, as data.

Every platform the districts use accepts what enterprises and supervisors type in. A check here
compares two records that should agree (a log against the ledger, a checklist against the staff
roster), or a record against what it must hold (a 销号 with its 验收人), or a pattern that is too
perfect or too empty to be taken on trust. Each declaration carries its Chinese name, its nature
(记录不一致 / 数据缺口 / 记录错误 / 需核实: a data gap is not a failure, and the text says so), what
it compares, why it matters (the notice's words, quoted with their section, and what the office adds,
labelled 本办做法), and one SQL query over the shared base relations of `metrics.sql`.

Every query returns the same columns: the enterprise (`credit_code`), the supervisor when the check is
about one (`supervisor_name`, else NULL: the supervisor stationed at the enterprise on `event_day` is
filled in), the record (`record`), what is wrong and what to do (`detail`), a number that ranks the rows
within a check (`weight`, larger first), and the row to open (`source_file`, `source_sheet`, `source_row`).
The page 数据可信度, `python -m metrics reconcile` and the meeting pack read these declarations.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd

from core.policy import Quote, practice
from core.quarters import Quarter, parse_quarter
from core.settings import FilledText, setting
from core.sqltext import sql_list, sql_literal
from metrics import rules, stationing
from metrics.lists import frame_of
from metrics.scope import resolve_districts
from metrics.sql import base_ctes, district_list_cte, kept_table, make_period

NATURES = {
    "mismatch": "记录不一致",  # two records that should agree do not
    "gap": "数据缺口",  # a field left empty: not in itself a failure of the work
    "error": "记录错误",  # an order of events that cannot have happened
    "doubt": "需核实",  # possible, but too empty or too perfect to take on trust
}
NO_SUPERVISOR = "（无驻点人员）"


@dataclass(frozen=True)
class Check:
    code: str
    # Texts may state a setting as {section.name}, filled in with its current value when read.
    name: str = FilledText()
    nature: str  # a key of NATURES
    compares: str = FilledText()  # what is set against what
    why: str = FilledText()  # why it matters, in the office's words
    quote: Quote | None  # the notice's words the check answers to; None when it is the office's own
    practice: str = FilledText()  # what the office adds beyond the notice ("" when nothing)
    sql: str  # one SELECT after the base relations; placeholders are filled by `reconcile_sql`

    @property
    def nature_name(self) -> str:
        return NATURES[self.nature]

    @property
    def basis(self) -> str:
        """The quotation with notice and section, then the office's practice if any."""
        return " ".join(part for part in (self.quote.cited if self.quote else "", practice(self.practice)) if part)


_IN_QUARTER = "BETWEEN p.q_start AND p.period_end"
# Hazard descriptions compared without spaces, punctuation or symbols, by their sets of adjacent character pairs
# (DuckDB's edit distances count bytes, not characters, which would weigh a Chinese character three times).
_TEXT = "regexp_replace({column}, '[\\s\\p{{P}}\\p{{S}}]', '', 'g')"
_PAIRS = "list_distinct(list_transform(range(length({text}) - 1), lambda i: substring({text}, i + 1, 2)))"
_SIMILARITY = "2 * len(list_intersect(later.pairs, earlier.pairs)) / (len(later.pairs) + len(earlier.pairs))"

CHECKS: tuple[Check, ...] = (
    Check(
        code="log_vs_ledger",
        name="日志发现问题与隐患台账不符",
        nature="mismatch",
        compares="同一企业本季度：工作日志“发现问题数”合计 对 隐患台账本季度发现的隐患数（另对驻点检查发现的隐患数）；"
                 "相差超过{reconcile.problem_count_tolerance}个即列出。",
        why="日志里记了发现问题、台账里却没有，这些问题就不在整改、销号的闭环里，整改率也因此虚高；"
            "台账里驻点检查发现的隐患多于日志所记，则是日志漏记。",
        quote=Quote("二（一）", "将自查发现的隐患问题列出清单，建立整改台账……建立工作台账，记录工作日志"),
        practice="",
        sql="""
SELECT e.credit_code, NULL::VARCHAR AS supervisor_name, p.period_end AS event_day,
       p.quarter || ' 工作日志与隐患台账' AS record,
       CASE WHEN coalesce(l.problems, 0) - coalesce(h.hazards, 0) > {problem_tolerance}
            THEN printf('本季度工作日志 %d 篇记录发现问题 %d 个，隐患台账本季度登记隐患 %d 项（其中驻点检查 %d 项），'
                        '相差 %d 个；请核对日志所记问题是否都已录入隐患台账。',
                        coalesce(l.logs, 0), coalesce(l.problems, 0), coalesce(h.hazards, 0),
                        coalesce(h.stationed, 0), coalesce(l.problems, 0) - coalesce(h.hazards, 0))
            ELSE printf('隐患台账本季度驻点检查发现隐患 %d 项，工作日志只记录发现问题 %d 个（%d 篇），相差 %d 个；'
                        '请核对日志是否漏记发现的问题。', coalesce(h.stationed, 0), coalesce(l.problems, 0),
                        coalesce(l.logs, 0), coalesce(h.stationed, 0) - coalesce(l.problems, 0)) END AS detail,
       greatest(coalesce(l.problems, 0) - coalesce(h.hazards, 0), coalesce(h.stationed, 0) - coalesce(l.problems, 0))
           AS weight,
       CASE WHEN coalesce(l.problems, 0) - coalesce(h.hazards, 0) > {problem_tolerance}
            THEN coalesce(l.first_problem, l.first_log) ELSE coalesce(h.first_stationed, l.first_log) END AS source
FROM scope e
CROSS JOIN periods p
LEFT JOIN enterprise_logs l ON l.credit_code = e.credit_code
LEFT JOIN (
    SELECT x.credit_code, count(*) AS hazards, count(*) FILTER (WHERE x.method = '驻点检查') AS stationed,
           arg_min({{'file': x.source_file, 'sheet': x.source_sheet, 'row': x.source_row}}, (x.found_on, x.hazard_id))
               FILTER (WHERE x.method = '驻点检查') AS first_stationed
    FROM hazards_current x CROSS JOIN periods p
    WHERE x.found_on {in_quarter}
    GROUP BY x.credit_code
) h ON h.credit_code = e.credit_code
WHERE coalesce(l.problems, 0) - coalesce(h.hazards, 0) > {problem_tolerance}
   OR coalesce(h.stationed, 0) - coalesce(l.problems, 0) > {problem_tolerance}
""",
    ),
    Check(
        code="director_vs_staff",
        name="安全总监配备与人员台账不符",
        nature="mismatch",
        compares="本季度检查表的“安全总监配备” 对 人员台账截至日期在岗、岗位类别为安全总监的人员："
                 "填“是”而台账没有在岗的安全总监，或填“否”而台账有。",
        why="安全管理机构健全率按检查表的回答计；检查表与人员台账说法相反时，该指标的分子就靠不住。",
        quote=Quote("二（二）", "按规定配备安全总监和安全管理人员"),
        practice="填“不适用”的企业不作比对。",
        sql="""
SELECT c.credit_code, NULL::VARCHAR AS supervisor_name, p.period_end AS event_day,
       p.quarter || ' 季度检查表' AS record,
       CASE WHEN c.director = '是'
            THEN printf('季度检查表填“安全总监配备：是”，人员台账截至 %s 没有在岗的安全总监；'
                        '请核实后更正检查表，或补报安全总监的人员台账。', strftime(p.as_of, '%Y-%m-%d'))
            ELSE printf('季度检查表填“安全总监配备：否”，人员台账截至 %s 有在岗安全总监 %d 人（%s）；'
                        '请核实后更正检查表或人员台账。', strftime(p.as_of, '%Y-%m-%d'), s.directors, s.names) END
           AS detail,
       1 AS weight,
       {{'file': c.source_file, 'sheet': c.source_sheet, 'row': c.source_row}} AS source
FROM quarter_checklists c
CROSS JOIN periods p
LEFT JOIN (
    SELECT credit_code, count(*) AS directors, string_agg(person_name, '、' ORDER BY person_id) AS names
    FROM on_duty WHERE category = '安全总监' GROUP BY credit_code
) s ON s.credit_code = c.credit_code
WHERE (c.director = '是' AND s.directors IS NULL) OR (c.director = '否' AND s.directors > 0)
""",
    ),
    Check(
        code="headcount_vs_staff",
        name="从业人员数与人员台账不符",
        nature="mismatch",
        compares="企业名册的“从业人员数” 对 人员台账截至日期的在岗人数；相差超过名册人数的{reconcile.headcount_tolerance_pct}%即列出。",
        why="在岗人数是全员培训合格率的分母，名册人数是未组织演练企业计入演练参与率分母的人数；"
            "两者差得多，说明人员台账不全或名册人数未更新，这两项指标都会失真。",
        quote=None,
        practice="名册从业人员数与人员台账在岗人数相差超过容差的企业逐家列出，请区市核实后更正其中之一。",
        sql="""
SELECT e.credit_code, NULL::VARCHAR AS supervisor_name, p.period_end AS event_day,
       '企业名册 / 人员台账' AS record,
       CASE WHEN coalesce(s.people, 0) = 0
            THEN printf('企业名册从业人员数 %d 人，人员台账截至 %s 没有该企业的在岗人员（可能未报送人员台账）；请补报人员台账。',
                        e.employees, strftime(p.as_of, '%Y-%m-%d'))
            ELSE printf('企业名册从业人员数 %d 人，人员台账截至 %s 在岗 %d 人，相差 %d 人（%s%%），超过容差 %d%%；'
                        '请核实后更正名册人数或人员台账。', e.employees, strftime(p.as_of, '%Y-%m-%d'), s.people,
                        abs(s.people - e.employees),
                        CASE WHEN e.employees = 0 THEN '—'
                             ELSE CAST(round(abs(s.people - e.employees) * 100.0 / e.employees, 1) AS VARCHAR) END,
                        {headcount_pct}) END AS detail,
       abs(coalesce(s.people, 0) - e.employees) AS weight,
       {{'file': e.source_file, 'sheet': e.source_sheet, 'row': e.source_row}} AS source
FROM scope e
CROSS JOIN periods p
LEFT JOIN (SELECT credit_code, count(*) AS people FROM on_duty GROUP BY credit_code) s ON s.credit_code = e.credit_code
WHERE abs(coalesce(s.people, 0) - e.employees) * 100 > e.employees * {headcount_pct}
""",
    ),
    Check(
        code="major_transfer_unreported",
        name="重大隐患填了移交部门、未填上报日期",
        nature="gap",
        compares="截至日期已发现的重大隐患：“移交部门”已填 而 “上报日期”为空。",
        why="这是数据缺口，不等于未上报：台账只写了交给哪个部门，没写何时直报具有执法权的单位，"
            "重大隐患直报率只能按未上报计。补填上报日期和上报单位后即按实际计算。",
        quote=Quote("三（三）", "对重大隐患要直报具有相应执法权的单位，提请启动执法程序"),
        practice="移交部门不能代替上报日期：请核实是否已直报，补填上报日期和上报单位；确未上报的应立即直报。",
        sql="""
SELECT x.credit_code, NULL::VARCHAR AS supervisor_name, x.found_on AS event_day,
       '隐患 ' || x.hazard_id AS record,
       printf('重大隐患（%s 发现）填了移交部门“%s”，未填上报日期%s：台账无法说明是否已直报执法单位（数据缺口，不等于未上报）；'
              '请核实后补填上报日期和上报单位。', strftime(x.found_on, '%Y-%m-%d'), trim(x.transferred_to),
              CASE WHEN nullif(trim(x.report_unit), '') IS NOT NULL THEN '（上报单位填了“' || trim(x.report_unit) || '”）'
                   ELSE '' END) AS detail,
       date_diff('day', x.found_on, p.as_of) AS weight,
       {{'file': x.source_file, 'sheet': x.source_sheet, 'row': x.source_row}} AS source
FROM hazards_current x
JOIN scope e ON e.credit_code = x.credit_code
CROSS JOIN periods p
WHERE x.level = '重大隐患' AND x.found_on <= p.as_of
  AND nullif(trim(x.transferred_to), '') IS NOT NULL AND x.reported_on IS NULL
""",
    ),
    Check(
        code="closure_incomplete",
        name="销号记录不全",
        nature="gap",
        compares="截至日期已发现、台账记为已销号（整改状态为“已销号”或填了销号日期）的隐患：缺销号日期或验收人。",
        why="没有验收人的销号无从查证是谁验收的；没有销号日期的销号无法判断何时闭环，"
            "已整改未销号清单和直通车时间线都只能按台账状态估计。",
        quote=Quote("二（一）", "对隐患问题整改实行跟踪巡查、对账销号、闭环管理"),
        practice="已整改、尚未销号的隐患不要求验收人；一经销号，销号日期和验收人都须填写。",
        sql="""
SELECT x.credit_code, NULL::VARCHAR AS supervisor_name, coalesce(x.closed_on, x.rectified_on, x.found_on) AS event_day,
       '隐患 ' || x.hazard_id AS record,
       printf('隐患已销号（整改状态“%s”），%s；请补填后重新报送台账。', coalesce(x.status, '未填'),
              CASE WHEN x.closed_on IS NULL AND nullif(trim(x.acceptor), '') IS NULL THEN '未填销号日期和验收人'
                   WHEN x.closed_on IS NULL THEN '未填销号日期'
                   ELSE printf('销号日期 %s，未填验收人', strftime(x.closed_on, '%Y-%m-%d')) END) AS detail,
       (x.closed_on IS NULL)::INTEGER + (nullif(trim(x.acceptor), '') IS NULL)::INTEGER AS weight,
       {{'file': x.source_file, 'sheet': x.source_sheet, 'row': x.source_row}} AS source
FROM hazards_current x
JOIN scope e ON e.credit_code = x.credit_code
CROSS JOIN periods p
WHERE x.found_on <= p.as_of
  AND (x.status = '已销号' OR x.closed_on IS NOT NULL)
  AND (x.closed_on IS NULL OR nullif(trim(x.acceptor), '') IS NULL)
""",
    ),
    Check(
        code="closed_before_rectified",
        name="销号早于整改完成",
        nature="error",
        compares="截至日期已发现的隐患：销号日期 对 整改完成日期；销号日期早于整改完成日期，或已销号而未填整改完成日期。",
        why="先销号、后整改不可能发生：要么日期填错，要么没整改完就销了号，闭环是假的。",
        quote=Quote("二（一）", "落实整改措施、整改责任，限期完成整改，对隐患问题整改实行跟踪巡查、对账销号、闭环管理"),
        practice="",
        sql="""
SELECT x.credit_code, NULL::VARCHAR AS supervisor_name, x.closed_on AS event_day,
       '隐患 ' || x.hazard_id AS record,
       CASE WHEN x.rectified_on IS NULL
            THEN printf('销号日期 %s，但未填整改完成日期（整改状态“%s”）；请核实是否已整改，更正台账。',
                        strftime(x.closed_on, '%Y-%m-%d'), coalesce(x.status, '未填'))
            ELSE printf('销号日期 %s 早于整改完成日期 %s（早 %d 天）；请核实日期，未整改完成的不得销号。',
                        strftime(x.closed_on, '%Y-%m-%d'), strftime(x.rectified_on, '%Y-%m-%d'),
                        date_diff('day', x.closed_on, x.rectified_on)) END AS detail,
       coalesce(date_diff('day', x.closed_on, x.rectified_on), 9999) AS weight,
       {{'file': x.source_file, 'sheet': x.source_sheet, 'row': x.source_row}} AS source
FROM hazards_current x
JOIN scope e ON e.credit_code = x.credit_code
CROSS JOIN periods p
WHERE x.found_on <= p.as_of AND x.closed_on IS NOT NULL AND NOT coalesce(x.rectified_on <= x.closed_on, FALSE)
""",
    ),
    Check(
        code="repeat_hazard",
        name="隐患销号后反复出现",
        nature="doubt",
        compares="本季度发现的隐患 对 同一企业、同一隐患类别、描述几乎相同（相似度不低于{reconcile.repeat_similarity}）、"
                 "在其发现前{reconcile.repeat_months}个月内已销号的隐患（未填销号日期的按整改完成日期）。",
        why="销号后不久又查出同样的问题，说明上次的整改没有除根，或者销号时并未真正整改到位；"
            "应分析原因、建立长效措施，而不是再登记一次。",
        quote=Quote("二（一）", "逐项查找分析问题隐患原因，研究制定完善有效的制度措施"),
        practice="描述去掉空格和标点后比较：相似度 = 两条描述共有的相邻两字组合数 × 2 ÷ 两条描述各自的相邻两字组合数之和。",
        sql="""
WITH repeat_pairs AS (
    -- the pairs that meet the date and category conditions; only their descriptions are compared
    SELECT x.credit_code, x.hazard_id AS later_id, y.hazard_id AS earlier_id
    FROM hazards_current x
    JOIN hazards_current y ON y.credit_code = x.credit_code AND y.category = x.category AND y.hazard_id <> x.hazard_id
    CROSS JOIN periods p
    WHERE x.found_on {in_quarter}
      AND coalesce(y.closed_on, y.rectified_on) < x.found_on AND coalesce(y.closed_on, y.rectified_on) <= p.as_of
      AND x.found_on <= coalesce(y.closed_on, y.rectified_on) + INTERVAL {repeat_months} MONTH
),
repeat_texts AS (
    SELECT *, {pairs} AS pairs FROM (
        SELECT x.*, coalesce(x.closed_on, x.rectified_on) AS closed, {text} AS text
        FROM hazards_current x
        SEMI JOIN (SELECT credit_code, later_id AS hazard_id FROM repeat_pairs
                   UNION SELECT credit_code, earlier_id FROM repeat_pairs) k
          ON k.credit_code = x.credit_code AND k.hazard_id = x.hazard_id
    )
)
SELECT later.credit_code, NULL::VARCHAR AS supervisor_name, later.found_on AS event_day,
       '隐患 ' || later.hazard_id AS record,
       printf('%s 发现“%s”（%s），与隐患 %s（%s 发现，%s 销号）描述%s；销号后 %d 天再次出现，请分析原因、核实上次整改是否到位。',
              strftime(later.found_on, '%Y-%m-%d'), later.description, later.category, earlier.hazard_id,
              strftime(earlier.found_on, '%Y-%m-%d'), strftime(earlier.closed, '%Y-%m-%d'),
              CASE WHEN later.text = earlier.text THEN '相同'
                   ELSE printf('几乎相同（相似度 %.2f）', {similarity}) END,
              date_diff('day', earlier.closed, later.found_on)) AS detail,
       -date_diff('day', earlier.closed, later.found_on) AS weight,
       {{'file': later.source_file, 'sheet': later.source_sheet, 'row': later.source_row}} AS source
FROM repeat_pairs c
JOIN scope e ON e.credit_code = c.credit_code
JOIN repeat_texts later ON later.credit_code = c.credit_code AND later.hazard_id = c.later_id
JOIN repeat_texts earlier ON earlier.credit_code = c.credit_code AND earlier.hazard_id = c.earlier_id
WHERE length(later.text) > 0
  AND (later.text = earlier.text
       OR (len(later.pairs) > 0 AND len(earlier.pairs) > 0 AND {similarity} >= {repeat_similarity}))
QUALIFY row_number() OVER (PARTITION BY later.credit_code, later.hazard_id
                           ORDER BY earlier.closed DESC, earlier.hazard_id) = 1
""",
    ),
    Check(
        code="zero_hazard_stationed",
        name="驻点企业本季度零隐患",
        nature="doubt",
        compares="本季度有驻点人员驻点（至少一个应填报日志的工作日）的企业 对 隐患台账本季度发现的隐患：一项也没有。",
        why="驻点一个季度、审计式检查却没有查出任何隐患，要么企业确实管理到位，要么检查流于形式、"
            "或发现的问题没有入账；日志所记的发现问题数可资对照。",
        quote=Quote("二（一）", "对照检查标准全面深入开展审计式安全检查"),
        practice="驻点企业一个季度没有任何隐患记录的，列为需核实，由区市了解检查情况。",
        sql="""
SELECT e.credit_code, NULL::VARCHAR AS supervisor_name, p.period_end AS event_day,
       p.quarter || ' 隐患台账' AS record,
       printf('本季度驻点 %d 个工作日（%s），工作日志 %d 篇、记录发现问题 %d 个，隐患台账本季度没有该企业的隐患%s；'
              '请了解检查开展情况，核实是否漏报台账。', s.working_days, s.names, coalesce(l.logs, 0),
              coalesce(l.problems, 0), CASE WHEN e.status = '停产' THEN '（企业状态：停产）' ELSE '' END) AS detail,
       s.working_days AS weight,
       {{'file': e.source_file, 'sheet': e.source_sheet, 'row': e.source_row}} AS source
FROM scope e
CROSS JOIN periods p
JOIN (
    SELECT credit_code, bit_count(bit_or(due))::BIGINT AS working_days,
           string_agg(DISTINCT supervisor_name, '、' ORDER BY supervisor_name) AS names
    FROM stationing_day_sets GROUP BY credit_code
) s ON s.credit_code = e.credit_code
LEFT JOIN enterprise_logs l ON l.credit_code = e.credit_code
WHERE NOT EXISTS (SELECT 1 FROM hazards_found h WHERE h.credit_code = e.credit_code)
""",
    ),
    Check(
        code="log_gap",
        name="驻点日志连续断档",
        nature="doubt",
        compares="驻点人员在所驻企业的应填报日（季度内、进驻后、撤离前的法定工作日）对 其工作日志："
                 "连续{reconcile.log_gap_days}个及以上应填报日没有日志。",
        why="日志填报率只看总数；连续多日无日志，往往是人不在岗、或事后集中补记，需要派出单位了解情况。",
        quote=Quote("三（二）", "每日填写工作日志，每周报派出单位汇总"),
        practice="应填报日按国家法定工作日计；断档延续到截至日期的，注明仍未恢复。",
        sql="""
SELECT g.credit_code, g.supervisor_name, g.first_day AS event_day,
       printf('日志 %s 至 %s', strftime(g.first_day, '%Y-%m-%d'), strftime(g.last_day, '%Y-%m-%d')) AS record,
       printf('%s 至 %s 连续 %d 个应填报的工作日没有工作日志%s；请派出单位了解驻点人员在岗情况。',
              strftime(g.first_day, '%Y-%m-%d'), strftime(g.last_day, '%Y-%m-%d'), g.days,
              CASE WHEN g.last_rank = g.due_rank THEN '，截至日期仍未恢复' ELSE '' END) AS detail,
       g.days AS weight,
       {{'file': g.source_file, 'sheet': g.source_sheet, 'row': g.source_row}} AS source
FROM (
    SELECT stationing_key, island, any_value(credit_code) AS credit_code, any_value(supervisor_name) AS supervisor_name,
           min(day) AS first_day, max(day) AS last_day, count(*) AS days,
           max(working_rank) AS last_rank, any_value(due_rank) AS due_rank,
           any_value(source_file) AS source_file, any_value(source_sheet) AS source_sheet,
           any_value(source_row) AS source_row
    FROM (
        -- islands: working days without a log whose running working-day number rises by one each day; the gap
        -- reaches the last due day when no working day follows it up to the stationing's last day
        SELECT m.*, r.working_rank, u.working_rank AS due_rank,
               r.working_rank - row_number() OVER (PARTITION BY m.stationing_key ORDER BY m.day) AS island
        FROM (
            SELECT *, q_start + i AS day
            FROM (
                -- only the stationings with that many due days without a log are spelled out day by day
                SELECT *, unnest(range(last_day - q_start + 1))::INTEGER AS i
                FROM stationing_day_sets
                WHERE bit_count(due & ~logged) >= {log_gap_days}
            )
            WHERE ((due & ~logged) >> i) & 1 = 1
        ) m
        JOIN working_day_ranks r ON r.day = m.day
        JOIN working_day_ranks u ON u.day = m.last_day
    )
    GROUP BY stationing_key, island
    HAVING count(*) >= {log_gap_days}
) g
""",
    ),
    Check(
        code="perfect_onsite",
        name="特殊作业现场监督记录过于完美",
        nature="doubt",
        compares="驻点人员本季度记录了特殊作业的每一天：现场监督数 对 特殊作业数；"
                 "记录特殊作业的天数不少于{reconcile.perfect_onsite_min_days}天而每天都相等。",
        why="动火、检维修、高处作业必须到场，全部到场本是要求；但整季度每天每一项都记为到场、"
            "连不要求到场的作业也不例外，更像照抄作业数，应抽查作业票和现场记录核实。",
        quote=Quote("二（四）", "做到动火作业必到现场监督、设备检维修必到现场监督、高处作业必到现场监督"),
        practice="这是需核实的线索，不是违规：核实属实的，不影响特殊作业现场监督率。",
        sql="""
WITH special_logs AS (
    SELECT x.*, {log_name} AS supervisor_name
    FROM work_logs x CROSS JOIN periods p
    WHERE x.log_date {in_quarter} AND x.special_ops > 0 AND x.supervisor IS NOT NULL
),
perfect AS (
    SELECT credit_code, supervisor_name, count(*) AS days, sum(ops) AS ops, coalesce(sum(other_ops), 0) AS other_ops,
           min(log_date) AS first_day
    FROM (
        SELECT x.credit_code, x.supervisor_name, x.log_date, sum(x.special_ops) AS ops,
               sum(coalesce(x.onsite, 0)) AS onsite,
               sum(x.special_ops) FILTER (WHERE NOT {onsite_required}) AS other_ops
        FROM special_logs x
        GROUP BY x.credit_code, x.supervisor_name, x.log_date
    )
    GROUP BY credit_code, supervisor_name
    HAVING count(*) >= {perfect_min_days} AND bool_and(onsite = ops)
)
SELECT d.credit_code, d.supervisor_name, p.period_end AS event_day,
       p.quarter || ' 工作日志（特殊作业）' AS record,
       printf('本季度 %d 天记录特殊作业共 %d 次（其中不要求到场的类型 %d 次），每天的现场监督数都等于特殊作业数；'
              '请抽查作业票和现场记录，核实是否逐项到场。', d.days, d.ops, d.other_ops) AS detail,
       d.days AS weight,
       -- the first row of the first day, looked up for the rows listed only
       arg_min({{'file': x.source_file, 'sheet': x.source_sheet, 'row': x.source_row}}, x.source_row) AS source
FROM perfect d
CROSS JOIN periods p
JOIN special_logs x
  ON x.credit_code = d.credit_code AND x.supervisor_name = d.supervisor_name AND x.log_date = d.first_day
GROUP BY ALL
""",
    ),
)
BY_CODE = {c.code: c for c in CHECKS}

# Relations that checks share, written after the base relations; a query holds those its chosen checks name.
SHARED = {
    "stationing_day_sets": stationing.day_sets_sql(),
    "enterprise_logs": """
enterprise_logs AS (
    -- per enterprise: the quarter's logs up to the period's end, the problems they record, the first log and the
    -- first that records a problem
    SELECT x.credit_code, count(*) AS logs, sum(coalesce(x.issues_found, 0)) AS problems,
           arg_min({'file': x.source_file, 'sheet': x.source_sheet, 'row': x.source_row}, (x.log_date, x.source_row))
               FILTER (WHERE x.issues_found > 0) AS first_problem,
           arg_min({'file': x.source_file, 'sheet': x.source_sheet, 'row': x.source_row}, (x.log_date, x.source_row))
               AS first_log
    FROM work_logs x CROSS JOIN periods p
    WHERE x.log_date BETWEEN p.q_start AND p.period_end
    GROUP BY x.credit_code
)""",
}


def _shared_ctes(chosen: tuple[Check, ...]) -> str:
    """The SHARED relations the chosen checks name, each with its leading comma."""
    return "".join(f",{body}" for name, body in SHARED.items()
                   if any(re.search(rf"\b{name}\b", c.sql) for c in chosen))


class UnknownCheck(KeyError):
    """A reconciliation check code that is not declared."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


def check(code: str) -> Check:
    try:
        return BY_CODE[code]
    except KeyError:
        raise UnknownCheck(f"未知的对账检查：{code}（可选：{'、'.join(BY_CODE)}）") from None


def _values() -> dict[str, object]:
    return {
        "in_quarter": _IN_QUARTER,
        "text": _TEXT.format(column="x.description"), "pairs": _PAIRS.format(text="text"), "similarity": _SIMILARITY,
        "problem_tolerance": int(setting("reconcile.problem_count_tolerance")),
        "headcount_pct": int(setting("reconcile.headcount_tolerance_pct")),
        "repeat_months": int(setting("reconcile.repeat_months")),
        "repeat_similarity": float(setting("reconcile.repeat_similarity")),
        "log_gap_days": int(setting("reconcile.log_gap_days")),
        "perfect_min_days": int(setting("reconcile.perfect_onsite_min_days")),
        "onsite_required": rules.onsite_required("x.special_op_type"), "log_name": rules.supervisor_name("x.supervisor"),
    }


def _chosen(codes: Sequence[str] | None) -> tuple[Check, ...]:
    """The checks named (every one when none is)."""
    if not codes:
        return CHECKS
    wanted = {check(code).code for code in codes}
    return tuple(c for c in CHECKS if c.code in wanted)


def _checks_cte(chosen: tuple[Check, ...]) -> str:
    rows = ", ".join(f"({sql_literal(c.code)}, {sql_literal(c.name)}, {sql_literal(c.nature_name)}, {order})"
                     for order, c in enumerate(CHECKS) if c in chosen)
    return f"checks(check_code, check_name, nature_name, check_order) AS (VALUES {rows})"


def _hits_parts(quarter: Quarter | str, as_of: date | None, districts: list[str], codes: Sequence[str] | None,
                credit_code: str | None) -> tuple[str, str]:
    """`hits_sql` in two: the WITH clause up to `checks`, and the relations from `raw` to `found`."""
    period = make_period(parse_quarter(quarter), as_of)
    chosen = _chosen(codes)
    values = _values()
    parts = "\nUNION ALL BY NAME\n".join(
        f"SELECT {sql_literal(c.code)} AS check_code, * FROM ({c.sql.format(**values)})" for c in chosen)
    only = f"AND e.credit_code IN {sql_list([credit_code])}" if credit_code else ""
    head = f"""
WITH {base_ctes([period], districts)},
{district_list_cte(districts)},
{_checks_cte(chosen)}{_shared_ctes(chosen)}"""
    found = f"""raw AS (
    SELECT row_number() OVER () AS hit_key, * FROM (
{parts}
    )
),
stationed AS (
    -- who was stationed at the enterprise on the finding's day (still there first, then the latest arrival)
    SELECT h.hit_key, s.supervisor_name
    FROM raw h
    JOIN stationings s ON s.credit_code = h.credit_code AND coalesce(s.stationed_on, h.event_day) <= h.event_day
    WHERE h.supervisor_name IS NULL
    QUALIFY row_number() OVER (PARTITION BY h.hit_key ORDER BY coalesce(s.withdrawn_on > h.event_day, TRUE) DESC,
                               s.stationed_on DESC NULLS LAST, s.supervisor_name) = 1
),
found AS (
    SELECT c.check_order, c.check_code, c.check_name, c.nature_name, d.district_order, e.enterprise_key,
           e.district, e.enterprise_name, e.credit_code,
           coalesce(h.supervisor_name, s.supervisor_name, {sql_literal(NO_SUPERVISOR)}) AS supervisor_name,
           h.record, h.detail, h.weight, h.event_day,
           h.source.file AS source_file, h.source.sheet AS source_sheet, h.source.row AS source_row
    FROM raw h
    JOIN checks c ON c.check_code = h.check_code
    JOIN scope e ON e.credit_code = h.credit_code
    JOIN district_list d ON d.district = e.district
    LEFT JOIN stationed s ON s.hit_key = h.hit_key
    WHERE TRUE {only}
)"""
    return head, found


def hits_sql(quarter: Quarter | str, as_of: date | None, districts: list[str], codes: Sequence[str] | None = None,
             credit_code: str | None = None) -> str:
    """The WITH clause ending in `found`: one row per finding of the chosen checks, with its supervisor."""
    head, found = _hits_parts(quarter, as_of, districts, codes, credit_code)
    return f"{head},\n{found}"


def _with_found(con, quarter: Quarter | str, as_of: date | None, districts: list[str],
                codes: Sequence[str] | None = None, credit_code: str | None = None) -> str:
    """`hits_sql`, with `found` read from a table kept on the connection when it is read-only: the summary, the
    counts and the rows of one page or pack then run the checks once (`metrics.sql.kept_table`)."""
    head, found = _hits_parts(quarter, as_of, districts, codes, credit_code)
    table = kept_table(con, "reconcile", f"{head},\n{found}\nSELECT * FROM found")
    return f"{head},\n{found}" if table is None else f"{head},\nfound AS (SELECT * FROM {table})"


ROW_COLUMNS = ("检查代码", "检查项", "性质", "区市", "企业名称", "统一社会信用代码", "驻点人员", "记录", "说明",
               "来源文件", "工作表", "行号")


def reconcile_rows(con, quarter: Quarter | str, *, as_of: date | None = None, districts: list[str] | None = None,
                   checks: Sequence[str] | None = None, credit_code: str | None = None) -> pd.DataFrame:
    """Every finding of the checks (all, or those named) for the quarter, as of a date (default: its end):
    check, district, enterprise, supervisor, record, what is wrong and what to do, and the row to open."""
    return frame_of(con, _with_found(con, quarter, as_of, resolve_districts(districts), checks, credit_code) + """
SELECT check_code AS "检查代码", check_name AS "检查项", nature_name AS "性质", district AS "区市",
       enterprise_name AS "企业名称", credit_code AS "统一社会信用代码", supervisor_name AS "驻点人员",
       record AS "记录", detail AS "说明", source_file AS "来源文件", source_sheet AS "工作表", source_row AS "行号"
FROM found
ORDER BY check_order, district_order, enterprise_key, weight DESC, event_day, record, source_row
""")


def _count_columns() -> str:
    return ",\n       ".join(
        f'count(*) FILTER (WHERE f.check_code = {sql_literal(c.code)}) AS "{c.name}"'
        for c in CHECKS)


def reconcile_counts(con, quarter: Quarter | str, *, by: str = "district", as_of: date | None = None,
                     districts: list[str] | None = None) -> pd.DataFrame:
    """Findings counted by check (one column per check, then 合计), per district (every district chosen, with
    zeros) or per supervisor (everyone stationed in the quarter, with zeros; findings at an enterprise without
    a supervisor under NO_SUPERVISOR)."""
    if by not in ("district", "supervisor"):
        raise ValueError(f"未知的汇总方式：{by}（可选：district 区市、supervisor 驻点人员）")
    chosen = resolve_districts(districts)
    head = _with_found(con, quarter, as_of, chosen)
    if by == "district":
        return frame_of(con, head + f"""
SELECT d.district AS "区市",
       {_count_columns()},
       count(f.check_code) AS "合计"
FROM district_list d
LEFT JOIN found f ON f.district = d.district
GROUP BY d.district, d.district_order
ORDER BY d.district_order
""")
    return frame_of(con, head + f""",
supervisors AS (
    -- stationed on a due day of the quarter (a row of supervision_days): a working day in [first, last]
    SELECT DISTINCT s.district, s.supervisor_name
    FROM (
        SELECT e.district, s.supervisor_name, greatest(p.q_start, coalesce(s.stationed_on, p.q_start)) - 1 AS before_first,
               least(p.period_end, coalesce(s.withdrawn_on - 1, p.period_end)) AS last_day
        FROM stationings s JOIN scope e ON e.credit_code = s.credit_code CROSS JOIN periods p
    ) s
    JOIN working_day_ranks a ON a.day = s.before_first
    JOIN working_day_ranks b ON b.day = s.last_day
    WHERE b.working_rank > a.working_rank
    UNION
    SELECT DISTINCT district, supervisor_name FROM found
)
SELECT m.supervisor_name AS "驻点人员", m.district AS "区市",
       {_count_columns()},
       count(f.check_code) AS "合计"
FROM supervisors m
JOIN district_list d ON d.district = m.district
LEFT JOIN found f ON f.district = m.district AND f.supervisor_name = m.supervisor_name
GROUP BY m.supervisor_name, m.district, d.district_order
ORDER BY count(f.check_code) DESC, d.district_order, m.supervisor_name COLLATE zh
""")


def reconcile_summary(con, quarter: Quarter | str, *, as_of: date | None = None,
                      districts: list[str] | None = None) -> pd.DataFrame:
    """One row per check, in declaration order: its name, nature, findings, enterprises and districts with
    findings, what it compares and why it matters (the meeting pack's appendix reads this)."""
    chosen = resolve_districts(districts)
    about = ", ".join(f"({sql_literal(c.code)}, {sql_literal(c.compares)}, {sql_literal(c.why)}, "
                      f"{sql_literal(c.basis)})" for c in CHECKS)
    return frame_of(con, _with_found(con, quarter, as_of, chosen) + f""",
about(check_code, compares, why, basis) AS (VALUES {about})
SELECT c.check_code AS "检查代码", c.check_name AS "检查项", c.nature_name AS "性质",
       count(f.check_code) AS "发现条数", count(DISTINCT f.credit_code) AS "涉及企业",
       coalesce(string_agg(DISTINCT f.district, '、' ORDER BY f.district), '') AS "涉及区市",
       a.compares AS "比对内容", a.why AS "为什么要查", a.basis AS "依据"
FROM checks c
JOIN about a ON a.check_code = c.check_code
LEFT JOIN found f ON f.check_code = c.check_code
GROUP BY c.check_order, c.check_code, c.check_name, c.nature_name, a.compares, a.why, a.basis
ORDER BY c.check_order
""")


def reconcile_line(summary: pd.DataFrame) -> str:
    """One sentence for the meeting paper from `reconcile_summary`: findings by nature and the largest check."""
    if not int(summary["发现条数"].sum()):
        return "对账检查：各项检查均未发现不一致、缺口或需核实的记录。"
    by_nature = summary.groupby("性质", sort=False)["发现条数"].sum()
    parts = "、".join(f"{name}{int(by_nature.get(name, 0))}条" for name in NATURES.values() if by_nature.get(name, 0))
    top = summary.sort_values("发现条数", ascending=False, kind="stable").iloc[0]
    return (f"对账检查：共发现{int(summary['发现条数'].sum())}条（{parts}），"
            f"最多的是“{top['检查项']}”{int(top['发现条数'])}条、涉及{int(top['涉及企业'])}家企业。")
