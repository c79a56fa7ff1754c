"""Stationing history, gaps, rotation and the stationing watch lists, on the hand-made world of
tests/stationing_world.py (2026Q3, as of 2026-09-30 unless a test says otherwise). Every figure is worked out
by hand in the comments beside it."""
from __future__ import annotations

import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import duckdb
import pandas as pd

from core import settings as declared
from metrics import api, sql, stationing, supervision
from metrics.watch import about
from tests.policy_quotes import misquoted, quoted_clauses
from tests.stationing_world import E1, E2, E3, E4, E5, E6, NAMES
from warehouse.store import open_reader

Q3 = "2026Q3"


def rows(frame, *columns):
    """The columns' values row by row, a missing value as None."""
    return [tuple(None if pd.isna(v) else v for v in row) for row in frame[list(columns)].itertuples(index=False)]


def log_fill(stationing_con, code, **kwargs):
    frame = api.report(stationing_con, Q3, by="enterprise", indicators=["log_fill"], **kwargs)
    row = frame[frame["group"] == code].iloc[0]
    return int(row["numerator"]), int(row["denominator"])


# ------------------------------------------------------------------ a rotation in mid-quarter

def test_a_rotation_mid_quarter_counts_each_supervisors_days_for_their_own_span(stationing_con):
    # 张三 07-01 … 08-16: working days July 23 + August 3–7, 10–14 = 33; logged all but 07-15, 07-16 → 31.
    # 李四 08-17 … 09-30: August 17–21, 24–28, 31 (11) + September 1–4, 7–11, 14–18, Sunday 20 (调休), 21–24,
    # 28–30 (22; 09-25 中秋 off) = 33; logged all but 09-28 … 09-30 → 30.
    # 张三's log of 08-18 (after he left) and 李四's of 08-14 (before he came) count for nobody.
    assert log_fill(stationing_con, E1) == (31 + 30, 33 + 33)
    missed = api.shortfall(stationing_con, Q3, "log_fill", group=E1)
    assert rows(missed, "驻点监督人员", "应填报日期") == [  # names in pinyin order
        ("李四", date(2026, 9, 28)), ("李四", date(2026, 9, 29)), ("李四", date(2026, 9, 30)),
        ("张三", date(2026, 7, 15)), ("张三", date(2026, 7, 16))]


def test_history_names_who_was_stationed_when_with_predecessor_and_successor(stationing_con):
    history = stationing.stationing_history(stationing_con, Q3, credit_code=E1)
    assert rows(history, "驻点人员", "进驻日期", "撤离日期", "状态", "驻点天数", "前任", "接任", "来源") == [
        ("张三", date(2026, 1, 5), date(2026, 8, 17), "已撤离", 224, None, "李四", "驻点派驻记录"),
        ("李四", date(2026, 8, 17), None, "在驻", 44, "张三", None, "驻点派驻记录")]
    assert list(history["交接事项"])[0] == "未销号隐患1项及整改台账"
    # per supervisor: 李四, written with a space, is found
    assert list(stationing.stationing_history(stationing_con, Q3, supervisor="李 四")["企业名称"]) == [NAMES[E1]]


def test_history_as_of_a_date_before_the_rotation_shows_the_predecessor_still_stationed(stationing_con):
    history = stationing.stationing_history(stationing_con, Q3, as_of="2026-08-10", credit_code=E1)
    # 李四 arrives on 08-17: not history yet on 08-10
    assert rows(history, "驻点人员", "状态", "驻点天数") == [("张三", "在驻", 217)]


def test_the_roster_stands_in_for_enterprises_without_records(stationing_con):
    history = stationing.stationing_history(stationing_con, Q3, districts=["环翠区"])
    assert rows(history, "企业名称", "驻点人员", "来源", "状态") == [  # enterprises in pinyin order: 六 before 四
        (NAMES[E6], "郑十", "企业名册", "在驻"), (NAMES[E4], "吴九", "企业名册", "在驻")]


