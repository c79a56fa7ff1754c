"""The watch lists as declared data (metrics/watch.py) and the hazard lists of revision 2, worked out by hand.

A small world built through the ETL: one hazard per boundary case, evaluated for 2026Q3 as of 2026-09-30
unless a test says otherwise. With watch.transfer_reply_days = 30, as_of − 30 days = 2026-08-31.
"""
from __future__ import annotations

import io
import re
import string
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from cli.metrics_commands import main
from core import settings as declared
from core.policy import NOTICE, PRACTICE, notice_text
from core.settings import setting
from metrics import api
from metrics.indicators import INDICATORS
from metrics.watch import TOPICS, WATCH_LISTS, about
from pack.content import gather
from pack.draft import section_tables
from pack.report_html import build_html
from pack.workbook import build_workbook
from tests.cli_runner import run_main
from tests.policy_quotes import misquoted, quoted_clauses
from tests.metrics_fixtures import (CODE_A, CODE_B, CODE_D, NAME_A, NAME_B, NAME_D, ROSTER, d, load, write_csv,
                                   write_xlsx)
from warehouse.store import open_reader

NEW_LISTS = ("open_within_deadline", "rectified_late", "rectified_not_closed", "overdue_major_hazards",
             "transfer_unanswered")
# A department name that a spreadsheet would run as a formula: exported cells must hold it as text.
FORMULA_DEPARTMENT = '=HYPERLINK("http://evil.example","应急局")'

HAZARDS = ["隐患编号", "统一社会信用代码", "发现日期", "隐患类别", "隐患等级", "隐患描述", "整改期限", "整改完成日期",
           "整改状态", "销号日期", "验收人", "上报日期", "上报单位", "执法立案情况", "移交部门", "移交日期",
           "移交办结日期", "督办级别"]


def hazard(hazard_id, code, found, deadline, rectified=None, status=None, closed=None, *, level="一般隐患",
           reported=None, report_unit=None, case=None, to=None, handed=None, answered=None, supervision=None):
    return [hazard_id, code, d(found), "设备设施", level, f"{hazard_id} 的描述", d(deadline),
            d(rectified) if rectified else None, status, d(closed) if closed else None, None,
            d(reported) if reported else None, report_unit, case, to, d(handed) if handed else None,
            d(answered) if answered else None, supervision]


# Rectified on time and 销号 by 09-30: each transfer case shows up in the transfer list only.
DONE = {"rectified": "2026-07-20", "status": "已销号", "closed": "2026-07-25"}

HAZARD_ROWS = [
    # 整改中·未到期 / 超期
    hazard("W1", CODE_A, "2026-09-01", "2026-09-30", status="整改中"),  # deadline = as_of: not overdue, 0 days left
    hazard("W2", CODE_A, "2026-09-01", "2026-10-15", status="未整改"),  # 15 days left
    hazard("W3", CODE_A, "2026-09-01", "2026-09-29", status="整改中"),  # overdue by 1 day
    # 逾期整改 / 已整改未销号
    hazard("W4", CODE_A, "2026-07-01", "2026-08-01", "2026-08-01", "已整改"),  # on the deadline: not late; not 销号
    hazard("W5", CODE_A, "2026-07-01", "2026-08-01", "2026-08-02", "已整改", "2026-08-05"),  # 1 day late; 销号 dated
    hazard("W6", CODE_A, "2026-05-01", "2026-05-31", "2026-06-20", "已销号"),  # late, but in Q2; 已销号 without date
    hazard("W7", CODE_A, "2026-07-01", "2026-07-15", "2026-10-05", "已整改"),  # rectified after as_of: overdue
    hazard("W8", CODE_A, "2026-08-01", "2026-09-10", "2026-09-20", "已整改", "2026-10-03"),  # 10 days late; 销号 later
    # 重大隐患
    hazard("M1", CODE_B, "2026-08-01", "2026-09-01", status="整改中", level="重大隐患", reported="2026-08-01",
           report_unit="环翠区应急管理局", case="威环应急立〔2026〕8号", supervision="市级挂牌督办"),
    hazard("M2", CODE_A, "2026-09-01", "2026-09-30", status="整改中", level="重大隐患"),  # due on as_of; unreported
    hazard("M3", CODE_D, "2026-07-01", "2026-07-10", status="未整改", level="重大隐患"),  # closed enterprise
    # 移交 (as_of − 30 days = 08-31)
    hazard("T1", CODE_A, "2026-07-01", "2026-07-31", **DONE, to="区住建局", handed="2026-08-31"),  # exactly 30 days
    hazard("T2", CODE_A, "2026-07-01", "2026-07-31", **DONE, to="区住建局", handed="2026-09-01"),  # 29 days
    hazard("T3", CODE_A, "2026-07-01", "2026-07-31", **DONE, to=FORMULA_DEPARTMENT, handed="2026-08-30"),  # 31 days
    hazard("T4", CODE_A, "2026-07-01", "2026-07-31", **DONE, to="区消防救援大队", handed="2026-08-01",
           answered="2026-10-02"),  # answered after as_of: still open
    hazard("T5", CODE_A, "2026-07-01", "2026-07-31", **DONE, to="区消防救援大队", handed="2026-08-01",
           answered="2026-09-15"),  # answered
    hazard("T6", CODE_A, "2026-07-01", "2026-12-31", status="整改中", to="区市场监管局"),  # no 移交日期, found 91 days ago
    # no 移交日期 (an older ledger) and 销号 by 09-30: the hazard's closure is the handover's result
    hazard("T9", CODE_A, "2026-07-01", "2026-07-31", **DONE, to="区市场监管局"),
    hazard("T7", CODE_A, "2026-09-15", "2026-09-30", "2026-09-20", "已销号", "2026-09-25",
           to="区市场监管局"),  # no 移交日期, found 15 days ago: cannot be 30 days yet
    hazard("T8", CODE_A, "2026-07-01", "2026-07-31", **DONE, to="区住建局", handed="2026-10-05"),  # after as_of
]

