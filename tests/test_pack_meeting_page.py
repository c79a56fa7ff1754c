"""The 会商材料 page on the meeting records (issue 13), through Streamlit's AppTest and the whole app.

The warehouse is the meeting world of tests/meeting_world.py (2026Q2 and 2026Q3, figures worked out there),
copied for each test with its meeting records and users store beside it (`meeting_db`).

- a city user sets the meeting 定稿 (with a confirm step): the overview then shows the figures as reported,
  with a later restatement beside them ("会商时 33.3%，现 66.7%") and the switch to the figures of now;
- a district user cannot set it 定稿, sees only the tasks its district owns (its own status), and marks
  progress with a note;
- the city edits, agrees, removes and adds tasks and decides matters; the paper's 下步工作 follows;
- the paper's edited text survives a page switch and a new session (it is the meeting's draft text);
- hostile text (Markdown, HTML, terminal escapes) typed into the page stays text or is refused.
"""
from __future__ import annotations

import hashlib
import re
from contextlib import contextmanager
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from access import meetings as access
from access import users
from access.users import User
from tests.app_pages_support import APP, assert_clean
from tests.filemaker import CODE_D
from tests.meeting_world import CITY_TESTER, load_checklists
from ui.text import plain
from warehouse.store import open_reader

PACK, OVERVIEW = "pages/pack.py", "pages/overview.py"
Q3 = "2026Q3"
CITY = CITY_TESTER
WENDENG = User("wendeng_tester", "文登区 测试", "区市", "文登区")
ANALYST = User("analyst_tester", "分析 测试", "分析", None)
FAR_DEADLINE = "2028-06-30"  # a task still running whenever the test runs (statuses are judged as of today)
HOSTILE = "[点我](http://evil.example/x)<img src=x onerror=alert(1)>**粗体**"


@pytest.fixture
def db(held_meeting_db) -> Path:
    return held_meeting_db


def open_app(user: User, page: str = PACK) -> AppTest:
    """A new browser session of the app on 2026Q3, signed in as `user`, on `page`."""
    app = AppTest.from_file(APP, default_timeout=120)
    app.query_params["q"] = Q3
    app.session_state["_user"] = user
    app.run()
    app.switch_page(page).run()
    assert_clean(app)
    return app


def paper(app: AppTest) -> dict:
    """The paper's section text boxes by label."""
    return {area.label: area for area in app.text_area if (area.key or "").startswith("pack_text_")}


def _counting_papers(monkeypatch) -> list[tuple[str, str]]:
    """The papers drafted from now on (through `ui.meetings.drafted_paper`): (quarter, "page") when the page's own
    run drafted it, (quarter, "ahead") when the background did."""
    import functools
    import threading

    from ui import meetings as meeting_ui

    drafted = []
    original = meeting_ui.drafted_paper

    @functools.wraps(original)  # same module and name: the same cache key
    def counted(user, con, db, quarter, **kwargs):
        ahead = threading.current_thread().name.startswith("dashboard-ahead")
        drafted.append((quarter.label, "ahead" if ahead else "page"))
        return original(user, con, db, quarter, **kwargs)

    monkeypatch.setattr(meeting_ui, "drafted_paper", counted)
    return drafted


def by_the_page(drafted: list[tuple[str, str]]) -> list[str]:
    return [quarter for quarter, where in drafted if where == "page"]


def test_the_overview_drafts_the_paper_in_the_background_and_the_pack_page_shows_that_paper(db, monkeypatch):
    """总览 starts drafting the signed-in user's paper (same quarter, same districts) in the background: 会商材料
    opened next shows it without drafting it again, and it is the paper the page drafts itself."""
    from ui import data

    drafted = _counting_papers(monkeypatch)
    # the meeting world's 2026Q3: 3 enterprises, 5 hazards found; Wendeng's paper counts its own 1 and 2
    for user, scope in ((CITY, "全市纳入驻点监督的企业3家，其中0家已派驻驻点监督人员，共0人。排查发现隐患5项"),
                        (WENDENG, "文登区纳入驻点监督的企业1家，其中0家已派驻驻点监督人员，共0人。排查发现隐患2项")):
        drafted.clear()
        app = open_app(user, OVERVIEW)
        data.settle()
        assert drafted == [(Q3, "ahead")]
        app.switch_page(PACK).run()
        assert_clean(app)
        assert by_the_page(drafted) == []  # the page was served the paper drafted in the background
        shown = {label: area.value for label, area in paper(app).items()}
        data.settle()
        data._cached_records_call.clear()
        app.run()  # drafted afresh, by the page itself
        assert by_the_page(drafted) == [Q3]
        assert {label: area.value for label, area in paper(app).items()} == shown
        assert shown["一、工作开展情况"].startswith(scope)


