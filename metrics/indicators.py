"""The eleven indicators of the contract (§4), each declared once, as data.

Each declaration carries its Chinese wording (name, policy clause, definition,
numerator and denominator labels) and one SQL query over the shared base
relations of `metrics.sql` that yields the indicator's *records*: one row per
person, hazard, drill, checklist, log or supervision day that enters the
denominator, with columns

    period_order, enterprise_key, numerator, denominator,
    <Chinese detail columns for the shortfall list>,
    source_file, source_sheet, source_row

The same records feed the figures (summed per enterprise, then pooled per
district and city) and the shortfall lists (records whose numerator falls
short of their denominator), so a figure and the list behind it never disagree.

An indicator whose records are numerous may also declare `figures_sql`, yielding
(period_order, enterprise_key, numerator, denominator) per enterprise directly:
certification and training count people through one bit per period (a person's
on-duty, certificate and training masks) instead of one row per person and
quarter, and log_fill counts weekdays arithmetically instead of listing every
supervision day. The tests check both routes against each other, period by period.
"""
from __future__ import annotations

from dataclasses import dataclass

from warehouse.templates import KEY_STAFF_CATEGORIES
from metrics import rules
from core.settings import FilledText
from core.sqltext import sql_list

GRAINS = ("city", "district", "enterprise")
POLICY = "威化安转办发〔2021〕26号"
GROUP_NAMES = {"target": "目标指标", "supervision": "驻点工作"}  # Indicator.kind -> the group's name


class UnknownIndicator(KeyError):
    """An indicator code that is not one of the eleven."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    clause: str
    # The wording may state a setting as {section.name}, filled in with its value when read.
    definition: str = FilledText()
    numerator: str = FilledText()
    denominator: str = FilledText()
    unit: str
    kind: str  # "target" or "supervision"
    records_sql: str
    shortfall_title: str = FilledText()  # what a record in the shortfall list is
    shortfall_order: str  # ORDER BY of the shortfall list, after district and enterprise
    grains: tuple[str, ...] = GRAINS
    target: float = 1.0
    figures_sql: str | None = None  # per-enterprise sums, when cheaper than summing the records

    @property
    def group(self) -> str:
        """The group the indicator is listed under: 目标指标 or 驻点工作."""
        return GROUP_NAMES[self.kind]

    @property
    def enterprise_sums_sql(self) -> str:
        """(period_order, enterprise_key, numerator, denominator) per enterprise that has any record."""
        return self.figures_sql or (
            "SELECT period_order, enterprise_key, sum(numerator) AS numerator, sum(denominator) AS denominator\n"
            f"FROM ({self.records_sql}) GROUP BY period_order, enterprise_key"
        )


_KEY_STAFF = sql_list(KEY_STAFF_CATEGORIES)
_PROVENANCE = "source_file, source_sheet, source_row"
_CERT_MISSING = "nullif(trim(cert_no), '') IS NULL"
_DAY_IN_WINDOW = rules.in_window("day", "d.window_start", "d.as_of")

CERTIFICATION = Indicator(
    code="certification",
    name="持证上岗率",
    clause=f"{POLICY}：企业主要负责人、安全总监、安全管理人员和特种作业人员持证上岗率达到100%。",
    definition=(
        "截至日期在岗、岗位类别为主要负责人、安全总监、安全管理人员或特种作业人员的人员中，"
        "填有证书编号且证书有效期至不早于截至日期的人数占比。在岗指入职日期为空或不晚于截至日期，"
        "且离职日期为空或晚于截至日期；截至日期默认为季度末。"
    ),
    numerator="持有效证书的关键岗位在岗人员",
    denominator="关键岗位在岗人员",
    unit="人",
    kind="target",
    shortfall_title="无证或证书过期人员",
    shortfall_order='"人员编号"',
    records_sql=f"""