# ------------------------------------------------------------------ gaps and handover weeks

def test_a_gap_of_days_with_no_supervisor(stationing_con):
    gaps = api.watch(stationing_con, Q3, lists=["supervision_gaps"])["supervision_gaps"]
    # E5 never had anyone: the whole quarter, 92 days, 66 working days. E2: 王五 left on 09-01 (last day 08-31),
    # 赵六 came on 09-14: 09-01 … 09-13 is 13 days, working days 09-01 … 09-04 and 09-07 … 09-11 = 9.
    # 环翠区 comes first in the configured order.
    assert rows(gaps, "统一社会信用代码", "起始日期", "结束日期", "天数", "其中工作日", "前任驻点人员", "接任驻点人员") == [
        (E5, date(2026, 7, 1), date(2026, 9, 30), 92, 66, None, None),
        (E2, date(2026, 9, 1), date(2026, 9, 13), 13, 9, "王五", "赵六")]
    history_gaps = stationing.stationing_gaps(stationing_con, Q3, credit_code=E2)
    assert rows(history_gaps, "起始日期", "结束日期", "天数") == [(date(2026, 9, 1), date(2026, 9, 13), 13)]
    # and nobody's log fill counts a day of the gap: 王五 07-01 … 08-31 44 days (39 logged: the week of
    # 07-20 missed), 赵六 09-14 … 09-30 13 days, all logged.
    assert log_fill(stationing_con, E2) == (39 + 13, 44 + 13)


def test_a_gap_that_has_not_closed_yet_runs_to_the_as_of_date(stationing_con):
    gaps = api.watch(stationing_con, Q3, as_of="2026-09-10", lists=["supervision_gaps"], districts=["文登"])["supervision_gaps"]
    # 09-01 … 09-10: 10 days, working 09-01 … 09-04, 09-07 … 09-10 = 8; 赵六 not arrived yet
    assert rows(gaps, "起始日期", "结束日期", "天数", "其中工作日", "前任驻点人员", "接任驻点人员") == [
        (date(2026, 9, 1), date(2026, 9, 10), 10, 8, "王五", None)]


def test_overlapping_handover_weeks_are_no_gap_and_count_for_both(stationing_con):
    # E3: 孙七 until 08-07 (撤离 08-08), 周八 from 08-03: both stationed 08-03 … 08-07 (5 days).
    history = stationing.stationing_history(stationing_con, Q3, credit_code=E3)
    assert rows(history, "驻点人员", "与前任同驻天数") == [("孙七", None), ("周八", 5)]
    assert stationing.stationing_gaps(stationing_con, Q3, credit_code=E3).empty
    # 孙七 07-01 … 08-07: 23 + 5 = 28 working days; 周八 08-03 … 09-30: 21 + 22 = 43; both logged every one,
    # the five days of the handover week once for each.
    assert log_fill(stationing_con, E3) == (28 + 43, 28 + 43)


# ------------------------------------------------------------------ rotation

def test_rotation_states_at_the_quarter_end(stationing_con):
    rotation = stationing.rotation_watch(stationing_con, Q3)
    # 吴九 01-20 + 6 months = 07-20, 72 days past (> 30): overdue; 郑十 04-15 → 10-15, in 15 days.
    assert rows(rotation, "驻点人员", "应轮换日期", "轮换状态", "距应轮换日期天数", "已驻点天数") == [
        ("吴九", date(2026, 7, 20), "超期未轮换", 72, 253),
        ("郑十", date(2026, 10, 15), "即将到期", -15, 168),
        ("周八", date(2027, 2, 3), "正常", -126, 58),
        ("李四", date(2027, 2, 17), "正常", -140, 44),
        ("赵六", date(2027, 3, 14), "正常", -165, 16)]


