"""The meeting paper as a 科长 sends it: a 工作情况汇报 in plain government register, problems that name
districts, enterprises and causes, common tasks as data, the season of the meeting date, district papers
that are the district's, and a printed length of three or four pages before the appendices.

Hand-checked against the warehouse of tests/pack_world.py (2026Q3, as of 2026-09-30, the meeting on
2026-10-15); the printed length and the numbers in thousands against a small demo (tests/pack_demo.py).
"""
from __future__ import annotations

import dataclasses
import io
import re
import shutil
from datetime import date

import openpyxl
import pytest
from docx import Document

from core import calendar as official
from core import config
from etl.load import load_paths
from pack import seasonal
from pack.brief import build_brief
from pack.content import Matter, PreviousTask, TaskStatus, gather
from pack.draft import (TaskDraft, appendices, draft_common_tasks, draft_sections, section_titles, task_quarter)
from pack.report_html import build_html
from pack.seasonal import seasonal_tasks
from pack.workbook import build_workbook
from tests.filemaker import CODE_A, CODE_B, CODE_E, ROSTER_HEADER, write_csv, write_xlsx
from tests.pack_demo import pdf_pages, to_pdf
from tests.pack_world import HAZARDS, NAME_A, NAME_B, NAME_C, NAME_D, Q3
from warehouse.store import open_reader

MEETING = date(2026, 10, 15)  # the meeting on 2026Q3's figures, held in the fourth quarter
THOUSANDS = re.compile(r"\d,\d{3}")


@pytest.fixture(scope="module")
def con(pack_world):
    connection = open_reader(pack_world)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def content(con):
    return gather(con, Q3, meeting_date=MEETING)


@pytest.fixture(scope="module")
def wendeng(con):
    return gather(con, Q3, districts=["文登"], meeting_date=MEETING)


def paragraphs(document) -> list[str]:
    return [p.text for p in document.paragraphs if p.text.strip()]


def cells(document) -> list[list[list[str]]]:
    return [[[cell.text for cell in row.cells] for row in table.rows] for table in document.tables]


def whole_text(document) -> str:
    return "\n".join(paragraphs(document)) + "\n" + "\n".join(
        "|".join(row) for table in cells(document) for row in table)


# --- the form ------------------------------------------------------------------------------------

def test_the_paper_is_a_work_report_signed_on_the_meeting_date(content):
    document = Document(io.BytesIO(build_brief(content)))
    texts = paragraphs(document)
    assert texts[0] == "威海市2026年第三季度非危险化学品化工生产企业驻点监督工作情况汇报"
    assert texts[1] == ("按照季度研究会商机制要求（威化安转办发〔2021〕26号），现将全市2026年第三季度非危险化学品化工"
                        "生产企业驻点监督工作情况汇报如下。")
    headings = ["一、工作开展情况", "二、指标完成情况", "三、存在的问题和不足", "四、下步工作"]
    positions = [texts.index(h) for h in headings]
    assert positions == sorted(positions)
    # the 附件 list, then the signing office and the meeting's date (not the day the paper was generated)
    signature = texts.index("威海市化工专项行动办公室")
    assert texts[signature - 5:signature] == ["附件：1. 指标完成情况表", "2. 各区市驻点监督工作情况表", "3. 重大隐患情况表",
                                              "4. 需要关注的事项统计表", "5. 数据情况说明"]
    assert texts[signature + 1] == "2026年10月15日"
    # the appendices follow: 附件1 … 附件4 a table each, 附件5 text and its section 数据对账情况 with three tables
    assert [t for t in texts if re.fullmatch(r"附件\d", t)] == ["附件1", "附件2", "附件3", "附件4", "附件5"]
    assert len(document.tables) == 7 and signature < texts.index("附件1") < texts.index("数据对账情况")


