"""The files one district office sends: which sheets, titles, notes and file names, template by template."""
from __future__ import annotations

import random
from datetime import date, timedelta

from core.quarters import Quarter
from demo.hazards import Hazard
from demo.planted import (
    with_planted_checklists,
    with_planted_drills,
    with_planted_hazards,
    with_planted_logs,
    with_planted_roster,
    with_planted_staff,
    with_planted_training,
)
from demo.records import Records
from demo.sheets import OutFile, Sheet, enterprise_keys, table, title_rows
from demo.span import DemoSpan
from demo.styles import CHINESE_QUARTERS, chinese_date
from demo.world import DistrictPlan, Enterprise
from warehouse.templates import CHECKLISTS, DRILLS, ENTERPRISES, HAZARDS, STAFF, TRAINING, WORK_LOGS

LEDGER_TITLE = "威海市非危化品化工企业隐患排查整改台账"


def roster_file(rng: random.Random, plan: DistrictPlan, span: DemoSpan) -> OutFile:
    style = plan.style
    records = []
    for enterprise in plan.enterprises:
        stint = enterprise.stints[-1]
        status = enterprise.status
        if status == "正常生产" and style.blank_status_when_normal:
            status = None
        records.append({"enterprise": enterprise, "district": plan.written_name, "industry": enterprise.industry,
                        "employees": len(enterprise.on_duty(span.end)), "supervisor": stint.supervisor,
                        "dispatch_unit": stint.dispatch_unit, "stationed_on": stint.start, "status": status})
    records = with_planted_roster(rng, plan, records)
    keys = ["enterprise_name", "credit_code", "district", "industry", "employees", "supervisor",
            "dispatch_unit", "stationed_on", "status"]
    sheet = table(ENTERPRISES, keys, records, plan, "企业名册", exact_names=True)
    filed_on = span.end + timedelta(days=rng.randint(3, 10))
    sheet.above = title_rows(f"{plan.written_name}非危险化学品化工生产企业名册", plan, filed_on)
    if plan.position % 2 == 0:
        sheet.below = [[], ["填表说明：企业状态填写 正常生产、停产 或 关闭；"
                            "进驻日期为现任驻点监督人员进驻企业的日期。"]]
    sheets = [sheet]
    if style.instructions_sheet:
        sheets.insert(0, Sheet("说明", ["填报说明"], [
            ["1. 本表由区市化工专项行动办公室每季度报送一次。"],
            ["2. 企业名称须与营业执照一致，统一社会信用代码为 18 位。"],
            ["3. 驻点监督人员轮换后，请同步更新驻点监督人员、派出单位和进驻日期。"],
        ]))
    q = span.quarters[-1]
    return OutFile(f"{plan.name}_企业名册_{q.label}.xlsx", sheets)


def staff_file(plan: DistrictPlan, span: DemoSpan) -> OutFile:
    style = plan.style
    records = [{"enterprise": e, "person_id": p.person_id, "person_name": p.name, "category": p.category,
                "work_type": p.work_type, "cert_no": p.cert_no, "cert_valid_until": p.cert_valid_until,
                "hired_on": p.hired_on, "left_on": p.left_on}
               for e in plan.enterprises for p in e.staff]
    records = with_planted_staff(plan, span, records)
    keys = enterprise_keys(by_code=style.refer_by_code, both=not style.refer_by_code and plan.position % 3 == 0)
    keys += ["person_id", "person_name", "category", "work_type", "cert_no", "cert_valid_until", "hired_on", "left_on"]
    sheet = table(STAFF, keys, records, plan, "人员台账")
    sheet.above = [[f"{plan.written_name}非危化品化工企业从业人员及持证情况台账"]]
    return OutFile(f"{plan.name}_人员台账_{span.quarters[-1].label}.xlsx", [sheet])


