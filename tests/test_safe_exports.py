"""Formula-looking names and descriptions come out of every export as text, never as a formula."""
from __future__ import annotations

import csv
import io

import openpyxl
import pandas as pd
import pytest
from docx import Document

from cli import etl_commands, metrics_commands
from etl.load import load_paths
from core.spreadsheet import FORMULA_TRIGGERS
from etl.resend import resend_workbook
from warehouse.store import open_reader
from metrics import api
from pack.brief import build_brief
from pack.content import gather
from pack.workbook import build_workbook
from tests.cli_runner import run_in_process
from tests.filemaker import CODE_A, ROSTER_HEADER, write_csv, write_xlsx
from ui.export import to_csv, to_xlsx

EVIL_NAME = '=HYPERLINK("http://evil.example/x","点击查看")化工有限公司'
EVIL_DESCRIPTION = "@SUM(1+1)*cmd|' /C calc'!A0"
EVIL_OWNER = "+1-2"


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("evil")
    path = folder / "w.duckdb"
    # CSV: in a .xlsx made by openpyxl a leading "=" would become a formula cell, not the text a clerk typed
    roster = write_csv(folder / "roster.csv", [
        ROSTER_HEADER, [EVIL_NAME, CODE_A, "文登区", "化工", 10, "王强", "文登区应急局", "2026-01-05", "正常生产"]])
    ledger = write_xlsx(folder / "ledger.xlsx", {"台账": [
        ["隐患编号", "统一社会信用代码", "发现日期", "隐患类别", "隐患等级", "隐患描述", "整改责任人", "整改期限"],
        ["H1", CODE_A, "2026-07-01", "设备设施", "重大隐患", EVIL_DESCRIPTION, EVIL_OWNER, "2026-07-10"],
        ["H2", CODE_A, "2026-07-01", "设备设施", "特大", "-1+1", None, "2026-07-10"],  # quarantined: unknown level
    ]})
    load_paths([roster, ledger], path)
    return path


def assert_text(value, original):
    assert value == "'" + original, value


def test_dashboard_table_exports(db):
    con = open_reader(db)
    frame = api.shortfall(con, "2026Q3", "rectification")
    con.close()
    assert list(frame["企业名称"]) == [EVIL_NAME]
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx(frame, "短板"))).active
    header = [c.value for c in sheet[1]]
    row = [c.value for c in sheet[2]]
    assert_text(row[header.index("企业名称")], EVIL_NAME)
    assert sheet.cell(2, header.index("企业名称") + 1).data_type == "s"
    text = to_csv(frame).decode("utf-8-sig")
    assert text.startswith(",".join(frame.columns[:1]))
    record = next(csv.DictReader(io.StringIO(text)))
    assert_text(record["企业名称"], EVIL_NAME)


def test_meeting_pack_workbook(db):
    con = open_reader(db)
    content = gather(con, "2026Q3")
    workbook = openpyxl.load_workbook(io.BytesIO(build_workbook(content)))
    con.close()
    cells = [c.value for ws in workbook.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "'" + EVIL_NAME in cells and "'" + EVIL_DESCRIPTION in cells
    assert not [v for v in cells if v.startswith(FORMULA_TRIGGERS)]
    assert not any(isinstance(c.value, str) and c.data_type == "f"
                   for ws in workbook.worksheets for row in ws.iter_rows() for c in row)


def test_fix_and_resend_workbook(db):
    con = open_reader(db)
    content = resend_workbook(con, [2])
    con.close()
    sheet = openpyxl.load_workbook(io.BytesIO(content))["隐患台账"]
    header = [c.value for c in sheet[1]]
    assert_text(sheet.cell(2, header.index("隐患描述*") + 1).value, "-1+1")


@pytest.fixture
def cli(capsys, monkeypatch):
    """`python -m etl|metrics args`, run in this process."""
    mains = {"etl": etl_commands.main, "metrics": metrics_commands.main}

    def run(module, *args):
        return run_in_process(mains[module], capsys, monkeypatch, *args)
    return run


def test_command_line_csv(db, cli):
    shortfall = cli("metrics", "shortfall", "--db", str(db), "--quarter", "2026Q3", "--indicator",
                    "rectification", "--format", "csv")
    record = next(csv.DictReader(io.StringIO(shortfall.stdout)))
    assert_text(record["企业名称"], EVIL_NAME)
    watch = cli("metrics", "watch", "--db", str(db), "--quarter", "2026Q3", "--format", "csv")
    assert f"'{EVIL_DESCRIPTION}" in watch.stdout or f"\"'{EVIL_DESCRIPTION}\"" in watch.stdout
    quarantine = cli("etl", "quarantine", "--db", str(db), "--format", "csv")
    values = [r["value"] for r in csv.DictReader(io.StringIO(quarantine.stdout))]
    assert values == ["特大"]


def test_numbers_stay_numbers_and_text_that_starts_like_a_formula_does_not():
    frame = pd.DataFrame({"差值": [-3, 5], "说明": ["-3", "=1+1"]})
    records = list(csv.DictReader(io.StringIO(to_csv(frame).decode("utf-8-sig"))))
    assert [(r["差值"], r["说明"]) for r in records] == [("-3", "'-3"), ("5", "'=1+1")]


TERMINAL_DESCRIPTION = "储罐\x1b[31m泄漏\x07"  # escape sequence and bell typed into a ledger cell
SHOWN_DESCRIPTION = "储罐\\x1b[31m泄漏\\x07"


@pytest.fixture(scope="module")
def control_db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("control")
    path = folder / "w.duckdb"
    roster = write_csv(folder / "roster.csv", [
        ROSTER_HEADER, ["威海控制字符化工有限公司", CODE_A, "文登区", "化工", 10, "王强", "文登区应急局", "2026-01-05",
                        "正常生产"]])
    ledger = write_csv(folder / "ledger.csv", [
        ["隐患编号", "统一社会信用代码", "发现日期", "隐患类别", "隐患等级", "隐患描述", "整改责任人", "整改期限"],
        ["H1", CODE_A, "2026-07-01", "设备设施", "重大隐患", TERMINAL_DESCRIPTION, "=1+1\x01", "2026-07-10"]])
    load_paths([roster, ledger], path)
    return path


def test_control_characters_in_the_data_do_not_stop_any_export(control_db):
    # openpyxl and python-docx refuse these characters outright: every export would fail on one bad cell.
    con = open_reader(control_db)
    frame = api.shortfall(con, "2026Q3", "rectification")
    content = gather(con, "2026Q3")
    con.close()
    assert list(frame["隐患描述"]) == [TERMINAL_DESCRIPTION]  # stored as typed
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx(frame, "短板"))).active
    header = [c.value for c in sheet[1]]
    assert sheet.cell(2, header.index("隐患描述") + 1).value == SHOWN_DESCRIPTION
    assert sheet.cell(2, header.index("整改责任人") + 1).value == "'=1+1\\x01"  # still neutralised
    workbook = openpyxl.load_workbook(io.BytesIO(build_workbook(content)))
    cells = [c.value for ws in workbook.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert SHOWN_DESCRIPTION in cells
    paper = Document(io.BytesIO(build_brief(content)))
    texts = [p.text for p in paper.paragraphs] + [c.text for t in paper.tables for r in t.rows for c in r.cells]
    assert any(SHOWN_DESCRIPTION in text for text in texts)