def test_the_work_in_numbers_a_reader_takes_in_at_once(content):
    work = draft_sections(content)["work"]
    # 4 enterprises, A and B stationed (王强, 李明); logs 28 of 73 due working days; special ops 4 of 5
    # (A 2/3, B 2/2); hazards found H1…H5, 3 by the supervisors (H1 H2 H4), rectified H1 H5; majors H3 (reported
    # the next day) and H4 (never reported). The quarter and the kind of enterprise are the opening's.
    # 对账: log vs ledger A (2 hazards by 王强, his logs record no problem) and D (H4, no log); director B (是, no
    # 安全总监 on the staff roster); headcount A 30 vs 3, B 20 vs 2, C 15 vs 2, D 10 vs 1; log gap 王强 07-01 …
    # 08-31 — 记录不一致 7, 需核实 1; 环翠区 3, 文登区 3, 荣成市 2. No 智能化改造台账 was sent.
    assert work.splitlines() == [
        "全市纳入驻点监督的企业4家，其中2家已派驻驻点监督人员，共2人。填报工作日志28人日，填报率38.4%；"
        "到场监督动火、设备检维修、高处作业4次，现场监督率80.0%；排查发现隐患5项（驻点检查发现3项），已整改2项；"
        "发现重大隐患2项，按时直报执法部门1项，未上报1项（见附件3）。",
        "对账核查发现记录不一致7条、需核实1条，环翠区3条、文登区3条较多（见附件5）。",
        "一企一策智能化改造尚无诊断和改造项目记录。"]


def test_people_are_counted_in_people_not_occasions(content):
    paper = "\n".join(draft_sections(content).values())
    # 2 supervisors, 王强 the one due for rotation, P2's expired certificate and Q2's missing one, Q1's expiring
    # certificate, P2 without training: people each, never 人次
    assert "共2人" in paper and "王强已驻点268天、满6个月待轮换" in paper
    assert "1人证书过期、1人无证" in paper and "另有1人证书90天内到期" in paper and "1人近12个月没有培训记录" in paper
    assert "人次" not in paper
    header = cells(Document(io.BytesIO(build_brief(content))))[1][0]
    assert header[:3] == ["区市", "企业（家）", "驻点人员（人）"]


def test_no_data_operations_talk_in_the_paper(extended):
    # one hazard row of the extra ledger is quarantined (整改期限 before 发现日期): it is reported in 附件5 only
    assert int(extended.quarantine["行数"].sum()) == 1
    body = "\n".join(draft_sections(extended).values())
    assert not re.search(r"隔离|入库|重报|数据行|行数据|退回", body)
    notes = appendices(extended)[4]
    assert notes.title == "数据情况说明"
    assert "报送的文件中有1行数据因格式或取值问题未能入库（涉及隐患台账），未计入任何指标，" \
           "已在数据工作簿“说明”页逐行列明，需退回修改后重报。" in notes.lines


# --- the problems --------------------------------------------------------------------------------

def test_problems_are_chosen_by_severity_and_name_enterprises_and_causes(content):
    # Major hazards first, overdue hazards second, then by the gap of the worst indicator behind each point:
    # log fill 38.4% (61.6 points), organization and responsibility 50.0% (50.0), drills 33 / 50 = 66.0% (34.0).
    assert draft_sections(content)["problems"].splitlines() == [
        # H4: deadline 09-20, 10 days overdue, no 督办级别, never reported
        "一是重大隐患闭环管理不到位。荣成市荣成丁化工有限公司“储罐腐蚀”重大隐患超期10天未整改，尚未挂牌督办，"
        "且至今未直报执法部门。",
        # H2: deadline 08-31, 30 days overdue
        "二是隐患整改不及时。环翠区威海环翠甲化工有限公司“通道堵塞”一般隐患超期30天未整改。",
        # 环翠区 21 / 66 = 31.8%; A's 09-01 hot work 2 of 3; 王强 stationed 2026-01-05, 268 days on 09-30
        "三是驻点监督履职不够到位。工作日志填报率38.4%（环翠区31.8%最低）；1次特殊作业无人到场监督；"
        "环翠区威海环翠甲化工有限公司王强已驻点268天、满6个月待轮换。",
        # organization: A without a 安全总监 (环翠区 0 / 1) and D without a checklist (荣成市 0 / 1), tied lowest;
        # responsibility: C 否 (文登区 1 / 2) and D (荣成市 0 / 1)
        "四是企业安全主体责任落实有差距。安全管理机构健全率50.0%（环翠区、荣成市0.0%最低）、安全生产责任制落实率50.0%"
        "（荣成市0.0%最低）；荣成市荣成丁化工有限公司未报送本季度检查表、按未落实计；"
        "环翠区威海环翠甲化工有限公司未配备安全总监。",
        # certification 5 / 7: P2 expired 09-15, Q2 without a certificate; Q1 expires 12-01; P2 not trained;
        # C held no drill in 12 months
        "五是关键岗位持证和全员培训演练有缺口。持证上岗率71.4%（环翠区50.0%最低），1人证书过期、1人无证"
        "（环翠区威海环翠甲化工有限公司、文登区文登乙化工有限公司）；另有1人证书90天内到期；1人近12个月没有培训记录；"
        "1家企业近12个月未组织演练（文登区文登丙化工有限公司）。",
    ]


