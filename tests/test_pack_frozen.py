"""A finalised quarter's meeting pack shows the figures as frozen at 定稿 (contract §6), whatever is loaded later.

The warehouse is the meeting world of tests/meeting_world.py; every figure below is worked out there. 2026Q3 is set
to 定稿 at a fixed moment (2026-10-15 16:30), then a later load changes today's figures:

- the ledger update: H2 (环翠区, due 08-31) was rectified on 09-25 after all, so 隐患整改率 is now 全市 3/4 and
  环翠区 2/2 where 定稿 froze 2/4 and 1/2;
- a late 2026Q3 checklist of 荣成丁 (责任制 是, 机构 是, 总监 是, rules 10/10): 安全生产责任制落实率 全市 2/3 → 3/3,
  荣成市 0/1 → 1/1; 安全管理机构健全率 全市 1/3 → 2/3, 荣成市 0/1 → 1/1; 规章制度健全率 全市 22/22 → 32/32
  (环翠甲 10 + 文登乙 12, now + 荣成丁 10), 荣成市 0/0 (无数据) → 10/10.

The pack (Word paper, workbook, printable report, chart images) keeps the frozen figures, lists what changed since on
the workbook's 数据更正 sheet and says so in 附件5; `--current` (the page's 当前数据) gives today's figures under a
file name that says so; a quarter never finalised is packed as before.
"""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from docx import Document
from streamlit.testing.v1 import AppTest

from access import meetings as access
from access.users import User
from cli.metrics_commands import main as metrics_main
from metrics import api, meetings
from metrics.changes import ROW_KEY
from pack.brief import build_brief
from pack.content import gather
from pack.draft import data_notes
from pack.meeting import gather_with_records
from pack.workbook import build_workbook
from tests.cli_runner import run_main
from tests.filemaker import CODE_A, CODE_D
from tests.meeting_world import CITY_TESTER, hazard, load_checklists, load_hazards
from warehouse.store import open_reader

Q2, Q3 = "2026Q2", "2026Q3"
CITY = CITY_TESTER
HUANCUI = User("huancui_tester", "环翠区 测试", "区市", "环翠区")
FROZEN_AT = dt.datetime(2026, 10, 15, 16, 30)
DAY = dt.date(2026, 10, 20)
H2_RECTIFIED = hazard("H2", CODE_A, "2026-08-05", "一般隐患", "通道堵塞", "2026-08-31", "2026-09-25", "已整改")
LATE_CHECKLIST_D = [CODE_D, Q3, "是", "是", "是", 10, 10, 0, 0]
FROZEN_NOTE = "本材料指标数据为2026年10月15日定稿时数据；问题清单为截至生成时的记录"
CURRENT_NOTE = "本材料指标数据为生成时的当前数据，不是2026年10月15日定稿时的数据。"


def finalise(db: Path, quarter: str = Q3, held_on: str = "2026-10-15", moment: dt.datetime = FROZEN_AT) -> None:
    con = open_reader(db)
    try:
        meetings.finalize(con, access.store_path(db), quarter, by="city_tester", held_on=held_on,
                          today=dt.date.fromisoformat(held_on), moment=moment)
    finally:
        con.close()


def gathered(db: Path, user: User = CITY, **kwargs):
    con = open_reader(db)
    try:
        return gather_with_records(con, con, db, user, Q3, today=DAY, **kwargs)
    finally:
        con.close()


def rectification_now(db: Path) -> dict[str, tuple[int, int]]:
    con = open_reader(db)
    try:
        frame = api.report(con, Q3, by=["city", "district"], indicators=["rectification"])
    finally:
        con.close()
    return {g: (int(n), int(d)) for g, n, d in zip(frame["group"], frame["numerator"], frame["denominator"])
            if d > 0}


def workbook(content) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(build_workbook(content)))


def rows_of(ws, first_row: int = 4) -> list[tuple]:
    return [row for row in ws.iter_rows(min_row=first_row, values_only=True) if any(v is not None for v in row)]