def test_the_page_reads_its_paper_side_by_side_and_drafts_what_the_command_line_drafts(db, monkeypatch):
    """会商材料 starts every read of its paper at once on the drafting threads and reads the meeting's records on its
    own meanwhile (a paper drafted ahead by 总览 reads on the background's own drafting thread); the paper it shows
    is the one the command line drafts reading one after another on one connection."""
    import threading

    from pack.draft import draft_sections, section_labels
    from pack.meeting import gather_with_records
    from ui import data

    reads = []
    original = data.scoped_call

    def watched(func, con, scope, *args, **kwargs):
        reads.append((func.__name__, threading.current_thread().name))
        return original(func, con, scope, *args, **kwargs)

    def paper_reads() -> list[str]:
        return [where for name, where in reads if name in ("shortfall", "reconcile_rows")]  # only the paper's

    monkeypatch.setattr(data, "scoped_call", watched)
    app = open_app(CITY, OVERVIEW)
    data.settle()
    ahead = [where for name, where in reads if name == "shortfall" and not where.startswith("ScriptRunner")]
    assert len(ahead) == 11  # the paper's (总览 reads one list of its own)
    assert all(re.fullmatch(r"dashboard-drafting-behind_[01]", where) for where in ahead)
    reads.clear()
    data._cached_call.clear()
    data._cached_records_call.clear()  # nothing drafted ahead: the page drafts its paper itself
    app.switch_page(PACK).run()
    assert_clean(app)
    shown = {label: area.value for label, area in paper(app).items()}
    assert len(paper_reads()) == 11 + 1
    assert all(re.fullmatch(r"dashboard-drafting_[01]", where) for where in paper_reads())
    con = open_reader(db)
    try:
        content = gather_with_records(con, con, db, CITY, Q3)
    finally:
        con.close()
    labels, texts = section_labels(content), draft_sections(content)
    assert shown == {labels[key]: text for key, text in texts.items()}
    assert shown["一、工作开展情况"].startswith("全市纳入驻点监督的企业3家")


def test_after_the_overview_the_pack_page_of_a_district_reads_nothing_more(db, monkeypatch):
    """Wendeng's 会商材料 (which hands nothing over) after 总览: its paper, its tasks and its matters were all read in the
    background; the page's own run computes none of them."""
    import functools
    import threading

    from ui import data, meetings as meeting_ui

    app = open_app(WENDENG, OVERVIEW)
    data.settle()
    computed = []
    for module, name in ((meeting_ui, "drafted_paper"), (access, "tasks"), (access, "matters")):
        original = getattr(module, name)

        @functools.wraps(original)  # same module and name: the same cache key
        def counted(*args, _original=original, _name=name, **kwargs):
            computed.append((_name, threading.current_thread().name))
            return _original(*args, **kwargs)

        monkeypatch.setattr(module, name, counted)
    app.switch_page(PACK).run()
    assert_clean(app)
    assert computed == []
    # the world's one matter about 文登区: H7 handed over to 市场监管局 60 days before 09-30, unanswered
    matters = table(app, "涉及区市")
    assert list(zip(matters["类别"], matters["涉及区市"])) == [("移交未办结", "文登区")]


@contextmanager
def _overview_while_busy(quarter: str):
    """A new session on 总览 for `quarter` (the app, yielded) while the background is still drafting another user's
    paper; when the block ends, that drafting finishes and every read started meanwhile is done."""
    import threading

    from ui import data

    release = threading.Event()
    busy = data._reading_ahead.submit(release.wait, 60)
    try:
        app = AppTest.from_file(APP, default_timeout=120)
        app.query_params["q"] = quarter
        app.session_state["_user"] = CITY
        app.run()
        assert_clean(app)
        yield app
    finally:
        release.set()
    assert busy.result(timeout=60)
    data.settle()


