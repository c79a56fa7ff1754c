"""The reconciliation world of tests/reconcile_world.py as the meeting pack's tests need it: the same files, with
E7's name made hostile (a spreadsheet would run it as a formula) and an 智能化改造台账 added.

Reconciliation, 2026Q3 as of 09-30 (worked out in tests/reconcile_world.py): findings per check in declaration
order 2, 2, 2, 1, 2, 1, 2, 1, 1, 1 (15); per district 环翠区 5 (repeat 2, zero-hazard 1, log gap 1, perfect 1),
文登区 6 (log vs ledger 2, director 2, headcount 2: E1, E2 and E7), 荣成市 4 (major transfer unreported 1,
closure incomplete 2, closed before rectified 1: all E6). By nature: 记录不一致 6, 数据缺口 3, 记录错误 1, 需核实 5.

直通车 (escalation), settings at their defaults (上报 1 day, 办结 30 days), all at E6 荣成市:
    M1 major, 移交部门 filled, no 上报日期: 未填上报日期 (a gap); deadline 09-09 not met: 超期未整改
    M2 major, reported the day it was found: on time; deadline 09-10 not met: 超期未整改
    M3 major, neither reported nor handed over: 超时未上报; deadline 09-11 not met: 超期未整改
    M1 and M2 handed over without a 移交日期 (gaps), no reply 30 days after being found: 超时未办结
  荣成市: 重大隐患 3, 上报超时 1, 整改超期 3, 销号超时 0, 挂牌督办 0, 移交事项 2, 办结超时 2, 数据缺口 3.

一企一策 (智能化改造台账), as of 09-30; enterprises in scope: 环翠区 E3 E4 E5, 文登区 E1 E2 E7, 荣成市 E6 (E8 关闭):
    G1 E1 文登区  diagnosed, planned, due 06-30, done 06-20: on time, 3 posts
    G2 E2 文登区  diagnosed, planned, due 08-31, not done: 逾期未完成
    G3 E3 环翠区  diagnosed 03-01, no plan date, due 2027-03-31: under way
    G4 E6 荣成市  diagnosed, planned, due 07-31, done 08-10: 逾期完成, 2 posts
  环翠区 3 1 0 0 1 0 0 0 0; 文登区 3 2 2 1 2 1 0 1 3; 荣成市 1 1 1 1 1 1 1 0 2; 全市 7 4 3 2 4 2 1 1 5
  (企业数, 已诊断, 已编制方案, 有项目完成, 改造项目, 已完成项目, 其中逾期完成, 逾期未完成, 减少危险岗位人数).
"""
from __future__ import annotations

from pathlib import Path

from tests import reconcile_world as world
from tests.metrics_fixtures import d, load, write_csv, write_xlsx

HOSTILE_NAME = '@HYPERLINK("http://example.invalid","威海七号")'  # E7, 文登区: a formula to a spreadsheet
RETROFIT = ["统一社会信用代码", "诊断日期", "方案日期", "项目名称", "改造类型", "计划完成日期", "实际完成日期", "投资金额（万元）",
            "减少危险岗位人数"]
RETROFIT_ROWS = [
    [world.CODES[1], d("2025-10-01"), d("2025-11-01"), "G1 包装机器人", "机器换人", d("2026-06-30"), d("2026-06-20"),
     100.0, 3],
    [world.CODES[2], d("2026-01-10"), d("2026-02-01"), "G2 DCS改造", "自动化减人", d("2026-08-31"), None, 50.0, None],
    [world.CODES[3], d("2026-03-01"), None, "G3 视频分析", "智能化改造", d("2027-03-31"), None, 5.0, None],
    [world.CODES[6], d("2025-12-01"), d("2026-01-01"), "G4 巡检机器人", "机器换人", d("2026-07-31"), d("2026-08-10"),
     40.0, 2],
]


def build_reconcile_pack_world(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "warehouse.duckdb"
    roster = [[HOSTILE_NAME, *row[1:]] if row[1] == world.CODES[7] else row for row in world.ROSTER_ROWS]
    load([
        write_xlsx(folder / "名册.xlsx", "企业名册", world.ROSTER, roster),
        write_xlsx(folder / "派驻记录.xlsx", "驻点派驻记录", world.STATIONING, world.STATIONING_ROWS),
        write_xlsx(folder / "人员台账.xlsx", "人员台账", world.STAFF, world.STAFF_ROWS),
        write_csv(folder / "检查表.csv", world.CHECKLIST, world.CHECKLIST_ROWS),
        write_xlsx(folder / "隐患台账.xlsx", "隐患台账", world.HAZARDS, world.HAZARD_ROWS),
        write_xlsx(folder / "日志.xlsx", "驻点工作日志", world.LOGS, world.LOG_ROWS),
        write_xlsx(folder / "改造台账.xlsx", "智能化改造台账", RETROFIT, RETROFIT_ROWS),
    ], db)
    return db