ROSTER_ROWS = [
    [NAME_A, CODE_A, "文登区", "化学原料", 9, "张三", "文登区化工专项办", d("2026-05-01"), "正常生产"],
    [NAME_B, CODE_B, "环翠区", "涂料", 3, "李四", "环翠区化工专项办", d("2026-05-01"), "正常生产"],
    [NAME_D, CODE_D, "荣成市", "助剂", 1, "钱七", "荣成市化工专项办", d("2025-01-01"), "关闭"],
]


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("watch_world")
    db = folder / "warehouse.duckdb"
    load([write_xlsx(folder / "名册.xlsx", "企业名册", ROSTER, ROSTER_ROWS),
          write_csv(folder / "隐患台账.csv", HAZARDS, HAZARD_ROWS)], db)  # CSV keeps the formula-like text as text
    return db


@pytest.fixture(scope="module")
def con(world):
    connection = open_reader(world)
    yield connection
    connection.close()



def column(frame, *names):
    """Rows of these columns, a missing value as None."""
    rows = frame[list(names)].itertuples(index=False, name=None)
    return [tuple(None if pd.isna(v) else v for v in row) for row in rows]


# --- the declarations ------------------------------------------------------------------------------

def notice_sections() -> dict[str, str]:
    """The notice's text by section: 二（三） → that item's paragraphs (headings 一、 … 三. …, items （一） or (二))."""
    sections: dict[str, str] = {}
    top = current = None
    for line in (part.strip() for part in notice_text().splitlines()):
        if heading := re.match(r"^([一二三四五六七八九十]+)[、.]", line):
            top = current = heading[1]
        elif top and (item := re.match(r"^[（(]([一二三四五六七八九十]+)[)）]", line)):
            current = f"{top}（{item[1]}）"
        if current:
            sections[current] = sections.get(current, "") + line
    return sections


def test_every_basis_is_the_notice_word_for_word_or_labelled_as_the_office_practice():
    sections = notice_sections()
    assert sections["三（三）"].startswith("（三）问题解决直通车机制")  # the parser finds the items
    for item in WATCH_LISTS:
        assert item.quote or item.practice, item.code
        if item.quote:
            assert item.quote.section in sections, item.code
            for piece in item.quote.pieces:
                assert piece in sections[item.quote.section], (item.code, piece)
            assert item.basis.startswith(f"{NOTICE}{item.quote.section}：“{item.quote.text}”")
        if item.practice:
            assert item.basis.endswith(PRACTICE + item.practice)
        else:
            assert PRACTICE not in item.basis
    assert api.watch_list("missing_checklists").basis.startswith(PRACTICE)


def test_declarations_are_complete_and_consistent():
    codes = [w.code for w in WATCH_LISTS]
    assert len(set(codes)) == len(codes) == 17 and set(NEW_LISTS) <= set(codes)
    assert list(api.WATCH_TITLES) == codes
    assert [w.code for w in about("hazards")] == [
        "overdue_hazards", "open_within_deadline", "rectified_late", "rectified_not_closed",
        "unreported_major_hazards", "overdue_major_hazards", "transfer_unanswered"]
    sheets = [w.sheet for w in WATCH_LISTS]
    indicator_sheets = {i.name for i in INDICATORS} | {"说明", "指标总表", "短板清单", "重大隐患", "驻点工作"}
    assert len(set(sheets)) == len(sheets) and not set(sheets) & indicator_sheets
    for item in WATCH_LISTS:
        assert item.topic in TOPICS
        assert 0 < len(item.sheet) <= 31 and not set(item.sheet) & set("\\/?*[]:")
        for text in (item.title, item.help, item.basis):
            assert text and "\n" not in text and "{" not in text, item.code  # one line, settings filled in
        assert not set(item.title) & set(string.ascii_letters), item.code  # the user sees Chinese