def test_repeat_hazards_and_enterprises_without_hazards_are_causes(extended):
    problems = draft_sections(extended)["problems"]
    # The reconciliation rule repeat_hazard: H2 (A, 现场作业, 2026-08-05) repeats H6 (A, 现场作业, 通道堵塞, found
    # 2026-05-10, rectified 05-20 with no 销号日期): 77 days after, within 12 months.
    assert ("二是隐患整改不及时、不彻底。环翠区威海环翠甲化工有限公司“通道堵塞”一般隐患超期30天未整改；"
            "1家企业有隐患销号后12个月内再次出现，如环翠区威海环翠甲化工有限公司“通道堵塞”出现2次。") in problems
    # E has a supervisor (赵六, since 07-01) and no hazard found in Q3
    assert f"驻点企业环翠区{NAME_E}本季度未查出隐患" in problems
    # H7: B's major hazard, deadline 09-25 (5 days overdue), found 09-15 and reported 09-20: 4 days late
    assert (f"荣成市荣成丁化工有限公司“储罐腐蚀”、文登区文登乙化工有限公司“{HOSTILE}”2项重大隐患分别超期10天、5天未整改，"
            "其中2项尚未挂牌督办，1项至今未直报执法部门；本季度迟报1项（文登区文登乙化工有限公司）。") in problems


def test_a_hostile_hazard_description_stays_text_in_every_document(extended):
    # The description is HTML and starts like a formula: the report shows it escaped, the paper as it is.
    page = build_html(extended)
    assert "<b>罐区</b>" not in page and "&lt;b&gt;罐区&lt;/b&gt;" in page
    document = Document(io.BytesIO(build_brief(extended)))
    majors = cells(document)[2]
    assert [row[2] for row in majors if row[1] == NAME_B] == ["动火未审批", HOSTILE]  # H3, H7


def test_the_worst_districts_are_named_by_gap_not_by_order(content):
    # 环翠区 is at 整改 on 8 indicators (all but responsibility, reward and the major hazards it has none of) and the
    # lowest alone on 5 (certification 1 / 2, training 2 / 3, rules 8 / 10, special ops 2 / 3, log fill 21 / 66);
    # 荣成市 at 整改 on 4, the lowest alone on 3 (rectification, responsibility, major hazards: 0 of 1 each).
    # On organization both are at 0 / 1: a tie, so neither is the lowest alone.
    indicators = draft_sections(content)["indicators"]
    assert "分区市看，环翠区8项指标处于整改档、5项为各区市最低，荣成市4项指标处于整改档、3项为各区市最低（见附件1）。" \
        in indicators


# --- the tasks -----------------------------------------------------------------------------------

