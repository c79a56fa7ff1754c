"""Generate a realistic demo set of the files district offices send in (演示数据).

`generate` invents enterprises, staff, supervisors and eight quarters of their
records for every district of the configuration, then writes them the way real
district files look: title rows above the header, header aliases, `*` marks and
line breaks, every date form of the contract, numbers as text, full-width digits,
names that differ in spaces or bracket width, UTF-8-BOM and GBK CSVs, an
instructions sheet, a workbook with two data sheets, and a handful of bad rows a
district clerk would recognise (see `PLANTED_PROBLEMS`).

Each district is written in its own house style (`STYLES`, by position in the
district list), so every messy form appears somewhere. Everything is drawn from
one `random.Random(seed)`: the same arguments always give byte-identical files.
"""
from __future__ import annotations

import bisect
import csv
import io
import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from openpyxl import Workbook

from etl.blank import save_workbook
from core.codes import CHARSET as CODE_CHARSET, check_character
from core.config import districts as configured_districts
from warehouse.templates import (
    CHECKLISTS, DRILLS, ENTERPRISES, HAZARDS, STAFF, TRAINING, WORK_LOGS, Column, Template,
)
# The calendar helpers are plain date arithmetic, shared with the indicators.
from core.dates import shift_months
from core.quarters import Quarter, latest_complete_quarter, parse_quarter

QUARTERS_OF_HISTORY = 8

# The planted bad rows, one of each kind, as (template, house style, what is wrong).
PLANTED_PROBLEMS = (
    ("企业名册", 2, "统一社会信用代码校验位错误"),
    ("人员台账", 5, "岗位类别不是允许的取值（临时工）"),
    ("培训记录", 1, "培训日期不存在（2 月 30 日）"),
    ("演练记录", 3, "实际参加人数多于应参加人数"),
    ("演练记录", 5, "企业不在企业名册中"),
    ("隐患台账", 0, "所属区市无法识别（张村镇）"),
    ("隐患台账", 4, "整改期限早于发现日期"),
    ("隐患台账", 7, "隐患类别不是允许的取值（消防安全）"),
    ("驻点工作日志", 6, "现场监督数多于特殊作业数"),
    ("季度检查表", 2, "已建规章制度数多于应建数"),
)

# ---------------------------------------------------------------- reference data

DIVISION_CODES = {  # 行政区划代码, the 3rd–8th characters of a credit code
    "环翠区": "371002", "文登区": "371003", "荣成市": "371082", "乳山市": "371083",
    "高区": "371071", "经区": "371072", "临港区": "371073", "南海新区": "371074",
}
ENTERPRISES_PER_DISTRICT = {
    "环翠区": 32, "文登区": 48, "荣成市": 52, "乳山市": 38, "高区": 34, "经区": 36, "临港区": 34, "南海新区": 26,
}
DEFAULT_ENTERPRISES_PER_DISTRICT = 35
# District quality levels (shuffled over the districts): they drive every shortfall.
QUALITY_LEVELS = (0.985, 0.975, 0.965, 0.95, 0.935, 0.92, 0.9, 0.875)
PLACE_PREFIXES = {
    "文登区": ("威海市文登区", "文登", "威海"), "荣成市": ("荣成", "荣成市", "威海"),
    "乳山市": ("乳山", "乳山市", "威海"),
}
DEFAULT_PLACE_PREFIXES = ("威海", "威海市")
BRANDS = (
    "华信 鑫源 泰和 海纳 金海 宏达 凯瑞 瑞丰 永泰 恒通 新元 东方 蓝海 远航 银河 正大 润泽 晨阳 天润 金鼎 "
    "华海 东华 明远 盛泰 龙腾 海川 丰润 利华 金诺 华盛 博宇 嘉禾 鲁东 胶东 海晟 鸿源 信诚 精诚 佳禾 万通 "
    "安泰 祥和 同兴 广源 聚源 汇川 君泰 海蓝 石岛 成山 昆嵛 赤山 荣丰 伟业 康达 联科 中科 百川 兴达 福源"
).split()
ENTERPRISE_KINDS = (
    ("化工", "化学原料和化学制品制造业"), ("精细化工", "专用化学产品制造"), ("新材料科技", "合成材料制造"),
    ("化学", "基础化学原料制造"), ("海洋生物科技", "专用化学产品制造"), ("涂料", "涂料、油墨、颜料及类似产品制造"),
    ("树脂", "合成材料制造"), ("橡塑制品", "橡胶和塑料制品业"), ("助剂", "专用化学产品制造"),
    ("水处理科技", "专用化学产品制造"), ("医药化工", "医药制造业"), ("胶粘剂", "专用化学产品制造"),
    ("日用化学品", "日用化学产品制造"),
)
COMPANY_SUFFIXES = ("有限公司", "有限公司", "有限公司", "股份有限公司", "有限责任公司")
NOT_ON_ROSTER_NAME = "威海市德润祥化工有限公司"  # no brand above produces it
SURNAMES = "王王王张张刘刘李李孙孙于于丛毕林宋姜邹谷梁汤杨赵徐曲鞠董郭高许吕田夏孔隋初"
GIVEN_CHARS = "建国明华伟强军平磊洋勇杰涛斌超鹏浩宇晨鑫昊婷静丽敏燕娜芳霞红梅玉兰秀英志刚海波东峰林辉成春雪琳晓文博立新永庆宏德福俊倩"
SPECIAL_WORK_TYPES = ("电工作业", "焊接与热切割作业", "高处作业", "危险化学品安全作业", "制冷与空调作业")
OTHER_WORK_TYPES = (None, None, "操作工", "化验员", "仓管员", "维修工")
THIRD_PARTY_UNITS = ("威海安信安全技术服务有限公司", "山东鲁安安全评价有限公司", "威海海安安全技术咨询有限公司")
DRILL_TOPICS = ("危险化学品泄漏事故", "火灾爆炸事故", "中毒窒息事故", "防汛防台", "受限空间作业事故", "触电事故", "灼烫事故")
DRILL_TYPES = ("综合演练", "专项演练", "现场处置方案演练", "桌面推演")
HAZARD_TEXTS = {
    "组织机构": (("专职安全管理人员配备不足", "按规定配齐专职安全管理人员"),
              ("未明确安全总监岗位职责", "制定安全总监岗位职责并公布")),
    "管理制度": (("未制定动火作业安全管理制度", "制定并发布动火作业安全管理制度"),
              ("岗位安全操作规程未及时修订", "组织修订岗位安全操作规程"),
              ("隐患排查治理制度未明确排查频次", "修订隐患排查治理制度")),
    "设备设施": (("反应釜压力表超过检定有效期", "更换并送检压力表"),
              ("可燃气体报警器未定期检测", "委托有资质单位检测报警器"),
              ("安全阀未按期校验", "校验安全阀并建立台账"),
              ("转动设备防护罩缺失", "加装防护罩")),
    "现场作业": (("作业人员未按规定佩戴防护用品", "现场纠正并开展教育"),
              ("车间通道堆放物料，影响疏散", "清理通道物料"),
              ("配电箱门未关闭，无警示标识", "关闭箱门并张贴警示标识")),
    "安全培训": (("新入职员工三级安全教育记录不全", "补充培训并完善记录"),
              ("特种作业人员复审培训未及时组织", "组织复审培训")),
    "安全投入": (("未按规定提取安全生产费用", "按标准提取并建立使用台账"),
              ("安全生产费用使用台账不完整", "完善费用使用台账")),
    "应急管理": (("应急预案未按期修订", "修订应急预案并备案"),
              ("应急物资柜内防毒面具过期", "更换过期应急物资"),
              ("未按计划开展现场处置方案演练", "组织演练并评估")),
    "原材料产成品": (("原料仓库物料混存，未分区存放", "按性质分区分类存放"),
                ("产品包装标签不规范", "规范产品标签"),
                ("遇湿易燃物料防雨措施不到位", "完善防雨防潮措施")),
    "特殊作业": (("动火作业票证审批不全", "规范作业票证审批"),
              ("受限空间作业前未进行气体检测", "作业前检测并记录"),
              ("高处作业未系挂安全带", "现场纠正，加强监护")),
    "其他": (("厂区消防通道被车辆占用", "清理消防通道"), ("安全警示标志褪色", "更新警示标志")),
}
HAZARD_CATEGORY_WEIGHTS = {"设备设施": 5, "现场作业": 5, "特殊作业": 3, "原材料产成品": 2, "管理制度": 2,
                           "应急管理": 2, "安全培训": 1, "安全投入": 1, "组织机构": 1, "其他": 1}
