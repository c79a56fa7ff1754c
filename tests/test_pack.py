"""会商材料: the pack's content, workbook, brief, printable report and command line, against the hand-built
warehouse of tests/pack_world.py (2026Q3, as of 2026-09-30), where every expected figure is worked out by hand.
The workbook is also compared figure by figure with `metrics.api`.
"""
from __future__ import annotations

import dataclasses
import io
import re
import shutil
import threading
import zipfile
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from docx import Document
from openpyxl.chart import BarChart, LineChart

from core.config import districts as configured_districts
from core.presentation import CITY_COLOR, SMALL_N, district_color
from etl.load import load_paths
from warehouse.store import open_reader
from metrics import api
from metrics.sql import share_kept_tables
from cli import pack_commands as cli
from pack.brief import build_brief
from pack.charts import pack_charts
from pack.content import gather
from pack.draft import draft_common_tasks, draft_sections, section_titles
from pack.report_html import build_html
from pack.workbook import build_workbook
from tests.policy_quotes import misquoted, quoted_clauses
from tests.filemaker import roster_rows, write_xlsx
from tests.pack_world import FORMULA_OWNER, MINUS_OWNER, NAME_A, NAME_B, NAME_D, Q3

MEETING = date(2026, 10, 15)  # the meeting on 2026Q3's figures (the paper's date and season)


@pytest.fixture(scope="module")
def world(pack_world) -> Path:
    return pack_world


@pytest.fixture(scope="module")
def con(world):
    connection = open_reader(world)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def content(con):
    return gather(con, Q3, meeting_date=MEETING)


@pytest.fixture(scope="module")
def workbook(content):
    return openpyxl.load_workbook(io.BytesIO(build_workbook(content)))


@pytest.fixture(scope="module")
def brief(content):
    return Document(io.BytesIO(build_brief(content)))


def sheet_rows(ws, first_row: int = 4) -> list[tuple]:
    return [row for row in ws.iter_rows(min_row=first_row, values_only=True) if any(v is not None for v in row)]


def brief_text(document) -> list[str]:
    return [p.text for p in document.paragraphs if p.text.strip()]


# --- content -------------------------------------------------------------------------------------

def test_content_figures_are_the_metrics_figures(con, content):
    expected = api.trend(con, [Q3], by=["city", "district"])
    assert len(content.figures) == len(expected) == 11 * (1 + len(configured_districts().names))
    merged = content.figures.merge(expected, on=["grain", "indicator", "group"], suffixes=("", "_m"))
    assert len(merged) == len(expected)
    assert (merged["numerator"] == merged["numerator_m"]).all()
    assert (merged["denominator"] == merged["denominator_m"]).all()
    assert (merged["rate"].isna() == merged["rate_m"].isna()).all()
    assert ((merged["rate"] - merged["rate_m"]).dropna().abs() < 1e-12).all()
    assert content.history_quarters[0].label == "2024Q4" and content.history_quarters[-1].label == Q3