SELECT period_order, enterprise_key,
       CASE WHEN {rules.holds_valid_certificate("as_of")} THEN 1 ELSE 0 END AS numerator,
       1 AS denominator,
       person_id AS "人员编号", person_name AS "姓名", category AS "岗位类别", work_type AS "作业类别",
       cert_no AS "证书编号", cert_valid_until AS "证书有效期至",
       CASE WHEN {_CERT_MISSING} THEN '无证书编号'
            WHEN cert_valid_until IS NULL THEN '证书有效期未填'
            WHEN cert_valid_until < as_of THEN '证书已过期' END AS "问题",
       {_PROVENANCE}
FROM on_duty
WHERE category IN {_KEY_STAFF}
""",
    figures_sql=f"""
SELECT b.period_order, m.enterprise_key,
       sum(CASE WHEN m.valid_mask & b.bit <> 0 THEN m.people ELSE 0 END) AS numerator,
       sum(m.people) AS denominator
FROM (
    SELECT enterprise_key, on_duty_mask, on_duty_mask & certificate_mask AS valid_mask, count(*) AS people
    FROM staff_masks
    WHERE category IN {_KEY_STAFF}
    GROUP BY ALL
) m
JOIN period_bits b ON m.on_duty_mask & b.bit <> 0
GROUP BY b.period_order, m.enterprise_key
""",
)

TRAINING = Indicator(
    code="training",
    name="全员安全教育培训合格率",
    clause=f"{POLICY}：全员安全教育培训合格率达到100%。",
    definition=(
        "截至日期在岗的全部从业人员中，在截至日期前{indicators.window_months}个月内（不含起点当日，含截至日期）"
        "至少有一次考核合格培训记录的人数占比。"
    ),
    numerator="近{indicators.window_months}个月有合格培训的在岗人员",
    denominator="在岗从业人员",
    unit="人",
    kind="target",
    shortfall_title="近{indicators.window_months}个月无合格培训人员",
    shortfall_order='"人员编号"',
    records_sql=f"""
SELECT period_order, enterprise_key,
       CASE WHEN passed_in_window > 0 THEN 1 ELSE 0 END AS numerator, 1 AS denominator,
       person_id AS "人员编号", person_name AS "姓名", category AS "岗位类别", hired_on AS "入职日期",
       last_trained_on AS "统计期内最近培训日期",
       CASE WHEN last_trained_on IS NULL THEN '统计期内无培训记录'
            WHEN coalesce(passed_in_window, 0) = 0 THEN '统计期内培训均不合格' END AS "问题",
       source_file, source_sheet, source_row
FROM (
    SELECT d.*,
           len(list_filter(t.passed_dates, lambda day: {_DAY_IN_WINDOW})) AS passed_in_window,
           list_max(list_filter(t.trained_dates, lambda day: {_DAY_IN_WINDOW})) AS last_trained_on
    FROM on_duty d
    LEFT JOIN training_lists t ON t.person_key = d.person_key
)
""",
    figures_sql="""
SELECT b.period_order, m.enterprise_key,
       sum(CASE WHEN m.passed_mask & b.bit <> 0 THEN m.people ELSE 0 END) AS numerator,
       sum(m.people) AS denominator
FROM (
    SELECT s.enterprise_key, s.on_duty_mask, s.on_duty_mask & coalesce(t.passed_mask, 0) AS passed_mask,
           count(*) AS people
    FROM staff_masks s
    LEFT JOIN training_masks t ON t.credit_code = s.credit_code AND t.person_id = s.person_id
    GROUP BY ALL
) m
JOIN period_bits b ON m.on_duty_mask & b.bit <> 0
GROUP BY b.period_order, m.enterprise_key
""",
)

_HAZARD_DETAILS = """hazard_id AS "隐患编号", level AS "隐患等级", category AS "隐患类别", description AS "隐患描述",
       found_on AS "发现日期", deadline AS "整改期限", status AS "整改状态", rectified_on AS "整改完成日期",
       owner AS "整改责任人\""""

