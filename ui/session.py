"""Who is signed in: the login form, the guard every page runs first, idle expiry, sign-out,
the upload gate, and the audit trail of what users do."""
from __future__ import annotations

import re
import time

import pandas as pd
import streamlit as st

from access import users
from core.settings import setting
from metrics import overview
from ui import data
from ui.identity import USER_KEY, current_user

LAST_SEEN_KEY = "_last_seen"
NOTICE_KEY = "_login_notice"
NOT_SIGNED_IN = "（未登录）"


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
    st.session_state.clear()
    if notice:
        st.session_state[NOTICE_KEY] = notice
    _drop_session_files()


def _expire_if_idle() -> None:
    user = current_user()
    if user is None:
        return
    now = time.time()
    if now - st.session_state.get(LAST_SEEN_KEY, now) > _idle_limit_seconds():
        users.record(users_path(), user.username, "会话超时", "")
        _end_session("长时间未操作，会话已过期，请重新登录。")
        return
    st.session_state[LAST_SEEN_KEY] = now


def sign_out() -> None:
    user = current_user()
    if user:
        users.record(users_path(), user.username, "退出登录", "")
    _end_session()


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


def login_page() -> None:
    """The sign-in form; on success the user is kept in the session and the app reruns."""
    st.title("化工专项行动数据看板")
    st.caption("请使用市、区市化工专项行动办公室分配的账号登录。")
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice:
        st.warning(notice)
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
            st.rerun()
    if demo:
        _demo_accounts()


def require_user() -> users.User | None:
    """The signed-in user after the idle check; None when the login page must be shown."""
    _expire_if_idle()
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
