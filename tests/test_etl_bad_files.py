"""Each kind of bad file is rejected whole, with a Chinese reason, and the others still load."""
from __future__ import annotations

import duckdb
import pytest
import xlwt
from msoffcrypto.format.ooxml import OOXMLFile

from etl.load import load_paths
from tests.filemaker import roster_rows, write_xlsx


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


def test_legacy_xls(tmp_path):
    workbook = xlwt.Workbook()
    workbook.add_sheet("名册").write(0, 0, "企业名称")
    path = tmp_path / "old.xls"
    workbook.save(str(path))
    assert rejection(tmp_path, path) == "这是旧版 Excel（.xls）文件。请在 Excel/WPS 中“另存为”Excel 工作簿（.xlsx）后再发送。"


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
    assert rejection(tmp_path, path) == "不支持的文件类型“.txt”。请发送 Excel 工作簿（.xlsx）或 CSV 文件。"
