"""Indicator figures at city, district and enterprise level, worked out by hand from tests/metrics_fixtures.py."""
from __future__ import annotations

import math
from datetime import date as date_

import duckdb
import pytest

from warehouse.store import open_reader
from metrics import api
from metrics.findings import finding_level
from metrics.indicators import INDICATORS, UnknownIndicator, indicator
from core.quarters import Quarter
from metrics.sql import AsOfError
from tests.metrics_fixtures import CODE_A, CODE_B, CODE_C, CODE_D, CODE_E, CODE_F, build_supervision_world, world_db

CODES = ["certification", "training", "rectification", "drill_participation", "responsibility", "organization",
         "rules", "reward_payout", "special_ops_onsite", "log_fill", "major_hazard_reported"]


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    connection = open_reader(world_db(tmp_path_factory))
    yield connection
    connection.close()


def figures(frame, group=None):
    """{indicator: (numerator, denominator)} of one group, or {(indicator, group): …} of all."""
    rows = {(r.indicator, r.group): (int(r.numerator), int(r.denominator)) for r in frame.itertuples()}
    return {code: nd for (code, g), nd in rows.items() if g == group} if group else rows


# 2026Q3 as of 2026-09-30, by enterprise.
#
# certification — key roles on duty at 09-30 (hired empty or ≤ 09-30, left empty or > 09-30):
#   A: A01 (valid 2027-01-01 ✓), A02 (valid exactly 09-30 ✓), A03 (valid 09-29 ✗), A04 (no certificate ✗),
#      A09 (no validity date ✗); A05 hired 10-01 and A06 leaving 09-30 are not on duty; A08 is 分管负责人 → 2/5
#   B: B01 ✓, B02 ✓ only through the later roster (06-30 → 10-15); B04 left on 09-15             → 2/2
#   C (停产, stays in): C01 ✓ (C02–C04 are 其他从业人员)                                              → 1/1
# training — everyone on duty; a passed training in (2025-09-30, 2026-09-30]:
#   A: on duty A01 A02 A03 A04 A07 A08 A09 = 7; A01 (2025-10-01 ✓), A02 (2025-09-30, open end ✗),
#      A03 (2026-09-30, closed end ✓), A04 (不合格 ✗), A07 (score 60 ✓), A08 (score 59 ✗), A09 (10-01 ✗) → 3/7
#   B: B01 ✓ B02 ✓ B03 ✗ (B04 has left) → 2/3;  C: C01 (matched by name) ✓, C02–C04 ✗ → 1/4
# rectification — latest ledger version, 整改期限 07-01…09-30 and found ≤ 09-30, rectified ≤ 09-30:
#   A: H1 (due 07-15) ✓, H3 (due 08-31, rectified 10-02) ✗, H4 (found in Q2, due 07-31, open) ✗;
#      H2 is due 10-15, still inside its deadline → 1/3
#   B: H5 (due 09-30; second ledger: rectified 09-20) ✓, H6 (due 09-15) ✗, H7 ✓ → 2/3;
#   C: H8 (due 08-05) ✓; H10 found in Q4 → 1/1
# drill_participation — drills in (2025-09-30, 2026-09-30] (every enterprise held one):
#   A: 2025-10-01 (19/20) + 2026-09-30 (10/10); 2025-09-30 and 2026-10-01 out → 29/30;  B: 8/8;  C: 6/12
# responsibility / organization — every enterprise in scope; C sent no Q3 checklist → not met:
#   A: 是 → 1/1; director 否 → 0/1;  B: 否 → 0/1; 是 是 → 1/1;  C: 0/1 and 0/1
# rules / reward_payout — sums over the Q3 checklists sent (C sent none: 缺报 1 家 where C is counted):
#   A: rules 18/20; rewards 4/4;  B: rules 15/15; rewards empty → 0/0
# special_ops_onsite — logs dated in Q3 with 动火作业, 设备检维修 or 高处作业:
#   A: 07-02 动火 3/3, 07-03 高处 1/2, 07-04 (a Saturday) 检维修 2/2; the 06-30 log is in Q2 → 6/7
#   B: 08-14 吊装 1/1 and 09-30 受限空间 0/1 are other types, shown beside the rate → 0/0
# log_fill — official working days from max(07-01, 进驻日期) to 09-30: July 23, August 21, September
#   22 − 09-25 (中秋) + 09-20 (a Sunday worked, 调休) = 22; the sums happen to equal Monday–Friday's:
#   A 张三 since 01-05: 66 dates; logged every July weekday (23) + 08-03 as "张 三" → 24; 赵六 is not the
#     roster supervisor, the Saturday does not count, two logs on 07-01 count once → 24/66
#   B 李四 since 08-17 (Monday): 11 + 22 = 33 dates; logged 08-17…08-21 and 09-30 → 6; 08-14 precedes → 6/33
#   C 王五 since 04-01: 66 dates, no logs → 0/66
# major_hazard_reported — 重大隐患 found in Q3 with 上报日期 ≤ 09-30:
#   B: H5 (08-11) ✓, H6 ✗ → 1/2;  C: H8 (reported 10-05) ✗ → 0/1
ENTERPRISE_A = dict(zip(CODES, [(2, 5), (3, 7), (1, 3), (29, 30), (1, 1), (0, 1), (18, 20), (4, 4), (6, 7), (24, 66), (0, 0)]))
ENTERPRISE_B = dict(zip(CODES, [(2, 2), (2, 3), (2, 3), (8, 8), (0, 1), (1, 1), (15, 15), (0, 0), (0, 0), (6, 33), (1, 2)]))
ENTERPRISE_C = dict(zip(CODES, [(1, 1), (1, 4), (1, 1), (6, 12), (0, 1), (0, 1), (0, 0), (0, 0), (0, 0), (0, 66), (0, 1)]))
# 文登区 = A + B pooled; 环翠区 = C; the city = 文登区 + 环翠区 (D is 关闭 and left out everywhere).
WENDENG = dict(zip(CODES, [(4, 7), (5, 10), (3, 6), (37, 38), (1, 2), (1, 2), (33, 35), (4, 4), (6, 7), (30, 99), (1, 2)]))
CITY = dict(zip(CODES, [(5, 8), (6, 14), (4, 7), (43, 50), (1, 3), (1, 3), (33, 35), (4, 4), (6, 7), (30, 165), (1, 3)]))
NO_DATA = dict.fromkeys(CODES, (0, 0))


