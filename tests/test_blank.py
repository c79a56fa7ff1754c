"""Blank templates: header, drop-down lists, 填表说明 sheet, recognised by the loader."""
from __future__ import annotations

import openpyxl
import pytest

from etl import headers
from etl.blank import write_blank_templates
from etl.readers import read_file
from warehouse.templates import HAZARDS, TEMPLATES, WORK_LOGS

DISTRICTS = ["环翠区", "文登区", "荣成市", "乳山市", "高区", "经区", "临港区", "南海新区"]


@pytest.fixture(scope="module")
def all_blanks(tmp_path_factory):
    return write_blank_templates("all", tmp_path_factory.mktemp("blank"))


def validations_by_column(sheet) -> dict[str, object]:
    found = {}
    for validation in sheet.data_validations.dataValidation:
        for cell_range in validation.sqref.ranges:
            found[cell_range.coord.split(":")[0].rstrip("0123456789")] = validation
    return found


def test_all_writes_one_workbook_per_template(all_blanks):
    assert len(all_blanks) == len(TEMPLATES) == 9
    assert sorted(p.name for p in all_blanks) == sorted(f"{t.title}_空白模板.xlsx" for t in TEMPLATES)


def test_data_sheet_has_the_canonical_header_with_required_marks(all_blanks):
    path = next(p for p in all_blanks if p.name.startswith("隐患台账"))
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["隐患台账", "填表说明"]
    sheet = workbook["隐患台账"]
    header = [c.value for c in sheet[1]]
    # Required in 3.5 of the contract: 隐患编号, 发现日期, 隐患类别, 隐患等级, 隐患描述, 整改期限.
    assert header[:5] == ["隐患编号*", "企业名称", "统一社会信用代码", "所属区市", "发现日期*"]
    assert [h for h in header if h.endswith("*")] == ["隐患编号*", "发现日期*", "隐患类别*", "隐患等级*",
                                                     "隐患描述*", "整改期限*"]
    assert len(header) == len(HAZARDS.columns)
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["I"].width >= 30  # 隐患描述 is wide


def test_coded_columns_have_drop_down_lists(all_blanks):
    workbook = openpyxl.load_workbook(next(p for p in all_blanks if p.name.startswith("隐患台账")))
    lists = validations_by_column(workbook["隐患台账"])
    # D 所属区市, G 隐患类别, H 隐患等级, N 整改状态
    assert lists["D"].type == "list" and lists["D"].formula1 == '"' + ",".join(DISTRICTS) + '"'
    assert lists["H"].formula1 == '"一般隐患,重大隐患"'
    assert lists["N"].formula1 == '"未整改,整改中,已整改,已销号"'
    assert lists["G"].formula1.count(",") == 9  # ten categories
    assert "A" not in lists  # 隐患编号 is free text
    assert lists["E"].type is None and "20260701" in lists["E"].prompt  # dates: a hint, no restriction


def test_yes_no_columns_offer_yes_and_no(all_blanks):
    workbook = openpyxl.load_workbook(next(p for p in all_blanks if p.name.startswith("季度检查表")))
    lists = validations_by_column(workbook["季度检查表"])
    # D 安全生产责任制落实, E 安全管理机构健全; F 安全总监配备 may also be 不适用 (contract revision 2)
    assert [lists[c].formula1 for c in "DEF"] == ['"是,否"', '"是,否"', '"是,否,不适用"']


def test_instructions_sheet_explains_every_column(all_blanks):
    workbook = openpyxl.load_workbook(next(p for p in all_blanks if p.name.startswith("驻点工作日志")))
    rows = list(workbook["填表说明"].iter_rows(values_only=True))
    by_label = {row[0]: row for row in rows if row[0]}
    for column in WORK_LOGS.columns:
        assert column.label in by_label
    assert by_label["日期"][1] == "必填"
    assert by_label["企业名称"][1] == "二选一必填"
    assert by_label["工作内容"][1] == "选填"
    assert "动火作业" in by_label["特殊作业类型"][2]
    assert "2026年7月1日" in by_label["日期"][2] and "Excel 日期" in by_label["日期"][2]
    assert "不得多于特殊作业数" in by_label["现场监督数"][4]


def test_loader_recognises_each_blank_template(all_blanks):
    for path in all_blanks:
        sheets = read_file(path)
        matches = {sheet.name: headers.detect(sheet.rows) for sheet in sheets}
        title = path.name.split("_")[0]
        assert matches[title] is not None and matches[title].template.title == title
        assert matches["填表说明"] is None


def test_name_may_be_english_or_chinese(tmp_path):
    (english,) = write_blank_templates("drills", tmp_path / "a")
    (chinese,) = write_blank_templates("演练记录", tmp_path / "b")
    assert english.name == chinese.name == "演练记录_空白模板.xlsx"
    assert english.read_bytes() == chinese.read_bytes()


def test_same_template_gives_same_bytes(tmp_path):
    (first,) = write_blank_templates("staff", tmp_path / "1")
    (second,) = write_blank_templates("staff", tmp_path / "2")
    assert first.read_bytes() == second.read_bytes()


def test_unknown_name_lists_the_valid_names(tmp_path):
    with pytest.raises(ValueError) as error:
        write_blank_templates("隐患表", tmp_path)
    message = str(error.value)
    assert "隐患表" in message
    assert "all" in message and "hazards（隐患台账）" in message and "enterprises（企业名册）" in message
    assert not list(tmp_path.iterdir())
