"""数据可信度 (pages/reconcile.py) and the 直通车 / 一企一策 sections of 隐患整改, 企业画像 and 驻点工作, through
Streamlit's AppTest on the world of tests/reconcile_world.py (2026Q3, as of 2026-09-30; every count is worked out
there by hand)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from access.users import User
from metrics import reconcile
from tests.app_pages_support import assert_clean, SECTION_KEYS, each_section, open_app, show_section
from tests.app_warehouse import build_empty_warehouse
from tests.reconcile_world import CODES

HUANCUI_USER = User("huancui_tester", "环翠区 测试", "区市", "环翠区")


@pytest.fixture(scope="module")
def world(reconcile_world, tmp_path_factory) -> Path:
    """A copy of the reconciliation world: the page writes its users store and audit log beside it."""
    db = tmp_path_factory.mktemp("reconcile_page") / reconcile_world.name
    shutil.copy(reconcile_world, db)
    return db


def metrics_of(app: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


def frame_with(app: AppTest, *columns: str):
    """The first table whose first column is `columns[0]` and that has all of `columns` (plain tables carry no
    key in AppTest)."""
    for table in app.dataframe:
        if table.value.columns[0] == columns[0] and set(columns) <= set(table.value.columns):
            return table.value
    raise AssertionError(f"no table with columns {columns}")


def test_counts_by_check_district_and_supervisor(monkeypatch, world):
    app = open_app(monkeypatch, world, "pages/reconcile.py")
    assert app.title[0].value == "数据可信度"
    assert [metrics_of(app)[c.name] for c in reconcile.CHECKS] == ["2", "2", "2", "1", "2", "1", "2", "1", "1", "1"]
    districts = frame_with(app, "区市", "合计").set_index("区市")
    assert districts["合计"].to_dict() == {"环翠区": 5, "文登区": 6, "荣成市": 4, "乳山市": 0, "高区": 0, "经区": 0,
                                          "临港区": 0, "南海新区": 0}
    assert districts.loc["荣成市", "销号记录不全"] == 2
    people = frame_with(app, "驻点人员", "合计").set_index("驻点人员")
    assert people["合计"].to_dict() == {"孙八": 4, "李四": 3, "赵六": 2, "张三": 2, "钱七": 1, "王五": 1, "周九": 1,
                                        "（无驻点人员）": 1}
    assert len(frame_with(app, "检查项", "说明", "来源文件")) == 15
    about = frame_with(app, "检查项", "比对内容", "为什么要查", "依据")
    assert list(about["检查项"]) == [c.name for c in reconcile.CHECKS]


def test_each_card_says_the_period_it_counts(monkeypatch, world):
    app = open_app(monkeypatch, world, "pages/reconcile.py")
    periods = {m.label: m.delta for m in app.metric}
    # the ledger's closures and the major hazards found by the as-of date in any quarter; the staff roster on that
    # date; the rest this quarter's records (the overview's words: 本季度 / 截至9月30日累计 / 截至9月30日)
    assert periods == {c.name: "本季度" for c in reconcile.CHECKS} | {
        "重大隐患填了移交部门、未填上报日期": "截至9月30日累计", "销号记录不全": "截至9月30日累计",
        "销号早于整改完成": "截至9月30日累计", "从业人员数与人员台账不符": "截至9月30日"}
    assert all(m.proto.color == 2 for m in app.metric)  # grey: a period, not a change


def test_drill_to_the_rows_with_their_source_file_and_row(monkeypatch, world):
    app = open_app(monkeypatch, world, "pages/reconcile.py")
    app.selectbox(key="rc_check").set_value("repeat_hazard").run()
    assert_clean(app)
    rows = frame_with(app, "检查项", "说明", "来源文件")
    assert list(rows[["记录", "驻点人员", "来源文件", "行号"]].itertuples(index=False, name=None)) == [
        ("隐患 R6", "周九", "隐患台账.xlsx", 12), ("隐患 R2", "王五", "隐患台账.xlsx", 9)]
    assert "检查代码" not in rows.columns
    app.selectbox(key="rc_person").set_value("王五").run()
    assert list(frame_with(app, "检查项", "说明", "来源文件")["记录"]) == ["隐患 R2"]
    app.selectbox(key="rc_check").set_value("全部").run()
    app.selectbox(key="rc_person").set_value("全部").run()
    app.selectbox(key="rc_where").set_value("荣成市").run()
    assert list(frame_with(app, "检查项", "说明", "来源文件")["记录"]) == ["隐患 M1", "隐患 C2", "隐患 C1", "隐患 C5"]


def test_a_district_user_sees_only_their_district(monkeypatch, world):
    app = open_app(monkeypatch, world, "pages/reconcile.py", user=HUANCUI_USER)
    shown = metrics_of(app)
    assert [shown[c.name] for c in reconcile.CHECKS] == ["0", "0", "0", "0", "0", "0", "2", "1", "1", "1"]
    assert list(frame_with(app, "区市", "合计")["区市"]) == ["环翠区"]
    rows = frame_with(app, "检查项", "说明", "来源文件")
    assert set(rows["区市"]) == {"环翠区"} and len(rows) == 5
    assert set(frame_with(app, "驻点人员", "合计")["驻点人员"]) == {"赵六", "钱七", "王五", "周九"}


def test_hazards_page_direct_line_section(monkeypatch, world):
    # E6: M1 (handed over, no 上报日期), M2 (reported the day found), M3 (unreported) — all overdue on 09-30
    # (deadline = found + 30 days); M1 and M2 are also 移交 items without a 移交日期, unanswered after 30 days.
    app = show_section(open_app(monkeypatch, world, "pages/hazards.py"), "hz_view", "直通车")
    shown = metrics_of(app)
    assert (shown["跟踪的重大隐患"], shown["跟踪的移交事项"], shown["有超时环节"], shown["有数据缺口"]) == ("3", "2", "5", "3")
    summary = frame_with(app, "区市", "办结超时", "挂牌督办").set_index("区市")
    assert summary.loc["荣成市"].to_dict() == {"重大隐患": 3, "上报超时": 1, "整改超期": 3, "销号超时": 0, "挂牌督办": 0,
                                              "移交事项": 2, "办结超时": 2, "数据缺口": 3}
    items = frame_with(app, "类别", "当前环节", "超时环节")
    assert list(items["隐患编号"]) == ["M1", "M2", "M3", "M1", "M2"]
    picked = app.selectbox(key="hz_direct_pick")
    assert picked.value == f"major/{CODES[6]}/M1"
    stages = frame_with(app, "类别", "环节", "时限日期")
    assert list(stages[["环节", "状态"]].itertuples(index=False, name=None)) == [
        ("发现", "已发现"), ("上报", "未填上报日期"), ("立案", "未记录"), ("整改", "超期未整改"), ("验收销号", "未到此环节")]
    titles = [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in app.get("plotly_chart")]
    assert "重大隐患 M1（威海六号化工有限公司，督办级别：未填）" in titles


def test_enterprise_profile_direct_line_and_retrofit(monkeypatch, world):
    app = open_app(monkeypatch, world, "pages/enterprise.py")
    app.selectbox(key="ent").set_value(CODES[6]).run()
    app.segmented_control(key="ent_view").set_value("直通车").run()
    assert_clean(app)
    items = frame_with(app, "类别", "当前环节", "超时环节")
    assert list(zip(items["类别"], items["隐患编号"])) == [
        ("重大隐患", "M1"), ("重大隐患", "M2"), ("重大隐患", "M3"), ("移交事项", "M1"), ("移交事项", "M2")]
    app.segmented_control(key="ent_view").set_value("一企一策").run()
    assert_clean(app)
    assert any(i.value == "该企业的智能化改造台账中没有项目。" for i in app.info)


def test_supervision_page_retrofit_section_without_a_ledger(monkeypatch, world):
    app = show_section(open_app(monkeypatch, world, "pages/supervision.py"), "sv_view", "一企一策")
    progress = frame_with(app, "区市", "已编制方案").set_index("区市")
    assert progress.loc["全市", "企业数"] == 7 and progress["改造项目"].sum() == 0
    assert any(m.value.startswith("一企一策智能化改造：全市7家企业中，0家完成智能化诊断") for m in app.markdown)


@pytest.mark.parametrize("page", ["pages/reconcile.py", "pages/hazards.py", "pages/supervision.py"])
def test_an_empty_warehouse_shows_no_data_instead_of_errors(monkeypatch, tmp_path, page):
    app = open_app(monkeypatch, build_empty_warehouse(tmp_path), page)
    texts = [i.value for i in app.info]
    if page == "pages/reconcile.py":
        assert all(m.value == "0" for m in app.metric) and len(app.metric) == len(reconcile.CHECKS)
        assert "所选范围内没有需要对账的记录。" in texts
        return
    # every section of the page, each drawn without an error (each_section checks)
    drawn = [(list(section.info), list(section.markdown)) for section in each_section(app, SECTION_KEYS[page])]
    texts = [i.value for infos, _ in drawn for i in infos]
    lines = [m.value for _, markdown in drawn for m in markdown]
    if page == "pages/hazards.py":
        assert "2026年第三季度没有需要跟踪的重大隐患或移交事项（截至 2026年9月30日（季度末））。" in texts
    else:
        assert any(line.startswith("一企一策智能化改造：全市0家企业中") for line in lines)
