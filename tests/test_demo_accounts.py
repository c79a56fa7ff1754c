"""Demo accounts end with the demo data.

Before: after `make run` (demo warehouse, demo users whose passwords the sign-in page shows)
and an upload of real files, the sign-in page still listed the demo accounts and their
passwords, the banner still said 演示数据, and the demo city account still signed in.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from demo import bootstrap
from access import users
from etl.uploads import load_uploads
from access.users import User
from tests.filemaker import CODE_A, roster_rows, write_csv, write_xlsx

APP = str(Path(__file__).resolve().parent.parent / "dashboard.py")
CITY_NAME, _, _, _, CITY_PASSWORD = users.DEMO_USERS[0]
REAL_CLERK = User("clerk", "市化工办 录入员", "市级", None)


def small_demo(folder, **_):
    return [write_xlsx(Path(folder) / "企业名册.xlsx", {"名册": roster_rows()})]


@pytest.fixture(scope="module")
def demo_build(tmp_path_factory) -> Path:
    """What `make run` leaves on first start: the demo warehouse and its demo accounts (a small demo), in a folder."""
    import demo.generate

    folder = tmp_path_factory.mktemp("demo_build")
    db = folder / "warehouse.duckdb"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(demo.generate, "generate", small_demo)
        patch.setenv("WEIHAI_DB", str(db))
        patch.setenv("WEIHAI_USERS_DB", str(folder / "access.sqlite3"))
        assert bootstrap.ensure_demo_database(db)
    return folder


@pytest.fixture
def demo_warehouse(demo_build, tmp_path, monkeypatch) -> Path:
    """A private copy of the demo build, set as the dashboard's database and users store."""
    import demo.generate

    monkeypatch.setattr(demo.generate, "generate", small_demo)
    folder = Path(shutil.copytree(demo_build, tmp_path / "demo"))
    db = folder / "warehouse.duckdb"
    monkeypatch.setenv("WEIHAI_DB", str(db))
    monkeypatch.setenv("WEIHAI_USERS_DB", str(folder / "access.sqlite3"))
    return db


def is_demo(db: Path) -> bool:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return bootstrap.is_demo(con)
    finally:
        con.close()


def real_drills(tmp_path: Path) -> tuple[str, bytes]:
    path = write_csv(tmp_path / "演练记录_三季度.csv", [
        ["统一社会信用代码", "演练日期", "应参加人数", "实际参加人数"], [CODE_A, "2026-07-01", "10", "9"]])
    return path.name, path.read_bytes()


@pytest.fixture(autouse=True)
def entry_point_has_run(monkeypatch):
    """AppTest treats every run as a server's very first request (which Streamlit may send to a page file
    by its name, see tests/test_page_guard.py). Here the server is past that, as it is for any sign-in:
    every run goes through dashboard.py, so a sign-in form submitted in one run is read by the next."""
    import streamlit.testing.v1.app_test as app_test
    from streamlit.runtime.pages_manager import PagesManager

    class EntryPointHasRun(PagesManager):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            PagesManager.uses_pages_directory = False

    monkeypatch.setattr(app_test, "PagesManager", EntryPointHasRun)


def sign_in_page(user: User | None = None) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=120)
    if user is not None:
        app.session_state["_user"] = user
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def sign_in(app: AppTest, username: str, password: str) -> AppTest:
    app.text_input(key="login_username").input(username)
    app.text_input(key="login_password").input(password)
    next(b for b in app.button if b.label == "登录").click()
    return app.run()


def shows_demo_accounts(app: AppTest) -> bool:
    return any("演示账号" in i.value for i in app.info) or any(
        "用户名" in d.value.columns and "密码" in d.value.columns for d in app.dataframe)


def test_the_demo_build_marks_the_warehouse_and_its_accounts(demo_warehouse):
    assert is_demo(demo_warehouse)
    assert {u.username for u in users.list_users(users.users_db_path(demo_warehouse)) if u.demo} == {
        "city", "wendeng", "analyst"}
    app = sign_in_page()
    assert shows_demo_accounts(app)
    assert sign_in(app, CITY_NAME, CITY_PASSWORD).session_state["_user"].username == CITY_NAME


def test_real_data_ends_the_demo_and_its_accounts(demo_warehouse, tmp_path):
    store = users.users_db_path(demo_warehouse)
    users.add_user(store, REAL_CLERK.username, "real-secret-1", role="市级", display_name=REAL_CLERK.display_name)
    [result] = load_uploads([real_drills(tmp_path)], demo_warehouse, user="市化工办 录入员")
    assert result.status == "loaded"
    assert not is_demo(demo_warehouse)  # published together with the real batch

    app = sign_in_page()
    assert not shows_demo_accounts(app)
    assert [u.username for u in users.list_users(store)] == [REAL_CLERK.username]  # the demo accounts are gone
    sign_in(app, CITY_NAME, CITY_PASSWORD)
    assert [e.value for e in app.error] == ["用户名或密码不正确。"]
    assert "_user" not in app.session_state

    signed_in = sign_in_page(REAL_CLERK)
    assert not any("演示数据" in i.value for i in signed_in.info)  # no demo banner


def test_a_demo_account_that_survived_is_still_refused(demo_warehouse, tmp_path, monkeypatch):
    def removal_fails(path):
        raise OSError("disk full")

    monkeypatch.setattr(users, "remove_demo_users", removal_fails)
    load_uploads([real_drills(tmp_path)], demo_warehouse, user="市化工办 录入员")
    store = users.users_db_path(demo_warehouse)
    assert CITY_NAME in {u.username for u in users.list_users(store)}  # still in the store ...
    app = sign_in(sign_in_page(), CITY_NAME, CITY_PASSWORD)
    assert [e.value for e in app.error] == ["用户名或密码不正确。"]  # ... but it cannot sign in
    assert users.audit_entries(store)[0][1:] == (CITY_NAME, "登录失败", "演示账号已停用（当前不是演示数据库）")


def test_a_load_that_loads_nothing_leaves_the_demo_as_it_was(demo_warehouse, tmp_path):
    broken = tmp_path / "坏文件.xlsx"
    broken.write_bytes(b"PK\x03\x04 not a workbook")
    [result] = load_uploads([("坏文件.xlsx", broken.read_bytes())], demo_warehouse, user="市化工办 录入员")
    assert result.status == "rejected"
    assert is_demo(demo_warehouse)
    assert len(users.list_users(users.users_db_path(demo_warehouse))) == 3