def summary(ws, indicator: str) -> dict[str, tuple]:
    """指标总表: (分子, 分母, 比率, 较上季度) of each 范围 for one indicator."""
    header = next(ws.iter_rows(min_row=3, max_row=3, values_only=True))
    at = {name: n for n, name in enumerate(header)}
    return {row[at["范围"]]: (row[at["分子"]], row[at["分母"]], row[at["比率"]], row[at["较上季度（百分点）"]])
            for row in rows_of(ws) if row[at["指标"]] == indicator}


def about(ws) -> dict[str, str]:
    return {row[0]: row[1] for row in ws.iter_rows(min_row=1, values_only=True) if row[0] and row[1]}


def paper_text(docx: bytes) -> tuple[list[str], list[list[list[str]]]]:
    document = Document(io.BytesIO(docx))
    tables = [[[cell.text for cell in row.cells] for row in table.rows] for table in document.tables]
    return [p.text for p in document.paragraphs if p.text.strip()], tables


def indicator_row(tables: list[list[list[str]]], indicator: str) -> dict[str, str]:
    """附件1 (indicators × 全市 and the districts): the row of one indicator, by column header."""
    [table] = [t for t in tables if t[0][:2] == ["指标", "全市"]]
    [row] = [r for r in table if r[0] == indicator]
    return dict(zip(table[0], row))


# --- the city's pack, from the command line --------------------------------------------------------

def test_the_pack_of_a_finalised_quarter_keeps_the_frozen_figures_after_a_later_load(meeting_db, capsys, tmp_path):
    finalise(meeting_db)
    load_hazards(meeting_db, "隐患台账更新.csv", [H2_RECTIFIED])
    assert rectification_now(meeting_db) == {"全市": (3, 4), "环翠区": (2, 2), "文登区": (1, 1), "荣成市": (0, 1)}

    out = tmp_path / "材料"
    code, _, err = run_main(metrics_main, capsys, "pack", "--db", meeting_db, "--quarter", Q3, "--out", out,
                            "--no-images")
    assert (code, err) == (0, ""), err
    assert sorted(p.name for p in out.iterdir()) == ["会商材料_2026Q3_全市.docx", "会商材料_2026Q3_全市.html",
                                                      "会商材料_2026Q3_全市.xlsx"]
    book = openpyxl.load_workbook(out / "会商材料_2026Q3_全市.xlsx")
    figures = summary(book["指标总表"], "隐患整改率")
    assert {g: figures[g][:3] for g in ("全市", "环翠区", "文登区", "荣成市")} == {
        "全市": (2, 4, 0.5), "环翠区": (1, 2, 0.5), "文登区": (1, 1, 1.0), "荣成市": (0, 1, 0.0)}
    assert book.sheetnames[:3] == ["说明", "指标总表", "数据更正"]
    assert rows_of(book["数据更正"]) == [("隐患整改率", "全市", 0.5, 0.75, 2, 4, 3, 4),
                                       ("隐患整改率", "环翠区", 0.5, 1.0, 1, 2, 2, 2)]
    note = FROZEN_NOTE + "；定稿后数据更正2项，见数据工作簿“数据更正”表。"
    assert about(book["说明"])["指标数据"] == note

    paragraphs, tables = paper_text((out / "会商材料_2026Q3_全市.docx").read_bytes())
    row = indicator_row(tables, "隐患整改率")
    assert (row["全市"], row["环翠区"]) == ("50.0", "50.0")  # frozen; today 75.0 and 100.0
    assert note in paragraphs
    assert "隐患整改率（50.0%）" in "".join(paragraphs)
    html = (out / "会商材料_2026Q3_全市.html").read_text(encoding="utf-8")
    assert note in html and "隐患整改率（75.0%）" not in html