def test_stepping_through_quarters_on_the_overview_drafts_only_the_paper_of_the_last_one(db, monkeypatch):
    """While the background is busy, a user who moves from 2026Q2 to 2026Q3 on 总览, and clicks about on it, queues
    one paper, that of 2026Q3."""
    drafted = _counting_papers(monkeypatch)
    with _overview_while_busy("2026Q2") as app:
        app.selectbox(key="q").set_value(Q3).run()
        assert_clean(app)
        app.run()  # the same filters again: the queued paper keeps its place, and is not queued twice
    assert drafted == [(Q3, "ahead")]
    app.switch_page(PACK).run()
    assert by_the_page(drafted) == []  # and 会商材料 shows the paper drafted in the background


def test_a_paper_queued_while_the_records_change_is_drafted_on_the_records_as_they_are_then(db, monkeypatch):
    """The paper is keyed on the records' revision when its drafting starts: after a change made while it waited
    (here the meeting's date), 会商材料 finds the paper drafted ahead and does not draft it again."""
    drafted = _counting_papers(monkeypatch)
    with _overview_while_busy(Q3) as app:
        access.save_meeting(CITY, db, Q3, held_on="2026-10-15")
    assert drafted == [(Q3, "ahead")]
    app.switch_page(PACK).run()
    assert_clean(app)
    assert by_the_page(drafted) == []  # drafted on the revision after the change: the page's own read found it


def test_after_handing_over_its_drafts_the_pack_page_has_its_next_paper_drafted_ahead(db, monkeypatch):
    """The city's first opening hands the drafted tasks over to the records, which changes them: the paper of the
    page's next run is drafted in the background meanwhile, so the next click does not wait for it."""
    from ui import data

    drafted = _counting_papers(monkeypatch)
    app = open_app(CITY)  # 总览 first, which starts the paper; 会商材料 shows it (drafted by whichever came first)
    data.settle()
    assert len(drafted) == 2 and drafted[-1] == (Q3, "ahead")  # then on the records after the hand-over
    before = by_the_page(drafted)
    app.run()
    assert_clean(app)
    assert by_the_page(drafted) == before


def table(app: AppTest, column: str):
    return next(t.value for t in app.dataframe if column in t.value.columns)


def shown_text(app: AppTest) -> list[str]:
    """Everything drawn as (Markdown-rendered) text: markdown, captions, alerts."""
    return [str(e.value) for kind in ("markdown", "caption", "success", "error", "warning", "info")
            for e in getattr(app, kind)]


def stored_tasks(db: Path, user: User = CITY):
    con = open_reader(db)
    try:
        return access.tasks(user, con, db, Q3)
    finally:
        con.close()


def stored_matters(db: Path):
    con = open_reader(db)
    try:
        return access.matters(CITY, con, db, Q3)
    finally:
        con.close()


def button_keys(app: AppTest) -> set[str]:
    return {b.key for b in app.button}


# --- 定稿, and the figures as reported ---------------------------------------------------------------

def test_a_city_user_finalizes_after_confirming_and_the_overview_shows_the_frozen_figures(db):
    app = open_app(CITY)
    assert any("状态：草稿" in text for text in shown_text(app))
    app.button(key="pack_finalize").click().run()
    assert any("确定定稿吗" in w.value for w in app.warning)  # the confirm step; nothing is frozen yet
    assert not access.meeting(CITY, db, Q3).is_final
    app.button(key="pack_finalize_confirm").click().run()
    assert_clean(app)
    record = access.meeting(CITY, db, Q3)
    assert record.is_final and record.has_frozen_figures
    assert any("状态：定稿" in text for text in shown_text(app))
    assert "pack_reopen" in button_keys(app) and "pack_finalize" not in button_keys(app)
    assert ("city_tester", "会商定稿") in {(who, what) for _, who, what, _ in users.audit_entries(
        users.users_db_path(db))}

    # A 2026Q3 checklist of 荣成丁 arrives after the meeting: 安全管理机构健全率 was 1/3 at the meeting, 2/3 now.
    load_checklists(db, "检查表补报.csv", [[CODE_D, Q3, "是", "是", "是", 10, 10, 0, 0]])
    app.switch_page(OVERVIEW).run()
    assert_clean(app)
    cards = {m.label: m.value for m in app.metric}
    assert cards["安全管理机构健全率"] == "33.3%"  # as reported
    captions = [c.value for c in app.caption]
    assert "会商时 33.3%，现 66.7%" in captions
    assert any("会商时汇报的数字" in c and "冻结于" in c for c in captions)
    app.toggle(key="figures_as_computed").set_value(True).run()
    assert {m.label: m.value for m in app.metric}["安全管理机构健全率"] == "66.7%"
    # the other pages that show the quarter's figures say the same, and draw
    for page in ("pages/compare.py", "pages/supervision.py"):
        app.switch_page(page).run()
        assert_clean(app)
        assert any("会商时汇报的数字" in c.value for c in app.caption), page