def test_content_hand_figures(content):
    # certification 2026Q3: 环翠区 P1 valid, P2 expired 09-15 -> 1 / 2; 文登区 Q1, R1, R2 valid, Q2 none -> 3 / 4;
    # 荣成市 S1 -> 1 / 1; 全市 5 / 7. As of 2026Q2's end P2 was still valid: 全市 6 / 7 -> change −1/7.
    city = content.city_row("certification")
    assert (city["numerator"], city["denominator"]) == (5, 7)
    assert city["change"] == pytest.approx(5 / 7 - 6 / 7)
    rows = content.district_rows("certification").set_index("group")
    assert (rows.loc["环翠区", "numerator"], rows.loc["环翠区", "denominator"]) == (1, 2)
    assert rows.loc["环翠区", "change"] == pytest.approx(-0.5)
    assert rows.loc["乳山市", "level"] == "无数据"
    # log fill, official working days: 王强 due every working day of Q3 (23 + 21 + 22 = 66; September's 22
    # weekdays less 中秋 09-25 plus the 调休 Sunday 09-20), logged September's weekdays: 22 less 09-25 -> 21;
    # 李明 due 09-21…09-30 (8 weekdays less 09-25 -> 7), logged 7; city (21 + 7) / (66 + 7) = 28 / 73
    logs = content.city_row("log_fill")
    assert (logs["numerator"], logs["denominator"]) == (28, 73)
    # watch lists: overdue H2 (环翠区) and H4 (荣成市); within deadline H3; rectified late none (H1 and H5 on
    # time); rectified, not 销号 H1 and H5; unreported H4; overdue major H4; no handovers; expiring Q1;
    # missing D; rotation 王强 (due 07-05, 87 days past: also overdue); nobody stationed at B before 李明's 09-21,
    # nor ever at C and D; no stationing records, so nothing about training, handover dates or work plans
    assert {k: len(v) for k, v in content.watch.items()} == {
        "overdue_hazards": 2, "open_within_deadline": 1, "rectified_late": 0, "rectified_not_closed": 2,
        "unreported_major_hazards": 1, "overdue_major_hazards": 1, "transfer_unanswered": 0,
        "expiring_certificates": 1, "missing_checklists": 1, "rotation_due": 1, "late_retrofit_projects": 0,
        "rotation_upcoming": 0, "rotation_overdue": 1, "supervision_gaps": 3, "successor_untrained": 0,
        "handover_undated": 0, "work_plan_missing": 0}
    # shortfall records: certification P2 Q2; training P2; rectification, due in Q3 and not done: H2 H4 (H3 is
    # due 10-31); drill A's and C (no drill in 12 months); responsibility C (否) and D (no checklist);
    # organization A (no 安全总监) and D (no checklist); rules A; reward C; special ops A's 09-01 log;
    # log fill 73 − 28 = 45 days (王强: July 23 + August 21 + Sunday 09-20); majors H4
    assert {k: len(v) for k, v in content.shortfalls.items()} == {
        "certification": 2, "training": 1, "rectification": 2, "drill_participation": 2, "responsibility": 2,
        "organization": 2, "rules": 1, "reward_payout": 1, "special_ops_onsite": 1, "log_fill": 45,
        "major_hazard_reported": 1}


def test_reads_run_side_by_side_on_cursors_sharing_their_tables_gather_the_same_pack(world, content, tmp_path):
    """The dashboard's reader starts every read of a pack at once, two at a time on cursors of one reader that share
    the tables the metrics keep (`share_kept_tables`). The pack it gathers is the one read one after another here,
    field by field."""
    copy = tmp_path / "copy.duckdb"  # a database of its own: connections of a process to one file share theirs
    shutil.copyfile(world, copy)
    reader = open_reader(copy)
    share_kept_tables(reader)
    cursors, threads = threading.local(), set()

    def read(func, *args, **kwargs):
        if not hasattr(cursors, "cursor"):
            cursors.cursor = reader.cursor()
        threads.add(threading.current_thread().name)
        return func(cursors.cursor, *args, **kwargs)

    try:
        with ThreadPoolExecutor(2, thread_name_prefix="side") as pool:
            read.start = lambda func, *args, **kwargs: pool.submit(read, func, *args, **kwargs).result
            side = gather(read, Q3, meeting_date=MEETING)
        assert threads == {"side_0", "side_1"}
        for field in dataclasses.fields(content):
            if field.name == "generated_at":
                continue
            mine, theirs = getattr(content, field.name), getattr(side, field.name)
            if isinstance(mine, pd.DataFrame):
                pd.testing.assert_frame_equal(theirs, mine, obj=field.name)
            elif isinstance(mine, dict):
                assert mine.keys() == theirs.keys(), field.name
                for key in mine:
                    pd.testing.assert_frame_equal(theirs[key], mine[key], obj=f"{field.name}[{key}]")
            else:
                assert theirs == mine, field.name
        assert draft_sections(side) == draft_sections(content)
    finally:
        reader.close()


