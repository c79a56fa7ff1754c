"""A small hand-made world for the indicator tests, built THROUGH the ETL.

Files are written as a district clerk would send them (a title row above the
header, Excel dates, one CSV) and loaded with `etl.load.load_paths`. Every
expected figure in tests/test_metrics*.py is worked out by hand from the tables
below; the comments next to each row say which boundary it exercises.

Quarter under test: 2026Q3 = 2026-07-01 … 2026-09-30; 12-month window
(2025-09-30, 2026-09-30].
"""
from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path

import openpyxl

from etl.load import load_paths

# Valid 统一社会信用代码 (GB 32100-2015). For the first, by hand: Σ value×weight over "91371000MA3C00001"
# (M = 21, A = 10, C = 12) = 9·1+1·3+3·9+7·27+1·19+21·20+10·29+3·25+12·13+1·28 = 1216;
# 1216 mod 31 = 7; 31 − 7 = 24 → charset[24] = "Q". The others differ only in the serial digit.
CODE_A = "91371000MA3C00001Q"
CODE_B = "91371000MA3C00002U"
CODE_C = "91371000MA3C00003Y"
CODE_D = "91371000MA3C000042"
CODE_E = "91371000MA3C000055"
CODE_F = "91371000MA3C000068"

NAME_A = "威海甲化工有限公司"
NAME_B = "威海乙化工有限公司"
NAME_C = "威海丙化工有限公司"
NAME_D = "威海丁化工有限公司"


def d(text: str) -> date:
    return date.fromisoformat(text)


