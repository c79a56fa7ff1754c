"""The hand-built warehouse of the 会商材料 tests (tests/test_pack.py, tests/test_pack_render.py).

The warehouse is built through `etl.load.load_paths` from files written below. Quarter under
test: 2026Q3 (2026-07-01 … 2026-09-30), as of 2026-09-30. Every expected figure is worked out
by hand in the comments; the workbook is also compared figure by figure with `metrics.api`.

Enterprises (roster):
    A 威海环翠甲化工有限公司 环翠区, supervisor 王强 stationed 2026-01-05 (6 months on 2026-07-05: rotation due)
    B 文登乙化工有限公司   文登区, supervisor 李明 stationed 2026-09-21 (a Monday)
    C 文登丙化工有限公司   文登区, no supervisor; no drill in 12 months (its 15 employees count as not taking part)
    D 荣成丁化工有限公司   荣成市, no supervisor; sends no 2026Q3 checklist (not met for 责任制 and 机构)
The other five districts have no enterprise: every rate there is 无数据.
"""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from etl.load import load_paths
from tests.filemaker import CODE_A, CODE_B, CODE_C, CODE_D, ROSTER_HEADER, write_csv, write_xlsx

Q3 = "2026Q3"
NAME_A, NAME_B, NAME_C, NAME_D = "威海环翠甲化工有限公司", "文登乙化工有限公司", "文登丙化工有限公司", "荣成丁化工有限公司"
# A spreadsheet would run these as formulas; the workbook must show them as text.
FORMULA_OWNER = '=HYPERLINK("http://example.invalid","张三")'
MINUS_OWNER = "-李四"

STAFF = ["统一社会信用代码", "人员编号", "姓名", "岗位类别", "作业类别", "证书编号", "证书有效期至", "入职日期", "离职日期"]
TRAINING = ["统一社会信用代码", "人员编号", "姓名", "培训名称", "培训日期", "学时", "考核成绩", "考核结果"]
DRILLS = ["统一社会信用代码", "演练日期", "演练名称", "演练类型", "应参加人数", "实际参加人数"]
HAZARDS = ["隐患编号", "统一社会信用代码", "发现日期", "检查方式", "隐患类别", "隐患等级", "隐患描述",
           "整改期限", "整改完成日期", "整改状态", "整改责任人", "上报日期"]
LOGS = ["日期", "驻点人员", "统一社会信用代码", "工作内容", "特殊作业类型", "特殊作业数", "现场监督数"]
CHECKLIST = ["统一社会信用代码", "季度", "安全生产责任制落实", "安全管理机构健全", "安全总监配备",
             "应建规章制度数", "已建规章制度数", "应发奖励笔数", "已发奖励笔数"]


def weekdays(first: str, last: str) -> list[str]:
    day, end, days = date.fromisoformat(first), date.fromisoformat(last), []
    while day <= end:
        if day.weekday() < 5:
            days.append(day.isoformat())
        day += timedelta(days=1)
    return days