def test_common_tasks_answer_the_problems_most_pressing_first(content):
    # H4 is an overdue, unreported major hazard (荣成市); H2 is overdue (环翠区); 王强 is due for rotation
    # (环翠区); D sent no checklist (荣成市), A has no 安全总监 and 8 of 10 rules (环翠区), C said 否 and paid 1 of 3
    # rewards (文登区); certification misses in 环翠区 (1 / 2) and 文登区 (3 / 4). Full data in test_pack_paper.py.
    tasks = [(task.title, task.owners, task.link_kind, task.link_code) for task in draft_common_tasks(content)]
    assert tasks == [("重大隐患整改和直报", ("荣成市",), "watch", "overdue_major_hazards"),
                     ("超期隐患清零", ("环翠区",), "watch", "overdue_hazards"),
                     ("驻点监督人员到期轮换", ("环翠区",), "watch", "rotation_due"),
                     ("落实企业安全主体责任", ("环翠区", "文登区", "荣成市"), "indicator", "organization"),
                     ("关键岗位人员持证上岗", ("环翠区", "文登区"), "indicator", "certification")]


# --- workbook ------------------------------------------------------------------------------------

def test_workbook_sheets(workbook):
    names = ["持证上岗率", "全员安全教育培训合格率", "隐患整改率", "全员参与演练率", "安全生产责任制落实率",
             "安全管理机构健全率", "规章制度健全率", "奖金落实率", "特殊作业现场监督率", "工作日志填报率",
             "重大隐患直报率"]
    assert workbook.sheetnames == ["说明", "指标总表", *names, "短板清单", "重大隐患", "超期隐患", "整改中·未到期",
                                   "逾期整改", "已整改未销号", "未上报重大隐患", "超期重大隐患", "移交未办结",
                                   "证书到期预警", "未报检查表", "轮换到期", "改造项目逾期", "轮换即将到期",
                                   "超期未轮换", "无驻点人员时段", "接任未见岗前培训", "轮换未见交接日期", "未见工作计划",
                                   "驻点工作", "数据对账", "对账明细"]


def test_summary_sheet_equals_metrics(con, workbook):
    ws = workbook["指标总表"]
    header = [c.value for c in ws[3]]
    assert header[:8] == ["指标", "范围", "分子", "分母", "单位", "比率", "较上季度（百分点）", "评定"]
    shown = {(r[0], r[1]): r for r in sheet_rows(ws)}
    expected = api.trend(con, [Q3], by=["city", "district"])
    assert len(shown) == len(expected)
    for row in expected.itertuples():
        cells = shown[(row.indicator_name, row.group)]
        assert (cells[2], cells[3], cells[7]) == (row.numerator, row.denominator, row.level)
        if pd.isna(row.rate):
            assert cells[5] is None
        else:
            assert cells[5] == pytest.approx(row.rate)
        if pd.isna(row.change):
            assert cells[6] is None
        else:
            assert cells[6] == pytest.approx(row.change * 100)
    # by hand: 隐患整改率 全市 H1 H5 rectified of those due in Q3, H1 H2 H4 H5 (H3 due 10-31) -> 2 / 4;
    # 荣成市 H4 open -> 0 / 1
    assert shown[("隐患整改率", "全市")][2:6] == (2, 4, "项", pytest.approx(0.5))
    assert shown[("隐患整改率", "荣成市")][2:4] == (0, 1)
    # 安全生产责任制落实率 环翠区: 2026Q2 A 否 (0 / 1) -> 2026Q3 是 (1 / 1): +100 points
    assert shown[("安全生产责任制落实率", "环翠区")][6] == pytest.approx(100.0)
    assert ws["F4"].number_format == "0.0%"
    assert ws.freeze_panes == "C4"
    assert len(ws.conditional_formatting) > 0


