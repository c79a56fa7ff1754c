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
from demo.sheets import OutFile, Renderer, Sheet, enterprise_keys, table, title_rows
from demo.span import DemoSpan
from demo.styles import CHINESE_QUARTERS, chinese_date
from demo.world import DistrictPlan, Enterprise, Stint
from warehouse.templates import (
    CHECKLISTS,
    DRILLS,
    ENTERPRISES,
    HAZARDS,
    RETROFIT_PROJECTS,
    STAFF,
    STATIONING_RECORDS,
    TRAINING,
    WORK_LOGS,
)

LEDGER_TITLE = "威海市非危化品化工企业隐患排查整改台账"
HANDOVER_ITEMS = ("驻点工作日志", "特殊作业现场监督记录", "企业安全管理台账", "本季度工作计划及未完成事项",
                  "企业近期检维修计划", "移交事项跟踪情况", "应急预案及演练记录")


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


def known(day: date | None, as_of: date) -> date | None:
    """A date as a ledger at `as_of` shows it: only once it has happened."""
    return day if day is not None and day <= as_of else None


def hazard_record(enterprise: Enterprise, hazard: Hazard, plan: DistrictPlan, as_of: date) -> dict:
    rectified = known(hazard.rectified_on, as_of)
    closed = known(hazard.closed_on, as_of)
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
            "reported_on": (reported := known(hazard.reported_on, as_of)),
            "report_unit": hazard.report_unit if reported else None,
            "enforcement_case": hazard.enforcement_case if known(hazard.enforcement_on, as_of) else None,
            "transferred_to": hazard.transferred_to if (moved := known(hazard.transferred_on, as_of)) else None,
            "transferred_on": moved, "transfer_closed_on": known(hazard.transfer_closed_on, as_of),
            "supervision_level": supervision_level(hazard, plan, as_of)}


def supervision_level(hazard: Hazard, plan: DistrictPlan, as_of: date) -> str | None:
    """督办级别 once set; half the offices write 无 for the major hazards not under 挂牌督办, half leave it empty."""
    if hazard.supervision_level and known(hazard.supervised_on, as_of):
        return hazard.supervision_level
    return "无" if hazard.level == "重大隐患" and plan.position % 2 == 0 else None


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
    """One ledger per quarter, each a snapshot at that quarter's end.

    From the quarter its style names (`Style.ledger_direct_from`) an office's ledger has the optional
    直通车 columns; before it, and in the offices still on the older form, it does not.
    """
    keys = ["hazard_id", "enterprise_name", "credit_code", "district", "found_on", "method", "category", "level",
            "description", "measure", "owner", "deadline", "rectified_on", "status", "closed_on", "acceptor",
            "reported_on", "transferred_to"]
    direct_keys = [*keys[:-1], "report_unit", "enforcement_case", "transferred_to", "transferred_on",
                   "transfer_closed_on", "supervision_level"]
    direct_from = plan.style.ledger_direct_from
    files = []
    for index, quarter in enumerate(span.quarters):
        records = ledger_snapshot(plan, hazards, quarter)
        columns = direct_keys if direct_from is not None and index >= direct_from else keys
        if quarter == span.quarters[-1]:
            records = with_planted_hazards(plan, quarter, records)
        sheet = table(HAZARDS, columns, records, plan, f"{quarter.year}年{CHINESE_QUARTERS[quarter.q - 1]}季度")
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


def handover_items(rng: random.Random, stint: Stint, hazards: list[Hazard]) -> str | None:
    """交接事项: the open hazards handed over, and the other files, as supervisors list them."""
    if stint.handover_on is None:
        return None
    day = stint.handover_on
    still_open = [h for h in hazards if h.found_on <= day and (h.closed_on is None or h.closed_on > day)]
    majors = sum(h.level == "重大隐患" for h in still_open)
    items = [f"未销号隐患{len(still_open)}项（含重大隐患{majors}项）及整改台账" if majors else
             f"未销号隐患{len(still_open)}项及整改台账" if still_open else "隐患台账（无未销号隐患）"]
    items += rng.sample(HANDOVER_ITEMS, rng.randint(1, 3))
    return "、".join(items)


def spaced_person(name: str) -> str:
    """A two-character name typed with a space in the middle, as some clerks align names: 王 强."""
    return f"{name[0]} {name[1]}" if len(name) == 2 else name


