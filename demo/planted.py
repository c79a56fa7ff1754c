"""The bad rows planted in a demo set: one of each kind a district clerk would recognise.

Each kind goes into one district's file, chosen by the district's position in the
district list (so by its house style); `PLANTS` is the one list of them, and the
loader must quarantine exactly these rows.
"""
from __future__ import annotations

import random
from datetime import timedelta
from typing import NamedTuple

from core.quarters import Quarter
from demo.names import NOT_ON_ROSTER_NAME, company_name, corrupt_check_character, make_credit_code
from demo.span import DemoSpan, next_weekday
from demo.world import DistrictPlan, Enterprise


class Plant(NamedTuple):
    template: str
    position: int  # of the district (and so of its house style) whose file carries it
    problem: str


PLANTS = {
    "bad_check_character": Plant("企业名册", 2, "统一社会信用代码校验位错误"),
    "unknown_category": Plant("人员台账", 5, "岗位类别不是允许的取值（临时工）"),
    "impossible_date": Plant("培训记录", 1, "培训日期不存在（2 月 30 日）"),
    "more_present_than_expected": Plant("演练记录", 3, "实际参加人数多于应参加人数"),
    "not_on_roster": Plant("演练记录", 5, "企业不在企业名册中"),
    "unknown_district": Plant("隐患台账", 0, "所属区市无法识别（张村镇）"),
    "deadline_before_found": Plant("隐患台账", 4, "整改期限早于发现日期"),
    "unknown_hazard_category": Plant("隐患台账", 7, "隐患类别不是允许的取值（消防安全）"),
    "more_onsite_than_operations": Plant("驻点工作日志", 6, "现场监督数多于特殊作业数"),
    "more_rules_built_than_required": Plant("季度检查表", 2, "已建规章制度数多于应建数"),
}
PLANTED_PROBLEMS = tuple(PLANTS.values())


def plants(plan: DistrictPlan, kind: str) -> bool:
    return plan.position == PLANTS[kind].position


def with_planted_roster(rng: random.Random, plan: DistrictPlan, records: list[dict]) -> list[dict]:
    """A new enterprise whose credit code was mistyped (wrong check character)."""
    if not plants(plan, "bad_check_character"):
        return records
    name, industry = company_name(rng, plan.name, False)
    enterprise = Enterprise(name + "（筹）", corrupt_check_character(make_credit_code(rng, plan.division)),
                            plan.name, industry, 1.0)
    return [*records, {"enterprise": enterprise, "district": plan.written_name, "industry": industry,
                       "employees": 15, "supervisor": None, "dispatch_unit": None, "stationed_on": None,
                       "status": "正常生产"}]


def with_planted_staff(plan: DistrictPlan, span: DemoSpan, records: list[dict]) -> list[dict]:
    if not plants(plan, "unknown_category"):
        return records
    return [*records, {"enterprise": plan.enterprises[-1], "person_id": f"{plan.style.person_id_prefix}9001",
                       "person_name": "临时工甲", "category": "临时工", "work_type": None, "cert_no": None,
                       "cert_valid_until": None, "hired_on": span.end - timedelta(days=20), "left_on": None}]


def with_planted_training(plan: DistrictPlan, span: DemoSpan, records: list[dict]) -> list[dict]:
    records = list(records)
    if plants(plan, "impossible_date"):
        bad = dict(records[len(records) // 2])
        bad["trained_on"] = f"{span.end.year}-02-30"  # typed by hand: a day that does not exist
        records.insert(len(records) // 2, bad)
    return records


def with_planted_drills(plan: DistrictPlan, records: list[dict]) -> list[dict]:
    records = list(records)
    if plants(plan, "more_present_than_expected"):
        bad = dict(records[-1])
        bad["actual"] = bad["expected"] + 3
        records.append(bad)
    if plants(plan, "not_on_roster"):
        stranger = Enterprise(NOT_ON_ROSTER_NAME, "", plan.name, "", 1.0)
        records.append({**records[-1], "enterprise": stranger, "drill_name": "火灾爆炸事故综合演练"})
    return records


def with_planted_hazards(plan: DistrictPlan, quarter: Quarter, records: list[dict]) -> list[dict]:
    """One bad hazard row in the last quarter's ledger."""
    kinds = ("unknown_district", "deadline_before_found", "unknown_hazard_category")
    if not any(plants(plan, kind) for kind in kinds):
        return records
    enterprise = plan.enterprises[1]
    found_on = next_weekday(quarter.end - timedelta(days=20))
    record = {"enterprise": enterprise, "hazard_id": f"YH{plan.division}{quarter.year}9901",
              "district": plan.written_name, "found_on": found_on, "method": "驻点检查", "category": "现场作业",
              "level": "一般隐患", "description": "作业人员未按规定佩戴防护用品", "measure": "现场纠正并开展教育",
              "owner": enterprise.staff[0].name, "deadline": found_on + timedelta(days=7), "rectified_on": None,
              "status": "整改中", "closed_on": None, "acceptor": None, "reported_on": None, "transferred_to": None}
    if plants(plan, "unknown_district"):
        record["district"] = "张村镇"  # a town of 环翠区, not a district
    elif plants(plan, "deadline_before_found"):
        record["deadline"] = found_on - timedelta(days=10)
    else:
        record["category"] = "消防安全"
    return [*records, record]


def with_planted_logs(plan: DistrictPlan, records: list[dict]) -> list[dict]:
    records = list(records)
    if plants(plan, "more_onsite_than_operations"):
        bad = next(r for r in records if r["special_ops"] > 0)
        records.insert(records.index(bad) + 1, {**bad, "onsite": bad["special_ops"] + 1,
                                                 "content": "检查动火作业票证办理及现场防护措施落实情况"})
    return records


def with_planted_checklists(plan: DistrictPlan, records: list[dict]) -> list[dict]:
    records = list(records)
    if plants(plan, "more_rules_built_than_required"):
        bad = dict(records[-1])
        bad["rules_built"] = bad["rules_required"] + 2
        records[-1] = bad
    return records