def test_indicator_sheet_table_and_native_charts(workbook):
    ws = workbook["持证上岗率"]
    rows = sheet_rows(ws)[:9]
    assert [r[0] for r in rows] == ["全市", *configured_districts().names]
    assert rows[0][1:4] == (5, 7, pytest.approx(5 / 7))
    assert rows[1][1:4] == (1, 2, 0.5)  # 环翠区
    assert rows[2][1:4] == (3, 4, 0.75)  # 文登区
    assert rows[1][6] == "整改" and rows[3][6] == "达标"
    assert rows[0][7] == 2 and rows[1][7] == 1  # shortfall records: P2 and Q2
    charts = ws._charts
    assert len(charts) == 2
    bars, trend = charts
    assert isinstance(bars, BarChart) and isinstance(trend, LineChart)
    assert len(trend.series) == 1 + len(configured_districts().names) + 1  # 全市, each district, 目标
    assert all(series.smooth is False for series in trend.series)
    assert ws.freeze_panes == "A4"
    assert ws.print_title_rows == "$3:$3"
    assert ws.page_setup.orientation == "landscape" and str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4  # "9"
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage


def test_bar_chart_has_the_target_line(tmp_path, content):
    # openpyxl reads a combined chart back as its first part; check the written XML instead.
    path = tmp_path / "pack.xlsx"
    path.write_bytes(build_workbook(content))
    with zipfile.ZipFile(path) as archive:
        bars = archive.read("xl/charts/chart1.xml").decode("utf-8")
        trend = archive.read("xl/charts/chart2.xml").decode("utf-8")
    assert "<barChart>" in bars and "<lineChart>" in bars  # bars, and the 100% line over them
    assert bars.count('<smooth val="0"/>') == 1
    assert trend.count('<smooth val="0"/>') == 1 + len(configured_districts().names) + 1
    assert "<smooth val=\"1\"/>" not in bars + trend


def test_list_sheets(workbook):
    shortfalls = sheet_rows(workbook["短板清单"])
    # 2 + 1 + 2 + 2 + 2 + 2 + 1 + 1 + 1 + 45 + 1 records (see test_content_hand_figures)
    assert len(shortfalls) == 60
    header = [c.value for c in workbook["短板清单"][3]]
    assert header == ["序号", "指标", "短板类型", "区市", "企业名称", "统一社会信用代码", "明细", "来源文件", "工作表", "行号"]
    certification = [r for r in shortfalls if r[1] == "持证上岗率"]
    assert [(r[3], r[4], r[7]) for r in certification] == [("环翠区", NAME_A, "人员.xlsx"), ("文登区", NAME_B, "人员.xlsx")]
    assert "人员编号：P2" in certification[0][6] and "证书已过期" in certification[0][6]

    overdue = workbook["超期隐患"]
    header = [c.value for c in overdue[3]]
    rows = sheet_rows(overdue)
    assert [r[header.index("隐患编号")] for r in rows] == ["H2", "H4"]
    assert [r[header.index("超期天数")] for r in rows] == [30, 10]  # 08-31 and 09-20 to 09-30
    owner = overdue.cell(4, header.index("整改责任人") + 1)
    assert owner.data_type == "s" and owner.value == "'" + FORMULA_OWNER
    assert overdue.cell(5, header.index("整改责任人") + 1).value == "'" + MINUS_OWNER
    assert [r[1] for r in sheet_rows(workbook["证书到期预警"])] == [NAME_B]
    assert [r[1] for r in sheet_rows(workbook["未报检查表"])] == [NAME_D]
    assert [r[1] for r in sheet_rows(workbook["轮换到期"])] == [NAME_A]
    majors = workbook["重大隐患"]
    header = [c.value for c in majors[3]]
    assert sorted((r[header.index("隐患编号")], r[header.index("上报状态")]) for r in sheet_rows(majors)) == \
        [("H3", "已上报"), ("H4", "未上报")]
    supervision = sheet_rows(workbook["驻点工作"])
    # (驻点人员, 应填报天数, 已填报天数): working days, see test_content_hand_figures
    assert sorted((r[0], r[3], r[4]) for r in supervision if r[0]) == [("李明", 7, 7), ("王强", 66, 21)]


def test_about_sheet(workbook):
    text = "\n".join(str(c) for row in workbook["说明"].iter_rows(values_only=True) for c in row if c)
    assert "2026年第三季度" in text and "统计截至" in text and "2026年9月30日" in text
    assert "1 家企业未报送2026年第三季度的季度检查表" in text
    assert "企业名册" in text and "隐患台账" in text and "导入时间" in text  # data sources and load times
    assert "持证上岗率" in text and "威化安转办发〔2021〕26号" in text  # definitions and the policy
    assert len(quoted_clauses(text)) == 11 and misquoted(text) == []  # each clause word for word


