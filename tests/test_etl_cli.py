"""`python -m etl`: exact exit codes and messages, as a clerk would run it."""
from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

from tests.filemaker import CODE_A, roster_rows, write_csv, write_xlsx

ROOT = Path(__file__).resolve().parent.parent


def etl(*args, env=None):
    return subprocess.run([sys.executable, "-m", "etl", *map(str, args)], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, **(env or {})})


def test_load_prints_a_summary_and_exit_codes(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    write_xlsx(folder / "roster.xlsx", {"名册": roster_rows()})
    write_csv(folder / "drills.csv", [["统一社会信用代码", "演练日期", "应参加人数", "实际参加人数"],
                                      [CODE_A, "2026-07-01", "10", "12"]])
    db = tmp_path / "w.duckdb"
    ok = etl("load", folder, "--db", db)
    assert ok.returncode == 0, ok.stderr
    assert "共 2 个文件：读取 4 行 = 加载 3 + 隔离 1 + 跳过（空行/说明行）0。" in ok.stdout
    assert "[1/2] 正在加载 roster.xlsx" in ok.stderr

    (folder / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    bad = etl("load", folder, "--db", db)
    assert bad.returncode == 1
    assert "拒收 broken.xlsx：文件已损坏或不完整" in bad.stderr
    assert "重复，已跳过" in bad.stdout

    quarantine = etl("quarantine", "--db", db, "--format", "csv")
    assert quarantine.returncode == 0
    assert list(csv.reader(io.StringIO(quarantine.stdout))) == [
        ["file", "sheet", "row", "column", "value", "reason"],
        ["drills.csv", "drills", "2", "实际参加人数", "12", "实际参加人数（12）多于应参加人数（10）"],
    ]


def test_usage_errors_exit_2_in_chinese(tmp_path):
    missing = etl("load", tmp_path / "nowhere", "--db", tmp_path / "w.duckdb")
    assert (missing.returncode, missing.stderr.strip()) == (2, f"用法错误：找不到文件或文件夹：{tmp_path / 'nowhere'}")
    no_args = etl("load")
    assert no_args.returncode == 2
    assert no_args.stderr.startswith("用法错误：缺少必填参数：PATH")
    unknown = etl("frobnicate")
    assert unknown.returncode == 2
    assert "用法错误：" in unknown.stderr


def test_db_path_from_environment_variable(tmp_path):
    write_xlsx(tmp_path / "roster.xlsx", {"名册": roster_rows()})
    db = tmp_path / "env.duckdb"
    assert etl("load", tmp_path / "roster.xlsx", env={"WEIHAI_DB": str(db)}).returncode == 0
    assert db.exists()
    listing = etl("batches", env={"WEIHAI_DB": str(db)})
    assert "roster.xlsx" in listing.stdout and "企业名册" in listing.stdout


def test_missing_database_is_a_clear_error(tmp_path):
    result = etl("quarantine", "--db", tmp_path / "none.duckdb")
    assert result.returncode == 1
    assert result.stderr.startswith(f"数据库不存在：{tmp_path / 'none.duckdb'}。请先运行 `python -m etl load")


def test_rollback_via_cli(tmp_path):
    write_xlsx(tmp_path / "roster.xlsx", {"名册": roster_rows()})
    db = tmp_path / "w.duckdb"
    etl("load", tmp_path / "roster.xlsx", "--db", db)
    first = etl("rollback", "1", "--db", db)
    assert (first.returncode, first.stdout.strip()) == (0, "已撤销批次 1（roster.xlsx，企业名册，3 行）。")
    again = etl("rollback", "1", "--db", db)
    assert again.returncode == 1 and again.stderr.startswith("批次 1（roster.xlsx）已于 ")
    nowhere = etl("rollback", "7", "--db", db)
    assert (nowhere.returncode, nowhere.stderr.strip()) == (1, "批次 7 不存在。运行 `python -m etl batches` 查看已加载的批次。")


def test_demo_with_a_bad_quarter_is_a_usage_error(tmp_path):
    result = etl("demo", "--out", tmp_path / "demo", "--quarter", "2026Q7")
    assert result.returncode == 2
    assert result.stderr.startswith("用法错误：无法识别的季度：2026Q7")
    assert not (tmp_path / "demo").exists()