def test_a_district_user_cannot_finalize_and_sees_its_own_tasks_only(db):
    shared = access.add_task(CITY, db, Q3, title="督促企业补报检查表", owners=["文登区", "荣成市"], deadline=FAR_DEADLINE)
    access.add_task(CITY, db, Q3, title="环翠区专项整治", owners=["环翠区"], deadline=FAR_DEADLINE)
    app = open_app(WENDENG)
    keys = button_keys(app)
    assert not keys & {"pack_finalize", "pack_finalize_confirm", "pack_reopen", "pack_meeting_save",
                       "pack_new_task_save"}
    tasks = table(app, "责任区市")
    assert tasks[["任务", "区市", "状态"]].values.tolist() == [["督促企业补报检查表", "文登区", "未开始"]]
    assert not access.meeting(CITY, db, Q3).is_final

    # marking progress on its own task, with a note
    prefix = f"pack_mark_{shared}_0"
    app.selectbox(key=f"{prefix}_status").set_value("推进中")
    app.text_area(key=f"{prefix}_note").set_value("已督促文登乙化工有限公司补报")
    app.button(key=f"{prefix}_save").click().run()
    assert_clean(app)
    assert any("任务进展已保存" in s.value for s in app.success)
    row = table(app, "责任区市").iloc[0]
    assert (row["状态"], row["进展说明"]) == ("推进中", "已督促文登乙化工有限公司补报")
    # the city sees 文登区's mark and 荣成市 still 未开始
    with_city = stored_tasks(db).set_index(["task_id", "district"])
    assert with_city.loc[(shared, "文登区"), "status"] == "推进中"
    assert with_city.loc[(shared, "荣成市"), "status"] == "未开始"


def test_an_analyst_reads_and_changes_nothing(db):
    app = open_app(ANALYST)
    assert not button_keys(app) & {"pack_finalize", "pack_meeting_save", "pack_new_task_save"}
    assert all(area.disabled for area in paper(app).values())
    assert app.button(key="pack_restore").disabled


# --- tasks and matters on the page, and the paper --------------------------------------------------

def test_the_city_edits_agrees_removes_and_adds_tasks_and_the_paper_follows(db):
    app = open_app(CITY)
    drafted = table(app, "责任区市").drop_duplicates("序号")
    assert list(drafted["来源"]) == ["系统起草"] * 3  # handed over when the city opened the page
    tasks = stored_tasks(db).drop_duplicates("task_id")
    first, second = (int(t) for t in tasks["task_id"][:2])
    assert paper(app)["四、下步工作"].value.count("\n") > 3

    prefix = f"pack_task_{first}"
    app.text_input(key=f"{prefix}_title").set_value("重大隐患挂牌督办")
    app.button(key=f"{prefix}_save").click().run()
    app.button(key=f"{prefix}_agree").click().run()
    app.selectbox(key="pack_task_pick").set_value(second).run()
    app.button(key=f"pack_task_{second}_remove").click().run()
    app.text_input(key="pack_new_task_title").set_value("汛后复产安全检查")
    app.text_area(key="pack_new_task_content").set_value("各区市11月30日前完成汛后复产企业安全检查。")
    app.button(key="pack_new_task_save").click().run()
    assert_clean(app)

    stored = stored_tasks(db).drop_duplicates("task_id").set_index("task_id")
    assert stored.loc[first, ["title", "origin", "agreed"]].tolist() == ["重大隐患挂牌督办", "edited", True]
    assert second not in stored.index
    assert stored["title"].iloc[-1] == "汛后复产安全检查" and stored["origin"].iloc[-1] == "added"
    text = paper(app)["四、下步工作"].value
    assert "1. 重大隐患挂牌督办。" in text and "汛后复产安全检查。各区市11月30日前完成汛后复产企业安全检查。" in text
    assert tasks["title"].iloc[1] not in text
    assert {m.label: m.value for m in app.metric}["会商共性任务"] == "3 项"