RECTIFICATION = Indicator(
    code="rectification",
    name="隐患整改率",
    clause=f"{POLICY}：建立隐患台账，跟踪巡查、对账销号、闭环管理，隐患整改率达到100%。",
    definition=(
        "季度内发现的隐患（各企业每个隐患编号取最新台账版本）中，整改完成日期不晚于截至日期的隐患占比。"
        "截至日期早于季度末时，只计至截至日期为止发现的隐患。"
    ),
    numerator="截至日期前已完成整改的隐患",
    denominator="季度内发现的隐患",
    unit="项",
    kind="target",
    shortfall_title="未整改隐患",
    shortfall_order='"发现日期", "隐患编号"',
    records_sql=f"""
SELECT period_order, enterprise_key,
       CASE WHEN rectified_on <= as_of THEN 1 ELSE 0 END AS numerator,
       1 AS denominator,
       {_HAZARD_DETAILS},
       {_PROVENANCE}
FROM hazards_found
""",
)

DRILL_PARTICIPATION = Indicator(
    code="drill_participation",
    name="全员参与演练率",
    clause=f"{POLICY}：应急演练全员参与率达到100%。",
    definition="截至日期前{indicators.window_months}个月内（不含起点当日，含截至日期）的演练中，"
               "实际参加人数之和占应参加人数之和的比例。",
    numerator="实际参加人次",
    denominator="应参加人次",
    unit="人次",
    kind="target",
    shortfall_title="参加人数不足的演练",
    shortfall_order='"演练日期"',
    records_sql=f"""
SELECT period_order, enterprise_key,
       actual AS numerator, expected AS denominator,
       drill_date AS "演练日期", drill_name AS "演练名称", drill_type AS "演练类型",
       expected AS "应参加人数", actual AS "实际参加人数", expected - actual AS "缺少人数",
       {_PROVENANCE}
FROM window_drills
""",
)


def _yes_no(column: str) -> str:
    return f"CASE WHEN {column} THEN '是' WHEN NOT {column} THEN '否' END"


RESPONSIBILITY = Indicator(
    code="responsibility",
    name="安全生产责任制落实率",
    clause=f"{POLICY}：企业安全生产责任制落实率达到100%。",
    definition="报送了本季度检查表的企业中，“安全生产责任制落实”填“是”的企业占比。未报送检查表的企业见“未报季度检查表企业”清单。",
    numerator="责任制落实的企业",
    denominator="报送季度检查表的企业",
    unit="家",
    kind="target",
    shortfall_title="责任制未落实企业",
    shortfall_order='"季度"',
    records_sql=f"""
SELECT period_order, enterprise_key,
       CASE WHEN responsibility THEN 1 ELSE 0 END AS numerator, 1 AS denominator,
       quarter AS "季度", {_yes_no("responsibility")} AS "安全生产责任制落实",
       {_PROVENANCE}
FROM quarter_checklists
""",
)

ORGANIZATION = Indicator(
    code="organization",
    name="安全管理机构健全率",
    clause=f"{POLICY}：企业安全管理机构健全率达到100%（机构健全并配备安全总监）。",
    definition="报送了本季度检查表的企业中，“安全管理机构健全”与“安全总监配备”均填“是”的企业占比。",
    numerator="机构健全且配备安全总监的企业",
    denominator="报送季度检查表的企业",
    unit="家",
    kind="target",
    shortfall_title="安全管理机构不健全企业",
    shortfall_order='"季度"',
    records_sql=f"""
SELECT period_order, enterprise_key,
       CASE WHEN org_sound AND director THEN 1 ELSE 0 END AS numerator, 1 AS denominator,
       quarter AS "季度", {_yes_no("org_sound")} AS "安全管理机构健全", {_yes_no("director")} AS "安全总监配备",
       {_PROVENANCE}
FROM quarter_checklists
""",
)

RULES = Indicator(
    code="rules",
    name="规章制度健全率",
    clause=f"{POLICY}：企业安全生产规章制度健全率达到100%。",
    definition="本季度检查表中已建规章制度数之和占应建规章制度数之和的比例。",
    numerator="已建规章制度",
    denominator="应建规章制度",
    unit="项",
    kind="target",
    shortfall_title="规章制度未建齐企业",
    shortfall_order='"季度"',
    records_sql=f"""
SELECT period_order, enterprise_key,
       rules_built AS numerator, rules_required AS denominator,
       quarter AS "季度", rules_required AS "应建规章制度数", rules_built AS "已建规章制度数",
       rules_required - rules_built AS "缺少制度数",
       {_PROVENANCE}
FROM quarter_checklists
""",
)

