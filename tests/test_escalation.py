"""直通车 timelines (metrics/escalation.py), worked out by hand on a small ledger loaded through the ETL in two
versions (the second adds MJ1's 执法立案情况). 2026Q3 as of 2026-09-30; limits: 上报 1 day, 验收销号 15 days,
移交办结 30 days.

  X 文登区: MJ1 found 07-01, reported 07-02 (1 day: on time), case only in the second ledger, due 08-01, rectified
            07-30 (29 of 31 days), 销号 08-20 (21 days > 15: late)                       → 已闭环, 验收销号·超时
            MJ2 found 08-01, reported 08-04 (3 days: 2 late), due 09-01, not rectified, 市级挂牌督办 → 整改·超期未整改
            MJ3 found 09-10, 移交 09-11 to 文登区消防救援大队, no 上报日期 (a gap); as a 移交 item 19 days, open
            MJ4 found 09-29, not reported: 09-30 is still within 1 day                     → 上报·未到期
            MJ5 found 05-01, 销号 06-10: closed before the quarter, only in the enterprise's history
  Y 环翠区: TR1 found 06-01, 移交 06-02, no reply: 120 days                               → 办结·超时未办结
            TR2 found 07-01, 移交 07-03, answered 08-10 (38 days)                           → 已闭环, 办结·超时办结
            TR3 found 05-01, answered 05-20: before the quarter, left out
            TR4 found 07-05, 移交部门 but no 移交日期, 已销号 07-20                          → 已闭环, two gaps
  Z 荣成市 (关闭): a major hazard, never shown
"""
from __future__ import annotations

from datetime import date

import pytest

from core import settings as declared
from metrics import escalation
from tests.metrics_fixtures import CODE_A, CODE_B, CODE_D, NAME_A, NAME_B, NAME_D, ROSTER, d, load, write_xlsx
from warehouse.store import open_reader

Q = "2026Q3"
HAZARDS = ["隐患编号", "统一社会信用代码", "发现日期", "检查方式", "隐患类别", "隐患等级", "隐患描述", "整改责任人", "整改期限",
           "整改完成日期", "整改状态", "销号日期", "验收人", "上报日期", "上报单位", "执法立案情况", "移交部门", "移交日期",
           "移交办结日期", "督办级别"]


def row(hazard_id, code, found, deadline, *, level="重大隐患", rectified=None, status="整改中", closed=None,
        acceptor=None, reported=None, unit=None, case=None, to=None, handed=None, answered=None, supervision=None):
    day = lambda text: d(text) if text else None  # noqa: E731
    return [hazard_id, code, d(found), "驻点检查", "设备设施", level, f"{hazard_id} 的描述", "责任人甲", d(deadline),
            day(rectified), status, day(closed), acceptor, day(reported), unit, case, to, day(handed), day(answered),
            supervision]


MJ1 = dict(rectified="2026-07-30", status="已销号", closed="2026-08-20", acceptor="验收甲", reported="2026-07-02",
           unit="文登区应急管理局", supervision="无")
