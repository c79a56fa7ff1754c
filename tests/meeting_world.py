"""A small world for the meeting-record tests (tests/test_meetings.py, tests/test_meeting_cli.py), built
through `etl.load.load_paths`. Every expected figure is worked out by hand below.

Enterprises (roster; no supervisors, so the log-fill rate is 无数据 everywhere):
    A 环翠甲化工有限公司 环翠区   B 文登乙化工有限公司 文登区   D 荣成丁化工有限公司 荣成市
Drills on 2026-03-01 with everyone present keep 全员参与演练率 at 100% in 2026Q2 and 2026Q3.

Hazards (2026Q3 = 07-01 … 09-30):
    H1 A due 07-31, rectified 07-20        H2 A due 08-31, open
    H4 D 重大隐患 found 08-20, due 09-20, open, never reported (10 days overdue on 09-30)
    H5 B due 08-15, rectified 08-10        H7 B due 10-31, handed over to 市场监管局 on 08-01, no result
隐患整改率 2026Q3: due in Q3 are H1 ✓ H2 ✗ H4 ✗ H5 ✓ → 全市 2/4; 环翠区 1/2, 文登区 1/1, 荣成市 0/1.

Checklists:         2026Q2                    2026Q3
    A (环翠区)       责任制 否 机构 是 总监 否   责任制 是 机构 是 总监 否
    B (文登区)       none                      责任制 是 机构 是 总监 是
    D (荣成市)       none                      none
so 安全管理机构健全率 is 整改 (0/1) for 环翠区 in both quarters, 文登区 goes 0/1 → 1/1, 荣成市 0/1 in both;
安全生产责任制落实率: 环翠区 0/1 → 1/1, 文登区 0/1 → 1/1, 荣成市 0/1 in both.
"""
from __future__ import annotations

from pathlib import Path

from access.users import User
from etl.load import load_paths
from tests.filemaker import CODE_A, CODE_B, CODE_D, ROSTER_HEADER, write_csv

CITY_TESTER = User("city_tester", "市化工办 测试", "市级", None)  # a city user who records the meeting
NAME_A, NAME_B, NAME_D = "环翠甲化工有限公司", "文登乙化工有限公司", "荣成丁化工有限公司"
HAZARDS = ["隐患编号", "统一社会信用代码", "发现日期", "检查方式", "隐患类别", "隐患等级", "隐患描述", "整改期限",
           "整改完成日期", "整改状态", "整改责任人", "上报日期", "移交部门", "移交日期", "移交办结日期"]
DRILLS = ["统一社会信用代码", "演练日期", "演练名称", "演练类型", "应参加人数", "实际参加人数"]
CHECKLIST = ["统一社会信用代码", "季度", "安全生产责任制落实", "安全管理机构健全", "安全总监配备",
             "应建规章制度数", "已建规章制度数", "应发奖励笔数", "已发奖励笔数"]


def hazard(hazard_id, code, found, level, description, deadline, rectified=None, status="整改中",
           transferred_to=None, transferred_on=None) -> list:
    return [hazard_id, code, found, "驻点检查", "设备设施", level, description, deadline, rectified, status, "张工",
            None, transferred_to, transferred_on, None]


HAZARD_ROWS = [
    hazard("H1", CODE_A, "2026-07-10", "一般隐患", "阀门泄漏", "2026-07-31", "2026-07-20", "已整改"),
    hazard("H2", CODE_A, "2026-08-05", "一般隐患", "通道堵塞", "2026-08-31"),
    hazard("H4", CODE_D, "2026-08-20", "重大隐患", "储罐腐蚀", "2026-09-20", status="未整改"),
    hazard("H5", CODE_B, "2026-07-15", "一般隐患", "培训档案缺失", "2026-08-15", "2026-08-10", "已整改"),
    hazard("H7", CODE_B, "2026-07-25", "一般隐患", "特种设备未检验", "2026-10-31",
           transferred_to="市场监管局", transferred_on="2026-08-01"),
]


def build_meeting_world(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    roster = [ROSTER_HEADER,
              [NAME_A, CODE_A, "环翠区", "化学原料", 30, None, None, None, "正常生产"],
              [NAME_B, CODE_B, "文登区", "涂料", 20, None, None, None, "正常生产"],
              [NAME_D, CODE_D, "荣成市", "助剂", 10, None, None, None, "正常生产"]]
    drills = [DRILLS, *[[code, "2026-03-01", "消防演练", "综合演练", n, n]
                        for code, n in ((CODE_A, 30), (CODE_B, 20), (CODE_D, 10))]]
    checklists = [CHECKLIST,
                  [CODE_A, "2026Q2", "否", "是", "否", 10, 10, 0, 0],
                  [CODE_A, "2026Q3", "是", "是", "否", 10, 10, 0, 0],
                  [CODE_B, "2026Q3", "是", "是", "是", 12, 12, 0, 0]]
    db = folder / "warehouse.duckdb"
    load_checked([write_csv(folder / "名册.csv", roster), write_csv(folder / "演练.csv", drills),
                  write_csv(folder / "检查表.csv", checklists),
                  write_csv(folder / "隐患台账.csv", [HAZARDS, *HAZARD_ROWS])], db)
    return db


def load_checked(files: list[Path], db: Path) -> list:
    """Load; a file that does not load cleanly is a broken fixture."""
    results = load_paths(files, db)
    problems = [(r.file_name, r.status, r.rows_quarantined, r.message) for r in results
                if r.status != "loaded" or r.rows_quarantined]
    assert not problems, problems
    return results


def load_hazards(db: Path, name: str, rows: list[list]) -> int:
    """A later ledger snapshot with these rows; its batch id."""
    [result] = load_checked([write_csv(db.parent / name, [HAZARDS, *rows])], db)
    return result.batch_id


def load_checklists(db: Path, name: str, rows: list[list]) -> int:
    [result] = load_checked([write_csv(db.parent / name, [CHECKLIST, *rows])], db)
    return result.batch_id
