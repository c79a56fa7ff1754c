"""`python -m metrics pack` on a demo warehouse (the one `make run` builds) writes the pack.

The failure replayed: reading the demo flag with `fetchone()` left a result open on the
connection, and the next relation query failed with ResourceInUseException; the command then
advised rebuilding the database, which was fine all along.
"""
from __future__ import annotations

import duckdb
import pytest

from warehouse.store import first_row, open_reader, writing
from metrics import overview
from cli import metrics_commands as cli


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory, small_warehouse):
    db = small_warehouse(tmp_path_factory.mktemp("pack_demo"))
    with writing(db) as con:  # what demo.bootstrap marks a demo warehouse with
        con.execute("INSERT OR REPLACE INTO meta VALUES ('is_demo', '1')")
    return db


def test_pack_command_on_a_demo_warehouse_writes_every_file(demo_db, tmp_path, capsys):
    con = open_reader(demo_db)
    try:
        assert overview.is_demo(con)
        assert con.sql("SELECT 1").fetchall() == [(1,)]  # the connection is free after reading the flag
    finally:
        con.close()
    out = tmp_path / "pack"
    code = cli.main(["pack", "--db", str(demo_db), "--quarter", "2026Q3", "--out", str(out), "--no-images"])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert sorted(p.name for p in out.iterdir()) == [
        "会商材料_2026Q3_全市.docx", "会商材料_2026Q3_全市.html", "会商材料_2026Q3_全市.xlsx"]
    assert all((out / name).stat().st_size > 1000 for name in (p.name for p in out.iterdir()))
    assert "会商材料已生成" in printed.out and printed.err == ""
    assert "本材料由系统演示数据生成" in (out / "会商材料_2026Q3_全市.html").read_text(encoding="utf-8")


def _busy_is_demo(con):
    """A read that finds the connection busy, as the undrained flag read once made the next query find it (the
    metrics now run their queries with `execute`, which a left-open result no longer stops)."""
    con.execute("SELECT value FROM meta WHERE key = 'is_demo'").fetchone()
    con.sql("SELECT 1").fetchall()  # raises ResourceInUseException: the result above is still open
    return True


def test_an_internal_database_error_is_not_blamed_on_the_database(demo_db, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(overview, "is_demo", _busy_is_demo)
    code = cli.main(["pack", "--db", str(demo_db), "--quarter", "2026Q3", "--out", str(tmp_path / "pack"),
                     "--no-images"])
    message = capsys.readouterr().err.strip()
    assert code == 1
    assert message.startswith("内部错误，读取数据库未完成，数据库未被改动。请将以下信息发给系统管理员：ResourceInUseException: ")
    assert "etl load" not in message


def test_a_file_without_the_systems_tables_is_still_sent_to_etl_load(tmp_path, capsys):
    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).close()  # a DuckDB file, but not a warehouse
    code = cli.main(["report", "--db", str(other), "--quarter", "2026Q3"])
    assert code == 1
    assert capsys.readouterr().err.strip() == (
        "读取数据库时出错：数据库中缺少本系统的数据表（CatalogException）。请确认数据库由 `python -m etl load` 生成。")


def test_first_row_drains_the_result():
    con = duckdb.connect()
    assert first_row(con, "SELECT 1") == (1,)
    assert con.sql("SELECT 2").fetchall() == [(2,)]