def test_the_restatement_sheet_lists_exactly_the_rows_changed_since_with_both_values(meeting_db):
    finalise(meeting_db)
    load_hazards(meeting_db, "隐患台账更新.csv", [H2_RECTIFIED])
    load_checklists(meeting_db, "检查表补报.csv", [LATE_CHECKLIST_D])
    content = gathered(meeting_db)
    assert content.frozen_at == FROZEN_AT
    book = workbook(content)
    assert rows_of(book["数据更正"]) == [
        ("隐患整改率", "全市", 0.5, 0.75, 2, 4, 3, 4),
        ("隐患整改率", "环翠区", 0.5, 1.0, 1, 2, 2, 2),
        ("安全生产责任制落实率", "全市", pytest.approx(2 / 3), 1.0, 2, 3, 3, 3),
        ("安全生产责任制落实率", "荣成市", 0.0, 1.0, 0, 1, 1, 1),
        ("安全管理机构健全率", "全市", pytest.approx(1 / 3), pytest.approx(2 / 3), 1, 3, 2, 3),
        ("安全管理机构健全率", "荣成市", 0.0, 1.0, 0, 1, 1, 1),
        ("规章制度健全率", "全市", 1.0, 1.0, 22, 22, 32, 32),  # the same rate, other counts
        ("规章制度健全率", "荣成市", None, 1.0, 0, 0, 10, 10),  # 无数据 at 定稿
    ]
    assert book["数据更正"]["A1"].value == "数据更正：定稿后有变动的指标数据（2026年第三季度，威海市（全部区市））　共 8 项"
    assert data_notes(content)[1] == FROZEN_NOTE + "；定稿后数据更正8项，见数据工作簿“数据更正”表。"
    # the figures stay those of 定稿 everywhere: the summary, the trend the charts draw
    assert summary(book["指标总表"], "安全管理机构健全率")["荣成市"][:3] == (0, 1, 0.0)
    trend = content.history_of("organization").set_index(["quarter", "group"])
    assert trend.loc[(Q3, "全市"), "rate"] == pytest.approx(1 / 3) and trend.loc[(Q3, "荣成市"), "rate"] == 0.0


def test_current_gives_todays_figures_under_a_name_that_says_so(meeting_db, capsys, tmp_path):
    finalise(meeting_db)
    load_hazards(meeting_db, "隐患台账更新.csv", [H2_RECTIFIED])
    out = tmp_path / "材料"
    for extra in ((), ("--current",)):
        code, _, err = run_main(metrics_main, capsys, "pack", "--db", meeting_db, "--quarter", Q3, "--out", out,
                                "--no-images", *extra)
        assert (code, err) == (0, ""), err
    assert sorted(p.name for p in out.iterdir()) == [
        "会商材料_2026Q3_全市.docx", "会商材料_2026Q3_全市.html", "会商材料_2026Q3_全市.xlsx",
        "会商材料_2026Q3_全市_当前数据.docx", "会商材料_2026Q3_全市_当前数据.html", "会商材料_2026Q3_全市_当前数据.xlsx"]

    book = openpyxl.load_workbook(out / "会商材料_2026Q3_全市_当前数据.xlsx")
    figures = summary(book["指标总表"], "隐患整改率")
    assert (figures["全市"][:3], figures["环翠区"][:3]) == ((3, 4, 0.75), (2, 2, 1.0))
    assert "数据更正" not in book.sheetnames
    assert about(book["说明"])["指标数据"] == CURRENT_NOTE
    paragraphs, tables = paper_text((out / "会商材料_2026Q3_全市_当前数据.docx").read_bytes())
    row = indicator_row(tables, "隐患整改率")
    assert (row["全市"], row["环翠区"]) == ("75.0", "100.0")
    assert CURRENT_NOTE in paragraphs and not any("定稿时数据；" in p for p in paragraphs)
    # the frozen pack of the same folder still holds what was reported
    frozen = summary(openpyxl.load_workbook(out / "会商材料_2026Q3_全市.xlsx")["指标总表"], "隐患整改率")
    assert frozen["全市"][:3] == (2, 4, 0.5)

    _, help_text, _ = run_main(metrics_main, capsys, "pack", "--help")
    assert "--current" in help_text and "定稿时冻结的数据" in help_text