def test_city_figures(con):
    frame = api.report(con, Quarter(2026, 3))
    assert list(frame["indicator"]) == CODES
    assert set(frame["group"]) == {"全市"} and frame["district"].isna().all()
    assert figures(frame, "全市") == CITY


def test_district_figures_are_pooled_and_every_district_is_listed(con):
    frame = api.report(con, "2026Q3", by="district")
    assert figures(frame, "文登区") == WENDENG
    assert figures(frame, "环翠区") == ENTERPRISE_C
    # 荣成市 has only a closed enterprise; the others have nothing at all.
    for district in ("荣成市", "乳山市", "高区", "经区", "临港区", "南海新区"):
        assert figures(frame, district) == NO_DATA
    # Pooled, not a mean of rates: 文登区 training is 5/10 = 0.5, whereas the mean of 3/7 and 2/3 is 0.548.
    wendeng = frame[(frame["group"] == "文登区") & (frame["indicator"] == "training")].iloc[0]
    assert wendeng["rate"] == pytest.approx(0.5)


def test_enterprise_figures(con):
    frame = api.report(con, "2026Q3", by="enterprise")
    assert figures(frame, CODE_A) == ENTERPRISE_A
    assert figures(frame, CODE_B) == ENTERPRISE_B
    assert figures(frame, CODE_C) == ENTERPRISE_C
    assert set(frame["group"]) == {CODE_A, CODE_B, CODE_C}  # the closed D is out
    row = frame[(frame["group"] == CODE_C) & (frame["indicator"] == "certification")].iloc[0]
    assert (row["group_name"], row["district"]) == ("威海丙化工有限公司", "环翠区")