FIRST = [
    row("MJ1", CODE_A, "2026-07-01", "2026-08-01", **MJ1),
    row("MJ5", CODE_A, "2026-05-01", "2026-06-01", rectified="2026-06-05", status="已销号", closed="2026-06-10",
        acceptor="验收甲", reported="2026-05-01", unit="文登区应急管理局"),
]
SECOND = [
    row("MJ1", CODE_A, "2026-07-01", "2026-08-01", **MJ1, case="已立案（威文应急立〔2026〕8号）"),
    row("MJ2", CODE_A, "2026-08-01", "2026-09-01", reported="2026-08-04", unit="威海市应急管理局",
        supervision="市级挂牌督办"),
    row("MJ3", CODE_A, "2026-09-10", "2026-10-10", to="文登区消防救援大队", handed="2026-09-11"),
    row("MJ4", CODE_A, "2026-09-29", "2026-10-29"),
    row("TR1", CODE_B, "2026-06-01", "2026-06-30", level="一般隐患", to="环翠区市场监督管理局", handed="2026-06-02"),
    row("TR2", CODE_B, "2026-07-01", "2026-07-31", level="一般隐患", rectified="2026-07-20", status="已整改",
        to="环翠区消防救援大队", handed="2026-07-03", answered="2026-08-10"),
    row("TR3", CODE_B, "2026-05-01", "2026-05-31", level="一般隐患", rectified="2026-05-10", status="已整改",
        to="环翠区消防救援大队", handed="2026-05-02", answered="2026-05-20"),
    row("TR4", CODE_B, "2026-07-05", "2026-07-31", level="一般隐患", rectified="2026-07-15", status="已销号",
        closed="2026-07-20", acceptor="验收乙", to="环翠区市场监督管理局"),
    row("MZ", CODE_D, "2026-08-01", "2026-08-10"),
]
ROSTER_ROWS = [
    [NAME_A, CODE_A, "文登区", "化学原料", 9, "张三", "文登区化工专项办", d("2026-01-05"), "正常生产"],
    [NAME_B, CODE_B, "环翠区", "涂料", 3, "李四", "环翠区化工专项办", d("2026-01-05"), "正常生产"],
    [NAME_D, CODE_D, "荣成市", "助剂", 1, "钱七", "荣成市化工专项办", d("2025-01-01"), "关闭"],
]


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    folder = tmp_path_factory.mktemp("escalation_world")
    db = folder / "warehouse.duckdb"
    load([write_xlsx(folder / "名册.xlsx", "企业名册", ROSTER, ROSTER_ROWS),
          write_xlsx(folder / "台账8月.xlsx", "隐患台账", HAZARDS, FIRST)], db)
    load([write_xlsx(folder / "台账9月.xlsx", "隐患台账", HAZARDS, SECOND)], db)
    connection = open_reader(db)
    yield connection
    connection.close()



def rows_of(frame, columns: list[str]) -> list[tuple]:
    """The rows of these columns, a missing value (NaN) as None."""
    return [tuple(None if v != v else v for v in r) for r in frame[columns].itertuples(index=False, name=None)]


def stages(con, hazard_id: str, kind: str = "重大隐患", **kwargs) -> list[tuple]:
    frame = escalation.timelines(con, Q, **kwargs)
    mine = frame[(frame["隐患编号"] == hazard_id) & (frame["类别"] == kind)]
    return rows_of(mine, ["环节", "日期", "单位或人员", "天数", "时限（天）", "时限日期", "状态", "说明"])


def test_a_major_hazard_closed_late_step_by_step(con):
    assert stages(con, "MJ1") == [
        ("发现", date(2026, 7, 1), "驻点检查", None, None, None, "已发现", "驻点检查发现"),
        ("上报", date(2026, 7, 2), "文登区应急管理局", 1, 1, date(2026, 7, 2), "按时", ""),
        ("立案", None, "已立案（威文应急立〔2026〕8号）", None, None, None, "已记录", "台账不记立案日期；首见于 台账9月.xlsx"),
        ("整改", date(2026, 7, 30), "责任人甲", 29, 31, date(2026, 8, 1), "按期", ""),
        ("验收销号", date(2026, 8, 20), "验收甲", 21, 15, date(2026, 8, 14), "超时", ""),
    ]


def test_a_late_report_and_an_overdue_rectification(con):
    assert stages(con, "MJ2") == [
        ("发现", date(2026, 8, 1), "驻点检查", None, None, None, "已发现", "驻点检查发现"),
        ("上报", date(2026, 8, 4), "威海市应急管理局", 3, 1, date(2026, 8, 2), "超时", "迟报 2 天"),
        ("立案", None, None, None, None, None, "未记录", "台账未填执法立案情况"),
        ("整改", None, "责任人甲", 60, 31, date(2026, 9, 1), "超期未整改", "超期 29 天"),
        ("验收销号", None, None, None, 15, None, "未到此环节", ""),
    ]


def test_a_handed_over_major_hazard_is_two_items_and_its_missing_report_a_gap(con):
    assert stages(con, "MJ3")[1] == (
        "上报", None, None, 20, 1, date(2026, 9, 11), "未填上报日期",
        "填了移交部门“文登区消防救援大队”，未填上报日期：数据缺口，不等于未上报，请核实补填")
    assert stages(con, "MJ3", "移交事项") == [
        ("发现", date(2026, 9, 10), "驻点检查", None, None, None, "已发现", "驻点检查发现"),
        ("移交", date(2026, 9, 11), "文登区消防救援大队", 1, None, None, "已移交", ""),
        ("办结", None, "文登区消防救援大队", 19, 30, date(2026, 10, 11), "办理中", "移交后已 19 天无办结日期"),
    ]