REWARD_PAYOUT = Indicator(
    code="reward_payout",
    name="隐患举报奖金落实率",
    clause=f"{POLICY}：企业内部隐患举报奖励兑现率达到100%。",
    definition="本季度检查表中已发奖励笔数之和占应发奖励笔数之和的比例（未填按 0 计）。",
    numerator="已发奖励",
    denominator="应发奖励",
    unit="笔",
    kind="target",
    shortfall_title="举报奖励未发齐企业",
    shortfall_order='"季度"',
    records_sql=f"""
SELECT period_order, enterprise_key,
       coalesce(rewards_paid, 0) AS numerator, coalesce(rewards_due, 0) AS denominator,
       quarter AS "季度", coalesce(rewards_due, 0) AS "应发奖励笔数", coalesce(rewards_paid, 0) AS "已发奖励笔数",
       coalesce(rewards_due, 0) - coalesce(rewards_paid, 0) AS "未发笔数",
       {_PROVENANCE}
FROM quarter_checklists
""",
)

SPECIAL_OPS_ONSITE = Indicator(
    code="special_ops_onsite",
    name="特殊作业现场监督率",
    clause=f"{POLICY}：企业动火、设备检维修、高处作业等特殊作业，驻点监督人员必须到现场监督。",
    definition="季度内（截至日期前）工作日志中现场监督数之和占特殊作业数之和的比例；未填现场监督数按 0 计。",
    numerator="现场监督的特殊作业",
    denominator="特殊作业",
    unit="次",
    kind="supervision",
    shortfall_title="未全部现场监督的特殊作业",
    shortfall_order='"日期", "驻点人员" COLLATE zh',
    records_sql=f"""
SELECT period_order, enterprise_key,
       coalesce(onsite, 0) AS numerator, special_ops AS denominator,
       log_date AS "日期", supervisor AS "驻点人员", special_op_type AS "特殊作业类型",
       special_ops AS "特殊作业数", coalesce(onsite, 0) AS "现场监督数",
       special_ops - coalesce(onsite, 0) AS "未监督数",
       {_PROVENANCE}
FROM period_logs
WHERE special_ops > 0
""",
)

