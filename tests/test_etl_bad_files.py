"""Each kind of bad file is rejected whole, with a Chinese reason, and the others still load."""
from __future__ import annotations

import duckdb
import xlwt
from msoffcrypto.format.ooxml import OOXMLFile

from etl.load import load_paths
from tests.filemaker import CODE_A, CODE_D, roster_rows, write_csv, write_xlsx


def rejection(tmp_path, path):
    good = write_xlsx(tmp_path / "good.xlsx", {"名册": roster_rows()})
    results = {r.file_name: r for r in load_paths([path, good], tmp_path / "w.duckdb")}
    assert results["good.xlsx"].status == "loaded"
    bad = results[path.name]
    assert bad.status == "rejected"
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    assert con.execute("SELECT file_name, reason FROM rejected_files").fetchall() == [(path.name, bad.message)]
    assert con.execute("SELECT count(*) FROM enterprises").fetchall() == [(3,)]
    return bad.message


def test_truncated_xlsx(tmp_path):
    whole = write_xlsx(tmp_path / "whole.xlsx", {"名册": roster_rows()}).read_bytes()
    path = tmp_path / "truncated.xlsx"
    path.write_bytes(whole[: len(whole) // 2])
    assert rejection(tmp_path, path) == "文件已损坏或不完整，无法作为 Excel 工作簿打开。请重新导出或另存为 .xlsx 后再发送。"


def test_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    assert rejection(tmp_path, path) == "文件是空的，没有任何内容。"


def test_password_protected_workbook(tmp_path):
    plain = write_xlsx(tmp_path / "plain.xlsx", {"名册": roster_rows()})
    path = tmp_path / "locked.xlsx"
    with open(plain, "rb") as source, open(path, "wb") as target:
        OOXMLFile(source).encrypt("secret", target)
    plain.unlink()
    assert rejection(tmp_path, path) == "文件设置了打开密码，无法读取。请在 Excel/WPS 中取消密码后另存为 .xlsx 再发送。"


def test_legacy_xls_without_a_template_is_rejected_like_any_workbook(tmp_path):
    workbook = xlwt.Workbook()
    workbook.add_sheet("名册").write(0, 0, "企业名称")
    path = tmp_path / "old.xls"
    workbook.save(str(path))
    assert rejection(tmp_path, path).startswith("未能识别文件的模板：在任何工作表的前 30 行中都找不到符合模板的表头。")


def test_file_named_xls_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "网页导出.xls"
    path.write_text("<html><table><tr><td>企业名称</td></tr></table></html>", encoding="utf-8")
    assert rejection(tmp_path, path) == ("文件的扩展名是 .xls，但内容不是 Excel 工作簿（可能是网页或其他系统导出的表格）。"
                                         "请在 Excel/WPS 中打开后另存为 Excel 工作簿（.xlsx）再发送。")


def test_unknown_template(tmp_path):
    path = write_xlsx(tmp_path / "menu.xlsx", {"食堂": [["菜名", "价格"], ["红烧肉", 12]]})
    assert rejection(tmp_path, path).startswith("未能识别文件的模板：在任何工作表的前 30 行中都找不到符合模板的表头。")


def test_csv_in_an_unexpected_encoding(tmp_path):
    path = tmp_path / "utf16.csv"
    path.write_bytes("企业名称,统一社会信用代码\n甲,乙\n".encode("utf-16"))
    assert rejection(tmp_path, path).startswith("CSV 文件的字符编码无法识别")


def test_unsupported_file_type(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello", encoding="utf-8")
    assert rejection(tmp_path, path) == "不支持的文件类型“.txt”。请发送 Excel 工作簿（.xlsx 或 .xls）或 CSV 文件。"


def test_header_naming_a_column_twice_is_refused(tmp_path):
    rows = roster_rows()
    rows[0] = rows[0] + ["企业名称"]
    for row, other in zip(rows[1:], ["别的企业甲", "别的企业乙", "别的企业丙"]):
        row.append(other)
    path = write_xlsx(tmp_path / "two_names.xlsx", {"说明": [["填表说明"]], "名册": rows})
    assert rejection(tmp_path, path) == (
        "工作表“名册”第 1 行的表头中“企业名称”出现两次（A 列、J 列），无法判断用哪一列。"
        "请删除多余的一列或改正列名后再发送；整个文件未加载。")


def test_header_naming_a_column_and_its_alias_is_refused(tmp_path):
    header = ["企业名称", "统一社会信用代码", "单位名称", "所属区市", "从业人员数"]
    path = write_csv(tmp_path / "alias.csv", [header, ["甲化工有限公司", CODE_D, "乙化工有限公司", "文登区", 10]])
    assert rejection(tmp_path, path) == (
        "第 1 行的表头中“企业名称”出现两次（A 列、C 列），无法判断用哪一列。"
        "请删除多余的一列或改正列名后再发送；整个文件未加载。")


def test_header_naming_two_columns_twice_names_both(tmp_path):
    header = ["企业全称", "统一社会信用代码", "所属区市", "从业人员数", "单位名称", "职工人数", "员工人数"]
    path = write_csv(tmp_path / "twice.csv", [header, ["甲", CODE_D, "文登区", 10, "乙", 11, 12]])
    assert rejection(tmp_path, path) == (
        "第 1 行的表头中“企业名称”出现两次（A 列、E 列），无法判断用哪一列；"
        "表头中“从业人员数”出现 3 次（D 列、F 列、G 列），无法判断用哪一列。"
        "请删除多余的一列或改正列名后再发送；整个文件未加载。")


def test_an_amount_headed_in_yuan_is_refused_not_read_as_ten_thousand_times_more(tmp_path):
    header = ["统一社会信用代码", "项目名称", "计划完成日期", "投资金额（元）"]
    path = write_csv(tmp_path / "retrofit.csv", [header, [CODE_D, "机器换人一期", "2026-12-31", "3500000"]])
    assert rejection(tmp_path, path) == (
        "第 1 行的表头中，D 列“投资金额（元）”以元为单位，本列须以万元填写，请把金额换算为万元（元数除以 10000）"
        "并把表头改为“投资金额（万元）”，再重新发送；整个文件未加载。")


def test_an_amount_headed_in_its_own_unit_or_none_loads(tmp_path):
    for name, label in (("wan.csv", "投资金额（万元）"), ("bare.csv", "投资金额"), ("spaced.csv", "投资金额 ( 万元 )")):
        header = ["统一社会信用代码", "项目名称", "计划完成日期", label]
        path = write_csv(tmp_path / name, [header, [CODE_A, "机器换人一期", "2026-12-31", "350"]])
        roster = write_xlsx(tmp_path / "roster.xlsx", {"名册": roster_rows()})
        db = tmp_path / f"{name}.duckdb"
        result = load_paths([roster, path], db)[1]
        assert result.status == "loaded" and result.rows_loaded == 1, (label, result)
        con = duckdb.connect(str(db), read_only=True)
        assert con.execute("SELECT investment FROM retrofit_projects").fetchall() == [(350,)]
        con.close()