# --- brief ---------------------------------------------------------------------------------------

def test_brief_sections_in_order(brief, content):
    texts = brief_text(brief)
    positions = [texts.index(title) for title in section_titles(content).values()]
    assert positions == sorted(positions)
    assert texts[0] == "威海市2026年第三季度非危险化学品化工生产企业驻点监督工作情况汇报"
    assert len(brief.tables) == 7  # 附件1 … 附件4, and 附件5's 数据对账情况: checks, 直通车, 一企一策


def test_brief_drafted_from_the_data(brief):
    text = "\n".join(brief_text(brief))
    # section 一: 4 enterprises, 2 supervisors; logs 28 of 73 due working days (see test_content_hand_figures);
    # special ops 4 of 5 (A 2/3, B 2/2); hazards 5 found (H1…H5), 3 by the resident supervisors (H1 H2 H4),
    # rectified H1 H5; majors H3 H4, H3 reported the day after it was found (within 1 day), H4 never
    assert "全市纳入驻点监督的企业4家，其中2家已派驻驻点监督人员，共2人。" in text
    assert "填报工作日志28人日，填报率38.4%" in text
    assert "到场监督动火、设备检维修、高处作业4次，现场监督率80.0%" in text
    assert "排查发现隐患5项（驻点检查发现3项），已整改2项；发现重大隐患2项，按时直报执法部门1项，未上报1项（见附件3）" in text
    # section 二: certification 5 / 7; due in Q3 H1 H2 H4 H5, rectified H1 H5 -> 2 / 4 = 50.0 %; responsibility
    # B C of A B C D -> 50.0 %; organization B C -> 50.0 %: the three largest gaps (ties in indicator order)
    assert "差距较大的是隐患整改率（50.0%）、安全生产责任制落实率（50.0%）、安全管理机构健全率（50.0%）" in text
    # section 三: named enterprises and causes (each point checked in full in test_pack_paper.py)
    assert "一是重大隐患闭环管理不到位。荣成市荣成丁化工有限公司“储罐腐蚀”重大隐患超期10天未整改" in text
    assert "二是隐患整改不及时。环翠区威海环翠甲化工有限公司“通道堵塞”一般隐患超期30天未整改。" in text
    assert "荣成市荣成丁化工有限公司未报送本季度检查表、按未落实计" in text
    assert "环翠区威海环翠甲化工有限公司王强已驻点268天、满6个月待轮换" in text
    assert "持证上岗率71.4%（环翠区50.0%最低），1人证书过期、1人无证" in text
    # section 四: the common tasks, then the season of the meeting (October: the fourth quarter, not the flood season)
    assert "1. 重大隐患整改和直报。荣成市督促企业10月31日前完成1项超期重大隐患整改" in text
    assert "2. 超期隐患清零。环翠区12月31日前完成1项超期隐患整改。" in text
    assert "冬季防火和防冻防凝" in text and "遇水反应" not in text


def test_brief_indicator_table(brief):
    table = brief.tables[0]  # 附件1
    header = [cell.text for cell in table.rows[0].cells]
    assert header == ["指标", "全市", *configured_districts().names]
    certification = [cell.text for cell in table.rows[1].cells]
    assert certification[:5] == ["持证上岗率", "71.4", "50.0", "75.0", "100.0"]  # the caption says 单位：%
    assert certification[5] == "无数据"  # 乳山市


def test_brief_is_built_from_edited_text(content):
    edited = {"tasks": "（一）共性任务。\n1. 各区市十月底前完成超期隐患清零。"}
    text = "\n".join(brief_text(Document(io.BytesIO(build_brief(content, edited)))))
    assert "1. 各区市十月底前完成超期隐患清零。" in text
    assert "2. 超期隐患清零。环翠区12月31日前完成1项超期隐患整改。" not in text
    assert "持证上岗率71.4%（环翠区50.0%最低）" in text  # the other sections keep their drafts


