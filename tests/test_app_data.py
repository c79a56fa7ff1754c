"""Tests of the browsing queries and exports, against the small hand-built warehouse of tests/app_warehouse.py."""
from __future__ import annotations

import datetime as dt
import re

import duckdb
import pandas as pd
import pytest

from core import settings as declared

from metrics import enterprise, hazards, overview, quality, supervision
from tests.app_warehouse import NAME_A, NAME_B, NAME_C, Q3, build_empty_warehouse
from tests.filemaker import CODE_A, CODE_B
from ui.export import file_stem, neutralise_formulas, to_csv, to_xlsx


@pytest.fixture(scope="module")
def con(tmp_path_factory, small_warehouse):
    db = small_warehouse(tmp_path_factory.mktemp("app_data"))
    connection = duckdb.connect(str(db), read_only=True)
    yield connection
    connection.close()


# --- browsing queries -----------------------------------------------------------------------------

def test_search_finds_by_name_with_other_brackets_or_by_code(con):
    assert list(enterprise.enterprise_search(con, "威海(文登)")["统一社会信用代码"]) == [CODE_A]
    assert list(enterprise.enterprise_search(con, CODE_B[:10])["企业名称"]) == [NAME_B]
    # the closed enterprise can still be looked up
    assert list(enterprise.enterprise_search(con, "宏远")["企业状态"]) == ["关闭"]
    # whether the figures count it is the scope's rule (enterprises_in_scope), not re-spelt by the page
    in_scope = enterprise.enterprise_search(con, "").set_index("企业名称")[enterprise.IN_SCOPE]
    assert dict(in_scope) == {NAME_A: True, NAME_B: True, NAME_C: False}
    assert list(enterprise.enterprise_search(con, "", districts=["荣成市"])["企业名称"]) == [NAME_B]


def test_staff_certificate_states_as_of_quarter_end(con):
    staff = enterprise.enterprise_staff(con, CODE_A, as_of=Q3.end).set_index("人员编号")
    assert staff.loc["A002", "证书状态"] == "已过期"
    assert staff.loc["A003", "证书状态"] == "无证书"
    assert staff.loc["A006", "证书状态"] == "即将到期"  # 2026-11-15 is 46 days after 09-30
    assert staff.loc["A001", "证书状态"] == "有效"
    assert staff.loc["A005", "在岗状态"] == "不在岗"


def test_hazard_versions_keep_the_audit_trail(con):
    versions = enterprise.hazard_versions(con, CODE_A, "H-A1")
    assert list(versions["整改状态"]) == ["整改中", "已整改"]
    assert list(versions["来源文件"]) == ["隐患台账_7月.xlsx", "隐患台账_9月.xlsx"]
    ledger = enterprise.enterprise_hazards(con, CODE_A, as_of=Q3.end).set_index("隐患编号")
    assert ledger.loc["H-A1", "版本数"] == 2
    assert ledger.loc["H-A0", "截至日期状态"] == "超期未整改" and ledger.loc["H-A3", "截至日期状态"] == "整改期限内"
    assert ledger.loc["H-A1", "截至日期状态"] == "已整改"


def test_hazard_breakdown_by_district_and_status(con):
    by_district = hazards.hazard_breakdown(con, Q3, by="district").set_index("区市")
    # 文登区: H-A1 done; H-A2 open and overdue; H-A3 open within its deadline. 荣成市: H-B1 done.
    assert by_district.loc["文登区", ["隐患数", "已整改", "未整改", "超期未整改", "重大隐患"]].tolist() == [3, 1, 2, 1, 1]
    assert by_district.loc["荣成市", ["隐患数", "已整改"]].tolist() == [1, 1]
    # no share of the hazards found: the 整改率 is the indicator's, over the hazards due (pages/hazards.py)
    assert "整改率（%）" not in by_district.columns
    by_status = hazards.hazard_breakdown(con, Q3, by="status").set_index("整改状态")["隐患数"].to_dict()
    assert by_status == {"已整改": 2, "整改中": 1, "未整改": 1}