def test_common_tasks_are_data_with_owners_deadlines_and_standards(content):
    # Meeting 2026-10-15: tasks fall in 2026Q4; urgent ones are due at the first month end at least 14 days on
    # (10-31), the others at the quarter's end.
    assert task_quarter(content).label == "2026Q4"
    assert draft_common_tasks(content) == [
        TaskDraft("重大隐患整改和直报", "荣成市督促企业10月31日前完成1项超期重大隐患整改，逾期提请挂牌督办；"
                  "10月31日前将1项未上报重大隐患直报执法部门。", ("荣成市",), date(2026, 10, 31),
                  "超期重大隐患、未上报重大隐患清单清零", "watch", "overdue_major_hazards"),
        TaskDraft("超期隐患清零", "环翠区12月31日前完成1项超期隐患整改。", ("环翠区",), date(2026, 12, 31),
                  "超期未整改隐患清单清零", "watch", "overdue_hazards"),
        TaskDraft("驻点监督人员到期轮换", "环翠区12月31日前完成1名驻点满6个月驻点监督人员的轮换、岗前培训和交接。",
                  ("环翠区",), date(2026, 12, 31), "驻点满期人员全部轮换", "watch", "rotation_due"),
        # owners: D without a checklist (荣成市); A (organization, rules: 环翠区); C (responsibility, reward: 文登区)
        TaskDraft("落实企业安全主体责任", "环翠区、文登区、荣成市督促1家未报企业10月31日前补报季度检查表，"
                  "督促2家企业12月31日前配齐安全管理机构和安全总监、落实全员安全生产责任制。",
                  ("环翠区", "文登区", "荣成市"), date(2026, 12, 31),
                  "安全管理机构健全率、安全生产责任制落实率、规章制度健全率、奖金落实率达到100%", "indicator",
                  "organization"),
        TaskDraft("关键岗位人员持证上岗", "环翠区、文登区12月31日前完成2名证书过期或无证人员取证、复审，取证前调离关键岗位。",
                  ("环翠区", "文登区"), date(2026, 12, 31), "持证上岗率达到100%", "indicator", "certification"),
    ]
    tasks = draft_sections(content)["tasks"]
    assert "1. 重大隐患整改和直报。荣成市督促企业10月31日前完成1项超期重大隐患整改" in tasks
    assert not re.search(r"提高.{2,12}率（", tasks)


def test_a_late_meeting_moves_the_urgent_deadlines(content):
    late = dataclasses.replace(content, meeting_date=date(2026, 12, 1))
    deadlines = {task.title: task.deadline for task in draft_common_tasks(late)}
    assert deadlines["重大隐患整改和直报"] == date(2026, 12, 31)  # 11-30 is less than 14 days on
    # a paper for 2026Q2 made in December: the tasks fall in the meeting's quarter, not in the past one
    assert task_quarter(dataclasses.replace(content, quarter=content.quarter.previous(), meeting_date=date(2026, 12, 1))
                        ).label == "2026Q4"


# --- the season of the meeting -------------------------------------------------------------------

def test_an_october_meeting_on_third_quarter_figures_gets_the_fourth_quarters_season(content):
    tasks = draft_sections(content)["tasks"]
    # the season's tasks in one paragraph after the sub-heading: 一是…；二是…；三是…
    assert "（二）季节性工作。一是元旦（1月1日）期间安全防范，节前全面排查隐患，" in tasks
    assert "；二是冬季防火和防冻防凝，" in tasks and "；三是岁末年初安全防范，" in tasks
    # 中秋 2026 was on 09-25 and 国庆 ended 10-07: both over by the meeting
    assert "中秋" not in tasks and "国庆" not in tasks and "遇水反应" not in tasks


def test_festivals_come_from_the_calendar_and_are_never_announced_once_past(con):
    early = draft_sections(gather(con, "2026Q2", meeting_date=date(2026, 7, 10)))["tasks"]
    assert "（二）季节性工作。一是中秋节（9月25日至27日）、国庆节（10月1日至7日）期间安全防范，" in early
    assert "主汛期防范遇水反应化学品" in early and "夏季高温和防雷" in early
    assert [t.title for t in seasonal_tasks(date(2026, 9, 26))] == ["中秋节（9月25日至27日）、国庆节（10月1日至7日）期间安全防范"]
    assert seasonal_tasks(date(2026, 10, 7))[0].title.startswith("国庆节（10月1日至7日）")  # still under way
    assert not any("国庆" in t.title for t in seasonal_tasks(date(2026, 10, 8)))
    # 2027 is not in the calendar yet: 春节 is named (without dates) only while even its earliest day is ahead
    assert seasonal_tasks(date(2027, 1, 10))[0].title == "春节期间安全防范"
    assert not any("春节" in t.title for t in seasonal_tasks(date(2027, 1, 25)))