def test_the_change_on_last_quarter_compares_with_its_frozen_figures(meeting_db):
    """Both quarters set to 定稿; then a late 2026Q2 checklist of 荣成丁 (责任制 是): 安全生产责任制落实率 2026Q2 is
    now 荣成市 1/1 and 全市 1/3 where 定稿 froze 0/1 and 0/3. 2026Q3 (unchanged) is 荣成市 0/1 and 全市 2/3."""
    finalise(meeting_db, Q2, held_on="2026-07-10", moment=dt.datetime(2026, 7, 10, 10, 0))
    finalise(meeting_db)
    load_checklists(meeting_db, "二季度检查表补报.csv", [[CODE_D, Q2, "是", "否", "否", 10, 10, 0, 0]])

    content = gathered(meeting_db)
    rows = content.figures[content.figures["indicator"] == "responsibility"].set_index("group")
    assert (rows.loc["荣成市", "rate"], rows.loc["荣成市", "change"]) == (0.0, 0.0)  # against 2026Q2 as frozen: 0/1
    assert rows.loc["全市", "change"] == pytest.approx(2 / 3)  # 2/3 − 0/3
    trend = content.history_of("responsibility").set_index(["quarter", "group"])
    assert trend.loc[(Q2, "荣成市"), "rate"] == 0.0 and trend.loc[(Q3, "全市"), "change"] == pytest.approx(2 / 3)
    assert content.restatements.empty  # nothing of 2026Q3 changed
    assert data_notes(content)[1] == FROZEN_NOTE + "。"
    assert "数据更正" not in workbook(content).sheetnames

    # the same as the overview's rule (metrics.meetings.with_reported_change), row by row
    con = open_reader(meeting_db)
    try:
        reported = access.as_reported(CITY, meeting_db, Q3, by=["city", "district"])
        expected = access.with_reported_change(CITY, reported, con, meeting_db, Q3)
    finally:
        con.close()
    both = content.figures.merge(expected, on=ROW_KEY, suffixes=("", "_expected"))
    assert len(both) == len(content.figures) == len(expected) == 99  # 11 indicators × (全市 + 8 districts)
    for column in ("numerator", "denominator", "rate", "change"):
        pd.testing.assert_series_equal(both[column].astype(float), both[f"{column}_expected"].astype(float),
                                       check_names=False)

    current = gathered(meeting_db, current=True)
    rows = current.figures[current.figures["indicator"] == "responsibility"].set_index("group")
    assert rows.loc["荣成市", "change"] == -1.0 and rows.loc["全市", "change"] == pytest.approx(1 / 3)  # against now


def test_a_quarter_never_finalised_is_packed_as_before(meeting_db):
    access.save_meeting(CITY, meeting_db, Q3, held_on="2026-10-15")  # a 草稿 meeting
    load_hazards(meeting_db, "隐患台账更新.csv", [H2_RECTIFIED])
    content = gathered(meeting_db)
    con = open_reader(meeting_db)
    try:
        plain = gather(con, Q3)
    finally:
        con.close()
    pd.testing.assert_frame_equal(content.figures, plain.figures)
    pd.testing.assert_frame_equal(content.history, plain.history)
    rows = content.figures[content.figures["indicator"] == "rectification"].set_index("group")
    assert (rows.loc["全市", "numerator"], rows.loc["全市", "denominator"]) == (3, 4)
    assert (content.frozen_at, content.restatements, content.current_over_frozen_at) == (None, None, None)
    assert gathered(meeting_db, current=True).stem == content.stem == "会商材料_2026Q3_全市"
    assert not any("定稿" in line for line in data_notes(content))
    book = workbook(content)
    assert "数据更正" not in book.sheetnames and "指标数据" not in about(book["说明"])