def matter_prefix(key: str) -> str:
    return f"pack_matter_{hashlib.sha1(key.encode()).hexdigest()[:12]}"


def test_the_city_decides_matters_and_the_paper_puts_the_raised_ones(db):
    app = open_app(CITY)
    matters = stored_matters(db)
    # H4 overdue (荣成市), H7 handed over without result (文登区), 环翠区 at 整改 two quarters (see meeting_world.py)
    assert set(matters["kind_name"]) >= {"超期重大隐患", "移交未办结", "连续两个季度整改"}
    overdue = matters.loc[matters["kind"] == "overdue_major_hazard", "key"].iat[0]
    transfer = matters.loc[matters["kind"] == "transfer_unanswered", "key"].iat[0]

    app.selectbox(key="pack_matter_pick").set_value(overdue).run()
    prefix = matter_prefix(overdue)
    app.radio(key=f"{prefix}_decision").set_value("修改")
    app.text_area(key=f"{prefix}_text").set_value("荣成丁化工有限公司储罐腐蚀重大隐患超期，提请市安委会挂牌督办。")
    app.button(key=f"{prefix}_save").click().run()
    app.selectbox(key="pack_matter_pick").set_value(transfer).run()
    prefix = matter_prefix(transfer)
    app.radio(key=f"{prefix}_decision").set_value("不提请")
    app.button(key=f"{prefix}_save").click().run()
    assert_clean(app)

    decided = table(app, "涉及区市").set_index("类别")
    assert decided.loc["超期重大隐患", "处理"] == "修改" and decided.loc["移交未办结", "处理"] == "不提请"
    text = paper(app)["四、下步工作"].value
    assert "1. 超期重大隐患：荣成丁化工有限公司储罐腐蚀重大隐患超期，提请市安委会挂牌督办。" in text
    assert "移交未办结" not in text and "特种设备未检验" not in text


# --- the paper's text survives page switches and new sessions ---------------------------------------

def test_paper_edits_survive_a_page_switch_and_a_new_session(db):
    app = open_app(CITY)
    drafted = paper(app)["开头"].value
    assert drafted.startswith("按照季度研究会商机制要求")
    edited = "按照市安委会要求，现将我市2026年第三季度驻点监督工作情况汇报如下（会上修改）。"
    paper(app)["开头"].set_value(edited).run()
    assert_clean(app)
    app.switch_page(OVERVIEW).run()
    app.switch_page(PACK).run()
    assert paper(app)["开头"].value == edited
    again = open_app(CITY)  # a reload: a new session
    assert paper(again)["开头"].value == edited
    assert access.draft_texts(CITY, db, Q3) == {"opening": edited}
    # the Word paper is built from the kept text
    assert "已修改的部分：开头。" in [c.value for c in again.caption]
    again.button(key="pack_restore").click().run()
    assert paper(again)["开头"].value == drafted and access.draft_texts(CITY, db, Q3) == {}


def test_a_district_keeps_its_own_papers_text_apart_from_the_citys(db):
    app = open_app(WENDENG)
    area = paper(app)["开头"]
    assert "文登区" in area.value
    area.set_value("文登区会上修改的开头。").run()
    assert access.draft_texts(WENDENG, db, Q3, districts=["文登区"]) == {"opening": "文登区会上修改的开头。"}
    assert access.draft_texts(CITY, db, Q3) == {}
    assert paper(open_app(CITY))["开头"].value.startswith("按照季度研究会商机制要求")


# --- hostile text ------------------------------------------------------------------------------------

def test_a_terminal_escape_in_the_paper_is_refused_with_where_and_nothing_is_kept(db):
    app = open_app(CITY)
    paper(app)["开头"].set_value("汇报如下\x1b[31m红字").run()
    assert not app.exception
    [error] = app.error
    assert "第 5 个字符是控制字符" in error.value and "不能保存" in error.value
    assert access.draft_texts(CITY, db, Q3) == {}