def test_festivals_of_a_year_in_the_holidays_file(tmp_path, monkeypatch):
    (tmp_path / "holidays.toml").write_text(
        '[2027]\nholidays = ["2027-01-01", "2027-02-06", "2027-02-07", "2027-02-08", "2027-02-09", "2027-02-10",'
        ' "2027-02-11", "2027-02-12", "2027-10-01", "2027-10-04", "2027-10-05", "2027-10-06", "2027-10-07"]\n'
        'workdays = ["2027-02-13"]\n', encoding="utf-8")
    monkeypatch.setenv("WEIHAI_CONFIG_DIR", str(tmp_path))
    official.reset()
    seasonal.festivals.cache_clear()
    try:
        assert seasonal_tasks(date(2027, 1, 25))[0].title == "春节（2月6日至12日）期间安全防范"
        # 10-02 and 10-03 are a weekend left out of the file: one run from 10-01 to 10-07
        assert seasonal_tasks(date(2027, 9, 28))[0].title == "国庆节（10月1日至7日）期间安全防范"
    finally:
        monkeypatch.delenv("WEIHAI_CONFIG_DIR")
        official.reset()
        seasonal.festivals.cache_clear()


# --- the meeting's records -----------------------------------------------------------------------

def test_last_quarters_tasks_come_first_from_the_second_meeting_on(con):
    previous = [PreviousTask("超期隐患清零", date(2026, 9, 30),
                             (TaskStatus("环翠区", "已完成"), TaskStatus("荣成市", "逾期", "企业停产待复工"))),
                PreviousTask("驻点监督人员到期轮换", date(2026, 9, 30), (TaskStatus("环翠区", "已完成"),))]
    matters = [Matter("超期重大隐患", "荣成丁化工有限公司“储罐腐蚀”", "超期10天未整改，建议市级挂牌督办。")]
    second = gather(con, Q3, meeting_date=MEETING, previous_tasks=previous, matters=matters)
    assert list(section_titles(second).values()) == ["一、上季度共性任务完成情况", "二、工作开展情况", "三、指标完成情况",
                                                    "四、存在的问题和不足", "五、下步工作"]
    drafts = draft_sections(second)
    assert drafts["followup"].splitlines() == [
        "上季度会商确定共性任务2项，截至2026年9月30日，全部完成1项，尚未全部完成1项。",
        "1. 超期隐患清零（2026年9月30日前）：环翠区已完成，荣成市逾期（企业停产待复工）。",
        "2. 驻点监督人员到期轮换（2026年9月30日前）：环翠区已完成。"]
    assert drafts["tasks"].endswith("（三）需提请会商协调事项。\n1. 荣成丁化工有限公司“储罐腐蚀”：超期10天未整改，建议市级挂牌督办。")
    texts = paragraphs(Document(io.BytesIO(build_brief(second))))
    assert texts.index("一、上季度共性任务完成情况") < texts.index("二、工作开展情况")


# --- a district's paper --------------------------------------------------------------------------

