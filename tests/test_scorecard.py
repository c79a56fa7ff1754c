"""The supervisor scorecard (本办做法) of 文登区 in 2026Q3, as of 2026-09-30, worked out by hand from
tests/stationing_world.py. Default weights: 日志 25, 现场监督 20, 发现隐患 10, 按期整改 15, 重大隐患直报 10,
周报 10, 交接 10; 1 hazard per 30 days stationed scores full; 30 days to be ranked; 2 candidates each way."""
from __future__ import annotations

import pandas as pd
import pytest

from access.scope import OutOfScope, Scope, scoped_call
from core import settings as declared
from core.policy import notice_text
from metrics import stationing
from tests.policy_quotes import misquoted, quoted_clauses
from tests.stationing_world import E1

Q3 = "2026Q3"
ITEMS = ["驻点天数", "应填报天数", "已填报天数", "必到场作业数", "现场监督数", "驻点检查发现隐患数", "应判定按期整改隐患数",
         "按期整改隐患数", "发现重大隐患数", "按时直报数", "应报周数", "有日志周数", "应交接次数", "已交接次数"]


def card(stationing_con, **kwargs) -> pd.DataFrame:
    return stationing.scorecard(stationing_con, Q3, districts=["文登区"], **kwargs).set_index("驻点人员")


def test_wendeng_scorecard_counts_worked_out_by_hand(stationing_con):
    frame = card(stationing_con)
    counts = {who: [int(v) for v in frame.loc[who, ITEMS]] for who in frame.index}
    assert counts == {
        # 张三 07-01 … 08-16 (47 days). Logs 31 of 33 working days. 动火 2/2 and 高处 1/0 on site (吊装 left out).
        # Found by 驻点检查: A1 (07-10), A2 (08-05); both judged (rectified), A1 on time, A2 five days late.
        # Weeks with a due day: 06-29 … 08-10 = 7, each with a log. Left 08-17 with 李四 to follow, 交接 08-14.
        "张三": [47, 33, 31, 3, 2, 2, 2, 1, 0, 0, 7, 7, 1, 1],
        # 李四 08-17 … 09-30 (45). Logs 30 of 33. 设备检维修 2/2. A3 (驻点检查, 重大, reported the next day, due
        # 10-31: not judged) and A5 (no 检查方式, rectified the day before its deadline); A4 (企业自查) not his.
        # Weeks 08-17 … 09-28 = 7; none logged in the week of 09-28.
        "李四": [45, 33, 30, 2, 2, 2, 1, 1, 1, 1, 7, 6, 0, 0],
        # 王五 07-01 … 08-31 (62). Logs 39 of 44 (the week of 07-20 missed: 9 of 10 weeks). B1 (重大, rectified on
        # time, reported 4 days after finding: late). Left 09-01 with 赵六 to follow, 交接 08-31.
        "王五": [62, 44, 39, 0, 0, 1, 1, 1, 1, 0, 10, 9, 1, 1],
        # 赵六 09-14 … 09-30 (17). Logs 13 of 13, 3 of 3 weeks. B3 open within its deadline: not judged. B2 was
        # found in the gap (09-05): nobody's.
        "赵六": [17, 13, 13, 0, 0, 1, 0, 0, 0, 0, 3, 3, 0, 0],
        # 孙七 07-01 … 08-07 (38). Logs 28 of 28, 6 of 6 weeks. C1 (08-05, the handover week) on time. Left 08-08,
        # 周八 followed, no 交接日期.
        "孙七": [38, 28, 28, 0, 0, 1, 1, 1, 0, 0, 6, 6, 1, 0],
        # 周八 08-03 … 09-30 (59). Logs 43 of 43, 9 of 9 weeks. C1 counts for him too; C2 (执法检查) does not.
        "周八": [59, 43, 43, 0, 0, 1, 1, 1, 0, 0, 9, 9, 0, 0],
    }