def stationing_record(rng: random.Random, enterprise: Enterprise, stint: Stint, hazards: list[Hazard],
                      spaced_names: bool) -> dict:
    # 撤离日期 is the day the supervisor left, the day after the last day stationed (log_fill counts the days
    # before it); the last supervisor of a closed enterprise left the day after it closed.
    withdrawn = None if stint.current else stint.end + timedelta(days=1)
    items = handover_items(rng, stint, hazards)
    if withdrawn is not None and stint is enterprise.stints[-1]:
        items = "企业关闭，驻点结束"
    name = spaced_person(stint.supervisor) if spaced_names and enterprise.position % 2 else stint.supervisor
    return {"enterprise": enterprise, "supervisor": name, "dispatch_unit": stint.dispatch_unit,
            "stationed_on": stint.start, "withdrawn_on": withdrawn, "pretraining_on": stint.pretraining_on,
            "handover_on": stint.handover_on, "handed_to": stint.handed_to, "handover_items": items}


def stationing_file(rng: random.Random, plan: DistrictPlan, span: DemoSpan,
                    hazards: list[tuple[Enterprise, Hazard]]) -> OutFile:
    """Every stationing of every enterprise over the span; the current ones with no 撤离日期.

    One office keeps the current stationings and the earlier ones on two sheets.
    """
    style = plan.style
    by_enterprise: dict[str, list[Hazard]] = {}
    for enterprise, hazard in hazards:
        by_enterprise.setdefault(enterprise.credit_code, []).append(hazard)
    records = [stationing_record(rng, e, stint, by_enterprise.get(e.credit_code, []), style.name_variant == "spaces")
               for e in plan.enterprises for stint in e.stints]
    keys = enterprise_keys(by_code=style.refer_by_code, both=not style.refer_by_code and plan.position % 3 == 0)
    keys = ["supervisor", *keys, "dispatch_unit", "stationed_on", "pretraining_on", "withdrawn_on", "handover_on",
            "handed_to", "handover_items"]
    title = f"{plan.written_name}非危化品化工企业驻点监督人员派驻及轮换交接记录"
    if style.stationing_sheets:
        current = [r for r in records if r["withdrawn_on"] is None]
        sheets = [table(STATIONING_RECORDS, keys, current, plan, "现任驻点人员"),
                  table(STATIONING_RECORDS, keys, [r for r in records if r["withdrawn_on"] is not None], plan,
                        "历任驻点人员")]
        for sheet in sheets:
            sheet.above = [[title]]
    else:
        sheets = [table(STATIONING_RECORDS, keys, records, plan, "驻点派驻记录")]
        sheets[0].above = title_rows(title, plan, span.end + timedelta(days=rng.randint(3, 10)))
        if plan.position % 2 == 0:
            sheets[0].below = [[], ["填表说明：撤离日期不填表示仍在驻点；交接人填写接任的驻点人员；"
                                    "原则上半年轮换一次。"]]
    return OutFile(f"{plan.name}_驻点派驻记录_{span.label}.xlsx", sheets)


def retrofit_file(plan: DistrictPlan, span: DemoSpan, records: list[dict]) -> OutFile:
    keys = [*enterprise_keys(both=plan.position % 2 == 0), "diagnosed_on", "plan_on", "project_name",
            "retrofit_type", "planned_on", "completed_on", "investment", "posts_reduced"]
    sheet = table(RETROFIT_PROJECTS, keys, records, plan, "一企一策项目")
    sheet.above = [[f"{plan.written_name}化工企业智能化改造“一企一策”项目台账"]]
    if plan.position % 2:
        renderer = Renderer(plan.style, plan.style.date_form)
        total = [None] * len(sheet.header)
        total[0] = "合计"
        offset = 1 if plan.style.extra_columns else 0
        total[offset + keys.index("investment")] = renderer.number(round(sum(r["investment"] for r in records), 1))
        total[offset + keys.index("posts_reduced")] = renderer.number(
            sum(r["posts_reduced"] or 0 for r in records if r["completed_on"]))
        sheet.below = [total]
    return OutFile(f"{plan.name}_智能化改造台账_{span.quarters[-1].label}.xlsx", [sheet])


def district_files(rng: random.Random, side: random.Random, plan: DistrictPlan, span: DemoSpan,
                   records: Records) -> list[OutFile]:
    """Every file of one district, in the order that draws from `rng` (and, for the newer templates, `side`)."""
    return [
        roster_file(rng, plan, span),
        staff_file(plan, span),
        training_file(plan, span, records.training),
        drills_file(plan, span, records.drills),
        *hazard_files(rng, plan, span, records.hazards),
        logs_file(plan, span, records.logs),
        checklists_file(plan, span, records.checklists),
        stationing_file(side, plan, span, records.hazards),
        retrofit_file(plan, span, records.retrofits),
    ]
