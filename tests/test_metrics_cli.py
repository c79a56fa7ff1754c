"""`python -m metrics`: output formats, exit codes and Chinese messages."""
from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cli.metrics_commands import main
from tests.cli_runner import run_main
from tests.metrics_fixtures import CODE_A, CODE_B, world_db

PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return str(world_db(tmp_path_factory))


def run(capsys, *argv):
    return run_main(main, capsys, *argv)


def csv_rows(text):
    return list(csv.reader(io.StringIO(text)))


def test_report_csv_by_district(capsys, db):
    code, out, err = run(capsys, "report", "--db", db, "--quarter", "2026Q3", "--by", "district", "--format", "csv")
    assert code == 0 and err == ""
    rows = csv_rows(out)
    assert rows[0] == ["indicator", "group", "numerator", "denominator", "rate", "note"]
    assert len(rows) == 1 + 11 * 8
    # 文登区 certification 4/7 = 0.571428… → 0.5714; 乳山市 has no data → empty rate.
    assert ["certification", "文登区", "4", "7", "0.5714", ""] in rows
    assert ["certification", "乳山市", "0", "0", "", ""] in rows
    assert ["reward_payout", "文登区", "4", "4", "1.0000", ""] in rows
    # 环翠区's enterprise sent no Q3 checklist; 文登区's 吊装 and 受限空间 operations stand beside the rate.
    assert ["reward_payout", "环翠区", "0", "0", "", "缺报 1 家"] in rows
    assert ["special_ops_onsite", "文登区", "6", "7", "0.8571", "另有其他类型特殊作业 2 次（现场监督 1 次），不计入本率"] in rows


def test_report_csv_city_with_district_alias(capsys, db):
    code, out, _ = run(capsys, "report", "--db", db, "--quarter", "2026年第三季度", "--district", "文登",
                       "--format", "csv")
    assert code == 0
    rows = csv_rows(out)
    # one district's total is not the city's: it is never labelled 全市
    assert rows[1] == ["certification", "所选区市合计", "4", "7", "0.5714", ""]
    assert ["log_fill", "所选区市合计", "30", "99", "0.3030", ""] in rows


def test_report_csv_of_some_districts_labels_their_total_as_the_selection(capsys, db):
    """Before: `--by city --district 文登区 --district 荣成市` labelled the two districts' total 全市."""
    code, out, _ = run(capsys, "report", "--db", db, "--quarter", "2026Q3", "--by", "city", "--district", "文登区",
                       "--district", "荣成市", "--format", "csv")
    assert code == 0
    rows = csv_rows(out)
    assert {row[1] for row in rows[1:]} == {"所选区市合计"} and len(rows) == 1 + 11
    every = ["report", "--db", db, "--quarter", "2026Q3", "--by", "city", "--format", "csv"]
    for district in ("环翠区", "文登区", "荣成市", "乳山市", "高区", "经区", "临港区", "南海新区"):
        every += ["--district", district]
    code, out, _ = run(capsys, *every)  # every configured district named: that is the city
    assert {row[1] for row in csv_rows(out)[1:]} == {"全市"}


def test_report_csv_by_enterprise_uses_credit_codes(capsys, db):
    code, out, _ = run(capsys, "report", "--db", db, "--quarter", "2026-Q3", "--by", "enterprise",
                       "--format", "csv", "--indicator", "certification")
    assert code == 0
    # Enterprises in configured district order, then by name: 环翠区 C, then 文登区 甲 (A) and 乙 (B).
    assert [row[1] for row in csv_rows(out)[1:]] == ["91371000MA3C00003Y", CODE_A, CODE_B]
    assert ["certification", CODE_A, "2", "5", "0.4000", ""] in csv_rows(out)


def test_report_as_of(capsys, db):
    code, out, _ = run(capsys, "report", "--db", db, "--quarter", "2026Q3", "--as-of", "2026年8月31日",
                       "--format", "csv", "--indicator", "rectification")
    assert code == 0
    # due 07-01…08-31: A's H1 ✓, H3 ✗, H4 ✗; B's H7 ✓; C's H8 ✓ → 3/5
    assert csv_rows(out)[1] == ["rectification", "全市", "3", "5", "0.6000", ""]


def test_report_json(capsys, db):
    code, out, _ = run(capsys, "report", "--db", db, "--quarter", "2026Q3", "--format", "json")
    assert code == 0
    payload = json.loads(out)
    assert (payload["quarter"], payload["as_of"], payload["by"]) == ("2026Q3", "2026-09-30", "city")
    first = payload["results"][0]
    assert first == {"indicator": "certification", "indicator_name": "持证上岗率", "group": "全市",
                     "group_name": "全市", "district": None, "numerator": 5, "denominator": 8,
                     "rate": 0.625, "level": "整改", "note": ""}
    # 4/4 paid, but C sent no Q3 checklist: at best 关注, with the count beside it.
    reward = next(r for r in payload["results"] if r["indicator"] == "reward_payout")
    assert (reward["rate"], reward["level"], reward["note"]) == (1.0, "关注", "缺报 1 家")
    assert reward["indicator_name"] == "奖金落实率"
    assert payload["calendar_note"] is None


def test_report_table(capsys, db):
    code, out, _ = run(capsys, "report", "--db", db, "--quarter", "2026Q3", "--by", "district")
    assert code == 0
    assert "2026年第三季度（2026Q3），截至 2026-09-30" in out
    line = next(row for row in out.splitlines() if row.startswith("持证上岗率") and "文登区" in row)
    assert line.split() == ["持证上岗率", "文登区", "4", "7", "57.14%", "整改"]
    assert any(row.split()[1:] == ["乳山市", "0", "0", "无数据", "无数据"] for row in out.splitlines()
               if row.startswith("持证上岗率"))