def test_flood_season_tasks_when_the_meeting_is_in_the_third_quarter(con):
    drafts = draft_sections(gather(con, "2026Q2", meeting_date=date(2026, 7, 10)))
    assert "主汛期防范遇水反应化学品" in drafts["tasks"] and "夏季高温和防雷" in drafts["tasks"]


# --- charts: one axis and colour rule with the dashboard (core.presentation) --------------------------

def test_every_rate_chart_runs_on_the_0_to_100_axis_with_its_values_printed(content, workbook):
    charts = pack_charts(content)
    assert {c.kind for c in charts} == {"overview", "bars", "trend"}
    for chart in charts:
        layout = chart.figure["layout"]
        axis = layout["xaxis"] if chart.kind == "overview" else layout["yaxis"]
        assert (axis["range"], axis["ticksuffix"], axis["dtick"]) == ([0.0, 100.0], "%", 20), chart.name
    assert SMALL_N == 10
    # certification 全市 5 / 7, 环翠区 1 / 2, 文登区 3 / 4, 荣成市 1 / 1: each n below 10, printed beside the rate;
    # 乳山市 has no one: 无数据; log fill 28 / 73 and 荣成市's 0 / 0 (nobody stationed at D)
    bars = next(c for c in charts if (c.kind, c.code) == ("bars", "certification")).figure["data"][0]
    assert bars["text"][:5] == ["71.4%（n=7）", "50.0%（n=2）", "75.0%（n=4）", "100.0%（n=1）", "无数据"]
    assert bars["marker"]["opacity"][:5] == [0.45, 0.45, 0.45, 0.45, 1.0]  # faint: too few to judge
    logs = next(c for c in charts if (c.kind, c.code) == ("bars", "log_fill")).figure["data"][0]
    assert logs["text"][0] == "38.4%" and logs["marker"]["opacity"][0] == 1.0
    # the workbook's native charts: the same axis, the n in the bar's label
    bar_chart, trend_chart = workbook["持证上岗率"]._charts
    for chart in (bar_chart, trend_chart):
        assert (chart.y_axis.scaling.min, chart.y_axis.scaling.max, chart.y_axis.majorUnit) == (0.0, 1.0, 0.2)
    labels = bar_chart.series[0].dLbls
    assert labels.showVal and [(label.idx, label.numFmt) for label in labels.dLbl] == [
        (0, '0.0%"（n=7）"'), (1, '0.0%"（n=2）"'), (2, '0.0%"（n=4）"'), (3, '0.0%"（n=1）"')]


def test_a_district_has_its_own_colour_in_every_chart(content, workbook):
    districts = list(configured_districts().names)
    trend = next(c for c in pack_charts(content) if (c.kind, c.code) == ("trend", "certification")).figure
    lines = {t["name"]: t["line"]["color"] for t in trend["data"] if "line" in t}
    assert lines == {"全市": CITY_COLOR, **{d: district_color(d) for d in districts}}
    # 文登区's trend points are all on fewer than 10 people: hollow dots off the line, their n on hover only (nine
    # districts' labels on one quarter would cover each other); the title says what a hollow dot is
    wendeng = [t for t in trend["data"] if t["name"] == "文登区"]
    assert wendeng[0]["y"][-1] is None and wendeng[1]["customdata"][-1] == 4 and wendeng[1]["text"][-1] == ""
    assert "空心点：该季度分母不足10，不连线" in trend["layout"]["title"]["text"]
    assert wendeng[1]["marker"] == {"symbol": "circle-open", "size": 10, "color": district_color("文登区"),
                                    "line": {"width": 2}}
    for sheet in ("持证上岗率", "工作日志填报率"):
        series = workbook[sheet]._charts[1].series
        colours = [s.graphicalProperties.line.solidFill.srgbClr for s in series]
        assert colours == [CITY_COLOR[1:], *(district_color(d)[1:] for d in districts), "C62828"]