def test_the_report_limit_counts_whole_days(con):
    # found 09-29, as of 09-30 = found + 1 day: still within the limit
    assert stages(con, "MJ4")[1] == ("上报", None, None, 1, 1, date(2026, 9, 30), "未到期", "发现后已 1 天未上报")
    # a day later it is late
    assert stages(con, "MJ4", as_of="2026-10-01")[1][6] == "超时未上报"


def test_handovers(con):
    assert stages(con, "TR1", "移交事项")[2] == (
        "办结", None, "环翠区市场监督管理局", 120, 30, date(2026, 7, 2), "超时未办结", "移交后已 120 天无办结日期")
    assert stages(con, "TR2", "移交事项")[2] == (
        "办结", date(2026, 8, 10), "环翠区消防救援大队", 38, 30, date(2026, 8, 2), "超时办结", "")
    assert stages(con, "TR4", "移交事项")[1:] == [
        ("移交", None, "环翠区市场监督管理局", None, None, None, "未填移交日期", "未填移交日期，办结天数按发现日期计，请补填"),
        ("办结", None, "环翠区市场监督管理局", None, 30, date(2026, 8, 4), "已销号未填办结日期",
         "隐患已销号，视为移交已有结果；请补填移交日期和办结日期"),
    ]


def test_items_of_the_quarter_and_where_each_stands(con):
    items = escalation.escalation_items(con, Q)
    assert tuple(items.columns) == escalation.ITEM_COLUMNS
    # breaches first; MJ5 and TR3 were closed before the quarter; MZ's enterprise is closed
    assert rows_of(items, ["类别", "隐患编号", "当前环节", "已历时天数", "超时环节", "数据缺口"]) == [
        ("重大隐患", "MJ1", "已闭环", 50, "验收销号·超时", ""),
        ("重大隐患", "MJ2", "整改·超期未整改", 60, "上报·超时；整改·超期未整改", ""),
        ("移交事项", "TR1", "办结·超时未办结", 121, "办结·超时未办结", ""),
        ("移交事项", "TR2", "已闭环", 40, "办结·超时办结", ""),
        ("重大隐患", "MJ3", "上报·未填上报日期", 20, "", "上报·未填上报日期"),
        ("重大隐患", "MJ4", "上报·未到期", 1, "", ""),
        ("移交事项", "TR4", "已闭环", None, "", "移交·未填移交日期；办结·已销号未填办结日期"),  # 环翠区 before 文登区
        ("移交事项", "MJ3", "办结·办理中", 20, "", ""),
    ]
    assert list(items["督办级别"][:2]) == ["无", "市级挂牌督办"]
    assert list(items["企业名称"][:3]) == [NAME_A, NAME_A, NAME_B] and list(items["区市"][:3]) == ["文登区", "文登区", "环翠区"]
    history = escalation.escalation_items(con, Q, credit_code=CODE_A, history=True)
    assert sorted(history["隐患编号"]) == ["MJ1", "MJ2", "MJ3", "MJ3", "MJ4", "MJ5"]


def test_summary_by_district(con):
    summary = escalation.escalation_summary(con, Q).set_index("区市")
    assert tuple(summary.reset_index().columns) == escalation.SUMMARY_COLUMNS
    assert summary.loc["文登区"].to_dict() == {"重大隐患": 4, "上报超时": 1, "整改超期": 1, "销号超时": 1, "挂牌督办": 1,
                                              "移交事项": 1, "办结超时": 0, "数据缺口": 1}
    assert summary.loc["环翠区"].to_dict() == {"重大隐患": 0, "上报超时": 0, "整改超期": 0, "销号超时": 0, "挂牌督办": 0,
                                              "移交事项": 3, "办结超时": 2, "数据缺口": 1}
    assert summary.loc["荣成市"].sum() == 0


def test_limits_are_settings(con, tmp_path, monkeypatch):
    path = tmp_path / "settings.toml"
    path.write_text("[escalation]\nclose_days = 25\n[indicators]\nmajor_hazard_report_days = 3\n", encoding="utf-8")
    monkeypatch.setenv("WEIHAI_SETTINGS", str(path))
    declared.reset()
    assert stages(con, "MJ1")[4][3:7] == (21, 25, date(2026, 8, 24), "按时")
    assert stages(con, "MJ2")[1][3:7] == (3, 3, date(2026, 8, 4), "按时")