def test_shortfall_csv_and_table(capsys, db):
    code, out, _ = run(capsys, "shortfall", "--db", db, "--quarter", "2026Q3", "--indicator", "certification",
                       "--format", "csv")
    assert code == 0
    rows = csv_rows(out)
    assert rows[0][:3] == ["区市", "企业名称", "统一社会信用代码"] and rows[0][-3:] == ["来源文件", "工作表", "行号"]
    assert [r[rows[0].index("人员编号")] for r in rows[1:]] == ["A03", "A04", "A09"]
    assert rows[1][rows[0].index("证书有效期至")] == "2026-09-29"
    code, out, _ = run(capsys, "shortfall", "--db", db, "--quarter", "2026Q3", "--indicator", "rectification",
                       "--group", CODE_B)
    assert code == 0
    assert "隐患整改率（rectification）— 到期未整改隐患：1 条" in out and "H6" in out and "H3" not in out


def test_watch(capsys, db):
    code, out, _ = run(capsys, "watch", "--db", db, "--quarter", "2026Q3", "--list", "overdue_hazards",
                       "--format", "csv")
    assert code == 0
    rows = csv_rows(out)
    assert [r[rows[0].index("隐患编号")] for r in rows[1:]] == ["H4", "H3", "H6"]
    code, out, _ = run(capsys, "watch", "--db", db, "--quarter", "2026Q3")
    assert code == 0
    for title, count in (("超期未整改隐患", 3), ("未上报重大隐患", 2), ("90天内到期证书", 4),
                         ("未报季度检查表企业", 1), ("驻点满6个月待轮换", 1)):
        assert f"{title}：{count} 条" in out


@pytest.mark.parametrize("argv, message", [
    (["report", "--quarter", "2026Q5"], "用法错误：无法识别的季度：2026Q5"),
    (["report", "--quarter", "2026Q3", "--as-of", "2026-02-30"], "用法错误：无法识别的日期：2026-02-30"),
    (["report", "--quarter", "2026Q3", "--as-of", "2026-06-30"], "用法错误：截至日期 2026-06-30 早于2026年第三季度的开始日期"),
    (["report", "--quarter", "2026Q3", "--district", "青岛"], "用法错误：未知的区市：青岛"),
    (["report", "--quarter", "2026Q3", "--indicator", "speed"], "用法错误：未知的指标：speed"),
    (["shortfall", "--quarter", "2026Q3", "--indicator", "speed"], "用法错误：未知的指标：speed"),
    (["shortfall", "--quarter", "2026Q3", "--indicator", "training", "--group", "某某公司"], "用法错误：未找到统计范围内的企业：某某公司"),
    (["report", "--quarter", "2026Q3", "--by", "street"], "用法错误：参数 --by 的取值“street”无效"),
    (["shortfall", "--quarter", "2026Q3"], "用法错误：缺少必填参数：--indicator"),
])
def test_usage_errors_exit_2_with_a_chinese_message(capsys, db, argv, message):
    code, out, err = run(capsys, *argv, "--db", db)
    assert code == 2
    assert out == ""
    assert err.startswith(message), err


def test_usage_errors_are_reported_before_the_database_is_opened(capsys, tmp_path):
    code, _, err = run(capsys, "report", "--db", str(tmp_path / "none.duckdb"), "--quarter", "Q3")
    assert code == 2 and "无法识别的季度：Q3" in err


def test_missing_database_exit_1(capsys, tmp_path):
    missing = tmp_path / "none.duckdb"
    for argv in (["report"], ["shortfall", "--indicator", "training"], ["watch"]):
        code, out, err = run(capsys, *argv, "--db", str(missing), "--quarter", "2026Q3")
        assert code == 1 and out == ""
        assert err == f"找不到数据库文件：{missing}。请先运行 `python -m etl load 文件或文件夹 --db {missing}` 导入数据。\n"


def test_a_file_that_is_not_a_database_exit_1(capsys, tmp_path):
    bogus = tmp_path / "bogus.duckdb"
    bogus.write_text("不是数据库")
    code, _, err = run(capsys, "report", "--db", str(bogus), "--quarter", "2026Q3")
    assert code == 1 and err.startswith(f"无法打开数据库 {bogus}")


def test_default_database_from_environment_and_module_entry(db):
    env = {**os.environ, "WEIHAI_DB": db, "PYTHONPATH": str(PROJECT)}
    done = subprocess.run([sys.executable, "-m", "metrics", "report", "--quarter", "2026Q3", "--format", "csv",
                           "--indicator", "major_hazard_reported"],
                          cwd=PROJECT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["indicator,group,numerator,denominator,rate,note",
                                        "major_hazard_reported,全市,1,3,0.3333,"]
    bad = subprocess.run([sys.executable, "-m", "metrics", "report", "--quarter", "2026Q9"],
                         cwd=PROJECT, env=env, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "无法识别的季度" in bad.stderr and "Traceback" not in bad.stderr


def test_as_of_before_quarter_is_a_usage_error_even_without_a_database(capsys, tmp_path):
    code, _, err = run(capsys, "report", "--db", str(tmp_path / "none.duckdb"), "--quarter", "2026Q3",
                       "--as-of", "2026-06-30")
    assert code == 2 and "早于2026年第三季度的开始日期 2026-07-01" in err


def test_help_is_in_chinese(capsys):
    code, out, _ = run(capsys, "report", "--help")
    assert code == 0
    assert out.startswith("用法：python -m metrics report") and "选项" in out and "显示本帮助并退出" in out
    assert "usage:" not in out and "options:" not in out