MAJOR_HAZARD_TEXTS = (
    ("涉及重点监管危险化工工艺的装置未实现自动化控制", "增设自动化控制系统并验收"),
    ("甲类车间与办公区防火间距不足", "调整平面布置，停用不符合间距的区域"),
    ("可燃气体检测报警系统失效", "立即修复报警系统，修复前停止相关作业"),
    ("储罐区未按规定设置紧急切断装置", "加装紧急切断装置"),
)
INSPECTION_METHODS = (("驻点检查", 70), ("企业自查", 15), ("执法检查", 8), ("专项检查", 7))
LOG_CONTENTS = (
    "巡查生产装置区，检查现场作业安全情况", "检查动火作业票证办理及现场防护措施落实情况",
    "参加企业班前会，开展安全提醒", "核查隐患整改情况，督促落实整改措施", "检查危险化学品储存场所",
    "查阅安全管理台账和操作记录", "检查消防设施器材及应急物资", "对接企业安全管理人员，了解本周生产安排",
    "检查特殊作业现场监护情况", "督促企业开展隐患自查", "检查设备设施运行及维护保养记录",
)
SPECIAL_OP_WEIGHTS = (("动火作业", 30), ("设备检维修", 30), ("高处作业", 20), ("受限空间作业", 8),
                      ("吊装作业", 5), ("临时用电", 6), ("其他", 1))
LEDGER_TITLE = "威海市非危化品化工企业隐患排查整改台账"
FULLWIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")
CHINESE_QUARTERS = "一二三四"


# ---------------------------------------------------------------- house styles

@dataclass(frozen=True)
class Style:
    """How one district office fills its files."""
    date_form: str  # in workbooks: excel | iso | slash | dot | cn | compact
    csv_date_form: str
    log_encoding: str
    yes_no: str  # 是否 | √× | YN | mixed (已/未, 是/否, 有/无 by column)
    quarter_form: str  # Q | -Q | 第三季度 | 第3季度 | 三季度
    name_variant: str = "exact"  # exact | spaces | brackets: other templates vs the roster
    header_aliases: bool = False
    stars: bool = False
    line_breaks: bool = False
    units: bool = False
    spaced_headers: bool = False
    extra_columns: bool = False
    numbers_as_text: bool = False
    fullwidth_digits: bool = False
    refer_by_code: bool = False  # staff and logs give only the credit code
    instructions_sheet: bool = False
    checklists_by_year: bool = False
    training_csv: str | None = None  # encoding when training records are sent as CSV
    training_by_name: bool = False  # no 人员编号, no 考核结果 (only the score)
    person_id_prefix: str = ""
    other_staff_word: str = "其他从业人员"
    blank_status_when_normal: bool = False
    blank_row_after_title: bool = False


STYLES = (
    Style("excel", "iso", "utf-8-sig", "是否", "Q", stars=True),
    Style("slash", "slash", "gbk", "√×", "第三季度", name_variant="spaces", header_aliases=True,
          instructions_sheet=True, person_id_prefix="YG", blank_row_after_title=True),
    Style("dot", "dot", "utf-8-sig", "YN", "-Q", name_variant="brackets", line_breaks=True, extra_columns=True),
    Style("cn", "cn", "utf-8-sig", "mixed", "第3季度", fullwidth_digits=True, numbers_as_text=True,
          refer_by_code=True, other_staff_word="普通员工", blank_row_after_title=True),
    Style("compact", "compact", "utf-8-sig", "是否", "三季度", name_variant="brackets", units=True,
          checklists_by_year=True, person_id_prefix="E"),
    Style("excel", "iso", "utf-8-sig", "是否", "Q", header_aliases=True, spaced_headers=True, extra_columns=True,
          training_csv="utf-8", other_staff_word="一般从业人员", blank_status_when_normal=True),
    Style("excel", "slash", "utf-8-sig", "√×", "-Q", name_variant="spaces", stars=True, training_csv="utf-8-sig",
          training_by_name=True, blank_row_after_title=True),
    Style("iso", "iso", "utf-8-sig", "是否", "第三季度", line_breaks=True, units=True, numbers_as_text=True),
)
YES_NO_WORDS = {"是否": ("是", "否"), "√×": ("√", "×"), "YN": ("Y", "N")}
MIXED_YES_NO = {"responsibility": ("已", "未"), "org_sound": ("是", "否"), "director": ("有", "无")}
HEADER_UNITS = {"employees": "（人）", "expected": "（人）", "actual": "（人）", "hours": "（学时）",
                "score": "（分）", "rules_required": "（项）", "rules_built": "（项）",
                "rewards_due": "（笔）", "rewards_paid": "（笔）", "issues_found": "（项）"}


# ---------------------------------------------------------------- dates and quarters

def next_weekday(day: date) -> date:
    return day + timedelta(days=(7 - day.weekday()) % 7 if day.weekday() >= 5 else 0)


@dataclass(frozen=True)
class Period:
    quarters: tuple[Quarter, ...]

    @property
    def start(self) -> date:
        return self.quarters[0].start

    @property
    def end(self) -> date:
        return self.quarters[-1].end

    @property
    def lookback_start(self) -> date:
        """Training and drills reach 12 months before the first quarter's end."""
        return shift_months(self.quarters[0].end, -12) + timedelta(days=1)

    @property
    def label(self) -> str:
        return f"{self.quarters[0].label}-{self.quarters[-1].label}"


