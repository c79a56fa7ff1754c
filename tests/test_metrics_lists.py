"""Shortfall lists and watch lists against tests/metrics_fixtures.py, worked out by hand."""
from __future__ import annotations

from datetime import date

import pytest

from warehouse.store import open_reader
from metrics import api
from metrics.scope import UnknownGroup
from tests.metrics_fixtures import CODE_A, CODE_B, CODE_C, CODE_D, NAME_A, NAME_C, world_db

ENTERPRISE = ["区市", "企业名称", "统一社会信用代码"]
PROVENANCE = ["来源文件", "工作表", "行号"]
# Sum-type indicators: the column holding each record's gap. The others count one per record.
GAP_COLUMNS = {"drill_participation": "缺少人数", "rules": "缺少制度数", "reward_payout": "未发笔数",
               "special_ops_onsite": "未监督数"}


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    connection = open_reader(world_db(tmp_path_factory))
    yield connection
    connection.close()


def column(frame, *names):
    return [tuple(row) for row in frame[list(names)].itertuples(index=False, name=None)]


def test_certification_shortfall_names_people_and_provenance(con):
    frame = api.shortfall(con, "2026Q3", "certification")
    # A03 expired 09-29, A04 has no certificate, A09 has no validity date (8 − 5 = 3).
    assert column(frame, "人员编号", "问题") == [("A03", "证书已过期"), ("A04", "无证书编号"), ("A09", "证书有效期未填")]
    assert list(frame.columns[:3]) == ENTERPRISE and list(frame.columns[-3:]) == PROVENANCE
    a03 = frame.iloc[0]
    assert (a03["区市"], a03["企业名称"], a03["统一社会信用代码"]) == ("文登区", NAME_A, CODE_A)
    # 人员.xlsx: title row 1, header row 2, A03 is the third data row → Excel row 5.
    assert (a03["来源文件"], a03["工作表"], a03["行号"]) == ("人员.xlsx", "数据", 5)
    assert a03["证书有效期至"] == date(2026, 9, 29)


def test_training_shortfall(con):
    frame = api.shortfall(con, "2026Q3", "training")
    # On duty without a passed training in (2025-09-30, 2026-09-30] (14 − 6 = 8): A02 (trained on the open end),
    # A04 (不合格), A08 (59 points), A09 (after the as-of date), B03, C02, C03, C04 (no record).
    assert column(frame, "人员编号", "问题") == [
        ("C02", "统计期内无培训记录"), ("C03", "统计期内无培训记录"), ("C04", "统计期内无培训记录"),
        ("A02", "统计期内无培训记录"), ("A04", "统计期内培训均不合格"), ("A08", "统计期内培训均不合格"),
        ("A09", "统计期内无培训记录"), ("B03", "统计期内无培训记录"),
    ]
    latest = dict(column(frame, "人员编号", "统计期内最近培训日期"))
    assert latest["A04"] == date(2026, 3, 1) and latest["A08"] == date(2026, 9, 1) and latest["A02"] is None


def test_hazard_shortfalls_use_the_latest_ledger_version(con):
    rectification = api.shortfall(con, "2026Q3", "rectification")
    # Due in Q3 and not rectified by 09-30, by deadline: H4 (due 07-31, open), H3 (due 08-31, rectified 10-02),
    # H6 (due 09-15, 整改中); H5 was rectified in the second ledger; H2 is due only on 10-15.
    assert column(rectification, "隐患编号", "统一社会信用代码", "问题") == [
        ("H4", CODE_A, "到期未整改"), ("H3", CODE_A, "截至日期后才整改"), ("H6", CODE_B, "到期未整改")]
    major = api.shortfall(con, "2026Q3", "major_hazard_reported")
    # 环翠区 first (configured order): H8 reported only on 10-05; then H6, never reported.
    assert column(major, "隐患编号", "上报日期") == [("H8", date(2026, 10, 5)), ("H6", None)]


def test_sum_type_shortfalls(con):
    drills = api.shortfall(con, "2026Q3", "drill_participation")
    assert column(drills, "统一社会信用代码", "演练日期", "缺少人数") == [
        (CODE_C, date(2026, 6, 1), 6), (CODE_A, date(2025, 10, 1), 1)]
    special = api.shortfall(con, "2026Q3", "special_ops_onsite")
    # B's 09-30 受限空间作业 is not one of the three: shown beside the rate, not in this list.
    assert column(special, "统一社会信用代码", "日期", "未监督数") == [(CODE_A, date(2026, 7, 3), 1)]
    rules = api.shortfall(con, "2026Q3", "rules")
    assert column(rules, "统一社会信用代码", "缺少制度数") == [(CODE_A, 2)]
    assert api.shortfall(con, "2026Q3", "reward_payout").empty  # 4/4


def test_checklist_shortfalls(con):
    # 环翠区 (configured first): C sent no Q3 checklist; 文登区: B answered 否 / A has no 安全总监.
    assert column(api.shortfall(con, "2026Q3", "responsibility"), "统一社会信用代码", "安全生产责任制落实", "问题") == [
        (CODE_C, "未报送", "未报送本季度检查表"), (CODE_B, "否", "责任制未落实")]
    assert column(api.shortfall(con, "2026Q3", "organization"), "统一社会信用代码", "安全总监配备", "问题") == [
        (CODE_C, "未报送", "未报送本季度检查表"), (CODE_A, "否", "未配备安全总监")]