def test_every_grain_lists_its_rows_in_order_and_an_enterprise_without_records_counts_zero(con):
    frame = api.report(con, "2026Q3", by=("city", "district", "enterprise"))
    districts = ["环翠区", "文登区", "荣成市", "乳山市", "高区", "经区", "临港区", "南海新区"]  # as configured
    # per grain, indicator by indicator; the enterprises by district, then by name (丙 bing, 甲 jia, 乙 yi)
    expected = [("city", code, "全市") for code in CODES]
    expected += [("district", code, d) for code in CODES for d in districts]
    expected += [("enterprise", code, e) for code in CODES for e in (CODE_C, CODE_A, CODE_B)]
    assert list(zip(frame["grain"], frame["indicator"], frame["group"])) == expected
    # C has no 规章制度, 奖金 or 特殊作业 records at all: 0/0, 无数据, beside its district's name
    row = frame[(frame["group"] == CODE_C) & (frame["indicator"] == "rules")].iloc[0]
    assert (row["numerator"], row["denominator"], row["level"], row["district"]) == (0, 0, "无数据", "环翠区")


def test_enterprises_are_listed_by_district_before_name(tmp_path):
    """威海甲 (jia) comes before 威海乙 (yi) by name, but 乙 is in 环翠区, which is configured before 文登区: 乙 first,
    each beside its own district."""
    from tests.metrics_fixtures import LOGS, ROSTER, _log, d, load, write_xlsx

    roster = [["威海甲化工有限公司", CODE_E, "文登区", "化学原料", 10, "张三", "文登区化工专项办", d("2026-07-01"), "正常生产"],
              ["威海乙化工有限公司", CODE_F, "环翠区", "化学原料", 10, "李四", "环翠区化工专项办", d("2026-07-01"), "正常生产"]]
    db = tmp_path / "warehouse.duckdb"
    load([write_xlsx(tmp_path / "名册.xlsx", "企业名册", ROSTER, roster),
          write_xlsx(tmp_path / "日志.xlsx", "驻点工作日志", LOGS, [_log(d("2026-07-01"), "张三", CODE_E)])], db)
    reader = open_reader(db)
    try:
        frame = api.report(reader, "2026Q3", by="enterprise", as_of="2026-07-03", indicators=["log_fill"])
    finally:
        reader.close()
    # log_fill as of 07-03: 甲's 张三 logged 1 of the 3 working days 07-01…07-03; 乙's 李四 none of 3
    assert list(zip(frame["group"], frame["district"], frame["numerator"], frame["denominator"])) == [
        (CODE_F, "环翠区", 0, 3), (CODE_E, "文登区", 1, 3)]


def test_rates_and_levels(con):
    frame = api.report(con, "2026Q3", by="district")
    pick = frame.set_index(["indicator", "group"])
    # 4/7 = 0.571 → 整改; 37/38 = 0.974 → 关注; 4/4 → 达标; 0/0 → no rate, 无数据.
    assert pick.loc[("certification", "文登区"), "rate"] == pytest.approx(4 / 7)
    assert pick.loc[("certification", "文登区"), "level"] == "整改"
    assert pick.loc[("drill_participation", "文登区"), "level"] == "关注"
    assert pick.loc[("reward_payout", "文登区"), "level"] == "达标"
    # 环翠区's only enterprise sent no Q3 checklist: 责任制 0/1 (not left out); rules has nothing to sum.
    assert pick.loc[("responsibility", "环翠区"), "rate"] == 0.0
    assert pick.loc[("responsibility", "环翠区"), "level"] == "整改"
    assert math.isnan(pick.loc[("rules", "环翠区"), "rate"])
    assert (pick.loc[("rules", "环翠区"), "level"], pick.loc[("rules", "环翠区"), "note"]) == ("无数据", "缺报 1 家")
    assert pick.loc[("reward_payout", "文登区"), "note"] == ""
    assert pick.loc[("certification", "乳山市"), "level"] == "无数据"


