"""The hazards found at each enterprise, and how (and whether) each was put right, reported and closed."""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from demo.span import DemoSpan, chance, poisson, random_workday, weighted
from demo.world import DistrictPlan, Enterprise, stint_on

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
# Problems outside the industry department's remit, handed over (移交) to the body that has it:
# description -> (that body, given the district; chance a supervisor hands it over).
TRANSFERS = {
    "厂区消防通道被车辆占用": ("{district}消防救援大队", 0.4),
    "甲类车间与办公区防火间距不足": ("{district}消防救援大队", 0.6),
    "反应釜压力表超过检定有效期": ("{district}市场监督管理局", 0.12),
    "安全阀未按期校验": ("{district}市场监督管理局", 0.12),
}
REPORT_UNITS = (("{district}应急管理局", 70), ("{district}应急管理局执法大队", 20), ("威海市应急管理局", 10))


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
    report_unit: str | None = None  # 上报单位 of a reported major hazard
    enforcement_case: str | None = None  # 执法立案情况
    enforcement_on: date | None = None  # when the case was opened (the ledger shows it from then on)
    transferred_on: date | None = None
    transfer_closed_on: date | None = None  # the receiving body's reply
    supervision_level: str | None = None  # 督办级别
    supervised_on: date | None = None  # when it was put under 挂牌督办


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
    managers = ([p.name for p in enterprise.staff if p.category in ("安全管理人员", "安全总监")]
                or [enterprise.staff[0].name])
    reported = None
    if major and chance(rng, enterprise.quality - 0.05):
        reported = found_on + timedelta(days=rng.randint(0, 2))
    return Hazard(
        hazard_id, found_on, weighted(rng, INSPECTION_METHODS), category, "重大隐患" if major else "一般隐患",
        description, measure, rng.choice(managers), deadline, rectified, closed,
        stint_on(enterprise, closed).supervisor if closed else None,
        reported, None, chance(rng, 0.6))


def direct_loop(rng: random.Random, hazard: Hazard, quality: float, district: str) -> None:
    """The 直通车 of one hazard: report and enforcement of a major one, 移交 of one outside the remit."""
    if hazard.level == "重大隐患":
        report_major(rng, hazard, quality, district)
    else:
        if hazard.method == "执法检查" and chance(rng, 0.25):
            hazard.enforcement_case = f"已下达责令限期整改指令书（{case_number(rng, district, '责改', hazard.found_on)}）"
            hazard.enforcement_on = hazard.found_on
        # A district puts a few long-overdue ordinary hazards under its own 挂牌督办.
        supervised_on = hazard.deadline + timedelta(days=rng.randint(30, 45))
        if (hazard.rectified_on is None or hazard.rectified_on > supervised_on) and chance(rng, 0.15):
            hazard.supervised_on, hazard.supervision_level = supervised_on, "区市级挂牌督办"
    if hazard.description in TRANSFERS:
        transfer(rng, hazard, quality, district)


def case_number(rng: random.Random, district: str, kind: str, day: date) -> str:
    """An enforcement document number as the district writes it: 威文应急责改〔2026〕017号."""
    return f"威{district[0]}应急{kind}〔{day.year}〕{rng.randint(1, 160):03d}号"


def report_major(rng: random.Random, hazard: Hazard, quality: float, district: str) -> None:
    """直通车: most major hazards reported within a day, some days late, a few never; cases; 挂牌督办.

    Half the reports missing from `make_hazard`'s draw are made after all, and half its reports two
    days after finding are made within a day, the rest two to five days late.
    """
    if hazard.reported_on is None:
        if chance(rng, 0.5):
            hazard.reported_on = hazard.found_on + timedelta(days=rng.choice((0, 0, 1)))
    elif hazard.reported_on - hazard.found_on > timedelta(days=1):
        days = rng.choice((0, 1)) if chance(rng, 0.55) else rng.randint(2, 5)
        hazard.reported_on = hazard.found_on + timedelta(days=days)
    if hazard.reported_on is not None:
        hazard.report_unit = weighted(rng, REPORT_UNITS).format(district=district)
        r = rng.random()
        if r < 0.45:
            hazard.enforcement_on = hazard.reported_on + timedelta(days=rng.randint(2, 20))
            hazard.enforcement_case = f"已立案（{case_number(rng, district, '立', hazard.enforcement_on)}）"
        elif r < 0.7:
            hazard.enforcement_on = hazard.reported_on + timedelta(days=rng.randint(1, 10))
            hazard.enforcement_case = f"已下达责令限期整改指令书（{case_number(rng, district, '责改', hazard.enforcement_on)}）"
    overdue = hazard.rectified_on is None or hazard.rectified_on > hazard.deadline
    if overdue and chance(rng, 0.8):
        hazard.supervised_on = hazard.deadline + timedelta(days=rng.randint(5, 25))
        if hazard.rectified_on is None or hazard.rectified_on > hazard.supervised_on:
            hazard.supervision_level = weighted(rng, (("区市级挂牌督办", 70), ("市级挂牌督办", 30)))


def transfer(rng: random.Random, hazard: Hazard, quality: float, district: str) -> None:
    """直通车: a problem outside the remit handed over; the reply comes once it is put right, or never."""
    body, share = TRANSFERS[hazard.description]
    if not chance(rng, share):
        return
    hazard.transferred_to = body.format(district=district)
    hazard.transferred_on = hazard.found_on + timedelta(days=rng.choice((0, 1, 1, 2, 3, 5, 7)))
    if hazard.rectified_on is not None and not chance(rng, 0.05 + (1 - quality) * 0.5):
        hazard.transfer_closed_on = max(hazard.rectified_on, hazard.transferred_on) + timedelta(days=rng.randint(0, 15))


def make_hazards(rng: random.Random, side: random.Random, plan: DistrictPlan,
                 span: DemoSpan) -> list[tuple[Enterprise, Hazard]]:
    """The hazards of a district, drawn from `rng`; their 直通车 from `side`."""
    found = []
    for enterprise in plan.enterprises:
        mean = 1.5 + len(enterprise.on_duty(span.end)) / 60
        for quarter in span.quarters:
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
    for enterprise, hazard in hazards:
        direct_loop(side, hazard, enterprise.quality, plan.name)
    return hazards
