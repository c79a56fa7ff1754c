"""Every page checks sign-in itself, first thing, whichever way it is run.

Streamlit serves each `pages/<file>.py` by its file name (e.g. `/data_import`) until the
entry point has run once in the process; such a run never passes through `dashboard.py`.
Before: as the first request after a server start, `/data_import` showed the batch
history, the upload box and the rollback form, and `/audit` the audit log.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from access.users import User

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted((ROOT / "pages").glob("*.py"))
CITY_ONLY = {"data_import.py": "市级", "audit.py": "市级"}
ANALYST = User("analyst_1", "分析员", "分析", None)


def guard_of(path: Path) -> tuple[str, dict]:
    """The page's first statements after its docstring: the guard's import and call, else AssertionError."""
    body = ast.parse(path.read_text(encoding="utf-8")).body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    first, second = body[0], body[1]
    assert isinstance(first, ast.ImportFrom) and first.module == "ui.session" and \
        [a.name for a in first.names] == ["require_page"] and first.names[0].asname is None, \
        f"{path.name}: the first statement must be `from ui.session import require_page`"
    assert isinstance(second, ast.Expr) and isinstance(second.value, ast.Call) and \
        isinstance(second.value.func, ast.Name) and second.value.func.id == "require_page", \
        f"{path.name}: the second statement must call require_page(...)"
    assert not second.value.args, f"{path.name}: pass the role by name"
    return path.name, {k.arg: ast.literal_eval(k.value) for k in second.value.keywords}


def test_every_page_file_runs_the_guard_before_anything_else():
    assert len(PAGES) >= 10
    for path in PAGES:
        name, arguments = guard_of(path)
        assert arguments == ({"role": CITY_ONLY[name]} if name in CITY_ONLY else {}), name


@pytest.fixture(scope="module")
def small_db(tmp_path_factory, small_warehouse) -> Path:
    return small_warehouse(tmp_path_factory.mktemp("page_guard"))


def run_page_alone(monkeypatch, db: Path, page: Path, user: User | None) -> AppTest:
    """The page file run as the app itself, as Streamlit runs it when it is asked for by file name."""
    monkeypatch.setenv("WEIHAI_DB", str(db))
    monkeypatch.setenv("WEIHAI_USERS_DB", str(db.with_name("access.sqlite3")))
    app = AppTest.from_file(str(page), default_timeout=60)
    if user is not None:
        app.session_state["_user"] = user
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def shown_nothing_but(app: AppTest, warnings: list[str], errors: list[str]) -> None:
    assert [w.value for w in app.warning] == warnings
    assert [e.value for e in app.error] == errors
    assert not app.title and not app.dataframe and not app.metric and not app.get("plotly_chart")
    assert not app.get("file_uploader") and not app.get("download_button") and not app.button
    assert not app.selectbox and not app.get("form")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_a_page_run_by_its_file_name_shows_only_a_sign_in_prompt(monkeypatch, small_db, page):
    app = run_page_alone(monkeypatch, small_db, page, user=None)
    shown_nothing_but(app, ["请先登录后再查看此页面。"], [])
    assert [m.value for m in app.markdown] == ["[前往登录页](./)"]


@pytest.mark.parametrize("page", [p for p in PAGES if p.name in CITY_ONLY], ids=lambda p: p.name)
def test_city_only_pages_refuse_other_roles(monkeypatch, small_db, page):
    app = run_page_alone(monkeypatch, small_db, page, user=ANALYST)
    shown_nothing_but(app, [], ["此页面仅市级用户可以查看。"])