def test_hazard_ageing_counts_open_hazards_of_any_quarter(con):
    ageing = hazards.hazard_ageing(con, Q3)
    # open on 09-30: H-A0 found 05-01 (152 days), H-A2 found 08-10 (51 days), H-A3 found 09-20 (10 days)
    assert ageing[["隐患账龄", "隐患等级", "未整改隐患数", "其中超期"]].values.tolist() == [
        ["30天以内", "一般隐患", 1, 0], ["31–60天", "重大隐患", 1, 1], ["90天以上", "一般隐患", 1, 1]]


def test_major_hazards_show_reporting_status(con):
    majors = hazards.major_hazards(con, Q3).set_index("隐患编号")
    assert majors.loc["H-A2", "上报状态"] == "已上报" and majors.loc["H-A2", "移交状态"] == "已移交"
    assert majors.loc["H-B1", "上报状态"] == "未上报"


def test_log_fill_summary_matches_the_hand_count(con):
    summary = supervision.log_fill_summary(con, Q3).set_index("驻点人员")
    assert summary.loc["王强", ["应填报天数", "已填报天数", "填报率（%）"]].tolist() == [66, 23, 34.8]
    assert summary.loc["李明", ["应填报天数", "已填报天数", "填报率（%）"]].tolist() == [22, 4, 18.2]
    calendar = supervision.log_fill_calendar(con, Q3)
    saturday = calendar[(calendar["驻点人员"] == "李明") & (calendar["日期"] == pd.Timestamp("2026-09-05"))]
    assert saturday[["应填报", "日志条数"]].values.tolist() == [[False, 1]]


def test_rotation_due_soon_follows_the_notice_setting(con, tmp_path, monkeypatch):
    settings = tmp_path / "settings.toml"
    settings.write_text("[watch]\nrotation_notice_days = 152\n", encoding="utf-8")
    monkeypatch.setenv("WEIHAI_SETTINGS", str(settings))
    people = supervision.supervisors(con, Q3).set_index("驻点人员")
    assert people.loc["李明", "轮换状态"] == "即将到期"  # due 2027-03-01, 152 days after 09-30: within 152
    assert people.loc["王强", "轮换状态"] == "待轮换"
    settings.write_text("[watch]\nrotation_notice_days = 151\n", encoding="utf-8")
    declared.reset()
    assert supervision.supervisors(con, Q3).set_index("驻点人员").loc["李明", "轮换状态"] == "正常"


def test_supervisors_rotation_and_special_ops(con):
    people = supervision.supervisors(con, Q3).set_index("驻点人员")
    assert people.loc["王强", "轮换状态"] == "待轮换"  # 2026-01-05 + 6 months = 07-05 <= 09-30
    assert people.loc["王强", "驻点天数"] == 268
    assert people.loc["李明", "轮换状态"] == "正常"  # 2026-09-01 + 6 months = 2027-03-01: 152 days after 09-30
    ops = supervision.special_ops(con, Q3).set_index(["区市", "特殊作业类型"])
    assert ops.loc[("文登区", "高处作业"), ["特殊作业数", "现场监督数"]].tolist() == [3, 1]
    assert ops.loc[("荣成市", "设备检维修"), "现场监督率（%）"] == 100.0


def test_weekly_summary_is_drafted_from_the_logs(con):
    weeks = supervision.weekly_summary(con, Q3, supervisor="王强")
    week = weeks[weeks["起始日期"] == pd.Timestamp("2026-07-06")].iloc[0]
    # 07-06 … 07-10: five logs, special operations 2 + 3 with 2 + 1 on site
    assert (week["日志天数"], week["特殊作业数"], week["现场监督数"]) == (5, 5, 3)
    assert week["企业名称"] == NAME_A  # from the roster: the log rows named only the credit code
    assert week["周小结草稿"].startswith("7月6日—7月12日：填报工作日志5天，发现问题0个；监督特殊作业5次（动火作业、高处作业），现场监督3次。")
    # the first week of Q3 (Wednesday 07-01 … Sunday 07-05): its dates are the days it counts, as its text says
    first = weeks.iloc[-1]
    assert (first["起始日期"], first["截止日期"]) == (pd.Timestamp("2026-07-01"), pd.Timestamp("2026-07-05"))
    assert first["周小结草稿"].startswith("7月1日—7月5日：")