def test_district_scope_and_indicator_choice(con):
    frame = api.report(con, "2026Q3", districts=["文登"], indicators=["log_fill", "certification"])
    # Contract order, whatever order they were asked in; the total row covers only the chosen district, so it is
    # 所选区市合计, never 全市.
    assert figures(frame, "所选区市合计") == {"certification": (4, 7), "log_fill": (30, 99)}
    assert figures(frame, "全市") == {}
    frame = api.report(con, "2026Q3", by="district", districts=["环翠区", "高新区"])
    assert list(dict.fromkeys(frame["group"])) == ["环翠区", "高区"]


def test_as_of_mid_quarter(con):
    # As of 2026-08-31: on duty at 08-31, window (2025-08-31, 2026-08-31], events up to 08-31.
    # certification: A: A01 ✓ A02 ✓ A03 (09-29 ≥ 08-31) ✓ A04 ✗ A06 (leaves 09-30, on duty) ✓ A09 ✗ → 4/6;
    #   A08 (hired 09-30) is not yet on duty; B: B01 ✓ B02 ✓ B04 (leaves 09-15, on duty, no certificate) ✗ → 2/3;
    #   C 1/1 → city 7/10
    # training: A: on duty A01 A02 A03 A04 A06 A07 A09; A01 ✓, A02 (2025-09-30 now inside) ✓, A03 (09-30 after) ✗,
    #   A04 ✗, A06 ✓, A07 ✓, A09 ✗ → 4/7; B: B01 ✓ B02 ✓ B03 ✗ B04 ✗ → 2/4; C 1/4 → city 7/15
    # rectification, due 07-01…08-31 and found by then: A: H1 ✓, H3 (due 08-31) ✗, H4 (due 07-31) ✗ → 1/3;
    #   B: H7 ✓ (H5 is due 09-30, H6 found 09-01) → 1/1; C: H8 ✓ → 3/5
    # drill_participation: A: 2025-09-30 10/10 + 2025-10-01 19/20 → 29/30; B 8/8; C 6/12 → 43/50
    # special_ops_onsite: A 6/7 (July); B's 08-14 吊装 is beside the rate → 6/7
    # log_fill: A: 44 working days in July–August (no holiday), 24 logged; B: 11, 5 logged; C: 44, 0 → 29/99
    # major_hazard_reported: B: H5 ✓ (H6 not yet found); C: H8 ✗ → 1/2
    frame = api.report(con, "2026Q3", as_of="2026-08-31")
    got = figures(frame, "全市")
    assert got["certification"] == (7, 10)
    assert got["training"] == (7, 15)
    assert got["rectification"] == (3, 5)
    assert got["drill_participation"] == (43, 50)
    assert got["special_ops_onsite"] == (6, 7)
    assert got["log_fill"] == (29, 99)
    assert got["major_hazard_reported"] == (1, 2)
    assert got["responsibility"] == (1, 3)  # the quarter's checklists do not depend on the date
    by_enterprise = figures(api.report(con, "2026Q3", by="enterprise", as_of="2026-08-31"))
    assert by_enterprise[("certification", CODE_A)] == (4, 6)
    assert by_enterprise[("log_fill", CODE_B)] == (5, 11)


