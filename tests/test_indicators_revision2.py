"""The indicator rules of contract revision 2, one small case per rule and its boundaries, worked out by hand.

The world (2026Q3, as of 2026-09-30): E1 and E2 in 文登区, E3 in 环翠区.
"""
from __future__ import annotations

import io
from datetime import date, timedelta

import docx
import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from access.users import User
from cli.metrics_commands import main as metrics_main
from core import calendar
from core import settings as declared
from core.policy import notice_text
from metrics import api
from metrics.enterprise import enterprise_checklists
from metrics.indicators import INDICATORS
from pack.brief import build_brief
from pack.content import gather
from pack.report_html import build_html
from pack.workbook import build_workbook
from tests.cli_runner import ROOT, run_main
from tests.metrics_fixtures import CODE_A, CODE_B, CODE_C, d, load, write_csv, write_xlsx
from warehouse.store import open_reader

E1, E2, E3 = CODE_A, CODE_B, CODE_C
NAMES = {E1: "威海一号化工有限公司", E2: "威海二号化工有限公司", E3: "威海三号化工有限公司"}

ROSTER = ["企业名称", "统一社会信用代码", "所属区市", "从业人员数", "驻点监督人员", "派出单位", "进驻日期"]
ROSTER_ROWS = [
    [NAMES[E1], E1, "文登区", 10, "李四", "文登区化工专项办", d("2026-08-28")],
    [NAMES[E2], E2, "文登区", 6, "王五", "文登区化工专项办", d("2026-09-01")],
    [NAMES[E3], E3, "环翠区", 7, "赵六", "环翠区化工专项办", d("2026-07-01")],
]
# E1's stationing history replaces its roster row: 张三 until 09-01 (exclusive), 李四 from 08-28 (handover days).
STATIONING = ["驻点人员", "统一社会信用代码", "派出单位", "进驻日期", "撤离日期", "岗前培训日期", "交接日期", "交接人"]
STATIONING_ROWS = [
    ["张三", E1, "文登区化工专项办", d("2026-01-05"), d("2026-09-01"), None, d("2026-09-01"), "李四"],
    ["李四", E1, "文登区化工专项办", d("2026-08-28"), None, d("2026-08-20"), None, None],
]

HAZARDS = ["隐患编号", "统一社会信用代码", "发现日期", "隐患类别", "隐患等级", "隐患描述", "整改期限",
           "整改完成日期", "整改状态", "上报日期"]
HAZARD_ROWS = [
    ["R1", E1, d("2026-06-20"), "设备设施", "一般隐患", "阀门泄漏", d("2026-07-01"), d("2026-07-01"), "已整改", None],
    ["R2", E1, d("2026-09-01"), "现场作业", "一般隐患", "通道堵塞", d("2026-09-30"), None, "整改中", None],
    ["R3", E1, d("2026-06-01"), "管理制度", "一般隐患", "制度未更新", d("2026-06-30"), None, "未整改", None],
    ["R4", E1, d("2026-09-20"), "安全培训", "一般隐患", "档案缺失", d("2026-10-01"), None, "整改中", None],
    ["R5", E1, d("2026-07-10"), "应急管理", "一般隐患", "物资不足", d("2026-08-10"), d("2026-08-15"), "已整改", None],
    ["M1", E2, d("2026-07-01"), "特殊作业", "重大隐患", "动火未审批", d("2026-12-31"), None, "整改中", d("2026-07-01")],
    ["M2", E2, d("2026-07-10"), "设备设施", "重大隐患", "储罐腐蚀", d("2026-12-31"), None, "整改中", d("2026-07-11")],
    ["M3", E2, d("2026-08-01"), "设备设施", "重大隐患", "安全阀失效", d("2026-12-31"), None, "整改中", d("2026-08-03")],
    ["M4", E2, d("2026-09-10"), "现场作业", "重大隐患", "防爆失效", d("2026-12-31"), None, "未整改", None],
    ["M5", E2, d("2026-09-28"), "现场作业", "重大隐患", "静电接地缺失", d("2026-12-31"), None, "未整改", d("2026-10-02")],
]

CHECKLIST = ["统一社会信用代码", "季度", "安全生产责任制落实", "安全管理机构健全", "安全总监配备",
             "应建规章制度数", "已建规章制度数", "应发奖励笔数", "已发奖励笔数"]