def test_data_quality_views(con):
    assert quality.quarantine_counts(con) == {"隐患台账": 1}
    rows = quality.quarantine_rows(con)
    # the bad ledger row names enterprise A's credit code: it concerns 文登区
    assert rows[["区市", "来源文件", "行号", "列"]].values.tolist() == [["文登区", "隐患台账_7月.xlsx", 4, "隐患等级"]]
    assert quality.quarantine_counts(con, districts=["荣成市"]) == {}
    assert quality.quarantine_counts(con, districts=["文登区", "荣成市"]) == {"隐患台账": 1}
    assert list(quality.rejected_files(con)["文件名"]) == ["无关文件.csv"]
    coverage = quality.report_coverage(con, Q3).set_index("企业名称")
    assert coverage.loc[NAME_B, "季度检查表"] == "未报" and coverage.loc[NAME_A, "季度检查表"] == "已报"
    assert NAME_C not in coverage.index


# --- exports ---------------------------------------------------------------------------------------

def test_formulas_are_neutralised_in_every_text_cell():
    frame = pd.DataFrame({"文本": ["=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)", "\tA", "\rB", "正常", None],
                          "数字": [1, -2, 3, 4, 5, 6, 7, 8]})
    safe = neutralise_formulas(frame)
    assert list(safe["文本"][:7]) == ["'=HYPERLINK(\"x\")", "'+1", "'-2", "'@SUM(A1)", "'\tA", "'\rB", "正常"]
    assert list(safe["数字"]) == [1, -2, 3, 4, 5, 6, 7, 8]  # numbers are not text and stay numbers


def test_csv_has_a_bom_and_xlsx_opens_with_neutralised_cells(tmp_path):
    frame = pd.DataFrame({"企业名称": ["=cmd|' /C calc'!A0"], "日期": [dt.date(2026, 9, 30)]})
    data = to_csv(frame)
    assert data.startswith("\ufeff".encode("utf-8")) and "企业名称".encode("utf-8") in data
    path = tmp_path / "x.xlsx"
    path.write_bytes(to_xlsx(frame, "测试"))
    import openpyxl
    sheet = openpyxl.load_workbook(path).active
    assert sheet["A2"].value == "'=cmd|' /C calc'!A0" and sheet["A2"].data_type == "s"
    assert file_stem("持证上岗率", "文登区", "2026Q3") == "持证上岗率_文登区_2026Q3"


def test_empty_warehouse_gives_empty_frames(tmp_path):
    db = build_empty_warehouse(tmp_path)
    connection = duckdb.connect(str(db), read_only=True)
    try:
        assert hazards.hazard_breakdown(connection, Q3, by="district").empty
        assert supervision.log_fill_summary(connection, Q3).empty
        assert quality.report_coverage(connection, Q3).empty
        assert not overview.is_demo(connection)
    finally:
        connection.close()


def test_log_calendar_keeps_the_worst_stationings_or_one_enterprise(con):
    # fill rates: 李明 4 / 22 = 18.2 % is worse than 王强 23 / 66 = 34.8 %
    worst = supervision.log_fill_calendar(con, Q3, worst=1)
    assert set(worst["驻点人员"]) == {"李明"} and len(worst) == 92  # every day of the quarter: 31 + 31 + 30
    one = supervision.log_fill_calendar(con, Q3, credit_code=CODE_A)
    assert set(one["驻点人员"]) == {"王强"}
    assert int(one["应填报"].sum()) == 66 and int((one["日志条数"] > 0).sum()) == 23


def test_breakdowns_in_one_pass_match_each_grouping(con):
    every = hazards.hazard_breakdowns(con, Q3)
    assert set(every) == set(hazards.HAZARD_GROUPINGS)
    # found in Q3: H-A1 一般, H-A2 重大, H-A3 一般, H-B1 重大
    assert every["level"].set_index("隐患等级")["隐患数"].to_dict() == {"一般隐患": 2, "重大隐患": 2}
    assert every["category"].set_index("隐患类别")["隐患数"].to_dict() == {"设备设施": 2, "特殊作业": 1, "应急管理": 1}
    assert every["method"].set_index("检查方式")["隐患数"].to_dict() == {"驻点检查": 2, "执法检查": 1, "企业自查": 1}