def test_log_fill_shortfall_lists_missing_days(con):
    frame = api.shortfall(con, "2026Q3", "log_fill", group=CODE_B)
    # 李四 at B since 08-17: 33 dates, 6 logged → 27 missing: 08-24…08-28, 08-31 and every September weekday
    # but the 30th.
    assert len(frame) == 27
    assert frame["应填报日期"].iloc[0] == date(2026, 8, 24)
    assert frame["应填报日期"].iloc[-1] == date(2026, 9, 29)
    assert set(frame["驻点监督人员"]) == {"李四"}
    # The provenance of a missing day is the roster row that stationed the supervisor (B: Excel row 4).
    assert set(column(frame, "来源文件", "行号")) == {("名册.xlsx", 4)}
    assert len(api.shortfall(con, "2026Q3", "log_fill")) == 165 - 30
    assert len(api.shortfall(con, "2026Q3", "log_fill", group="文登")) == 99 - 30


def test_shortfall_groups(con):
    assert len(api.shortfall(con, "2026Q3", "certification", group=NAME_A)) == 3
    assert len(api.shortfall(con, "2026Q3", "certification", group="全市")) == 3
    assert api.shortfall(con, "2026Q3", "certification", group="环翠区").empty
    assert api.shortfall(con, "2026Q3", "certification", group="乳山市").empty
    with pytest.raises(UnknownGroup):
        api.shortfall(con, "2026Q3", "certification", group=CODE_D)  # closed: not in scope
    with pytest.raises(UnknownGroup):
        api.shortfall(con, "2026Q3", "certification", group="不存在的企业")
    with pytest.raises(UnknownGroup):
        api.shortfall(con, "2026Q3", "certification", group="环翠区", districts=["文登区"])


def test_every_shortfall_accounts_for_its_gap(con):
    """For every indicator and group, the listed records add up to denominator − numerator."""
    frame = api.report(con, "2026Q3", by=("city", "district", "enterprise"))
    for row in frame[frame["denominator"] > 0].itertuples():
        records = api.shortfall(con, "2026Q3", row.indicator, group=row.group)
        gap = records[GAP_COLUMNS[row.indicator]].sum() if row.indicator in GAP_COLUMNS else len(records)
        assert gap == row.denominator - row.numerator, (row.indicator, row.group)


def test_watch_lists_at_quarter_end(con):
    lists = api.watch(con, "2026Q3")
    assert list(lists) == list(api.WATCH_TITLES) == [
        "overdue_hazards", "open_within_deadline", "rectified_late", "rectified_not_closed", "unreported_major_hazards",
        "overdue_major_hazards", "transfer_unanswered", "expiring_certificates", "missing_checklists", "rotation_due",
        "late_retrofit_projects", "rotation_upcoming", "rotation_overdue", "supervision_gaps", "successor_untrained",
        "handover_undated", "work_plan_missing"]
    # Deadline < 09-30 and not rectified by 09-30: H4 (07-31, 61 days), H3 (08-31, 30 days; rectified only 10-02),
    # H6 (09-15, 15 days); H9 belongs to the closed D; H5's deadline is 09-30 itself.
    assert column(lists["overdue_hazards"], "隐患编号", "超期天数") == [("H4", 61), ("H3", 30), ("H6", 15)]
    assert column(lists["unreported_major_hazards"], "隐患编号") == [("H8",), ("H6",)]
    # On-duty certificates valid from 09-30 to 12-29 (90 days): C01, C03 (exactly 90), A02 (0), B02 (renewed);
    # C04 (91 days) and the off-duty A06 are not listed.
    assert column(lists["expiring_certificates"], "人员编号", "剩余天数") == [
        ("C01", 62), ("C03", 90), ("A02", 0), ("B02", 15)]
    assert column(lists["missing_checklists"], "统一社会信用代码", "企业状态") == [(CODE_C, "停产")]
    # 张三 stationed 01-05 → due 07-05; 王五 (04-01) is due only on 10-01; D is closed.
    assert column(lists["rotation_due"], "驻点监督人员", "应轮换日期") == [("张三", date(2026, 7, 5))]
    for frame in lists.values():
        assert list(frame.columns[:3]) == ENTERPRISE


def test_watch_lists_follow_the_as_of_date(con):
    lists = api.watch(con, "2026Q3", as_of="2026-10-01")
    assert column(lists["rotation_due"], "统一社会信用代码") == [(CODE_C,), (CODE_A,)]
    assert column(lists["overdue_hazards"], "隐患编号") == [("H4",), ("H3",), ("H6",)]
    later = api.watch(con, "2026Q3", as_of="2026-10-05")
    # H3 rectified 10-02, H8 reported 10-05.
    assert column(later["overdue_hazards"], "隐患编号") == [("H4",), ("H6",)]
    assert column(later["unreported_major_hazards"], "隐患编号") == [("H6",)]
    # Valid 10-05 … 2027-01-03, on duty at 10-05: C01, C03, C04 (86 days), A01 (2027-01-01, 88 days),
    # B02 (10 days); A02 expired on 09-30.
    assert column(later["expiring_certificates"], "人员编号", "剩余天数") == [
        ("C01", 57), ("C03", 85), ("C04", 86), ("A01", 88), ("B02", 10)]


def test_watch_lists_respect_district_scope(con):
    lists = api.watch(con, "2026Q3", districts=["环翠"])
    assert column(lists["unreported_major_hazards"], "隐患编号") == [("H8",)]
    assert lists["overdue_hazards"].empty and lists["rotation_due"].empty
    assert set(lists["expiring_certificates"]["企业名称"]) == {NAME_C}


def test_data_as_of(con):
    # Latest event: H8 reported on 2026-10-05.
    assert api.data_as_of(con) == date(2026, 10, 5)
