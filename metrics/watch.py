"""The watch lists (contract §4 "Also expected beside the rates"), each declared once, as data.

A watch list is what needs attention as of a date: overdue hazards, handovers with no result,
certificates about to expire… Each declaration carries its Chinese title, its basis (the notice's
words it answers to, quoted with their section, and what the office adds beyond them, labelled
本办做法), a one-line help saying what is listed and why, the workbook sheet it fills in the pack,
the page topic it belongs to, and one SQL query over the shared base relations of `metrics.sql`. The CLI (`python -m metrics watch`),
the dashboard (总览, 隐患整改) and the meeting pack read these declarations; none spells out a list.

Every query returns the enterprise columns first (区市, 企业名称, 统一社会信用代码), the record's
own columns, and the provenance last (来源文件, 工作表, 行号). Hazard lists read each hazard's latest
version (hazards_current) of enterprises in scope, found on or before the as-of date.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from core.policy import Quote, practice
from core.settings import FilledText, setting
from metrics import rules
from metrics.lists import ENTERPRISE_COLUMNS, PROVENANCE_COLUMNS, frame_of
from metrics.sql import Period, base_ctes, district_list_cte, reading_table, temporary_tables
from metrics import stationing
from metrics.stationing import WORK_PLAN_WORD
from core.sqltext import sql_literal

TOPICS = {"hazards": "隐患", "staff": "人员", "enterprises": "企业", "supervision": "驻点监督"}


@dataclass(frozen=True)
class WatchList:
    code: str
    # Texts may state a setting as {section.name}, filled in with its current value when read.
    title: str = FilledText()
    quote: Quote | None  # the notice's words the list answers to; None when the list is the office's own
    practice: str = FilledText()  # what the office adds beyond the notice ("" when nothing)
    help: str = FilledText()  # one line: what is listed and why
    topic: str  # a key of TOPICS: the page that shows the list beside its own figures
    sheet: str  # the pack workbook's sheet (at most 31 characters, none of \\ / ? * [ ] :)
    sql: str  # one SELECT after the base relations; placeholders are filled by `watch_lists`

    @property
    def basis(self) -> str:
        """The quotation with notice and section, then the office's practice if any."""
        return " ".join(part for part in (self.quote.cited if self.quote else "", practice(self.practice)) if part)


_HAZARD = """x.hazard_id AS "隐患编号", x.level AS "隐患等级", x.category AS "隐患类别",
       x.description AS "隐患描述", x.found_on AS "发现日期\""""

_HAZARDS_AS_OF = """FROM hazards_current x
JOIN scope e ON e.credit_code = x.credit_code
CROSS JOIN periods p
JOIN district_list d ON d.district = e.district
WHERE x.found_on <= p.as_of"""

# 销号 by the as-of date: a 销号日期 on or before it; without a date, the ledger's status 已销号 is taken as is.
_CLOSED = "coalesce(x.closed_on <= p.as_of, x.status = '已销号', FALSE)"
# Handed over to another department: a 移交部门 or a 移交日期 filled in.
_HANDED_OVER = "(nullif(trim(x.transferred_to), '') IS NOT NULL OR x.transferred_on IS NOT NULL)"