# --- the new hazard lists, by hand -----------------------------------------------------------------

def test_hazard_lists_at_quarter_end(con):
    lists = api.watch(con, "2026Q3")
    assert list(lists) == list(api.WATCH_TITLES)
    # 环翠区 (configured first): M1 due 09-01 → 29 days; 文登区: W7 due 07-15 (rectified only 10-05) → 77,
    # W3 due 09-29 → 1. W1 and M2 are due on 09-30 itself; M3 belongs to the closed D.
    assert column(lists["overdue_hazards"], "隐患编号", "超期天数") == [("M1", 29), ("W7", 77), ("W3", 1)]
    # Not rectified, deadline ≥ 09-30: due on the as-of date itself (0 days left, by 隐患编号), then W2, T6.
    assert column(lists["open_within_deadline"], "隐患编号", "整改期限", "剩余天数") == [
        ("M2", date(2026, 9, 30), 0), ("W1", date(2026, 9, 30), 0), ("W2", date(2026, 10, 15), 15),
        ("T6", date(2026, 12, 31), 92)]
    # Rectified in [07-01, 09-30] after the deadline: W5 (one day after), W8 (10 days). W4 was rectified on its
    # deadline, W6 in Q2, W7 after the as-of date.
    assert column(lists["rectified_late"], "隐患编号", "整改期限", "整改完成日期", "逾期天数") == [
        ("W5", date(2026, 8, 1), date(2026, 8, 2), 1), ("W8", date(2026, 9, 10), date(2026, 9, 20), 10)]
    # Rectified by 09-30 and not 销号 by it: W4 (no 销号日期, 已整改; 08-01 → 60 days), W8 (销号 only on 10-03).
    # W5 has a 销号日期 (08-05) though its status says 已整改; W6 is 已销号 without a date; T* were 销号 07-25.
    assert column(lists["rectified_not_closed"], "隐患编号", "已整改天数", "整改状态", "销号日期") == [
        ("W4", 60, "已整改", None), ("W8", 10, "已整改", date(2026, 10, 3))]
    # Overdue 重大隐患 with its 督办级别: M1 only (M2 is due on the as-of date, M3 is at the closed D).
    assert column(lists["overdue_major_hazards"], "隐患编号", "超期天数", "督办级别", "上报单位", "执法立案情况") == [
        ("M1", 29, "市级挂牌督办", "环翠区应急管理局", "威环应急立〔2026〕8号")]
    assert column(lists["unreported_major_hazards"], "隐患编号") == [("M2",)]
    # Handed over on or before 08-31 with no 办结 by 09-30, by handover date (T6's found date stands in):
    # T6 (no 移交日期, found 07-01 → 91 days), T4 (08-01, answered only 10-02), T3 (08-30, 31 days),
    # T1 (08-31, 30 days). Not: T2 (29 days), T5 (answered 09-15), T7 (no date, found 15 days ago),
    # T8 (handed over after as_of), T9 (no date, and 销号 on 07-25).
    assert column(lists["transfer_unanswered"], "隐患编号", "移交日期", "已移交天数", "移交办结日期", "说明") == [
        ("T6", None, 91, None, "未填移交日期，天数按发现日期计"),
        ("T4", date(2026, 8, 1), 60, date(2026, 10, 2), None),
        ("T3", date(2026, 8, 30), 31, None, None),
        ("T1", date(2026, 8, 31), 30, None, None)]
    for code in NEW_LISTS:
        frame = lists[code]
        assert list(frame.columns[:3]) == ["区市", "企业名称", "统一社会信用代码"], code
        assert list(frame.columns[-3:]) == ["来源文件", "工作表", "行号"], code
    # Provenance: header row 1, T1 is the 12th data row → row 13.
    t1 = lists["transfer_unanswered"].iloc[3]
    assert (t1["来源文件"], t1["行号"]) == ("隐患台账.csv", 13)


