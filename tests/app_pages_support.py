"""Opening a dashboard page through Streamlit's AppTest, signed in, on a warehouse built by the tests."""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from access.users import User

APP = str(Path(__file__).resolve().parent.parent / "dashboard.py")
TIMEOUT = 60
CITY_USER = User("city_tester", "市化工办 测试", "市级", None)
WENDENG_USER = User("wendeng_tester", "文登区 测试", "区市", "文登区")


def open_app(monkeypatch, db: Path, page: str | None = None, query: dict | None = None,
             user: User | None = CITY_USER, timeout: int = TIMEOUT) -> AppTest:
    """The app on `db`, signed in as `user` (None: not signed in), on `page` (None: the overview)."""
    monkeypatch.setenv("WEIHAI_DB", str(db))
    monkeypatch.setenv("WEIHAI_USERS_DB", str(db.with_name("access.sqlite3")))
    app = AppTest.from_file(APP, default_timeout=timeout)
    app.query_params.update(query or {})
    if user is not None:
        app.session_state["_user"] = user
    app.run()
    if page:
        app.switch_page(page).run()
    assert_clean(app)
    return app


# the pages drawn a section at a time, and the key of their choice of section
SECTION_KEYS = {"pages/hazards.py": "hz_view", "pages/supervision.py": "sv_view"}


def show_section(app: AppTest, key: str, section: str) -> AppTest:
    """Choose one section of a page drawn in sections (驻点工作 `sv_view`, 隐患整改 `hz_view`) and draw it."""
    app.segmented_control(key=key).set_value(section).run()
    assert_clean(app)
    return app


def each_section(app: AppTest, key: str):
    """The page drawn with each of its sections chosen in turn."""
    for section in app.segmented_control(key=key).options:
        yield show_section(app, key, section)


def assert_clean(app: AppTest) -> None:
    assert not app.exception, [e.value for e in app.exception]
    assert not app.error, [e.value for e in app.error]
