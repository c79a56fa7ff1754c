"""`python -m etl`: exact exit codes and messages, as a clerk would run it (in process; `python -m` as a smoke test)."""
from __future__ import annotations

import csv
import io

from cli.etl_commands import main
from tests.cli_runner import run_main, run_module
from tests.filemaker import CODE_A, roster_rows, write_csv, write_xlsx


def etl(capsys, *argv):
    return run_main(main, capsys, *argv)


def test_load_prints_a_summary_and_exit_codes(tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    write_xlsx(folder / "roster.xlsx", {"名册": roster_rows()})
    write_csv(folder / "drills.csv", [["统一社会信用代码", "演练日期", "应参加人数", "实际参加人数"],
                                      [CODE_A, "2026-07-01", "10", "12"]])
    db = tmp_path / "w.duckdb"
    code, out, err = etl(capsys, "load", folder, "--db", db)
    assert code == 0, err
    assert "共 2 个文件：读取 4 行 = 加载 3 + 隔离 1 + 跳过（空行/说明行）0。" in out
    assert "[1/2] 正在加载 roster.xlsx" in err

    (folder / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    code, out, err = etl(capsys, "load", folder, "--db", db)
    assert code == 1
    assert "拒收 broken.xlsx：文件已损坏或不完整" in err
    assert "重复，已跳过" in out

    code, out, _ = etl(capsys, "quarantine", "--db", db, "--format", "csv")
    assert code == 0
    assert list(csv.reader(io.StringIO(out))) == [
        ["file", "sheet", "row", "column", "value", "reason"],
        ["drills.csv", "drills", "2", "实际参加人数", "12", "实际参加人数（12）多于应参加人数（10）"],
    ]
    code, out, _ = etl(capsys, "quarantine", "--db", db)
    assert code == 0
    assert out.splitlines()[0].split() == ["文件", "工作表", "行号", "列", "值", "原因"]


def test_usage_errors_exit_2_in_chinese(tmp_path, capsys):
    code, _, err = etl(capsys, "load", tmp_path / "nowhere", "--db", tmp_path / "w.duckdb")
    assert (code, err.strip()) == (2, f"用法错误：找不到文件或文件夹：{tmp_path / 'nowhere'}")
    code, _, err = etl(capsys, "load")
    assert code == 2
    assert err.startswith("用法错误：缺少必填参数：PATH")
    code, _, err = etl(capsys, "frobnicate")
    assert code == 2
    assert err.startswith("用法错误：参数 命令 的取值“frobnicate”无效，可选：'load', ")
    assert err.endswith("运行 `python -m etl --help` 查看用法。\n")


def test_db_path_from_environment_variable(tmp_path, capsys, monkeypatch):
    write_xlsx(tmp_path / "roster.xlsx", {"名册": roster_rows()})
    db = tmp_path / "env.duckdb"
    monkeypatch.setenv("WEIHAI_DB", str(db))
    assert etl(capsys, "load", tmp_path / "roster.xlsx")[0] == 0
    assert db.exists()
    code, out, _ = etl(capsys, "batches")
    assert code == 0 and "roster.xlsx" in out and "企业名册" in out


def test_missing_database_is_a_clear_error(tmp_path, capsys):
    code, _, err = etl(capsys, "quarantine", "--db", tmp_path / "none.duckdb")
    assert code == 1
    assert err.startswith(f"数据库不存在：{tmp_path / 'none.duckdb'}。请先运行 `python -m etl load")


def test_rollback_via_cli(tmp_path, capsys):
    write_xlsx(tmp_path / "roster.xlsx", {"名册": roster_rows()})
    db = tmp_path / "w.duckdb"
    assert etl(capsys, "load", tmp_path / "roster.xlsx", "--db", db)[0] == 0
    code, out, _ = etl(capsys, "rollback", "1", "--db", db)
    assert (code, out.strip()) == (0, "已撤销批次 1（roster.xlsx，企业名册，3 行）。")
    code, _, err = etl(capsys, "rollback", "1", "--db", db)
    assert code == 1 and err.startswith("批次 1（roster.xlsx）已于 ")
    code, _, err = etl(capsys, "rollback", "7", "--db", db)
    assert (code, err.strip()) == (1, "批次 7 不存在。运行 `python -m etl batches` 查看已加载的批次。")


def test_demo_with_a_bad_quarter_is_a_usage_error(tmp_path, capsys):
    code, _, err = etl(capsys, "demo", "--out", tmp_path / "demo", "--quarter", "2026Q7")
    assert code == 2
    assert err.startswith("用法错误：无法识别的季度：2026Q7")
    assert not (tmp_path / "demo").exists()


def test_module_entry_loads_and_reports_usage_errors(tmp_path):
    write_xlsx(tmp_path / "roster.xlsx", {"名册": roster_rows()})
    db = tmp_path / "w.duckdb"
    loaded = run_module("etl", "load", tmp_path / "roster.xlsx", "--db", db)
    assert loaded.returncode == 0, loaded.stderr
    assert "共 1 个文件：读取 3 行 = 加载 3 + 隔离 0 + 跳过（空行/说明行）0。" in loaded.stdout
    missing = run_module("etl", "load", tmp_path / "nowhere", "--db", db)
    assert (missing.returncode, missing.stderr) == (2, f"用法错误：找不到文件或文件夹：{tmp_path / 'nowhere'}\n")
