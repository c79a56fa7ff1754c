"""Who is signed in: the login form, idle expiry, sign-out, and the audit trail of what they do."""
from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from etl import users
from etl.config import settings
from metrics import explore
from ui import data

USER_KEY = "_user"
LAST_SEEN_KEY = "_last_seen"
NOTICE_KEY = "_login_notice"


def users_path():
    return users.users_db_path(data.db_path())


def current_user() -> users.User | None:
    return st.session_state.get(USER_KEY)


def audit(action: str, detail: str = "") -> None:
    """Record what the signed-in user did (imports, rollbacks, downloads, exports)."""
    user = current_user()
    users.record(users_path(), user.username if user else "（未登录）", action, detail)


def audited(make, action: str, file_name: str):
    """A download's contents, made when the user clicks (outside the page run), with an audit entry."""
    user = current_user()
    username = user.username if user else "（未登录）"
    path = users_path()

    def build() -> bytes:
        content = make()
        users.record(path, username, action, file_name)
        return content

    return build


def _idle_limit_seconds() -> float:
    return settings()["access"]["session_idle_minutes"] * 60


def _expire_if_idle() -> None:
    user = current_user()
    if user is None:
        return
    now = time.time()
    if now - st.session_state.get(LAST_SEEN_KEY, now) > _idle_limit_seconds():
        users.record(users_path(), user.username, "会话超时", "")
        st.session_state.pop(USER_KEY, None)
        st.session_state[NOTICE_KEY] = "长时间未操作，会话已过期，请重新登录。"
        return
    st.session_state[LAST_SEEN_KEY] = now


def sign_out() -> None:
    user = current_user()
    if user:
        users.record(users_path(), user.username, "退出登录", "")
    st.session_state.pop(USER_KEY, None)


def _demo_accounts() -> None:
    rows = [{"用户名": name, "密码": password, "角色": role, "区市": district or "全部"}
            for name, _, role, district, password in users.DEMO_USERS]
    st.info("当前是**演示数据库**，可用以下演示账号登录（导入真实数据的正式库不显示这些账号）：", icon=":material/science:")
    st.dataframe(pd.DataFrame(rows), hide_index=True)


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
    with st.form("login"):
        username = st.text_input("用户名", key="login_username")
        password = st.text_input("密码", type="password", key="login_password")
        submitted = st.form_submit_button("登录", type="primary")
    if submitted:
        try:
            user = users.authenticate(users_path(), username.strip(), password)
        except users.AccessError as error:
            st.error(str(error))
        else:
            st.session_state[USER_KEY] = user
            st.session_state[LAST_SEEN_KEY] = time.time()
            st.rerun()
    if data.database_exists() and data.query(explore.is_demo):
        _demo_accounts()


def require_user() -> users.User | None:
    """The signed-in user after the idle check; None when the login page must be shown."""
    _expire_if_idle()
    return current_user()