def test_at_exit_the_background_recompute_stops_after_the_query_under_way(monkeypatch):
    """Before: the rewarm thread was left running queries when the interpreter exited, which aborted the process
    ("terminate called…", exit status 134) after `pytest -n 0` had passed every test."""
    import threading

    from ui import data

    started, release, ran = threading.Event(), threading.Event(), []

    def slow_call(module, name, *rest):
        ran.append(name)
        started.set()
        assert release.wait(timeout=60)

    monkeypatch.setattr(data, "db_version", lambda path: "v2")
    monkeypatch.setattr(data, "_cached_call", slow_call)
    recent = data._RecentQueries()
    for name in ("first", "second", "third"):
        recent.remember("w.duckdb", ("metrics.x", name, None, (), {}))
    recent.rewarm_after_publish("w.duckdb", "v1", skip=())
    recent.rewarm_after_publish("w.duckdb", "v2", skip=())  # a new version: the replay starts
    assert started.wait(timeout=60)
    stopper = threading.Thread(target=recent.stop)
    stopper.start()
    assert recent._stopping.wait(timeout=60)  # stop has come while the query is under way
    release.set()
    stopper.join(timeout=60)
    assert not recent.worker.is_alive()
    assert ran == ["third"]  # the most recent view, under way when stop came; the other two were not started
    recent.rewarm_after_publish("w.duckdb", "v3", skip=())
    assert ran == ["third"] and not recent.worker.is_alive()  # stopped: no new replay


def _reads_watched(monkeypatch, db, hold=None):
    """The dashboard's reads on `db` for a city user, each noted with the thread it ran in (`ran_in`) and `started`
    set when one begins; with `hold`, each waits for that event before it reads."""
    import threading

    from tests.app_pages_support import CITY_USER
    from ui import data

    monkeypatch.setenv("WEIHAI_DB", str(db))
    monkeypatch.setattr(data, "current_user", lambda: CITY_USER)
    started, ran_in = threading.Event(), []
    original = data.scoped_call

    def watched(func, con, scope, *args, **kwargs):
        ran_in.append(threading.current_thread().name)
        started.set()
        if hold is not None:
            assert hold.wait(timeout=60)
        return original(func, con, scope, *args, **kwargs)

    monkeypatch.setattr(data, "scoped_call", watched)
    return started, ran_in


def test_a_slow_read_ahead_never_holds_up_the_reads_a_page_starts_for_itself(monkeypatch, tmp_path, small_warehouse):
    """The meeting paper drafted ahead for the page opened next (seconds) runs on its own thread: a page's own
    prefetch starts at once beside it."""
    import threading

    from ui import data

    started, ran_in = _reads_watched(monkeypatch, small_warehouse(tmp_path / "ahead"))
    release = threading.Event()
    drafting = data._reading_ahead.submit(release.wait, 60)  # still drafting another user's paper
    try:
        data.prefetch(hazards.hazard_ageing, Q3)
        assert started.wait(timeout=60) and ran_in == ["dashboard-prefetch_0"]
        assert not drafting.done()
    finally:
        release.set()
    ageing = data.query(hazards.hazard_ageing, Q3)
    assert ran_in == ["dashboard-prefetch_0"]  # served what the prefetch read
    assert ageing["未整改隐患数"].tolist() == [1, 1, 1]  # H-A3, H-A2, H-A0 open on 09-30