CHECKLIST_ROWS = [
    [E1, "2026Q3", "是", "是", "不适用", 10, 10, 2, 2],
    [E2, "2026Q3", "是", "是", "否", 5, 5, 1, 1],
]  # E3 sends none

DRILLS = ["统一社会信用代码", "演练日期", "演练名称", "应参加人数", "实际参加人数"]
DRILL_ROWS = [
    [E1, d("2026-05-01"), "消防演练", 10, 8],
    [E3, d("2025-09-30"), "消防演练", 7, 7],  # the 12-month window (2025-09-30, 2026-09-30] is open at its start
]

LOGS = ["日期", "驻点人员", "统一社会信用代码", "特殊作业类型", "特殊作业数", "现场监督数"]


def _july_weekdays() -> list[date]:
    days = [date(2026, 7, 1) + timedelta(days=n) for n in range(31)]
    return [day for day in days if day.weekday() < 5]


LOG_ROWS = [
    *[[day, "张三", E1, None, None, None] for day in _july_weekdays() if day not in (d("2026-07-02"), d("2026-07-03"))],
    [d("2026-07-02"), "张三", E1, "高处作业", 1, 0],
    [d("2026-07-03"), "张三", E1, None, 1, 1],  # no type given: counted with the three
    [d("2026-09-01"), "张三", E1, None, None, None],  # the day 张三 left: not due any more
    [d("2026-09-20"), "李四", E1, "吊装作业", 3, 1],  # a Sunday worked (调休): due, and logged
    [d("2026-09-21"), "李四", E1, "动火作业", 2, 2],
    [d("2026-09-25"), "李四", E1, None, None, None],  # 中秋: not a working day
    [d("2026-09-25"), "王五", E2, None, None, None],
]


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("revision2")
    path = folder / "warehouse.duckdb"
    load([
        write_xlsx(folder / "名册.xlsx", "企业名册", ROSTER, ROSTER_ROWS),
        write_xlsx(folder / "派驻.xlsx", "驻点派驻记录", STATIONING, STATIONING_ROWS),
        write_xlsx(folder / "隐患.xlsx", "隐患台账", HAZARDS, HAZARD_ROWS),
        write_csv(folder / "检查表.csv", CHECKLIST, CHECKLIST_ROWS),
        write_xlsx(folder / "演练.xlsx", "演练记录", DRILLS, DRILL_ROWS),
        write_xlsx(folder / "日志.xlsx", "驻点工作日志", LOGS, LOG_ROWS),
    ], path)
    return path


@pytest.fixture
def con(db):
    connection = open_reader(db)
    yield connection
    connection.close()



def pick(frame, code, group):
    row = frame[(frame["indicator"] == code) & (frame["group"] == group)].iloc[0]
    return int(row["numerator"]), int(row["denominator"]), row["level"], row["note"]


def test_rectification_counts_the_hazards_due_in_the_quarter(con):
    # Due 07-01 (Q.start, R1 ✓), 09-30 (Q.end, R2 open ✗), 08-10 (R5 rectified 08-15, late but by Q.end ✓);
    # R3 was due 06-30 and R4 is due 10-01: neither is due in Q3.
    frame = api.report(con, "2026Q3", by="enterprise")
    assert pick(frame, "rectification", E1)[:2] == (2, 3)
    records = api.shortfall(con, "2026Q3", "rectification")
    assert list(records["隐患编号"]) == ["R2"]
    assert list(records["问题"]) == ["到期未整改"]


def test_major_hazards_count_only_reports_within_the_set_days(con, tmp_path, monkeypatch):
    # M1 same day ✓, M2 next day ✓, M3 two days → 迟报 1 天, M4 none → 未上报, M5 reported after Q.end → 未上报.
    frame = api.report(con, "2026Q3", by="enterprise")
    assert pick(frame, "major_hazard_reported", E2)[:2] == (2, 5)
    records = api.shortfall(con, "2026Q3", "major_hazard_reported").set_index("隐患编号")
    assert records.loc["M3", "问题"] == "迟报 1 天"
    assert records.loc["M3", "发现至上报天数"] == 2
    assert records.loc["M4", "问题"] == "未上报" and records.loc["M5", "问题"] == "未上报"
    # With two days allowed M3 is in time; the wording states the setting.
    settings_file = tmp_path / "settings.toml"
    settings_file.write_text("[indicators]\nmajor_hazard_report_days = 2\n", encoding="utf-8")
    monkeypatch.setenv("WEIHAI_SETTINGS", str(settings_file))
    declared.reset()
    frame = api.report(con, "2026Q3", by="enterprise")
    assert pick(frame, "major_hazard_reported", E2)[:2] == (3, 5)
    item = next(i for i in INDICATORS if i.code == "major_hazard_reported")
    assert "发现日期后2天" in item.definition and "发现日期后2天" in item.practice


