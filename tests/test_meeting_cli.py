"""`python -m metrics meeting finalize|reopen|show` and `python -m metrics report --as-reported`.

Figures of tests/meeting_world.py: 隐患整改率 2026Q3 is 全市 2/4, 环翠区 1/2, 文登区 1/1, 荣成市 0/1.
"""
from __future__ import annotations

import csv
import getpass
import io
import json

from access import meetings as access
from access.users import User, audit_entries, users_db_path
from cli.metrics_commands import main
from tests.cli_runner import run_main
from tests.filemaker import CODE_A
from tests.meeting_world import hazard, load_hazards

OPERATOR = f"命令行:{getpass.getuser()}"
CITY = User("city", "市化工办", "市级", None)


def run(capsys, *argv):
    return run_main(main, capsys, *argv)


def test_report_as_reported_needs_a_finalised_quarter(capsys, meeting_db):
    code, out, err = run(capsys, "report", "--db", meeting_db, "--quarter", "2026Q3", "--as-reported")
    assert (code, out) == (1, "")
    assert err.startswith("2026年第三季度尚未定稿，没有会商时的数字。")
    assert "python -m metrics meeting finalize --quarter 2026Q3" in err
    assert "Traceback" not in err


def test_as_reported_does_not_take_an_as_of_date(capsys, meeting_db):
    code, out, err = run(capsys, "report", "--db", meeting_db, "--quarter", "2026Q3", "--as-reported",
                         "--as-of", "2026-09-01")
    assert (code, out) == (2, "")
    assert err.startswith("用法错误：--as-reported 显示会商定稿时冻结的数字（截至季度末），不能与 --as-of 同用。")


def test_finalize_show_reopen_and_the_figures_as_reported(capsys, meeting_db):
    task_id = access.add_task(CITY, meeting_db, "2026Q3", title="开展特种设备专项检查", owners=["文登区"], agreed=True)
    code, out, err = run(capsys, "meeting", "finalize", "--db", meeting_db, "--quarter", "2026Q3",
                         "--held-on", "2026-10-15")
    assert (code, err) == (0, "")
    # 11 indicators × (全市 + 8 districts + 3 enterprises) = 132 figures
    assert out.startswith("2026年第三季度会商已定稿：冻结 132 个数字（全市、各区市、各企业），冻结于 ")
    assert "会商日期 2026-10-15" in out

    code, out, err = run(capsys, "report", "--db", meeting_db, "--quarter", "2026Q3", "--as-reported",
                         "--by", "district", "--indicator", "rectification", "--format", "csv")
    assert (code, err) == (0, "")
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["indicator", "group", "numerator", "denominator", "rate", "note", "frozen_at"]
    assert rows[1][:6] == ["rectification", "环翠区", "1", "2", "0.5000", ""]

    # Data loaded after 定稿 changes the figure now, not the one reported: H2 was rectified on 09-25.
    load_hazards(meeting_db, "隐患台账更新.csv", [
        hazard("H2", CODE_A, "2026-08-05", "一般隐患", "通道堵塞", "2026-08-31", "2026-09-25", "已整改")])
    code, out, _ = run(capsys, "report", "--db", meeting_db, "--quarter", "2026Q3", "--as-reported",
                       "--by", "district", "--indicator", "rectification")
    assert code == 0
    [line] = [line for line in out.splitlines() if line.startswith("隐患整改率  环翠区")]
    assert line.split() == ["隐患整改率", "环翠区", "1", "2", "50.00%", "整改", "会商时", "50.0%，现", "100.0%"]
    code, out, _ = run(capsys, "report", "--db", meeting_db, "--quarter", "2026Q3", "--as-reported",
                       "--indicator", "rectification", "--format", "json")
    payload = json.loads(out)
    assert payload["as_reported"] is True
    assert [(r["group"], r["numerator"], r["denominator"], r["restatement"]) for r in payload["results"]] == [
        ("全市", 2, 4, "会商时 50.0%，现 75.0%")]

    code, out, err = run(capsys, "meeting", "show", "--db", meeting_db, "--quarter", "2026Q3")
    assert (code, err) == (0, "")
    assert out.startswith("2026年第三季度（2026Q3）会商：定稿\n会商日期：2026-10-15\n参会区市：未填写\n定稿冻结：")
    assert "共性任务：1 项（应于2026年第四季度完成）" in out
    [task_line] = [line for line in out.splitlines() if line.startswith(f"{task_id}  ")]
    assert task_line.split()[:5] == [str(task_id), "开展特种设备专项检查", "文登区", "2026-12-31", "已确定"]
    assert "提请会商事项：4 项（定稿时的处理结果）" in out

    code, out, err = run(capsys, "meeting", "finalize", "--db", meeting_db, "--quarter", "2026Q3")
    assert (code, out) == (1, "")
    assert "定稿。如需按当前数据重新冻结，请先退回草稿再定稿。" in err

    code, out, err = run(capsys, "meeting", "reopen", "--db", meeting_db, "--quarter", "2026Q3")
    assert (code, err) == (0, "")
    assert out == "2026年第三季度会商已退回草稿；定稿时冻结的数字保留，至再次定稿时整体替换。\n"
    code, out, _ = run(capsys, "meeting", "show", "--db", meeting_db, "--quarter", "2026Q3")
    assert out.startswith("2026年第三季度（2026Q3）会商：草稿\n")
    assert "；已退回草稿，上次定稿冻结的数字保留至再次定稿" in out
    assert "提请会商事项：4 项（按当前数据起草）" in out

    audit = [(who, action) for _, who, action, _ in audit_entries(users_db_path(meeting_db))][::-1]
    assert audit == [("city", "共性任务新增"), (OPERATOR, "会商定稿"), (OPERATOR, "会商退回草稿")]


def test_meeting_commands_explain_a_missing_database_and_a_bad_quarter(capsys, tmp_path):
    code, out, err = run(capsys, "meeting", "show", "--db", tmp_path / "none.duckdb", "--quarter", "2026Q3")
    assert (code, out) == (1, "")
    assert err.startswith("找不到数据库文件：")
    code, _, err = run(capsys, "meeting", "finalize", "--db", tmp_path / "none.duckdb", "--quarter", "2026Q9")
    assert code == 2 and err.startswith("用法错误：无法识别的季度：2026Q9")
    assert not (tmp_path / "meetings.sqlite3").exists()
