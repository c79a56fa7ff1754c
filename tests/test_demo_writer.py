"""The demo writer writes each worksheet's cells itself: the bytes must be the ones openpyxl writes.

`demo.writers.sheet_data` stands in for openpyxl's write-only sheet, cell by cell; a value it does not
know sends the workbook through openpyxl. Each test writes the same sheets both ways and compares bytes.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import zipfile
from pathlib import Path

import pytest
from openpyxl.utils.exceptions import IllegalCharacterError

import demo.world
from demo import writers
from demo.generate import generate
from demo.sheets import OutFile, Sheet

SMALL_WORLD = 4


def through_openpyxl(monkeypatch):
    def unknown(rows):
        raise writers._Unknown
    monkeypatch.setattr(writers, "sheet_data", unknown)


def both_ways(tmp_path: Path, monkeypatch, sheets: list[Sheet]) -> tuple[bytes, bytes]:
    fast, slow = tmp_path / "fast.xlsx", tmp_path / "slow.xlsx"
    writers.write_xlsx(fast, sheets)
    with monkeypatch.context() as patch:
        through_openpyxl(patch)
        writers.write_xlsx(slow, sheets)
    return fast.read_bytes(), slow.read_bytes()


def test_cells_escaped_spaced_typed_and_empty_are_openpyxls_bytes(tmp_path, monkeypatch):
    sheets = [
        Sheet("名册", ["企业名称", "人数", "日期"], [
            ["A&B<C>D \"引号\" 'x'\r\n\t", 12, dt.date(2026, 7, 1)],
            [" 前导空格", 12.5, dt.date(1900, 2, 28)],
            ["尾随空格 ", 1e16, dt.date(1900, 1, 1)],
            ["", True, None],
            [None, False, dt.date(2026, 7, 1)],
            ["𠀀 astral", 123456789012345678, -0.0],
            ["=", 0, 1],
        ], above=[["标题"], []], below=[["合计", 37]]),
        Sheet("第二张", ["无日期"], [[1.0], ["1"], [True], [1]]),
        Sheet("空表", [], []),
    ]
    fast, slow = both_ways(tmp_path, monkeypatch, sheets)
    assert fast == slow
    with zipfile.ZipFile(tmp_path / "fast.xlsx") as archive:
        first = archive.read("xl/worksheets/sheet1.xml").decode("ascii")
    assert '<c r="A4" t="inlineStr"><is><t xml:space="preserve">A&amp;B&lt;C&gt;D "&#24341;&#21495;" \'x\'&#13;\n\t</t></is></c>' in first
    assert '<c r="C4" s="1" t="n"><v>46204</v></c>' in first
    assert '<c r="A5" t="inlineStr"><is><t xml:space="preserve"> &#21069;' in first
    assert '<row r="2"></row>' in first and '<c r="A7" t="inlineStr"></c>' in first


@pytest.mark.parametrize("value", [
    dt.datetime(2026, 7, 1, 8, 30), "#N/A", "=SUM(A1:A2)", float("nan"), float("inf"), "\x7f", "x" * 40000,
    dt.time(8, 30),
])
def test_a_value_only_openpyxl_knows_sends_the_workbook_through_it(tmp_path, monkeypatch, value):
    sheets = [Sheet("表", ["值", "说明"], [[value, "其余照常"], ["文字", 3]])]
    with pytest.raises(writers._Unknown):
        writers.sheet_data(sheets[0].all_rows())
    fast, slow = both_ways(tmp_path, monkeypatch, sheets)
    assert fast == slow


def test_a_character_no_sheet_can_hold_is_refused_as_openpyxl_refuses_it(tmp_path):
    with pytest.raises(IllegalCharacterError):
        writers.write_xlsx(tmp_path / "bad.xlsx", [Sheet("表", ["值"], [["响铃\x07"]])])


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_a_demo_set_is_byte_for_byte_what_openpyxl_writes(tmp_path, monkeypatch):
    monkeypatch.setattr(demo.world, "ENTERPRISES_PER_DISTRICT",
                        dict.fromkeys(demo.world.ENTERPRISES_PER_DISTRICT, SMALL_WORLD))
    monkeypatch.setattr(demo.world, "DEFAULT_ENTERPRISES_PER_DISTRICT", SMALL_WORLD)
    generate(tmp_path / "fast", end_quarter="2026Q3")
    through_openpyxl(monkeypatch)
    generate(tmp_path / "slow", end_quarter="2026Q3")
    fast, slow = digests(tmp_path / "fast"), digests(tmp_path / "slow")
    assert len(fast) == 128 and sum(name.endswith(".xlsx") for name in fast) == 118
    assert fast == slow


def test_a_second_writing_process_writes_the_same_files(tmp_path, monkeypatch):
    monkeypatch.setattr(demo.world, "ENTERPRISES_PER_DISTRICT",
                        dict.fromkeys(demo.world.ENTERPRISES_PER_DISTRICT, SMALL_WORLD))
    monkeypatch.setattr(demo.world, "DEFAULT_ENTERPRISES_PER_DISTRICT", SMALL_WORLD)
    here = generate(tmp_path / "here", scale=2, end_quarter="2026Q3", separate_writer=False)
    there = generate(tmp_path / "there", scale=2, end_quarter="2026Q3")  # beyond scale 1: a second process
    assert [p.name for p in here] == [p.name for p in there] and len(here) == 128
    assert digests(tmp_path / "here") == digests(tmp_path / "there")


def test_a_writing_process_that_fails_is_reported_not_ignored(tmp_path):
    with pytest.raises(writers.WriterFailed) as failure:
        with writers.file_writer(tmp_path) as write:
            write(OutFile("好.xlsx", [Sheet("表", ["值"], [["文字"]])]))
            write(OutFile("坏.xlsx", [Sheet("表", ["值"], [["响铃\x07"]])]))  # openpyxl refuses it
    assert str(failure.value).startswith("演示数据写入进程意外退出（openpyxl.utils.exceptions.IllegalCharacterError")
    assert "响铃\\x07 cannot be used in worksheets" in str(failure.value)  # shown as its escape
    assert str(failure.value).endswith("文件未写完。请重新生成。")
    assert (tmp_path / "好.xlsx").exists() and not (tmp_path / "坏.xlsx").exists()