def test_wendeng_scores_ranks_and_candidates_worked_out_by_hand(stationing_con):
    frame = card(stationing_con)
    # Σ weight × rate / Σ weight of the items with data, × 100:
    # 张三 (25·31/33 + 20·2/3 + 10·1 + 15·1/2 + 10·1 + 10·1) / 90 = 74.318 / 90 → 82.6 (no 重大隐患: 直报 left out;
    #      2 hazards in 47 days = 1.28 a month ≥ 1: full)
    # 李四 (25·30/33 + 20·1 + 10·1 + 15·1 + 10·1 + 10·6/7) / 90 = 86.299 / 90 → 95.9 (no handover due)
    # 王五 (25·39/44 + 10·(30/62) + 15·1 + 10·0 + 10·9/10 + 10·1) / 80 = 60.998 / 80 → 76.2 (no special operations)
    # 赵六 (25·1 + 10·1 + 10·1) / 45 → 100.0, but 17 days: not ranked
    # 孙七 (25·1 + 10·(30/38) + 15·1 + 10·1 + 10·0) / 70 = 57.895 / 70 → 82.7
    # 周八 (25·1 + 10·(30/59) + 15·1 + 10·1) / 60 = 55.085 / 60 → 91.8
    assert frame["得分"].to_dict() == {"李四": 95.9, "周八": 91.8, "孙七": 82.7, "张三": 82.6, "王五": 76.2, "赵六": 100.0}
    assert list(frame.index) == ["赵六", "李四", "周八", "孙七", "张三", "王五"]  # by score; the unranked too
    assert frame["区内排名"].dropna().astype(int).to_dict() == {"李四": 1, "周八": 2, "孙七": 3, "张三": 4, "王五": 5}
    assert frame["候选"].to_dict() == {"赵六": "驻点不足30天，不排名", "李四": "表扬候选", "周八": "表扬候选", "孙七": "",
                                      "张三": "约谈候选", "王五": "约谈候选"}
    assert frame.loc["张三", "依据"] == ("日志填报31/33天；必到场作业现场监督2/3次；驻点检查发现隐患2项（驻点47天）；"
                                       "按期整改1/2项；重大隐患按时直报无；有日志周数7/7周；离任交接1/1次")
    wang = frame.loc["王五"]
    assert (wang["日志填报率（%）"], wang["每驻点月发现隐患数"], wang["按时直报率（%）"], wang["交接完成率（%）"]) == \
        (88.6, 0.48, 0.0, 100.0)
    assert pd.isna(wang["现场监督率（%）"])  # no special operation logged: no data, not 0


def test_weights_are_settings(stationing_con, tmp_path, monkeypatch):
    path = tmp_path / "settings.toml"
    path.write_text("[scorecard]\nweight_log_fill = 1\nweight_onsite = 0\nweight_hazards_found = 0\n"
                    "weight_on_time = 0\nweight_major_reported = 0\nweight_weekly = 0\nweight_handover = 0\n"
                    "candidates = 1\n", encoding="utf-8")
    monkeypatch.setenv(declared.SETTINGS_ENV_VAR, str(path))
    declared.reset()
    frame = card(stationing_con)
    # the score is the log fill alone: 31/33 → 93.9, 30/33 → 90.9, 39/44 → 88.6, all logged → 100
    assert frame["得分"].to_dict() == {"孙七": 100.0, "周八": 100.0, "赵六": 100.0, "张三": 93.9, "李四": 90.9,
                                     "王五": 88.6}
    # 孙七 and 周八 tie at the top: both candidates; one candidate at the bottom
    assert frame["候选"].to_dict() == {"孙七": "表扬候选", "周八": "表扬候选", "赵六": "驻点不足30天，不排名", "张三": "",
                                      "李四": "", "王五": "约谈候选"}
    assert "日志填报率（权重 1，" in stationing.scorecard_weights_text()


def test_a_district_user_sees_only_their_own_supervisors(stationing_con):
    huancui = Scope(("环翠区",))
    frame = scoped_call(stationing.scorecard, stationing_con, huancui, Q3, districts=["文登区"])
    assert set(frame["区市"]) == {"环翠区"} and set(frame["驻点人员"]) == {"吴九", "郑十"}
    history = scoped_call(stationing.stationing_history, stationing_con, huancui, Q3, credit_code=E1)
    assert history.empty  # 文登区's enterprise, asked for by code: nothing
    with pytest.raises(OutOfScope):
        scoped_call(stationing.handover_records, stationing_con, huancui, E1, as_of="2026-09-30")


def test_the_scorecard_cites_the_clauses_it_serves_and_says_it_is_the_offices_own():
    text = stationing.scorecard_weights_text() + stationing.SCORECARD_BASIS.cited
    assert len(quoted_clauses(text)) == 8 and misquoted(text) == []
    assert stationing.SCORECARD_PRACTICE.startswith("本办做法：")
    assert all(quote.text in notice_text() for _, _, quote, _ in stationing.SCORECARD_ITEMS)
