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
from tests.meeting_world import build_meeting_world
from tests.pack_world import build_pack_world


# The modules that take longest, slowest first. pytest.ini has pytest-xdist hand whole modules to the
# workers in collection order (--dist loadfile --no-loadscope-reorder), so these start first and the
# many quick modules fill in after them: no worker is left running one long module while the other idles.
SLOWEST_MODULES = (
    "test_browser.py", "test_demo.py", "test_pack_meeting.py", "test_browser_security.py", "test_pack_meeting_page.py",
    "test_pack.py", "test_pack_render.py", "test_browser_pack.py",
    "test_markdown_data.py", "test_app_pages.py", "test_cli_errors.py", "test_concurrency.py", "test_etl_hostile.py",
)


def pytest_collection_modifyitems(items):
    rank = {name: i for i, name in enumerate(SLOWEST_MODULES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: the rest keep their order


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


@pytest.fixture(scope="session")
def meeting_world(tmp_path_factory) -> Path:
    """The warehouse of tests/meeting_world.py; read only (copy it with `meeting_db`)."""
    return build_meeting_world(tmp_path_factory.mktemp("meeting_world"))


@pytest.fixture
def meeting_db(meeting_world, tmp_path, monkeypatch) -> Path:
    """A private, writable copy of the meeting world's warehouse; its meeting records and users store beside it."""
    monkeypatch.delenv("WEIHAI_MEETINGS_DB", raising=False)
    monkeypatch.delenv("WEIHAI_USERS_DB", raising=False)
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(meeting_world, db)
    return db


@pytest.fixture
def roster_warehouse(tmp_path, monkeypatch):
    """A warehouse holding one roster, set as the dashboard's database and users store."""
    db = tmp_path / "warehouse.duckdb"
    load_paths([write_xlsx(tmp_path / "roster.xlsx", {"名册": roster_rows()})], db)
    monkeypatch.setenv("WEIHAI_DB", str(db))
    monkeypatch.setenv("WEIHAI_USERS_DB", str(tmp_path / "access.sqlite3"))
    return db
