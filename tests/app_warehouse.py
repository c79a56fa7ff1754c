"""A small hand-built warehouse for the dashboard tests; every expected figure is worked out here by hand.

The warehouse is built the way real data arrives: files written here and loaded
through `etl.load.load_paths`. Quarter under test: 2026Q3 (2026-07-01 … 2026-09-30).

Enterprises (roster):
  A 威海（文登）精细化工有限公司  文登区  supervisor 王强, stationed 2026-01-05
  B 荣成市海达化工有限公司        荣成市  supervisor 李明, stationed 2026-09-01, 停产 (stays in scope)
  C 乳山市宏远化学有限公司        乳山市  关闭 (left out of everything)
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from core.quarters import Quarter
from etl.load import load_paths
from tests.filemaker import CODE_A, CODE_B, CODE_C, write_csv, write_xlsx
from warehouse.store import ensure_database

Q3 = Quarter(2026, 3)
NAME_A = "威海（文登）精细化工有限公司"
NAME_B = "荣成市海达化工有限公司"
NAME_C = "乳山市宏远化学有限公司"

ROSTER = [
    ["企业名称", "统一社会信用代码", "所属区市", "行业类别", "从业人员数", "驻点监督人员", "派出单位", "进驻日期", "企业状态"],
    [NAME_A, CODE_A, "文登区", "化学原料", 120, "王强", "文登区应急局", "2026-01-05", "正常生产"],
    [NAME_B, CODE_B, "荣成市", "涂料", 45, "李明", "荣成市应急局", "2026-09-01", "停产"],
    [NAME_C, CODE_C, "乳山市", "胶粘剂", 30, "赵刚", "乳山市应急局", "2025-12-01", "关闭"],
]

# Certification as of 2026-09-30 (key roles: 主要负责人, 安全总监, 安全管理人员, 特种作业人员, on duty):
#   A: A001 valid, A002 expired 2026-09-01, A003 no certificate, A006 valid (expires 2026-11-15,
#      within 90 days), A005 left 2026-08-01 (not on duty), A004 not a key role -> 2 / 4
#   B: B001 valid -> 1 / 1;  city 3 / 5 = 60.0 %
STAFF = [
    ["统一社会信用代码", "人员编号", "姓名", "岗位类别", "作业类别", "证书编号", "证书有效期至", "入职日期", "离职日期"],
    [CODE_A, "A001", "张总", "主要负责人", None, "ZJ-001", "2027-12-31", "2020-01-01", None],
    [CODE_A, "A002", "刘安", "安全管理人员", None, "AQ-002", "2026-09-01", "2021-03-01", None],
    [CODE_A, "A003", "陈工", "特种作业人员", "电工作业", None, None, "2022-05-01", None],
    [CODE_A, "A004", "周员", "其他从业人员", None, None, None, "2023-01-01", None],
    [CODE_A, "A005", "吴离", "特种作业人员", "焊接与热切割作业", "TZ-005", "2028-01-01", "2019-01-01", "2026-08-01"],
    [CODE_A, "A006", "孙证", "安全总监", None, "ZJ-006", "2026-11-15", "2020-06-01", None],
    [CODE_B, "B001", "钱总", "主要负责人", None, "ZJ-101", "2027-06-30", "2026-08-20", None],
    [CODE_B, "B002", "赵员", "其他从业人员", None, None, None, "2026-08-20", None],
    [CODE_C, "C001", "郑总", "主要负责人", None, None, None, "2020-01-01", None],
]

# Training window (2025-09-30, 2026-09-30]; on-duty staff A001 A002 A003 A004 A006, B001 B002:
#   A001 passed, A002 failed (score 50), A003 passed but 2025-06-01 (outside), A004 passed (score 80),
#   A006 none -> A 2 / 5;  B001 passed, B002 none -> B 1 / 2;  city 3 / 7 = 42.9 %
TRAINING = [
    ["统一社会信用代码", "人员编号", "姓名", "培训名称", "培训日期", "学时", "考核成绩", "考核结果"],
    [CODE_A, "A001", "张总", "主要负责人安全培训", "2026-03-10", 8, 90, "合格"],
    [CODE_A, "A002", "刘安", "安全管理培训", "2026-08-01", 8, 50, None],
    [CODE_A, "A003", "陈工", "特种作业复训", "2025-06-01", 8, 85, "合格"],
    [CODE_A, "A004", "周员", "全员安全教育", "2026-07-20", 4, 80, None],
    [CODE_B, "B001", "钱总", "主要负责人安全培训", "2026-09-10", 8, 88, "合格"],
]

# Drills in (2025-09-30, 2026-09-30]: A 8 / 10 (the 2025-08-01 drill is outside), B 4 / 4; city 12 / 14 = 85.7 %
# (both enterprises in scope drilled in the window, so no headcount is added for an enterprise without a drill)
DRILLS = [
    ["统一社会信用代码", "演练日期", "演练名称", "演练类型", "应参加人数", "实际参加人数"],
    [CODE_A, "2026-06-15", "泄漏处置演练", "专项演练", 10, 8],
    [CODE_A, "2025-08-01", "消防演练", "综合演练", 10, 0],
    [CODE_B, "2026-09-20", "桌面推演", "桌面推演", 4, 4],
]

HAZARD_HEADER = ["隐患编号", "统一社会信用代码", "所属区市", "发现日期", "检查方式", "隐患类别", "隐患等级", "隐患描述",
                 "整改措施", "整改责任人", "整改期限", "整改完成日期", "整改状态", "销号日期", "验收人", "上报日期", "移交部门"]
# First ledger: H-A1 still open; one row with an unknown level is quarantined.
HAZARDS_V1 = [
    HAZARD_HEADER,
    ["H-A0", CODE_A, "文登区", "2026-05-01", "驻点检查", "管理制度", "一般隐患", "制度未更新", None, "刘安",
     "2026-06-01", None, "未整改", None, None, None, None],
    ["H-A1", CODE_A, "文登区", "2026-07-05", "驻点检查", "设备设施", "一般隐患", "法兰泄漏", "更换垫片", "陈工",
     "2026-07-20", None, "整改中", None, None, None, None],
    ["H-X9", CODE_A, "文登区", "2026-07-06", "驻点检查", "设备设施", "特大隐患", "等级填错", None, None,
     "2026-07-20", None, "未整改", None, None, None, None],
]
# Second ledger (loaded later): H-A1 rectified; H-A0 is not repeated, so its first version stays current.
# Rectification, hazards due (整改期限) in Q3: A: H-A1 done, H-A2 open -> 1 / 2 (H-A0 was due 06-01, in Q2;
#   H-A3 found in Q3 is due 10-20, still within its deadline); B: H-B1 done -> 1 / 1; city 2 / 3 = 66.7 %.
#   Overdue on 2026-09-30: H-A0 (deadline 06-01), H-A2 (deadline 09-10) -> 2.
# Major hazards found in Q3: H-A2 reported 08-11, the day after it was found (within 1 day), H-B1 not
#   -> 1 / 2 = 50.0 %; unreported: 1.
HAZARDS_V2 = [
    HAZARD_HEADER,
    ["H-A1", CODE_A, "文登区", "2026-07-05", "驻点检查", "设备设施", "一般隐患", "法兰泄漏", "更换垫片", "陈工",
     "2026-07-20", "2026-07-18", "已整改", None, "王强", None, None],
    ["H-A2", CODE_A, "文登区", "2026-08-10", "执法检查", "特殊作业", "重大隐患", "动火作业未审批", "停工整顿", "张总",
     "2026-09-10", None, "整改中", None, None, "2026-08-11", "市应急局执法支队"],
    ["H-A3", CODE_A, "文登区", "2026-09-20", "企业自查", "应急管理", "一般隐患", "应急物资不足", None, "孙证",
     "2026-10-20", None, "未整改", None, None, None, None],
    ["H-B1", CODE_B, "荣成市", "2026-09-05", "驻点检查", "设备设施", "重大隐患", "储罐液位计失灵", "更换", "钱总",
     "2026-09-25", "2026-09-24", "已整改", None, "李明", None, None],
]

CHECKLISTS = [
    ["统一社会信用代码", "季度", "安全生产责任制落实", "安全管理机构健全", "安全总监配备", "应建规章制度数",
     "已建规章制度数", "应发奖励笔数", "已发奖励笔数"],
    # 2026Q3, A only (B has no checklist: a missing report, counted as not met for responsibility and
    #   organization): responsibility A 是 -> 1 / 2 = 50.0 %, organization A 安全总监 否 -> 0 / 2 = 0.0 %;
    #   rules 8 / 10 = 80.0 %, reward 3 / 4 = 75.0 % over the checklists sent (缺报 1 家, at best 关注)
    [CODE_A, "2026Q3", "是", "是", "否", 10, 8, 4, 3],
    # 2026Q2: responsibility A 否, B none -> 0 / 2; the Q3 card shows +50.0 个百分点
    [CODE_A, "2026年第二季度", "否", "是", "是", 10, 10, 2, 2],
]


def _weekdays(first: dt.date, last: dt.date) -> list[dt.date]:
    days = (first + dt.timedelta(n) for n in range((last - first).days + 1))
    return [d for d in days if d.weekday() < 5]


def log_rows() -> list[list]:
    """王强 logs every weekday of July 2026 (23 days); 李明 logs 09-01 … 09-04 and Saturday 09-05.

    Log fill, 2026Q3, official working days: July 23 + August 21 + September 22 (22 weekdays, less 中秋
    Friday 09-25, plus the 调休 Sunday 09-20) = 66.
      王强 (stationed 2026-01-05): 23 / 66; 李明 (stationed 2026-09-01): due 22 September working days, 4 filed
      (the Saturday is not due) -> city (23 + 4) / (66 + 22) = 27 / 88 = 30.7 %.
    Special operations: A 07-06 动火作业 2 (2 on site), 07-07 高处作业 3 (1 on site); B 09-02 设备检维修 1 (1)
      -> city (2 + 1 + 1) / (2 + 3 + 1) = 4 / 6 = 66.7 %.
    """
    header = ["日期", "驻点人员", "统一社会信用代码", "工作内容", "发现问题数", "特殊作业类型", "特殊作业数", "现场监督数"]
    special = {dt.date(2026, 7, 6): ("动火作业", 2, 2), dt.date(2026, 7, 7): ("高处作业", 3, 1)}
    rows = [header]
    for day in _weekdays(dt.date(2026, 7, 1), dt.date(2026, 7, 31)):
        kind, ops, onsite = special.get(day, (None, 0, 0))
        rows.append([day.isoformat(), "王强", CODE_A, "日常巡查", 1 if day.day == 1 else 0, kind, ops, onsite])
    for day in (1, 2, 3, 4, 5):
        kind, ops, onsite = ("设备检维修", 1, 1) if day == 2 else (None, 0, 0)
        rows.append([f"2026-09-0{day}", "李明", CODE_B, "进驻检查", 0, kind, ops, onsite])
    return rows


def build_small_warehouse(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "warehouse.duckdb"
    first = [
        write_xlsx(folder / "名册.xlsx", {"名册": ROSTER}),
        write_xlsx(folder / "人员.xlsx", {"人员": STAFF}),
        write_csv(folder / "培训.csv", TRAINING),
        write_csv(folder / "演练.csv", DRILLS, encoding="gb18030"),
        write_xlsx(folder / "隐患台账_7月.xlsx", {"台账": HAZARDS_V1}),
        write_xlsx(folder / "日志.xlsx", {"日志": log_rows()}),
        write_xlsx(folder / "检查表.xlsx", {"检查表": CHECKLISTS}),
        write_csv(folder / "无关文件.csv", [["品名", "单价"], ["苹果", "3"]]),
    ]
    load_paths(first, db, user="测试")
    load_paths([write_xlsx(folder / "隐患台账_9月.xlsx", {"台账": HAZARDS_V2})], db, user="测试")
    return db


def build_empty_warehouse(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "empty.duckdb"
    ensure_database(db)
    return db