def make_period(end_quarter: str | None) -> Period:
    last = parse_quarter(end_quarter) if end_quarter else latest_complete_quarter(date.today())
    quarters = [last]
    while len(quarters) < QUARTERS_OF_HISTORY:
        quarters.insert(0, quarters[0].previous())
    return Period(tuple(quarters))


def format_date(day: date, form: str) -> str:
    if form == "slash":
        return f"{day.year}/{day.month}/{day.day}"
    if form == "dot":
        return f"{day.year}.{day.month}.{day.day}"
    if form == "cn":
        return f"{day.year}年{day.month}月{day.day}日"
    if form == "compact":
        return day.strftime("%Y%m%d")
    return day.isoformat()


def format_quarter(quarter: Quarter, form: str) -> str:
    cn = CHINESE_QUARTERS[quarter.q - 1]
    return {
        "Q": f"{quarter.year}Q{quarter.q}", "-Q": f"{quarter.year}-Q{quarter.q}",
        "第三季度": f"{quarter.year}年第{cn}季度", "第3季度": f"{quarter.year}年第{quarter.q}季度",
        "三季度": f"{quarter.year}年{cn}季度",
    }[form]


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


# ---------------------------------------------------------------- identifiers and names

def org_code_check(body: str) -> str:
    """GB 11714 check character of the 8-character organisation code body."""
    total = sum(int(c, 36) * w for c, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2)))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def make_credit_code(rng: random.Random, division: str) -> str:
    if rng.random() < 0.6:  # codes issued since 2015 carry an MA-series organisation code
        body = "MA" + "".join(rng.choice(CODE_CHARSET) for _ in range(6))
    else:
        body = "".join(rng.choice("0123456789") for _ in range(8))
    first17 = "91" + division + body + org_code_check(body)
    return first17 + check_character(first17)


def corrupt_check_character(code: str) -> str:
    wrong = CODE_CHARSET[(CODE_CHARSET.index(code[-1]) + 7) % len(CODE_CHARSET)]
    return code[:-1] + wrong


def id_number(rng: random.Random, division: str) -> str:
    """A citizen ID number with its GB 11643 check character."""
    birth = date(1965, 1, 1) + timedelta(days=rng.randrange(35 * 365))
    first17 = division + birth.strftime("%Y%m%d") + f"{rng.randrange(1000):03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights)) % 11]


