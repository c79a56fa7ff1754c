"""对账, 直通车 and 一企一策 in the meeting pack (issue 16): the paper's two lines, 附件5's section 数据对账情况, the
workbook's sheets 数据对账 and 对账明细, the printable report, and a district user's pack read through the
dashboard's scoping. The world is tests/pack_support.py (2026Q3, as of 2026-09-30), every count worked out there.
"""
from __future__ import annotations

import html
import io
import re
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from docx import Document

from access.scope import Scope, scoped_call
from core.config import districts as configured_districts
from core.spreadsheet import FORMULA_TRIGGERS
from metrics import reconcile
from pack.brief import build_brief
from pack.content import gather
from pack.draft import appendices, draft_sections
from pack.report_html import build_html
from pack.workbook import build_workbook
from tests.pack_support import HOSTILE_NAME, build_reconcile_pack_world
from tests.reconcile_world import NAMES
from warehouse.store import open_reader

Q3 = "2026Q3"
MEETING = date(2026, 10, 15)
DISTRICTS = list(configured_districts().names)  # 环翠区 文登区 荣成市 乳山市 高区 经区 临港区 南海新区
# Per check, in declaration order: the findings of tests/reconcile_world.py (15 in all).
CHECK_COUNTS = [2, 2, 2, 1, 2, 1, 2, 1, 1, 1]
WENDENG = {NAMES[1], NAMES[2], HOSTILE_NAME}  # E1 E2 E7
ELSEWHERE = {NAMES[3], NAMES[4], NAMES[5], NAMES[6]}  # 环翠区 E3 E4 E5, 荣成市 E6


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    return build_reconcile_pack_world(tmp_path_factory.mktemp("pack_reconcile"))


@pytest.fixture(scope="module")
def con(world):
    connection = open_reader(world)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def content(con):
    return gather(con, Q3, meeting_date=MEETING)


@pytest.fixture(scope="module")
def wendeng_user_pack(con):
    """The pack of a 文登区 user as the page reads it: every metrics call through `scoped_call`."""
    def read(func, *args, **kwargs):
        return scoped_call(func, con, Scope(("文登区",)), *args, **kwargs)
    return gather(read, Q3, districts=["文登区"], meeting_date=MEETING)


def docx_tables(docx: bytes) -> list[list[list[str]]]:
    return [[[cell.text for cell in row.cells] for row in table.rows] for table in Document(io.BytesIO(docx)).tables]


def docx_text(docx: bytes) -> str:
    document = Document(io.BytesIO(docx))
    return "\n".join(p.text for p in document.paragraphs) + "\n" + "\n".join(
        "|".join(row) for table in docx_tables(docx) for row in table)


def table_starting(tables: list[list[list[str]]], *header: str) -> list[list[str]]:
    return next(t for t in tables if t[0][:len(header)] == list(header))


def sheet_values(ws) -> list[tuple]:
    return [row for row in ws.iter_rows(values_only=True) if any(v is not None for v in row)]


# --- what the pack reads -------------------------------------------------------------------------

def test_the_pack_holds_the_declared_checks_the_time_limits_and_the_retrofit_progress(content):
    assert list(content.reconcile_summary["检查代码"]) == [c.code for c in reconcile.CHECKS]
    assert list(content.reconcile_summary["发现条数"]) == CHECK_COUNTS
    assert dict(zip(content.reconcile_counts["区市"], content.reconcile_counts["合计"])) == {
        "环翠区": 5, "文登区": 6, "荣成市": 4, **dict.fromkeys(DISTRICTS[3:], 0)}
    assert len(content.reconcile_rows) == 15
    rongcheng = content.escalation.set_index("区市").loc["荣成市"]
    assert rongcheng.tolist() == [3, 1, 3, 0, 0, 2, 2, 3]
    assert content.escalation.set_index("区市").drop(index="荣成市").to_numpy().sum() == 0
    progress = {row[0]: row[1:10] for row in content.retrofit.itertuples(index=False, name=None)}
    assert progress["环翠区"] == (3, 1, 0, 0, 1, 0, 0, 0, 0)
    assert progress["文登区"] == (3, 2, 2, 1, 2, 1, 0, 1, 3)
    assert progress["荣成市"] == (1, 1, 1, 1, 1, 1, 1, 0, 2)
    assert progress["全市"] == (7, 4, 3, 2, 4, 2, 1, 1, 5)


# --- the paper -----------------------------------------------------------------------------------