def test_as_of_after_quarter_end(con):
    # As of 2026-10-05: the hazards due in Q3 stay those due by 09-30; H3 (rectified 10-02) now counts → A 2/3,
    #   city 5/7; H8 (found 07-05) reported 10-05, 92 days after finding, is 迟报 91 天, not 直报 → city 1/3.
    # certification at 10-05: A: A01 ✓, A02 (09-30) ✗, A03 ✗, A04 ✗, A05 (hired 10-01, valid 2028) ✓, A09 ✗;
    #   A06 left 09-30 → 2/6; B: B01 ✓, B02 (10-15) ✓; C: C01 ✓ → city 5/9
    got = figures(api.report(con, "2026Q3", as_of="2026-10-05"), "全市")
    assert got["rectification"] == (5, 7)
    assert got["major_hazard_reported"] == (1, 3)
    assert got["certification"] == (5, 9)


def test_as_of_before_the_quarter_is_refused(con):
    with pytest.raises(AsOfError, match="早于"):
        api.report(con, "2026Q3", as_of="2026-06-30")


def test_trend_with_change_against_previous_quarter(con):
    frame = api.trend(con, ["2026Q2", "2026Q3"], indicators=["certification", "responsibility", "rectification"])
    assert list(frame["quarter"]) == ["2026Q2"] * 3 + ["2026Q3"] * 3
    pick = frame.set_index(["quarter", "indicator"])
    # certification at 2026-06-30: A: A01 A02 A03 A06 ✓, A04 A09 ✗ → 4/6; B: B01 B02 ✓, B04 (still on duty) ✗ → 2/3;
    #   C 1/1 → 7/10; at 2026-03-31 the same people and certificates → 7/10, so Q2's change is 0.
    assert (pick.loc[("2026Q2", "certification"), "numerator"], pick.loc[("2026Q2", "certification"), "denominator"]) == (7, 10)
    assert pick.loc[("2026Q2", "certification"), "change"] == pytest.approx(0.0)
    assert pick.loc[("2026Q3", "certification"), "change"] == pytest.approx(5 / 8 - 7 / 10)
    # responsibility over A, B, C: Q1 no checklists → 0/3, Q2 only C's 是 → 1/3, Q3 A's 是 → 1/3.
    assert pick.loc[("2026Q2", "responsibility"), "change"] == pytest.approx(1 / 3)
    assert pick.loc[("2026Q3", "responsibility"), "change"] == pytest.approx(0.0)
    # rectification: no hazard is due in Q2 (H4 found 06-30 is due 07-31) → no data, so Q3 (4/7) has no change.
    assert (pick.loc[("2026Q2", "rectification"), "numerator"], pick.loc[("2026Q2", "rectification"), "denominator"]) == (0, 0)
    assert math.isnan(pick.loc[("2026Q3", "rectification"), "change"])


def test_trend_by_district_change_needs_both_rates(con):
    frame = api.trend(con, ["2026Q3"], by="district", indicators=["responsibility"])
    pick = frame.set_index("group")
    # 环翠区: Q2 1/1, Q3 no checklist → 0/1, change −1; 文登区: Q2 none sent → 0/2, Q3 1/2 → +0.5.
    assert pick.loc["环翠区", "change"] == pytest.approx(-1.0)
    assert pick.loc["文登区", "change"] == pytest.approx(0.5)
    assert list(frame["quarter"].unique()) == ["2026Q3"]


def test_trend_matches_report_for_every_grain(con):
    quarters = ["2026Q1", "2026Q2", "2026Q3"]
    trend = api.trend(con, quarters, by=("city", "district", "enterprise"))
    for q in quarters:
        one = api.report(con, q, by=("city", "district", "enterprise"))
        part = trend[trend["quarter"] == q].reset_index(drop=True)
        assert part[list(one.columns)].equals(one)


