"""A small hand-built world for the reconciliation checks (metrics/reconcile.py), loaded through the ETL.

Quarter under test: 2026Q3 (07-01 … 09-30), as of 09-30. Official working days in the quarter: 66 (July 23,
August 21, September 22 — less 中秋 Friday 09-25, plus the 调休 Sunday 09-20). Every supervisor logs every
calendar day of the quarter while stationed, except where a comment says otherwise, so no check fires by accident.
Each check has one case that must fire and one that must not (the comments name them):

  E1 文登区 张三   log_vs_ledger fires (logs 4 problems, ledger 1 hazard); director_vs_staff fires (是, none on duty);
                  headcount 5 = 5 does not fire
  E2 文登区 李四   log_vs_ledger fires the other way (3 驻点检查 hazards, logs 1 problem); director_vs_staff fires
                  (否, 乙总监 on duty); headcount fires (10 on the roster, 8 on duty: B09 left on 09-15)
  E3 环翠区 王五 → 周九 (stationing records: 王五 01-05 … withdrawn 08-01, 周九 from 07-25)
                  log_vs_ledger does not fire (4 = 4); director 是 with one on duty does not fire; headcount 10 vs 9
                  (exactly 10 %) does not fire; repeat_hazard fires for R2 (same text but for spaces and punctuation,
                  07-20, 王五) and R6 (near-identical, 0.92, 09-01, 周九); R3 (other text), R5 (closed R4 more than 12
                  months before) do not; 王五's 19 perfect special-operation days are below 20
  E4 环翠区 赵六   zero_hazard_stationed fires; log_gap fires (no log 08-13 … 08-19: 5 working days), a 4-day gap
                  (09-01 … 09-04) does not
  E5 环翠区 钱七   zero_hazard_stationed does not fire (one hazard); perfect_onsite fires (20 days, every one equal)
  E6 荣成市 孙八   closure_incomplete fires for C1 (no 验收人) and C2 (已销号, neither); C3 (complete, 销号 on the day
                  it was rectified) and C4 (已整改, not 销号) do not; closed_before_rectified fires for C5, not C3;
                  major_transfer_unreported fires for M1, not M2 (reported) nor M3 (no 移交部门);
                  perfect_onsite does not fire (25 days, one short)
  E7 文登区 (no supervisor) headcount fires (3 on the roster, no staff roster): supervisor （无驻点人员）;
                  zero_hazard_stationed does not fire (nobody stationed)
  E8 荣成市 关闭   a major hazard handed over and unreported: out of scope, never listed
"""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from core.codes import with_check_character
from tests.metrics_fixtures import d, load, write_csv, write_xlsx

CODES = {n: with_check_character(f"9137100{n % 3}MA3R000{n}0") for n in range(1, 9)}
NAMES = {n: f"威海{'一二三四五六七八'[n - 1]}号化工有限公司" for n in range(1, 9)}
Q_START, Q_END = d("2026-07-01"), d("2026-09-30")

ROSTER = ["企业名称", "统一社会信用代码", "所属区市", "行业类别", "从业人员数", "驻点监督人员", "派出单位", "进驻日期", "企业状态"]
ROSTER_ROWS = [
    [NAMES[1], CODES[1], "文登区", "化学原料", 5, "张三", "文登区化工专项办", d("2026-01-05"), "正常生产"],
    [NAMES[2], CODES[2], "文登区", "化学原料", 10, "李四", "文登区化工专项办", d("2026-01-05"), "正常生产"],
    [NAMES[3], CODES[3], "环翠区", "化学原料", 10, "周九", "环翠区化工专项办", d("2026-07-25"), "正常生产"],
    [NAMES[4], CODES[4], "环翠区", "化学原料", 1, "赵六", "环翠区化工专项办", d("2026-01-05"), "正常生产"],
    [NAMES[5], CODES[5], "环翠区", "化学原料", 1, "钱七", "环翠区化工专项办", d("2026-01-05"), "停产"],
    [NAMES[6], CODES[6], "荣成市", "化学原料", 1, "孙八", "荣成市化工专项办", d("2026-01-05"), "正常生产"],
    [NAMES[7], CODES[7], "文登区", "化学原料", 3, None, None, None, "正常生产"],
    [NAMES[8], CODES[8], "荣成市", "化学原料", 1, "吴十", "荣成市化工专项办", d("2026-01-05"), "关闭"],
]

STATIONING = ["驻点人员", "统一社会信用代码", "派出单位", "进驻日期", "撤离日期", "交接日期", "交接人"]
STATIONING_ROWS = [
    ["王五", CODES[3], "环翠区化工专项办", d("2026-01-05"), d("2026-08-01"), d("2026-07-31"), "周九"],
    ["周九", CODES[3], "环翠区化工专项办", d("2026-07-25"), None, None, None],
]

