"""The reconciliation checks (metrics/reconcile.py): each rule on a hand-built case that must fire and one that must
not (tests/reconcile_world.py works every figure out by hand), the counts, the settings and the CLI."""
from __future__ import annotations

import csv
import io
import re
import string

import pytest

from cli.metrics_commands import main
from core import settings as declared
from core.policy import NOTICE, PRACTICE, notice_text
from metrics import reconcile
from tests.cli_runner import run_main
from tests.reconcile_world import CODES
from warehouse.store import open_reader

Q = "2026Q3"


@pytest.fixture(scope="module")
def con(reconcile_world):
    connection = open_reader(reconcile_world)
    yield connection
    connection.close()



def found(con, code: str, **kwargs) -> list[tuple]:
    """(credit code, supervisor, record, detail, file, row) of one check's rows, in the order listed."""
    rows = reconcile.reconcile_rows(con, Q, checks=[code], **kwargs)
    assert set(rows["检查代码"]) <= {code}
    return list(rows[["统一社会信用代码", "驻点人员", "记录", "说明", "来源文件", "行号"]].itertuples(index=False, name=None))


def with_settings(tmp_path, monkeypatch, text: str) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("WEIHAI_SETTINGS", str(path))
    declared.reset()


# --- the declarations ------------------------------------------------------------------------------

def test_every_check_is_declared_once_with_its_basis_word_for_word():
    codes = [c.code for c in reconcile.CHECKS]
    assert len(codes) == len(set(codes)) == 10
    notice = notice_text()
    for item in reconcile.CHECKS:
        assert item.nature in reconcile.NATURES, item.code
        assert item.quote or item.practice, item.code
        for piece in item.quote.pieces if item.quote else ():
            assert piece in notice, (item.code, piece)
        if item.quote:
            assert item.basis.startswith(f"{NOTICE}{item.quote.section}：“{item.quote.text}”")
        assert (PRACTICE in item.basis) == bool(item.practice)
        for text in (item.name, item.compares, item.why, item.basis):
            assert text and "\n" not in text and "{" not in text, item.code  # one line, settings filled in
        assert not set(item.name) & set(string.ascii_letters), item.code
    # a data gap says it is not a failure
    assert "不等于未上报" in reconcile.check("major_transfer_unreported").why
    with pytest.raises(reconcile.UnknownCheck, match="未知的对账检查：nope"):
        reconcile.check("nope")


def test_texts_state_the_settings(tmp_path, monkeypatch):
    assert "相差超过0个" in reconcile.check("log_vs_ledger").compares
    with_settings(tmp_path, monkeypatch, "[reconcile]\nlog_gap_days = 6\nrepeat_months = 9\n")
    assert "连续6个及以上应填报日没有日志" in reconcile.check("log_gap").compares
    assert "在其发现前9个月内已销号" in reconcile.check("repeat_hazard").compares


# --- one rule at a time: the case that fires, and the one that must not -------------------------------

def test_log_vs_ledger(con):
    # E1: logs 4 problems, ledger 1 hazard → listed, source the first log with a problem (07-02, row 4);
    # E2: ledger 3 驻点检查 hazards, logs 1 problem → listed the other way, source its first 驻点检查 hazard;
    # E3: 4 = 4, E4: 0 = 0, E5: 1 = 1, E6: 8 hazards found by the enterprise and enforcement, 0 in the logs → not.
    assert found(con, "log_vs_ledger") == [
        (CODES[2], "李四", "2026Q3 工作日志与隐患台账",
         "隐患台账本季度驻点检查发现隐患 3 项，工作日志只记录发现问题 1 个（92 篇），相差 2 个；请核对日志是否漏记发现的问题。",
         "隐患台账.xlsx", 4),
        (CODES[1], "张三", "2026Q3 工作日志与隐患台账",
         "本季度工作日志 92 篇记录发现问题 4 个，隐患台账本季度登记隐患 1 项（其中驻点检查 1 项），相差 3 个；"
         "请核对日志所记问题是否都已录入隐患台账。", "日志.xlsx", 4),
    ]


