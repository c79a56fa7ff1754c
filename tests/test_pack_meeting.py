"""The meeting paper reads the meeting's records (issue 13, contract §6): the date held, last quarter's agreed tasks
with each owner district's status, the matters put to the meeting, and the meeting's own common tasks; the
paper's drafted tasks are handed to the meeting; the command line's pack reads the same records; and the demo
paper with a full set of records still prints on three or four pages.

The warehouse is the meeting world of tests/meeting_world.py. Its 2026Q2 meeting (held 2026-07-10) agreed the
task the product drafts from 2026Q2 — 落实企业安全主体责任, owners 环翠区 文登区 荣成市, linked to
安全管理机构健全率, due 2026-09-30 — and one added by hand (汛期隐患排查, 文登区 荣成市, 荣成市 marked it done).
As of 2026-09-30 安全管理机构健全率 is 环翠区 0/1, 文登区 1/1, 荣成市 0/1, so on 2026-10-20 the first task is
逾期 for 环翠区 and 荣成市 and done for 文登区; the second is done for 荣成市 and 逾期 for 文登区 (never marked).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import io
import shutil
from pathlib import Path

import pytest
from docx import Document

from access import meetings as access
from access.users import User
from cli.metrics_commands import main as metrics_main
from pack.brief import build_brief
from pack.content import PreviousTask, TaskStatus
from pack.draft import MATTERS_IN_PAPER, appendices, draft_sections, section_titles
from pack.meeting import drafted_tasks, gather_with_records, hand_over_drafts, hands_over_drafts, read_records
from tests.cli_runner import run_main
from tests.pack_demo import END, pdf_pages, to_pdf
from warehouse.store import open_reader

Q2, Q3 = "2026Q2", "2026Q3"
CITY = User("city_tester", "市化工办 测试", "市级", None)
WENDENG = User("wendeng_tester", "文登区 测试", "区市", "文登区")
DAY = dt.date(2026, 10, 20)  # "today" of the tests: after the 2026Q3 meeting
FOLLOWUP = ["上季度会商确定共性任务2项，截至2026年9月30日，全部完成0项，尚未全部完成2项。",
            "1. 落实企业安全主体责任（2026年9月30日前）：环翠区逾期，文登区已完成，荣成市逾期。",
            "2. 汛期隐患排查（2026年9月30日前）：文登区逾期，荣成市已完成（已排查12家企业）。"]


def paragraphs(docx: bytes) -> list[str]:
    return [p.text for p in Document(io.BytesIO(docx)).paragraphs if p.text.strip()]


def hold_second_quarters_meeting(db: Path, con) -> None:
    """The 2026Q2 meeting as the page leaves it: drafted tasks handed over and agreed, one added, 定稿."""
    access.save_meeting(CITY, db, Q2, held_on="2026-07-10")
    assert hand_over_drafts(CITY, db, gather_with_records(con, con, db, CITY, Q2, today=dt.date(2026, 7, 10)))
    for task_id in access.tasks(CITY, con, db, Q2, today=DAY)["task_id"].unique():
        access.agree_task(CITY, db, int(task_id))
    added = access.add_task(CITY, db, Q2, title="汛期隐患排查", owners=["荣成市", "文登区"], deadline="2026-09-30",
                            agreed=True)
    access.mark_task(CITY, db, added, "荣成市", status="已完成", note="已排查12家企业")
    access.finalize(CITY, db, Q2, con=con, today=dt.date(2026, 7, 10))
    access.save_meeting(CITY, db, Q3, held_on="2026-10-15")


@pytest.fixture(scope="module")
def held_master(meeting_world, tmp_path_factory) -> Path:
    """The meeting world with its second quarter's meeting held, once for the module: the warehouse and the meeting
    records beside it (each test writes to its own copy)."""
    folder = tmp_path_factory.mktemp("held")
    db = folder / "warehouse.duckdb"
    shutil.copy(meeting_world, db)
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("WEIHAI_MEETINGS_DB", raising=False)
        patch.delenv("WEIHAI_USERS_DB", raising=False)
        con = open_reader(db)
        try:
            hold_second_quarters_meeting(db, con)
        finally:
            con.close()
    return folder


@pytest.fixture
def held(held_master, tmp_path, monkeypatch):
    monkeypatch.delenv("WEIHAI_MEETINGS_DB", raising=False)
    monkeypatch.delenv("WEIHAI_USERS_DB", raising=False)
    folder = shutil.copytree(held_master, tmp_path / "held")
    db = folder / "warehouse.duckdb"
    con = open_reader(db)
    try:
        yield db, con
    finally:
        con.close()


def test_the_next_quarters_paper_opens_with_last_quarters_tasks_and_is_dated_on_the_meeting(held):
    db, con = held
    content = gather_with_records(con, con, db, CITY, Q3, today=DAY)
    assert content.meeting_date == dt.date(2026, 10, 15)
    assert list(section_titles(content).values())[0] == "一、上季度共性任务完成情况"
    assert draft_sections(content)["followup"].splitlines() == FOLLOWUP
    texts = paragraphs(build_brief(content))
    assert texts.index("一、上季度共性任务完成情况") < texts.index("二、工作开展情况")
    assert texts.index(FOLLOWUP[1]) < texts.index("二、工作开展情况")
    assert "2026年10月15日" in texts  # the signature's date is the meeting's
    # a meeting in October on third-quarter figures: the fourth quarter's season
    assert "（二）季节性工作。一是元旦" in draft_sections(content)["tasks"]


def test_the_matters_put_to_the_meeting_appear_and_the_dropped_ones_do_not(held):
    db, con = held
    matters = access.matters(CITY, con, db, Q3, today=DAY)
    # H4 overdue, H7 handed over, 环翠区 and 荣成市 at 整改 on 机构 in both quarters, last quarter's two open tasks
    assert list(matters["kind"]) == ["overdue_major_hazard", "transfer_unanswered", "fix_twice", "fix_twice",
                                     "open_task", "open_task"]
    key = dict(zip(matters["kind"], matters["key"]))
    access.decide_matter(CITY, con, db, Q3, key["overdue_major_hazard"], "修改",
                         text="荣成丁化工有限公司储罐腐蚀重大隐患超期10天，提请挂牌督办。", today=DAY)
    access.decide_matter(CITY, con, db, Q3, key["transfer_unanswered"], "不提请", today=DAY)
    content = gather_with_records(con, con, db, CITY, Q3, today=DAY)
    assert [m.kind for m in content.matters] == ["超期重大隐患", "连续两个季度整改", "连续两个季度整改",
                                                 "上季度共性任务未完成", "上季度共性任务未完成"]
    # more than the paper writes out: counted by kind, every one in 附件6
    tasks = draft_sections(content)["tasks"].splitlines()
    assert tasks[-1] == ("（三）需提请会商协调事项。共5项：超期重大隐患1项、连续两个季度整改2项、上季度共性任务未完成2项，"
                         "逐项见附件6。")
    sixth = appendices(content)[5]
    assert sixth.title == "需提请会商协调事项清单"
    assert sixth.table.frame["事项"].iat[0] == "荣成丁化工有限公司储罐腐蚀重大隐患超期10天，提请挂牌督办。"
    assert len(sixth.table.frame) == 5 and "特种设备未检验" not in "\n".join(sixth.table.frame["事项"])

    for open_task in matters.loc[matters["kind"] == "open_task", "key"]:
        access.decide_matter(CITY, con, db, Q3, open_task, "不提请", today=DAY)
    content = gather_with_records(con, con, db, CITY, Q3, today=DAY)
    tasks = draft_sections(content)["tasks"].splitlines()
    start = tasks.index("（三）需提请会商协调事项。")
    assert len(tasks) == start + 1 + MATTERS_IN_PAPER  # three: written out, no appendix
    assert tasks[start + 1] == "1. 超期重大隐患：荣成丁化工有限公司储罐腐蚀重大隐患超期10天，提请挂牌督办。"
    assert tasks[start + 2].startswith("2. 连续两个季度整改：环翠区安全管理机构健全率（0.0%、0.0%）")
    assert tasks[start + 3].startswith("3. 连续两个季度整改：荣成市")
    assert len(appendices(content)) == 5


def test_many_previous_tasks_are_summed_up_and_tabled_by_district(held):
    db, con = held
    due = dt.date(2026, 9, 30)
    many = [PreviousTask("超期隐患清零", due, (TaskStatus("环翠区", "已完成"), TaskStatus("荣成市", "逾期", "企业停产"))),
            PreviousTask("驻点监督人员到期轮换", due, (TaskStatus("环翠区", "已完成"),)),
            PreviousTask("关键岗位人员持证上岗", due, (TaskStatus("文登区", "逾期"), TaskStatus("荣成市", "推进中"))),
            PreviousTask("全员培训和应急演练", due, (TaskStatus("文登区", "已完成"), TaskStatus("荣成市", "已完成")))]
    content = dataclasses.replace(gather_with_records(con, con, db, CITY, Q3, today=DAY), previous_tasks=many,
                                  matters=[])
    assert draft_sections(content)["followup"] == (
        "上季度会商确定共性任务4项，截至2026年9月30日，全部完成2项：超期隐患清零2个责任区市中1个已完成；"
        "其余1项各责任区市均未完成（见附件6）。")
    sixth = appendices(content)[5]
    assert sixth.title == "上季度共性任务完成情况表"
    frame = sixth.table.frame
    assert list(frame.columns) == ["序号", "任务", "完成时限", "环翠区", "文登区", "荣成市", "乳山市", "高区", "经区",
                                   "临港区", "南海新区", "说明"]
    assert frame.iloc[0][["环翠区", "文登区", "荣成市", "说明"]].tolist() == ["已完成", "—", "逾期", "荣成市：企业停产"]
    assert frame["完成时限"].iat[0] == "9月30日"


def test_a_districts_paper_takes_the_tasks_and_matters_of_its_district(held):
    db, con = held
    records = read_records(WENDENG, con, db, Q3, districts=["文登区"], today=DAY)
    assert [(t.title, [s.district for s in t.statuses]) for t in records.previous_tasks] == [
        ("落实企业安全主体责任", ["文登区"]), ("汛期隐患排查", ["文登区"])]
    assert [m.kind for m in records.matters] == ["移交未办结", "上季度共性任务未完成"]
    assert records.tasks is None  # a district's paper drafts its own 重点任务
    content = gather_with_records(con, con, db, WENDENG, Q3, districts=["文登"], today=DAY)
    text = "\n".join(draft_sections(content).values())
    assert "荣成丁化工有限公司" not in text and "环翠区" not in text


def test_the_meetings_tasks_replace_the_draft_once_edited_and_only_the_agreed_ones_once_final(held):
    db, con = held
    content = gather_with_records(con, con, db, CITY, Q3, today=DAY)
    drafts = drafted_tasks(content)
    assert content.meeting_tasks is None
    assert hand_over_drafts(CITY, db, content) and not hand_over_drafts(CITY, db, content)  # once per change
    stored = access.tasks(CITY, con, db, Q3, today=DAY).drop_duplicates("task_id")
    assert [t.key for t in drafts] == list(stored["draft_key"])
    assert gather_with_records(con, con, db, CITY, Q3, today=DAY).meeting_tasks is None  # untouched: the draft

    first, second = (int(t) for t in stored["task_id"][:2])
    access.edit_task(CITY, db, first, title="重大隐患挂牌督办")
    access.agree_task(CITY, db, second)
    edited = gather_with_records(con, con, db, CITY, Q3, today=DAY)
    assert [t.title for t in edited.meeting_tasks][:2] == ["重大隐患挂牌督办", drafts[1].title]
    assert "1. 重大隐患挂牌督办。" in draft_sections(edited)["tasks"]

    access.finalize(CITY, db, Q3, con=con, today=DAY)
    final = gather_with_records(con, con, db, CITY, Q3, today=DAY)
    assert [t.title for t in final.meeting_tasks] == [drafts[1].title]  # only the agreed one
    assert not hand_over_drafts(CITY, db, final)  # a 定稿 meeting's tasks are not drafted again


def test_no_drafts_are_handed_over_from_a_district_an_early_as_of_or_a_long_past_quarter(held):
    db, con = held
    district = gather_with_records(con, con, db, WENDENG, Q3, districts=["文登区"], today=DAY)
    early = gather_with_records(con, con, db, CITY, Q3, as_of=dt.date(2026, 9, 15), today=DAY)
    assert not hand_over_drafts(WENDENG, db, district) and not hand_over_drafts(CITY, db, early)
    # a quarter long past, looked at later without a meeting date: history, not a meeting to prepare
    city = gather_with_records(con, con, db, CITY, Q3, today=DAY)
    assert hands_over_drafts(CITY, city)
    assert not hands_over_drafts(CITY, dataclasses.replace(city, meeting_date=dt.date(2027, 4, 1)))
    assert access.tasks(CITY, con, db, Q3, today=DAY).empty


def test_the_command_lines_pack_reads_the_records(held, capsys, tmp_path):
    db, _ = held
    out = tmp_path / "材料"
    code, stdout, err = run_main(metrics_main, capsys, "pack", "--db", db, "--quarter", Q3, "--out", out,
                                 "--no-images")
    assert (code, err) == (0, ""), err
    texts = paragraphs((out / "会商材料_2026Q3_全市.docx").read_bytes())
    assert texts[texts.index("一、上季度共性任务完成情况") + 1] == FOLLOWUP[0]
    assert "2026年10月15日" in texts
    assert ("（三）需提请会商协调事项。共6项：超期重大隐患1项、移交未办结1项、连续两个季度整改2项、上季度共性任务未完成2项，"
            "逐项见附件6。") in texts


def test_a_records_file_of_a_newer_version_stops_the_pack_with_a_message(meeting_db, capsys, tmp_path):
    import sqlite3

    with sqlite3.connect(access.store_path(meeting_db)) as store:
        store.execute("PRAGMA user_version = 99")
    code, stdout, err = run_main(metrics_main, capsys, "pack", "--db", meeting_db, "--quarter", Q3,
                                 "--out", tmp_path / "材料", "--no-images")
    assert code == 1 and "较新版本的系统写入" in err and "Traceback" not in err
    assert not (tmp_path / "材料").exists()


# --- the demo paper with a full set of records -------------------------------------------------------

@pytest.fixture(scope="module")
def demo_with_records(small_demo, tmp_path_factory):
    """The small demo with a 2026Q2 meeting (its drafted tasks agreed, 定稿) and a 2026Q3 meeting on 2026-10-15."""
    folder = tmp_path_factory.mktemp("paper_records_demo")
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("WEIHAI_MEETINGS_DB", raising=False)
        patch.delenv("WEIHAI_USERS_DB", raising=False)
        db = small_demo(folder)
        con = open_reader(db)
        try:
            access.save_meeting(CITY, db, Q2, held_on="2026-07-10")
            hand_over_drafts(CITY, db, gather_with_records(con, con, db, CITY, Q2, today=dt.date(2026, 7, 10)))
            for task_id in access.tasks(CITY, con, db, Q2, today=DAY)["task_id"].unique():
                access.agree_task(CITY, db, int(task_id))
            access.finalize(CITY, db, Q2, con=con, today=dt.date(2026, 7, 10))
            access.save_meeting(CITY, db, END, held_on="2026-10-15")
            return gather_with_records(con, con, db, CITY, END, today=DAY)
        finally:
            con.close()


def test_the_demo_paper_with_the_records_prints_on_three_or_four_pages(demo_with_records, tmp_path):
    content = demo_with_records
    assert len(content.previous_tasks) >= 5 and len(content.matters) > MATTERS_IN_PAPER
    paper = tmp_path / "paper.docx"
    paper.write_bytes(build_brief(content, with_appendices=False))
    pages = pdf_pages(to_pdf([paper], tmp_path)["paper.docx"])
    assert 3 <= pages <= 4, pages