LOG_FILL = Indicator(
    code="log_fill",
    name="工作日志填报率",
    clause=f"{POLICY}：驻点监督人员每日填写工作日志，每周形成工作小结。",
    definition=(
        "名册中每名驻点监督人员在所驻企业的应填报日（季度内、进驻日期及以后、不晚于截至日期的周一至周五）中，"
        "有该人员为该企业填报的工作日志的天数占比。"
    ),
    numerator="已填报日志的工作日",
    denominator="应填报日志的工作日",
    unit="天",
    kind="supervision",
    shortfall_title="驻点人员缺报日志的工作日",
    shortfall_order='"驻点监督人员" COLLATE zh, "应填报日期"',
    records_sql="""
SELECT s.period_order, s.enterprise_key,
       CASE WHEN l.log_date IS NULL THEN 0 ELSE 1 END AS numerator, 1 AS denominator,
       s.supervisor_name AS "驻点监督人员", s.stationed_on AS "进驻日期", s.day AS "应填报日期",
       ['周一', '周二', '周三', '周四', '周五'][isodow(s.day)] AS "星期",
       s.source_file, s.source_sheet, s.source_row
FROM supervision_days s
LEFT JOIN logged_days l
  ON l.credit_code = s.credit_code AND l.supervisor_name = s.supervisor_name AND l.log_date = s.day
""",
    figures_sql="""
SELECT due.period_order, due.enterprise_key,
       sum(coalesce(logged.days, 0)) AS numerator, sum(due.dates) AS denominator
FROM (
    SELECT p.period_order, s.enterprise_key, s.supervisor_name,
           CASE WHEN greatest(p.q_start, coalesce(s.stationed_on, p.q_start)) <= p.period_end
                THEN last.weekday_rank - before_first.weekday_rank ELSE 0 END AS dates
    FROM stationings s
    CROSS JOIN periods p
    JOIN weekday_ranks last ON last.day = p.period_end
    LEFT JOIN weekday_ranks before_first
      ON before_first.day = greatest(p.q_start, coalesce(s.stationed_on, p.q_start)) - 1
) due
LEFT JOIN (
    -- distinct days counted as the bits set in a 128-bit set of the quarter's day numbers
    SELECT p.period_order, s.enterprise_key, s.supervisor_name,
           bit_count(bit_or(1::HUGEINT << (l.log_date - p.q_start))) AS days
    FROM work_logs l
    JOIN log_names n ON n.written = l.supervisor
    JOIN stationings s ON s.credit_code = l.credit_code AND s.supervisor_name = n.supervisor_name
    JOIN periods p ON p.quarter_key = year(l.log_date) * 10 + quarter(l.log_date)
    WHERE isodow(l.log_date) <= 5 AND l.log_date <= p.period_end
      AND l.log_date >= coalesce(s.stationed_on, p.q_start)
    GROUP BY p.period_order, s.enterprise_key, s.supervisor_name
) logged ON logged.period_order = due.period_order AND logged.enterprise_key = due.enterprise_key
        AND logged.supervisor_name = due.supervisor_name
GROUP BY due.period_order, due.enterprise_key
""",
)

MAJOR_HAZARD_REPORTED = Indicator(
    code="major_hazard_reported",
    name="重大隐患直报率",
    clause=f"{POLICY}：驻点监督人员发现重大隐患，直接报送执法部门。",
    definition="季度内（截至日期前）发现的重大隐患中，上报日期不晚于截至日期的隐患占比。",
    numerator="已上报的重大隐患",
    denominator="季度内发现的重大隐患",
    unit="项",
    kind="supervision",
    shortfall_title="未上报的重大隐患",
    shortfall_order='"发现日期", "隐患编号"',
    records_sql=f"""
SELECT period_order, enterprise_key,
       CASE WHEN reported_on <= as_of THEN 1 ELSE 0 END AS numerator, 1 AS denominator,
       {_HAZARD_DETAILS}, reported_on AS "上报日期", transferred_to AS "移交部门",
       {_PROVENANCE}
FROM hazards_found
WHERE level = '重大隐患'
""",
)

INDICATORS: tuple[Indicator, ...] = (
    CERTIFICATION, TRAINING, RECTIFICATION, DRILL_PARTICIPATION, RESPONSIBILITY, ORGANIZATION,
    RULES, REWARD_PAYOUT, SPECIAL_OPS_ONSITE, LOG_FILL, MAJOR_HAZARD_REPORTED,
)
BY_CODE = {i.code: i for i in INDICATORS}
# The two groups every page and document shows the indicators in (`Indicator.kind`).
TARGETS: tuple[Indicator, ...] = tuple(i for i in INDICATORS if i.kind == "target")
SUPERVISION: tuple[Indicator, ...] = tuple(i for i in INDICATORS if i.kind == "supervision")
_BY_CODE_OR_NAME = {**BY_CODE, **{i.name: i for i in INDICATORS}}


def indicator(code: str) -> Indicator:
    """An indicator by its contract code (or its Chinese name)."""
    try:
        return _BY_CODE_OR_NAME[code.strip()]
    except (KeyError, AttributeError):
        known = "、".join(BY_CODE)
        raise UnknownIndicator(f"未知的指标：{code}（可选：{known}）") from None


def resolve_indicators(codes: list[str] | None) -> list[Indicator]:
    """The chosen indicators in the contract's order; None or empty means all eleven."""
    if not codes:
        return list(INDICATORS)
    chosen = {indicator(code).code for code in codes}
    return [i for i in INDICATORS if i.code in chosen]