def write_xlsx(path: Path, title: str, header: list[str], rows: list[list]) -> Path:
    """One sheet: a title row, the header, the rows (dates as Excel dates)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "数据"
    sheet.append([title])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def write_csv(path: Path, header: list[str], rows: list[list], encoding: str = "utf-8-sig") -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def load(paths: list[Path], db: Path) -> None:
    """Load through the ETL; a fixture row that does not load cleanly is a broken fixture."""
    results = load_paths(paths, db)
    problems = [(r.file_name, r.status, r.rows_quarantined, r.message) for r in results
                if r.status != "loaded" or r.rows_quarantined]
    assert not problems, problems


def weekdays(first: str, last: str) -> list[date]:
    day, end, days = d(first), d(last), []
    while day <= end:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


ROSTER = ["企业名称", "统一社会信用代码", "所属区市", "行业类别", "从业人员数", "驻点监督人员", "派出单位", "进驻日期", "企业状态"]
STAFF = ["统一社会信用代码", "人员编号", "姓名", "岗位类别", "作业类别", "证书编号", "证书有效期至", "入职日期", "离职日期"]
TRAINING = ["统一社会信用代码", "人员编号", "姓名", "培训名称", "培训日期", "学时", "考核成绩", "考核结果"]
DRILLS = ["统一社会信用代码", "演练日期", "演练名称", "演练类型", "应参加人数", "实际参加人数"]
HAZARDS = ["隐患编号", "统一社会信用代码", "发现日期", "检查方式", "隐患类别", "隐患等级", "隐患描述",
           "整改期限", "整改完成日期", "整改状态", "上报日期"]
LOGS = ["日期", "驻点人员", "统一社会信用代码", "工作内容", "特殊作业类型", "特殊作业数", "现场监督数"]
CHECKLIST = ["统一社会信用代码", "季度", "安全生产责任制落实", "安全管理机构健全", "安全总监配备",
             "应建规章制度数", "已建规章制度数", "应发奖励笔数", "已发奖励笔数"]

# A, B in 文登区; C (停产) in 环翠区; D (关闭) in 荣成市, which is therefore a district
# without data, as is every other district.
ROSTER_ROWS = [
    [NAME_A, CODE_A, "文登", "化学原料", 9, "张三", "文登区化工专项办", d("2026-01-05"), "正常生产"],
    [NAME_B, CODE_B, "文登区", "涂料", 3, "李四", "文登区化工专项办", d("2026-08-17"), "正常生产"],  # stationed mid-quarter
    [NAME_C, CODE_C, "环翠区", "胶粘剂", 4, "王五", "环翠区化工专项办", d("2026-04-01"), "停产"],
    [NAME_D, CODE_D, "荣成市", "助剂", 1, "钱七", "荣成市化工专项办", d("2025-01-01"), "关闭"],
]

STAFF_ROWS = [
    # Excel rows 3… (title row 1, header row 2)
    [CODE_A, "A01", "甲一", "主要负责人", None, "Z-A01", d("2027-01-01"), d("2020-01-01"), None],
    [CODE_A, "A02", "甲二", "安全总监", None, "Z-A02", d("2026-09-30"), None, None],  # valid exactly to Q.end
    [CODE_A, "A03", "甲三", "安全管理人员", None, "Z-A03", d("2026-09-29"), None, None],  # expired the day before; row 5
    [CODE_A, "A04", "甲四", "特种作业人员", "电工", None, None, None, None],  # no certificate
    [CODE_A, "A05", "甲五", "特种作业人员", "焊工", "Z-A05", d("2028-01-01"), d("2026-10-01"), None],  # hired after Q.end
    [CODE_A, "A06", "甲六", "特种作业人员", "焊工", "Z-A06", d("2028-01-01"), None, d("2026-09-30")],  # leaves on Q.end
    [CODE_A, "A07", "甲七", "其他从业人员", None, None, None, None, d("2026-10-01")],  # leaves after Q.end
    [CODE_A, "A08", "甲八", "分管负责人", None, None, None, d("2026-09-30"), None],  # hired on Q.end; not a key role
    [CODE_A, "A09", "甲九", "特种作业人员", "电工", "Z-A09", None, None, None],  # certificate without a date
    [CODE_B, "B01", "乙一", "主要负责人", None, "Z-B01", d("2027-12-31"), None, None],
    [CODE_B, "B02", "乙二", "特种作业人员", "电工", "Z-B02", d("2026-06-30"), None, None],  # superseded below
    [CODE_B, "B03", "乙三", "其他从业人员", None, None, None, None, None],
    [CODE_B, "B04", "乙四", "安全管理人员", None, None, None, None, d("2026-09-15")],  # left before Q.end
    [CODE_C, "C01", "丙一", "安全管理人员", None, "Z-C01", d("2026-12-01"), None, None],
    [CODE_C, "C02", "丙二", "其他从业人员", None, None, None, None, None],
    [CODE_C, "C03", "丙三", "其他从业人员", None, "Z-C03", d("2026-12-29"), None, None],  # Q.end + 90 days
    [CODE_C, "C04", "丙四", "其他从业人员", None, "Z-C04", d("2026-12-30"), None, None],  # Q.end + 91 days
    [CODE_D, "D01", "丁一", "主要负责人", None, None, None, None, None],
]
# A later roster renews B02's certificate.
STAFF_UPDATE_ROWS = [
    [CODE_B, "B02", "乙二", "特种作业人员", "电工", "Z-B02", d("2026-10-15"), None, None],
]

TRAINING_ROWS = [
    [CODE_A, "A01", "甲一", "年度培训", d("2025-10-01"), 8, 90, "合格"],  # first day inside the window
    [CODE_A, "A02", "甲二", "年度培训", d("2025-09-30"), 8, 90, "合格"],  # the window's open end: out
    [CODE_A, "A03", "甲三", "年度培训", d("2026-09-30"), 8, 90, "合格"],  # the window's closed end: in
    [CODE_A, "A04", "甲四", "年度培训", d("2026-03-01"), 8, 40, "不合格"],
    [CODE_A, "A07", "甲七", "年度培训", d("2026-05-01"), 8, 60, None],  # score 60 passes
    [CODE_A, "A08", "甲八", "年度培训", d("2026-09-01"), 8, 59, None],  # score 59 fails
    [CODE_A, "A09", "甲九", "年度培训", d("2026-10-01"), 8, 90, "合格"],  # after as-of
    [CODE_A, "A06", "甲六", "年度培训", d("2026-05-01"), 8, 90, "合格"],  # not on duty at Q.end
    [CODE_B, "B01", "乙一", "年度培训", d("2026-08-01"), 8, 90, "合格"],
    [CODE_B, "B02", "乙二", "年度培训", d("2026-08-01"), 8, 90, "合格"],
    [CODE_C, None, "丙一", "年度培训", d("2026-01-15"), 8, 90, "合格"],  # matched by name
    [CODE_D, "D01", "丁一", "年度培训", d("2026-05-01"), 8, 90, "合格"],  # closed enterprise
]

DRILL_ROWS = [
    [CODE_A, d("2025-09-30"), "消防演练", "综合演练", 10, 10],  # open end: out
    [CODE_A, d("2025-10-01"), "泄漏处置", "专项演练", 20, 19],  # in
    [CODE_A, d("2026-09-30"), "防汛演练", "专项演练", 10, 10],  # closed end: in
    [CODE_A, d("2026-10-01"), "消防演练", "综合演练", 5, 0],  # after as-of
    [CODE_B, d("2026-03-15"), "消防演练", "综合演练", 8, 8],
    [CODE_C, d("2026-06-01"), "中毒窒息", "现场处置方案演练", 12, 6],
    [CODE_D, d("2026-06-01"), "消防演练", "综合演练", 100, 0],  # closed enterprise
]

HAZARD_ROWS = [
    ["H1", CODE_A, d("2026-07-01"), "驻点检查", "设备设施", "一般隐患", "阀门泄漏", d("2026-07-15"), d("2026-07-10"), "已整改", None],
    ["H2", CODE_A, d("2026-09-30"), "驻点检查", "现场作业", "一般隐患", "通道堵塞", d("2026-10-15"), d("2026-09-30"), "已整改", None],  # rectified on the last day
    ["H3", CODE_A, d("2026-08-01"), "企业自查", "安全培训", "一般隐患", "培训档案缺失", d("2026-08-31"), d("2026-10-02"), "已整改", None],  # rectified after Q.end
    ["H4", CODE_A, d("2026-06-30"), "驻点检查", "管理制度", "一般隐患", "制度未更新", d("2026-07-31"), None, "未整改", None],  # found in Q2
    ["H5", CODE_B, d("2026-08-10"), "驻点检查", "特殊作业", "重大隐患", "动火未审批", d("2026-09-30"), None, "未整改", d("2026-08-11")],  # updated below
    ["H6", CODE_B, d("2026-09-01"), "执法检查", "设备设施", "重大隐患", "储罐腐蚀", d("2026-09-15"), None, "整改中", None],
    ["H7", CODE_B, d("2026-07-20"), "驻点检查", "应急管理", "一般隐患", "应急物资不足", d("2026-08-20"), d("2026-07-25"), "已整改", None],
    ["H8", CODE_C, d("2026-07-05"), "专项检查", "设备设施", "重大隐患", "安全阀失效", d("2026-08-05"), d("2026-08-01"), "已整改", d("2026-10-05")],  # reported after Q.end
    ["H9", CODE_D, d("2026-07-05"), "驻点检查", "其他", "一般隐患", "标识缺失", d("2026-07-10"), None, "未整改", None],  # closed enterprise
    ["H10", CODE_C, d("2026-10-01"), "驻点检查", "其他", "一般隐患", "标识缺失", d("2026-10-31"), None, "未整改", None],  # found in Q4
]
# The next ledger snapshot: H5 has been rectified.
HAZARD_UPDATE_ROWS = [
    ["H5", CODE_B, d("2026-08-10"), "驻点检查", "特殊作业", "重大隐患", "动火未审批", d("2026-09-30"), d("2026-09-20"), "已整改", d("2026-08-11")],
]


def _log(day: date, who: str, code: str, op_type=None, ops=None, onsite=None) -> list:
    return [day, who, code, "巡查", op_type, ops, onsite]


LOG_ROWS = (
    # 张三 at A: every weekday of July (23 days), two logs on 1 July, one on Saturday 4 July,
    # "张 三" with a space on Monday 3 August; 赵六 (not on the roster) on 4 August; one log in Q2.
    [_log(day, "张三", CODE_A) for day in weekdays("2026-07-01", "2026-07-31")]
    + [
        _log(d("2026-07-01"), "张三", CODE_A),
        _log(d("2026-07-02"), "张三", CODE_A, "动火作业", 3, 3),
        _log(d("2026-07-03"), "张三", CODE_A, "高处作业", 2, 1),
        _log(d("2026-07-04"), "张三", CODE_A, "设备检维修", 2, 2),
        _log(d("2026-08-03"), "张 三", CODE_A),
        _log(d("2026-08-04"), "赵六", CODE_A),
        _log(d("2026-06-30"), "张三", CODE_A, "动火作业", 4, 0),
        # 李四 at B: a log on 14 August, before being stationed; then 17–21 August and 30 September.
        _log(d("2026-08-14"), "李四", CODE_B, "吊装作业", 1, 1),
        *[_log(day, "李四", CODE_B) for day in weekdays("2026-08-17", "2026-08-21")],
        _log(d("2026-09-30"), "李四", CODE_B, "受限空间作业", 1, None),
        # 钱七 at the closed D.
        _log(d("2026-07-06"), "钱七", CODE_D, "动火作业", 5, 0),
    ]
)

CHECKLIST_ROWS = [
    [CODE_A, "2026Q3", "是", "是", "否", 20, 18, 4, 4],
    [CODE_B, "2026年第三季度", "否", "是", "是", 15, 15, None, None],
    [CODE_C, "2026Q2", "是", "是", "是", 10, 10, 2, 1],  # C sends no Q3 checklist
    [CODE_D, "2026Q3", "否", "否", "否", 10, 0, 5, 0],  # closed enterprise
]


def build_world(folder: Path) -> Path:
    """Write the files, load them in two rounds (the second updates staff and the hazard ledger)."""
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "warehouse.duckdb"
    first = [
        write_xlsx(folder / "名册.xlsx", "威海市非危化品化工企业名册", ROSTER, ROSTER_ROWS),
        write_xlsx(folder / "人员.xlsx", "人员台账", STAFF, STAFF_ROWS),
        write_xlsx(folder / "培训.xlsx", "培训记录", TRAINING, TRAINING_ROWS),
        write_xlsx(folder / "演练.xlsx", "演练记录", DRILLS, DRILL_ROWS),
        write_xlsx(folder / "隐患台账.xlsx", "威海市非危化品化工企业隐患排查整改台账", HAZARDS, HAZARD_ROWS),
        write_xlsx(folder / "日志.xlsx", "驻点工作日志", LOGS, LOG_ROWS),
        write_csv(folder / "检查表.csv", CHECKLIST, CHECKLIST_ROWS),
    ]
    load(first, db)
    load([
        write_xlsx(folder / "人员更新.xlsx", "人员台账", STAFF, STAFF_UPDATE_ROWS),
        write_xlsx(folder / "隐患台账第二版.xlsx", "隐患台账", HAZARDS, HAZARD_UPDATE_ROWS),
    ], db)
    return db


def world_db(tmp_path_factory) -> Path:
    """The world, built once per test session (tests only read it)."""
    folder = tmp_path_factory.getbasetemp() / "metrics_world"
    db = folder / "warehouse.duckdb"
    if not db.exists():
        build_world(folder)
    return db


# A second, smaller world for the log-fill rules: a supervisor on two rosters, two supervisors
# on one roster, and a stationing without a date. Evaluated for 2026Q3 as of 2026-07-10.
SUPERVISION_ROSTER_ROWS = [
    ["威海戊化工有限公司", CODE_E, "文登区", "化学原料", 10, "张三、李 四", "文登区化工专项办", d("2026-07-06"), "正常生产"],
    ["威海己化工有限公司", CODE_F, "文登区", "化学原料", 10, "张三", "文登区化工专项办", d("2026-07-01"), "正常生产"],
    ["威海庚化工有限公司", CODE_A, "环翠区", "化学原料", 10, "周八", "环翠区化工专项办", None, "正常生产"],
]
SUPERVISION_LOG_ROWS = [
    _log(d("2026-07-06"), "张三", CODE_E),
    _log(d("2026-07-07"), "张三", CODE_E),
    _log(d("2026-07-08"), "李四", CODE_E),
    _log(d("2026-07-01"), "张三", CODE_F),
    _log(d("2026-07-02"), "张三", CODE_F),
    _log(d("2026-07-06"), "张三", CODE_F),
    _log(d("2026-07-13"), "张三", CODE_F),  # after the as-of date
]


def build_supervision_world(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "warehouse.duckdb"
    load([
        write_xlsx(folder / "名册.xlsx", "企业名册", ROSTER, SUPERVISION_ROSTER_ROWS),
        write_xlsx(folder / "日志.xlsx", "驻点工作日志", LOGS, SUPERVISION_LOG_ROWS),
    ], db)
    return db
