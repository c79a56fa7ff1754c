"""Who is signed in: the login form, the guard every page runs first, idle expiry, sign-out,
the session cookie that keeps a sign-in across reloads, the upload gate, and the audit trail of what users do.

Sign-in across reloads: a successful sign-in starts a session (`access.sessions`) and hands this tab a
one-time ticket; a script on the next page run trades the ticket at `POST /_weihai/session` for the signed
session cookie, set HttpOnly by that response (a Streamlit run cannot set a header itself). A new browser
session (reload, a copied link in another tab) reads the cookie from its connection (`st.context.cookies`)
and is signed in again if the session is still active. Every run of a signed-in tab checks its session, so
sign-out and idle expiry in one tab end every tab at its next run. No secret ever appears in a URL.
"""
from __future__ import annotations

import hashlib
import re
import secrets
import threading
import time

import pandas as pd
import streamlit as st

from access import sessions, users
from core.config import districts as configured_districts
from core.settings import setting
from metrics import overview
from ui import data
from ui.identity import USER_KEY, current_user

LAST_SEEN_KEY = "_last_seen"
NOTICE_KEY = "_login_notice"
SESSION_KEY = "_web_session"  # this tab's session cookie value (server memory only)
TICKET_KEY = "_cookie_ticket"
FORGET_KEY = "_forget_cookie"  # after sign-out: the ended cookie's digest, for the browser to drop it
NOT_SIGNED_IN = "（未登录）"
COOKIE_ROUTE = "/_weihai/session"


def users_path():
    return users.users_db_path(data.db_path())


def audit(action: str, detail: str = "") -> None:
    """Record what the signed-in user did (imports, rollbacks, downloads, exports)."""
    user = current_user()
    users.record(users_path(), user.username if user else NOT_SIGNED_IN, action, detail)


def audited(make, action: str, file_name: str):
    """A download's contents, made when the user clicks (outside the page run), with an audit entry."""
    user = current_user()
    username = user.username if user else NOT_SIGNED_IN
    path = users_path()

    def build() -> bytes:
        content = make()
        users.record(path, username, action, file_name)
        return content

    return build


def _idle_limit_seconds() -> float:
    return setting("access.session_idle_minutes") * 60


def _drop_session_files() -> None:
    """Forget this browser session's uploads and downloads, so no /media link of theirs works any more.

    A download made by clicking is a file no session refers to; Streamlit deletes such a
    file at the second sweep that finds it (the first only marks it), hence two sweeps.
    """
    from streamlit.runtime import Runtime
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is None or not Runtime.exists():
        return
    runtime = Runtime.instance()
    runtime.uploaded_file_mgr.remove_session_files(ctx.session_id)
    media = runtime.media_file_mgr
    media.clear_session_refs(ctx.session_id)
    media.remove_orphaned_files()
    media.remove_orphaned_files()


def _end_session(notice: str | None = None) -> None:
    """Everything the session held goes: the user, their widgets' values, their uploads and download files."""
    cookie = st.session_state.get(SESSION_KEY)
    st.session_state.clear()
    if notice:
        st.session_state[NOTICE_KEY] = notice
    if cookie:
        st.session_state[FORGET_KEY] = _digest(cookie)
    _drop_session_files()


IDLE_NOTICE = "长时间未操作，会话已过期，请重新登录。"
ENDED_NOTICE = "已在其他窗口退出登录，或会话已失效，请重新登录。"


def _check_session() -> None:
    """A signed-in tab: still signed in? (its session may have been ended in another tab, or gone idle)."""
    user = current_user()
    if user is None:
        return
    now = time.time()
    cookie = st.session_state.get(SESSION_KEY)
    if cookie is None:  # signed in without a session cookie: this tab's own idle clock
        if now - st.session_state.get(LAST_SEEN_KEY, now) > _idle_limit_seconds():
            users.record(users_path(), user.username, "会话超时", "")
            _end_session(IDLE_NOTICE)
            return
    else:
        check = sessions.check(users_path(), cookie, idle_seconds=_idle_limit_seconds())
        if check.state != sessions.ACTIVE:
            if check.state == sessions.IDLE:
                users.record(users_path(), user.username, "会话超时", "")
            idle = check.state == sessions.IDLE or check.reason == "会话超时"
            _end_session(IDLE_NOTICE if idle else ENDED_NOTICE)
            return
    st.session_state[LAST_SEEN_KEY] = now


def _browser_cookie() -> str | None:
    """The session cookie this browser sent when the tab connected (bounded; None when there is none)."""
    try:
        value = st.context.cookies.get(sessions.COOKIE_NAME)
    except Exception:  # no browser connection (a test harness): no cookie
        return None
    return value if isinstance(value, str) and len(value) <= sessions.MAX_COOKIE_LENGTH else None


