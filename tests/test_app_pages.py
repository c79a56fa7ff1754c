"""Every dashboard page through Streamlit's AppTest, against the small hand-built warehouse.

Expected figures are worked out by hand in tests/app_warehouse.py (2026Q3, as of 2026-09-30);
each page's numbers are also compared with what metrics.api returns for the same warehouse.
"""
from __future__ import annotations

import functools
import json
import re
from pathlib import Path

import duckdb
import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

from core.config import districts as configured_districts
from metrics import api
from metrics.hazards import RECTIFICATION_RATE
from tests.filemaker import CODE_A
from tests.policy_quotes import misquoted, quoted_clauses
from tests.app_pages_support import WENDENG_USER, assert_clean, SECTION_KEYS, each_section, open_app, show_section
from tests.app_warehouse import HAZARDS_V2, NAME_A, Q3, build_empty_warehouse
from ui.style import fmt_rate


@pytest.fixture(scope="module")
def small_db(tmp_path_factory, small_warehouse) -> Path:
    return small_warehouse(tmp_path_factory.mktemp("app_pages"))


@pytest.fixture(scope="module")
def empty_db(tmp_path_factory) -> Path:
    return build_empty_warehouse(tmp_path_factory.mktemp("app_empty"))


def metrics_of(app: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


def periods_of(app: AppTest) -> dict[str, str]:
    """The period a count card states under its number (本季度 / 截至9月30日累计 …)."""
    return {m.label: m.delta for m in app.metric if m.delta and m.proto.color == 2}  # grey: delta_color "off"


def frame_with(app: AppTest, *columns: str):
    """The first table on the page that has all of `columns` (plain tables carry no key in AppTest)."""
    for table in app.dataframe:
        if set(columns) <= set(table.value.columns):
            return table.value
    raise AssertionError(f"no table with columns {columns}")


def page_text(app: AppTest) -> str:
    parts = [m.value for m in app.markdown] + [c.value for c in app.caption] + [w.value for w in app.warning]
    parts += [i.value for i in app.info] + [t.value for t in app.title] + [t.value for t in app.text]
    parts += [h.proto.body for h in app.get("html")]
    return "\n".join(str(p) for p in parts)


def charts_of(app: AppTest) -> list[tuple[str, str]]:
    """(PNG download file name, title) of every plotly chart on the page."""
    found = []
    for chart in app.get("plotly_chart"):
        config, spec = json.loads(chart.proto.config), json.loads(chart.proto.spec)
        found.append((config["toImageButtonOptions"]["filename"], spec["layout"]["title"]["text"]))
    return found


def metrics_report(db: Path, **kwargs):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return api.report(con, Q3, **kwargs)
    finally:
        con.close()


# --- 总览 -----------------------------------------------------------------------------------------

CITY_Q3 = {  # hand calculations in tests/app_warehouse.py
    "持证上岗率": "60.0%", "全员安全教育培训合格率": "42.9%", "隐患整改率": "66.7%", "全员参与演练率": "85.7%",
    "安全生产责任制落实率": "50.0%", "安全管理机构健全率": "0.0%", "规章制度健全率": "80.0%",
    "奖金落实率": "75.0%", "特殊作业现场监督率": "66.7%", "工作日志填报率": "30.7%", "重大隐患直报率": "50.0%",
}


WATCH_TITLES = ["超期未整改隐患", "整改中·未到期隐患", "逾期整改隐患", "已整改未销号隐患", "未上报重大隐患",
                "超期重大隐患（挂牌督办候选）", "移交满30天未办结", "90天内到期证书", "未报季度检查表企业", "驻点满6个月待轮换"]
CUMULATIVE = "截至9月30日累计"
WATCH_PERIODS = [CUMULATIVE, CUMULATIVE, "本季度", CUMULATIVE, CUMULATIVE, CUMULATIVE, CUMULATIVE, "截至9月30日",
                 "本季度", "截至9月30日"]


def test_overview_cards_equal_hand_figures_and_metrics(monkeypatch, small_db):
    app = open_app(monkeypatch, small_db)
    shown = metrics_of(app)
    assert {name: shown[name] for name in CITY_Q3} == CITY_Q3
    expected = metrics_report(small_db, by="city")
    assert {name: shown[name] for name in expected["indicator_name"]} == \
        dict(zip(expected["indicator_name"], expected["rate"].map(fmt_rate)))
    # responsibility 2026Q2 A 否, B none: 0 / 2 -> 2026Q3 A 是, B none: 1 / 2
    assert next(m for m in app.metric if m.label == "安全生产责任制落实率").delta == "+50.0 个百分点"
    # watch counts: overdue H-A0, H-A2; within deadline H-A3; none rectified late; rectified, not 销号 H-A1, H-B1;
    # unreported H-B1; overdue major H-A2; H-A2 handed over (no 移交日期) since 08-10; A006 expires 11-15;
    # B without checklist; 王强 since 01-05
    assert [shown[t] for t in WATCH_TITLES] == ["2", "1", "0", "2", "1", "1", "1", "1", "1", "1"]
    # each card says its period: this quarter, counted over every quarter up to 9月30日, or that day
    assert [periods_of(app)[t] for t in WATCH_TITLES] == WATCH_PERIODS
    text = page_text(app)
    # latest event date: logs 09-05, trainings 09-10, hazards found 09-20 / rectified 09-24, drills 09-20
    assert "数据截至 2026年9月24日" in text
    assert "隐患台账 1 行" in text and "1 家企业未报季度检查表" in text


def test_overview_matrix_and_drill_down(monkeypatch, small_db):
    app = open_app(monkeypatch, small_db)
    matrix = app.dataframe(key="ov_matrix").value.set_index("指标")
    assert list(matrix.columns[:3]) == ["全市", "环翠区", "文登区"]
    assert matrix.loc["持证上岗率", "全市"] == "60.0%（3/5）"  # 3 / 5: under SMALL_N, the n shown
    assert matrix.loc["持证上岗率", "文登区"] == "50.0%（2/4）"  # A: 2 / 4
    assert matrix.loc["持证上岗率", "荣成市"] == "100.0%（1/1）"  # B: 1 / 1
    assert matrix.loc["持证上岗率", "乳山市"] == "无数据"  # only the closed C: denominator 0
    assert matrix.loc["安全生产责任制落实率", "荣成市"] == "0.0%（0/1）"  # B sent no checklist: not met, 0 / 1
    app.selectbox(key="ov_ind").set_value("certification")
    app.selectbox(key="ov_grp").set_value("文登区").run()
    assert_clean(app)
    records = frame_with(app, "人员编号", "证书编号")
    assert sorted(records["人员编号"]) == ["A002", "A003"]  # expired and without certificate
    assert set(records["来源文件"]) == {"人员.xlsx"}


def test_overview_follows_the_district_filter(monkeypatch, small_db):
    app = open_app(monkeypatch, small_db)
    app.sidebar.multiselect(key="d").set_value(["荣成市"]).run()
    assert_clean(app)
    shown = metrics_of(app)
    # 荣成市 alone: certification B001 1 / 1; training 1 / 2; rectification H-B1 1 / 1; majors 0 / 1
    assert (shown["持证上岗率"], shown["全员安全教育培训合格率"], shown["隐患整改率"], shown["重大隐患直报率"]) == \
        ("100.0%", "50.0%", "100.0%", "0.0%")
    # no checklist from B: responsibility counts B as not met (0 / 1); rules sums the checklists sent (0 / 0,
    # 缺报 1 家) and has no data. Never 100 %.
    assert (shown["安全生产责任制落实率"], shown["规章制度健全率"]) == ("0.0%", "无数据")
    # the quarantined ledger row concerns 文登区, so 荣成市's view warns only about B's missing checklist
    text = page_text(app)
    assert "隐患台账 1 行" not in text and "1 家企业未报季度检查表" in text
    expected = metrics_report(small_db, by="city", districts=["荣成市"])
    assert {n: shown[n] for n in expected["indicator_name"]} == dict(zip(expected["indicator_name"],
                                                                          expected["rate"].map(fmt_rate)))


def test_quarter_and_districts_come_from_the_url_and_bad_values_are_ignored(monkeypatch, small_db):
    app = open_app(monkeypatch, small_db, query={"q": "2026Q2", "d": ["文登区", "不存在区"]})
    assert app.sidebar.selectbox(key="q").value == "2026Q2"
    assert app.sidebar.multiselect(key="d").value == ["文登区"]
    # 2026Q2 responsibility for A: 0 / 1
    assert metrics_of(app)["安全生产责任制落实率"] == "0.0%"
    app = open_app(monkeypatch, small_db, query={"q": "2099Q9"})
    assert app.sidebar.selectbox(key="q").value == "2026Q3"


def sidebar_warnings(app: AppTest) -> list[str]:
    return [w.value for w in app.sidebar.warning]


def test_values_in_the_address_the_filters_cannot_use_are_named_with_what_is_shown_instead(monkeypatch, small_db):
    from ui.text import plain

    hostile = "[点我](http://evil.example/x)<img src=x>"
    app = open_app(monkeypatch, small_db, query={"q": "2099Q9", "asof": "notadate", "d": ["文登区", hostile]})
    assert sidebar_warnings(app) == [
        "网址中的季度“2099Q9”无法识别或没有数据，已显示2026Q3。",
        "网址中的截至日期“notadate”无法识别（应为 年-月-日，如 2026-09-30），已按季度末统计。",
        f"网址中的区市“{plain(hostile[:30])}…”不是本市的区市，已忽略。"]  # quoted as text, cut at 30 characters
    assert (app.sidebar.selectbox(key="q").value, app.sidebar.multiselect(key="d").value) == ("2026Q3", ["文登区"])
    app.run()  # the widgets dropped them from the address: nothing left to say
    assert_clean(app)
    assert sidebar_warnings(app) == []
    app = open_app(monkeypatch, small_db, query={"q": "2026Q3", "asof": "1999-12-31"})
    assert sidebar_warnings(app) == ["网址中的截至日期 1999-12-31 不在可选范围（2000-01-01 至 2100-12-31）内，已按季度末统计。"]
    app = open_app(monkeypatch, small_db, query={"q": "2026Q3", "asof": "2026-09-15", "d": ["文登区"]})
    assert sidebar_warnings(app) == []  # values it can use: nothing said


def test_as_of_date_moves_the_watch_lists(monkeypatch, small_db):
    app = open_app(monkeypatch, small_db)
    app.sidebar.date_input(key="asof").set_value(Q3.start.replace(month=9, day=5)).run()
    assert_clean(app)
    # on 2026-09-05 only H-A0 is overdue (H-A2's deadline is 09-10)
    assert metrics_of(app)["超期未整改隐患"] == "1"
    assert periods_of(app)["超期未整改隐患"] == "截至9月5日累计"
    assert "截至日期 2026年9月5日" in page_text(app)


def test_an_as_of_date_before_the_quarter_falls_back_to_its_end(monkeypatch, small_db):
    app = open_app(monkeypatch, small_db)
    app.sidebar.date_input(key="asof").set_value(Q3.start.replace(month=6, day=1)).run()
    assert_clean(app)
    assert any("早于2026年第三季度的第一天" in w.value for w in app.sidebar.warning)
    assert metrics_of(app)["持证上岗率"] == "60.0%"  # as of 09-30, as without a date


# --- 区市对比 --------------------------------------------------------------------------------------

def test_compare_ranking_and_trend(monkeypatch, small_db):
    app = open_app(monkeypatch, small_db, "pages/compare.py")
    ranking = frame_with(app, "排名").set_index("区市")
    assert ranking.loc["荣成市", "持证上岗率"] == "100.0%" and ranking.loc["荣成市", "排名"] == "1"
    assert ranking.loc["文登区", "持证上岗率"] == "50.0%" and ranking.loc["文登区", "排名"] == "2"
    assert ranking.loc["文登区", "分子（持有效证书的关键岗位在岗人员，人）"] == 2
    assert ranking.loc["文登区", "分母（关键岗位在岗人员，人）"] == 4
    assert ranking.loc["乳山市", "持证上岗率"] == "无数据" and ranking.loc["乳山市", "排名"] == "—"
    app.selectbox(key="cmp_ind").set_value("log_fill").run()
    assert_clean(app)
    ranking = frame_with(app, "排名").set_index("区市")
    assert (ranking.loc["文登区", "工作日志填报率"], ranking.loc["荣成市", "工作日志填报率"]) == ("34.8%", "18.2%")
    assert [name for name, _ in charts_of(app)] == ["工作日志填报率_各区市_2026Q3", "工作日志填报率_近八个季度走势_2026Q3"]


# --- 企业画像 --------------------------------------------------------------------------------------

def test_enterprise_profile(monkeypatch, small_db):
    app = open_app(monkeypatch, small_db, "pages/enterprise.py")
    app.selectbox(key="ent").set_value(CODE_A).run()
    assert_clean(app)
    assert any(s.value == NAME_A for s in app.subheader)
    figures = frame_with(app, "比率", "分子").set_index("指标")
    # rectification, A's hazards due in Q3: H-A1 done, H-A2 open (H-A3 due 10-20 is not due yet) -> 1 / 2
    assert figures.loc["持证上岗率", "比率"] == "50.0%" and figures.loc["隐患整改率", "比率"] == "50.0%"
    app.segmented_control(key="ent_view").set_value("人员与证书").run()
    shown = metrics_of(app)
    # on duty A001 A002 A003 A004 A006; expired A002; key role without certificate A003; expiring A006
    assert (shown["在岗人员"], shown["证书已过期"], shown["关键岗位无证书"], shown["90天内到期"]) == ("5", "1", "1", "1")
    assert (periods_of(app)["在岗人员"], periods_of(app)["90天内到期"]) == ("截至9月30日", "截至9月30日起")
    app.segmented_control(key="ent_view").set_value("隐患台账").run()
    assert_clean(app)
    app.selectbox(key="ent_hazard").set_value("H-A1").run()
    assert list(frame_with(app, "版本")["整改状态"]) == ["整改中", "已整改"]


# --- 隐患整改 --------------------------------------------------------------------------------------

DIRECT_LINE_CARDS = ("跟踪的重大隐患", "跟踪的移交事项", "有超时环节", "有数据缺口")


def test_hazards_page(monkeypatch, small_db):
    app = open_app(monkeypatch, small_db, "pages/hazards.py")
    shown = metrics_of(app)
    # found in Q3: H-A1 H-A2 H-A3 H-B1; due in Q3: H-A1 H-A2 H-B1, rectified H-A1 H-B1 -> 2 / 3;
    # overdue H-A0 H-A2; majors H-A2 H-B1, H-B1 unreported
    assert (shown["发现隐患"], shown["已整改"], shown["隐患整改率"], shown["超期未整改"], shown["发现重大隐患"],
            shown["重大隐患未上报"]) == ("4", "2", "66.7%", "2", "2", "1")
    # this quarter's counts beside counts over every quarter: each says which
    assert periods_of(app) == {"发现隐患": "本季度", "已整改": "本季度到期", "隐患整改率": "本季度到期",
                               "超期未整改": CUMULATIVE, "发现重大隐患": "本季度", "重大隐患未上报": CUMULATIVE}
    # the 直通车 cards too: items tracked in the quarter (H-A2 and H-B1 major, H-A2 handed over)
    show_section(app, "hz_view", "直通车")
    assert {label: period for label, period in periods_of(app).items() if label in DIRECT_LINE_CARDS} == {
        "跟踪的重大隐患": "本季度", "跟踪的移交事项": "本季度", "有超时环节": "本季度", "有数据缺口": "本季度"}
    shown = metrics_of(app)
    assert (shown["跟踪的重大隐患"], shown["跟踪的移交事项"]) == ("2", "1")
    show_section(app, "hz_view", "需要关注")
    overdue = frame_with(app, "超期天数")
    assert sorted(overdue["隐患编号"]) == ["H-A0", "H-A2"]
    app.sidebar.multiselect(key="d").set_value(["荣成市"]).run()
    shown = metrics_of(app)
    assert (shown["发现隐患"], shown["隐患整改率"], shown["超期未整改"]) == ("1", "100.0%", "0")


# --- 驻点工作 --------------------------------------------------------------------------------------

def test_supervision_page(monkeypatch, small_db):
    app = open_app(monkeypatch, small_db, "pages/supervision.py")
    shown = metrics_of(app)
    assert (shown["特殊作业现场监督率"], shown["工作日志填报率"], shown["重大隐患直报率"]) == ("66.7%", "30.7%", "50.0%")
    # 王强 at A, 李明 at B: two people, two stationings
    assert (shown["驻点监督人员（人）"], shown["驻点（人次）"], shown["驻点满6个月待轮换（人次）"]) == ("2", "2", "1")
    fill = frame_with(app, "应填报天数").set_index("驻点人员")
    assert fill.loc["王强", "已填报天数"] == 23 and fill.loc["李明", "缺报天数"] == 18
    show_section(app, "sv_view", "周小结").selectbox(key="sv_who").set_value("王强").run()
    assert any("7月6日—7月12日：填报工作日志5天" in m.value for m in list(app.markdown))


def test_hazard_district_table_shows_the_indicators_rate_and_says_what_it_counts(monkeypatch, small_db):
    app = open_app(monkeypatch, small_db, "pages/hazards.py")
    table = frame_with(app, "本季度发现", "本季度到期", RECTIFICATION_RATE).set_index("区市")
    # 文登区: found in Q3 H-A1 (done) H-A2 (open, overdue) H-A3 (open, due 10-20); due in Q3 H-A1 H-A2, done H-A1
    # -> 1 / 2 = 50.0 %, the card's and the matrix's rule, not 1 / 3 of the hazards found. 荣成市: H-B1 1 / 1.
    assert table.loc["文登区", ["本季度发现", "其中已整改", "其中未整改", "其中超期未整改", "其中重大隐患",
                              "本季度到期", "到期已整改"]].tolist() == [3, 1, 2, 1, 1, 2, 1]
    assert (table.loc["文登区", RECTIFICATION_RATE], table.loc["荣成市", RECTIFICATION_RATE]) == ("50.0", "100.0")
    expected = metrics_report(small_db, by="district", indicators=["rectification"]).set_index("group_name")
    assert table.loc["文登区", RECTIFICATION_RATE] == f"{float(expected.loc['文登区', 'rate']) * 100:.1f}"
    assert "隐患数" not in table.columns  # no column a reader could take for the indicator's denominator
    # a district with nothing found and nothing due: zeros and no rate (never 100 %)
    assert table.loc["乳山市", RECTIFICATION_RATE] == "无数据" and table.loc["乳山市", "本季度发现"] == 0
    assert any("本季度没有到期隐患的区市，整改率为“无数据”" in c.value for c in app.caption)
    # the donut counts the hazards found this quarter, not the 超期未整改 card's every quarter
    titles = dict(charts_of(app))
    assert titles["隐患_按截至日期整改状态_全部区市_2026Q3"] == "本季度发现的隐患：截至9月30日的状态"


def test_direct_line_timeline_legend_sits_right_under_its_dates(monkeypatch, small_db):
    """Before: the legend sat a share of the plot's height below it: a blank band under the dates, and off the
    figure's edge as the rows changed. The page's figure is drawn by Plotly in Chromium and measured."""
    app = show_section(open_app(monkeypatch, small_db, "pages/hazards.py"), "hz_view", "直通车")
    chart = next(c for c in app.get("plotly_chart")
                 if json.loads(c.proto.config)["toImageButtonOptions"]["filename"].startswith("直通车时间线"))
    svg = go.Figure(json.loads(chart.proto.spec)).to_image(format="svg").decode()
    height = float(re.search(r'<svg class="main-svg"[^>]* height="([\d.]+)"', svg).group(1))
    plot_top, plot_height = map(float, re.search(r'<rect class="bg" x="[\d.]+" y="([\d.]+)" width="[\d.]+" '
                                                 r'height="([\d.]+)"', svg).groups())
    dates = max(float(y) for y in re.findall(r'class="xtick"><text[^>]* y="([\d.]+)"', svg))  # their baseline
    legend = re.search(r'<g class="legend"[^>]*translate\([\d.]+,([\d.]+)\)".*?<rect class="bg"[^>]* height="([\d.]+)"',
                       svg, re.S)
    legend_top, legend_height = map(float, legend.groups())
    assert plot_top + plot_height < dates < legend_top < dates + 30  # under the dates, no blank band between
    assert legend_top + legend_height <= height  # and whole, inside the figure


def test_rotation_cards_say_what_they_count_and_when(monkeypatch, small_db):
    app = show_section(open_app(monkeypatch, small_db, "pages/supervision.py"), "sv_view", "轮换与交接")
    shown, periods = metrics_of(app), periods_of(app)
    # 王强 (stationed 01-05, due 07-05, 87 days past, no successor): 超期未轮换, so 待轮换 1 = 超期 1 + 应轮换 0 + 交接中 0
    assert (shown["驻点满6个月待轮换（人次）"], shown["超期未轮换（人次）"], shown["应轮换（人次）"],
            shown["交接中（人次）"]) == ("1", "1", "0", "0")
    assert "驻点满6个月应轮换（人次）" not in shown  # 应轮换 names the narrower state only
    assert {periods[label] for label in ("超期未轮换（人次）", "应轮换（人次）", "交接中（人次）", "30天内到期（人次）")} \
        == {"截至9月30日"}
    show_section(app, "sv_view", "轮换与交接")
    assert frame_with(app, "驻点天数", "轮换状态").set_index("驻点人员").loc["王强", "轮换状态"] == "待轮换"


def test_a_total_row_is_not_counted_as_a_record(monkeypatch, small_db):
    app = show_section(open_app(monkeypatch, small_db, "pages/supervision.py"), "sv_view", "一企一策")
    progress = frame_with(app, "已诊断", "已编制方案")
    districts = len(configured_districts().names)
    assert len(progress) == districts + 1 and progress["区市"].iloc[-1] == "全市"
    title = next(m.value for m in app.markdown if m.value.startswith("**各区市一企一策智能化改造进展**"))
    assert f"共 {districts:,} 条" in title


def test_weekly_summary_stops_at_the_as_of_date_and_the_quarter_start(monkeypatch, small_db):
    app = show_section(open_app(monkeypatch, small_db, "pages/supervision.py"), "sv_view", "周小结")
    app.selectbox(key="sv_who").set_value("王强").run()
    # 2026-07-01 is a Wednesday: the first week is 7月1日—7月5日, the days of Q3 it counts (not from 6月29日)
    weeks = frame_with(app, "周小结草稿")
    assert weeks["周小结草稿"].iloc[-1].startswith("7月1日—7月5日：填报工作日志3天")
    assert (str(weeks["起始日期"].iloc[-1])[:10], str(weeks["截止日期"].iloc[-1])[:10]) == ("2026-07-01", "2026-07-05")
    app.sidebar.date_input(key="asof").set_value(Q3.start.replace(month=9, day=2)).run()
    app.selectbox(key="sv_who").set_value("李明").run()
    assert_clean(app)
    # 李明 logs 09-01 … 09-05; as of Wednesday 09-02 the week 8月31日—9月6日 is shown up to 9月2日 and counts 2 days
    lines = [m.value for m in app.markdown]
    assert any(line.startswith("8月31日—9月2日：填报工作日志2天") for line in lines), lines
    assert not any("9月6日" in line for line in lines)
    first = frame_with(app, "周小结草稿").iloc[0]  # the table's dates are the text's, not the Monday 08-31 … 09-06
    assert (str(first["起始日期"])[:10], str(first["截止日期"])[:10]) == ("2026-08-31", "2026-09-02")


def test_enterprise_roster_count_says_how_many_are_in_scope(monkeypatch, small_db):
    app = open_app(monkeypatch, small_db, "pages/enterprise.py")
    # A and B on the roster and counted; C closed: listed for its history, counted in no figure
    assert [i.value for i in app.info if "名册共" in i.value] == [
        "名册共 3 家企业，其中统计范围内 2 家，已关闭 1 家（不参与统计）。请在上方输入企业名称或统一社会信用代码选择一家企业。"]


# --- 数据质量 --------------------------------------------------------------------------------------

def test_quality_page(monkeypatch, small_db):
    app = open_app(monkeypatch, small_db, "pages/quality.py")
    shown = metrics_of(app)
    # 7 files in the first load + the September ledger; the unrelated CSV is rejected; one bad hazard row
    # A sent everything; B has logs, staff and a drill but no 2026Q3 checklist; C is closed
    assert (shown["已导入文件"], shown["隔离行数"], shown["拒收文件"], shown["有缺报的企业"]) == ("8", "1", "1", "1")
    assert (periods_of(app)["已导入文件"], periods_of(app)["有缺报的企业"]) == ("历次导入累计", "本季度")
    assert "2026年9月24日" in page_text(app)  # H-B1 rectified on 09-24, the latest event
    missing = frame_with(app, "缺报项数")
    assert "荣成市海达化工有限公司" in set(missing["企业名称"])


# --- 指标说明 --------------------------------------------------------------------------------------

def test_definitions_page_lists_every_indicator(monkeypatch, small_db):
    from metrics.indicators import INDICATORS
    app = open_app(monkeypatch, small_db, "pages/definitions.py")
    text = page_text(app)
    for item in INDICATORS:
        assert item.name in text and item.definition in text and item.quote.cited in text
    # Every clause on the page is the notice's own words, with its section.
    assert len(quoted_clauses(text)) == len(INDICATORS) and misquoted(text) == []
    assert "本办做法：安全总监按安全管理人员计入。" in text


# --- an empty warehouse ----------------------------------------------------------------------------

PAGES = ["pages/overview.py", "pages/compare.py", "pages/enterprise.py", "pages/hazards.py",
         "pages/supervision.py", "pages/quality.py", "pages/definitions.py"]


@pytest.mark.parametrize("page", PAGES)
def test_empty_warehouse_shows_no_data_instead_of_errors(monkeypatch, empty_db, page):
    app = open_app(monkeypatch, empty_db, page)
    text = page_text(app)
    if page != "pages/definitions.py":  # the same for every quarter: no filters, no data date
        assert "数据截至 —（尚无数据）" in text
    if page == "pages/overview.py":
        shown = metrics_of(app)
        assert all(shown[name] == "无数据" for name in CITY_Q3)


# --- a new publish, the first start ----------------------------------------------------------------

def test_a_new_publish_is_read_without_a_restart(monkeypatch, tmp_path, small_warehouse):
    from etl.load import load_paths
    from tests.filemaker import write_xlsx

    db = small_warehouse(tmp_path / "live")
    app = open_app(monkeypatch, db)
    assert metrics_of(app)["隐患整改率"] == "66.7%"  # due in Q3 H-A1 H-A2 H-B1, rectified H-A1 H-B1: 2 / 3
    # a third ledger rectifies H-A2 on 09-28: 3 / 3 = 100.0 %, and nothing is overdue any more but H-A0
    update = [row[:] for row in HAZARDS_V2[:3]]
    update[2][11], update[2][12] = "2026-09-28", "已整改"
    load_paths([write_xlsx(tmp_path / "隐患台账_9月底.xlsx", {"台账": [update[0], update[2]]})], db)
    app.run()
    assert_clean(app)
    shown = metrics_of(app)
    assert (shown["隐患整改率"], shown["超期未整改隐患"]) == ("100.0%", "1")


def _publish_h_a2_rectified(tmp_path, db) -> None:
    """A load publishing a new version: H-A2 rectified, so 3 of the 3 hazards due in Q3 are."""
    from etl.load import load_paths
    from tests.filemaker import write_xlsx

    update = [row[:] for row in HAZARDS_V2[:3]]
    update[2][11], update[2][12] = "2026-09-28", "已整改"
    load_paths([write_xlsx(tmp_path / "隐患台账_9月底.xlsx", {"台账": [update[0], update[2]]})], db)


def _counting_hazards_found(monkeypatch) -> list:
    """The computations of `metrics.hazards.hazards_found` from now on, one item each."""
    from metrics import hazards

    calls = []
    original = hazards.hazards_found

    @functools.wraps(original)  # same module and name: the same cache key
    def counted(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(hazards, "hazards_found", counted)
    return calls


def test_after_a_publish_recent_views_are_recomputed_in_the_background(monkeypatch, tmp_path, small_warehouse):
    from ui import data

    db = small_warehouse(tmp_path / "rewarm")
    app = open_app(monkeypatch, db, "pages/hazards.py")  # remembers the hazard page's queries
    _publish_h_a2_rectified(tmp_path, db)
    app.switch_page("pages/overview.py").run()  # a view of the new version starts the rewarm, if nothing did yet
    data._recent.worker.join(timeout=60)
    calls = _counting_hazards_found(monkeypatch)
    app.switch_page("pages/hazards.py").run()
    assert_clean(app)
    assert calls == []  # served from the rewarmed cache ...
    assert metrics_of(app)["已整改"] == "3"  # ... and from the new version


def test_a_publish_is_noticed_with_no_view_and_the_first_page_opened_after_it_is_warm(monkeypatch, tmp_path,
                                                                                     small_warehouse):
    """The dashboard watches the warehouse's version: after a load publishes, the views people were looking at are
    recomputed before anyone opens a page, so the first page opened after it, the one last looked at, reads nothing."""
    from ui import data
    from warehouse.store import db_version

    db = small_warehouse(tmp_path / "watched")
    app = open_app(monkeypatch, db, "pages/hazards.py")
    _publish_h_a2_rectified(tmp_path, db)
    assert data._recent.wait_rewarmed(str(db), db_version(db), timeout=120)  # no page was opened meanwhile
    calls = _counting_hazards_found(monkeypatch)
    app.run()
    assert_clean(app)
    assert calls == []  # served from the recomputed cache ...
    assert metrics_of(app)["已整改"] == "3"  # ... and from the new version


def test_first_start_builds_the_demo_database_and_says_so(monkeypatch, tmp_path, small_warehouse):
    from demo import bootstrap
    from warehouse.store import writing

    def build_demo(db_path, **_):
        small_warehouse(tmp_path / "built").rename(db_path)
        with writing(db_path) as con:
            con.execute("INSERT OR REPLACE INTO meta VALUES ('is_demo', '1')")
        return True

    monkeypatch.setattr(bootstrap, "ensure_demo_database", build_demo)
    missing = tmp_path / "new" / "warehouse.duckdb"
    missing.parent.mkdir()
    app = open_app(monkeypatch, missing)
    assert missing.exists()
    assert any("演示数据" in i.value for i in app.info)
    assert metrics_of(app)["持证上岗率"] == "60.0%"


CHARTED_PAGES = ["pages/compare.py", "pages/hazards.py", "pages/supervision.py"]


@pytest.mark.parametrize("page", CHARTED_PAGES)
def test_every_chart_has_a_chinese_title_and_a_meaningful_png_name(monkeypatch, small_db, page):
    app = open_app(monkeypatch, small_db, page)
    charts = charts_of(app)
    if page in SECTION_KEYS:
        charts = [chart for drawn in each_section(app, SECTION_KEYS[page]) for chart in charts_of(drawn)]
    assert charts
    for file_name, title in charts:
        assert re.search(r"[\u4e00-\u9fff]", title), title
        assert re.search(r"[\u4e00-\u9fff]", file_name) and " " not in file_name and "/" not in file_name, file_name
    assert len({name for name, _ in charts}) == len(charts)  # no two charts download under one name


# --- sign-in and district users --------------------------------------------------------------------

def test_nothing_is_shown_before_sign_in(monkeypatch, small_db):
    from access import users

    users.add_user(small_db.with_name("access.sqlite3"), "zhangsan", "correct-horse-9", role="市级",
                   display_name="市化工办 张三")
    for page in (None, "pages/hazards.py"):
        app = open_app(monkeypatch, small_db, page, user=None)
        assert [t.value for t in app.title] == ["威海市化工专项行动数据看板"]
        assert app.text_input(key="login_username") and app.text_input(key="login_password")
        assert not app.metric and not app.dataframe and not app.get("plotly_chart")  # no figure leaks
    # (signing in through the form is driven in tests/test_browser.py)


def test_a_district_user_sees_their_district_and_every_districts_rates(monkeypatch, small_db):
    app = open_app(monkeypatch, small_db, user=WENDENG_USER, query={"d": ["荣成市"]})
    # the URL asks for 荣成市, the account is limited to 文登区: A alone, certification 2 / 4
    assert not app.sidebar.multiselect
    assert metrics_of(app)["持证上岗率"] == "50.0%"
    matrix = app.dataframe(key="ov_matrix").value.set_index("指标")
    # their district, and the real 全市 rate beside it as a benchmark (no 全市 records: see the drill-down options)
    assert [c for c in matrix.columns if not c.endswith("等级")] == ["文登区", "全市（基准）"]
    assert (matrix.loc["持证上岗率", "文登区"], matrix.loc["持证上岗率", "全市（基准）"]) == ("50.0%（2/4）", "60.0%（3/5）")
    assert app.selectbox(key="ov_grp").options == ["文登区"]
    app.switch_page("pages/compare.py").run()
    assert_clean(app)
    ranking = frame_with(app, "排名").set_index("区市")
    assert ranking.loc["荣成市", "持证上岗率"] == "100.0%"  # other districts' rates stay visible
    app.switch_page("pages/enterprise.py").run()
    assert set(frame_with(app, "统一社会信用代码")["区市"]) == {"文登区"}
    app.switch_page("pages/quality.py").run()
    # A (文登区) sent every report; B (荣成市, without a checklist) is not this user's to see
    assert "所选范围内企业的各项报送齐全。" in page_text(app)


def test_a_chosen_watch_list_is_the_one_drawn_and_stays_chosen(monkeypatch, small_db):
    app = show_section(open_app(monkeypatch, small_db, "pages/hazards.py"), "hz_view", "需要关注")
    app.segmented_control(key="hz_list").set_value("rectified_late").run()
    assert_clean(app)
    app.run()  # drawn again: the chosen list is still the one shown, and the only one
    titles = [m.value for m in app.markdown if m.value.startswith("**")]
    assert any(title.startswith(f"**{api.watch_list('rectified_late').title}**") for title in titles), titles
    assert not any(title.startswith(f"**{api.watch_list('overdue_hazards').title}**") for title in titles)
