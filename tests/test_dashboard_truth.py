"""Every label true to what it counts (issue 14), against the small hand-built warehouse (tests/app_warehouse.py).

Each test names what the dashboard did before and asserts the truthful outcome with figures worked out by hand.
"""
from __future__ import annotations

import base64
import datetime as dt
import io
import json
from pathlib import Path

import duckdb
import numpy as np
import openpyxl
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from access import sessions, users
from access.scope import Scope, scoped_call
from access.users import User
from etl.load import load_paths
from metrics import api, hazards
from tests.app_warehouse import CODE_A, Q3, ROSTER
from tests.filemaker import write_xlsx
from ui.export import to_csv, to_xlsx
from ui.indicators import matrix_numbers

APP = str(Path(__file__).resolve().parent.parent / "dashboard.py")
CITY_USER = User("city_tester", "市化工办 测试", "市级", None)
WENDENG_USER = User("wendeng_tester", "文登区 测试", "区市", "文登区")
WENDENG = Scope(("文登区",))


@pytest.fixture(scope="module")
def small_db(tmp_path_factory, small_warehouse) -> Path:
    return small_warehouse(tmp_path_factory.mktemp("truth"))


@pytest.fixture
def con(small_db):
    connection = duckdb.connect(str(small_db), read_only=True)
    yield connection
    connection.close()


def open_app(monkeypatch, db: Path, page: str | None = None, query: dict | None = None,
             user: User = CITY_USER) -> AppTest:
    monkeypatch.setenv("WEIHAI_DB", str(db))
    monkeypatch.setenv("WEIHAI_USERS_DB", str(db.with_name("access.sqlite3")))
    app = AppTest.from_file(APP, default_timeout=60)
    app.query_params.update(query or {})
    app.session_state["_user"] = user
    app.run()
    if page:
        app.switch_page(page).run()
    assert not app.exception, [e.value for e in app.exception]
    assert not app.error, [e.value for e in app.error]
    return app


def captions(app: AppTest) -> list[str]:
    return [c.value for c in app.caption]


def _plain(value):
    """A plotly spec with its binary-packed arrays ({"dtype", "bdata"}) as lists (NaN as None)."""
    if isinstance(value, dict):
        if set(value) >= {"dtype", "bdata"}:
            array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
            return [None if isinstance(v, float) and np.isnan(v) else v for v in array.tolist()]
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def chart(app: AppTest, key_part: str) -> dict:
    """The plotly spec of the chart whose PNG file name contains `key_part`."""
    for element in app.get("plotly_chart"):
        if key_part in json.loads(element.proto.config)["toImageButtonOptions"]["filename"]:
            return _plain(json.loads(element.proto.spec))
    raise AssertionError(f"no chart named like {key_part}")


def badges(app: AppTest) -> dict[str, str]:
    """Each indicator card's finding level (the badge under its rate), by indicator name."""
    levels = [m.value.split("[")[1].rstrip("]") for m in app.markdown if "-badge[" in m.value]
    return dict(zip([m.label for m in app.metric], levels))


# --- 1. a selection is 所选区市合计; a district user sees the real 全市 as a benchmark ------------------

def test_the_total_of_some_districts_is_never_labelled_the_city(con):
    some = api.report(con, Q3, by="city", districts=["文登区", "荣成市"], indicators=["certification"])
    assert (some["group"].iloc[0], some["group_name"].iloc[0]) == ("所选区市合计", "所选区市合计")
    every = api.report(con, Q3, by="city", indicators=["certification"])
    assert every["group"].iloc[0] == "全市"
    named = api.report(con, Q3, by="city", districts=["环翠区", "文登区", "荣成市", "乳山市", "高区", "经区", "临港区",
                                                      "南海新区"], indicators=["certification"])
    assert named["group"].iloc[0] == "全市"  # every configured district named is the city
    # the drill-down of the selection's total: its records, asked for by the label the page shows
    records = api.shortfall(con, Q3, "certification", group="所选区市合计", districts=["文登区", "乳山市"])
    assert sorted(records["人员编号"]) == ["A002", "A003"]


def test_a_selection_shows_its_total_its_districts_and_the_city_benchmark(monkeypatch, small_db):
    """Before: with 文登区 and 乳山市 chosen, the matrix column and the drill text said 全市 for the two."""
    app = open_app(monkeypatch, small_db, query={"d": ["文登区", "乳山市"]})
    matrix = app.dataframe(key="ov_matrix").value.set_index("指标")
    assert [c for c in matrix.columns if not c.endswith("等级")] == ["所选区市合计", "文登区", "乳山市", "全市（基准）"]
    # 文登区 A 2 / 4, 乳山市 only the closed C: 50.0 %; the real city 3 / 5 = 60.0 %
    assert matrix.loc["持证上岗率", ["所选区市合计", "全市（基准）"]].tolist() == ["50.0%（2/4）", "60.0%（3/5）"]
    assert app.selectbox(key="ov_grp").options == ["所选区市合计", "文登区", "乳山市"]  # the benchmark has no records
    assert any(m.value.startswith("**持证上岗率**（所选区市合计，2026年第三季度）：50.0%") for m in app.markdown)
    assert "对照：全市 60.0%（3 / 5）" in captions(app)
    assert not any("全市，2026年第三季度" in m.value for m in app.markdown)


