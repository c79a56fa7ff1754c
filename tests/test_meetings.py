"""The meeting's own records (contract §6): frozen figures, restatements, common tasks, matters, who may do what.

Figures are those of tests/meeting_world.py, worked out by hand there. Dates are passed explicitly
(`today`), so no test depends on the day it runs.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3

import pandas as pd
import pytest

from access import meetings as access
from access.users import User, audit_entries, users_db_path
from etl.batches import rollback
from metrics import api, meetings
from metrics.meetings import NotFinalised, TaskDraft
from tests.filemaker import CODE_A, CODE_B, CODE_D
from tests.meeting_world import hazard, load_checklists, load_hazards
from warehouse import meetings as records
from warehouse.meetings import MeetingLocked, RecordError
from warehouse.store import open_reader

CITY = User("city", "市化工办", "市级", None)
WENDENG = User("wendeng", "文登区应急局", "区市", "文登区")
ANALYST = User("analyst", "分析员", "分析", None)
Q2, Q3, Q4 = "2026Q2", "2026Q3", "2026Q4"
MEETING_DAY = dt.date(2026, 10, 15)
BEFORE_DEADLINE = dt.date(2026, 11, 20)
AFTER_DEADLINE = dt.date(2027, 1, 5)


@pytest.fixture
def db(meeting_db):
    return meeting_db


@pytest.fixture
def store(db):
    return records.meetings_db_path(db)


def reader(db):
    return open_reader(db)


def figures(frame: pd.DataFrame, grain: str = "district") -> dict[str, tuple[int, int]]:
    rows = frame[frame["grain"] == grain]
    return {g: (int(n), int(d)) for g, n, d in zip(rows["group"], rows["numerator"], rows["denominator"]) if d > 0}


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def status_of(frame: pd.DataFrame, task_id: int, district: str) -> tuple[str, str]:
    [row] = frame[(frame["task_id"] == task_id) & (frame["district"] == district)].itertuples()
    return row.status, row.basis


def audit_actions(db) -> list[tuple[str, str]]:
    return [(who, action) for _, who, action, _ in audit_entries(users_db_path(db))][::-1]


# ---------------------------------------------------------------- 定稿 and the frozen figures

def test_frozen_figures_survive_a_later_load_and_a_rollback(db, store):
    with reader(db) as con:
        access.finalize(CITY, db, Q3, held_on=MEETING_DAY, today=MEETING_DAY, con=con)
    frozen_file = digest(store)
    reported = access.as_reported(CITY, db, Q3, by=["city", "district"], indicators=["rectification"])
    assert figures(reported, "city") == {"全市": (2, 4)}
    assert figures(reported) == {"环翠区": (1, 2), "文登区": (1, 1), "荣成市": (0, 1)}

    # A later ledger: H2 was rectified on 09-25 after all. Now 全市 3/4, 环翠区 2/2.
    batch = load_hazards(db, "隐患台账更新.csv", [
        hazard("H2", CODE_A, "2026-08-05", "一般隐患", "通道堵塞", "2026-08-31", "2026-09-25", "已整改")])
    assert digest(store) == frozen_file  # a load never opens the records
    with reader(db) as con:
        assert figures(api.report(con, Q3, by="city", indicators=["rectification"]), "city") == {"全市": (3, 4)}
        restated = access.reported_with_restatements(CITY, con, db, Q3, by=["city", "district"],
                                                     indicators=["rectification"])
    rows = restated.set_index("group")
    assert (rows.loc["全市", "numerator"], rows.loc["全市", "denominator"]) == (2, 4)
    assert rows.loc["全市", "restatement"] == "会商时 50.0%，现 75.0%"
    assert rows.loc["环翠区", "restatement"] == "会商时 50.0%，现 100.0%"
    assert (rows.loc["环翠区", "rate_reported"], rows.loc["环翠区", "rate_now"]) == (0.5, 1.0)
    assert rows.loc["文登区", "restatement"] == "" and not rows.loc["文登区", "restated"]
    assert list(restated.loc[restated["restated"], "group"]) == ["全市", "环翠区"]

    rollback(db, batch)
    assert digest(store) == frozen_file
    with reader(db) as con:
        assert figures(api.report(con, Q3, by="city", indicators=["rectification"]), "city") == {"全市": (2, 4)}
        after = access.reported_with_restatements(CITY, con, db, Q3, by="city", indicators=["rectification"])
    assert figures(after, "city") == {"全市": (2, 4)} and list(after["restatement"]) == [""]
    assert after["frozen_at"].iloc[0] == reported["frozen_at"].iloc[0]


def test_reopen_keeps_the_frozen_figures_until_the_next_finalize_replaces_them(db, store):
    with reader(db) as con:
        first = access.finalize(CITY, db, Q3, held_on=MEETING_DAY, today=MEETING_DAY, con=con)
    reopened = access.reopen(CITY, db, Q3)
    assert (reopened.state, reopened.frozen_at) == ("草稿", first.frozen_at)
    assert figures(meetings.as_reported(store, Q3, indicators=["rectification"]), "city") == {"全市": (2, 4)}

    load_hazards(db, "隐患台账更新.csv", [
        hazard("H2", CODE_A, "2026-08-05", "一般隐患", "通道堵塞", "2026-08-31", "2026-09-25", "已整改")])
    with reader(db) as con:
        again = access.finalize(CITY, db, Q3, today=MEETING_DAY, con=con)
    assert again.state == "定稿" and again.held_on == MEETING_DAY  # the date held is kept
    assert figures(meetings.as_reported(store, Q3, indicators=["rectification"]), "city") == {"全市": (3, 4)}
    assert [a for _, a in audit_actions(db)] == ["会商定稿", "会商退回草稿", "会商定稿"]


def test_a_quarter_never_finalised_has_no_figures_as_reported(store):
    with pytest.raises(NotFinalised) as raised:
        meetings.as_reported(store, Q3)
    assert str(raised.value).startswith("2026年第三季度尚未定稿，没有会商时的数字。")
    assert (meetings.meeting(store, Q3).state, records.revision(store)) == ("草稿", 0)
    assert not store.exists()  # reading never creates the records file


def test_finalizing_twice_or_a_quarter_without_data_is_refused(db, store):
    with reader(db) as con:
        access.finalize(CITY, db, Q3, held_on=MEETING_DAY, con=con)
        with pytest.raises(MeetingLocked, match="会商已于 .* 定稿。如需按当前数据重新冻结，请先退回草稿再定稿。"):
            access.finalize(CITY, db, Q3, con=con)
        with pytest.raises(RecordError, match="2030年第一季度没有任何数据记录（日志、隐患、培训、演练或季度检查表），不能定稿"):
            access.finalize(CITY, db, "2030Q1", held_on="2030-04-10", con=con)
    assert records.frozen_quarters(store) == [Q3]


def test_a_narrower_view_pools_the_frozen_district_rows(db, store):
    with reader(db) as con:
        access.finalize(CITY, db, Q3, held_on=MEETING_DAY, con=con)
        current = api.report(con, Q3, districts=["环翠区", "荣成市"], indicators=["rectification", "rules"])
    pooled = meetings.as_reported(store, Q3, districts=["环翠区", "荣成市"], indicators=["rectification", "rules"])
    # 环翠区 1/2 + 荣成市 0/1 = 1/3; rules: 环翠区 10/10 and 荣成市 sent no checklist → 关注, 缺报 1 家
    assert list(zip(pooled["indicator"], pooled["group"], pooled["numerator"], pooled["denominator"])) == [
        ("rectification", "所选区市合计", 1, 3), ("rules", "所选区市合计", 10, 10)]
    assert list(pooled["level"]) == list(current["level"]) == ["整改", "关注"]
    assert list(pooled["note"]) == list(current["note"]) == ["", "缺报 1 家"]
    single = meetings.as_reported(store, Q3, districts=["环翠区"], indicators=["rectification"])
    assert (single["group"].iloc[0], int(single["numerator"].iloc[0]), int(single["denominator"].iloc[0])) == \
        ("所选区市合计", 1, 2)


def test_quarter_on_quarter_compares_with_the_previous_quarters_frozen_figures(db, store):
    with reader(db) as con:
        access.finalize(CITY, db, Q2, held_on="2026-07-10", today=dt.date(2026, 7, 10), con=con)
    # A corrected 2026Q2 checklist for A (安全总监 配备): computed now, 环翠区's 2026Q2 organisation is 1/1.
    load_checklists(db, "检查表更正.csv", [[CODE_A, "2026Q2", "否", "是", "是", 10, 10, 0, 0]])
    with reader(db) as con:
        assert figures(api.report(con, Q2, by="district", indicators=["organization"]))["环翠区"] == (1, 1)
        current = api.report(con, Q3, by="district", indicators=["organization"])
        changed = access.with_reported_change(CITY, current, con, db, Q3).set_index("group")
        # 2026Q3 → 2026Q4 has no frozen 2026Q3: computed figures, said so
        next_quarter = meetings.with_reported_change(api.report(con, Q4, by="district", indicators=["organization"]),
                                                     con, store, Q4)
    # 环翠区: 0/1 in 2026Q3 against 0/1 as reported for 2026Q2 (not the 1/1 computed now): no change.
    assert (changed.loc["环翠区", "previous_rate"], changed.loc["环翠区", "change"]) == (0.0, 0.0)
    assert changed.loc["环翠区", "previous_basis"] == "会商时"
    # 文登区: 0/1 as reported → 1/1 now
    assert (changed.loc["文登区", "previous_rate"], changed.loc["文登区", "change"]) == (0.0, 1.0)
    assert set(next_quarter["previous_basis"]) == {"按当前数据"}


# ---------------------------------------------------------------- common tasks

def test_a_task_linked_to_an_indicator_is_done_when_the_owner_reaches_the_target(db, store):
    task_id = access.add_task(CITY, db, Q3, title="提高隐患整改率", owners=["环翠区"], deadline="2026-12-31",
                              link_kind="indicator", link_code="rectification", agreed=True)
    with reader(db) as con:
        access.finalize(CITY, db, Q3, held_on=MEETING_DAY, con=con)
        # The warehouse ends on 2026-08-20: 2026Q4 is not judged on no records of it (0 due would read 无数据).
        assert status_of(access.tasks(CITY, con, db, Q3, today=BEFORE_DEADLINE), task_id, "环翠区") == \
            ("推进中", "待导入2026年第四季度数据后按数据判定（数据截至2026年8月20日）")
        assert status_of(access.tasks(CITY, con, db, Q3, today=dt.date(2026, 9, 30)), task_id, "环翠区") == \
            ("未开始", "2026年第四季度开始后按数据判定")
        # the deadline passed and still nothing of 2026Q4: overdue, as any task not shown done, and it says why
        assert status_of(access.tasks(CITY, con, db, Q3, today=AFTER_DEADLINE), task_id, "环翠区") == \
            ("逾期", "完成时限已过，尚未导入2026年第四季度数据，无法按数据判定完成（数据截至2026年8月20日）")
    load_checklists(db, "检查表_四季度.csv", [[CODE_B, "2026Q4", "是", "是", "是", 10, 10, 0, 0]])
    with reader(db) as con:
        # a 2026Q4 checklist is a record of 2026Q4 though it carries no date: the task is judged now
        assert status_of(access.tasks(CITY, con, db, Q3, today=BEFORE_DEADLINE), task_id, "环翠区") == \
            ("推进中", "隐患整改率无数据（截至2026年11月20日），目标100%")
    load_hazards(db, "隐患台账10月（文登区）.csv", [hazard("H9", CODE_B, "2026-10-12", "一般隐患", "标识缺失", "2026-12-20")])
    with reader(db) as con:
        # 2026Q4 records are in, and no hazard of 环翠区 is due yet: no data is not 100%.
        assert status_of(access.tasks(CITY, con, db, Q3, today=BEFORE_DEADLINE), task_id, "环翠区") == \
            ("推进中", "隐患整改率无数据（截至2026年11月20日），目标100%")
    load_hazards(db, "隐患台账10月.csv", [hazard("H8", CODE_A, "2026-10-10", "一般隐患", "接地断开", "2026-11-15")])
    with reader(db) as con:
        assert status_of(access.tasks(CITY, con, db, Q3, today=BEFORE_DEADLINE), task_id, "环翠区") == \
            ("推进中", "隐患整改率0.0%（0/1，截至2026年11月20日），目标100%")
        # Evaluated as of the deadline once it has passed: still 0/1, so 逾期.
        assert status_of(access.tasks(CITY, con, db, Q3, today=AFTER_DEADLINE), task_id, "环翠区") == \
            ("逾期", "隐患整改率0.0%（0/1，截至2026年12月31日），目标100%")
    load_hazards(db, "隐患台账11月.csv", [
        hazard("H8", CODE_A, "2026-10-10", "一般隐患", "接地断开", "2026-11-15", "2026-11-12", "已整改")])
    with reader(db) as con:
        assert status_of(access.tasks(CITY, con, db, Q3, today=BEFORE_DEADLINE), task_id, "环翠区") == \
            ("已完成", "隐患整改率100.0%（1/1，截至2026年11月20日），目标100%")
        assert status_of(access.tasks(CITY, con, db, Q3, today=AFTER_DEADLINE), task_id, "环翠区")[0] == "已完成"
    [task] = [meetings.task(store, task_id)]
    assert task["standard"] == "责任区市隐患整改率达到100%（评定为“达标”）"


def test_a_task_linked_to_a_watch_list_is_done_when_the_owners_list_is_empty(db):
    task_id = access.add_task(CITY, db, Q3, title="督促重大隐患整改销号", owners=["荣成市", "文登区"],
                              deadline="2026-12-31", link_kind="watch", link_code="overdue_major_hazards", agreed=True)
    with reader(db) as con:
        assert status_of(access.tasks(CITY, con, db, Q3, today=BEFORE_DEADLINE), task_id, "荣成市") == \
            ("推进中", "待导入2026年第四季度数据后按数据判定（数据截至2026年8月20日）")
    load_hazards(db, "隐患台账10月（文登区）.csv", [hazard("H9", CODE_B, "2026-10-12", "一般隐患", "标识缺失", "2026-12-20")])
    with reader(db) as con:
        before = access.tasks(CITY, con, db, Q3, today=BEFORE_DEADLINE)
        late = access.tasks(CITY, con, db, Q3, today=AFTER_DEADLINE)
    assert status_of(before, task_id, "荣成市") == ("推进中", "“超期重大隐患（挂牌督办候选）”1条（截至2026年11月20日）")
    assert status_of(before, task_id, "文登区") == ("已完成", "“超期重大隐患（挂牌督办候选）”0条（截至2026年11月20日）")
    assert status_of(late, task_id, "荣成市")[0] == "逾期"
    load_hazards(db, "隐患台账11月.csv", [
        hazard("H4", CODE_D, "2026-08-20", "重大隐患", "储罐腐蚀", "2026-09-20", "2026-11-01", "已整改")])
    with reader(db) as con:
        assert status_of(access.tasks(CITY, con, db, Q3, today=BEFORE_DEADLINE), task_id, "荣成市")[0] == "已完成"


def test_an_unlinked_task_is_marked_by_its_district_and_falls_overdue_after_the_deadline(db):
    task_id = access.add_task(CITY, db, Q3, title="开展汛期遇水反应化学品专项检查", owners=["文登区", "荣成市"],
                              deadline="2026-12-31", standard="逐企业检查并形成台账", agreed=True)
    with reader(db) as con:
        fresh = access.tasks(CITY, con, db, Q3, today=BEFORE_DEADLINE)
        assert status_of(fresh, task_id, "文登区") == ("未开始", "待区市或市级标记进展")
        access.finalize(CITY, db, Q3, held_on=MEETING_DAY, con=con)
    access.mark_task(WENDENG, db, task_id, status="推进中", note="已检查 5 家")
    with reader(db) as con:
        assert status_of(access.tasks(CITY, con, db, Q3, today=BEFORE_DEADLINE), task_id, "文登区")[0] == "推进中"
    access.mark_task(WENDENG, db, task_id, status="已完成", note="全部 12 家已检查\n台账已报市办")
    with reader(db) as con:
        city_view = access.tasks(CITY, con, db, Q3, today=AFTER_DEADLINE)
        own_view = access.tasks(WENDENG, con, db, Q3, today=AFTER_DEADLINE)
    status, basis = status_of(city_view, task_id, "文登区")
    assert status == "已完成" and basis.startswith("wendeng 于 ") and basis.endswith("标记为“已完成”")
    assert status_of(city_view, task_id, "荣成市")[0] == "逾期"  # never marked, deadline passed
    assert list(own_view["district"]) == ["文登区"]
    assert list(own_view["note"]) == ["全部 12 家已检查\n台账已报市办"]
    assert ("wendeng", "共性任务进展") in audit_actions(db)


def test_a_district_user_cannot_finalize_or_touch_another_districts_task(db, store):
    own = access.add_task(CITY, db, Q3, title="文登区和荣成市共性任务", owners=["文登区", "荣成市"], agreed=True)
    other = access.add_task(CITY, db, Q3, title="荣成市任务", owners=["荣成市"], agreed=True)
    before = records.revision(store)
    refusals = [
        (lambda: access.finalize(WENDENG, db, Q3), "只有市级用户可以将会商定稿；当前用户是区市用户，不能将会商定稿。"),
        (lambda: access.reopen(WENDENG, db, Q3), "只有市级用户可以将会商退回草稿"),
        (lambda: access.add_task(WENDENG, db, Q3, title="自拟任务"), "只有市级用户可以新增共性任务"),
        (lambda: access.edit_task(WENDENG, db, own, title="改名"), "只有市级用户可以修改共性任务"),
        (lambda: access.mark_task(WENDENG, db, own, "荣成市", status="已完成"),
         "区市用户只能填报本区市（文登区）的任务进展。"),
        (lambda: access.mark_task(WENDENG, db, other, status="已完成"), "该任务的责任区市不含文登区，不能填报进展。"),
        (lambda: access.mark_task(ANALYST, db, own, "文登区", status="已完成"), "分析用户只能查看，不能填报共性任务进展。"),
        (lambda: access.save_draft_texts(ANALYST, db, Q3, {"work": "改写"}), "分析用户只能查看，不能修改会商材料正文。"),
    ]
    for attempt, message in refusals:
        with pytest.raises(access.MeetingRefused) as refused:
            attempt()
        assert message in str(refused.value)
    assert records.revision(store) == before  # nothing was written
    assert meetings.meeting(store, Q3).state == "草稿"
    assert [a for who, a in audit_actions(db) if who in ("wendeng", "analyst")] == ["会商操作被拒绝"] * len(refusals)
    with reader(db) as con:
        seen = access.tasks(WENDENG, con, db, Q3, today=BEFORE_DEADLINE)
        about = access.matters(WENDENG, con, db, Q3, today=MEETING_DAY)
    assert list(seen["task_id"]) == [own] and list(seen["district"]) == ["文登区"]
    assert list(about["key"]) == [f"transfer_unanswered:{CODE_B}/H7"]


def test_a_linked_tasks_status_is_never_marked_by_hand(db):
    task_id = access.add_task(CITY, db, Q3, title="提高隐患整改率", owners=["文登区"], link_kind="indicator",
                              link_code="rectification")
    with pytest.raises(RecordError, match="关联了隐患整改率，状态由数据自动判定，只能填写说明"):
        access.mark_task(WENDENG, db, task_id, status="已完成")
    access.mark_task(WENDENG, db, task_id, note="已约谈企业负责人")
    with pytest.raises(RecordError, match="可标记为：未开始、推进中、已完成（“逾期”由完成时限自动判定）"):
        access.mark_task(CITY, db, access.add_task(CITY, db, Q3, title="无关联"), "文登区", status="逾期")


def test_drafting_again_keeps_what_users_made_of_the_drafted_tasks(db, store):
    drafts = [TaskDraft("indicator:rectification", "提高隐患整改率", "督促限期整改", ("环翠区", "荣成市"),
                        link_kind="indicator", link_code="rectification"),
              TaskDraft("watch:transfer_unanswered", "跟踪移交隐患办结", "逐项对接", ("文登区",),
                        link_kind="watch", link_code="transfer_unanswered"),
              TaskDraft("season:flood", "主汛期遇水反应化学品检查", "逐企业检查")]
    assert access.save_drafted_tasks(CITY, db, Q3, drafts)
    revision = records.revision(store)
    assert not access.save_drafted_tasks(CITY, db, Q3, drafts)  # the same draft again changes nothing
    assert records.revision(store) == revision
    with reader(db) as con:
        drafted = access.tasks(CITY, con, db, Q3).drop_duplicates("task_id")
    ids = dict(zip(drafted["draft_key"], drafted["task_id"]))
    access.edit_task(CITY, db, ids["indicator:rectification"], content="督促限期整改，逐项销号")
    access.remove_task(CITY, db, ids["season:flood"])
    redrafted = [TaskDraft("indicator:rectification", "提高隐患整改率", "新的起草文字", ("环翠区",),
                           link_kind="indicator", link_code="rectification"),
                 TaskDraft("watch:transfer_unanswered", "跟踪移交隐患办结", "逐项对接，月底前办结", ("文登区",),
                           link_kind="watch", link_code="transfer_unanswered"),
                 TaskDraft("season:flood", "主汛期遇水反应化学品检查", "逐企业检查"),
                 TaskDraft("indicator:organization", "健全安全管理机构", "", ("荣成市",),
                           link_kind="indicator", link_code="organization")]
    assert access.save_drafted_tasks(CITY, db, Q3, redrafted)
    with reader(db) as con:
        tasks = access.tasks(CITY, con, db, Q3).drop_duplicates("task_id").set_index("draft_key")
    assert list(tasks.index) == ["indicator:rectification", "watch:transfer_unanswered", "indicator:organization"]
    assert (tasks.loc["indicator:rectification", "content"], tasks.loc["indicator:rectification", "owners"],
            tasks.loc["indicator:rectification", "origin"]) == ("督促限期整改，逐项销号", "环翠区、荣成市", "edited")
    assert (tasks.loc["watch:transfer_unanswered", "content"], tasks.loc["watch:transfer_unanswered", "origin"]) == \
        ("逐项对接，月底前办结", "drafted")
    assert tasks.loc["indicator:organization", "deadline"] == dt.date(2026, 12, 31)  # the end of 2026Q4


def test_tasks_matters_and_the_city_paper_are_locked_once_final(db):
    task_id = access.add_task(CITY, db, Q3, title="任务", owners=["文登区"])
    access.save_draft_texts(CITY, db, Q3, {"work": "一、工作开展情况"})
    access.save_draft_texts(WENDENG, db, Q3, {"work": "文登区的材料"}, districts=["荣成市"])  # clamped to 文登区
    with reader(db) as con:
        access.finalize(CITY, db, Q3, held_on=MEETING_DAY, con=con)
        for attempt in (lambda: access.edit_task(CITY, db, task_id, title="改"),
                        lambda: access.add_task(CITY, db, Q3, title="新任务"),
                        lambda: access.save_draft_texts(CITY, db, Q3, {"work": "改写"}),
                        lambda: access.decide_matter(CITY, con, db, Q3, f"overdue_major_hazard:{CODE_D}/H4", "不提请")):
            with pytest.raises(MeetingLocked, match="2026年第三季度会商已定稿，.*请市级用户先将会商退回草稿"):
                attempt()
    assert access.draft_texts(CITY, db, Q3) == {"work": "一、工作开展情况"}
    assert access.draft_texts(WENDENG, db, Q3) == {"work": "文登区的材料"}
    assert access.draft_texts(CITY, db, Q3, districts=["文登区"]) == {"work": "文登区的材料"}
    access.save_draft_texts(WENDENG, db, Q3, {"work": "文登区改后的材料"})  # a district's own paper is not locked
    access.mark_task(WENDENG, db, task_id, status="推进中")  # progress is marked after 定稿


# ---------------------------------------------------------------- matters

def test_matters_are_drafted_from_the_data_and_keep_their_decisions(db, store):
    with reader(db) as con:
        drafted = access.matters(CITY, con, db, Q3, today=MEETING_DAY)
    assert list(drafted["key"]) == [f"overdue_major_hazard:{CODE_D}/H4", f"transfer_unanswered:{CODE_B}/H7",
                                    "fix_twice:环翠区", "fix_twice:荣成市"]
    texts = dict(zip(drafted["key"], drafted["text"]))
    assert texts[f"overdue_major_hazard:{CODE_D}/H4"] == (
        "荣成市荣成丁化工有限公司重大隐患“储罐腐蚀”（隐患编号 H4）整改期限为2026年9月20日，"
        "截至2026年9月30日已超期10天仍未整改，建议挂牌督办。")
    assert texts[f"transfer_unanswered:{CODE_B}/H7"] == (
        "文登区文登乙化工有限公司隐患“特种设备未检验”（隐患编号 H7）已移交市场监管局60天，"
        "截至2026年9月30日仍未办结，提请会商协调。")
    assert texts["fix_twice:荣成市"] == (
        "荣成市安全生产责任制落实率（0.0%、0.0%）、安全管理机构健全率（0.0%、0.0%）在2026年第二季度、2026年第三季度"
        "连续评定为“整改”，提请会商研究督促措施。")
    assert set(drafted["decision"]) == {"待定"}

    with reader(db) as con:
        access.decide_matter(CITY, con, db, Q3, f"transfer_unanswered:{CODE_B}/H7", "修改",
                             text="文登区移交市场监管局的特种设备隐患，请市场监管局反馈办理结果。")
        access.decide_matter(CITY, con, db, Q3, "fix_twice:荣成市", "不提请")
        with pytest.raises(RecordError, match="没有这个提请会商事项"):
            access.decide_matter(CITY, con, db, Q3, "fix_twice:文登区", "采纳")
    # New data: H4 is rectified, so it is no longer drafted; the decisions on the others are kept.
    load_hazards(db, "隐患台账更新.csv", [
        hazard("H4", CODE_D, "2026-08-20", "重大隐患", "储罐腐蚀", "2026-09-20", "2026-09-28", "已整改")])
    with reader(db) as con:
        redrafted = access.matters(CITY, con, db, Q3, today=MEETING_DAY).set_index("key")
        access.finalize(CITY, db, Q3, held_on=MEETING_DAY, today=MEETING_DAY, con=con)
    assert f"overdue_major_hazard:{CODE_D}/H4" not in redrafted.index
    assert redrafted.loc[f"transfer_unanswered:{CODE_B}/H7", "text"] == "文登区移交市场监管局的特种设备隐患，请市场监管局反馈办理结果。"
    assert not redrafted.loc["fix_twice:荣成市", "raised"]

    # After 定稿 the matters are those decided, whatever is loaded next.
    load_hazards(db, "隐患台账再更新.csv", [
        hazard("H7", CODE_B, "2026-07-25", "一般隐患", "特种设备未检验", "2026-10-31", "2026-09-29", "已整改")])
    with reader(db) as con:
        final = access.matters(CITY, con, db, Q3, today=MEETING_DAY)
    assert list(zip(final["key"], final["decision"])) == [
        (f"transfer_unanswered:{CODE_B}/H7", "修改"), ("fix_twice:环翠区", "采纳"), ("fix_twice:荣成市", "不提请")]


def test_two_quarters_at_fix_use_the_previous_quarters_frozen_figures(db, store):
    with reader(db) as con:
        access.finalize(CITY, db, Q2, held_on="2026-07-10", today=dt.date(2026, 7, 10), con=con)
    load_checklists(db, "检查表更正.csv", [[CODE_A, "2026Q2", "否", "是", "是", 10, 10, 0, 0]])
    with reader(db) as con:
        drafted = meetings.draft_matters(con, store, Q3, today=MEETING_DAY).set_index("key")
    # Computed now, 环翠区's 2026Q2 organisation is 1/1 (达标); as reported it was 0/1 (整改).
    assert drafted.loc["fix_twice:环翠区", "drafted_text"] == (
        "环翠区安全管理机构健全率（0.0%、0.0%）在2026年第二季度、2026年第三季度连续评定为“整改”"
        "（2026年第二季度为会商时数字），提请会商研究督促措施。")


def test_last_quarters_open_tasks_are_put_to_the_meeting(db):
    done = access.add_task(CITY, db, Q2, title="完善安全管理机构", owners=["文登区"], agreed=True)
    open_ = access.add_task(CITY, db, Q2, title="开展防汛检查", owners=["文登区", "荣成市"], agreed=True)
    access.add_task(CITY, db, Q2, title="未确定的任务", owners=["文登区"])  # not agreed: not followed up
    access.mark_task(CITY, db, done, "文登区", status="已完成", note="已配备安全总监")
    access.mark_task(WENDENG, db, open_, status="已完成")
    with reader(db) as con:
        about = access.matters(CITY, con, db, Q3, today=MEETING_DAY)
    rows = about[about["kind"] == "open_task"]
    assert list(rows["text"]) == ["上季度共性任务“开展防汛检查”尚未完成：荣成市（逾期），提请会商研究。"]
    assert list(rows["districts"]) == ["荣成市"]


# ---------------------------------------------------------------- hostile input

def test_hostile_text_is_refused_or_cleaned_and_nothing_is_written(db, store):
    task_id = access.add_task(CITY, db, Q3, title="'); DROP TABLE tasks; --", content="第一行\r\n第二行\r第三行  ",
                              owners=["文登"])
    stored = meetings.task(store, task_id)
    assert (stored["title"], stored["content"], stored["owners"]) == (
        "'); DROP TABLE tasks; --", "第一行\n第二行\n第三行", ["文登区"])
    before = records.revision(store)
    refusals = [
        (lambda: access.add_task(CITY, db, Q3, title="检查\x1b[31m整改"),
         "任务标题第 3 个字符是控制字符或格式字符（含换行） \\x1b，不能保存。"),
        (lambda: access.add_task(CITY, db, Q3, title="两行\n标题"), "任务标题第 3 个字符是控制字符或格式字符（含换行） \\n"),
        (lambda: access.add_task(CITY, db, Q3, title="任" * 101), "任务标题最多 100 个字，现有 101 个字，请删减后再保存。"),
        (lambda: access.add_task(CITY, db, Q3, title="正常", content="文字\u202e反转"),
         "任务内容第 3 个字符是控制字符或格式字符 \\u202e"),
        (lambda: access.add_task(CITY, db, Q3, title="正常", owners=["火星区"]), "责任区市中的“火星区”不是本市的区市"),
        (lambda: access.add_task(CITY, db, Q3, title="正常", deadline="2036-01-01"), "完成时限 2036-01-01 不在合理范围内"),
        (lambda: access.add_task(CITY, db, Q3, title="正常", link_kind="indicator", link_code="nope"), "未知"),
        (lambda: access.edit_task(CITY, db, task_id, password="x"), "共性任务没有这些可修改的项：password。"),
        (lambda: access.edit_task(CITY, db, "1 OR 1=1", title="x"), "共性任务编号“1 OR 1=1”无效。"),
        (lambda: access.remove_task(CITY, db, 2 ** 64), "共性任务编号“18446744073709551616”无效。"),
        (lambda: access.mark_task(WENDENG, db, task_id, note="长" * 1001), "进展说明最多 1000 个字，现有 1001 个字"),
        (lambda: access.save_draft_texts(CITY, db, Q3, {"../../etc": "x"}), "材料正文的节名“../../etc”无效"),
        (lambda: access.save_draft_texts(CITY, db, Q3, {"work": "字" * 20001}), "最多 20000 个字，现有 20001 个字"),
        (lambda: access.save_draft_texts(CITY, db, Q3, {f"s{n}": "" for n in range(21)}), "材料正文最多 20 节，收到 21 节。"),
        (lambda: access.add_task(CITY, db, Q3, title="正常", owners=["文登区"] * 65), "责任区市最多 64 项，收到 65 项。"),
        (lambda: access.add_task(CITY, db, Q3, title="正常", content="\x1b" * 1_000_000),
         "任务内容最多 2000 个字，现有 1000000 个字"),
        (lambda: access.save_meeting(CITY, db, Q3, attendees=["文登区", "\x00"]), "参会区市第 1 个字符是控制字符"),
        (lambda: access.save_meeting(CITY, db, Q3, held_on="2026-13-01"), "会商日期“2026-13-01”不是有效日期"),
    ]
    for attempt, message in refusals:
        with pytest.raises(RecordError) as refused:
            attempt()
        assert message in str(refused.value)
    with reader(db) as con:
        with pytest.raises(RecordError, match="事项内容第 3 个字符是控制字符或格式字符 \\\\x00"):
            access.decide_matter(CITY, con, db, Q3, "fix_twice:环翠区", "修改", text="改写\x00")
    assert records.revision(store) == before
    with sqlite3.connect(store) as con:
        assert con.execute("SELECT count(*) FROM tasks").fetchone() == (1,)


def test_a_records_file_of_a_newer_version_is_refused(store):
    with sqlite3.connect(store) as con:
        con.execute("PRAGMA user_version = 99")
    with pytest.raises(records.NewerStore, match="由较新版本的系统写入（格式版本 99）"):
        meetings.meeting(store, Q3)


# ---------------------------------------------------------------- kept between the cursors of the dashboard's reader

def test_the_cursors_of_a_sharing_reader_draft_the_matters_once_until_the_records_change(db, store, monkeypatch):
    """The dashboard drafts each scope's paper on cursors of one reader (`metrics.sql.share_kept_tables`): the matters
    (every scope's) are drafted once for them all; a change to the records drafts them again; a connection of its
    own keeps its own."""
    from metrics import sql

    drafts = []
    original = meetings._draft_matters

    def counted(*args):
        drafts.append(1)
        return original(*args)

    monkeypatch.setattr(meetings, "_draft_matters", counted)
    shared = reader(db)
    try:
        sql.share_kept_tables(shared)
        first, second = shared.cursor(), shared.cursor()
        drafted = meetings.draft_matters(first, store, Q3, today=MEETING_DAY)
        assert len(drafted) == 4 and drafts == [1]  # an overdue major hazard, a handover, two districts at 整改
        pd.testing.assert_frame_equal(meetings.draft_matters(second, store, Q3, today=MEETING_DAY), drafted)
        assert drafts == [1]  # read on the second cursor, not drafted again
        meetings.decide_matter(second, store, Q3, drafted["key"].iat[0], "不提请", today=MEETING_DAY, by="city")
        meetings.draft_matters(second, store, Q3, today=MEETING_DAY)
        assert drafts == [1, 1]  # the records changed
        with reader(copy_of(db)) as alone:  # no shared tables: kept on the connection itself
            meetings.draft_matters(alone, store, Q3, today=MEETING_DAY)
            meetings.draft_matters(alone, store, Q3, today=MEETING_DAY)
        assert drafts == [1, 1, 1]
    finally:
        shared.close()


def copy_of(db):
    """The warehouse under another name: connections of one process to one file share their database."""
    import shutil

    copy = db.with_name("copy.duckdb")
    shutil.copyfile(db, copy)
    return copy
