"""Rolling a batch back returns the indicators to what they were before it (figures worked out by hand)."""
from __future__ import annotations

import duckdb
import openpyxl
import pytest

from etl.batches import RollbackError, rollback
from etl.load import load_paths
from etl.resend import resend_workbook
from warehouse.store import open_reader
from metrics import api
from tests.filemaker import CODE_A, CODE_B, ROSTER_HEADER, roster_rows, write_csv, write_xlsx

HAZARD_HEADER = ["隐患编号", "统一社会信用代码", "发现日期", "隐患类别", "隐患等级", "隐患描述", "整改期限", "整改完成日期", "整改状态"]


def figures(db, code, by="district"):
    """(group, numerator, denominator) of one indicator for 2026Q3, districts with data only."""
    con = open_reader(db)
    try:
        frame = api.report(con, "2026Q3", by=by, indicators=[code])
    finally:
        con.close()
    frame = frame[frame["denominator"] > 0]
    return sorted((row.group, int(row.numerator), int(row.denominator)) for row in frame.itertuples())


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "w.duckdb"
    load_paths([write_xlsx(tmp_path / "roster.xlsx", {"名册": roster_rows()})], path)
    return path


def test_rolling_back_a_ledger_restores_the_versions_it_superseded(tmp_path, db):
    first = write_xlsx(tmp_path / "ledger_q3a.xlsx", {"台账": [
        HAZARD_HEADER,
        ["H1", CODE_A, "2026-07-01", "设备设施", "一般隐患", "泵体泄漏", "2026-07-10", None, "未整改"],
        ["H2", CODE_A, "2026-07-05", "现场作业", "一般隐患", "通道堵塞", "2026-07-10", "2026-07-08", "已整改"],
        ["H3", CODE_B, "2026-08-01", "应急管理", "一般隐患", "器材过期", "2026-08-10", None, "整改中"],
    ]})
    second = write_xlsx(tmp_path / "ledger_q3b.xlsx", {"台账": [
        HAZARD_HEADER,
        ["H1", CODE_A, "2026-07-01", "设备设施", "一般隐患", "泵体泄漏", "2026-07-10", "2026-09-30", "已整改"],
        ["H3", CODE_B, "2026-08-01", "应急管理", "一般隐患", "器材过期", "2026-08-10", "2026-10-05", "已整改"],
    ]})
    [loaded_first] = load_paths([first], db)
    # 文登区: H1 open, H2 rectified -> 1/2; 荣成市 (停产, still in scope): H3 open -> 0/1; city 1/3
    assert figures(db, "rectification") == [("文登区", 1, 2), ("荣成市", 0, 1)]
    assert figures(db, "rectification", by="city") == [("全市", 1, 3)]

    [loaded_second] = load_paths([second], db)
    # H1 rectified on the quarter's last day counts; H3 rectified 2026-10-05, after Q3 ended, does not
    assert figures(db, "rectification") == [("文登区", 2, 2), ("荣成市", 0, 1)]

    rollback(db, loaded_second.batch_id)
    assert figures(db, "rectification") == [("文登区", 1, 2), ("荣成市", 0, 1)]
    con = open_reader(db)
    assert con.execute("SELECT hazard_id, status FROM hazards_current ORDER BY 1").fetchall() == [
        ("H1", "未整改"), ("H2", "已整改"), ("H3", "整改中")]
    con.close()

    with pytest.raises(RollbackError, match="撤销过"):
        rollback(db, loaded_second.batch_id)
    rollback(db, loaded_first.batch_id)
    assert figures(db, "rectification") == []  # no hazards: no data, not 100%


def test_rolling_back_a_roster_restores_the_enterprise_it_changed(tmp_path, db):
    drills = write_csv(tmp_path / "drills.csv", [
        ["统一社会信用代码", "演练日期", "应参加人数", "实际参加人数"],
        [CODE_A, "2026-07-01", "10", "9"], [CODE_B, "2026-07-02", "20", "20"]])
    load_paths([drills], db)
    # 文登区 9/10, 荣成市 20/20, city 29/30
    assert figures(db, "drill_participation") == [("文登区", 9, 10), ("荣成市", 20, 20)]
    closing = write_xlsx(tmp_path / "roster_later.xlsx", {"名册": [
        ROSTER_HEADER, ["荣成市海达化工有限公司", CODE_B, "荣成市", "涂料", 45, "李明", "荣成市应急局", "2026-08-15", "关闭"]]})
    [later] = load_paths([closing], db)
    assert figures(db, "drill_participation") == [("文登区", 9, 10)]  # 关闭 enterprises leave every indicator
    rollback(db, later.batch_id)
    assert figures(db, "drill_participation") == [("文登区", 9, 10), ("荣成市", 20, 20)]


