"""Fixtures shared by several test modules.

Builders and constants live in plain support modules (tests/app_warehouse.py, tests/pack_world.py,
tests/browser_harness.py, tests/filemaker.py, ...): a test module never imports another test module
(tests/test_suite_rules.py checks it). Session fixtures are built once per test process, so once per
pytest-xdist worker; every caller that writes gets its own copy.
"""
from __future__ import annotations

import fcntl
import os
import shutil
import sys
from pathlib import Path

import pytest

from access import meetings
from core import settings as declared
from etl.load import load_paths
from tests.app_warehouse import build_small_warehouse
from tests.filemaker import roster_rows, write_xlsx
from tests.meeting_world import CITY_TESTER, build_meeting_world
from tests.pack_demo import build_small_demo
from tests.pack_world import build_pack_world
from tests.reconcile_world import build_reconcile_world
from tests.stationing_world import build_stationing_world
from warehouse.store import open_reader


# The modules that take longest, slowest first (as measured over a whole run). pytest.ini has pytest-xdist hand
# whole modules to the workers in collection order (--dist loadfile --no-loadscope-reorder), so these start first
# and the many quick modules fill in after them: no worker is left running one long module while the other idles.
SLOWEST_MODULES = (
    "test_browser.py", "test_pack_meeting.py", "test_browser_session.py", "test_pack_meeting_page.py",
    "test_pack_frozen.py", "test_browser_security.py", "test_etl_hostile.py", "test_pack.py", "test_demo.py",
    "test_browser_pack.py", "test_pack_render.py", "test_meetings.py", "test_markdown_data.py", "test_pack_paper.py",
    "test_app_pages.py", "test_indicators_revision2.py", "test_safe_exports.py", "test_cli_errors.py",
    "test_concurrency.py",
)


def pytest_collection_modifyitems(items):
    rank = {name: i for i, name in enumerate(SLOWEST_MODULES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: the rest keep their order


@pytest.fixture(autouse=True)
def fresh_settings():
    """Every test reads the settings file afresh, and leaves none of its settings behind."""
    declared.reset()
    yield
    declared.reset()


@pytest.fixture(autouse=True)
def background_reads_settled(monkeypatch):
    """Reads a page started in the background (`ui.data.prefetch`: 总览 drafts the meeting paper) end with the test
    that started them, before its patches are undone, and never run on into the next one. (Asking for `monkeypatch`
    sets it up first, so it is undone after this.)"""
    yield
    data = sys.modules.get("ui.data")
    if data is not None:
        data.settle()


def built_once(tmp_path_factory, name: str, build) -> Path:
    """`build(folder)`'s result, built once for the whole run: pytest-xdist workers share one temporary root, and
    the first worker to ask builds while the others wait on a lock, then all read the same files. Whatever is built
    here is read only: a test that writes takes its own copy."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the run's root, shared by every worker
    folder, done = root / f"built-{name}", root / f"built-{name}.done"
    with open(root / f"built-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            done.write_text(str(build(folder)), encoding="utf-8")
    return Path(done.read_text(encoding="utf-8"))


def _copier(master: Path):
    """`copy_into(folder)`: a private copy of `master` in `folder`, for a test that writes."""
    def copy_into(folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        db = folder / master.name
        shutil.copy(master, db)
        return db
    return copy_into


@pytest.fixture(scope="session")
def small_warehouse(tmp_path_factory):
    """`small_warehouse(folder)`: a private copy of the warehouse of tests/app_warehouse.py in `folder`."""
    master = built_once(tmp_path_factory, "small_warehouse", build_small_warehouse)
    return _copier(master)


@pytest.fixture(scope="session")
def pack_world(tmp_path_factory) -> Path:
    """The warehouse of tests/pack_world.py; read only."""
    return built_once(tmp_path_factory, "pack_world", build_pack_world)


@pytest.fixture(scope="session")
def meeting_world(tmp_path_factory) -> Path:
    """The warehouse of tests/meeting_world.py; read only (copy it with `meeting_db`)."""
    return built_once(tmp_path_factory, "meeting_world", build_meeting_world)


@pytest.fixture(scope="session")
def stationing_world(tmp_path_factory) -> Path:
    """The warehouse of tests/stationing_world.py; read only."""
    return built_once(tmp_path_factory, "stationing_world", build_stationing_world)


@pytest.fixture
def stationing_con(stationing_world):
    """A reader on the stationing world."""
    connection = open_reader(stationing_world)
    yield connection
    connection.close()


@pytest.fixture(scope="session")
def reconcile_world(tmp_path_factory) -> Path:
    """The warehouse of tests/reconcile_world.py; read only."""
    return built_once(tmp_path_factory, "reconcile_world", build_reconcile_world)


@pytest.fixture(scope="session")
def small_demo(tmp_path_factory):
    """`small_demo(folder)`: a private copy, in `folder`, of the small demo warehouse of tests/pack_demo.py (the
    demo generator on a smaller world, loaded as `make run` loads it), built once for the run."""
    master = built_once(tmp_path_factory, "small_demo", build_small_demo)
    return _copier(master)


@pytest.fixture
def meeting_db(meeting_world, tmp_path, monkeypatch) -> Path:
    """A private, writable copy of the meeting world's warehouse; its meeting records and users store beside it."""
    monkeypatch.delenv("WEIHAI_MEETINGS_DB", raising=False)
    monkeypatch.delenv("WEIHAI_USERS_DB", raising=False)
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(meeting_world, db)
    return db


@pytest.fixture
def held_meeting_db(meeting_db, monkeypatch) -> Path:
    """`meeting_db` set as the dashboard's database, its 2026Q3 meeting held on a fixed day (so the drafted deadlines
    and seasons do not move with the day the test runs)."""
    monkeypatch.setenv("WEIHAI_DB", str(meeting_db))
    monkeypatch.setenv("WEIHAI_USERS_DB", str(meeting_db.with_name("access.sqlite3")))
    meetings.save_meeting(CITY_TESTER, meeting_db, "2026Q3", held_on="2026-10-15")
    return meeting_db


@pytest.fixture
def roster_warehouse(tmp_path, monkeypatch):
    """A warehouse holding one roster, set as the dashboard's database and users store."""
    db = tmp_path / "warehouse.duckdb"
    load_paths([write_xlsx(tmp_path / "roster.xlsx", {"名册": roster_rows()})], db)
    monkeypatch.setenv("WEIHAI_DB", str(db))
    monkeypatch.setenv("WEIHAI_USERS_DB", str(tmp_path / "access.sqlite3"))
    return db


@pytest.fixture
def processes_cannot_start(monkeypatch):
    """No process of core.workers can start, as when the machine's process limit is reached."""
    from core import workers

    def refused(*args, **kwargs):
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(workers.subprocess, "Popen", refused)