def test_a_district_paper_is_the_districts_own(wendeng):
    document = Document(io.BytesIO(build_brief(wendeng)))
    texts = paragraphs(document)
    assert texts[0] == "文登区2026年第三季度非危险化学品化工生产企业驻点监督工作情况汇报"
    signature = texts.index("文登区化工专项行动办公室")
    assert texts[signature + 1] == "2026年10月15日"
    text = whole_text(document)
    assert "各区市" not in text and "威海市化工专项行动办公室" not in text
    assert "环翠区" not in text and "荣成市" not in text
    drafts = draft_sections(wendeng)
    assert drafts["opening"].startswith("按照季度研究会商机制要求（威化安转办发〔2021〕26号），现将文登区2026年第三季度")
    # addressed to its own enterprises: B's Q2 has no certificate; C paid 1 of 3 rewards (33.3%, the larger gap)
    # and said 否 to 责任制 (1 / 2), and held no drill
    assert drafts["tasks"].splitlines()[:4] == [
        "（一）重点任务。",
        "1. 落实企业安全主体责任。督促文登丙化工有限公司12月31日前兑现隐患举报奖金、落实全员安全生产责任制。",
        "2. 关键岗位人员持证上岗。督促文登乙化工有限公司12月31日前完成1名证书过期或无证人员取证、复审，取证前调离关键岗位。",
        "3. 全员培训和应急演练。督促文登丙化工有限公司12月31日前组织应急演练，未参加演练人员补演。"]


def test_a_district_paper_has_no_one_row_tables(wendeng):
    tables = cells(Document(io.BytesIO(build_brief(wendeng))))
    for table in tables:
        assert not (len(table) == 3 and table[-1][0] in ("合计", "全市")), table
    indicators, work = tables[0], tables[1]
    assert indicators[0] == ["指标", "本季度（%）", "上季度（%）", "分子/分母", "未达标记录（条）", "涉及企业（家）"]
    # 文登区 certification: Q1 R1 R2 of Q1 Q2 R1 R2 -> 3 / 4; on 2026-06-30 the same -> 75.0 both quarters
    assert indicators[1] == ["持证上岗率", "75.0", "75.0", "3/4", "1", "1"]
    # by enterprise: C has no supervisor; B: 李明's 7 due days all logged, H3 found, nothing overdue
    assert work[0] == ["企业名称", "驻点人员", "日志填报率（%）", "未到场监督特殊作业（次）", "发现隐患（项）", "超期未整改隐患（项）"]
    assert work[1:] == [[NAME_C, "未派驻", "—", "0", "1", "0"], [NAME_B, "李明", "100.0", "0", "1", "0"]]


def test_the_signing_office_is_configuration(tmp_path, monkeypatch, con):
    text = (config.CONFIG_DIR / "districts.toml").read_text(encoding="utf-8")
    (tmp_path / "districts.toml").write_text(text.replace('office = "文登区化工专项行动办公室"',
                                                          'office = "文登区应急管理局驻点监督办公室"'), encoding="utf-8")
    monkeypatch.setattr(config, "CONFIG_DIR", tmp_path)
    config.districts.cache_clear()
    try:
        scoped = gather(con, Q3, districts=["文登"], meeting_date=MEETING)
        assert "文登区应急管理局驻点监督办公室" in paragraphs(Document(io.BytesIO(build_brief(scoped))))
    finally:
        monkeypatch.undo()
        config.districts.cache_clear()


# --- plain register, printed ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_content(small_demo, tmp_path_factory):
    db = small_demo(tmp_path_factory.mktemp("paper_demo"))
    connection = open_reader(db)
    try:
        return gather(connection, Q3, meeting_date=MEETING)
    finally:
        connection.close()


def test_no_thousands_separators_anywhere_in_the_paper(demo_content):
    logs = int(demo_content.city_row("log_fill")["numerator"])
    assert logs >= 1000  # a number that a separator would split
    text = whole_text(Document(io.BytesIO(build_brief(demo_content))))
    assert f"填报工作日志{logs}人日" in text
    assert not THOUSANDS.search(text), THOUSANDS.findall(text)
    assert not re.search(r"\d\.\d{2,}%", text)  # percentages to one decimal


def test_the_demo_paper_prints_on_three_or_four_pages_before_the_appendices(demo_content, tmp_path):
    paper, whole = tmp_path / "paper.docx", tmp_path / "whole.docx"
    paper.write_bytes(build_brief(demo_content, with_appendices=False))
    whole.write_bytes(build_brief(demo_content))
    pdfs = to_pdf([paper, whole], tmp_path)
    assert 3 <= pdf_pages(pdfs["paper.docx"]) <= 4
    assert pdf_pages(pdfs["whole.docx"]) > pdf_pages(pdfs["paper.docx"])  # the appendices start on a new page


