"""What the command line and failed uploads leave in the audit log, and how the command line prints names.

Before: `etl load`, `etl rollback` and `etl users add/remove/passwd` never reached the audit
log; `--user` put any name the caller liked in the batch history; an upload refused or failed
left no trace; `etl load` and `etl batches` printed file names with their escape sequences
and newlines, so a file name could recolour the terminal or forge lines of the report.
"""
from __future__ import annotations

import getpass
import subprocess
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from access import users
from cli.etl_commands import main
from warehouse.store import WarehouseBusy
from access.users import User
from tests.cli_runner import run_in_process
from tests.filemaker import CODE_A, roster_rows, write_csv, write_xlsx

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "dashboard.py")
OPERATOR = f"命令行:{getpass.getuser()}"


@pytest.fixture
def etl(capsys, monkeypatch):
    """`python -m etl args`, run in this process (the audit log names the same system user)."""
    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
        return run_in_process(main, capsys, monkeypatch, *args, stdin=stdin)
    return run


def entries(db: Path) -> list[tuple[str, str, str]]:
    """(user, action, detail), oldest first."""
    return [e[1:] for e in reversed(users.audit_entries(db.with_name("access.sqlite3")))]


def test_command_line_changes_are_audited_under_the_system_user(tmp_path, etl):
    db = tmp_path / "warehouse.duckdb"
    roster = write_xlsx(tmp_path / "名册.xlsx", {"名册": roster_rows()})
    loaded = etl("load", str(roster), "--db", str(db), "--user", "市办 张三")
    assert loaded.returncode == 0, loaded.stderr
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT loaded_by FROM batches").fetchall() == [(f"{OPERATOR}（市办 张三）",)]
    con.close()
    assert etl("load", str(tmp_path / "没有这个文件.xlsx"), "--db", str(db)).returncode == 2
    assert etl("rollback", "1", "--db", str(db)).returncode == 0
    assert etl("rollback", "1", "--db", str(db)).returncode == 1  # already rolled back
    add = ("users", "add", "wang", "--role", "分析", "--name", "分析员 王五", "--db", str(db), "--password-stdin")
    assert etl(*add, stdin="s3cret-pass\n").returncode == 0
    assert etl("users", "passwd", "wang", "--db", str(db), "--password-stdin", stdin="s3cret-pass-2\n").returncode == 0
    assert etl("users", "remove", "wang", "--db", str(db)).returncode == 0
    assert etl("users", "remove", "wang", "--db", str(db)).returncode == 1
    logged = entries(db)
    again = logged.pop(3)
    assert again[:2] == (OPERATOR, "撤销批次失败") and again[2].startswith("批次 1：批次 1（名册.xlsx）已于 ")
    missing = tmp_path / "没有这个文件.xlsx"
    assert logged == [
        (f"{OPERATOR}（市办 张三）", "导入", "1 个文件：名册.xlsx（已加载）"),
        (OPERATOR, "导入失败", f"{missing}：找不到文件或文件夹：{missing}"),
        (OPERATOR, "撤销批次", "批次 1：名册.xlsx"),
        (OPERATOR, "新增用户", "wang（分析员 王五，分析）"),
        (OPERATOR, "修改密码", "wang"),
        (OPERATOR, "删除用户", "wang"),
        (OPERATOR, "删除用户失败", "wang：用户“wang”不存在。"),
    ]
    assert not any("s3cret" in str(e) for e in entries(db))


def test_the_command_line_prints_hostile_file_names_escaped(tmp_path, etl):
    folder = tmp_path / "files"
    folder.mkdir()
    evil = write_csv(folder / "名册\x1b[31m红字\n伪造的一行.csv", roster_rows())
    (folder / "坏\x1b]0;标题\x07.xlsx").write_bytes(b"PK\x03\x04 broken")
    db = tmp_path / "warehouse.duckdb"
    loaded = etl("load", str(folder), "--db", str(db))
    listed = etl("batches", "--db", str(db))
    for output in (loaded.stdout, loaded.stderr, listed.stdout):
        assert "\x1b" not in output and "\x07" not in output
    assert "名册\\x1b[31m红字\\n伪造的一行.csv" in loaded.stdout
    assert "拒收 坏\\x1b]0;标题\\x07.xlsx：" in loaded.stderr
    assert "名册\\x1b[31m红字\\n伪造的一行.csv" in listed.stdout
    assert not any(line.startswith("伪造的一行") for line in loaded.stdout.splitlines() + listed.stdout.splitlines())
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT file_name FROM batches").fetchall() == [(evil.name,)]  # stored as it is
    con.close()


CITY = User("city_clerk", "市化工办 录入员", "市级", None)


def import_page(files: list[tuple[str, bytes, str]]) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=120)
    app.session_state["_user"] = CITY
    app.run()
    app.switch_page("pages/data_import.py").run()
    app.file_uploader(key="uploads").set_value(files).run()
    next(b for b in app.button if b.label == "开始导入").click().run()
    return app


def test_refused_and_failed_uploads_are_audited(tmp_path, roster_warehouse, monkeypatch):
    import etl.uploads

    drills = write_csv(tmp_path / "drills.csv", [
        ["统一社会信用代码", "演练日期", "应参加人数", "实际参加人数"], [CODE_A, "2026-07-01", "10", "9"]]).read_bytes()
    app = import_page([("说明.txt", "请查收".encode(), "text/plain"), ("drills.csv", drills, "text/csv")])
    assert not app.exception, [e.value for e in app.exception]

    def busy(*args, **kwargs):
        raise WarehouseBusy("数据库正被另一次导入占用，请稍后再试。")

    monkeypatch.setattr(etl.uploads, "load_uploads", busy)
    import_page([("drills2.csv", drills + b"\n", "text/csv")])
    assert entries(roster_warehouse) == [
        ("city_clerk", "上传被拒", f"说明.txt（{etl.uploads.upload_problem('说明.txt', 9)}）"),
        ("city_clerk", "导入", "1 个文件：drills.csv（已导入）"),
        ("city_clerk", "导入失败", "1 个文件：数据库正被另一次导入占用，请稍后再试。"),
    ]