def build_pack_world(folder: Path) -> Path:
    """Write the district files and load them; returns the warehouse path."""
    folder.mkdir(parents=True, exist_ok=True)
    roster = [ROSTER_HEADER,
              [NAME_A, CODE_A, "环翠区", "化学原料", 30, "王强", "环翠区化工专项办", "2026-01-05", "正常生产"],
              [NAME_B, CODE_B, "文登区", "涂料", 20, "李明", "文登区化工专项办", "2026-09-21", "正常生产"],
              [NAME_C, CODE_C, "文登区", "胶粘剂", 15, None, None, None, "正常生产"],
              [NAME_D, CODE_D, "荣成市", "助剂", 10, None, None, None, "正常生产"]]
    staff = [STAFF,
             [CODE_A, "P1", "甲一", "主要负责人", None, "Z-P1", "2027-06-30", None, None],
             [CODE_A, "P2", "甲二", "特种作业人员", "电工", "Z-P2", "2026-09-15", None, None],  # expired in Q3
             [CODE_A, "P3", "甲三", "其他从业人员", None, None, None, None, None],
             [CODE_B, "Q1", "乙一", "主要负责人", None, "Z-Q1", "2026-12-01", None, None],  # expires within 90 days
             [CODE_B, "Q2", "乙二", "安全管理人员", None, None, None, None, None],  # no certificate
             [CODE_C, "R1", "丙一", "安全总监", None, "Z-R1", "2028-01-01", None, None],
             [CODE_C, "R2", "丙二", "特种作业人员", "焊工", "Z-R2", "2027-01-01", None, None],  # 93 days: not expiring
             [CODE_D, "S1", "丁一", "主要负责人", None, "Z-S1", "2027-05-01", None, None]]
    training = [TRAINING,
                [CODE_A, "P1", "甲一", "年度培训", "2026-03-01", 8, 90, "合格"],
                [CODE_A, "P3", "甲三", "年度培训", "2026-05-01", 8, 90, "合格"],
                [CODE_B, "Q1", "乙一", "年度培训", "2026-08-01", 8, 90, "合格"],
                [CODE_B, "Q2", "乙二", "年度培训", "2026-08-01", 8, 90, "合格"],
                [CODE_C, "R1", "丙一", "年度培训", "2026-02-01", 8, 90, "合格"],
                [CODE_C, "R2", "丙二", "年度培训", "2026-02-01", 8, 90, "合格"],
                [CODE_D, "S1", "丁一", "年度培训", "2026-04-01", 8, 90, "合格"]]
    drills = [DRILLS,
              [CODE_A, "2026-06-01", "消防演练", "综合演练", 20, 18],
              [CODE_B, "2026-05-01", "泄漏处置", "专项演练", 10, 10],
              [CODE_D, "2026-09-01", "防汛演练", "专项演练", 5, 5]]
    hazards = [HAZARDS,
               ["H1", CODE_A, "2026-07-10", "驻点检查", "设备设施", "一般隐患", "阀门泄漏", "2026-07-31", "2026-07-20",
                "已整改", "甲一", None],
               ["H2", CODE_A, "2026-08-05", "驻点检查", "现场作业", "一般隐患", "通道堵塞", "2026-08-31", None,
                "整改中", FORMULA_OWNER, None],  # 30 days overdue on 09-30
               ["H3", CODE_B, "2026-09-10", "执法检查", "特殊作业", "重大隐患", "动火未审批", "2026-10-31", None,
                "整改中", "乙一", "2026-09-11"],  # reported the next day; due 10-31, so not due in Q3
               ["H4", CODE_D, "2026-08-20", "驻点检查", "设备设施", "重大隐患", "储罐腐蚀", "2026-09-20", None,
                "未整改", MINUS_OWNER, None],  # 10 days overdue, never reported
               ["H5", CODE_C, "2026-07-15", "企业自查", "安全培训", "一般隐患", "培训档案缺失", "2026-08-15", "2026-08-10",
                "已整改", "丙一", None]]
    logs = [LOGS]
    # 王强 logs every weekday of September only: 22 days, 21 of them working days (中秋 09-25 is not; he
    # misses the 调休 Sunday 09-20)
    for day in weekdays("2026-09-01", "2026-09-30"):
        ops = ("动火作业", 3, 2) if day == "2026-09-01" else (None, None, None)
        logs.append([day, "王强", CODE_A, "巡查", *ops])
    # 李明 logs every weekday from 09-21: 8 days, of which the 7 working days (not 09-25) are all his due days
    for day in weekdays("2026-09-21", "2026-09-30"):
        ops = ("高处作业", 2, 2) if day == "2026-09-21" else (None, None, None)
        logs.append([day, "李明", CODE_B, "巡查", *ops])
    checklists = [CHECKLIST,
                  [CODE_A, "2026Q2", "否", "是", "否", 10, 8, 2, 2],
                  [CODE_A, "2026Q3", "是", "是", "否", 10, 8, 2, 2],
                  [CODE_B, "2026Q3", "是", "是", "是", 12, 12, 0, 0],
                  [CODE_C, "2026Q3", "否", "是", "是", 10, 10, 3, 1]]
    files = [
        write_xlsx(folder / "名册.xlsx", {"名册": roster}),
        write_xlsx(folder / "人员.xlsx", {"人员": staff}),
        write_xlsx(folder / "培训.xlsx", {"培训": training}),
        write_csv(folder / "演练.csv", drills),
        write_csv(folder / "隐患台账.csv", hazards),  # CSV keeps the formula-like owner as plain text
        write_xlsx(folder / "日志.xlsx", {"日志": logs}),
        write_csv(folder / "检查表.csv", checklists),
    ]
    db = folder / "warehouse.duckdb"
    results = load_paths(files, db)
    problems = [(r.file_name, r.status, r.rows_quarantined, r.message) for r in results
                if r.status != "loaded" or r.rows_quarantined]
    assert not problems, problems
    return db