STAFF = ["统一社会信用代码", "人员编号", "姓名", "岗位类别", "作业类别", "证书编号", "证书有效期至", "入职日期", "离职日期"]


def _people(n: int, count: int, director: str | None = None, left: dict[int, date] | None = None) -> list[list]:
    rows = [[CODES[n], f"E{n}-{i:02d}", f"员工{n}{i:02d}", "其他从业人员", None, None, None, None, (left or {}).get(i)]
            for i in range(1, count + 1)]
    if director:
        rows[0][2:4] = [director, "安全总监"]
    return rows


STAFF_ROWS = (
    _people(1, 5)  # no 安全总监
    + _people(2, 9, director="乙总监", left={9: d("2026-09-15")})  # 8 on duty at 09-30
    + _people(3, 9, director="丙总监")  # 9 on duty: 10 % below the roster's 10
    + _people(4, 1) + _people(5, 1) + _people(6, 1) + _people(8, 1)
)

CHECKLIST = ["统一社会信用代码", "季度", "安全生产责任制落实", "安全管理机构健全", "安全总监配备", "应建规章制度数", "已建规章制度数"]
CHECKLIST_ROWS = [
    [CODES[1], "2026Q3", "是", "是", "是", 10, 10],  # CSV row 2
    [CODES[2], "2026Q3", "是", "是", "否", 10, 10],  # CSV row 3
    [CODES[3], "2026Q3", "是", "是", "是", 10, 10],
    [CODES[4], "2026Q3", "是", "是", "不适用", 10, 10],
    [CODES[5], "2026Q3", "是", "是", "否", 10, 10],
]

HAZARDS = ["隐患编号", "统一社会信用代码", "发现日期", "检查方式", "隐患类别", "隐患等级", "隐患描述", "整改期限", "整改完成日期",
           "整改状态", "销号日期", "验收人", "上报日期", "移交部门"]


def hazard(hazard_id, n, found, method, category, description, *, rectified=None, status="未整改", closed=None,
           acceptor=None, level="一般隐患", reported=None, to=None) -> list:
    found_on = d(found)
    return [hazard_id, CODES[n], found_on, method, category, level, description, found_on + timedelta(days=30),
            d(rectified) if rectified else None, status, d(closed) if closed else None, acceptor,
            d(reported) if reported else None, to]


DONE = {"rectified": "2026-08-20", "status": "已销号", "closed": "2026-08-25", "acceptor": "验收甲"}
HAZARD_ROWS = [
    # Excel rows 3… (title row 1, header row 2)
    hazard("E1-1", 1, "2026-07-10", "驻点检查", "设备设施", "转动设备防护罩缺失", **DONE),  # row 3
    hazard("E2-1", 2, "2026-07-06", "驻点检查", "现场作业", "车间通道堆放物料", **DONE),  # row 4: E2's first 驻点检查
    hazard("E2-2", 2, "2026-07-16", "驻点检查", "应急管理", "应急预案未按期修订", **DONE),
    hazard("E2-3", 2, "2026-08-06", "驻点检查", "安全培训", "三级安全教育记录不全", **DONE),
    hazard("R4", 3, "2025-06-01", "驻点检查", "设备设施", "可燃气体报警器未定期检测", rectified="2025-06-20",
           status="已销号", closed="2025-07-01", acceptor="验收乙"),  # closed more than 12 months before R5
    hazard("R1", 3, "2026-03-01", "驻点检查", "设备设施", "反应釜压力表超过检定有效期", rectified="2026-03-08",
           status="已销号", closed="2026-03-10", acceptor="验收乙"),
    hazard("R2", 3, "2026-07-20", "驻点检查", "设备设施", "反应釜压力表 超过检定有效期。", rectified="2026-07-28",
           status="已销号", closed="2026-07-30", acceptor="验收乙"),  # row 9: repeats R1 (132 days after its 销号)
    hazard("R3", 3, "2026-08-05", "驻点检查", "设备设施", "安全阀未按期校验", **DONE),  # another text
    hazard("R5", 3, "2026-07-15", "驻点检查", "设备设施", "可燃气体报警器未定期检测", rectified="2026-07-18",
           status="已销号", closed="2026-07-20", acceptor="验收乙"),  # R4 closed 2025-07-01: > 12 months
    hazard("R6", 3, "2026-09-01", "驻点检查", "设备设施", "可燃气体报警器未定期检测维护"),  # row 12: ~R5 (0.92), 43 days
    hazard("E5-1", 5, "2026-08-03", "驻点检查", "其他", "安全警示标志褪色", **DONE),
    # E6: every case of the ledger checks, found by the enterprise itself (so its logs need not mention them)
    hazard("C1", 6, "2026-07-01", "企业自查", "管理制度", "未制定动火作业安全管理制度", rectified="2026-07-05",
           status="已销号", closed="2026-07-08"),  # row 14: no 验收人
    hazard("C2", 6, "2026-07-02", "企业自查", "安全投入", "未按规定提取安全生产费用", rectified="2026-07-06",
           status="已销号"),  # row 15: neither 销号日期 nor 验收人
    hazard("C3", 6, "2026-07-03", "企业自查", "应急管理", "应急物资柜内防毒面具过期", rectified="2026-07-09",
           status="已销号", closed="2026-07-09", acceptor="验收丙"),  # 销号 the day it was rectified
    hazard("C4", 6, "2026-07-04", "企业自查", "原材料产成品", "产品包装标签不规范", rectified="2026-07-10",
           status="已整改"),  # rectified, not yet 销号: no 验收人 needed
    hazard("C5", 6, "2026-07-05", "企业自查", "特殊作业", "高处作业未系挂安全带", rectified="2026-08-05",
           status="已销号", closed="2026-08-01", acceptor="验收丙"),  # row 18: 销号 4 days before rectified
    hazard("M1", 6, "2026-08-10", "执法检查", "现场作业", "甲类车间与办公区防火间距不足", level="重大隐患",
           to="荣成市消防救援大队"),  # row 19: handed over, no 上报日期
    hazard("M2", 6, "2026-08-11", "执法检查", "设备设施", "储罐区未按规定设置紧急切断装置", level="重大隐患",
           reported="2026-08-11", to="荣成市消防救援大队"),
    hazard("M3", 6, "2026-08-12", "执法检查", "设备设施", "涉及重点监管危险化工工艺的装置未实现自动化控制",
           level="重大隐患"),  # unreported, but no 移交部门: the watch list's, not this check's
    hazard("M8", 8, "2026-08-10", "执法检查", "现场作业", "甲类车间与办公区防火间距不足", level="重大隐患",
           to="荣成市消防救援大队"),  # the closed E8
]