def test_the_workbook_prints_summaries_on_few_pages_and_lists_as_attachments(content):
    workbook = openpyxl.load_workbook(io.BytesIO(build_workbook(content)))
    summary = workbook["指标总表"]
    # the header in row 3, 11 indicators × (全市 + 8 districts) below it; 指标 … 评定, not the two definitions
    assert summary.print_area == "'指标总表'!$A$1:$H$102"
    assert summary.print_options.gridLines is False and summary.page_setup.orientation == "portrait"
    sheet = workbook["持证上岗率"]
    assert sheet.print_options.gridLines is False  # no grid printed around the charts
    assert sheet.page_setup.fitToHeight == 1 and sheet.page_setup.fitToWidth == 1
    assert sheet.print_area.startswith("'持证上岗率'!$A$1:")
    assert sheet["A4"].border.left.style == "thin"  # the table keeps its own borders
    for name in ("短板清单", "超期隐患", "驻点工作"):
        ws = workbook[name]
        assert ws.oddHeader.left.text == "附件：&A" and ws.page_setup.fitToWidth == 1
    assert workbook["说明"].oddHeader.left.text == "&A"


# --- the extended world ----------------------------------------------------------------------------

NAME_E = "威海环翠戊化工有限公司"
HOSTILE = '=HYPERLINK("http://example.invalid")<b>罐区</b>'


@pytest.fixture(scope="module")
def extended(pack_world, tmp_path_factory):
    """tests/pack_world.py, and: E (环翠区, supervisor 赵六 since 07-01, no hazard in Q3); H6, A's 通道堵塞 found
    2026-05-10 and rectified (H2 is the same, found 08-05); H7, B's major hazard with a hostile description,
    found 09-15, due 09-25, reported 09-20; H8, a row whose 整改期限 is before its 发现日期 (quarantined)."""
    folder = tmp_path_factory.mktemp("pack_world_extended")
    db = folder / "warehouse.duckdb"
    shutil.copy(pack_world, db)
    roster = write_xlsx(folder / "名册补充.xlsx", {"名册": [
        ROSTER_HEADER, [NAME_E, CODE_E, "环翠区", "助剂", 12, "赵六", "环翠区化工专项办", "2026-07-01", "正常生产"]]})
    hazards = write_csv(folder / "隐患台账补充.csv", [
        HAZARDS,
        ["H6", CODE_A, "2026-05-10", "驻点检查", "现场作业", "一般隐患", "通道堵塞", "2026-05-31", "2026-05-20",
         "已整改", "甲一", None],
        ["H7", CODE_B, "2026-09-15", "执法检查", "设备设施", "重大隐患", HOSTILE, "2026-09-25", None,
         "整改中", "乙一", "2026-09-20"],
        ["H8", CODE_A, "2026-09-10", "驻点检查", "现场作业", "一般隐患", "消防通道堵塞", "2026-09-01", None,
         "整改中", "甲一", None],
    ])
    load_paths([roster, hazards], db)
    connection = open_reader(db)
    try:
        return gather(connection, Q3, meeting_date=MEETING)
    finally:
        connection.close()


def test_the_extended_world_is_what_the_tests_above_assume(extended):
    assert NAME_D in set(extended.watch["overdue_major_hazards"]["企业名称"])
    # the pack's repeat hazards are the reconciliation rule's findings, in the shape the paper reads
    assert list(extended.repeat_hazards.itertuples(index=False, name=None)) == [("环翠区", NAME_A, "通道堵塞", 2)]
    found = extended.reconcile_rows[extended.reconcile_rows["检查代码"] == "repeat_hazard"]
    assert list(found["记录"]) == ["隐患 H2"] and "与隐患 H6（2026-05-10 发现，2026-05-20 销号）描述相同" in found["说明"].iat[0]
    assert list(extended.coverage.loc[extended.coverage["本季度隐患条数"] == 0, "企业名称"]) == [NAME_E]