def test_director_vs_staff(con):
    # E1 says 是 with no 安全总监 on duty; E2 says 否 with 乙总监 on duty. E3 (是, 丙总监), E4 (不适用) and E5 (否,
    # none) agree with the roster.
    assert found(con, "director_vs_staff") == [
        (CODES[2], "李四", "2026Q3 季度检查表",
         "季度检查表填“安全总监配备：否”，人员台账截至 2026-09-30 有在岗安全总监 1 人（乙总监）；请核实后更正检查表或人员台账。",
         "检查表.csv", 3),
        (CODES[1], "张三", "2026Q3 季度检查表",
         "季度检查表填“安全总监配备：是”，人员台账截至 2026-09-30 没有在岗的安全总监；请核实后更正检查表，或补报安全总监的人员台账。",
         "检查表.csv", 2),
    ]


def test_headcount_vs_staff(con):
    # E2: 10 on the roster, 8 on duty (B09 left 09-15) → 20 %; E7: 3 and no staff roster. E3: 10 vs 9 is exactly
    # the 10 % tolerance → not listed; E1 5 = 5.
    assert found(con, "headcount_vs_staff") == [
        (CODES[2], "李四", "企业名册 / 人员台账",
         "企业名册从业人员数 10 人，人员台账截至 2026-09-30 在岗 8 人，相差 2 人（20.0%），超过容差 10%；请核实后更正名册人数或人员台账。",
         "名册.xlsx", 4),
        (CODES[7], "（无驻点人员）", "企业名册 / 人员台账",
         "企业名册从业人员数 3 人，人员台账截至 2026-09-30 没有该企业的在岗人员（可能未报送人员台账）；请补报人员台账。",
         "名册.xlsx", 9),
    ]


def test_major_transfer_unreported_is_a_data_gap(con):
    # M1: handed over, no 上报日期 → listed as a gap; M2 reported; M3 has no 移交部门; M8's enterprise is closed.
    rows = reconcile.reconcile_rows(con, Q, checks=["major_transfer_unreported"])
    assert list(rows["性质"]) == ["数据缺口"]
    assert found(con, "major_transfer_unreported") == [
        (CODES[6], "孙八", "隐患 M1",
         "重大隐患（2026-08-10 发现）填了移交部门“荣成市消防救援大队”，未填上报日期：台账无法说明是否已直报执法单位"
         "（数据缺口，不等于未上报）；请核实后补填上报日期和上报单位。", "隐患台账.xlsx", 19),
    ]


def test_closure_incomplete(con):
    # C2 (已销号, neither date nor 验收人) ranks before C1 (dated, no 验收人); C3 is complete, C4 is only 已整改.
    assert found(con, "closure_incomplete") == [
        (CODES[6], "孙八", "隐患 C2", "隐患已销号（整改状态“已销号”），未填销号日期和验收人；请补填后重新报送台账。",
         "隐患台账.xlsx", 15),
        (CODES[6], "孙八", "隐患 C1", "隐患已销号（整改状态“已销号”），销号日期 2026-07-08，未填验收人；请补填后重新报送台账。",
         "隐患台账.xlsx", 14),
    ]


def test_closed_before_rectified(con):
    # C5: 销号 08-01, rectified 08-05; C3 was 销号 on the day it was rectified, which is possible.
    assert found(con, "closed_before_rectified") == [
        (CODES[6], "孙八", "隐患 C5", "销号日期 2026-08-01 早于整改完成日期 2026-08-05（早 4 天）；请核实日期，未整改完成的不得销号。",
         "隐患台账.xlsx", 18),
    ]


def test_repeat_hazard(con):
    # R6 (09-01) ~ R5 (销号 07-20): pairs 11 shared of 13 + 11 → 22 / 24 = 0.92, 43 days; R2 (07-20) = R1 (销号 03-10)
    # once spaces and punctuation go, 132 days. R3 has another text; R5 came 379 days after R4's 销号 (> 12 months).
    # The supervisor is who was stationed at E3 on the day found: 王五 until 07-31, 周九 from 07-25.
    assert found(con, "repeat_hazard") == [
        (CODES[3], "周九", "隐患 R6",
         "2026-09-01 发现“可燃气体报警器未定期检测维护”（设备设施），与隐患 R5（2026-07-15 发现，2026-07-20 销号）描述几乎相同"
         "（相似度 0.92）；销号后 43 天再次出现，请分析原因、核实上次整改是否到位。", "隐患台账.xlsx", 12),
        (CODES[3], "王五", "隐患 R2",
         "2026-07-20 发现“反应釜压力表 超过检定有效期。”（设备设施），与隐患 R1（2026-03-01 发现，2026-03-10 销号）描述相同；"
         "销号后 132 天再次出现，请分析原因、核实上次整改是否到位。", "隐患台账.xlsx", 9),
    ]


