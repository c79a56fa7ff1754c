"""Sign-in across reloads (a signed, HttpOnly session cookie), driven through headless Chromium.

- Before: a reload (F5), or a copied link opened in a new tab, showed the sign-in form again.
- Now: the tab that signs in trades a one-time ticket for the session cookie; a reload or a new tab is
  signed in again from it; sign-out in one tab, or idle expiry, ends the session for every tab and
  every copy of the cookie; a forged, altered or replayed value signs nobody in; no secret is in a URL.
"""
from __future__ import annotations

import sqlite3
import urllib.error
import urllib.request
from contextlib import closing
from pathlib import Path

import pytest

from access import sessions, users
from core.settings import setting
from tests.browser_harness import LOGIN_FORM, SIGNED_IN, TIMEOUT_MS, USERNAME, add_city_user, chromium_browser, \
    dashboard, settle, sign_in

COOKIE = sessions.COOKIE_NAME


@pytest.fixture(scope="module")
def users_db(tmp_path_factory) -> Path:
    return add_city_user(tmp_path_factory.mktemp("session_users") / "access.sqlite3")


@pytest.fixture(scope="module")
def server(tmp_path_factory, users_db, small_warehouse):
    folder = tmp_path_factory.mktemp("browser_session")
    with dashboard(small_warehouse(folder), users_db, folder / "streamlit.log") as url:
        yield url


@pytest.fixture(scope="module")
def chromium(server):
    with chromium_browser() as browser:
        yield browser


def is_cookie_handover(response) -> bool:
    return response.url.endswith("/_weihai/session") and response.request.method == "POST"


# The tabs of these tests open 指标说明: what they test is the session, and this page draws in a fraction of the
# browser time of a page of charts and tables.
LIGHT_PAGE, LIGHT_PAGE_TEXT = "/definitions", "政策依据"


def signed_in_tab(chromium, url: str, path: str = LIGHT_PAGE):
    """A new browser context signed in at `path`, once its session cookie is set; (context, page, cookie)."""
    context = chromium.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    page = context.new_page()
    with page.expect_response(is_cookie_handover, timeout=TIMEOUT_MS) as handover:
        sign_in(page, f"{url}{path}")
    assert handover.value.status == 204
    cookie = next(c for c in context.cookies() if c["name"] == COOKIE)
    return context, page, cookie


def shows_login(page) -> bool:
    page.wait_for_selector(f"{LOGIN_FORM}, {SIGNED_IN}", timeout=TIMEOUT_MS)
    return page.locator(LOGIN_FORM).count() == 1 and page.locator(SIGNED_IN).count() == 0


def test_a_reload_and_a_copied_link_stay_signed_in_by_an_httponly_cookie(chromium, server, users_db):
    context, page, cookie = signed_in_tab(chromium, server)
    try:
        assert (cookie["httpOnly"], cookie["sameSite"], cookie["path"]) == (True, "Strict", "/")
        assert COOKIE not in page.evaluate("document.cookie")  # scripts cannot read it
        link = page.url
        assert cookie["value"] not in link and "ticket" not in link
        page.reload(wait_until="domcontentloaded")  # F5
        assert not shows_login(page)
        settle(page)
        page.get_by_text(LIGHT_PAGE_TEXT).first.wait_for(timeout=TIMEOUT_MS)
        second = context.new_page()  # the copied link in a new tab
        second.goto(link, wait_until="domcontentloaded")
        assert not shows_login(second)
        settle(second)
        actions = [what for _, who, what, _ in users.audit_entries(users_db) if who == USERNAME]
        assert actions[:2] == ["恢复会话", "恢复会话"] and "登录" in actions
    finally:
        context.close()


def test_sign_out_in_one_tab_ends_the_session_in_every_tab_and_every_copy(chromium, server):
    context, first, cookie = signed_in_tab(chromium, server)
    try:
        second = context.new_page()
        second.goto(f"{server}{LIGHT_PAGE}", wait_until="domcontentloaded")
        assert not shows_login(second)
        settle(second)
        with first.expect_response(lambda r: r.url.endswith("/_weihai/session") and r.request.method == "DELETE",
                                   timeout=TIMEOUT_MS):
            first.locator(f"{SIGNED_IN} button").click()
            first.locator(LOGIN_FORM).wait_for(timeout=TIMEOUT_MS)
        assert COOKIE not in {c["name"] for c in context.cookies()}  # the browser dropped it
        # the other tab, still showing its page, is signed out at its next run
        second.get_by_role("link", name="隐患整改").click()
        second.locator(LOGIN_FORM).wait_for(timeout=TIMEOUT_MS)
        second.get_by_text("已在其他窗口退出登录").wait_for(timeout=TIMEOUT_MS)
        # a copy of the cookie taken before sign-out signs nobody in
        thief = chromium.new_context(locale="zh-CN")
        thief.add_cookies([{"name": COOKIE, "value": cookie["value"], "url": server}])
        stolen = thief.new_page()
        stolen.goto(f"{server}/hazards", wait_until="domcontentloaded")
        assert shows_login(stolen)
        thief.close()
    finally:
        context.close()


def test_an_idle_session_expires_at_the_next_reload(chromium, server, users_db):
    context, page, cookie = signed_in_tab(chromium, server)
    try:
        idle = setting("access.session_idle_minutes") * 60
        with closing(sqlite3.connect(users_db)) as con, con:  # the session was last used idle + 1 minute ago
            con.execute("UPDATE web_sessions SET last_seen = last_seen - ?, created_at = created_at - ? "
                        "WHERE ended_at IS NULL", [idle + 60, idle + 60])
        page.reload(wait_until="domcontentloaded")
        assert shows_login(page)
        page.get_by_text("长时间未操作，会话已过期，请重新登录。").wait_for(timeout=TIMEOUT_MS)
        assert sessions.check(users_db, cookie["value"], idle_seconds=idle).state == sessions.ENDED
        assert any(what == "会话超时" and who == USERNAME for _, who, what, _ in users.audit_entries(users_db))
    finally:
        context.close()


def test_forged_altered_and_unknown_cookies_sign_nobody_in(chromium, server):
    context, page, cookie = signed_in_tab(chromium, server)
    context.close()
    session_id, signature = cookie["value"].split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    forged = [f"{session_id}.{flipped}",  # a real session, a wrong signature
              f"{'x' * 43}.{signature}",  # another id under a real signature
              "x" * 3000,  # far longer than any value we issue
              "'OR'1'='1'--"]
    for value in forged:
        attacker = chromium.new_context(locale="zh-CN")
        attacker.add_cookies([{"name": COOKIE, "value": value, "url": server}])
        page = attacker.new_page()
        page.goto(f"{server}/hazards", wait_until="domcontentloaded")
        assert shows_login(page), value[:60]
        attacker.close()


def post(url: str, body: bytes, method: str = "POST") -> tuple[int, str | None]:
    request = urllib.request.Request(url, data=body, method=method, headers={"Content-Type": "text/plain"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers.get("set-cookie")
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("set-cookie")


def test_the_cookie_route_gives_nothing_for_a_wrong_ticket_or_a_large_body(server):
    assert post(f"{server}/_weihai/session", b"not-a-ticket") == (403, None)
    assert post(f"{server}/_weihai/session", b"x" * 100_000) == (403, None)
    assert post(f"{server}/_weihai/session", b"") == (403, None)
    status, header = post(f"{server}/_weihai/session", b"0" * 64, method="DELETE")
    assert (status, header) == (204, None)  # no cookie of that digest was sent: nothing is cleared
