"""The eleven indicators of the contract (§4, revision 2), each declared once, as data.

Each declaration carries its Chinese wording (name, the notice's clause quoted word for word with
its section, the office's own practice beyond it, definition, numerator and denominator labels) and one SQL query over the shared base
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

from core.policy import NOTICE, Quote, practice
from core.settings import FilledText
from core.sqltext import sql_list
from metrics import rules
from warehouse.templates import KEY_STAFF_CATEGORIES

GRAINS = ("city", "district", "enterprise")
POLICY = NOTICE
GROUP_NAMES = {"target": "目标指标", "supervision": "驻点工作"}  # Indicator.kind -> the group's name


class UnknownIndicator(KeyError):
    """An indicator code that is not one of the eleven."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    quote: Quote  # the notice's words the indicator answers to
    # The wording may state a setting as {section.name}, filled in with its value when read.
    practice: str = FilledText()  # what the office adds beyond the notice ("" when nothing)
    definition: str = FilledText()
    numerator: str = FilledText()
    denominator: str = FilledText()
    unit: str
    kind: str  # "target" or "supervision"
    records_sql: str = FilledText()
    shortfall_title: str = FilledText()  # what a record in the shortfall list is
    shortfall_order: str  # ORDER BY of the shortfall list, after district and enterprise
    grains: tuple[str, ...] = GRAINS
    target: float = 1.0
    figures_sql: str | None = None  # per-enterprise sums, when cheaper than summing the records
    # Sums over the checklists that were sent: a group missing any can be rated at best 关注 (缺报 N 家).
    needs_every_checklist: bool = False
    # Records shown beside the rate but not in it: (period_order, enterprise_key, aside_numerator,
    # aside_denominator), described by aside_text (filled with the two sums).
    aside_sql: str | None = None
    aside_text: str = ""
    aliases: tuple[str, ...] = ()  # former names still accepted on the command line

    @property
    def clause(self) -> str:
        """The notice's words, exactly as written (pieces joined by ……)."""
        return self.quote.text

    @property
    def basis(self) -> str:
        """The quotation with notice and section, then the office's practice if any: shown as 政策依据."""
        return " ".join(part for part in (self.quote.cited, practice(self.practice)) if part)

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
_NO_CHECKLIST = "未报送本季度检查表"

CERTIFICATION = Indicator(
    code="certification",
    name="持证上岗率",
    quote=Quote("二（三）", "实现企业主要负责人、安全管理人员和特种作业人员持证上岗率达到 100%"),
    practice="安全总监按安全管理人员计入。",
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
    quote=Quote("二（三）", "开展全员安全培训、警示教育……全员安全教育培训合格率达到 100%"),
    practice="以截至日期前{indicators.window_months}个月内至少一次考核合格的培训为合格。",
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
    quote=Quote("二（八）", "深入排查整改事故隐患，建立隐患排查整改清单，严格管控安全风险，实现问题隐患整改率达到100%"),
    practice="按整改期限在本季度内的隐患统计：尚在整改期限内的隐患不计入，到期未整改的计入。",
    definition=(
        "整改期限在本季度内（截至日期早于季度末时，至截至日期为止）、发现日期不晚于截至日期的隐患"
        "（各企业每个隐患编号取最新台账版本）中，整改完成日期不晚于截至日期的隐患占比。"
    ),
    numerator="截至日期前已完成整改的到期隐患",
    denominator="整改期限在本季度内的隐患",
    unit="项",
    kind="target",
    shortfall_title="到期未整改隐患",
    shortfall_order='"整改期限", "隐患编号"',
    records_sql=f"""
SELECT period_order, enterprise_key,
       CASE WHEN {rules.rectified("as_of")} THEN 1 ELSE 0 END AS numerator,
       1 AS denominator,
       {_HAZARD_DETAILS},
       CASE WHEN rectified_on IS NULL THEN '到期未整改'
            WHEN rectified_on > as_of THEN '截至日期后才整改' END AS "问题",
       {_PROVENANCE}
FROM hazards_due
""",
)

_NO_DRILL = "{indicators.window_months}个月内未组织演练"