LOGS = ["日期", "驻点人员", "统一社会信用代码", "工作内容", "发现问题数", "特殊作业类型", "特殊作业数", "现场监督数"]


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _logs(who: str, n: int, days: list[date], problems: dict[date, int] | None = None,
          special: dict[date, tuple[str, int, int]] | None = None) -> list[list]:
    rows = []
    for day in days:
        kind, ops, onsite = (special or {}).get(day, (None, 0, 0))
        rows.append([day, who, CODES[n], "日常巡查", (problems or {}).get(day, 0), kind, ops, onsite])
    return rows


QUARTER = _days(Q_START, Q_END)
WEEKDAYS = [day for day in QUARTER if day.weekday() < 5]
MISSING_E4 = set(_days(d("2026-08-13"), d("2026-08-19"))) | set(_days(d("2026-09-01"), d("2026-09-04")))
PERFECT_E5 = {day: ("吊装作业" if i == 0 else "动火作业", 2, 2) for i, day in enumerate(WEEKDAYS[:20])}
ALMOST_E6 = {day: ("动火作业", 1, 0 if i == 24 else 1) for i, day in enumerate(WEEKDAYS[:25])}
PERFECT_WANG = {day: ("高处作业", 1, 1) for day in WEEKDAYS[:19]}

LOG_ROWS = (
    # E1 first: 07-01 (row 3) has no problem, 07-02 (row 4) is the first with one; 4 in all
    _logs("张三", 1, QUARTER, problems={d("2026-07-02"): 1, d("2026-07-03"): 2, d("2026-08-04"): 1})
    + _logs("李四", 2, QUARTER, problems={d("2026-07-06"): 1})
    + _logs("王五", 3, _days(Q_START, d("2026-07-31")), problems={d("2026-07-20"): 1, d("2026-07-15"): 1},
            special=PERFECT_WANG)
    + _logs("周九", 3, _days(d("2026-07-25"), Q_END), problems={d("2026-08-05"): 1, d("2026-09-01"): 1})
    + _logs("赵六", 4, [day for day in QUARTER if day not in MISSING_E4])
    + _logs("钱七", 5, QUARTER, problems={d("2026-08-03"): 1}, special=PERFECT_E5)
    + _logs("孙八", 6, QUARTER, special=ALMOST_E6)
)


def build_reconcile_world(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "warehouse.duckdb"
    load([
        write_xlsx(folder / "名册.xlsx", "企业名册", ROSTER, ROSTER_ROWS),
        write_xlsx(folder / "派驻记录.xlsx", "驻点派驻记录", STATIONING, STATIONING_ROWS),
        write_xlsx(folder / "人员台账.xlsx", "人员台账", STAFF, STAFF_ROWS),
        write_csv(folder / "检查表.csv", CHECKLIST, CHECKLIST_ROWS),
        write_xlsx(folder / "隐患台账.xlsx", "隐患台账", HAZARDS, HAZARD_ROWS),
        write_xlsx(folder / "日志.xlsx", "驻点工作日志", LOGS, LOG_ROWS),
    ], db)
    return db