def test_pack_for_one_district(con):
    scoped = gather(con, Q3, districts=["文登"])
    assert scoped.districts == ["文登区"] and scoped.total_label == "所选区市合计"
    assert set(scoped.figures["group"]) == {"所选区市合计", "文登区"}  # one district is not the city
    # 文登区 certification: Q1, R1, R2 valid, Q2 without a certificate -> 3 / 4
    assert tuple(scoped.city_row("certification")[["numerator", "denominator"]]) == (3, 4)
    for records in [*scoped.shortfalls.values(), *scoped.watch.values()]:
        assert set(records["区市"]) <= {"文登区"}
    assert set(scoped.batches["模板"]) >= {"企业名册", "隐患台账"}  # the files with 文登区 rows
    document = Document(io.BytesIO(build_brief(scoped)))
    text = "\n".join(brief_text(document)) + "".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    assert "环翠区" not in text and "荣成市" not in text
    assert "（一）重点任务。" in text and "2. 关键岗位人员持证上岗。督促文登乙化工有限公司" in text
    summary = openpyxl.load_workbook(io.BytesIO(build_workbook(scoped)))["指标总表"]
    assert {r[1] for r in sheet_rows(summary)} == {"所选区市合计", "文登区"}
    # the pooled figure of one district is a selection's total, never 全市: in the charts, the report, the workbook
    charts = pack_charts(scoped)
    bars = next(c for c in charts if c.kind == "bars").figure["data"][0]
    assert bars["x"] == ["所选区市合计", "文登区"]
    trend = next(c for c in charts if c.kind == "trend").figure["data"]
    assert [t["name"] for t in trend if "line" in t] == ["所选区市合计", "文登区"]
    assert trend[0]["line"]["color"] == CITY_COLOR
    page = build_html(scoped)
    assert "<td>所选区市合计</td>" in page and "全市" not in page[page.index("<body"):]
    cells = [v for ws in openpyxl.load_workbook(io.BytesIO(build_workbook(scoped))).worksheets
             for row in ws.iter_rows(values_only=True) for v in row if isinstance(v, str)]
    assert "所选区市合计" in cells and not [v for v in cells if "全市" in v]
    assert "全市" not in text


# --- printable report ----------------------------------------------------------------------------

def test_html_is_self_contained_with_plotly_once(content):
    page = build_html(content, {"work": "本季度工作由会议修改。"})
    assert len(re.findall(r"plotly\.js v\d", page)) == 1  # the library, inlined once
    assert page.count("Plotly.newPlot(") == 23  # overview + 2 charts for each of the 11 indicators
    assert not re.search(r"<script[^>]+src=", page) and "<link" not in page
    assert "@page { size: A4" in page and "break-before: page" in page
    assert "本季度工作由会议修改。" in page
    assert "荣成丁化工有限公司" in page  # the watch lists


# --- command line --------------------------------------------------------------------------------