DRILL_PARTICIPATION = Indicator(
    code="drill_participation",
    name="全员参与演练率",
    quote=Quote("二（九）", "加强应急培训和应急演练，做到全员参与演习演练率达到100%"),
    practice="{indicators.window_months}个月内未组织演练的企业，按其从业人员数计入应参加人次、实际参加 0 人次。",
    definition="截至日期前{indicators.window_months}个月内（不含起点当日，含截至日期）的演练中，"
               "实际参加人数之和占应参加人数之和的比例；其间未组织演练的企业以从业人员数计入应参加人数。",
    numerator="实际参加人次",
    denominator="应参加人次",
    unit="人次",
    kind="target",
    shortfall_title="参加人数不足的演练和未组织演练的企业",
    shortfall_order='"演练日期" NULLS FIRST',
    records_sql=f"""
SELECT period_order, enterprise_key,
       actual AS numerator, expected AS denominator,
       drill_date AS "演练日期", drill_name AS "演练名称", drill_type AS "演练类型",
       expected AS "应参加人数", actual AS "实际参加人数", expected - actual AS "缺少人数",
       CASE WHEN actual < expected THEN '参加人数不足' END AS "问题",
       {_PROVENANCE}
FROM window_drills
UNION ALL
SELECT p.period_order, e.enterprise_key, 0, coalesce(e.employees, 0),
       NULL, NULL, NULL, coalesce(e.employees, 0), 0, coalesce(e.employees, 0), '{_NO_DRILL}',
       e.source_file, e.source_sheet, e.source_row
FROM scope e
CROSS JOIN periods p
WHERE NOT EXISTS (
    SELECT 1 FROM window_drills w WHERE w.enterprise_key = e.enterprise_key AND w.period_order = p.period_order)
""",
)


def _answer(column: str) -> str:
    """A checklist answer as shown: 是 / 否 (booleans) or the text itself; 未报送 when none was sent."""
    return f"CASE WHEN NOT sent THEN '未报送' WHEN {column} THEN '是' WHEN NOT {column} THEN '否' END"


RESPONSIBILITY = Indicator(
    code="responsibility",
    name="安全生产责任制落实率",
    quote=Quote("二（二）", "严格落实企业安全主体责任……确保企业安全生产责任制落实率 100%"),
    practice=f"未报送本季度检查表的企业计为未落实（{_NO_CHECKLIST}）。",
    definition="统计范围内的企业中，本季度检查表“安全生产责任制落实”填“是”的企业占比；"
               "未报送本季度检查表的企业计入分母、不计入分子。",
    numerator="责任制落实的企业",
    denominator="统计范围内的企业",
    unit="家",
    kind="target",
    shortfall_title="责任制未落实或未报送检查表的企业",
    shortfall_order='"季度"',
    records_sql=f"""
SELECT period_order, enterprise_key,
       CASE WHEN responsibility THEN 1 ELSE 0 END AS numerator, 1 AS denominator,
       quarter AS "季度", {_answer("responsibility")} AS "安全生产责任制落实",
       CASE WHEN NOT sent THEN '{_NO_CHECKLIST}' WHEN NOT responsibility THEN '责任制未落实' END AS "问题",
       {_PROVENANCE}
FROM checklist_status
""",
)

ORGANIZATION = Indicator(
    code="organization",
    name="安全管理机构健全率",
    quote=Quote("二（二）", "健全安全管理专职机构，按规定配备安全总监和安全管理人员……安全管理机构健全率 100%"),
    practice=f"“安全总监配备”填“不适用”（按规定该企业无须配备）视为符合；未报送本季度检查表的企业计为不健全（{_NO_CHECKLIST}）。",
    definition="统计范围内的企业中，本季度检查表“安全管理机构健全”填“是”、且“安全总监配备”填“是”或“不适用”的企业占比；"
               "未报送本季度检查表的企业计入分母、不计入分子。",
    numerator="机构健全且按规定配备安全总监的企业",
    denominator="统计范围内的企业",
    unit="家",
    kind="target",
    shortfall_title="安全管理机构不健全或未报送检查表的企业",
    shortfall_order='"季度"',
    records_sql=f"""
SELECT period_order, enterprise_key,
       CASE WHEN org_sound AND {rules.director_in_place("director")} THEN 1 ELSE 0 END AS numerator,
       1 AS denominator,
       quarter AS "季度", {_answer("org_sound")} AS "安全管理机构健全",
       CASE WHEN NOT sent THEN '未报送' ELSE director END AS "安全总监配备",
       CASE WHEN NOT sent THEN '{_NO_CHECKLIST}'
            WHEN NOT org_sound AND NOT {rules.director_in_place("director")} THEN '机构不健全，未配备安全总监'
            WHEN NOT org_sound THEN '安全管理机构不健全'
            WHEN NOT {rules.director_in_place("director")} THEN '未配备安全总监' END AS "问题",
       {_PROVENANCE}
FROM checklist_status
""",
)