def test_markdown_and_html_typed_into_tasks_and_matters_stay_text(db):
    app = open_app(CITY)
    first = int(stored_tasks(db)["task_id"].iat[0])
    app.text_input(key=f"pack_task_{first}_title").set_value(HOSTILE)
    app.button(key=f"pack_task_{first}_save").click().run()
    # the line that quotes the title has every Markdown and HTML character escaped: no link, no image, no bold
    assert [s.value for s in app.success] == [plain(f"任务“{HOSTILE}”已修改。")]
    matter = stored_matters(db)["key"].iat[0]
    app.selectbox(key="pack_matter_pick").set_value(matter).run()
    prefix = matter_prefix(matter)
    app.radio(key=f"{prefix}_decision").set_value("修改")
    app.text_area(key=f"{prefix}_text").set_value(HOSTILE)
    app.button(key=f"{prefix}_save").click().run()
    assert_clean(app)
    # the values reach the tables as they are (grids draw text)
    assert HOSTILE in set(table(app, "责任区市")["任务"]) and HOSTILE in set(table(app, "涉及区市")["事项"])
    for text in (t for t in shown_text(app) if "evil" in t):
        assert "](http" not in text and not re.search(r"(?<!\\)<", text)
    assert HOSTILE in paper(app)["四、下步工作"].value  # the paper's text box is plain text


# --- after a publish ------------------------------------------------------------------------------------

def test_after_a_publish_the_records_and_the_paper_are_recomputed_in_the_background(db, monkeypatch):
    import functools
    import os
    import shutil

    from ui import data, meetings as meeting_ui

    app = open_app(CITY)  # remembers the page's reads: the paper, the tasks and the matters among them
    matters = table(app, "涉及区市")
    assert set(matters["类别"]) >= {"超期重大隐患", "移交未办结", "连续两个季度整改"}
    tasks_text = paper(app)["四、下步工作"].value
    assert "超期重大隐患" in tasks_text
    copy = db.with_name(db.name + ".publish")
    shutil.copyfile(db, copy)
    os.replace(copy, db)  # a publish, as a load makes one: a new version of the warehouse
    app.switch_page(OVERVIEW).run()  # the first view of the new version starts the recomputation
    data._recent.worker.join(timeout=120)
    assert not data._recent.worker.is_alive()
    calls = []
    for module, name in ((meeting_ui, "drafted_paper"), (access, "tasks"), (access, "matters")):
        original = getattr(module, name)

        @functools.wraps(original)  # same module and name: the same cache key
        def counted(*args, _original=original, _name=name, **kwargs):
            calls.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(module, name, counted)
    app.switch_page(PACK).run()
    assert_clean(app)
    assert calls == []  # served from the recomputed cache ...
    assert table(app, "涉及区市").equals(matters)  # ... the same matters
    assert paper(app)["四、下步工作"].value == tasks_text  # ... and the same paper


# --- drafted ahead: at the start, after a publish nobody looked at ---------------------------------------

@pytest.fixture
def nothing_standing(monkeypatch):
    """The views a test stands (`ui.data.stand`) are dropped after it: the list is the dashboard process's own."""
    from ui import data

    monkeypatch.setattr(data._recent, "_standing", {})


def _papers_drafted_for(monkeypatch) -> list:
    """Who each paper computed from now on was drafted for (role, district), one item each."""
    import functools

    from ui import meetings as meeting_ui

    drafted = []
    original = meeting_ui.drafted_paper

    @functools.wraps(original)  # same module and name: the same cache key
    def counted(user, *args, **kwargs):
        drafted.append((user.role, user.district))
        return original(user, *args, **kwargs)

    monkeypatch.setattr(meeting_ui, "drafted_paper", counted)
    return drafted


def _restarted(db) -> None:
    """What a restart of the dashboard leaves: nothing computed, no view remembered, no version seen (what was under
    way in the background ended first)."""
    from ui import data

    data.settle()
    data._cached_call.clear()
    data._cached_records_call.clear()
    with data._recent._lock:
        data._recent._calls.clear()
        data._recent._versions.pop(str(db), None)


