"""The nine input templates of the contract, declared as data.

Everything that reads, validates, generates or documents a template (the loader,
the blank-template writer, the demo generator, the dashboard's import page) reads
these declarations; nothing else spells out a header or an allowed value.

Column kinds:
  text        free text (kept as given, trimmed)
  id          identifier kept as text (`001` stays `001`)
  credit_code 18-character 统一社会信用代码 with its check character verified
  district    a district name or alias from config/districts.toml
  date        any of the contract's date forms
  int         a whole number (text, full-width digits accepted)
  number      a decimal number
  yesno       是/否, √/×, Y/N, 有/无, 已/未
  yesno_na    a yesno that may also be 不适用 (stored as the text 是 / 否 / 不适用)
  enum        one of `values` (or one of their aliases)
  quarter     2026Q3, 2026-Q3, 2026年第三季度, 2026年第3季度, 2026年三季度
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    key: str  # English identifier, also the database column name
    label: str  # the canonical Chinese header
    kind: str = "text"
    required: bool = False
    aliases: tuple[str, ...] = ()
    values: tuple[str, ...] = ()  # allowed values of an enum
    value_aliases: dict[str, str] = field(default_factory=dict)  # alias -> value
    default: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    help: str = ""  # shown in the blank template's 填表说明 sheet


@dataclass(frozen=True)
class Template:
    name: str  # English identifier, also the entity table name
    title: str  # Chinese name
    columns: tuple[Column, ...]
    # Either of these identifies the enterprise (企业名称 or 统一社会信用代码 is required).
    enterprise_ref: bool = True
    # Keys under which a later load supersedes an earlier row; () = rows are events.
    key: tuple[str, ...] = ()
    load_order: int = 50

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    @property
    def keys(self) -> list[str]:
        return [c.key for c in self.columns]


ENTERPRISE_NAME = Column(
    "enterprise_name", "企业名称", aliases=("单位名称", "企业全称"),
    help="与企业名册一致；填写统一社会信用代码时可不填。",
)
CREDIT_CODE = Column(
    "credit_code", "统一社会信用代码", kind="credit_code",
    aliases=("社会信用代码", "信用代码", "统一信用代码"),
    help="18 位，含校验位；填写后以此识别企业。",
)
PERSON_ID_ALIASES = ("工号", "员工编号")

ENTERPRISES = Template(
    name="enterprises",
    title="企业名册",
    enterprise_ref=False,
    key=("credit_code",),
    load_order=10,
    columns=(
        Column("enterprise_name", "企业名称", required=True, aliases=("单位名称", "企业全称")),
        Column("credit_code", "统一社会信用代码", kind="credit_code", required=True,
               aliases=CREDIT_CODE.aliases, help="18 位，含校验位。"),
        Column("district", "所属区市", kind="district", required=True,
               aliases=("区市", "所属区县", "辖区"), help="填写区市名称，如 文登区、高区。"),
        Column("industry", "行业类别", aliases=("所属行业", "行业")),
        Column("employees", "从业人员数", kind="int", required=True,
               aliases=("职工人数", "员工人数"), minimum=0),
        Column("supervisor", "驻点监督人员", aliases=("驻点人员",)),
        Column("dispatch_unit", "派出单位"),
        Column("stationed_on", "进驻日期", kind="date"),
        Column("status", "企业状态", kind="enum", values=("正常生产", "停产", "关闭"),
               value_aliases={"正常": "正常生产", "生产": "正常生产", "在产": "正常生产"},
               default="正常生产", help="不填视为 正常生产；关闭 的企业不参与任何指标。"),
    ),
)

STAFF_CATEGORIES = ("主要负责人", "分管负责人", "安全总监", "安全管理人员", "特种作业人员", "其他从业人员")
KEY_STAFF_CATEGORIES = ("主要负责人", "安全总监", "安全管理人员", "特种作业人员")

STAFF = Template(
    name="staff",
    title="人员台账",
    key=("credit_code", "person_id"),
    load_order=20,
    columns=(
        ENTERPRISE_NAME,
        CREDIT_CODE,
        Column("person_id", "人员编号", kind="id", required=True, aliases=PERSON_ID_ALIASES),
        Column("person_name", "姓名", required=True),
        Column("category", "岗位类别", kind="enum", required=True, values=STAFF_CATEGORIES,
               value_aliases={"一般从业人员": "其他从业人员", "普通员工": "其他从业人员", "员工": "其他从业人员"}),
        Column("work_type", "作业类别"),
        Column("cert_no", "证书编号", kind="id", aliases=("操作证号", "合格证编号")),
        Column("cert_valid_until", "证书有效期至", kind="date", aliases=("有效期至", "证书有效期")),
        Column("hired_on", "入职日期", kind="date"),
        Column("left_on", "离职日期", kind="date", aliases=("离岗日期",)),
    ),
)

TRAINING = Template(
    name="training",
    title="培训记录",
    load_order=30,
    columns=(
        ENTERPRISE_NAME,
        CREDIT_CODE,
        Column("person_id", "人员编号", kind="id", aliases=PERSON_ID_ALIASES,
               help="不填时按姓名在本企业人员台账中匹配。"),
        Column("person_name", "姓名", required=True),
        Column("course", "培训名称", required=True),
        Column("trained_on", "培训日期", kind="date", required=True),
        Column("hours", "学时", kind="number", minimum=0),
        Column("score", "考核成绩", kind="number", minimum=0, maximum=100),
        Column("result", "考核结果", kind="enum", values=("合格", "不合格"),
               value_aliases={"通过": "合格", "未通过": "不合格"},
               help="不填时按成绩判定：60 分及以上为 合格。"),
    ),
)

DRILLS = Template(
    name="drills",
    title="演练记录",
    load_order=30,
    columns=(
        ENTERPRISE_NAME,
        CREDIT_CODE,
        Column("drill_date", "演练日期", kind="date", required=True),
        Column("drill_name", "演练名称"),
        Column("drill_type", "演练类型", kind="enum",
               values=("综合演练", "专项演练", "现场处置方案演练", "桌面推演")),
        Column("expected", "应参加人数", kind="int", required=True, minimum=1),
        Column("actual", "实际参加人数", kind="int", required=True, minimum=0,
               help="不得多于应参加人数。"),
    ),
)

HAZARD_CATEGORIES = ("组织机构", "管理制度", "设备设施", "现场作业", "安全培训", "安全投入",
                     "应急管理", "原材料产成品", "特殊作业", "其他")
HAZARD_STATUSES = ("未整改", "整改中", "已整改", "已销号")
SUPERVISION_LEVELS = ("市级挂牌督办", "区市级挂牌督办", "无")

HAZARDS = Template(
    name="hazards",
    title="隐患台账",
    # Districts number their hazards independently: the same 隐患编号 at another enterprise is another hazard.
    key=("credit_code", "hazard_id"),
    load_order=30,
    columns=(
        Column("hazard_id", "隐患编号", kind="id", required=True, aliases=("编号", "隐患ID")),
        ENTERPRISE_NAME,
        CREDIT_CODE,
        Column("district", "所属区市", kind="district", help="须与企业名册中的区市一致。"),
        Column("found_on", "发现日期", kind="date", required=True, aliases=("检查日期", "排查日期")),
        Column("method", "检查方式", kind="enum", values=("驻点检查", "企业自查", "执法检查", "专项检查")),
        Column("category", "隐患类别", kind="enum", required=True, values=HAZARD_CATEGORIES),
        Column("level", "隐患等级", kind="enum", required=True, values=("一般隐患", "重大隐患"),
               value_aliases={"一般": "一般隐患", "重大": "重大隐患"}),
        Column("description", "隐患描述", required=True),
        Column("measure", "整改措施"),
        Column("owner", "整改责任人"),
        Column("deadline", "整改期限", kind="date", required=True, help="不得早于发现日期。"),
        Column("rectified_on", "整改完成日期", kind="date", help="不得早于发现日期。"),
        Column("status", "整改状态", kind="enum", values=HAZARD_STATUSES,
               help="已整改、已销号 须填写整改完成日期。"),
        Column("closed_on", "销号日期", kind="date"),
        Column("acceptor", "验收人"),
        Column("reported_on", "上报日期", kind="date", help="重大隐患报送执法部门的日期。"),
        Column("transferred_to", "移交部门", help="不属于本部门职责、移交其他部门处理时填写。"),
        # Optional 直通车 columns (revision 2): older ledgers lack them.
        Column("report_unit", "上报单位", aliases=("直报单位", "接报单位"),
               help="重大隐患直报的具有执法权的单位。"),
        Column("enforcement_case", "执法立案情况", aliases=("立案文书号", "执法文书号")),
        Column("transferred_on", "移交日期", kind="date", help="不得早于发现日期。"),
        Column("transfer_closed_on", "移交办结日期", kind="date", aliases=("移交回复日期", "办结日期"),
               help="接收部门办结或回复的日期；不得早于移交日期。"),
        Column("supervision_level", "督办级别", kind="enum", values=SUPERVISION_LEVELS,
               help="市级挂牌督办、区市级挂牌督办 或 无。"),
    ),
)

SPECIAL_OP_TYPES = ("动火作业", "设备检维修", "高处作业", "受限空间作业", "吊装作业", "临时用电", "其他")

WORK_LOGS = Template(
    name="work_logs",
    title="驻点工作日志",
    load_order=30,
    columns=(
        Column("log_date", "日期", kind="date", required=True),
        Column("supervisor", "驻点人员", required=True),
        ENTERPRISE_NAME,
        CREDIT_CODE,
        Column("content", "工作内容"),
        Column("issues_found", "发现问题数", kind="int", minimum=0),
        Column("special_op_type", "特殊作业类型", kind="enum", values=SPECIAL_OP_TYPES),
        Column("special_ops", "特殊作业数", kind="int", minimum=0, default="0"),
        Column("onsite", "现场监督数", kind="int", minimum=0, help="不得多于特殊作业数。"),
    ),
)

CHECKLISTS = Template(
    name="checklists",
    title="季度检查表",
    key=("credit_code", "quarter"),
    load_order=30,
    columns=(
        ENTERPRISE_NAME,
        CREDIT_CODE,
        Column("quarter", "季度", kind="quarter", required=True,
               help="如 2026Q3、2026-Q3、2026年第三季度。"),
        Column("responsibility", "安全生产责任制落实", kind="yesno", required=True),
        Column("org_sound", "安全管理机构健全", kind="yesno", required=True),
        Column("director", "安全总监配备", kind="yesno_na", required=True,
               help="是、否 或 不适用（按规定该企业无须配备安全总监）。"),
        Column("rules_required", "应建规章制度数", kind="int", required=True, minimum=0),
        Column("rules_built", "已建规章制度数", kind="int", required=True, minimum=0,
               help="不得多于应建规章制度数。"),
        Column("rewards_due", "应发奖励笔数", kind="int", minimum=0),
        Column("rewards_paid", "已发奖励笔数", kind="int", minimum=0, help="不得多于应发奖励笔数。"),
    ),
)

STATIONING_RECORDS = Template(
    name="stationing_records",
    title="驻点派驻记录",
    # A later file supersedes per (supervisor, enterprise, 进驻日期); two overlapping stationings are allowed.
    key=("supervisor", "credit_code", "stationed_on"),
    load_order=30,
    columns=(
        Column("supervisor", "驻点人员", required=True, aliases=("驻点监督人员",)),
        ENTERPRISE_NAME,
        CREDIT_CODE,
        Column("dispatch_unit", "派出单位"),
        Column("stationed_on", "进驻日期", kind="date", required=True),
        Column("withdrawn_on", "撤离日期", kind="date", help="不得早于进驻日期；仍在驻点的不填。"),
        Column("pretraining_on", "岗前培训日期", kind="date", help="进驻前接受岗前培训的日期。"),
        Column("handover_on", "交接日期", kind="date",
               help="本人离任时向接任人员交接岗位、任务和责任的日期；不得早于进驻日期。"),
        Column("handed_to", "交接人", help="接任的驻点人员。"),
        Column("handover_items", "交接事项"),
    ),
)

RETROFIT_TYPES = ("机器换人", "自动化减人", "智能化改造", "其他")

RETROFIT_PROJECTS = Template(
    name="retrofit_projects",
    title="智能化改造台账",
    key=("credit_code", "project_name"),
    load_order=30,
    columns=(
        ENTERPRISE_NAME,
        CREDIT_CODE,
        Column("diagnosed_on", "诊断日期", kind="date", aliases=("智能化诊断日期",)),
        Column("plan_on", "方案日期", kind="date", aliases=("一企一策方案日期", "方案编制日期")),
        Column("project_name", "项目名称", required=True),
        Column("retrofit_type", "改造类型", kind="enum", values=RETROFIT_TYPES),
        Column("planned_on", "计划完成日期", kind="date", required=True),
        Column("completed_on", "实际完成日期", kind="date"),
        Column("investment", "投资金额（万元）", kind="number", minimum=0, aliases=("投资金额",)),
        Column("posts_reduced", "减少危险岗位人数", kind="int", minimum=0),
    ),
)

TEMPLATES: tuple[Template, ...] = (ENTERPRISES, STAFF, TRAINING, DRILLS, HAZARDS, WORK_LOGS, CHECKLISTS,
                                   STATIONING_RECORDS, RETROFIT_PROJECTS)
BY_NAME = {t.name: t for t in TEMPLATES}
BY_TITLE = {t.title: t for t in TEMPLATES}

YES_WORDS = ("是", "√", "✓", "✔", "Y", "YES", "有", "已", "TRUE", "1")
NO_WORDS = ("否", "×", "✗", "✘", "X", "N", "NO", "无", "未", "FALSE", "0")
# 不适用 of a yesno_na column. A lone dash or slash is not among them: clerks also use it for "left blank".
NOT_APPLICABLE_WORDS = ("不适用", "无需配备", "无须配备", "不需配备", "不须配备", "无需", "无须", "不需要", "不涉及",
                        "N/A", "NA")
DATE_FORMS = ("Excel 日期", "2026-07-01", "2026/7/1", "2026.7.1", "2026年7月1日", "20260701")


def find(name: str) -> Template | None:
    """A template by English name or Chinese title."""
    return BY_NAME.get(name) or BY_TITLE.get(name)