RULES = Indicator(
    code="rules",
    name="规章制度健全率",
    quote=Quote("二（二）", "完善各项规章制度……各项安全管理规章制度健全率 100%"),
    practice="按已报送的本季度检查表合计；有企业未报送检查表时，评定最高为“关注”，并注明缺报家数。",
    definition="本季度检查表中已建规章制度数之和占应建规章制度数之和的比例。",
    numerator="已建规章制度",
    denominator="应建规章制度",
    unit="项",
    kind="target",
    shortfall_title="规章制度未建齐企业",
    shortfall_order='"季度"',
    needs_every_checklist=True,
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
    name="奖金落实率",
    aliases=("隐患举报奖金落实率",),
    quote=Quote("二（三）", "组织员工查找身边隐患，对发现隐患和对整改隐患提出合理化建议的员工给予奖励，奖金落实率达到 100%"),
    practice="按已报送的本季度检查表合计；有企业未报送检查表时，评定最高为“关注”，并注明缺报家数。",
    definition="本季度检查表中，对发现隐患和对整改隐患提出合理化建议的员工已发奖励笔数之和占应发奖励笔数之和的比例"
               "（未填按 0 计）。",
    numerator="已发奖励",
    denominator="应发奖励",
    unit="笔",
    kind="target",
    shortfall_title="隐患奖励未发齐企业",
    shortfall_order='"季度"',
    needs_every_checklist=True,
    records_sql=f"""
SELECT period_order, enterprise_key,
       coalesce(rewards_paid, 0) AS numerator, coalesce(rewards_due, 0) AS denominator,
       quarter AS "季度", coalesce(rewards_due, 0) AS "应发奖励笔数", coalesce(rewards_paid, 0) AS "已发奖励笔数",
       coalesce(rewards_due, 0) - coalesce(rewards_paid, 0) AS "未发笔数",
       {_PROVENANCE}
FROM quarter_checklists
""",
)

_ONSITE_TYPES = "、".join(rules.ONSITE_SPECIAL_OPS)

SPECIAL_OPS_ONSITE = Indicator(
    code="special_ops_onsite",
    name="特殊作业现场监督率",
    quote=Quote("二（四）", "做到动火作业必到现场监督、设备检维修必到现场监督、高处作业必到现场监督"),
    practice="工作日志未填特殊作业类型的按上述三类计入；受限空间、吊装、临时用电等其他类型在比率旁列示，不计入比率。",
    definition=f"季度内（截至日期前）工作日志中，特殊作业类型为{_ONSITE_TYPES}（或未填类型）的现场监督数之和"
               "占特殊作业数之和的比例；未填现场监督数按 0 计。",
    numerator="现场监督的特殊作业",
    denominator=f"{_ONSITE_TYPES}作业",
    unit="次",
    kind="supervision",
    shortfall_title="未全部现场监督的动火、检维修、高处作业",
    shortfall_order='"日期", "驻点人员" COLLATE zh',
    records_sql=f"""
SELECT period_order, enterprise_key,
       coalesce(onsite, 0) AS numerator, special_ops AS denominator,
       log_date AS "日期", supervisor AS "驻点人员", special_op_type AS "特殊作业类型",
       special_ops AS "特殊作业数", coalesce(onsite, 0) AS "现场监督数",
       special_ops - coalesce(onsite, 0) AS "未监督数",
       {_PROVENANCE}
FROM period_logs
WHERE special_ops > 0 AND {rules.onsite_required("special_op_type")}
""",
    aside_sql=f"""
SELECT period_order, enterprise_key, sum(coalesce(onsite, 0)) AS aside_numerator,
       sum(special_ops) AS aside_denominator
FROM period_logs
WHERE special_ops > 0 AND NOT {rules.onsite_required("special_op_type")}
GROUP BY period_order, enterprise_key
""",
    aside_text="另有其他类型特殊作业 {denominator} 次（现场监督 {numerator} 次），不计入本率",
)