def test_hazard_lists_follow_the_as_of_date(con):
    later = api.watch(con, "2026Q3", as_of="2026-10-03")
    # W1 and M2 (due 09-30) are now overdue; W7 was rectified 10-05, still after the as-of date.
    assert column(later["overdue_hazards"], "隐患编号", "超期天数") == [
        ("M1", 32), ("W7", 80), ("W3", 4), ("M2", 3), ("W1", 3)]
    assert column(later["overdue_major_hazards"], "隐患编号") == [("M1",), ("M2",)]
    assert column(later["open_within_deadline"], "隐患编号", "剩余天数") == [("W2", 12), ("T6", 89)]
    # Rectified late counts rectifications in the quarter only: [07-01, min(09-30, as_of)].
    assert column(later["rectified_late"], "隐患编号") == [("W5",), ("W8",)]
    # W8 was 销号 on 10-03 itself; W4: 08-01 → 10-03 is 30 + 30 + 3 days.
    assert column(later["rectified_not_closed"], "隐患编号", "已整改天数") == [("W4", 63)]
    # as_of − 30 = 09-03: T2 (09-01) joins, T4 was answered on 10-02; T7 (found 09-15) still too recent.
    assert column(later["transfer_unanswered"], "隐患编号", "已移交天数") == [
        ("T6", 94), ("T3", 34), ("T1", 33), ("T2", 32)]
    mid = api.watch(con, "2026Q3", as_of="2026-08-15", lists=["rectified_late", "transfer_unanswered"])
    assert list(mid) == ["rectified_late", "transfer_unanswered"]
    # Up to 08-15 only W5 was rectified late; T* had not been handed over 30 days before 07-16, but T6's found
    # date (07-01) is ≤ 07-16.
    assert column(mid["rectified_late"], "隐患编号") == [("W5",)]
    assert column(mid["transfer_unanswered"], "隐患编号", "已移交天数") == [("T6", 45)]


def test_the_transfer_days_are_a_setting(con, monkeypatch, tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text("[watch]\ntransfer_reply_days = 31\n", encoding="utf-8")
    monkeypatch.setenv("WEIHAI_SETTINGS", str(path))
    declared.reset()
    assert setting("watch.transfer_reply_days") == 31
    item = api.watch_list("transfer_unanswered")
    assert item.title == "移交满31天未办结"
    assert "移交日期不晚于截至日期前31天" in item.help and "本办做法：移交满31天" in item.basis
    # as_of − 31 = 08-30: T1 (08-31) drops out.
    assert column(api.watch(con, "2026Q3", lists=["transfer_unanswered"])["transfer_unanswered"], "隐患编号") == [
        ("T6",), ("T4",), ("T3",)]


# --- where they are shown --------------------------------------------------------------------------

def test_cli_prints_every_list_with_its_help_and_basis(capsys, world):
    code, out, err = run_main(main, capsys, "watch", "--db", str(world), "--quarter", "2026Q3")
    assert code == 0 and err == ""
    for item in WATCH_LISTS:
        assert f"\n{item.title}：" in out and f"说明：{item.help}" in out and f"依据：{item.basis}" in out
    assert "移交满30天未办结：4 条" in out and "超期重大隐患（挂牌督办候选）：1 条" in out
    assert len(quoted_clauses(out)) == sum(1 for w in WATCH_LISTS if w.quote) and misquoted(out) == []
    code, out, _ = run_main(main, capsys, "watch", "--db", str(world), "--quarter", "2026Q3",
                            "--list", "rectified_late", "--format", "csv")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split(",")[:4] == ["区市", "企业名称", "统一社会信用代码", "隐患编号"]
    assert [line.split(",")[3] for line in lines[1:]] == ["W5", "W8"]
    code, _, err = run_main(main, capsys, "watch", "--db", str(world), "--list", "no_such_list")
    assert code == 2 and "no_such_list" in err


def test_the_pack_shows_every_list_without_per_list_code(con):
    content = gather(con, "2026Q3")
    assert list(content.watch) == list(api.WATCH_TITLES)
    workbook = openpyxl.load_workbook(io.BytesIO(build_workbook(content)))
    for item in WATCH_LISTS:
        sheet = workbook[item.sheet]
        assert sheet.cell(1, 1).value.startswith(f"{item.title}（") and item.basis in sheet.cell(2, 1).value
    transfers = workbook["移交未办结"]
    header = [c.value for c in transfers[3]]
    rows = [[c.value for c in row] for row in transfers.iter_rows(min_row=4)]
    assert [r[header.index("隐患编号")] for r in rows] == ["T6", "T4", "T3", "T1"]
    # The hostile department name is text in the exported cell, never a formula.
    department = transfers.cell(4 + 2, header.index("移交部门") + 1)
    assert department.data_type == "s" and department.value == "'" + FORMULA_DEPARTMENT
    table = section_tables(content)["problems"][0].frame.set_index("清单")
    assert table.loc["移交满30天未办结", "全市"] == 4 and table.loc["移交满30天未办结", "文登区"] == 4
    assert table.loc["超期重大隐患（挂牌督办候选）", "环翠区"] == 1
    page = build_html(content)
    for item in WATCH_LISTS:
        assert item.title in page
    assert "移交满30天未办结（截至2026年9月30日，4条）" in page