def test_special_operations_count_the_three_and_show_the_others_beside(con):
    # 高处 0/1, no type 1/1, 动火 2/2 → 3/4; 吊装 3 operations with 1 on site stand beside the rate.
    frame = api.report(con, "2026Q3", by=["district", "enterprise"])
    numerator, denominator, _, note = pick(frame, "special_ops_onsite", "文登区")
    assert (numerator, denominator) == (3, 4)
    assert note == "另有其他类型特殊作业 3 次（现场监督 1 次），不计入本率"
    assert pick(frame, "special_ops_onsite", E1)[3] == note
    records = api.shortfall(con, "2026Q3", "special_ops_onsite")
    assert list(records["特殊作业类型"]) == ["高处作业"]


def test_log_fill_uses_the_official_calendar_and_the_stationing_history(con):
    # 张三 at E1 from 01-05 until 09-01 (exclusive): July 23 + August 21 = 44 working days; logged on 23
    #   July weekdays (the 09-01 log is after leaving).
    # 李四 at E1 from 08-28: 08-28, 08-31, then September's 22 working days (22 weekdays − 09-25 中秋 +
    #   09-20, a Sunday worked) = 24; logged 09-20 and 09-21 (09-25 is not a working day) → 2.
    # 王五 at E2 (roster) from 09-01: 22 days, logged only on 09-25 → 0.  赵六 at E3: 66, none.
    frame = api.report(con, "2026Q3", by=["district", "enterprise"])
    assert pick(frame, "log_fill", E1)[:2] == (25, 68)
    assert pick(frame, "log_fill", E2)[:2] == (0, 22)
    assert pick(frame, "log_fill", E3)[:2] == (0, 66)
    assert pick(frame, "log_fill", "文登区")[:2] == (25, 90)
    missed = api.shortfall(con, "2026Q3", "log_fill", group=E2)
    days = list(missed["应填报日期"])
    assert len(days) == 22 and d("2026-09-20") in days and d("2026-09-25") not in days
    assert list(missed.loc[missed["应填报日期"] == d("2026-09-20"), "星期"]) == ["周日"]


def test_a_quarter_in_a_year_nobody_covers_counts_monday_to_friday_and_says_so(con):
    # 2027Q1 (not in the package, no holidays.toml entry): Jan 21 + Feb 20 + Mar 23 weekdays = 64.
    frame = api.report(con, "2027Q1", by="enterprise")
    assert pick(frame, "log_fill", E3)[:2] == (0, 64)
    note = api.calendar_note("2027Q1")
    assert note is not None and note.startswith("2027年的法定节假日和调休安排尚未收录") and "周一至周五" in note
    assert api.calendar_note("2026Q3") is None


def test_checklists_not_sent_are_not_met_and_cap_the_sums(con):
    frame = api.report(con, "2026Q3", by=["city", "district", "enterprise"])
    # 责任制: E1 是, E2 是, E3 sent none → 2/3; 机构: E1 (总监 不适用) ✓, E2 (总监 否) ✗, E3 ✗ → 1/3.
    assert pick(frame, "responsibility", "全市")[:2] == (2, 3)
    assert pick(frame, "organization", "全市")[:2] == (1, 3)
    # rules 15/15 and rewards 3/3 are 100%, but E3 is missing: at best 关注, with the count beside.
    assert pick(frame, "rules", "全市") == (15, 15, "关注", "缺报 1 家")
    assert pick(frame, "reward_payout", "全市") == (3, 3, "关注", "缺报 1 家")
    assert pick(frame, "rules", "文登区") == (15, 15, "达标", "")
    assert pick(frame, "rules", "环翠区") == (0, 0, "无数据", "缺报 1 家")
    assert pick(frame, "rules", E3)[2:] == ("无数据", "未报送本季度检查表")
    records = api.shortfall(con, "2026Q3", "organization").set_index("统一社会信用代码")
    assert records.loc[E2, "问题"] == "未配备安全总监"
    assert records.loc[E3, "问题"] == "未报送本季度检查表" and records.loc[E3, "安全总监配备"] == "未报送"
    assert E1 not in records.index