def test_rotation_states_move_with_the_as_of_date(stationing_con):
    # 孙七 02-01 → due 08-01. On 07-25: due in 7 days. On 08-05: due, and 周八 has arrived: 交接中.
    # 吴九 (due 07-20): on 08-19, 30 days past, still 应轮换; on 08-20, 31 days past: 超期未轮换.
    def state(as_of, who):
        frame = stationing.rotation_watch(stationing_con, Q3, as_of=as_of)
        return list(rows(frame[frame["驻点人员"] == who], "轮换状态", "接任人员")[0])
    assert state("2026-07-25", "孙七") == ["即将到期", None]
    assert state("2026-08-05", "孙七") == ["交接中", "周八"]
    assert state("2026-08-19", "吴九") == ["应轮换", None]
    assert state("2026-08-20", "吴九") == ["超期未轮换", None]


def test_the_grace_before_overdue_is_a_setting(stationing_con, tmp_path, monkeypatch):
    path = tmp_path / "settings.toml"
    path.write_text("[watch]\nrotation_grace_days = 80\nrotation_notice_days = 10\n", encoding="utf-8")
    monkeypatch.setenv(declared.SETTINGS_ENV_VAR, str(path))
    declared.reset()
    rotation = stationing.rotation_watch(stationing_con, Q3).set_index("驻点人员")
    assert rotation.loc["吴九", "轮换状态"] == "应轮换"  # 72 days past, within 80
    assert rotation.loc["郑十", "轮换状态"] == "正常"  # 15 days ahead, beyond 10
    assert api.watch(stationing_con, Q3, lists=["rotation_overdue"])["rotation_overdue"].empty
    assert api.WATCH_TITLES["rotation_upcoming"] == "10天内满6个月待轮换"


def test_rotation_watch_lists(stationing_con):
    lists = api.watch(stationing_con, Q3)
    assert rows(lists["rotation_overdue"], "驻点监督人员", "应轮换日期", "超期天数", "已驻点天数") == [
        ("吴九", date(2026, 7, 20), 72, 253)]
    assert rows(lists["rotation_upcoming"], "驻点监督人员", "应轮换日期", "剩余天数") == [
        ("郑十", date(2026, 10, 15), 15)]
    assert rows(lists["rotation_due"], "驻点监督人员") == [("吴九",)]


def test_an_overdue_rotation_is_drafted_as_a_matter_for_the_meeting(stationing_con):
    matters = stationing.rotation_matters(stationing_con, Q3)
    assert list(matters.columns) == ["kind", "subject", "districts", "drafted_text"]
    assert rows(matters, "kind", "subject", "districts") == [
        ("rotation_overdue", f"{E4}/吴九/2026-01-20", "环翠区")]
    assert matters.iloc[0]["drafted_text"] == (
        "环翠区威海四号化工有限公司驻点监督人员吴九于2026年1月20日进驻，驻点已满6个月，应于2026年7月20日轮换，"
        "截至2026年9月30日已超期72天仍未轮换，提请会商督促派出单位（环翠区化工专项办）尽快确定接任人选，做好岗前培训和交接。")
    assert stationing.rotation_matters(stationing_con, Q3, districts=["文登区"]).empty


# ------------------------------------------------------------------ training, handover dates, work plans

def test_a_successor_without_pretraining(stationing_con):
    untrained = api.watch(stationing_con, Q3, lists=["successor_untrained"])["successor_untrained"]
    # 李四 trained 08-10 before arriving 08-17, 赵六 09-07 before 09-14; 周八 has no 岗前培训日期. 张三, 王五 and
    # 孙七 succeeded nobody on record. The roster's 吴九 and 郑十 have no training data at all: not judged.
    assert rows(untrained, "驻点监督人员", "前任驻点人员", "说明") == [("周八", "孙七", "未填岗前培训日期")]