def test_the_paper_says_the_reconciliation_and_the_retrofit_in_a_line_each(content):
    work = draft_sections(content)["work"].splitlines()
    # natures: 记录不一致 2 + 2 + 2, 数据缺口 1 + 2, 记录错误 1, 需核实 2 + 1 + 1 + 1; 文登区 6 and 环翠区 5 the most
    assert work[1] == "对账核查发现记录不一致6条、数据缺口3条、记录错误1条、需核实5条，文登区6条、环翠区5条较多（见附件5）。"
    # G1 … G4: diagnosed E1 E2 E3 E6, planned E1 E2 E6; G1 and G4 done (G4 late), G2 late in 文登区; 3 + 2 posts
    assert work[2] == ("一企一策智能化改造方面，4家企业完成诊断、3家编制方案，改造项目4个、已完成2个，逾期未完成1个（文登区1个），"
                       "减少危险岗位5人。")


def test_a_district_paper_names_its_own_enterprises(wendeng_user_pack):
    work = draft_sections(wendeng_user_pack)["work"].splitlines()
    # 文登区: log vs ledger E1 E2, director E1 E2, headcount E2 E7, in the checks' order
    assert work[1] == f"对账核查发现记录不一致6条，涉及{NAMES[2]}、{NAMES[1]}、{HOSTILE_NAME}（见附件5）。"
    assert work[2] == ("一企一策智能化改造方面，2家企业完成诊断、2家编制方案，改造项目2个、已完成1个，逾期未完成1个，"
                       "减少危险岗位3人。")


def test_appendix_5_holds_the_section_with_the_counts_the_time_limits_and_the_progress(content):
    notes = appendices(content)[4]
    assert notes.title == "数据情况说明" and [s.title for s in notes.sections] == ["数据对账情况"]
    docx = build_brief(content)
    tables = docx_tables(docx)
    checks = table_starting(tables, "检查项", "性质", "依据")
    assert checks[0] == ["检查项", "性质", "依据", "全市", *DISTRICTS]
    assert [row[0] for row in checks[1:-1]] == [c.name for c in reconcile.CHECKS]
    assert [row[3] for row in checks[1:-1]] == [str(n) for n in CHECK_COUNTS]
    rows = {row[0]: row for row in checks[1:]}
    assert rows["日志发现问题与隐患台账不符"][1:6] == ["记录不一致", "通知二（一）", "2", "0", "2"]
    assert rows["从业人员数与人员台账不符"][2] == "本办做法"  # the office's own rule, no clause of the notice
    assert rows["隐患销号后反复出现"][3:6] == ["2", "2", "0"]
    assert rows["合计"][3:7] == ["15", "5", "6", "4"]
    escalation = table_starting(tables, "区市", "重大隐患", "上报超时")
    assert escalation[3] == ["荣成市", "3", "1", "3", "0", "0", "2", "2", "3"]
    assert escalation[-1] == ["全市", "3", "1", "3", "0", "0", "2", "2", "3"]
    retrofit = table_starting(tables, "区市", "企业数", "已诊断")
    assert retrofit[2][:10] == ["文登区", "3", "2", "2", "1", "2", "1", "0", "1", "3"]
    assert retrofit[-1][:10] == ["全市", "7", "4", "3", "2", "4", "2", "1", "1", "5"]
    text = docx_text(docx)
    assert text.index("附件5") < text.index("数据对账情况") < text.index("对账检查：共发现15条")


def test_a_district_papers_section_has_no_one_row_tables(wendeng_user_pack):
    tables = docx_tables(build_brief(wendeng_user_pack))
    checks = table_starting(tables, "检查项", "性质", "依据", "发现（条）", "涉及企业（家）")
    assert [row[3] for row in checks[1:]] == ["2", "2", "2", "0", "0", "0", "0", "0", "0", "0"]
    escalation = table_starting(tables, "项目", "文登区")
    assert escalation[1:3] == [["重大隐患", "0"], ["上报超时", "0"]]
    retrofit = [t for t in tables if t[0] == ["项目", "文登区"]][1]
    assert retrofit[1:4] == [["企业数", "3"], ["已诊断", "2"], ["已编制方案", "2"]]


# --- the workbook --------------------------------------------------------------------------------