def test_the_city_paper_drafted_at_the_start_is_every_city_users_and_a_district_drafts_its_own(
        db, monkeypatch, nothing_standing):
    from ui import meetings as meeting_ui

    open_app(CITY)  # the meeting's drafted tasks handed over to the records, as the first city user's visit does
    _restarted(db)
    drafted = _papers_drafted_for(monkeypatch)
    meeting_ui.draft_city_paper_ahead().result(timeout=120)  # what `streamlit run dashboard.py` starts
    assert drafted == [("市级", None)]
    # the sidebar's default quarter is 2026Q3 (the latest ended quarter with complete data): no ?q= in the address
    first = AppTest.from_file(APP, default_timeout=120)
    first.session_state["_user"] = CITY
    first.run()
    first.switch_page(PACK).run()
    assert_clean(first)
    second = open_app(User("deputy_tester", "市化工办 另一位", "市级", None))
    assert drafted == [("市级", None)]  # the paper both were shown was drafted at the start, whatever their name
    assert {label: area.value for label, area in paper(second).items()} == \
        {label: area.value for label, area in paper(first).items()}
    assert "超期重大隐患" in paper(first)["四、下步工作"].value
    open_app(WENDENG)
    open_app(User("wendeng_deputy", "文登区 另一位", "区市", "文登区"))
    assert drafted == [("市级", None), ("区市", "文登区")]  # a district's paper is its own, shared by its users
    open_app(ANALYST)
    assert drafted == [("市级", None), ("区市", "文登区"), ("分析", None)]  # every district, read-only: its own


def test_after_a_publish_nobody_looked_at_the_city_paper_is_drafted_again(db, monkeypatch, nothing_standing):
    import os
    import shutil

    from ui import data, meetings as meeting_ui
    from warehouse.store import db_version

    open_app(CITY)  # the meeting's drafted tasks handed over to the records
    _restarted(db)
    drafted = _papers_drafted_for(monkeypatch)
    meeting_ui.draft_city_paper_ahead().result(timeout=120)
    copy = db.with_name(db.name + ".publish")
    shutil.copyfile(db, copy)
    os.replace(copy, db)  # a publish, as a load makes one; no page has been opened on either version
    assert data._recent.wait_rewarmed(str(db), db_version(db), timeout=120)
    assert drafted == [("市级", None), ("市级", None)]
    app = open_app(CITY)
    assert drafted == [("市级", None), ("市级", None)]  # the page found the paper of the new version drafted
    assert "超期重大隐患" in paper(app)["四、下步工作"].value


def test_started_with_no_database_the_city_paper_is_drafted_on_the_first_one_published(db, monkeypatch,
                                                                                     nothing_standing):
    import os
    import shutil

    from ui import data, meetings as meeting_ui
    from warehouse.store import db_version

    later = db.with_name("later.duckdb")  # no database yet: the first start builds the demo one, or a load makes it
    monkeypatch.setenv("WEIHAI_DB", str(later))
    drafted = _papers_drafted_for(monkeypatch)
    assert meeting_ui.draft_city_paper_ahead() is None
    shutil.copyfile(db, later.with_suffix(".new"))
    os.replace(later.with_suffix(".new"), later)  # published as a load publishes: renamed into place
    assert data._recent.wait_rewarmed(str(later), db_version(later), timeout=120)
    assert drafted == [("市级", None)]


def test_a_change_to_the_records_with_no_page_open_drafts_the_city_paper_again(db, monkeypatch, nothing_standing):
    from ui import data, meetings as meeting_ui
    from warehouse.store import open_reader

    open_app(CITY)  # the meeting's drafted tasks handed over to the records
    _restarted(db)
    drafted = _papers_drafted_for(monkeypatch)
    meeting_ui.draft_city_paper_ahead().result(timeout=120)
    finished = data._recent.finished_runs(str(db))
    with open_reader(db) as con:  # a decision taken on the command line, or in another dashboard process
        [key, *_] = access.matters(CITY, con, db, Q3)["key"]
        access.decide_matter(CITY, con, db, Q3, key, "不提请")
    assert data._recent.wait_runs(str(db), finished + 1, timeout=120)
    assert drafted == [("市级", None), ("市级", None)]
    app = open_app(CITY)
    assert drafted == [("市级", None), ("市级", None)]  # the page found the paper of the changed records drafted
    assert table(app, "涉及区市")["处理"].iat[0] == "不提请"  # ... with the decision taken