def person_name(rng: random.Random) -> str:
    given = rng.choice(GIVEN_CHARS) + (rng.choice(GIVEN_CHARS) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def unique_name(rng: random.Random, used: set[str]) -> str:
    while True:
        name = person_name(rng)
        if name not in used:
            used.add(name)
            return name


def name_key(name: str) -> str:
    """What the loader compares: no spaces, half-width brackets."""
    return "".join(name.split()).replace("（", "(").replace("）", ")")


def company_name(rng: random.Random, district: str, bracketed: bool) -> tuple[str, str]:
    prefix = rng.choice(PLACE_PREFIXES.get(district, DEFAULT_PLACE_PREFIXES))
    brand = rng.choice(BRANDS)
    kind, industry = rng.choice(ENTERPRISE_KINDS)
    suffix = rng.choice(COMPANY_SUFFIXES)
    if bracketed and rng.random() < 0.5:
        return f"{brand}{kind}（威海）{suffix}", industry
    if bracketed:
        return f"{prefix}{brand}（集团）{kind}{suffix}", industry
    return f"{prefix}{brand}{kind}{suffix}", industry


def spaced(name: str) -> str:
    """A space typed before the company form: 威海XX化工 有限公司."""
    cut = name.rfind("有限")
    cut = cut - 2 if name[cut - 2:cut] == "股份" else cut
    return name[:cut] + " " + name[cut:]


def other_brackets(name: str) -> str:
    if "（" in name:
        return name.replace("（", "(").replace("）", ")")
    return name.replace("(", "（").replace(")", "）")


# ---------------------------------------------------------------- the invented world

@dataclass
class Person:
    person_id: str
    name: str
    category: str
    work_type: str | None
    cert_no: str | None
    cert_valid_until: date | None
    hired_on: date
    left_on: date | None
    never_trained: bool = False

    def on_duty(self, day: date) -> bool:
        return self.hired_on <= day and (self.left_on is None or self.left_on > day)


@dataclass
class Stint:
    supervisor: str
    dispatch_unit: str
    start: date
    end: date  # last day stationed
    diligence: float  # share of workdays with a log


@dataclass
class Hazard:
    hazard_id: str
    found_on: date
    method: str
    category: str
    level: str
    description: str
    measure: str
    owner: str
    deadline: date
    rectified_on: date | None
    closed_on: date | None
    acceptor: str | None
    reported_on: date | None
    transferred_to: str | None
    in_progress: bool


@dataclass
class Enterprise:
    name: str
    credit_code: str
    district: str
    industry: str
    quality: float
    status: str = "正常生产"
    active_until: date | None = None  # 关闭: the day it closed
    idle_from: date | None = None  # 停产
    staff: list[Person] = field(default_factory=list)
    stints: list[Stint] = field(default_factory=list)
    rules_required: int = 20
    position: int = 0  # its place in the district roster

    def on_duty(self, day: date) -> list[Person]:
        return [p for p in self.staff if p.on_duty(day)]


@dataclass
class DistrictPlan:
    name: str
    position: int
    division: str
    quality: float
    style: Style
    enterprises: list[Enterprise] = field(default_factory=list)

    @property
    def written_name(self) -> str:
        """How this office writes its own district: canonical, with the city prefix, or an alias."""
        config = configured_districts()
        aliases = [a for a, n in config.aliases.items() if n == self.name and a != self.name]
        options = [self.name, config.city + self.name, *aliases]
        return options[self.position % len(options)]


@dataclass
class World:
    period: Period
    plans: list[DistrictPlan]
    used_names: set[str]
    used_codes: set[str]
    supervisor_names: set[str]


def chance(rng: random.Random, p: float) -> bool:
    return rng.random() < p


def poisson(rng: random.Random, mean: float) -> int:
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def weighted(rng: random.Random, pairs) -> str:
    values, weights = zip(*pairs)
    return rng.choices(values, weights=weights)[0]


def random_day(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randrange((last - first).days + 1))


def random_workday(rng: random.Random, first: date, last: date) -> date:
    for _ in range(20):
        day = random_day(rng, first, last)
        if day.weekday() < 5:
            return day
    return first


def plan_districts(rng: random.Random) -> list[DistrictPlan]:
    names = configured_districts().names
    levels = list(QUALITY_LEVELS)
    rng.shuffle(levels)
    plans = []
    for position, name in enumerate(names):
        division = DIVISION_CODES.get(name, f"3710{90 + position % 10:02d}")
        plans.append(DistrictPlan(name, position, division, levels[position % len(levels)],
                                  STYLES[position % len(STYLES)]))
    return plans


def make_enterprise(rng: random.Random, world: World, plan: DistrictPlan, bracketed: bool) -> Enterprise:
    while True:
        name, industry = company_name(rng, plan.name, bracketed)
        if name_key(name) not in world.used_names and name_key(name) != name_key(NOT_ON_ROSTER_NAME):
            break
    world.used_names.add(name_key(name))
    code = make_credit_code(rng, plan.division)
    while code in world.used_codes:
        code = make_credit_code(rng, plan.division)
    world.used_codes.add(code)
    quality = min(0.999, max(0.75, rng.gauss(plan.quality, 0.02)))
    return Enterprise(name, code, plan.name, industry, quality, rules_required=rng.randint(12, 30))


def set_statuses(rng: random.Random, plan: DistrictPlan, period: Period, scale: int) -> None:
    """A few 关闭 (in half the districts) and 停产 (in the others) enterprises."""
    count = scale
    chosen = rng.sample(plan.enterprises[1:], min(count, len(plan.enterprises) - 1))
    for enterprise in chosen:
        if plan.position % 2:
            enterprise.status = "关闭"
            enterprise.active_until = random_day(rng, period.end - timedelta(days=270), period.end - timedelta(days=30))
        else:
            enterprise.status = "停产"
            enterprise.idle_from = random_day(rng, period.quarters[-2].start, period.end - timedelta(days=20))


def build_world(rng: random.Random, scale: int, period: Period) -> World:
    world = World(period, plan_districts(rng), set(), set(), set())
    for plan in world.plans:
        count = ENTERPRISES_PER_DISTRICT.get(plan.name, DEFAULT_ENTERPRISES_PER_DISTRICT) * scale
        for index in range(count):
            enterprise = make_enterprise(rng, world, plan, bracketed=index == 0 or chance(rng, 0.12))
            enterprise.position = index
            plan.enterprises.append(enterprise)
        set_statuses(rng, plan, period, scale)
        for enterprise in plan.enterprises:
            enterprise.active_until = enterprise.active_until or period.end
            enterprise.staff = make_staff(rng, enterprise, plan, period)
            enterprise.stints = make_stints(rng, enterprise, plan, world)
    return world


# ---------------------------------------------------------------- staff

def role_plan(size: int, has_director: bool) -> list[str]:
    roles = ["主要负责人"] + ["分管负责人"] * (1 + (size > 80))
    roles += ["安全总监"] if has_director else []
    roles += ["安全管理人员"] * max(1, min(4, size // 30)) + ["特种作业人员"] * max(2, size // 8)
    return roles + ["其他从业人员"] * max(0, size - len(roles))


def certificate(rng: random.Random, category: str, quality: float, division: str, period: Period):
    """(证书编号, 证书有效期至): some missing, some expired, some expiring within 90 days."""
    needs = category in ("主要负责人", "安全总监", "安全管理人员", "特种作业人员") or (
        category == "分管负责人" and chance(rng, 0.5))
    if not needs:
        return None, None
    r = rng.random()
    missing, expired, soon = 0.01 + (1 - quality) * 0.25, 0.01 + (1 - quality) * 0.35, 0.05
    if r < missing:
        return None, None
    number = ("T" if category == "特种作业人员" else "") + id_number(rng, division)
    if r < missing + expired:
        return number, period.end - timedelta(days=rng.randint(1, 200))
    if r < missing + expired + soon:
        return number, period.end + timedelta(days=rng.randint(1, 90))
    return number, period.end + timedelta(days=rng.randint(91, 1500))


def make_staff(rng: random.Random, enterprise: Enterprise, plan: DistrictPlan, period: Period) -> list[Person]:
    size = min(320, max(12, int(math.exp(rng.gauss(3.6, 0.55)))))
    has_director = chance(rng, 0.97 - (1 - enterprise.quality))
    roles = role_plan(size, has_director)
    roles += [weighted(rng, (("其他从业人员", 80), ("特种作业人员", 15), ("安全管理人员", 5)))
              for _ in range(round(size * rng.uniform(0.05, 0.15)))]
    long_ago = date(2003, 1, 1)
    drafts = []
    for index, category in enumerate(roles):
        departed = index >= size
        if departed:
            left_on = random_day(rng, period.start, period.end)
            hired_on = random_day(rng, long_ago, min(left_on, period.lookback_start) - timedelta(days=30))
        else:
            left_on = None
            recent = chance(rng, 0.15)
            hired_on = random_day(rng, period.lookback_start, period.end - timedelta(days=5)) if recent \
                else random_day(rng, long_ago, period.lookback_start)
        drafts.append((hired_on, index, category, left_on))
    drafts.sort()
    used: set[str] = set()
    staff = []
    for number, (hired_on, _, category, left_on) in enumerate(drafts, start=1):
        cert_no, valid_until = certificate(rng, category, enterprise.quality, plan.division, period)
        work_type = rng.choice(SPECIAL_WORK_TYPES) if category == "特种作业人员" else (
            rng.choice(OTHER_WORK_TYPES) if category == "其他从业人员" else None)
        staff.append(Person(
            f"{plan.style.person_id_prefix}{number:04d}", unique_name(rng, used), category, work_type,
            cert_no, valid_until, hired_on, left_on,
            never_trained=chance(rng, (1 - enterprise.quality) * 0.2)))
    return staff


# ---------------------------------------------------------------- supervisors

def dispatch_unit(rng: random.Random, district: str) -> str:
    return weighted(rng, ((f"{district}应急管理局", 45), (f"{district}化工专项行动办公室", 35),
                          (rng.choice(THIRD_PARTY_UNITS), 20)))


def diligence(rng: random.Random, quality: float) -> float:
    if chance(rng, 0.05):
        return rng.uniform(0.7, 0.85)
    return min(0.998, rng.gauss(0.975 - (1 - quality) * 0.5, 0.015))


def make_stints(rng: random.Random, enterprise: Enterprise, plan: DistrictPlan, world: World) -> list[Stint]:
    """Supervisors back in time from today's: most rotate every six months, some overstay."""
    period = world.period
    r = rng.random()
    if r < 0.68:
        start = period.end - timedelta(days=rng.randint(92, 182))
    elif r < 0.8:  # rotated in the middle of the last quarter
        start = period.end - timedelta(days=rng.randint(5, 88))
    elif r < 0.95:
        start = period.end - timedelta(days=rng.randint(183, 365))
    else:
        start = period.end - timedelta(days=rng.randint(366, 700))
    end = enterprise.active_until
    stints = []
    while True:
        stints.insert(0, Stint(unique_name(rng, world.supervisor_names), dispatch_unit(rng, plan.name),
                               start, end, diligence(rng, enterprise.quality)))
        if start <= period.start:
            return stints
        end = start - timedelta(days=1)
        start = end - timedelta(days=rng.randint(150, 200))


# ---------------------------------------------------------------- records

@dataclass
class Records:
    training: list[dict] = field(default_factory=list)
    drills: list[dict] = field(default_factory=list)
    hazards: list[tuple[Enterprise, Hazard]] = field(default_factory=list)
    logs: list[dict] = field(default_factory=list)
    checklists: list[dict] = field(default_factory=list)


def session_dates(rng: random.Random, first: date, last: date, spacing: tuple[int, int]) -> list[date]:
    """Dates at most spacing[1] days apart, so every 12-month window holds one."""
    days, day = [], first + timedelta(days=rng.randint(5, 100))
    while day <= last:
        days.append(next_weekday(day))
        day += timedelta(days=rng.randint(*spacing))
    return [d for d in days if d <= last]


def training_row(enterprise: Enterprise, person: Person, course: str, day: date, hours: float, score: int) -> dict:
    return {"enterprise": enterprise, "person_id": person.person_id, "person_name": person.name,
            "course": course, "trained_on": day, "hours": hours, "score": score,
            "result": "合格" if score >= 60 else "不合格"}


def exam_score(rng: random.Random, fail_rate: float) -> int:
    if chance(rng, fail_rate):
        return rng.randint(35, 59)
    return min(100, max(60, round(rng.gauss(86, 7))))


def make_training(rng: random.Random, enterprise: Enterprise, period: Period) -> list[dict]:
    rows = []
    last = min(period.end, enterprise.active_until)
    fail_rate = 0.01 + (1 - enterprise.quality) * 0.12
    attendance = 0.985 - (1 - enterprise.quality) * 0.1
    for day in session_dates(rng, period.lookback_start, last, (300, 360)):
        course = f"{day.year}年度全员安全教育培训"
        for person in enterprise.staff:
            if person.never_trained or not person.on_duty(day) or not chance(rng, attendance):
                continue
            score = exam_score(rng, fail_rate)
            rows.append(training_row(enterprise, person, course, day, 8, score))
            retake = next_weekday(day + timedelta(days=rng.randint(10, 30)))
            if score < 60 and chance(rng, 0.75) and retake <= last:
                rows.append(training_row(enterprise, person, f"{course}（补考）", retake, 2, exam_score(rng, 0)))
    key_people = [p for p in enterprise.staff if p.category in ("主要负责人", "安全总监", "安全管理人员")]
    for day in session_dates(rng, period.lookback_start, last, (330, 360)):
        for person in key_people:
            if person.on_duty(day) and not person.never_trained:
                rows.append(training_row(enterprise, person, "主要负责人和安全管理人员年度再培训", day, 16,
                                         exam_score(rng, fail_rate / 2)))
    for person in enterprise.staff:
        start = next_weekday(person.hired_on + timedelta(days=rng.randint(0, 5)))
        if person.hired_on >= period.lookback_start and start <= last and not person.never_trained:
            rows.append(training_row(enterprise, person, "新员工三级安全教育", start, 24, exam_score(rng, 0.01)))
    rows.sort(key=lambda row: (row["trained_on"], row["person_id"]))
    return rows


def make_drills(rng: random.Random, enterprise: Enterprise, period: Period) -> list[dict]:
    rows = []
    full_turnout = 0.6 + (enterprise.quality - 0.85) * 2
    for day in session_dates(rng, period.lookback_start, min(period.end, enterprise.active_until), (120, 200)):
        present = enterprise.on_duty(day)
        drill_type = weighted(rng, zip(DRILL_TYPES, (25, 35, 30, 10)))
        if drill_type == "综合演练":
            expected = len(present)
        elif drill_type == "桌面推演":
            expected = sum(p.category != "其他从业人员" and p.category != "特种作业人员" for p in present) + 2
        else:
            expected = max(4, round(len(present) * rng.uniform(0.2, 0.5)))
        r = rng.random()
        if r < full_turnout:
            actual = expected
        elif r < 0.95:
            actual = expected - rng.randint(1, max(1, expected // 12))
        else:
            actual = int(expected * rng.uniform(0.6, 0.85))
        rows.append({"enterprise": enterprise, "drill_date": day, "drill_type": drill_type,
                     "drill_name": f"{day.year}年{rng.choice(DRILL_TOPICS)}{drill_type}",
                     "expected": expected, "actual": actual})
    return rows


def stint_on(enterprise: Enterprise, day: date) -> Stint:
    for stint in enterprise.stints:
        if stint.start <= day <= stint.end:
            return stint
    return enterprise.stints[0]


def make_hazard(rng: random.Random, enterprise: Enterprise, plan: DistrictPlan, found_on: date,
                hazard_id: str) -> Hazard:
    major = chance(rng, 0.02)
    if major:
        description, measure = rng.choice(MAJOR_HAZARD_TEXTS)
        category = "设备设施" if "装置" in description or "系统" in description else "现场作业"
        deadline = found_on + timedelta(days=rng.randint(30, 90))
    else:
        category = weighted(rng, HAZARD_CATEGORY_WEIGHTS.items())
        description, measure = rng.choice(HAZARD_TEXTS[category])
        deadline = found_on + timedelta(days=rng.choice((3, 5, 7, 7, 10, 15, 15, 20, 30)))
    r = rng.random()
    on_time = 0.9 + (enterprise.quality - 0.9) * 0.8
    if r < on_time:  # most are put right well before the deadline
        rectified = found_on + timedelta(days=int((deadline - found_on).days * rng.random() ** 2))
    elif r < on_time + 0.07:
        rectified = deadline + timedelta(days=rng.randint(1, 40))
    else:
        rectified = None
    closed = rectified + timedelta(days=rng.randint(0, 20)) if rectified else None
    managers = [p.name for p in enterprise.staff if p.category in ("安全管理人员", "安全总监")] or [enterprise.staff[0].name]
    reported = None
    if major and chance(rng, enterprise.quality - 0.05):
        reported = found_on + timedelta(days=rng.randint(0, 2))
    return Hazard(
        hazard_id, found_on, weighted(rng, INSPECTION_METHODS), category, "重大隐患" if major else "一般隐患",
        description, measure, rng.choice(managers), deadline, rectified, closed,
        stint_on(enterprise, closed).supervisor if closed else None,
        reported, f"{plan.name}应急管理局" if major else None, chance(rng, 0.6))


def make_hazards(rng: random.Random, plan: DistrictPlan, period: Period) -> list[tuple[Enterprise, Hazard]]:
    found = []
    for enterprise in plan.enterprises:
        mean = 1.5 + len(enterprise.on_duty(period.end)) / 60
        for quarter in period.quarters:
            last = min(quarter.end, enterprise.active_until)
            if quarter.start > last:
                continue
            for _ in range(poisson(rng, mean)):
                found.append((random_workday(rng, quarter.start, last), enterprise.position, enterprise))
    found.sort(key=lambda item: (item[0], item[1]))
    hazards, sequence = [], {}
    for found_on, _, enterprise in found:
        sequence[found_on.year] = sequence.get(found_on.year, 0) + 1
        hazard_id = f"YH{plan.division}{found_on.year}{sequence[found_on.year]:04d}"
        hazards.append((enterprise, make_hazard(rng, enterprise, plan, found_on, hazard_id)))
    return hazards


def workdays(period: Period) -> list[date]:
    days = [period.start + timedelta(days=i) for i in range((period.end - period.start).days + 1)]
    return [d for d in days if d.weekday() < 5]


def make_logs(rng: random.Random, enterprise: Enterprise, period: Period, days: list[date]) -> list[dict]:
    rows = []
    onsite_rate = 0.97 - (1 - enterprise.quality) * 0.6
    for stint in enterprise.stints:
        first = bisect.bisect_left(days, max(stint.start, period.start))
        last = bisect.bisect_right(days, min(stint.end, enterprise.active_until, period.end))
        for day in days[first:last]:
            if rng.random() >= stint.diligence:
                continue
            idle = enterprise.idle_from is not None and day >= enterprise.idle_from
            row = {"log_date": day, "supervisor": stint.supervisor, "enterprise": enterprise,
                   "content": rng.choice(LOG_CONTENTS), "issues_found": poisson(rng, 0.3),
                   "special_op_type": None, "special_ops": 0, "onsite": 0}
            if rng.random() < (0.03 if idle else 0.3):
                count = rng.choice((1, 1, 1, 2, 2, 3))
                row.update(special_op_type=weighted(rng, SPECIAL_OP_WEIGHTS), special_ops=count,
                           onsite=count if rng.random() < onsite_rate else count - 1)
            rows.append(row)
    return rows


def make_checklists(rng: random.Random, enterprise: Enterprise, period: Period) -> list[dict]:
    rows = []
    for quarter in period.quarters:
        if quarter.start > enterprise.active_until:
            continue
        late = 0.03 if quarter == period.quarters[-1] else 0.0
        if chance(rng, (1 - enterprise.quality) * 0.25 + late):
            continue
        shortfall = (1 - enterprise.quality) * 0.5
        has_director = any(p.category == "安全总监" and p.on_duty(quarter.end) for p in enterprise.staff)
        required = enterprise.rules_required
        built = required if chance(rng, 1 - (1 - enterprise.quality) * 1.2) else required - rng.randint(1, 3)
        due = poisson(rng, 1.2)
        paid = due if due == 0 or chance(rng, 0.9) else due - 1
        rows.append({"enterprise": enterprise, "quarter": quarter,
                     "responsibility": not chance(rng, shortfall), "org_sound": not chance(rng, shortfall),
                     "director": has_director and chance(rng, 0.99),
                     "rules_required": required, "rules_built": built, "rewards_due": due, "rewards_paid": paid})
    return rows


def make_records(rng: random.Random, plan: DistrictPlan, period: Period, days: list[date]) -> Records:
    records = Records()
    for enterprise in plan.enterprises:
        records.training += make_training(rng, enterprise, period)
        records.drills += make_drills(rng, enterprise, period)
        records.logs += make_logs(rng, enterprise, period, days)
        records.checklists += make_checklists(rng, enterprise, period)
    records.hazards = make_hazards(rng, plan, period)
    return records


# ---------------------------------------------------------------- rendering

@dataclass
class Sheet:
    name: str
    header: list[str]
    rows: list[list]
    above: list[list] = field(default_factory=list)  # title rows (and blank rows) above the header
    below: list[list] = field(default_factory=list)  # trailing 合计/备注/填表说明 rows

    def all_rows(self) -> list[list]:
        return [*self.above, self.header, *self.rows, *self.below]


@dataclass
class OutFile:
    name: str
    sheets: list[Sheet]
    encoding: str | None = None  # set for a CSV


def header_cell(column: Column, style: Style) -> str:
    label = column.aliases[0] if style.header_aliases and column.aliases else column.label
    if style.units and column.key in HEADER_UNITS:
        label += HEADER_UNITS[column.key]
    if style.line_breaks and len(label) >= 6:
        label = label[:len(label) // 2] + "\n" + label[len(label) // 2:]
    if style.spaced_headers and len(label) == 2:
        label = label[0] + " " + label[1]
    return f"*{label}" if style.stars and column.required else label


def header_row(template: Template, keys: list[str], style: Style) -> list[str]:
    cells = [header_cell(template.column(key), style) for key in keys]
    return ["序号", *cells, "备注"] if style.extra_columns else cells


class Renderer:
    """Turns record values into the cells one office writes."""

    def __init__(self, style: Style, date_form: str, exact_names: bool = False):
        self.style, self.date_form, self.exact_names = style, date_form, exact_names

    def number(self, value: int | float):
        if value is None:
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if self.style.fullwidth_digits:
            return str(value).translate(FULLWIDTH_DIGITS)
        return str(value) if self.style.numbers_as_text else value

    def day(self, value: date | str | None):
        if value is None or isinstance(value, str):  # a string is a date typed by hand, kept as typed
            return value
        return value if self.date_form == "excel" else format_date(value, self.date_form)

    def yes_no(self, key: str, value: bool) -> str:
        words = MIXED_YES_NO[key] if self.style.yes_no == "mixed" else YES_NO_WORDS[self.style.yes_no]
        return words[0] if value else words[1]

    def enterprise_name(self, enterprise: Enterprise) -> str:
        name = enterprise.name
        if self.exact_names:
            return name
        if enterprise.position % 2 and self.style.name_variant == "spaces":
            return spaced(name)
        if self.style.name_variant == "brackets":
            return other_brackets(name)
        return name

    def category(self, value: str) -> str:
        return self.style.other_staff_word if value == "其他从业人员" else value

    def quarter(self, value: Quarter) -> str:
        return format_quarter(value, self.style.quarter_form)

    def value_converter(self, template: Template, key: str):
        """How one column's value is written (None when it is written as is)."""
        kind = template.column(key).kind
        if kind == "date":
            return self.day
        if kind in ("int", "number"):
            return self.number
        if kind == "yesno":
            return lambda value: self.yes_no(key, value)
        if kind == "quarter":
            return self.quarter
        if key == "category":
            return self.category
        return None

    def cell_writer(self, template: Template, key: str):
        """A function from a record to the cell of column `key`."""
        if key == "enterprise_name":
            return lambda record: self.enterprise_name(record["enterprise"])
        if key == "credit_code":
            return lambda record: record["enterprise"].credit_code
        convert = self.value_converter(template, key)
        if convert is None:
            return lambda record: record.get(key)
        return lambda record: None if (value := record.get(key)) is None else convert(value)

    def rows(self, template: Template, keys: list[str], records: list[dict]) -> list[list]:
        writers = [self.cell_writer(template, key) for key in keys]
        rows = [[write(record) for write in writers] for record in records]
        if self.style.extra_columns:
            rows = [[number, *row, None] for number, row in enumerate(rows, start=1)]
        return rows


def title_rows(title: str, plan: DistrictPlan, filed_on: date) -> list[list]:
    rows = [[title], [f"填报单位：{plan.written_name}  填报日期：{chinese_date(filed_on)}"]]
    return rows + [[]] if plan.style.blank_row_after_title else rows


def table(template: Template, keys: list[str], records: list[dict], plan: DistrictPlan, name: str,
          csv: bool = False, exact_names: bool = False) -> Sheet:
    style = plan.style
    renderer = Renderer(style, style.csv_date_form if csv else style.date_form, exact_names)
    return Sheet(name, header_row(template, keys, style), renderer.rows(template, keys, records))


def enterprise_keys(by_code: bool = False, both: bool = False) -> list[str]:
    if both:
        return ["enterprise_name", "credit_code"]
    return ["credit_code"] if by_code else ["enterprise_name"]


# ---------------------------------------------------------------- the files of one district

def roster_file(rng: random.Random, plan: DistrictPlan, period: Period) -> OutFile:
    style = plan.style
    records = []
    for enterprise in plan.enterprises:
        stint = enterprise.stints[-1]
        status = enterprise.status
        if status == "正常生产" and style.blank_status_when_normal:
            status = None
        records.append({"enterprise": enterprise, "district": plan.written_name, "industry": enterprise.industry,
                        "employees": len(enterprise.on_duty(period.end)), "supervisor": stint.supervisor,
                        "dispatch_unit": stint.dispatch_unit, "stationed_on": stint.start, "status": status})
    if plan.position == 2:
        records.append(bad_roster_row(rng, plan, period))
    keys = ["enterprise_name", "credit_code", "district", "industry", "employees", "supervisor",
            "dispatch_unit", "stationed_on", "status"]
    sheet = table(ENTERPRISES, keys, records, plan, "企业名册", exact_names=True)
    filed_on = period.end + timedelta(days=rng.randint(3, 10))
    sheet.above = title_rows(f"{plan.written_name}非危险化学品化工生产企业名册", plan, filed_on)
    if plan.position % 2 == 0:
        sheet.below = [[], ["填表说明：企业状态填写 正常生产、停产 或 关闭；进驻日期为现任驻点监督人员进驻企业的日期。"]]
    sheets = [sheet]
    if style.instructions_sheet:
        sheets.insert(0, Sheet("说明", ["填报说明"], [
            ["1. 本表由区市化工专项行动办公室每季度报送一次。"],
            ["2. 企业名称须与营业执照一致，统一社会信用代码为 18 位。"],
            ["3. 驻点监督人员轮换后，请同步更新驻点监督人员、派出单位和进驻日期。"],
        ]))
    q = period.quarters[-1]
    return OutFile(f"{plan.name}_企业名册_{q.label}.xlsx", sheets)


def bad_roster_row(rng: random.Random, plan: DistrictPlan, period: Period) -> dict:
    """A new enterprise whose credit code was mistyped (wrong check character)."""
    name, industry = company_name(rng, plan.name, False)
    enterprise = Enterprise(name + "（筹）", corrupt_check_character(make_credit_code(rng, plan.division)),
                            plan.name, industry, 1.0)
    return {"enterprise": enterprise, "district": plan.written_name, "industry": industry, "employees": 15,
            "supervisor": None, "dispatch_unit": None, "stationed_on": None, "status": "正常生产"}


def staff_file(rng: random.Random, plan: DistrictPlan, period: Period) -> OutFile:
    style = plan.style
    records = [{"enterprise": e, "person_id": p.person_id, "person_name": p.name, "category": p.category,
                "work_type": p.work_type, "cert_no": p.cert_no, "cert_valid_until": p.cert_valid_until,
                "hired_on": p.hired_on, "left_on": p.left_on}
               for e in plan.enterprises for p in e.staff]
    if plan.position == 5:
        enterprise = plan.enterprises[-1]
        records.append({"enterprise": enterprise, "person_id": f"{style.person_id_prefix}9001",
                        "person_name": "临时工甲", "category": "临时工", "work_type": None, "cert_no": None,
                        "cert_valid_until": None, "hired_on": period.end - timedelta(days=20), "left_on": None})
    keys = enterprise_keys(by_code=style.refer_by_code, both=not style.refer_by_code and plan.position % 3 == 0)
    keys += ["person_id", "person_name", "category", "work_type", "cert_no", "cert_valid_until", "hired_on", "left_on"]
    sheet = table(STAFF, keys, records, plan, "人员台账")
    sheet.above = [[f"{plan.written_name}非危化品化工企业从业人员及持证情况台账"]]
    return OutFile(f"{plan.name}_人员台账_{period.quarters[-1].label}.xlsx", [sheet])


def training_file(plan: DistrictPlan, period: Period, records: list[dict]) -> OutFile:
    style = plan.style
    records = list(records)
    if plan.position == 1:
        bad = dict(records[len(records) // 2])
        bad["trained_on"] = f"{period.end.year}-02-30"  # typed by hand: a day that does not exist
        records.insert(len(records) // 2, bad)
    keys = enterprise_keys(both=plan.position in (0, 7))
    if style.training_by_name:
        keys += ["person_name", "course", "trained_on", "hours", "score"]
    else:
        keys += ["person_id", "person_name", "course", "trained_on", "hours", "score", "result"]
    as_csv = style.training_csv is not None
    sheet = table(TRAINING, keys, records, plan, "培训记录", csv=as_csv)
    suffix = "csv" if as_csv else "xlsx"
    return OutFile(f"{plan.name}_安全教育培训记录_{period.label}.{suffix}", [sheet], style.training_csv)


def drills_file(plan: DistrictPlan, period: Period, records: list[dict]) -> OutFile:
    records = list(records)
    if plan.position == 3:
        bad = dict(records[-1])
        bad["actual"] = bad["expected"] + 3
        records.append(bad)
    if plan.position == 5:
        stranger = Enterprise(NOT_ON_ROSTER_NAME, "", plan.name, "", 1.0)
        records.append({**records[-1], "enterprise": stranger, "drill_name": "火灾爆炸事故综合演练"})
    keys = ["enterprise_name", "drill_date", "drill_name", "drill_type", "expected", "actual"]
    sheet = table(DRILLS, keys, records, plan, "演练记录")
    if plan.position in (2, 5):
        total = [None] * len(sheet.header)
        total[0] = "合计"
        offset = 1 if plan.style.extra_columns else 0
        total[offset + 4] = sum(r["expected"] for r in records)
        total[offset + 5] = sum(r["actual"] for r in records)
        sheet.below = [total]
    return OutFile(f"{plan.name}_应急演练记录_{period.label}.xlsx", [sheet])


def hazard_record(enterprise: Enterprise, hazard: Hazard, plan: DistrictPlan, as_of: date) -> dict:
    rectified = hazard.rectified_on if hazard.rectified_on and hazard.rectified_on <= as_of else None
    closed = hazard.closed_on if hazard.closed_on and hazard.closed_on <= as_of else None
    if closed:
        status = "已销号"
    elif rectified:
        status = "已整改"
    else:
        status = "整改中" if hazard.in_progress else "未整改"
    level = hazard.level[:2] if plan.position == 2 else hazard.level
    return {"enterprise": enterprise, "hazard_id": hazard.hazard_id, "district": plan.written_name,
            "found_on": hazard.found_on, "method": hazard.method, "category": hazard.category, "level": level,
            "description": hazard.description, "measure": hazard.measure, "owner": hazard.owner,
            "deadline": hazard.deadline, "rectified_on": rectified, "status": status, "closed_on": closed,
            "acceptor": hazard.acceptor if closed else None,
            "reported_on": hazard.reported_on if hazard.reported_on and hazard.reported_on <= as_of else None,
            "transferred_to": hazard.transferred_to}


def ledger_snapshot(plan: DistrictPlan, hazards: list[tuple[Enterprise, Hazard]], quarter: Quarter) -> list[dict]:
    """Hazards found this quarter, and earlier ones not yet 销号 at the previous quarter's end."""
    previous_end = quarter.start - timedelta(days=1)
    rows = []
    for enterprise, hazard in hazards:
        found_now = quarter.start <= hazard.found_on <= quarter.end
        still_open = hazard.found_on < quarter.start and (hazard.closed_on is None or hazard.closed_on > previous_end)
        if found_now or still_open:
            rows.append(hazard_record(enterprise, hazard, plan, quarter.end))
    return rows


def planted_hazards(plan: DistrictPlan, quarter: Quarter) -> list[dict]:
    if plan.position not in (0, 4, 7):
        return []
    enterprise = plan.enterprises[1]
    found_on = next_weekday(quarter.end - timedelta(days=20))
    record = {"enterprise": enterprise, "hazard_id": f"YH{plan.division}{quarter.year}9901",
              "district": plan.written_name, "found_on": found_on, "method": "驻点检查", "category": "现场作业",
              "level": "一般隐患", "description": "作业人员未按规定佩戴防护用品", "measure": "现场纠正并开展教育",
              "owner": enterprise.staff[0].name, "deadline": found_on + timedelta(days=7), "rectified_on": None,
              "status": "整改中", "closed_on": None, "acceptor": None, "reported_on": None, "transferred_to": None}
    if plan.position == 0:
        record["district"] = "张村镇"  # a town of 环翠区, not a district
    elif plan.position == 4:
        record["deadline"] = found_on - timedelta(days=10)
    else:
        record["category"] = "消防安全"
    return [record]


def hazard_files(rng: random.Random, plan: DistrictPlan, period: Period,
                 hazards: list[tuple[Enterprise, Hazard]]) -> list[OutFile]:
    keys = ["hazard_id", "enterprise_name", "credit_code", "district", "found_on", "method", "category", "level",
            "description", "measure", "owner", "deadline", "rectified_on", "status", "closed_on", "acceptor",
            "reported_on", "transferred_to"]
    files = []
    for quarter in period.quarters:
        records = ledger_snapshot(plan, hazards, quarter)
        if quarter == period.quarters[-1]:
            records += planted_hazards(plan, quarter)
        sheet = table(HAZARDS, keys, records, plan, f"{quarter.year}年{CHINESE_QUARTERS[quarter.q - 1]}季度")
        sheet.above = title_rows(LEDGER_TITLE, plan, quarter.end + timedelta(days=rng.randint(3, 12)))
        if plan.position % 2:
            sheet.below = [[], [f"备注：本台账为截至{chinese_date(quarter.end)}的隐患排查整改情况，已销号隐患次季度不再列出。"]]
        files.append(OutFile(f"{plan.name}_隐患台账_{quarter.label}.xlsx", [sheet]))
    return files


def logs_file(plan: DistrictPlan, period: Period, records: list[dict]) -> OutFile:
    style = plan.style
    records = list(records)
    if plan.position == 6:
        bad = next(r for r in records if r["special_ops"] > 0)
        records.insert(records.index(bad) + 1, {**bad, "onsite": bad["special_ops"] + 1,
                                                 "content": "检查动火作业票证办理及现场防护措施落实情况"})
    keys = ["log_date", "supervisor", *enterprise_keys(by_code=style.refer_by_code),
            "content", "issues_found", "special_op_type", "special_ops", "onsite"]
    sheet = table(WORK_LOGS, keys, records, plan, "驻点工作日志", csv=True)
    if style.log_encoding == "gbk":
        sheet.above = [[f"{plan.written_name}驻点监督人员工作日志（{period.label}）"]]
    return OutFile(f"{plan.name}_驻点工作日志_{period.label}.csv", [sheet], style.log_encoding)


def checklists_file(plan: DistrictPlan, period: Period, records: list[dict]) -> OutFile:
    style = plan.style
    records = list(records)
    if plan.position == 2:
        bad = dict(records[-1])
        bad["rules_built"] = bad["rules_required"] + 2
        records[-1] = bad
    keys = [*enterprise_keys(both=True), "quarter", "responsibility", "org_sound", "director",
            "rules_required", "rules_built", "rewards_due", "rewards_paid"]
    if style.checklists_by_year:
        years = sorted({r["quarter"].year for r in records})
        sheets = [table(CHECKLISTS, keys, [r for r in records if r["quarter"].year == year], plan, f"{year}年")
                  for year in years]
    else:
        sheets = [table(CHECKLISTS, keys, records, plan, "季度检查表")]
    for sheet in sheets:
        sheet.above = [["非危险化学品化工生产企业季度检查汇总表"]]
    return OutFile(f"{plan.name}_季度检查表_{period.label}.xlsx", sheets)


def district_files(rng: random.Random, plan: DistrictPlan, period: Period, records: Records) -> list[OutFile]:
    return [
        roster_file(rng, plan, period),
        staff_file(rng, plan, period),
        training_file(plan, period, records.training),
        drills_file(plan, period, records.drills),
        *hazard_files(rng, plan, period, records.hazards),
        logs_file(plan, period, records.logs),
        checklists_file(plan, period, records.checklists),
    ]


# ---------------------------------------------------------------- writing

def write_xlsx(path: Path, sheets: list[Sheet]) -> None:
    workbook = Workbook(write_only=True)
    for sheet in sheets:
        worksheet = workbook.create_sheet(sheet.name)
        for row in sheet.all_rows():
            worksheet.append(row)
    save_workbook(workbook, path)


def write_csv(path: Path, sheet: Sheet, encoding: str) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in sheet.all_rows():
        writer.writerow(["" if cell is None else cell.isoformat() if isinstance(cell, date) else cell
                         for cell in row])
    path.write_bytes(buffer.getvalue().encode(encoding))


def write_file(out_dir: Path, out_file: OutFile) -> Path:
    path = out_dir / out_file.name
    if out_file.encoding:
        write_csv(path, out_file.sheets[0], out_file.encoding)
    else:
        write_xlsx(path, out_file.sheets)
    return path


def generate(out_dir: str | Path, *, scale: int = 1, seed: int = 20261, end_quarter: str | None = None) -> list[Path]:
    """Write a demo set for every configured district into out_dir; returns the paths written.

    About 300 enterprises per unit of scale, eight quarters ending with end_quarter
    (default: the latest complete quarter before today).
    """
    if scale < 1:
        raise ValueError("规模（scale）须为不小于 1 的整数。")
    period = make_period(end_quarter)
    rng = random.Random(seed)
    world = build_world(rng, scale, period)
    days = workdays(period)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for plan in world.plans:
        records = make_records(rng, plan, period, days)
        for out_file in district_files(rng, plan, period, records):
            paths.append(write_file(out, out_file))
    return sorted(paths)
