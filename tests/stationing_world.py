"""A small hand-made world of stationings, built through the ETL, for the stationing, handover and scorecard tests.

Quarter 2026Q3 (07-01 … 09-30), as of 2026-09-30 unless a test says otherwise. Official calendar of the
quarter: Monday–Friday, less 09-25 (中秋, a Friday), plus Sunday 09-20 (调休). Working days: July 23,
August 21, September 22 (66).

文登区 (every figure of its scorecard is worked out in tests/test_scorecard.py):
- E1: a rotation in mid-quarter. 张三 01-05 → 撤离 08-17 (交接 08-14 to 李四); 李四 from 08-17 (岗前培训 08-10).
- E2: a gap. 王五 03-02 → 撤离 09-01 (交接 08-31 to 赵六); nobody 09-01 … 09-13; 赵六 from 09-14 (培训 09-07).
- E3: a handover week. 孙七 02-01 → 撤离 08-08 (no 交接日期, no 交接人); 周八 from 08-03, no 岗前培训: both
  stationed 08-03 … 08-07.
环翠区:
- E4: no 派驻记录; the roster's 吴九 since 01-20: rotation due 07-20, overdue by 72 days at 09-30.
- E5: nobody stationed at all (the whole quarter is a gap).
- E6: no 派驻记录; the roster's 郑十 since 04-15: rotation due 10-15 (within 30 days of 09-30).
"""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from core.calendar import is_working_day
from tests.metrics_fixtures import d, load, write_csv, write_xlsx

E1, E2, E3 = "91371000MA3C00001Q", "91371000MA3C00002U", "91371000MA3C00003Y"
E4, E5, E6 = "91371000MA3C000042", "91371000MA3C000055", "91371000MA3C000068"
NAMES = {E1: "威海一号化工有限公司", E2: "威海二号化工有限公司", E3: "威海三号化工有限公司",
         E4: "威海四号化工有限公司", E5: "威海五号化工有限公司", E6: "威海六号化工有限公司"}
AS_OF = date(2026, 9, 30)

ROSTER = ["企业名称", "统一社会信用代码", "所属区市", "行业类别", "从业人员数", "驻点监督人员", "派出单位", "进驻日期"]
ROSTER_ROWS = [
    [NAMES[E1], E1, "文登区", "化学原料", 4, "李四", "文登区化工专项办", d("2026-08-17")],
    [NAMES[E2], E2, "文登区", "涂料", 3, "赵六", "文登区应急管理局", d("2026-09-14")],
    [NAMES[E3], E3, "文登区", "胶粘剂", 5, "周八", "文登区化工专项办", d("2026-08-03")],
    [NAMES[E4], E4, "环翠区", "助剂", 6, "吴九", "环翠区化工专项办", d("2026-01-20")],
    [NAMES[E5], E5, "环翠区", "助剂", 2, None, None, None],
    [NAMES[E6], E6, "环翠区", "助剂", 2, "郑十", "环翠区化工专项办", d("2026-04-15")],
]

STATIONING = ["驻点人员", "统一社会信用代码", "派出单位", "进驻日期", "撤离日期", "岗前培训日期", "交接日期", "交接人",
              "交接事项"]
STATIONING_ROWS = [
    ["张三", E1, "文登区化工专项办", d("2026-01-05"), d("2026-08-17"), d("2025-12-20"), d("2026-08-14"), "李四",
     "未销号隐患1项及整改台账"],
    ["李四", E1, "文登区化工专项办", d("2026-08-17"), None, d("2026-08-10"), None, None, None],
    ["王五", E2, "文登区应急管理局", d("2026-03-02"), d("2026-09-01"), d("2026-02-20"), d("2026-08-31"), "赵六", None],
    ["赵六", E2, "文登区应急管理局", d("2026-09-14"), None, d("2026-09-07"), None, None, None],
    ["孙七", E3, "文登区化工专项办", d("2026-02-01"), d("2026-08-08"), d("2026-01-20"), None, None, None],
    ["周八", E3, "文登区化工专项办", d("2026-08-03"), None, None, None, None, None],
]

LOGS = ["日期", "驻点人员", "统一社会信用代码", "工作内容", "特殊作业类型", "特殊作业数", "现场监督数"]


def working_days(first: str, last: str) -> list[date]:
    day, end, days = d(first), d(last), []
    while day <= end:
        if is_working_day(day):
            days.append(day)
        day += timedelta(days=1)
    return days


def _logs(who: str, code: str, days: list[date], skip: tuple[str, ...] = ()) -> list[list]:
    skipped = {d(s) for s in skip}
    return [[day, who, code, "日常巡查", None, None, None] for day in days if day not in skipped]