WATCH_LISTS: tuple[WatchList, ...] = (
    WatchList(
        code="overdue_hazards",
        title="超期未整改隐患",
        quote=Quote("二（一）", "落实整改措施、整改责任，限期完成整改"),
        practice="",
        help="整改期限早于截至日期、截至该日仍未完成整改的隐患（含以前季度发现的），附超期天数；应督促企业限期整改到位。",
        topic="hazards",
        sheet="超期隐患",
        sql="""
SELECT {enterprise}, {hazard}, x.deadline AS "整改期限",
       date_diff('day', x.deadline, p.as_of) AS "超期天数", x.status AS "整改状态",
       x.owner AS "整改责任人", {provenance}
{hazards_as_of} AND {overdue}
ORDER BY d.district_order, e.enterprise_key, x.deadline, x.hazard_id
""",
    ),
    WatchList(
        code="open_within_deadline",
        title="整改中·未到期隐患",
        quote=Quote("二（一）", "对隐患问题整改实行跟踪巡查"),
        practice="",
        help="截至日期尚未完成整改、整改期限不早于截至日期的隐患（期限当日仍算未到期），附剩余天数；"
             "驻点人员应在期限前跟踪巡查，这些隐患不计入超期。",
        topic="hazards",
        sheet="整改中·未到期",
        sql="""
SELECT {enterprise}, {hazard}, x.deadline AS "整改期限",
       date_diff('day', p.as_of, x.deadline) AS "剩余天数", x.status AS "整改状态",
       x.owner AS "整改责任人", {provenance}
{hazards_as_of} AND NOT {rectified} AND x.deadline >= p.as_of
ORDER BY d.district_order, e.enterprise_key, x.deadline, x.hazard_id
""",
    ),
    WatchList(
        code="rectified_late",
        title="逾期整改隐患",
        quote=Quote("三（三）", "督促企业按时整改"),
        practice="",
        help="本季度内（季度首日至截至日期，不晚于季度末）完成整改、但整改完成日期晚于整改期限的隐患，附逾期天数；"
             "在期限当日完成的不算逾期。",
        topic="hazards",
        sheet="逾期整改",
        sql="""
SELECT {enterprise}, {hazard}, x.deadline AS "整改期限", x.rectified_on AS "整改完成日期",
       date_diff('day', x.deadline, x.rectified_on) AS "逾期天数", x.status AS "整改状态",
       x.owner AS "整改责任人", {provenance}
{hazards_as_of} AND x.rectified_on > x.deadline AND x.rectified_on BETWEEN p.q_start AND p.period_end
ORDER BY d.district_order, e.enterprise_key, x.rectified_on, x.hazard_id
""",
    ),
    WatchList(
        code="rectified_not_closed",
        title="已整改未销号隐患",
        quote=Quote("二（一）", "对账销号、闭环管理"),
        practice="",
        help="截至日期已完成整改、但未销号的隐患：销号日期为空或晚于截至日期（未填销号日期而整改状态为“已销号”的视为已销号），"
             "附已整改天数；应验收后及时对账销号。",
        topic="hazards",
        sheet="已整改未销号",
        sql="""
SELECT {enterprise}, {hazard}, x.rectified_on AS "整改完成日期",
       date_diff('day', x.rectified_on, p.as_of) AS "已整改天数", x.status AS "整改状态",
       x.closed_on AS "销号日期", x.acceptor AS "验收人", {provenance}
{hazards_as_of} AND {rectified} AND NOT {closed}
ORDER BY d.district_order, e.enterprise_key, x.rectified_on, x.hazard_id
""",
    ),
    WatchList(
        code="unreported_major_hazards",
        title="未上报重大隐患",
        quote=Quote("三（三）", "对重大隐患要直报具有相应执法权的单位，提请启动执法程序"),
        practice="",
        help="上报日期为空或晚于截至日期的重大隐患（含以前季度发现的和已整改的）；应立即直报具有执法权的单位。",
        topic="hazards",
        sheet="未上报重大隐患",
        sql="""
SELECT {enterprise}, {hazard}, date_diff('day', x.found_on, p.as_of) AS "已发现天数",
       x.status AS "整改状态", x.reported_on AS "上报日期", x.transferred_to AS "移交部门", {provenance}
FROM hazards_current x
JOIN scope e ON e.credit_code = x.credit_code
CROSS JOIN periods p
JOIN district_list d ON d.district = e.district
WHERE x.level = '重大隐患' AND x.found_on <= p.as_of
  AND (x.reported_on IS NULL OR x.reported_on > p.as_of)
ORDER BY d.district_order, e.enterprise_key, x.found_on, x.hazard_id
""",
    ),
    WatchList(
        code="overdue_major_hazards",
        title="超期重大隐患（挂牌督办候选）",
        quote=Quote("三（三）", "对重大隐患要直报具有相应执法权的单位，提请启动执法程序，督促企业按时整改"),
        practice="超期未整改的重大隐患作为挂牌督办候选，提请会商。",
        help="整改期限早于截至日期、截至该日仍未完成整改的重大隐患（含以前季度发现的），附超期天数和督办级别；"
             "是提请挂牌督办的候选。",
        topic="hazards",
        sheet="超期重大隐患",
        sql="""
SELECT {enterprise}, {hazard}, x.deadline AS "整改期限",
       date_diff('day', x.deadline, p.as_of) AS "超期天数", x.status AS "整改状态",
       x.supervision_level AS "督办级别", x.reported_on AS "上报日期", x.report_unit AS "上报单位",
       x.enforcement_case AS "执法立案情况", x.owner AS "整改责任人", {provenance}
{hazards_as_of} AND x.level = '重大隐患' AND {overdue}
ORDER BY d.district_order, e.enterprise_key, x.deadline, x.hazard_id
""",
    ),
    WatchList(
        code="transfer_unanswered",
        title="移交满{watch.transfer_reply_days}天未办结",
        quote=Quote("三（三）", "要及时移交具有安全监管职责的部门处理，并盯紧抓好整改落实"),
        practice="移交满{watch.transfer_reply_days}天仍无移交办结日期的列入清单，提请会商跟踪。",
        help="已移交其他部门（填了移交部门或移交日期）、移交日期不晚于截至日期前{watch.transfer_reply_days}天、"
             "截至该日仍无移交办结日期的隐患，附已移交天数；未填移交日期的按发现日期计天数，"
             "“说明”列注明“未填移交日期”，请补填；未填移交日期而截至该日已销号的不列。",
        topic="hazards",
        sheet="移交未办结",
        sql="""
SELECT {enterprise}, {hazard}, x.transferred_to AS "移交部门", x.transferred_on AS "移交日期",
       date_diff('day', coalesce(x.transferred_on, x.found_on), p.as_of) AS "已移交天数",
       x.transfer_closed_on AS "移交办结日期", x.status AS "整改状态", x.rectified_on AS "整改完成日期",
       CASE WHEN x.transferred_on IS NULL THEN '未填移交日期，天数按发现日期计'
            WHEN nullif(trim(x.transferred_to), '') IS NULL THEN '未填移交部门' END AS "说明",
       {provenance}
{hazards_as_of} AND {handed_over} AND NOT coalesce(x.transfer_closed_on <= p.as_of, FALSE)
  AND coalesce(x.transferred_on, x.found_on) <= p.as_of - {transfer_reply_days}
  AND NOT (x.transferred_on IS NULL AND coalesce(x.closed_on <= p.as_of, x.status = '已销号', FALSE))
ORDER BY d.district_order, e.enterprise_key, coalesce(x.transferred_on, x.found_on), x.hazard_id
""",
    ),
    WatchList(
        code="expiring_certificates",
        title="{watch.certificate_expiry_days}天内到期证书",
        quote=Quote("二（三）", "实现企业主要负责人、安全管理人员和特种作业人员持证上岗率达到 100%"),
        practice="证书在截至日期后{watch.certificate_expiry_days}天内到期的在岗人员提前列出，督促按时复审换证。",
        help="截至日期在岗人员中，证书有效期至在截至日期当日至其后{watch.certificate_expiry_days}天内的，附剩余天数。",
        topic="staff",
        sheet="证书到期预警",
        sql="""
SELECT {enterprise}, x.person_id AS "人员编号", x.person_name AS "姓名", x.category AS "岗位类别",
       x.work_type AS "作业类别", x.cert_no AS "证书编号", x.cert_valid_until AS "证书有效期至",
       date_diff('day', x.as_of, x.cert_valid_until) AS "剩余天数", {provenance}
FROM on_duty x
JOIN scope e ON e.credit_code = x.credit_code
JOIN district_list d ON d.district = e.district
WHERE nullif(trim(x.cert_no), '') IS NOT NULL
  AND x.cert_valid_until >= x.as_of AND x.cert_valid_until <= x.as_of + {expiry_days}
ORDER BY d.district_order, e.enterprise_key, x.cert_valid_until, x.person_id
""",
    ),
    WatchList(
        code="missing_checklists",
        title="未报季度检查表企业",
        quote=None,
        practice="季度检查表是责任制、机构、规章制度和奖金四项指标的数据来源，未报送的企业逐家列出催报。",
        help="统计范围内没有报送本季度检查表的企业（含停产企业）。",
        topic="enterprises",
        sheet="未报检查表",
        sql="""
SELECT {enterprise}, p.quarter AS "季度", e.status AS "企业状态", e.supervisor AS "驻点监督人员",
       e.source_file AS "来源文件", e.source_sheet AS "工作表", e.source_row AS "行号"
FROM scope e
CROSS JOIN periods p
JOIN district_list d ON d.district = e.district
WHERE NOT EXISTS (
    SELECT 1 FROM checklists_current c WHERE c.credit_code = e.credit_code AND c.quarter = p.quarter)
ORDER BY d.district_order, e.enterprise_key
""",
    ),
    WatchList(
        code="rotation_due",
        title="驻点满{watch.rotation_months}个月待轮换",
        quote=Quote("三（五）", "驻点专业人员要定期轮换，原则上半年轮换一次。"),
        practice="",
        help="进驻日期加{watch.rotation_months}个月不晚于截至日期的驻点监督人员，附应轮换日期；应按期轮换并做好交接。",
        topic="supervision",
        sheet="轮换到期",
        sql="""
SELECT {enterprise}, x.supervisor_name AS "驻点监督人员", x.dispatch_unit AS "派出单位",
       x.stationed_on AS "进驻日期", date_diff('day', x.stationed_on, p.as_of) AS "已驻点天数",
       (x.stationed_on + INTERVAL {rotation_months} MONTH)::DATE AS "应轮换日期", {provenance}
FROM stationings x
JOIN scope e ON e.credit_code = x.credit_code
CROSS JOIN periods p
JOIN district_list d ON d.district = e.district
WHERE x.stationed_on + INTERVAL {rotation_months} MONTH <= p.as_of
  AND coalesce(x.withdrawn_on > p.as_of, TRUE)  -- still stationed there at the as-of date
ORDER BY d.district_order, e.enterprise_key, x.stationed_on, x.supervisor_name
""",
    ),
    WatchList(
        code="late_retrofit_projects",
        title="逾期未完成的智能化改造项目",
        quote=Quote("二（七）", "加快实施智能化改造，开展企业智能化诊断，编制“一企一策”改造方案"),
        practice="计划完成日期已过、截至日期仍未完成的一企一策改造项目逐项列出，督促企业按方案推进。",
        help="智能化改造台账中计划完成日期早于截至日期、截至该日没有实际完成日期（或实际完成日期晚于截至日期）的项目，"
             "附逾期天数；方案日期晚于截至日期的项目不列。",
        topic="enterprises",
        sheet="改造项目逾期",
        sql="""
SELECT {enterprise}, x.project_name AS "项目名称", x.retrofit_type AS "改造类型", x.plan_on AS "方案日期",
       x.planned_on AS "计划完成日期", date_diff('day', x.planned_on, p.as_of) AS "逾期天数",
       x.investment AS "投资金额（万元）", x.posts_reduced AS "减少危险岗位人数", {provenance}
FROM retrofit_projects_current x
JOIN scope e ON e.credit_code = x.credit_code
CROSS JOIN periods p
JOIN district_list d ON d.district = e.district
WHERE x.planned_on < p.as_of AND NOT coalesce(x.completed_on <= p.as_of, FALSE)
  AND coalesce(x.plan_on <= p.as_of, TRUE)
ORDER BY d.district_order, e.enterprise_key, x.planned_on, x.project_name
""",
    ),
    # The stationing lists read metrics.stationing's relations: `linked` (every stationing started by the as-of
    # date, with its predecessor and successor at the enterprise) and `quarter_gaps`.
    WatchList(
        code="rotation_upcoming",
        title="{watch.rotation_notice_days}天内满{watch.rotation_months}个月待轮换",
        quote=Quote("三（五）", "各派出单位要对驻点人员轮换工作统筹谋划、稳步推进，提前确定驻点监督人选并进行岗前培训。"),
        practice="应轮换日期（进驻日期加{watch.rotation_months}个月）前{watch.rotation_notice_days}天列出，"
                 "提前确定接任人选、安排岗前培训。",
        help="截至日期仍在驻点、应轮换日期在截至日期之后{watch.rotation_notice_days}天内的驻点监督人员，附剩余天数。",
        topic="supervision",
        sheet="轮换即将到期",
        sql="""{stationing_spans}
SELECT {enterprise}, x.supervisor_name AS "驻点监督人员", x.dispatch_unit AS "派出单位",
       x.stationed_on AS "进驻日期", x.rotate_on AS "应轮换日期", x.rotate_on - x.as_of AS "剩余天数",
       x.pretraining_on AS "岗前培训日期", {provenance}
FROM (SELECT *, (stationed_on + INTERVAL {rotation_months} MONTH)::DATE AS rotate_on FROM linked WHERE open_at_as_of) x
JOIN scope e ON e.credit_code = x.credit_code
JOIN district_list d ON d.district = e.district
WHERE x.rotate_on > x.as_of AND x.rotate_on <= x.as_of + {rotation_notice_days}
ORDER BY d.district_order, x.rotate_on, e.enterprise_key, x.supervisor_name
""",
    ),
    WatchList(
        code="rotation_overdue",
        title="超期未轮换驻点人员",
        quote=Quote("三（五）", "驻点专业人员要定期轮换，原则上半年轮换一次。"),
        practice="驻点满{watch.rotation_months}个月后超过{watch.rotation_grace_days}天仍没有接任人员进驻的，"
                 "列为超期未轮换，提请会商。",
        help="截至日期仍在驻点、已过应轮换日期超过{watch.rotation_grace_days}天、且没有接任人员进驻的驻点监督人员，"
             "附超期天数；应督促派出单位尽快轮换并做好交接。",
        topic="supervision",
        sheet="超期未轮换",
        sql="""{stationing_spans}
SELECT {enterprise}, x.supervisor_name AS "驻点监督人员", x.dispatch_unit AS "派出单位",
       x.stationed_on AS "进驻日期", x.as_of - x.stationed_on AS "已驻点天数", x.rotate_on AS "应轮换日期",
       x.as_of - x.rotate_on AS "超期天数", {provenance}
FROM (SELECT *, (stationed_on + INTERVAL {rotation_months} MONTH)::DATE AS rotate_on FROM linked WHERE open_at_as_of) x
JOIN scope e ON e.credit_code = x.credit_code
JOIN district_list d ON d.district = e.district
WHERE x.as_of - x.rotate_on > {rotation_grace_days} AND x.successor_present IS NULL
ORDER BY d.district_order, x.rotate_on, e.enterprise_key, x.supervisor_name
""",
    ),
    WatchList(
        code="supervision_gaps",
        title="无驻点人员时段",
        quote=Quote("三（五）", "人员轮换既要交接岗位又要交接任务和责任，确保工作延续、无缝衔接。"),
        practice="本季度内（季度首日至截至日期）没有任何驻点人员在驻的日子按连续时段逐段列出；"
                 "企业没有任何驻点人员的，整段列出。",
        help="统计范围内的企业，季度首日至截至日期之间没有驻点人员在驻（进驻日期至撤离日期前一天）的时段，"
             "附天数、其中的法定工作日数和前后任驻点人员。",
        topic="supervision",
        sheet="无驻点人员时段",
        sql="""{stationing_spans},
{quarter_gaps}
SELECT {enterprise}, g.gap_from AS "起始日期", g.gap_to AS "结束日期", g.days AS "天数",
       b.working_rank - a.working_rank AS "其中工作日", g.before_name AS "前任驻点人员",
       g.after_name AS "接任驻点人员",
       e.source_file AS "来源文件", e.source_sheet AS "工作表", e.source_row AS "行号"
FROM quarter_gaps g
JOIN scope e ON e.credit_code = g.credit_code
JOIN district_list d ON d.district = e.district
LEFT JOIN working_day_ranks a ON a.day = g.gap_from - 1
LEFT JOIN working_day_ranks b ON b.day = g.gap_to
ORDER BY d.district_order, e.enterprise_key, g.gap_from
""",
    ),
    WatchList(
        code="successor_untrained",
        title="接任驻点人员未见岗前培训",
        quote=Quote("三（五）", "提前确定驻点监督人选并进行岗前培训"),
        practice="接任前任的驻点人员，驻点派驻记录未填岗前培训日期或岗前培训晚于进驻日期的列出"
                 "（企业名册不记岗前培训，只看有派驻记录的企业）。",
        help="本季度内在驻（进驻日期不晚于截至日期、撤离日期晚于季度首日）、接任前任的驻点监督人员中，"
             "未填岗前培训日期或岗前培训晚于进驻日期的，附前任驻点人员。",
        topic="supervision",
        sheet="接任未见岗前培训",
        sql="""{stationing_spans}
SELECT {enterprise}, x.supervisor_name AS "驻点监督人员", x.dispatch_unit AS "派出单位",
       x.stationed_on AS "进驻日期", x.pretraining_on AS "岗前培训日期", x.predecessor AS "前任驻点人员",
       CASE WHEN x.pretraining_on IS NULL THEN '未填岗前培训日期'
            ELSE '岗前培训晚于进驻日期' || (x.pretraining_on - x.stationed_on) || '天' END AS "说明", {provenance}
FROM linked x
JOIN scope e ON e.credit_code = x.credit_code
JOIN district_list d ON d.district = e.district
WHERE x.from_records AND x.predecessor IS NOT NULL AND x.stationed_on <= x.period_end
  AND coalesce(x.withdrawn_on > x.q_start, TRUE)
  AND NOT coalesce(x.pretraining_on <= x.stationed_on, FALSE)
ORDER BY d.district_order, e.enterprise_key, x.stationed_on, x.supervisor_name
""",
    ),
    WatchList(
        code="handover_undated",
        title="轮换未见交接日期",
        quote=Quote("三（五）", "人员轮换既要交接岗位又要交接任务和责任，确保工作延续、无缝衔接。"),
        practice="本季度内撤离、有接任人员（之后进驻的驻点人员，或填了交接人）而截至日期仍未填交接日期的，逐人列出。",
        help="撤离日期在季度首日至截至日期之间、有接任人员、交接日期为空或晚于截至日期的驻点监督人员，附接任人员；"
             "请补做交接或补填交接日期。",
        topic="supervision",
        sheet="轮换未见交接日期",
        sql="""{stationing_spans}
SELECT {enterprise}, x.supervisor_name AS "驻点监督人员", x.dispatch_unit AS "派出单位",
       x.stationed_on AS "进驻日期", x.withdrawn_on AS "撤离日期", coalesce(x.successor, x.handed_to) AS "接任驻点人员",
       x.handed_to AS "交接人", x.handover_on AS "交接日期", {provenance}
FROM linked x
JOIN scope e ON e.credit_code = x.credit_code
JOIN district_list d ON d.district = e.district
WHERE x.withdrawn_on BETWEEN x.q_start AND x.period_end AND (x.successor IS NOT NULL OR x.handed_to IS NOT NULL)
  AND NOT coalesce(x.handover_on <= x.as_of, FALSE)
ORDER BY d.district_order, e.enterprise_key, x.withdrawn_on, x.supervisor_name
""",
    ),
    WatchList(
        code="work_plan_missing",
        title="进驻后未见工作计划",
        quote=Quote("二", "驻点人员进驻后，要制定工作计划，明确任务完成节点"),
        practice="进驻后{watch.work_plan_days}天内，本人在该企业的工作日志中没有一条工作内容写明“工作计划”的，"
                 "列为未见工作计划（派驻记录不设工作计划日期，以工作日志为准）。",
        help="进驻满{watch.work_plan_days}天的日子在季度首日至截至日期之间、此前未撤离的驻点监督人员中，"
             "进驻当日至满{watch.work_plan_days}天的工作日志没有写明“工作计划”的，附该期间的日志条数。",
        topic="supervision",
        sheet="未见工作计划",
        sql="""{stationing_spans},
plan_due AS (
    -- only the stationings listed below, hence only the logs of the quarter and the days before it
    SELECT * FROM linked x WHERE x.stationed_on + {work_plan_days} BETWEEN x.q_start AND x.period_end
),
plan_logs AS (
    SELECT x.stationing_key, count(*) AS logs, count(*) FILTER (WHERE l.plan) AS plans
    FROM plan_due x
    JOIN (SELECT l.credit_code, l.log_date, {log_name} AS supervisor_name, contains(l.content, {work_plan_word}) AS plan
          FROM work_logs l, periods p
          WHERE l.log_date BETWEEN p.q_start - {work_plan_days} AND p.period_end AND l.supervisor IS NOT NULL
            AND l.credit_code IN (SELECT credit_code FROM plan_due)) l
      ON l.credit_code = x.credit_code AND l.supervisor_name = x.supervisor_name
     AND l.log_date BETWEEN x.stationed_on AND x.stationed_on + {work_plan_days}
    GROUP BY x.stationing_key
)
SELECT {enterprise}, x.supervisor_name AS "驻点监督人员", x.dispatch_unit AS "派出单位",
       x.stationed_on AS "进驻日期", x.stationed_on + {work_plan_days} AS "应制定计划日期",
       coalesce(l.logs, 0) AS "期间工作日志条数", {provenance}
FROM linked x
JOIN scope e ON e.credit_code = x.credit_code
JOIN district_list d ON d.district = e.district
LEFT JOIN plan_logs l ON l.stationing_key = x.stationing_key
WHERE x.stationed_on + {work_plan_days} BETWEEN x.q_start AND x.period_end
  AND coalesce(x.withdrawn_on > x.stationed_on + {work_plan_days}, TRUE)
  AND coalesce(l.plans, 0) = 0
ORDER BY d.district_order, e.enterprise_key, x.stationed_on, x.supervisor_name
""",
    ),
)
BY_CODE = {w.code: w for w in WATCH_LISTS}