LOG_FILL = Indicator(
    code="log_fill",
    name="工作日志填报率",
    quote=Quote("三（二）", "每日填写工作日志，每周报派出单位汇总"),
    practice="应填报日按国家法定工作日计（法定节假日不计，调休上班日计入）。",
    definition=(
        "每名驻点监督人员在所驻企业的应填报日（季度内、进驻日期及以后、撤离日期之前、不晚于截至日期的法定工作日）中，"
        "有该人员为该企业填报的工作日志的天数占比。驻点人员和进驻、撤离日期取驻点派驻记录，"
        "企业没有派驻记录的取企业名册。"
    ),
    numerator="已填报日志的工作日",
    denominator="应填报日志的工作日",
    unit="天",
    kind="supervision",
    shortfall_title="驻点人员缺报日志的工作日",
    shortfall_order='"驻点监督人员" COLLATE zh, "应填报日期"',
    records_sql="""
SELECT s.period_order, s.enterprise_key,
       CASE WHEN l.days & (1::HUGEINT << (s.day - l.quarter_start)) <> 0 THEN 1 ELSE 0 END AS numerator,
       1 AS denominator,
       s.supervisor_name AS "驻点监督人员", s.stationed_on AS "进驻日期", s.withdrawn_on AS "撤离日期",
       s.day AS "应填报日期", ['周一', '周二', '周三', '周四', '周五', '周六', '周日'][isodow(s.day)] AS "星期",
       s.source_file, s.source_sheet, s.source_row
FROM supervision_days s
LEFT JOIN work_log_days l  -- the day's bit in its quarter's set of logged days
  ON l.credit_code = s.credit_code AND l.supervisor_name = s.supervisor_name
 AND l.quarter_start = date_trunc('quarter', s.day)::DATE
""",
    figures_sql="""
SELECT s.period_order, s.enterprise_key,
       sum(bit_count(s.due & coalesce(l.days, 0::HUGEINT))) AS numerator, sum(bit_count(s.due)) AS denominator
FROM stationed_periods s
LEFT JOIN work_log_days l  -- the days its supervisor logged there in the quarter, folded when the logs were loaded
  ON l.credit_code = s.credit_code AND l.supervisor_name = s.supervisor_name AND l.quarter_start = s.q_start
GROUP BY s.period_order, s.enterprise_key
""",
)

MAJOR_HAZARD_REPORTED = Indicator(
    code="major_hazard_reported",
    name="重大隐患直报率",
    quote=Quote("三（三）", "对重大隐患要直报具有相应执法权的单位，提请启动执法程序，督促企业按时整改"),
    practice="上报日期不晚于发现日期后{indicators.major_hazard_report_days}天的计为直报，"
             "晚于此的计为迟报（通知二（十）要求“立即”“及时”报告）。",
    definition="季度内（截至日期前）发现的重大隐患中，上报日期不晚于截至日期、且不晚于发现日期后"
               "{indicators.major_hazard_report_days}天的隐患占比。",
    numerator="按时直报的重大隐患",
    denominator="季度内发现的重大隐患",
    unit="项",
    kind="supervision",
    shortfall_title="未上报或迟报的重大隐患",
    shortfall_order='"发现日期", "隐患编号"',
    records_sql=f"""
SELECT period_order, enterprise_key,
       CASE WHEN {rules.reported_in_time("as_of", "{indicators.major_hazard_report_days}")} THEN 1 ELSE 0 END
           AS numerator,
       1 AS denominator,
       {_HAZARD_DETAILS}, reported_on AS "上报日期",
       CASE WHEN reported_on <= as_of THEN date_diff('day', found_on, reported_on) END AS "发现至上报天数",
       transferred_to AS "移交部门",
       CASE WHEN reported_on IS NULL OR reported_on > as_of THEN '未上报'
            WHEN reported_on > found_on + {{indicators.major_hazard_report_days}}
            THEN '迟报 ' || (date_diff('day', found_on, reported_on) - {{indicators.major_hazard_report_days}}) || ' 天'
            END AS "问题",
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
_BY_CODE_OR_NAME = {**BY_CODE, **{i.name: i for i in INDICATORS},
                    **{alias: i for i in INDICATORS for alias in i.aliases}}


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