def training_file(plan: DistrictPlan, span: DemoSpan, records: list[dict]) -> OutFile:
    style = plan.style
    records = with_planted_training(plan, span, records)
    keys = enterprise_keys(both=plan.position in (0, 7))
    if style.training_by_name:
        keys += ["person_name", "course", "trained_on", "hours", "score"]
    else:
        keys += ["person_id", "person_name", "course", "trained_on", "hours", "score", "result"]
    as_csv = style.training_csv is not None
    sheet = table(TRAINING, keys, records, plan, "培训记录", csv=as_csv)
    suffix = "csv" if as_csv else "xlsx"
    return OutFile(f"{plan.name}_安全教育培训记录_{span.label}.{suffix}", [sheet], style.training_csv)


def drills_file(plan: DistrictPlan, span: DemoSpan, records: list[dict]) -> OutFile:
    records = with_planted_drills(plan, records)
    keys = ["enterprise_name", "drill_date", "drill_name", "drill_type", "expected", "actual"]
    sheet = table(DRILLS, keys, records, plan, "演练记录")
    if plan.position in (2, 5):
        total = [None] * len(sheet.header)
        total[0] = "合计"
        offset = 1 if plan.style.extra_columns else 0
        total[offset + 4] = sum(r["expected"] for r in records)
        total[offset + 5] = sum(r["actual"] for r in records)
        sheet.below = [total]
    return OutFile(f"{plan.name}_应急演练记录_{span.label}.xlsx", [sheet])


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


def hazard_files(rng: random.Random, plan: DistrictPlan, span: DemoSpan,
                 hazards: list[tuple[Enterprise, Hazard]]) -> list[OutFile]:
    """One ledger per quarter, each a snapshot at that quarter's end."""
    keys = ["hazard_id", "enterprise_name", "credit_code", "district", "found_on", "method", "category", "level",
            "description", "measure", "owner", "deadline", "rectified_on", "status", "closed_on", "acceptor",
            "reported_on", "transferred_to"]
    files = []
    for quarter in span.quarters:
        records = ledger_snapshot(plan, hazards, quarter)
        if quarter == span.quarters[-1]:
            records = with_planted_hazards(plan, quarter, records)
        sheet = table(HAZARDS, keys, records, plan, f"{quarter.year}年{CHINESE_QUARTERS[quarter.q - 1]}季度")
        sheet.above = title_rows(LEDGER_TITLE, plan, quarter.end + timedelta(days=rng.randint(3, 12)))
        if plan.position % 2:
            sheet.below = [[], [f"备注：本台账为截至{chinese_date(quarter.end)}的隐患排查整改情况，"
                                "已销号隐患次季度不再列出。"]]
        files.append(OutFile(f"{plan.name}_隐患台账_{quarter.label}.xlsx", [sheet]))
    return files


def logs_file(plan: DistrictPlan, span: DemoSpan, records: list[dict]) -> OutFile:
    style = plan.style
    records = with_planted_logs(plan, records)
    keys = ["log_date", "supervisor", *enterprise_keys(by_code=style.refer_by_code),
            "content", "issues_found", "special_op_type", "special_ops", "onsite"]
    sheet = table(WORK_LOGS, keys, records, plan, "驻点工作日志", csv=True)
    if style.log_encoding == "gbk":
        sheet.above = [[f"{plan.written_name}驻点监督人员工作日志（{span.label}）"]]
    return OutFile(f"{plan.name}_驻点工作日志_{span.label}.csv", [sheet], style.log_encoding)


def checklists_file(plan: DistrictPlan, span: DemoSpan, records: list[dict]) -> OutFile:
    style = plan.style
    records = with_planted_checklists(plan, records)
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
    return OutFile(f"{plan.name}_季度检查表_{span.label}.xlsx", sheets)


def district_files(rng: random.Random, plan: DistrictPlan, span: DemoSpan, records: Records) -> list[OutFile]:
    """Every file of one district, in the order that draws from `rng`."""
    return [
        roster_file(rng, plan, span),
        staff_file(plan, span),
        training_file(plan, span, records.training),
        drills_file(plan, span, records.drills),
        *hazard_files(rng, plan, span, records.hazards),
        logs_file(plan, span, records.logs),
        checklists_file(plan, span, records.checklists),
    ]