def test_a_district_user_gets_the_city_rate_as_a_benchmark_and_no_record_of_another_district(con):
    # the rate, pooled over every district: allowed (numerator and denominator, no records)
    city = scoped_call(api.report, con, WENDENG, Q3, by="city", indicators=["certification"])
    assert (city["group"].iloc[0], city["numerator"].iloc[0], city["denominator"].iloc[0]) == ("全市", 3, 5)
    assert set(city.columns) == {"indicator", "indicator_name", "group", "group_name", "district", "numerator",
                                 "denominator", "rate", "level", "grain", "note"}
    # asking for 全市's records, or 荣成市's, yields 文登区's only: B's 重大隐患 H-B1 never appears
    for group, districts in ((None, None), ("全市", None), (None, ["荣成市"])):
        records = scoped_call(api.shortfall, con, WENDENG, Q3, "major_hazard_reported", group=group,
                              districts=districts)
        assert set(records["区市"]) <= {"文登区"}
    found = scoped_call(hazards.hazards_found, con, WENDENG, Q3, districts=None)
    assert sorted(found["隐患编号"]) == ["H-A1", "H-A2", "H-A3"]
    watch = scoped_call(api.watch, con, WENDENG, Q3, districts=["荣成市"])
    assert all(set(frame["区市"]) <= {"文登区"} for frame in watch.values() if len(frame))
    enterprises = scoped_call(api.report, con, WENDENG, Q3, by="enterprise", indicators=["certification"])
    assert set(enterprises["group"]) == {CODE_A}  # enterprise figures are records of a kind: clamped


def test_a_district_user_sees_their_figures_beside_the_city_and_their_district_marked(monkeypatch, small_db):
    app = open_app(monkeypatch, small_db, user=WENDENG_USER)
    matrix = app.dataframe(key="ov_matrix").value.set_index("指标")
    assert matrix.loc["持证上岗率", ["文登区", "全市（基准）"]].tolist() == ["50.0%（2/4）", "60.0%（3/5）"]
    assert app.selectbox(key="ov_grp").options == ["文登区"]
    card = next(c for c in captions(app) if c.startswith("文登区　·　截至9月30日在岗人员："))
    assert card.startswith("文登区　·　截至9月30日在岗人员：持有效证书的关键岗位在岗人员 2 / 关键岗位在岗人员 4 人")
    assert "对照：全市 60.0%（3 / 5）" in captions(app)
    app.switch_page("pages/compare.py").run()
    bars = chart(app, "各区市")
    ticks = dict(zip(bars["layout"]["yaxis"]["tickvals"], bars["layout"]["yaxis"]["ticktext"]))
    assert ticks["文登区"] == "<b>文登区（本区市）</b>" and ticks["荣成市"] == "荣成市"
    outlined = dict(zip(bars["data"][0]["y"], bars["data"][0]["marker"]["line"]["width"]))
    assert (outlined["文登区"], outlined["荣成市"]) == (3, 0)
    trend = chart(app, "近八个季度走势")
    widths = {t["name"]: t["line"]["width"] for t in trend["data"] if t.get("showlegend", True) is not False}
    assert widths["文登区"] == 4 and widths["全市"] == 2


# --- 2. every card says its period ----------------------------------------------------------------------

def test_indicator_cards_say_what_period_they_cover(monkeypatch, small_db):
    app = open_app(monkeypatch, small_db)
    shown = captions(app)
    assert any(c.startswith("本季度到期的隐患：") for c in shown)
    assert any(c.startswith("截至9月30日前12个月：") for c in shown)  # drills: a 12-month window
    assert any(c.startswith("本季度检查表：") for c in shown)


# --- 3. the donut counts each hazard's state on the as-of date ------------------------------------------