def _resume() -> None:
    """A new tab (a reload, a copied link) of a browser with an active session cookie is signed in again."""
    if current_user() is not None or st.session_state.get(FORGET_KEY):
        return
    cookie = _browser_cookie()
    if cookie is None:
        return
    check = sessions.check(users_path(), cookie, idle_seconds=_idle_limit_seconds())
    if check.state == sessions.ACTIVE and check.user is not None:
        st.session_state[USER_KEY] = check.user
        st.session_state[SESSION_KEY] = cookie
        st.session_state[LAST_SEEN_KEY] = time.time()
        users.record(users_path(), check.user.username, "恢复会话", "刷新页面或在新标签页打开")
    elif check.state == sessions.IDLE:
        if check.user is not None:
            users.record(users_path(), check.user.username, "会话超时", "")
        st.session_state[NOTICE_KEY] = IDLE_NOTICE


def sign_out() -> None:
    user = current_user()
    if user:
        users.record(users_path(), user.username, "退出登录", "")
    cookie = st.session_state.get(SESSION_KEY)
    if cookie:
        sessions.end(users_path(), cookie)
    _end_session()


# --- the session cookie ------------------------------------------------------------------------------

def _digest(cookie: str) -> str:
    return hashlib.sha256(cookie.encode()).hexdigest()


class _Tickets:
    """One-time tickets a tab trades for its session cookie, kept in this process for a short while."""

    LIFETIME = 120.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: dict[str, tuple[str, float]] = {}

    def offer(self, cookie: str) -> str:
        ticket = secrets.token_urlsafe(32)
        now = time.monotonic()
        with self._lock:
            self._open = {t: v for t, v in self._open.items() if v[1] > now}
            self._open[ticket] = (cookie, now + self.LIFETIME)
        return ticket

    def is_open(self, ticket: str) -> bool:
        with self._lock:
            entry = self._open.get(ticket)
        return entry is not None and entry[1] > time.monotonic()

    def claim(self, ticket: str) -> str | None:
        with self._lock:
            cookie, until = self._open.pop(ticket, (None, 0.0))
        return cookie if until > time.monotonic() else None


_tickets = _Tickets()


def _start_session(user: users.User) -> None:
    cookie = sessions.start(users_path(), user.username)
    st.session_state[SESSION_KEY] = cookie
    st.session_state[TICKET_KEY] = _tickets.offer(cookie)


def _script(code: str = "") -> None:
    """A script run by the browser; drawn on every run, empty when there is nothing to do, so the elements
    after it keep their places (a disappearing element would make the browser redraw all that follow)."""
    st.html(f"<script>{code}</script>", unsafe_allow_javascript=True)


def _send(method: str, body: str) -> str:
    return (f'fetch("{COOKIE_ROUTE}", {{method: "{method}", credentials: "same-origin", '
            f'headers: {{"Content-Type": "text/plain"}}, body: "{body}"}});')


def hand_over_cookie() -> None:
    """On a signed-in tab's runs until the browser has traded its ticket for the session cookie."""
    ticket = st.session_state.get(TICKET_KEY)
    if ticket and not _tickets.is_open(ticket):
        del st.session_state[TICKET_KEY]
        ticket = None
    _script(_send("POST", ticket) if ticket else "")


def _forget_cookie() -> None:
    """After sign-out or expiry in this tab: the browser drops the cookie of the ended session (only that one)."""
    digest = st.session_state.pop(FORGET_KEY, None)
    _script(_send("DELETE", digest) if digest else "")


def _is_https(request) -> bool:
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto", "").lower() == "https"


def _cookie_header(value: str, request, *, clear: bool = False) -> str:
    attributes = ["Path=/", "HttpOnly", "SameSite=Strict"] + (["Secure"] if _is_https(request) else [])
    if clear:
        attributes.append("Max-Age=0")
    return "; ".join([f"{sessions.COOKIE_NAME}={value}", *attributes])


MAX_COOKIE_REQUEST = 256


async def _small_body(request) -> str | None:
    """The request body as text, or None when it is longer than any ticket or digest (read no further)."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_COOKIE_REQUEST):
        return None
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_COOKIE_REQUEST:
            return None
    try:
        return body.decode("ascii").strip()
    except UnicodeDecodeError:
        return None


async def cookie_endpoint(request):
    """`POST /_weihai/session` with a ticket: the session cookie (HttpOnly); `DELETE` with the digest of an
    ended session's cookie: that cookie is dropped. Anything else: 403, nothing set."""
    from starlette.responses import Response

    body = await _small_body(request)
    response = Response(status_code=204)
    if request.method == "POST":
        cookie = _tickets.claim(body) if body else None
        if cookie is None:
            return Response("会话凭据无效或已过期，请重新登录。", status_code=403, media_type="text/plain")
        response.headers.append("set-cookie", _cookie_header(cookie, request))
        response.headers["cache-control"] = "no-store"
        return response
    held = request.cookies.get(sessions.COOKIE_NAME, "")
    if body and held and len(held) <= sessions.MAX_COOKIE_LENGTH and secrets.compare_digest(_digest(held), body):
        response.headers.append("set-cookie", _cookie_header("", request, clear=True))
    return response