def test_a_rotation_without_a_handover_date(stationing_con):
    undated = api.watch(stationing_con, Q3, lists=["handover_undated"])["handover_undated"]
    # 张三 handed over on 08-14, 王五 on 08-31; 孙七 left on 08-08, 周八 succeeded him, no 交接日期
    assert rows(undated, "驻点监督人员", "撤离日期", "接任驻点人员", "交接日期") == [
        ("孙七", date(2026, 8, 8), "周八", None)]
    # as of 08-16 张三 has handed over (08-14) but not left yet (08-17): nothing to list
    assert api.watch(stationing_con, Q3, as_of="2026-08-16", lists=["handover_undated"])["handover_undated"]["驻点监督人员"] \
        .tolist() == ["孙七"]


def test_an_arrival_without_a_work_plan(stationing_con):
    missing = api.watch(stationing_con, Q3, lists=["work_plan_missing"])["work_plan_missing"]
    # 李四 wrote 制定驻点工作计划 on his first day; 周八 (08-03) wrote no plan by 09-02: 23 logs in 08-03 … 09-02;
    # 赵六's 30 days (09-14 → 10-14) are not over in Q3, so he is not judged yet.
    assert rows(missing, "驻点监督人员", "进驻日期", "应制定计划日期", "期间工作日志条数") == [
        ("周八", date(2026, 8, 3), date(2026, 9, 2), 23)]


def test_the_stationing_lists_are_declared_once_with_their_clauses(stationing_con):
    codes = ["rotation_upcoming", "rotation_overdue", "supervision_gaps", "successor_untrained", "handover_undated",
             "work_plan_missing"]
    declared_lists = [api.watch_list(code) for code in codes]
    assert all(w.topic == "supervision" for w in declared_lists)
    basis = " ".join(w.basis for w in declared_lists)
    assert len(quoted_clauses(basis)) == 6 and misquoted(basis) == []
    assert "威化安转办发〔2021〕26号二：“驻点人员进驻后，要制定工作计划，明确任务完成节点”" in basis
    # every list keeps the enterprise columns first and the provenance last
    for code, frame in api.watch(stationing_con, Q3, lists=codes).items():
        assert list(frame.columns[:3]) == ["区市", "企业名称", "统一社会信用代码"], code
        assert list(frame.columns[-3:]) == ["来源文件", "工作表", "行号"], code


def shared_tables(con) -> list[str]:
    """The kept tables in a reader's shared database (beside them, one naming the reader)."""
    return [name for (name,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = 'kept' AND table_name <> 'reader_identity' "
        "ORDER BY table_oid").fetchall()]


def shared_reader(stationing_world, folder):
    """A reader of its own (on a copy: connections of one process to one file share their database) whose cursors
    share the tables the metrics keep."""
    copy = folder / "shared.duckdb"
    shutil.copyfile(stationing_world, copy)
    return open_reader(copy)


def test_cursors_of_a_reader_sharing_kept_tables_compute_each_relation_once(stationing_world, tmp_path):
    """The dashboard reads on several cursors of one reader at once; with `share_kept_tables` they share what the
    metrics keep: a relation made on one cursor is read, not made again, on another, and the figures are those of a
    reader keeping its tables to each connection."""
    alone = open_reader(stationing_world)
    shared = shared_reader(stationing_world, tmp_path)
    try:
        sql.share_kept_tables(shared)
        first, second = shared.cursor(), shared.cursor()
        expected = supervision.log_fill_summary(alone, Q3)
        pd.testing.assert_frame_equal(supervision.log_fill_summary(first, Q3), expected)
        made = shared_tables(second)
        assert len(made) == 1 and made[0].startswith("kept_day_sets_")  # the logged day sets, on the reader
        assert shared_tables(alone) == []  # a reader of its own keeps its tables to itself
        pd.testing.assert_frame_equal(supervision.log_fill_summary(second, Q3), expected)
        assert shared_tables(first) == made  # read on the second cursor, not made again
    finally:
        shared.close()
        alone.close()