def test_hazard_states_follow_the_as_of_date(con):
    """Before: the ledger's 整改状态 (as of the latest ledger) was counted whatever the as-of date."""
    state = hazards.hazard_breakdown(con, Q3, by="state", as_of=dt.date(2026, 9, 20))
    # found by 09-20: H-A1 rectified 07-18, not 销号; H-A2 due 09-10, open; H-A3 (due 10-20) and H-B1 (due 09-25,
    # rectified only on 09-24, after the as-of date) open within their deadline
    assert dict(zip(state["截至日期状态"], state["隐患数"])) == {"已整改未销号": 1, "整改期限内": 2, "超期未整改": 1}
    ledger = hazards.hazard_breakdown(con, Q3, by="status", as_of=dt.date(2026, 9, 20))
    assert dict(zip(ledger["整改状态"], ledger["隐患数"]))["已整改"] == 2  # what the donut showed before
    at_end = hazards.hazard_breakdown(con, Q3, by="state")
    assert dict(zip(at_end["截至日期状态"], at_end["隐患数"])) == {"已整改未销号": 2, "整改期限内": 1, "超期未整改": 1}


def test_the_donut_on_the_page_follows_the_as_of_date_in_fixed_colours(monkeypatch, small_db):
    app = open_app(monkeypatch, small_db, "pages/hazards.py", query={"asof": "2026-09-20"})
    pie = chart(app, "按截至日期整改状态")["data"][0]
    assert dict(zip(pie["labels"], pie["values"])) == {"超期未整改": 1, "整改期限内": 2, "已整改未销号": 1}
    assert dict(zip(pie["labels"], pie["marker"]["colors"])) == {
        "超期未整改": "#C62828", "整改期限内": "#F59E0B", "已整改未销号": "#66BB6A"}
    level = chart(app, "隐患_按等级")
    assert {t["name"]: t["marker"]["color"] for t in level["data"]} == {"已整改": "#43A047", "未整改": "#F59E0B"}


# --- 4 and 5. one axis rule; small n drawn as dots with their n -----------------------------------------

def test_rates_are_drawn_on_a_0_to_100_axis_with_n_and_small_n_as_dots(monkeypatch, small_db):
    app = open_app(monkeypatch, small_db, "pages/compare.py")
    bars = chart(app, "各区市")
    assert bars["layout"]["xaxis"]["range"] == [0.0, 100.0]
    text = dict(zip(bars["data"][0]["y"], bars["data"][0]["text"]))
    assert (text["文登区"], text["荣成市"]) == ("50.0%（n=4）", "100.0%（n=1）")
    trend = chart(app, "近八个季度走势")
    assert trend["layout"]["yaxis"]["range"] == [0.0, 100.0]
    # 文登区's certification has n = 4 < 10: no line through it, a hollow dot labelled n=4
    line = next(t for t in trend["data"] if t["name"] == "文登区" and t["mode"] == "lines+markers")
    dots = next(t for t in trend["data"] if t["name"] == "文登区" and t["mode"] == "markers+text")
    assert all(y is None for y in line["y"])
    assert dots["marker"]["symbol"] == "circle-open" and dots["text"][-1] == "n=4"
    assert any("分母少于 10 的比率只画空心点" in c for c in captions(app))


# --- 6. people and stationings --------------------------------------------------------------------------

def test_supervisors_are_counted_as_people_and_stationings_apart(monkeypatch, tmp_path, small_warehouse):
    db = small_warehouse(tmp_path / "two")
    roster = [row[:] for row in ROSTER]
    roster[2][5] = "李明、王强"  # 王强 is now stationed at B too: two people, three stationings
    load_paths([write_xlsx(tmp_path / "名册_9月.xlsx", {"名册": roster})], db)
    app = open_app(monkeypatch, db, "pages/supervision.py")
    shown = {m.label: (m.value, m.delta) for m in app.metric}
    assert shown["驻点监督人员（人）"] == ("2", "截至9月30日")
    assert shown["驻点（人次）"] == ("3", "截至9月30日")
    heatmap = chart(app, "驻点日志填报日历")
    assert heatmap["layout"]["legend"]["y"] > 1 and heatmap["layout"]["legend"]["yanchor"] == "bottom"


# --- 7. only quarters with data; an incomplete quarter marked, not scored --------------------------------

def test_only_quarters_with_data_are_offered_and_an_incomplete_one_is_not_scored(monkeypatch, small_db):
    """Before: quarters with nothing but trainings were offered, scored (296 家企业未报) and compared (+83.0)."""
    app = open_app(monkeypatch, small_db, query={"q": "2026Q2"})
    # 2026Q2 has A's checklist and H-A0 but no work log at all; 2026Q1 and earlier hold no quarterly input
    assert app.sidebar.selectbox(key="q").options == ["2026Q3", "2026Q2"]
    assert any("2026Q2（数据不完整）：未收到驻点工作日志" in c.value for c in app.sidebar.caption)
    assert any("2026年第二季度数据不完整：尚未收到任何驻点工作日志" in w.value for w in app.warning)
    levels = badges(app)
    assert (levels["工作日志填报率"], levels["特殊作业现场监督率"]) == ("不评定", "不评定")
    assert levels["安全生产责任制落实率"] == "整改"  # its checklists did arrive: scored as usual
    app = open_app(monkeypatch, small_db)  # 2026Q3: no change is computed against 2026Q2's missing logs
    deltas = {m.label: m.delta for m in app.metric}
    assert deltas["工作日志填报率"] == "" and deltas["安全生产责任制落实率"] == "+50.0 个百分点"