def test_the_workbook_sheets_hold_the_numbers_and_no_cell_can_run_as_a_formula(content):
    workbook = openpyxl.load_workbook(io.BytesIO(build_workbook(content)))
    sheet = workbook["数据对账"]
    rows = sheet_values(sheet)
    header = list(rows[2])
    assert header[:4 + len(DISTRICTS)] == ["检查项", "性质", "全市", *DISTRICTS, "涉及企业"]
    by_check = {row[0]: row for row in rows[3:13]}
    assert [by_check[c.name][2] for c in reconcile.CHECKS] == CHECK_COUNTS
    assert by_check["销号记录不全"][2:6] == (2, 0, 0, 2)  # C1 and C2 of E6, 荣成市
    assert by_check["销号记录不全"][header.index("涉及企业")] == 1
    assert by_check["日志发现问题与隐患台账不符"][header.index("依据")].startswith("威化安转办发〔2021〕26号二（一）：“")
    escalation = next(row for row in rows if row[0] == "荣成市" and row[1] == 3)
    assert escalation[:9] == ("荣成市", 3, 1, 3, 0, 0, 2, 2, 3)
    assert rows[-1][:10] == ("全市", 7, 4, 3, 2, 4, 2, 1, 1, 5)
    # every finding with its source row; E7's hostile name is text
    details = workbook["对账明细"]
    header = [c.value for c in details[3]]
    found = sheet_values(details)[3:]
    assert len(found) == 15
    names = [row[header.index("企业名称")] for row in found]
    assert "'" + HOSTILE_NAME in names and HOSTILE_NAME not in names
    for ws in (sheet, details):
        for row in ws.iter_rows():
            for cell in row:
                assert not (isinstance(cell.value, str) and cell.value.startswith(FORMULA_TRIGGERS)), cell.coordinate
                assert cell.data_type != "f", cell.coordinate


# --- the printable report ------------------------------------------------------------------------

def test_the_report_prints_the_section_as_escaped_text(content):
    page = build_html(content)
    start = page.index('<h4 class="appendix-section">数据对账情况</h4>')
    section = page[start:page.index("<h2", start)]
    assert "<td>日志发现问题与隐患台账不符</td><td>记录不一致</td><td>通知二（一）</td><td>2</td><td>0</td><td>2</td>" \
        in section
    assert "<td>合计</td><td></td><td></td><td>15</td><td>5</td><td>6</td><td>4</td>" in section
    assert "<td>荣成市</td><td>3</td><td>1</td><td>3</td><td>0</td><td>0</td><td>2</td><td>2</td><td>3</td>" in section
    assert re.search(r"<tr class=\"total\"><td>全市</td><td>7</td><td>4</td><td>3</td>", section)
    assert "<p>对账核查发现记录不一致6条、数据缺口3条、记录错误1条、需核实5条，" in page  # the paper's line


def test_a_district_users_report_escapes_its_enterprises(wendeng_user_pack):
    page = build_html(wendeng_user_pack)
    assert html.escape(HOSTILE_NAME) in page and HOSTILE_NAME not in page


# --- a district user's pack ----------------------------------------------------------------------

def test_a_district_users_pack_holds_no_other_districts_enterprise(con, wendeng_user_pack):
    pack = wendeng_user_pack
    assert set(pack.reconcile_rows["区市"]) == {"文登区"}
    assert set(pack.reconcile_rows["企业名称"]) == WENDENG
    assert list(pack.escalation["区市"]) == ["文登区"] and list(pack.retrofit["区市"]) == ["文登区", "所选区市合计"]
    workbook = openpyxl.load_workbook(io.BytesIO(build_workbook(pack)))
    cells = "\n".join(str(v) for ws in workbook.worksheets for row in ws.iter_rows(values_only=True) for v in row
                      if v is not None)
    documents = [docx_text(build_brief(pack)), html.unescape(build_html(pack)), cells]
    for text in documents:
        assert not [name for name in ELSEWHERE if name in text]
        assert "环翠区" not in text and "荣成市" not in text
    assert all(name in cells for name in (NAMES[1], NAMES[2]))
    # a page that forgot to pass the user's districts still gets theirs only: the reads are clamped
    def read(func, *args, **kwargs):
        return scoped_call(func, con, Scope(("文登区",)), *args, **kwargs)
    unclamped = gather(read, Q3, meeting_date=MEETING)
    assert set(unclamped.reconcile_rows["企业名称"]) == WENDENG
    assert set(unclamped.repeat_hazards["企业名称"]) == set()  # the repeats are E3's, 环翠区
    assert list(unclamped.escalation["区市"]) == ["文登区"]