def test_fix_and_resend_workbook_round_trip(tmp_path, db):
    drills = write_xlsx(tmp_path / "drills.xlsx", {"演练": [
        ["单位名称", "统一社会信用代码", "演练日期", "演练类型", "应参加人数", "实际参加人数", "填报人备注"],
        ["威海（文登）精细化工有限公司", CODE_A, "2026-07-01", "综合演练", 10, 12, "二车间"],
        [None, CODE_A, "2026-02-30", "桌面推演", 8, 8, None],
        [None, CODE_A, "2026-07-03", "桌面推演", 8, 8, "=HYPERLINK(\"http://x\")"],
    ]})
    [result] = load_paths([drills], db)
    assert (result.rows_loaded, result.rows_quarantined) == (1, 2)
    con = open_reader(db)
    content = resend_workbook(con, [result.batch_id])
    con.close()
    path = tmp_path / "resend.xlsx"
    path.write_bytes(content)
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["说明", "演练记录"]
    sheet = workbook["演练记录"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == ["企业名称", "统一社会信用代码", "演练日期*", "演练名称", "演练类型", "应参加人数*", "实际参加人数*",
                       "填报人备注", "问题说明", "原文件", "原工作表", "原行号"]
    assert rows[1] == ["威海（文登）精细化工有限公司", CODE_A, "2026-07-01", None, "综合演练", "10", "12", "二车间",
                       "实际参加人数：实际参加人数（12）多于应参加人数（10）", "drills.xlsx", "演练", 2]
    assert rows[2][2] == "2026-02-30" and rows[2][8].startswith("演练日期：日期无法识别或不存在")
    assert len(rows) == 3
    assert sheet["G2"].fill.fgColor.rgb.endswith("FFF2A8") and sheet["C3"].fill.fgColor.rgb.endswith("FFF2A8")

    # the district corrects the two cells and sends the sheet back
    sheet["G2"] = 10
    sheet["C3"] = "2026-02-28"
    workbook.save(path)
    [again] = load_paths([path], db)
    assert (again.template, again.rows_loaded, again.rows_quarantined) == ("演练记录", 2, 0)
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT drill_date, expected, actual FROM drills ORDER BY drill_date").fetchall()[0][1:] == (8, 8)
    # 文登区 A: the three drills; 荣成市 B (停产, in scope) held no drill in the 12 months: its 45 employees count
    # as not taking part
    assert figures(db, "drill_participation") == [("文登区", 8 + 10 + 8, 8 + 10 + 8), ("荣成市", 0, 45)]


LOG_HEADER = ["日期", "驻点人员", "统一社会信用代码", "工作内容", "特殊作业类型", "特殊作业数", "现场监督数"]


def logged_days(db) -> list[tuple]:
    """文登区's 工作日志填报率 as of 2026-07-10: 8 working days due (1–3 and 6–10 July) for 王强 at A."""
    con = open_reader(db)
    try:
        frame = api.report(con, "2026Q3", by="district", as_of="2026-07-10", indicators=["log_fill"])
    finally:
        con.close()
    return [(int(r.numerator), int(r.denominator)) for r in frame.itertuples() if r.group == "文登区"]


def test_the_logged_days_follow_every_load_and_rollback_of_a_log_file(tmp_path, db):
    first = write_csv(tmp_path / "日志_1.csv", [
        LOG_HEADER, ["2026-07-01", "王强", CODE_A, "巡查", "", 0, 0], ["2026-07-02", "王强", CODE_A, "巡查", "", 0, 0]])
    second = write_csv(tmp_path / "日志_2.csv", [
        LOG_HEADER, ["2026-07-02", "王强", CODE_A, "复查", "", 0, 0], ["2026-07-03", "王 强", CODE_A, "巡查", "", 0, 0]])
    assert logged_days(db) == [(0, 8)]
    [loaded_first] = load_paths([first], db)
    assert logged_days(db) == [(2, 8)]
    [loaded_second] = load_paths([second], db)
    # 2 July twice is one day; "王 强" is 王强
    assert logged_days(db) == [(3, 8)]
    rollback(db, loaded_second.batch_id)
    assert logged_days(db) == [(2, 8)]
    rollback(db, loaded_first.batch_id)
    assert logged_days(db) == [(0, 8)]