def test_a_trend_leaves_out_quarters_that_are_not_scored(monkeypatch, small_db):
    app = open_app(monkeypatch, small_db, "pages/compare.py")
    app.selectbox(key="cmp_ind").set_value("responsibility").run()
    trend = chart(app, "近八个季度走势")
    total = [t for t in trend["data"] if t["name"] == "全市"]
    points = {x: y for t in total for x, y in zip(t["x"], t["y"]) if y is not None}
    # 2025Q4 … 2026Q1 have no data: no 0% there; 2026Q2 0 / 2 and 2026Q3 1 / 2 are drawn
    assert points == {"2026Q2": 0.0, "2026Q3": 50.0}


# --- 8. filters only where they do something ------------------------------------------------------------

@pytest.mark.parametrize("page", ["pages/definitions.py", "pages/audit.py", "pages/data_import.py"])
def test_pages_that_ignore_the_filters_do_not_show_them(monkeypatch, small_db, page):
    app = open_app(monkeypatch, small_db, page)
    assert not app.sidebar.selectbox and not app.sidebar.multiselect and not app.sidebar.date_input
    app = open_app(monkeypatch, small_db, "pages/quality.py")
    assert app.sidebar.selectbox(key="q").value == "2026Q3"


# --- 11. the matrix exports numbers ----------------------------------------------------------------------

def test_the_matrix_exports_rates_as_numbers(con):
    """Before: the export held '60.0%' as text, which a spreadsheet cannot sort or chart."""
    figures = api.report(con, Q3, by=["city", "district"])
    numbers = matrix_numbers(figures, ["全市", "文登区", "荣成市", "乳山市"])
    rows = pd.read_csv(io.BytesIO(to_csv(numbers)), encoding="utf-8-sig").set_index("指标")
    assert rows.loc["持证上岗率", ["全市", "文登区", "荣成市"]].tolist() == [0.6, 0.5, 1.0]
    assert pd.isna(rows.loc["持证上岗率", "乳山市"])  # no data: empty, never 0
    assert rows.loc["全员安全教育培训合格率", "全市"] == 0.4286  # 3 / 7, four decimals
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx(numbers, "矩阵", ("全市", "文登区", "荣成市", "乳山市")))).active
    cell = sheet.cell(2, 2)
    assert (sheet.cell(1, 2).value, cell.value, cell.number_format) == ("全市", 0.6, "0.0%")


# --- 10. the session behind the cookie ------------------------------------------------------------------

def test_a_session_cookie_is_signed_ends_at_sign_out_and_expires_when_idle(tmp_path):
    path = tmp_path / "access.sqlite3"
    users.add_user(path, "zhangsan", "correct-horse-9", role="市级", display_name="张三")
    cookie = sessions.start(path, "zhangsan")
    check = sessions.check(path, cookie, idle_seconds=1800)
    assert (check.state, check.user.username) == (sessions.ACTIVE, "zhangsan")
    session_id, signature = cookie.split(".")
    for forged in (f"{session_id}.{signature[::-1]}", f"{'A' * 43}.{signature}", cookie + "x", "", None, 42,
                   "x" * 100_000):
        assert sessions.check(path, forged, idle_seconds=1800).state == sessions.INVALID
    sessions.end(path, cookie)
    assert sessions.check(path, cookie, idle_seconds=1800).state == sessions.ENDED
    idle = sessions.start(path, "zhangsan")
    assert sessions.check(path, idle, idle_seconds=-1).state == sessions.IDLE  # idle longer than allowed
    assert sessions.check(path, idle, idle_seconds=1800).state == sessions.ENDED  # and ended for good
    gone = sessions.start(path, "zhangsan")
    users.remove_user(path, "zhangsan")
    assert sessions.check(path, gone, idle_seconds=1800).state == sessions.ENDED  # a removed user is not let back


def test_the_users_file_keeps_no_cookie_value(tmp_path):
    path = tmp_path / "access.sqlite3"
    users.add_user(path, "zhangsan", "correct-horse-9", role="市级", display_name="张三")
    cookie = sessions.start(path, "zhangsan")
    stored = path.read_bytes() + b"".join(p.read_bytes() for p in tmp_path.glob("access.sqlite3-*"))
    assert cookie.split(".")[0].encode() not in stored and cookie.encode() not in stored
    assert sessions.check(path, cookie, idle_seconds=60).state == sessions.ACTIVE
