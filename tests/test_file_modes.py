"""The users store (argon2 hashes, audit log) and the warehouse are not readable by everyone.

Before: access.sqlite3 and the warehouse were created 0644 (with the usual umask 022).
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from warehouse import store
from access import users
from etl.load import load_paths
from tests.filemaker import roster_rows, write_xlsx


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(params=[0o022, 0o000], ids=["umask022", "umask000"])
def umask(request):
    previous = os.umask(request.param)
    yield request.param
    os.umask(previous)


def test_the_users_store_is_owner_only(tmp_path, umask):
    path = tmp_path / "access.sqlite3"
    users.add_user(path, "wang", "s3cret-pass", role="市级", display_name="市办 王五")
    users.record(path, "wang", "登录")
    con = users._connect(path)  # while a connection writes, SQLite keeps its -wal and -shm files
    try:
        con.execute("INSERT INTO audit_log (at, username, action) VALUES ('2026-10-01 09:00:00', 'wang', '登录')")
        written = {p.name: mode(p) for p in tmp_path.iterdir()}
    finally:
        con.close()
    assert written == {"access.sqlite3": 0o600, "access.sqlite3-wal": 0o600, "access.sqlite3-shm": 0o600}


def test_an_existing_readable_users_store_is_tightened(tmp_path):
    path = tmp_path / "access.sqlite3"
    users.add_user(path, "wang", "s3cret-pass", role="市级", display_name="市办 王五")
    os.chmod(path, 0o644)
    users.has_users(path)
    assert mode(path) == 0o600


def test_the_warehouse_its_published_copy_and_reader_links_are_0640(tmp_path, umask):
    db = tmp_path / "warehouse.duckdb"
    load_paths([write_xlsx(tmp_path / "名册.xlsx", {"名册": roster_rows()})], db)
    assert mode(db) == 0o640
    con = store.open_reader(db)
    con.close()
    links = list((tmp_path / ".warehouse.duckdb.readers").glob("*.duckdb"))
    assert links and {mode(link) for link in links} == {0o640}
    assert mode(tmp_path / ".warehouse.duckdb.readers") == 0o750
    load_paths([write_xlsx(tmp_path / "名册2.xlsx", {"名册": roster_rows()[:2]})], db)  # a second publish
    assert mode(db) == 0o640
