"""一企一策 智能化改造 progress (metrics/retrofit.py) and the late projects' watch list, worked out by hand on a small
智能化改造台账 loaded through the ETL. 2026Q3 as of 2026-09-30.

  X 文登区: P1 done 06-20 (planned 06-30), 3 posts, 100 万元; P2 done 09-10 (planned 08-31: 10 days late), 2 posts, 50;
           P3 planned 09-29, open: 1 day late; P4 planned 09-30 (the as-of date itself), open: not late; P5 done only
           on 10-05 (after the as-of date), 4 posts not counted; all diagnosed 2025-10-01, planned 2025-11-01
  Y 环翠区: P6's plan is dated 10-15, after the as-of date: left out; P7 diagnosed 09-01, no plan date, due 2027
  Z 荣成市 (关闭): P8 late, never counted
"""
from __future__ import annotations

from datetime import date

import pytest

from metrics import api, retrofit
from tests.metrics_fixtures import CODE_A, CODE_B, CODE_D, NAME_A, NAME_B, NAME_D, ROSTER, d, load, write_xlsx
from warehouse.store import open_reader

Q = "2026Q3"
RETROFIT = ["统一社会信用代码", "诊断日期", "方案日期", "项目名称", "改造类型", "计划完成日期", "实际完成日期", "投资金额（万元）",
            "减少危险岗位人数"]
X = dict(diagnosed=d("2025-10-01"), plan=d("2025-11-01"))


def project(code, name, planned, done=None, *, diagnosed=None, plan=None, kind="机器换人", money=10.0, posts=None):
    return [code, diagnosed, plan, name, kind, d(planned), d(done) if done else None, money, posts]


PROJECTS = [
    project(CODE_A, "P1 包装机器人", "2026-06-30", "2026-06-20", **X, money=100, posts=3),
    project(CODE_A, "P2 DCS改造", "2026-08-31", "2026-09-10", **X, kind="自动化减人", money=50, posts=2),
    project(CODE_A, "P3 SIS改造", "2026-09-29", **X, kind="智能化改造", money=30),  # row 5
    project(CODE_A, "P4 装卸鹤管", "2026-09-30", **X, money=20),
    project(CODE_A, "P5 巡检机器人", "2026-12-31", "2026-10-05", **X, money=40, posts=4),
    project(CODE_B, "P6 投料系统", "2027-06-30", diagnosed=d("2026-09-01"), plan=d("2026-10-15"), money=60),
    project(CODE_B, "P7 视频分析", "2027-03-31", diagnosed=d("2026-09-01"), kind="其他", money=5),
    project(CODE_D, "P8 已关闭企业", "2026-01-31", **X, money=70),
]
ROSTER_ROWS = [
    [NAME_A, CODE_A, "文登区", "化学原料", 9, "张三", "文登区化工专项办", d("2026-01-05"), "正常生产"],
    [NAME_B, CODE_B, "环翠区", "涂料", 3, "李四", "环翠区化工专项办", d("2026-01-05"), "正常生产"],
    [NAME_D, CODE_D, "荣成市", "助剂", 1, "钱七", "荣成市化工专项办", d("2025-01-01"), "关闭"],
]


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    folder = tmp_path_factory.mktemp("retrofit_world")
    db = folder / "warehouse.duckdb"
    load([write_xlsx(folder / "名册.xlsx", "企业名册", ROSTER, ROSTER_ROWS),
          write_xlsx(folder / "改造台账.xlsx", "智能化改造台账", RETROFIT, PROJECTS)], db)
    connection = open_reader(db)
    yield connection
    connection.close()


def test_progress_by_district_with_the_total_row(con):
    frame = retrofit.retrofit_progress(con, Q)
    assert tuple(frame.columns) == retrofit.PROGRESS_COLUMNS
    rows = {r[0]: r[1:] for r in frame.itertuples(index=False, name=None)}
    # 企业数, 已诊断, 已编制方案, 有项目完成, 改造项目, 已完成, 其中逾期完成, 逾期未完成, 减少岗位, 计划投资
    assert rows["文登区"] == (1, 1, 1, 1, 5, 2, 1, 1, 5, 240.0)
    assert rows["环翠区"] == (1, 1, 0, 0, 1, 0, 0, 0, 0, 5.0)
    assert rows["荣成市"] == (0, 0, 0, 0, 0, 0, 0, 0, 0, 0.0)  # only the closed Z
    assert list(frame["区市"]) == ["环翠区", "文登区", "荣成市", "乳山市", "高区", "经区", "临港区", "南海新区", "全市"]
    assert rows["全市"] == (2, 2, 1, 1, 6, 2, 1, 1, 5, 245.0)
    assert retrofit.retrofit_line(frame) == (
        "一企一策智能化改造：全市2家企业中，2家完成智能化诊断、1家编制改造方案、1家有项目完成；改造项目6个，"
        "已完成2个（其中逾期完成1个），逾期未完成1个；已完成项目减少危险岗位5人。")


def test_progress_follows_the_as_of_date_and_the_districts(con):
    later = retrofit.retrofit_progress(con, Q, as_of="2026-10-20", districts=["环翠"])
    # by 10-20 P6's plan (10-15) counts: Y has a plan and 2 projects
    assert list(later["区市"]) == ["环翠区", "所选区市合计"]
    assert tuple(later.iloc[0][["已编制方案", "改造项目"]]) == (1, 2)


def test_projects_with_where_each_stands(con):
    frame = retrofit.retrofit_projects(con, Q, credit_code=CODE_A)
    assert [tuple(r) for r in frame[["项目名称", "进展", "实际完成日期"]].itertuples(index=False, name=None)] == [
        ("P3 SIS改造", "逾期未完成", None), ("P1 包装机器人", "已完成", date(2026, 6, 20)),
        ("P2 DCS改造", "逾期完成", date(2026, 9, 10)), ("P4 装卸鹤管", "推进中", None), ("P5 巡检机器人", "推进中", None)]
    assert list(frame["逾期天数"].fillna(-1)) == [1, -1, 10, -1, -1]
    assert set(frame["企业名称"]) == {NAME_A} and set(frame["区市"]) == {"文登区"}


def test_late_projects_watch_list(con):
    lists = api.watch(con, Q, lists=["late_retrofit_projects"])
    late = lists["late_retrofit_projects"]
    assert [tuple(r) for r in late[["统一社会信用代码", "项目名称", "逾期天数", "来源文件", "行号"]].itertuples(
        index=False, name=None)] == [(CODE_A, "P3 SIS改造", 1, "改造台账.xlsx", 5)]
    item = api.watch_list("late_retrofit_projects")
    assert item.basis.startswith("威化安转办发〔2021〕26号二（七）：“加快实施智能化改造") and "本办做法：" in item.basis
    # a day later P4 (due 09-30) is late too
    later = api.watch(con, Q, as_of="2026-10-01", lists=["late_retrofit_projects"])["late_retrofit_projects"]
    assert list(later["项目名称"]) == ["P3 SIS改造", "P4 装卸鹤管"]