def test_command_line_writes_the_pack(world, tmp_path, capsys):
    out = tmp_path / "out"
    assert cli.main(["--db", str(world), "--quarter", "2026年第三季度", "--district", "文登", "--out", str(out),
                     "--no-images"]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == ["会商材料_2026Q3_文登区.docx", "会商材料_2026Q3_文登区.html", "会商材料_2026Q3_文登区.xlsx"]
    assert "会商材料已生成" in capsys.readouterr().out


def workbook_parts(folder: Path, content) -> dict[str, bytes]:
    """Every part of the pack's workbook but docProps/core.xml, which records the moment it was written."""
    with zipfile.ZipFile(folder / f"{content.stem}.xlsx") as book:
        return {name: book.read(name) for name in book.namelist() if name != "docProps/core.xml"}


def test_the_workbook_is_the_same_built_by_a_worker_process_or_here(world, content, tmp_path, monkeypatch):
    """A warehouse file of WORKER_FROM_BYTES or more has its workbook built by a process of its own while the brief
    is written; a smaller one here. Both give the same workbook."""
    from pack import build

    size = world.stat().st_size
    monkeypatch.setattr(build, "WORKER_FROM_BYTES", size + 1)
    assert not build._worth_a_worker(world)
    monkeypatch.setattr(build, "WORKER_FROM_BYTES", size)
    assert build._worth_a_worker(world)

    with build.WorkbookWorker() as worker:
        worker.submit(content)
        by_worker = build.write_pack(content, tmp_path / "worker", images=False, workbook=worker)
    here = build.write_pack(content, tmp_path / "here", images=False)
    assert "xlsx (worker process)" in by_worker.cpu_seconds and "xlsx" in here.seconds
    assert workbook_parts(tmp_path / "worker", content) == workbook_parts(tmp_path / "here", content)


def test_the_workbook_is_built_here_when_no_process_can_start(content, tmp_path, processes_cannot_start):
    from pack import build

    with build.WorkbookWorker() as worker:
        worker.submit(content)
        files = build.write_pack(content, tmp_path / "worker", images=False, workbook=worker)
    build.write_pack(content, tmp_path / "here", images=False)
    assert "xlsx (worker process)" not in files.cpu_seconds  # no worker built it
    assert workbook_parts(tmp_path / "worker", content) == workbook_parts(tmp_path / "here", content)


def test_command_line_errors_are_chinese(world, tmp_path, capsys):
    assert cli.main(["--db", str(world), "--quarter", "2026Q5", "--out", str(tmp_path)]) == 2
    assert "无法识别的季度" in capsys.readouterr().err
    assert cli.main(["--db", str(tmp_path / "none.duckdb"), "--quarter", Q3, "--out", str(tmp_path)]) == 1
    assert "找不到数据库文件" in capsys.readouterr().err
    assert cli.main(["--db", str(world), "--quarter", Q3, "--district", "火星区", "--out", str(tmp_path)]) == 2
    assert "未知的区市" in capsys.readouterr().err
    assert cli.main(["--db", str(world), "--quarter", Q3, "--as-of", "2026-06-01", "--out", str(tmp_path)]) == 2
    assert "早于" in capsys.readouterr().err


def test_pack_of_a_quarter_without_records(tmp_path):
    # Only a roster (tests/filemaker.py): 文登区 王强 stationed 2026-01-05, 荣成市 李明 stationed Saturday
    # 2026-08-15, the third enterprise 关闭. No record of any kind: five target indicators are 无数据; drills
    # count each enterprise's headcount as not taking part (0 / 120 + 45), and responsibility and organization
    # count both enterprises as not met (no checklist: 0 / 2). 2026Q2 had the same 0 / 165 and 0 / 2: 较上季度持平.
    roster = write_xlsx(tmp_path / "名册.xlsx", {"名册": roster_rows()})
    load_paths([roster], tmp_path / "w.duckdb")
    connection = open_reader(tmp_path / "w.duckdb")
    try:
        empty = gather(connection, Q3)
    finally:
        connection.close()
    drafts = draft_sections(empty)
    assert ("八项目标指标全市有数据的各项均未达到100%，差距较大的是全员参与演练率（0.0%）、安全生产责任制落实率（0.0%）、"
            "安全管理机构健全率（0.0%）；持证上岗率、全员安全教育培训合格率、隐患整改率、规章制度健全率、奖金落实率"
            "本季度无数据。") in drafts["indicators"]
    assert "排查发现隐患" not in drafts["work"] and "重大隐患" not in drafts["work"]
    # logs due: 王强 every Q3 working day (66), 李明 from Monday 08-17 (11 in August + 22 in September: 22
    # weekdays less 中秋 09-25 plus the 调休 Sunday 09-20): 99, none filed; both districts at 0.0%, so neither
    # is named the lowest.
    assert "填报工作日志0人日，填报率0.0%。" in drafts["work"]
    assert "二是驻点监督履职不够到位。工作日志填报率0.0%；" in drafts["problems"]
    summary = openpyxl.load_workbook(io.BytesIO(build_workbook(empty)))["指标总表"]
    levels = {(r[0], r[1]): r[7] for r in sheet_rows(summary)}
    assert levels[("持证上岗率", "全市")] == "无数据" and levels[("工作日志填报率", "全市")] == "整改"
    assert levels[("全员参与演练率", "全市")] == levels[("安全生产责任制落实率", "全市")] == "整改"
    assert "Plotly.newPlot(" in build_html(empty)
    assert Document(io.BytesIO(build_brief(empty))).paragraphs