def test_two_cursors_asking_at_once_for_a_kept_relation_make_it_once(stationing_world, tmp_path, monkeypatch):
    """Two threads ask for the same relation at the same moment: the second waits for the first's table (held here
    until both have asked) and reads it."""
    shared = shared_reader(stationing_world, tmp_path)
    sql.share_kept_tables(shared)
    created, asked = [], threading.Barrier(2, timeout=60)
    original = sql._shared_table

    def together(con, table, query):
        asked.wait()  # both threads are here before either makes the table
        return original(con, table, query)

    def counting(con):
        class Counting:
            def execute(self, statement, *args):
                if statement.startswith("CREATE TABLE"):
                    created.append(statement.split()[2])
                return con.execute(statement, *args)

            def __getattr__(self, name):
                return getattr(con, name)
        return Counting()

    monkeypatch.setattr(sql, "_shared_table", lambda con, table, query: together(counting(con), table, query))
    try:
        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(lambda cursor: supervision.log_fill_summary(cursor, Q3),
                                    [shared.cursor(), shared.cursor()]))
        pd.testing.assert_frame_equal(results[0], results[1])
        assert len(created) == 1 and len(shared_tables(shared)) == 1
    finally:
        shared.close()


def test_a_reader_keeps_its_latest_relations_and_computes_a_dropped_one_again(stationing_world, tmp_path,
                                                                             monkeypatch):
    monkeypatch.setattr(sql, "SHARED_KEPT_TABLES", 2)
    alone = open_reader(stationing_world)
    shared = shared_reader(stationing_world, tmp_path)
    try:
        sql.share_kept_tables(shared)
        days = ["2026-08-10", "2026-09-15", "2026-09-30"]  # a relation of its own for each as-of date
        made = []
        for day in days:
            supervision.log_fill_summary(shared.cursor(), Q3, as_of=day)
            made.append(shared_tables(shared)[-1])
        assert shared_tables(shared) == made[1:]  # the oldest dropped when the third was made
        for day in days:  # the dropped one made again, the others read: all as computed alone
            pd.testing.assert_frame_equal(supervision.log_fill_summary(shared.cursor(), Q3, as_of=day),
                                          supervision.log_fill_summary(alone, Q3, as_of=day))
        assert len(shared_tables(shared)) == 2
    finally:
        shared.close()
        alone.close()


def test_a_district_scope_keeps_the_lists_to_its_enterprises(stationing_con):
    lists = api.watch(stationing_con, Q3, districts=["环翠"], lists=["supervision_gaps", "successor_untrained"])
    assert set(lists["supervision_gaps"]["统一社会信用代码"]) == {E5}
    assert lists["successor_untrained"].empty


def test_a_connection_that_may_write_computes_what_a_reader_keeps(stationing_world, stationing_con, tmp_path):
    # A reader keeps the stationings with their neighbours and the logged day sets for the next call on it; a
    # connection that may write computes them in every query. Both read the same, in any order of calls.
    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(stationing_world, copy)
    day = "2026-09-30"
    calls = {
        "history": lambda c: stationing.stationing_history(c, Q3, as_of=day),
        "rotation": lambda c: stationing.rotation_watch(c, Q3, as_of=day),
        "gaps": lambda c: stationing.stationing_gaps(c, Q3, as_of=day),
        "scorecard": lambda c: stationing.scorecard(c, Q3, as_of=day),
        "log fill": lambda c: supervision.log_fill_summary(c, Q3, as_of=day),
        "calendar": lambda c: supervision.log_fill_calendar(c, Q3, as_of=day, worst=3),
    }
    codes = [w.code for w in about("supervision")]
    writer = duckdb.connect(str(copy))
    try:
        for name, call in calls.items():
            kept = call(stationing_con)
            assert len(kept), name
            pd.testing.assert_frame_equal(call(writer), kept, obj=name)
        kept_lists = api.watch(stationing_con, Q3, as_of=day, lists=codes)
        assert sum(map(len, kept_lists.values())) > 0
        for code, frame in api.watch(writer, Q3, as_of=day, lists=codes).items():
            pd.testing.assert_frame_equal(frame, kept_lists[code], obj=code)
    finally:
        writer.close()