SPECIAL = {  # (who, day) -> (type, operations, on site)
    ("张三", d("2026-07-02")): ("动火作业", 2, 2),
    ("张三", d("2026-07-03")): ("高处作业", 1, 0),
    ("张三", d("2026-07-06")): ("吊装作业", 1, 0),  # not one of the three: left out of the on-site rate
    ("李四", d("2026-08-20")): ("设备检维修", 2, 2),
}


def log_rows() -> list[list]:
    rows = (
        _logs("张三", E1, working_days("2026-07-01", "2026-08-14"), skip=("2026-07-15", "2026-07-16"))
        + [[d("2026-08-18"), "张三", E1, "离任后回访", None, None, None]]  # after 撤离: counts for nobody
        + [[d("2026-08-14"), "李四", E1, "提前熟悉企业", None, None, None]]  # before 进驻: counts for nobody
        + _logs("李四", E1, working_days("2026-08-17", "2026-09-30"), skip=("2026-09-28", "2026-09-29", "2026-09-30"))
        + _logs("王五", E2, working_days("2026-07-01", "2026-08-31"),
                skip=("2026-07-20", "2026-07-21", "2026-07-22", "2026-07-23", "2026-07-24"))
        + _logs("赵六", E2, working_days("2026-09-14", "2026-09-30"))
        + _logs("孙七", E3, working_days("2026-07-01", "2026-08-07"))
        + _logs("周八", E3, working_days("2026-08-03", "2026-09-30"))
        + _logs("吴九", E4, working_days("2026-07-01", "2026-09-30"))
    )
    for row in rows:
        if (row[1], row[0]) in SPECIAL:
            row[4:7] = SPECIAL[(row[1], row[0])]
        if row[1] == "李四" and row[0] == d("2026-08-17"):
            row[3] = "熟悉企业情况，制定驻点工作计划"
    return rows


HAZARDS = ["隐患编号", "统一社会信用代码", "发现日期", "检查方式", "隐患类别", "隐患等级", "隐患描述", "整改措施", "整改责任人",
           "整改期限", "整改完成日期", "整改状态", "上报日期", "移交部门", "移交日期"]
HAZARD_ROWS = [
    ["A1", E1, d("2026-07-10"), "驻点检查", "设备设施", "一般隐患", "阀门泄漏", "更换阀门", "甲一", d("2026-07-20"),
     d("2026-07-18"), "已整改", None, None, None],
    ["A2", E1, d("2026-08-05"), "驻点检查", "现场作业", "一般隐患", "通道堵塞", "清理通道", "甲四", d("2026-08-15"),
     d("2026-08-20"), "已整改", None, None, None],
    ["A3", E1, d("2026-08-20"), "驻点检查", "设备设施", "重大隐患", "储罐区可燃气体报警器失效", "更换报警器", "甲一",
     d("2026-10-31"), None, "整改中", d("2026-08-21"), "文登区应急管理局", d("2026-08-22")],
    ["A4", E1, d("2026-09-10"), "企业自查", "应急管理", "一般隐患", "消防通道堆放杂物", "清理杂物", "甲一",
     d("2026-09-20"), None, "未整改", None, None, None],
    ["A5", E1, d("2026-09-15"), None, "安全培训", "一般隐患", "劳保用品佩戴不规范", "班前检查", "甲四",
     d("2026-09-25"), d("2026-09-24"), "已整改", None, None, None],
    ["B1", E2, d("2026-07-08"), "驻点检查", "设备设施", "重大隐患", "反应釜安全阀超期未检", "送检", "乙一",
     d("2026-08-08"), d("2026-08-01"), "已整改", d("2026-07-12"), None, None],
    ["B2", E2, d("2026-09-05"), "驻点检查", "设备设施", "一般隐患", "静电接地断开", "恢复接地", "乙一",
     d("2026-09-15"), d("2026-09-15"), "已整改", None, None, None],  # found in the gap: nobody's
    ["B3", E2, d("2026-09-20"), "驻点检查", "其他", "一般隐患", "配电箱未上锁", "加锁", "乙一", d("2026-10-20"),
     None, "整改中", None, None, None],
    ["C1", E3, d("2026-08-05"), "驻点检查", "特殊作业", "一般隐患", "动火作业票填写不全", "重新办票", "丙一",
     d("2026-08-12"), d("2026-08-12"), "已整改", None, None, None],  # the handover week: both supervisors'
    ["C2", E3, d("2026-09-01"), "执法检查", "设备设施", "重大隐患", "防爆电气失效", "更换", "丙一", d("2026-10-01"),
     None, "整改中", d("2026-09-01"), None, None],  # found by enforcement: no supervisor's
    ["D1", E4, d("2026-09-01"), "驻点检查", "其他", "一般隐患", "危废间标识缺失", "补设标识", "丁一", d("2026-09-10"),
     None, "未整改", None, None, None],
]