def test_a_paper_drafted_in_the_background_never_holds_up_the_reads_of_a_paper_a_page_drafts(monkeypatch, tmp_path,
                                                                                            small_warehouse):
    """A paper drafted ahead or recomputed after a publish reads on the background's own drafting thread: while that
    thread is busy, the reads a page starts for the paper it draws run at once on the page's drafting threads."""
    import threading

    from ui import data

    started, ran_in = _reads_watched(monkeypatch, small_warehouse(tmp_path / "behind"))
    path, version = data._published()
    release = threading.Event()
    behind = [data._drafting_behind.submit(release.wait, 60) for _ in range(2)]  # drafting another user's paper
    try:
        ageing = data._SharedReader(None, path, version).start(hazards.hazard_ageing, Q3)()
        assert len(ran_in) == 1 and re.fullmatch(r"dashboard-drafting_[01]", ran_in[0])
        assert not any(held.done() for held in behind)
    finally:
        release.set()
    assert ageing["未整改隐患数"].tolist() == [1, 1, 1]  # H-A3, H-A2, H-A0 open on 09-30
    data._thread.behind = True  # as on the read-ahead and recomputation threads
    try:
        data._SharedReader(None, path, version).start(hazards.hazard_ageing, "2026Q2")()
    finally:
        data._thread.behind = False
    assert len(ran_in) == 2 and re.fullmatch(r"dashboard-drafting-behind_[01]", ran_in[1])


def test_a_prefetched_read_is_computed_once_in_the_background_and_then_served(monkeypatch, tmp_path,
                                                                              small_warehouse):
    """`ui.data.prefetch` returns while its read runs in another thread; the page's own `query` of the same call
    is then served that result instead of computing it again."""
    import threading

    from ui import data

    release = threading.Event()
    started, ran_in = _reads_watched(monkeypatch, small_warehouse(tmp_path / "prefetch"), hold=release)
    data.prefetch(hazards.hazard_ageing, Q3)  # returns although the read is held
    assert started.wait(timeout=60) and ran_in[0].startswith("dashboard-prefetch")
    release.set()
    ageing = data.query(hazards.hazard_ageing, Q3)
    assert len(ran_in) == 1  # computed once, in the background
    # open on 09-30 (as in test_hazard_ageing_counts_open_hazards_of_any_quarter): H-A3, H-A2, H-A0
    assert ageing["未整改隐患数"].tolist() == [1, 1, 1]
    assert ageing["隐患账龄"].tolist() == ["30天以内", "31–60天", "90天以上"]


def test_reads_still_queued_at_exit_are_dropped_and_the_one_under_way_finishes(tmp_path):
    """A dashboard process that ends does not compute, for nobody, the meeting papers still queued behind the one
    being drafted; that one finishes (a DuckDB query cut off at exit aborts the process)."""
    import subprocess
    import sys
    from pathlib import Path

    marks = tmp_path / "marks"
    code = f"""
import pathlib, threading
import concurrent.futures.thread  # its exit hook, which joins the workers, runs last
released = threading.Event()
threading._register_atexit(released.set)  # runs after the dashboard's hook, before the workers are joined
from ui import data
marks = pathlib.Path({str(marks)!r})
marks.mkdir()
started = threading.Event()
def under_way():
    started.set()
    assert released.wait(60)
    (marks / "finished").touch()
data._reading_ahead.submit(under_way)
for n in range(3):
    data._reading_ahead.submit((marks / f"queued{{n}}").touch)
assert started.wait(60)
"""
    root = Path(__file__).resolve().parent.parent
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in marks.iterdir()) == ["finished"]


def test_the_users_of_one_scope_are_one_remembered_view_and_one_read_ahead():
    """What the dashboard recomputes after a publish and reads ahead is keyed as the records reads are cached: by
    the reader's role and district, so two city users' papers are one view to recompute, a district's another."""
    from access.users import User
    from ui import data

    def paper_call(user):
        return (data.RECORDS, "ui.meetings", "drafted_paper", user, (Q3,), {"districts": None})

    city, deputy = User("city_a", "甲", "市级", None), User("city_b", "乙", "市级", None)
    wendeng = User("wendeng_a", "丙", "区市", "文登区")
    assert data._call_key(paper_call(city)) == data._call_key(paper_call(deputy))
    assert data._call_key(paper_call(city)) != data._call_key(paper_call(wendeng))
    recent = data._RecentQueries()
    recent._stopping.set()  # no watcher thread for this one
    for user in (city, deputy, wendeng):
        recent.remember("warehouse.duckdb", paper_call(user))
    assert len(recent._calls["warehouse.duckdb"]) == 2