def test_an_enterprise_without_a_drill_counts_its_headcount(con):
    # E1: 8 of 10; E2: no drill → 0 of its 6 employees; E3: its drill on 2025-09-30 is outside the window → 0 of 7.
    frame = api.report(con, "2026Q3", by=["city", "enterprise"])
    assert pick(frame, "drill_participation", E2)[:2] == (0, 6)
    assert pick(frame, "drill_participation", "全市")[:2] == (8, 23)
    records = api.shortfall(con, "2026Q3", "drill_participation").set_index("统一社会信用代码")
    assert records.loc[E2, "问题"] == "12个月内未组织演练" and records.loc[E2, "应参加人数"] == 6
    assert records.loc[E1, "问题"] == "参加人数不足"


def test_every_clause_is_the_notices_own_words():
    text = notice_text()
    for item in INDICATORS:
        assert item.quote.pieces, item.code
        for piece in item.quote.pieces:
            assert piece in text, (item.code, piece)
        assert item.quote.cited.startswith("威化安转办发〔2021〕26号")
    reward = next(i for i in INDICATORS if i.code == "reward_payout")
    assert reward.name == "奖金落实率" and "举报" not in reward.definition + reward.clause


def test_the_enterprise_profile_shows_not_applicable_as_written(con):
    assert list(enterprise_checklists(con, E1)["安全总监配备"]) == ["不适用"]
    assert list(enterprise_checklists(con, E2)["安全总监配备"]) == ["否"]


UNCOVERED = "2027年的法定节假日和调休安排尚未收录"


def test_the_command_line_says_when_a_year_is_counted_monday_to_friday(db, capsys):
    code, out, err = run_main(metrics_main, capsys, "report", "--db", db, "--quarter", "2027Q1")
    assert code == 0 and f"注意：{UNCOVERED}" in out.splitlines()[1]
    code, out, err = run_main(metrics_main, capsys, "report", "--db", db, "--quarter", "2027Q1", "--format", "csv")
    assert code == 0 and out.startswith("indicator,group,") and UNCOVERED in err  # the CSV itself stays CSV
    code, out, _ = run_main(metrics_main, capsys, "report", "--db", db, "--quarter", "2026Q3")
    assert code == 0 and "尚未收录" not in out


def test_the_pack_says_when_a_year_is_counted_monday_to_friday(con):
    content = gather(con, "2027Q1")
    assert content.calendar_note.startswith(UNCOVERED)
    assert UNCOVERED in build_html(content)
    paper = docx.Document(io.BytesIO(build_brief(content)))
    assert sum(UNCOVERED in p.text for p in paper.paragraphs) == 1
    about = openpyxl.load_workbook(io.BytesIO(build_workbook(content)))["说明"]
    assert any(UNCOVERED in str(c) for row in about.iter_rows(values_only=True) for c in row if c)
    assert gather(con, "2026Q3").calendar_note is None


def test_every_page_says_when_a_year_is_counted_monday_to_friday(db, monkeypatch):
    # The quarter list offers only quarters that have ended; make 2026 one the calendar does not cover.
    monkeypatch.setattr(calendar, "covered_years", lambda: frozenset(range(2004, 2026)))
    monkeypatch.setenv("WEIHAI_DB", str(db))
    monkeypatch.setenv("WEIHAI_USERS_DB", str(db.with_name("access.sqlite3")))
    app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    app.session_state["_user"] = User("city_tester", "市化工办 测试", "市级", None)
    app.run()
    for page in ("pages/overview.py", "pages/supervision.py", "pages/hazards.py"):
        app.switch_page(page).run()
        assert not app.exception
        notes = [i.value for i in app.info if "2026年的法定节假日和调休安排尚未收录" in i.value]
        assert len(notes) == 1, page


def test_rotation_due_lists_only_supervisors_still_stationed(con):
    # As of 09-30: 张三 (E1, since 01-05) left on 09-01, so is not due; 李四 and 王五 are recent; 赵六 (E3, since
    # 07-01) is under 6 months. As of 2027-01-05, 赵六 (07-01 + 6 months = 2027-01-01) is due; 张三 still is not.
    assert api.watch(con, "2026Q3")["rotation_due"].empty
    due = api.watch(con, "2026Q4", as_of="2027-01-05")["rotation_due"]
    assert list(due["驻点监督人员"]) == ["赵六"]