class UnknownWatchList(KeyError):
    """A watch-list code that is not declared."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


def watch_list(code: str) -> WatchList:
    try:
        return BY_CODE[code]
    except KeyError:
        raise UnknownWatchList(f"未知的清单：{code}（可选：{'、'.join(BY_CODE)}）") from None


def about(topic: str) -> tuple[WatchList, ...]:
    """The lists a page of this topic shows beside its own figures, in declaration order."""
    return tuple(w for w in WATCH_LISTS if w.topic == topic)


class _Titles(Mapping):
    """code -> title of every watch list, in declaration order, read from the declarations each time."""

    def __getitem__(self, code: str) -> str:
        return BY_CODE[code].title

    def __iter__(self) -> Iterator[str]:
        return iter(BY_CODE)

    def __len__(self) -> int:
        return len(BY_CODE)

    def __repr__(self) -> str:
        return f"WATCH_TITLES({dict(self)!r})"


WATCH_TITLES: Mapping[str, str] = _Titles()


def _values() -> dict[str, object]:
    return {
        "enterprise": ENTERPRISE_COLUMNS, "provenance": PROVENANCE_COLUMNS, "hazard": _HAZARD,
        "hazards_as_of": _HAZARDS_AS_OF, "closed": _CLOSED, "handed_over": _HANDED_OVER,
        "overdue": rules.overdue("p.as_of", "x."), "rectified": rules.rectified("p.as_of", "x."),
        "expiry_days": int(setting("watch.certificate_expiry_days")),
        "rotation_months": int(setting("watch.rotation_months")),
        "transfer_reply_days": int(setting("watch.transfer_reply_days")),
        "rotation_notice_days": int(setting("watch.rotation_notice_days")),
        "rotation_grace_days": int(setting("watch.rotation_grace_days")),
        "work_plan_days": int(setting("watch.work_plan_days")), "work_plan_word": sql_literal(WORK_PLAN_WORD),
        "log_name": rules.supervisor_name("l.supervisor"),
        "stationing_spans": "," + stationing.spans_sql(), "quarter_gaps": stationing.QUARTER_GAPS,
    }


def watch_sql(item: WatchList, period: Period, districts: list[str]) -> str:
    head = f"WITH {base_ctes([period], districts)},\n{district_list_cte(districts)}\n"
    return head + item.sql.format(**_values())


def watch_lists(con, period: Period, districts: list[str],
                codes: Sequence[str] | None = None) -> dict[str, pd.DataFrame]:
    """The watch lists (all, or those of `codes`) as of the period's as-of date, keyed by code in declaration order."""
    chosen = WATCH_LISTS if codes is None else tuple(w for w in WATCH_LISTS if w.code in set(codes))
    for code in codes or ():
        watch_list(code)
    if len(chosen) < 2:
        return {item.code: frame_of(con, watch_sql(item, period, districts)) for item in chosen}
    # Several lists: the enterprises in scope and the stationing spans they share are computed once.
    head = f"WITH {base_ctes([period], districts)},\n{district_list_cte(districts)}\n"
    values = _values()
    with temporary_tables(con) as keep:
        wants_spans = any("{stationing_spans}" in item.sql for item in chosen)
        # on a read-only connection kept for the stationing views of the same page too
        spans = stationing.kept_spans(con, period, districts) if wants_spans else None
        head = reading_table(head, "scope", keep("scope", head + "SELECT * FROM scope"))
        if spans:
            values["stationing_spans"] = spans
        elif wants_spans:
            spans = keep("spans", f"{head},{stationing.span_rows_sql()}\nSELECT * FROM spans")
            linked = keep("linked", f"{head},\nspans AS (SELECT * FROM {spans}),{stationing.links_sql()}\n"
                                    "SELECT * FROM linked")
            values["stationing_spans"] = f",\nspans AS (SELECT * FROM {spans}),\nlinked AS (SELECT * FROM {linked})"
        return {item.code: frame_of(con, head + item.sql.format(**values)) for item in chosen}