def test_zero_hazard_stationed(con):
    # E4: stationed every working day (66), 81 logs, no hazard. E5 has one; E7 has none but nobody is stationed.
    assert found(con, "zero_hazard_stationed") == [
        (CODES[4], "赵六", "2026Q3 隐患台账",
         "本季度驻点 66 个工作日（赵六），工作日志 81 篇、记录发现问题 0 个，隐患台账本季度没有该企业的隐患；"
         "请了解检查开展情况，核实是否漏报台账。", "名册.xlsx", 6),
    ]


def test_log_gap(con):
    # 赵六: nothing 08-13 (Thu) … 08-19 (Wed): 5 working days, the weekend between neither breaks nor counts;
    # 09-01 … 09-04 is 4. Everyone else logs every day while stationed (王五 until the day before 撤离日期 08-01).
    assert found(con, "log_gap") == [
        (CODES[4], "赵六", "日志 2026-08-13 至 2026-08-19",
         "2026-08-13 至 2026-08-19 连续 5 个应填报的工作日没有工作日志；请派出单位了解驻点人员在岗情况。", "名册.xlsx", 6),
    ]


def test_log_gap_counts_only_up_to_the_as_of_date(con):
    # As of 08-18 the gap is 08-13, 14, 17, 18: 4 working days, below 5.
    assert found(con, "log_gap", as_of="2026-08-18") == []


def test_perfect_onsite(con):
    # 钱七: 20 days, every one equal (one 吊装作业 day, 2 operations not required on site); 孙八 25 days with one
    # short; 王五 19 perfect days, below 20.
    assert found(con, "perfect_onsite") == [
        (CODES[5], "钱七", "2026Q3 工作日志（特殊作业）",
         "本季度 20 天记录特殊作业共 40 次（其中不要求到场的类型 2 次），每天的现场监督数都等于特殊作业数；"
         "请抽查作业票和现场记录，核实是否逐项到场。", "日志.xlsx", 367),
    ]


# --- the thresholds are settings -----------------------------------------------------------------------

def test_thresholds_follow_the_settings(con, tmp_path, monkeypatch):
    with_settings(tmp_path, monkeypatch, "[reconcile]\nproblem_count_tolerance = 2\nheadcount_tolerance_pct = 5\n"
                                         "repeat_similarity = 0.95\nlog_gap_days = 4\nperfect_onsite_min_days = 19\n")
    # E1 (3 apart) stays, E2 (2 apart) goes; E3 (10 %) now exceeds 5 %; R6 (0.92) is no longer near-identical;
    # 赵六's 4-day gap is now listed; 王五's 19 perfect days are enough.
    assert [r[0] for r in found(con, "log_vs_ledger")] == [CODES[1]]
    assert [r[0] for r in found(con, "headcount_vs_staff")] == [CODES[3], CODES[2], CODES[7]]  # 环翠区 first
    assert [r[2] for r in found(con, "repeat_hazard")] == ["隐患 R2"]
    assert [r[2] for r in found(con, "log_gap")] == ["日志 2026-08-13 至 2026-08-19", "日志 2026-09-01 至 2026-09-04"]
    assert [r[1] for r in found(con, "perfect_onsite")] == ["王五", "钱七"]
    # as of 08-18 the first gap (08-13, 14, 17, 18) reaches the as-of date
    assert found(con, "log_gap", as_of="2026-08-18")[0][3] == (
        "2026-08-13 至 2026-08-18 连续 4 个应填报的工作日没有工作日志，截至日期仍未恢复；请派出单位了解驻点人员在岗情况。")


# --- counts, scope, summary -----------------------------------------------------------------------------

NAMES = [c.name for c in reconcile.CHECKS]


def test_counts_by_district(con):
    frame = reconcile.reconcile_counts(con, Q).set_index("区市")
    assert list(frame.columns) == [*NAMES, "合计"]
    assert list(frame.index) == ["环翠区", "文登区", "荣成市", "乳山市", "高区", "经区", "临港区", "南海新区"]
    assert frame["合计"].to_dict() == {"环翠区": 5, "文登区": 6, "荣成市": 4, "乳山市": 0, "高区": 0, "经区": 0,
                                      "临港区": 0, "南海新区": 0}
    assert list(frame.loc["荣成市", NAMES]) == [0, 0, 0, 1, 2, 1, 0, 0, 0, 0]