def _demo_accounts() -> None:
    rows = [{"用户名": name, "密码": password, "角色": role, "区市": district or "全部"}
            for name, _, role, district, password in users.DEMO_USERS]
    st.info("当前是**演示数据库**，可用以下演示账号登录（导入真实数据后这些账号即停用、不再显示）：", icon=":material/science:")
    st.dataframe(pd.DataFrame(rows), hide_index=True)


def _warehouse_is_demo() -> bool:
    return data.database_exists() and bool(data.query(overview.is_demo))


def client_address() -> str | None:
    """The browser's address as the server sees it (None on this machine itself)."""
    try:
        address = st.context.ip_address
    except Exception:  # no browser connection (e.g. a test harness): the address is unknown
        return None
    return address if isinstance(address, str) else None


def app_title() -> str:
    """威海市化工专项行动数据看板 (the city from config/districts.toml)."""
    return f"{configured_districts().city}化工专项行动数据看板"


def login_page() -> None:
    """The sign-in form; on success the user is kept in the session and the app reruns."""
    st.title(app_title())
    st.caption("请使用市、区市化工专项行动办公室分配的账号登录。")
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice:
        st.warning(notice)
    _forget_cookie()
    if not users.has_users(users_path()):
        st.error("系统尚未设置任何用户。请管理员在服务器上运行 `python -m etl users add 用户名 --role 市级 --name 显示名称` 后再登录。")
        return
    demo = _warehouse_is_demo()
    if not demo and data.database_exists():
        users.retire_demo_accounts(data.db_path())
    with st.form("login"):
        username = st.text_input("用户名", key="login_username")
        password = st.text_input("密码", type="password", key="login_password")
        submitted = st.form_submit_button("登录", type="primary")
    if submitted:
        try:
            user = users.authenticate(users_path(), username.strip(), password, address=client_address(),
                                      allow_demo=demo)
        except users.AccessError as error:
            st.error(str(error))
        else:
            st.session_state[USER_KEY] = user
            st.session_state[LAST_SEEN_KEY] = time.time()
            _start_session(user)
            st.rerun()
    if demo:
        _demo_accounts()


def require_user() -> users.User | None:
    """The signed-in user after the session check; None when the login page must be shown."""
    _check_session()
    _resume()
    return current_user()


def require_page(role: str | None = None) -> users.User:
    """The first statement of every page: stop with a sign-in prompt unless a user (of `role`) is signed in.

    A page file may be run without the entry point: Streamlit serves `pages/<file>.py`
    by its file name until `dashboard.py` has called `st.navigation` once in the
    process. Such a run is restarted through the entry point (and its sign-in form);
    whatever happens, nothing of the page runs before the checks below.
    """
    from ui.filters import _run_through_entrypoint

    _run_through_entrypoint()
    user = require_user()
    if user is None:
        st.warning("请先登录后再查看此页面。", icon=":material/lock:")
        st.markdown("[前往登录页](./)")
        st.stop()
    if role is not None and user.role != role:
        st.error(f"此页面仅{role}用户可以查看。", icon=":material/lock:")
        st.stop()
    return user


# --- the upload gate ---------------------------------------------------------------------------------

UPLOAD_PATH = re.compile(r"/_stcore/upload_file/([^/]+)/[^/]+/?$")
UPLOAD_REFUSED = "请先以市级用户登录，再上传文件。".encode()


def upload_allowed(session_id: str) -> bool:
    """Whether browser session `session_id` belongs to a signed-in, not idle, city-level user."""
    from streamlit.runtime import Runtime

    if not Runtime.exists():
        return False
    session = Runtime.instance().get_app_session(session_id)
    if session is None:
        return False
    try:
        user, seen = session.session_state[USER_KEY], session.session_state[LAST_SEEN_KEY]
    except Exception:  # not signed in: the keys are missing
        return False
    return isinstance(user, users.User) and user.can_import and time.time() - seen <= _idle_limit_seconds()


class UploadGate:
    """ASGI middleware: a file upload to `/_stcore/upload_file/<session>/<file>` is refused (403) before any
    of its body is read, unless that session belongs to a signed-in city-level user."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["method"] not in ("OPTIONS", "DELETE"):
            match = UPLOAD_PATH.search(scope["path"])
            if match and not upload_allowed(match.group(1)):
                await send({"type": "http.response.start", "status": 403,
                            "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                        (b"content-length", str(len(UPLOAD_REFUSED)).encode()),
                                        (b"connection", b"close")]})
                await send({"type": "http.response.body", "body": UPLOAD_REFUSED})
                return
        await self.app(scope, receive, send)
