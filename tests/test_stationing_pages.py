"""驻点工作 and the enterprise profile's 驻点与交接 section through Streamlit's AppTest, on the world of
tests/stationing_world.py (2026Q3, as of its end). Figures as worked out in tests/test_stationing.py and
tests/test_scorecard.py."""
from __future__ import annotations

import functools
import json
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from access.users import User
from metrics import stationing, supervision
from tests.app_pages_support import assert_clean, open_app, show_section
from tests.stationing_world import E1, E2
from ui.text import plain

HUANCUI = User("huancui_tester", "环翠区 测试", "区市", "环翠区")


@pytest.fixture(scope="module")
def db(stationing_world, tmp_path_factory) -> Path:
    """A copy of the stationing world: the pages write their users store and audit log beside it."""
    db = tmp_path_factory.mktemp("stationing_pages") / stationing_world.name
    shutil.copy(stationing_world, db)
    return db


# the stationing pages draw the longest tables: a longer wait than the other page tests
open_page = functools.partial(open_app, timeout=120)


def frame_with(app: AppTest, *columns: str):
    """The first table on the page that has all of `columns` (a table without selection has no key in AppTest)."""
    for table in app.dataframe:
        if set(columns) <= set(table.value.columns):
            return table.value
    raise AssertionError(f"no table with columns {columns}")


def timeline_index(app: AppTest) -> int:
    titles = [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in app.get("plotly_chart")]
    return next(n for n, title in enumerate(titles) if "历任驻点人员" in title)


def download_keys(app: AppTest) -> set[str]:
    return {button.key for button in app.get("download_button")}


def test_supervision_page_shows_rotation_history_lists_and_the_scorecard(monkeypatch, db):
    app = show_section(open_page(monkeypatch, db, "pages/supervision.py"), "sv_view", "轮换与交接")
    shown = {m.label: m.value for m in app.metric}
    # 吴九 overdue by 72 days, 郑十 due in 15 days
    assert (shown["超期未轮换（人次）"], shown["应轮换（人次）"], shown["交接中（人次）"],
            shown["30天内到期（人次）"]) == ("1", "0", "0", "1")
    # the top card counts every rotation due (超期未轮换 + 应轮换 + 交接中), and says so
    assert shown["驻点满6个月待轮换（人次）"] == "1"
    rotation = frame_with(app, "轮换状态", "距应轮换日期天数")
    assert list(rotation["驻点人员"]) == ["吴九", "郑十", "周八", "李四", "赵六"]
    # the handover sheet of each rotation due (or within 30 days): 吴九's and 郑十's enterprises
    assert len(app.selectbox(key="sv_handover_pick").options) == 2
    assert {"sv_handover_docx", "sv_handover_xlsx"} <= download_keys(app)
    # E2's history: 王五, then nobody 09-01 … 09-13, then 赵六, rows in order of arrival
    show_section(app, "sv_view", "驻点经历")
    app.selectbox(key="sv_history_enterprise").set_value(E2).run()
    assert_clean(app)
    timeline = json.loads(app.get("plotly_chart")[timeline_index(app)].proto.spec)
    assert [trace["name"] for trace in timeline["data"]] == ["在驻", "已撤离", "无驻点人员"]
    assert timeline["layout"]["yaxis"]["categoryarray"] == ["王五", "赵六", "无驻点人员"]
    show_section(app, "sv_view", "考评")
    app.segmented_control(key="sv_score_district").set_value("文登区").run()
    assert_clean(app)
    card = frame_with(app, "得分", "候选").set_index("驻点人员")
    assert card["得分"].to_dict() == {"赵六": 100.0, "李四": 95.9, "周八": 91.8, "孙七": 82.7, "张三": 82.6, "王五": 76.2}
    lines = [m.value for m in app.markdown]
    assert plain("李四（威海一号化工有限公司，得分 95.9）：日志填报30/33天；必到场作业现场监督2/2次；驻点检查发现隐患2项"
                 "（驻点45天）；按期整改1/1项；重大隐患按时直报1/1项；有日志周数6/7周；离任交接无") in lines
    assert any("约谈候选" in line for line in lines) and any("表扬候选" in line for line in lines)


def test_the_rotation_due_card_is_the_sum_of_the_three_due_states(monkeypatch, db):
    """Before: the card counted 应轮换日期 <= 截至日期 by a rule of its own beside the states of 轮换与交接."""
    # As of 08-05: 张三 (E1, due 07-05, 31 days past, 李四 arrives 08-17) 超期未轮换; 吴九 (due 07-20, 16 days past)
    # 应轮换; 孙七 (E3, due 08-01, 周八 arrived 08-03) 交接中; nobody else due.
    app = show_section(open_page(monkeypatch, db, "pages/supervision.py", query={"asof": "2026-08-05"}), "sv_view",
                       "轮换与交接")
    shown = {m.label: m.value for m in app.metric}
    assert (shown["超期未轮换（人次）"], shown["应轮换（人次）"], shown["交接中（人次）"]) == ("1", "1", "1")
    assert shown["驻点满6个月待轮换（人次）"] == "3"
    [card] = [m for m in app.metric if m.label == "驻点满6个月待轮换（人次）"]
    assert "超期未轮换、应轮换、交接中各项之和" in card.help
    people = frame_with(app, "驻点天数", "轮换状态").set_index("驻点人员")["轮换状态"]
    assert sorted(people[people == "待轮换"].index) == ["吴九", "孙七", "张三"]
    assert set(supervision.ROTATION_DUE) < set(stationing.ROTATION_STATES)  # named from the one declaration


def test_enterprise_profile_shows_history_and_offers_the_handover_sheet(monkeypatch, db):
    app = open_page(monkeypatch, db, "pages/enterprise.py")
    app.selectbox(key="ent").set_value(E1).run()
    app.segmented_control(key="ent_view").set_value("驻点与交接").run()
    assert_clean(app)
    history = frame_with(app, "与前任同驻天数")
    assert list(history["驻点人员"]) == ["张三", "李四"] and list(history["与前任同驻天数"].fillna(0)) == [0, 0]
    assert {"ent_handover_docx", "ent_handover_xlsx"} <= download_keys(app)
    assert len(app.get("plotly_chart")) == 1


def test_a_district_user_scores_only_their_own_supervisors(monkeypatch, db):
    app = open_page(monkeypatch, db, "pages/supervision.py", user=HUANCUI, query={"sv_view": "考评"})
    assert app.segmented_control(key="sv_score_district").options == ["环翠区"]
    assert set(frame_with(app, "得分", "候选")["驻点人员"]) == {"吴九", "郑十"}
    show_section(app, "sv_view", "轮换与交接")
    assert set(frame_with(app, "轮换状态", "距应轮换日期天数")["区市"]) == {"环翠区"}