def test_counts_by_supervisor(con):
    frame = reconcile.reconcile_counts(con, Q, by="supervisor")
    assert list(frame[["驻点人员", "区市", "合计"]].itertuples(index=False, name=None)) == [
        ("孙八", "荣成市", 4), ("李四", "文登区", 3), ("赵六", "环翠区", 2), ("张三", "文登区", 2), ("钱七", "环翠区", 1),
        ("王五", "环翠区", 1), ("周九", "环翠区", 1), ("（无驻点人员）", "文登区", 1)]
    with pytest.raises(ValueError, match="未知的汇总方式"):
        reconcile.reconcile_counts(con, Q, by="enterprise")


def test_district_scope_and_one_enterprise(con):
    rows = reconcile.reconcile_rows(con, Q, districts=["环翠"])
    assert set(rows["区市"]) == {"环翠区"} and len(rows) == 5
    assert list(reconcile.reconcile_rows(con, Q, credit_code=CODES[6])["记录"]) == [
        "隐患 M1", "隐患 C2", "隐患 C1", "隐患 C5"]


def test_summary_and_the_papers_line(con):
    summary = reconcile.reconcile_summary(con, Q)
    assert list(summary["检查代码"]) == [c.code for c in reconcile.CHECKS]
    assert list(summary["发现条数"]) == [2, 2, 2, 1, 2, 1, 2, 1, 1, 1]
    assert list(summary["涉及企业"]) == [2, 2, 2, 1, 1, 1, 1, 1, 1, 1]
    assert summary.set_index("检查代码").loc["repeat_hazard", "涉及区市"] == "环翠区"
    assert reconcile.reconcile_line(summary) == (
        "对账检查：共发现15条（记录不一致6条、数据缺口3条、记录错误1条、需核实5条），"
        "最多的是“日志发现问题与隐患台账不符”2条、涉及2家企业。")


# --- the command line ----------------------------------------------------------------------------------

def test_cli_csv_has_the_columns_and_every_row(capsys, reconcile_world):
    code, out, err = run_main(main, capsys, "reconcile", "--db", reconcile_world, "--quarter", Q, "--format", "csv")
    assert code == 0 and err == ""
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["check", "district", "enterprise", "detail", "check_name", "nature", "credit_code", "supervisor",
                       "record", "source_file", "source_sheet", "source_row"]
    assert len(rows) == 1 + 15
    assert rows[1][:3] == ["log_vs_ledger", "文登区", "威海二号化工有限公司"]
    assert ["log_gap", "环翠区", "威海四号化工有限公司"] == next(r[:3] for r in rows if r[0] == "log_gap")


def test_cli_table_filters_by_district_and_check(capsys, reconcile_world):
    code, out, _ = run_main(main, capsys, "reconcile", "--db", reconcile_world, "--quarter", Q, "--district", "环翠",
                            "--check", "repeat_hazard", "--check", "log_gap")
    assert code == 0
    assert out.startswith("2026年第三季度（2026Q3），截至 2026-09-30，范围：环翠区\n")
    assert re.search(r"repeat_hazard\s+隐患销号后反复出现\s+需核实\s+2\n", out)
    assert re.search(r"log_gap\s+驻点日志连续断档\s+需核实\s+1\n", out)
    assert "隐患 R6" in out and "隐患 R2" in out and "日志 2026-08-13 至 2026-08-19" in out
    assert "log_vs_ledger" not in out


def test_cli_usage_errors(capsys, reconcile_world, tmp_path):
    code, _, err = run_main(main, capsys, "reconcile", "--db", reconcile_world, "--check", "nope")
    assert code == 2 and "参数 --check 的取值“nope”无效" in err
    code, _, err = run_main(main, capsys, "reconcile", "--db", reconcile_world, "--quarter", "2026Q5")
    assert code == 2 and err.startswith("用法错误")
    code, _, err = run_main(main, capsys, "reconcile", "--db", tmp_path / "none.duckdb", "--quarter", Q)
    assert code == 1 and "找不到数据库文件" in err


def test_rows_frame_is_what_the_page_shows(con):
    rows = reconcile.reconcile_rows(con, Q)
    assert tuple(rows.columns) == reconcile.ROW_COLUMNS
    assert rows["行号"].dtype.kind == "i" and not rows["来源文件"].isna().any() and len(rows) == 15