def test_log_fill_with_shared_and_undated_stationings(tmp_path):
    db = build_supervision_world(tmp_path)
    con = open_reader(db)
    # As of 2026-07-10 the quarter's weekdays are 07-01, 02, 03, 06, 07, 08, 09, 10 (8).
    # E (张三 and 李四, stationed 07-06): 5 dates each = 10; 张三 logged E on 07-06, 07-07, 李四 on 07-08 → 3/10.
    # F (张三, stationed 07-01): 8 dates; 张三 logged F on 07-01, 07-02, 07-06 (the 07-06 log at E does not count
    #   for F, nor F's for E); 07-13 is after the as-of date → 3/8.
    # The 环翠区 enterprise (周八, no 进驻日期): counted from the quarter's start → 0/8.
    frame = api.report(con, "2026Q3", by="enterprise", as_of="2026-07-10", indicators=["log_fill"])
    got = figures(frame)
    assert got[("log_fill", CODE_E)] == (3, 10)
    assert got[("log_fill", CODE_F)] == (3, 8)
    assert got[("log_fill", CODE_A)] == (0, 8)
    city = figures(api.report(con, "2026Q3", as_of="2026-07-10", indicators=["log_fill"]), "全市")
    assert city == {"log_fill": (6, 26)}
    con.close()


def test_finding_level_thresholds():
    # The [findings] defaults: 达标 at 100 %, 关注 from 95 %.
    assert finding_level(1.0, 4) == "达标"
    assert finding_level(19 / 20, 20) == "关注"
    assert finding_level(0.9499, 10000) == "整改"
    assert finding_level(0.0, 3) == "整改"
    assert finding_level(None, 0) == "无数据"
    assert finding_level(float("nan"), 0) == "无数据"


def test_declarations():
    assert [i.code for i in INDICATORS] == CODES
    assert len({i.name for i in INDICATORS}) == 11
    assert all(i.target == 1.0 and i.grains == ("city", "district", "enterprise") for i in INDICATORS)
    assert [i.kind for i in INDICATORS].count("supervision") == 3
    assert indicator("持证上岗率").code == "certification"
    with pytest.raises(UnknownIndicator, match="未知的指标：nope"):
        indicator("nope")


def test_empty_warehouse_gives_no_data(tmp_path):
    from warehouse.store import ensure_database

    db = tmp_path / "empty.duckdb"
    ensure_database(db)
    con = duckdb.connect(str(db), read_only=True)
    frame = api.report(con, "2026Q3", by="district")
    assert (frame["denominator"] == 0).all() and (frame["level"] == "无数据").all()
    assert len(frame) == 11 * 8
    assert api.data_as_of(con) is None
    con.close()


def test_closed_enterprise_code_never_appears(con):
    frame = api.report(con, "2026Q3", by="enterprise")
    assert CODE_D not in set(frame["group"])


def _sums(con, periods, body):
    from metrics.scope import resolve_districts
    from metrics.sql import base_ctes

    sql = (f"WITH {base_ctes(periods, resolve_districts(None))}, x AS ({body}) "
           "SELECT period_order, enterprise_key, sum(numerator), sum(denominator) FROM x "
           "GROUP BY ALL HAVING sum(denominator) > 0 ORDER BY ALL")
    return con.sql(sql).fetchall()


@pytest.mark.parametrize("code", [i.code for i in INDICATORS if i.figures_sql])
def test_fast_figures_agree_with_the_records(con, tmp_path, code):
    """Indicators with a separate per-enterprise query give the sums of their own records, period by period."""
    from metrics.sql import make_period

    item = indicator(code)
    periods = [make_period(Quarter(2025, 4)), make_period(Quarter(2026, 1)), make_period(Quarter(2026, 2)),
               make_period(Quarter(2026, 3), date_(2026, 7, 1)), make_period(Quarter(2026, 3), date_(2026, 8, 31)),
               make_period(Quarter(2026, 3)), make_period(Quarter(2026, 3), date_(2026, 10, 5)),
               make_period(Quarter(2026, 4))]
    records = _sums(con, periods, item.records_sql)
    assert records, "the fixture must exercise the indicator"
    assert _sums(con, periods, item.figures_sql) == records
    supervision = open_reader(build_supervision_world(tmp_path))
    assert _sums(supervision, periods, item.figures_sql) == _sums(supervision, periods, item.records_sql)
    supervision.close()