def test_an_as_of_day_before_the_quarters_end_is_counted_now(meeting_db):
    finalise(meeting_db)
    load_hazards(meeting_db, "隐患台账更新.csv", [H2_RECTIFIED])
    early = gathered(meeting_db, as_of=dt.date(2026, 9, 26))  # the frozen figures are as of 09-30
    assert early.frozen_at is None and early.stem == "会商材料_2026Q3_全市_截至20260926"
    rows = early.figures[early.figures["indicator"] == "rectification"].set_index("group")
    assert (rows.loc["全市", "numerator"], rows.loc["全市", "denominator"]) == (3, 4)


def test_a_district_users_pack_holds_its_own_districts_frozen_rows(meeting_db):
    finalise(meeting_db)
    load_hazards(meeting_db, "隐患台账更新.csv", [H2_RECTIFIED])
    content = gathered(meeting_db, HUANCUI, districts=["环翠"])
    assert set(content.figures["group"]) == {"所选区市合计", "环翠区"}
    rows = content.figures[content.figures["indicator"] == "rectification"].set_index("group")
    assert rows.loc[["所选区市合计", "环翠区"], ["numerator", "denominator", "rate"]].values.tolist() == [
        [1, 2, 0.5], [1, 2, 0.5]]  # frozen; today 2/2
    assert content.stem == "会商材料_2026Q3_环翠区"
    book = workbook(content)
    assert rows_of(book["数据更正"]) == [("隐患整改率", "所选区市合计", 0.5, 1.0, 1, 2, 2, 2),
                                       ("隐患整改率", "环翠区", 0.5, 1.0, 1, 2, 2, 2)]
    assert {row[1] for row in rows_of(book["指标总表"])} == {"所选区市合计", "环翠区"}
    paragraphs, tables = paper_text(build_brief(content))
    [table] = [t for t in tables if t[0][:3] == ["指标", "本季度（%）", "上季度（%）"]]
    assert next(r for r in table if r[0] == "隐患整改率")[1:4] == ["50.0", "无数据", "1/2"]
    assert FROZEN_NOTE + "；定稿后数据更正2项，见数据工作簿“数据更正”表。" in paragraphs


# --- the 会商材料 page -------------------------------------------------------------------------------

@pytest.fixture
def page_db(held_meeting_db) -> Path:
    return held_meeting_db


def open_pack_page() -> AppTest:
    app = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "dashboard.py"), default_timeout=120)
    app.query_params["q"] = Q3
    app.session_state["_user"] = CITY
    app.run()
    app.switch_page("pages/pack.py").run()
    assert not app.exception, [e.value for e in app.exception]
    assert not app.error, [e.value for e in app.error]
    return app


def indicators_text(app: AppTest) -> str:
    return next(a.value for a in app.text_area if (a.key or "").startswith("pack_text_indicators_"))


def test_the_page_offers_the_figures_of_now_only_for_a_finalised_quarter(page_db):
    app = open_pack_page()
    assert "pack_basis_2026Q3" not in {r.key for r in app.radio}  # a 草稿 meeting: nothing to choose

    finalise(page_db)
    load_hazards(page_db, "隐患台账更新.csv", [H2_RECTIFIED])  # after 定稿: 隐患整改率 50.0% then, 75.0% now
    app = open_pack_page()
    choice = app.radio(key="pack_basis_2026Q3")
    assert (choice.options, choice.value) == (["定稿时数据", "当前数据"], "定稿时数据")
    assert any("定稿时冻结的指标数据" in c.value and "有变动的2项" in c.value for c in app.caption)
    assert "隐患整改率（50.0%）" in indicators_text(app)
    choice.set_value("当前数据").run()
    assert not app.exception, [e.value for e in app.exception]
    assert "隐患整改率（75.0%）" in indicators_text(app) and "隐患整改率（50.0%）" not in indicators_text(app)