STAFF = ["统一社会信用代码", "人员编号", "姓名", "岗位类别", "作业类别", "证书编号", "证书有效期至", "入职日期", "离职日期"]
STAFF_ROWS = [
    [E1, "A01", "甲一", "主要负责人", None, "Z-A01", d("2026-11-15"), None, None],  # expires in 46 days
    [E1, "A02", "甲二", "特种作业人员", "电工", "Z-A02", d("2026-09-01"), None, None],  # expired 29 days ago
    [E1, "A03", "甲三", "其他从业人员", None, None, None, None, None],  # never trained
    [E1, "A04", "甲四", "安全管理人员", None, "Z-A04", d("2028-01-01"), None, None],
    [E2, "B01", "乙一", "主要负责人", None, "Z-B01", d("2026-10-10"), None, None],  # E2's: expires in 10 days
    [E4, "D01", "丁一", "主要负责人", None, "Z-D01", d("2026-09-02"), None, None],
]
TRAINING = ["统一社会信用代码", "人员编号", "姓名", "培训名称", "培训日期", "考核结果"]
TRAINING_ROWS = [
    [E1, "A01", "甲一", "年度培训", d("2026-05-01"), "合格"],
    [E1, "A02", "甲二", "年度培训", d("2026-05-01"), "合格"],
    [E1, "A04", "甲四", "年度培训", d("2026-03-01"), "合格"],
    [E2, "B01", "乙一", "年度培训", d("2026-05-01"), "合格"],
]
CHECKLIST = ["统一社会信用代码", "季度", "安全生产责任制落实", "安全管理机构健全", "安全总监配备", "应建规章制度数",
             "已建规章制度数", "应发奖励笔数", "已发奖励笔数"]
CHECKLIST_ROWS = [
    [E1, "2026Q3", "是", "否", "是", 10, 8, 2, 2],
    [E2, "2026Q3", "否", "是", "是", 5, 5, 1, 0],
]
DRILLS = ["统一社会信用代码", "演练日期", "演练名称", "演练类型", "应参加人数", "实际参加人数"]
DRILL_ROWS = [
    [E1, d("2026-03-10"), "消防演练", "综合演练", 10, 9],
    [E2, d("2026-06-10"), "泄漏处置演练", "专项演练", 6, 6],
]
RETROFIT = ["统一社会信用代码", "方案日期", "项目名称", "改造类型", "计划完成日期", "实际完成日期"]
RETROFIT_ROWS = [
    [E1, d("2026-03-01"), "储罐区自动化改造", "自动化减人", d("2026-09-01"), None],  # 29 days late
    [E4, d("2026-03-01"), "包装线机器换人", "机器换人", d("2026-12-01"), None],
]


def build_stationing_world(folder: Path, *, extra_roster: list[list] | None = None,
                           extra_hazards: list[list] | None = None) -> Path:
    """Write the files and load them into folder/warehouse.duckdb; returns its path. A test adds its own
    enterprises and hazards (hostile ones) through `extra_roster` and `extra_hazards`."""
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "warehouse.duckdb"
    load([
        write_xlsx(folder / "名册.xlsx", "企业名册", ROSTER, ROSTER_ROWS + (extra_roster or [])),
        write_xlsx(folder / "派驻.xlsx", "驻点派驻记录", STATIONING, STATIONING_ROWS),
        write_xlsx(folder / "日志.xlsx", "驻点工作日志", LOGS, log_rows()),
        write_csv(folder / "隐患.csv", HAZARDS, HAZARD_ROWS + (extra_hazards or [])),
        write_xlsx(folder / "人员.xlsx", "人员台账", STAFF, STAFF_ROWS),
        write_xlsx(folder / "培训.xlsx", "培训记录", TRAINING, TRAINING_ROWS),
        write_csv(folder / "检查表.csv", CHECKLIST, CHECKLIST_ROWS),
        write_xlsx(folder / "演练.xlsx", "演练记录", DRILLS, DRILL_ROWS),
        write_xlsx(folder / "改造.xlsx", "智能化改造台账", RETROFIT, RETROFIT_ROWS),
    ], db)
    return db
