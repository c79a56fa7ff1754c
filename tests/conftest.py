"""Fixtures shared by several test modules.

Builders and constants live in plain support modules (tests/app_warehouse.py, tests/pack_world.py,
tests/browser_harness.py, tests/filemaker.py, ...): a test module never imports another test module
(tests/test_suite_rules.py checks it). Session fixtures are built once per test process, so once per
pytest-xdist worker; every caller that writes gets its own copy.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from etl.load import load_paths
from tests.app_warehouse import build_small_warehouse
from tests.filemaker import roster_rows, write_xlsx
from tests.pack_world import build_pack_world


@pytest.fixture(scope="session")
def small_warehouse(tmp_path_factory):
    """`small_warehouse(folder)`: a private copy of the warehouse of tests/app_warehouse.py in `folder`."""
    master = build_small_warehouse(tmp_path_factory.mktemp("small_warehouse"))

    def copy_into(folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        db = folder / master.name
        shutil.copy(master, db)
        return db
    return copy_into


@pytest.fixture(scope="session")
def pack_world(tmp_path_factory) -> Path:
    """The warehouse of tests/pack_world.py; read only."""
    return build_pack_world(tmp_path_factory.mktemp("pack_world"))


@pytest.fixture
def roster_warehouse(tmp_path, monkeypatch):
    """A warehouse holding one roster, set as the dashboard's database and users store."""
    db = tmp_path / "warehouse.duckdb"
    load_paths([write_xlsx(tmp_path / "roster.xlsx", {"名册": roster_rows()})], db)
    monkeypatch.setenv("WEIHAI_DB", str(db))
    monkeypatch.setenv("WEIHAI_USERS_DB", str(tmp_path / "access.sqlite3"))
    return db
