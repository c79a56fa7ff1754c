"""Legacy .xls (Excel 97–2003) loads like .xlsx (contract revision 2), through the same checks."""
from __future__ import annotations

import datetime as dt

import duckdb

from etl.load import load_paths
from etl.uploads import load_uploads, upload_problem
from tests.filemaker import CODE_A, CODE_B, roster_rows, write_xlsx
from tests.hostile_files import password_xls, write_xls

ENTERPRISE_COLUMNS = "enterprise_name, credit_code, district, industry, employees, supervisor, dispatch_unit, stationed_on, status"


def enterprises(db) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(f"SELECT {ENTERPRISE_COLUMNS} FROM enterprises ORDER BY credit_code").fetchall()
    finally:
        con.close()


def test_legacy_xls_roster_loads_exactly_like_the_same_xlsx(tmp_path):
    sheets = {"填表说明": [["请按模板填写，带 * 的列必填"]], "名册": roster_rows()}
    xls = write_xls(tmp_path / "旧版名册.xls", sheets)
    xlsx = write_xlsx(tmp_path / "名册.xlsx", sheets)
    [old] = load_paths([xls], tmp_path / "old.duckdb")
    [new] = load_paths([xlsx], tmp_path / "new.duckdb")
    assert (old.status, old.template, old.rows_read, old.rows_loaded, old.sheets) == ("loaded", "企业名册", 3, 3, ["名册"])
    assert (old.rows_read, old.rows_loaded, old.rows_quarantined) == (new.rows_read, new.rows_loaded, new.rows_quarantined)
    assert enterprises(tmp_path / "old.duckdb") == enterprises(tmp_path / "new.duckdb")
    assert len(enterprises(tmp_path / "old.duckdb")) == 3


def test_legacy_xls_dates_and_numbers_read_as_a_clerk_sees_them(tmp_path):
    roster = write_xlsx(tmp_path / "名册.xlsx", {"名册": roster_rows()})
    drills = write_xls(tmp_path / "演练.xls", {"演练记录": [
        ["统一社会信用代码", "演练日期", "应参加人数", "实际参加人数"],
        [CODE_A, dt.date(2026, 7, 1), 10, 9],
        [CODE_B, "2026/7/2", "10", "12"],
    ]})
    results = {r.file_name: r for r in load_paths([drills, roster], tmp_path / "w.duckdb")}
    drill = results["演练.xls"]
    assert (drill.status, drill.rows_read, drill.rows_loaded, drill.rows_quarantined) == ("loaded", 2, 1, 1)
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    assert con.execute("SELECT credit_code, drill_date, expected, actual FROM drills").fetchall() == [
        (CODE_A, dt.date(2026, 7, 1), 10, 9)]
    assert con.execute("SELECT \"column\", reason FROM quarantine").fetchall() == [
        ("实际参加人数", "实际参加人数（12）多于应参加人数（10）")]


def test_legacy_xls_upload_is_accepted_and_loaded(tmp_path):
    data = write_xls(tmp_path / "x.xls", {"名册": roster_rows()}).read_bytes()
    assert upload_problem("文登区名册.xls", len(data)) is None
    [result] = load_uploads([("文登区名册.xls", data)], tmp_path / "w.duckdb", user="市化工办 录入员")
    assert (result.file_name, result.status, result.rows_loaded) == ("文登区名册.xls", "loaded", 3)


def test_password_protected_legacy_xls_is_rejected(tmp_path):
    path = password_xls(tmp_path / "加密.xls")
    [result] = load_paths([path], tmp_path / "w.duckdb")
    assert (result.status, result.message) == (
        "rejected", "文件设置了打开密码，无法读取。请在 Excel/WPS 中取消密码后另存为 .xlsx 再发送。")
