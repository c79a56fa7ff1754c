"""威海市化工专项行动 数据分析看板 — entry point (`streamlit run dashboard.py`).

Owns the page configuration, the demo database on first start, sign-in, the global
sidebar filters and the navigation; each page under `pages/` checks sign-in itself
(`ui.session.require_page`) and draws.

This file is used twice. `streamlit run dashboard.py` first imports it as a module
and serves the `app` built at the bottom: Streamlit with the upload gate in front
(`ui.session.UploadGate`), in place from the very first request. Streamlit then
runs it as a script (`__main__`) for every browser session: `main()`.
"""
from __future__ import annotations

import logging
import math

import streamlit as st
from streamlit import config as streamlit_config

from demo.bootstrap import ensure_demo_database
from core.config import districts as configured_districts
from core.calendar import calendar_problem
from core.settings import SettingsError, setting, settings
from access.users import ROLES, User
from metrics import overview
from access.scope import OutOfScope
from ui import data, session
from ui.filters import QuarterInputs, sidebar_filters
from ui.meetings import draft_city_paper_ahead
from ui.style import apply_style
from ui.text import plain

log = logging.getLogger("dashboard")
# Pages whose content does not depend on the quarter, the as-of date or the districts: no filters there.
UNFILTERED_PAGES = {"import", "definitions", "audit"}

def pages_for(user: User | None) -> dict[str, list]:
    """The navigation; 数据导入 and 审计日志 only for city-level users.

    Before sign-in every page is declared (none is run), so a deep link survives the sign-in.
    """
    analysis = [
        st.Page("pages/overview.py", title="总览", icon=":material/dashboard:", url_path="overview", default=True),
        st.Page("pages/compare.py", title="区市对比", icon=":material/bar_chart:", url_path="compare"),
        st.Page("pages/enterprise.py", title="企业画像", icon=":material/factory:", url_path="enterprise"),
        st.Page("pages/hazards.py", title="隐患整改", icon=":material/build:", url_path="hazards"),
        st.Page("pages/supervision.py", title="驻点工作", icon=":material/badge:", url_path="supervision"),
        st.Page("pages/pack.py", title="会商材料", icon=":material/description:", url_path="pack"),
    ]
    about_data = [
        st.Page("pages/quality.py", title="数据质量", icon=":material/fact_check:", url_path="quality"),
        st.Page("pages/reconcile.py", title="数据可信度", icon=":material/rule:", url_path="reconcile"),
        st.Page("pages/definitions.py", title="指标说明", icon=":material/menu_book:", url_path="definitions"),
    ]
    if user is None or user.can_import:
        about_data.insert(0, st.Page("pages/data_import.py", title="数据导入", icon=":material/upload_file:",
                                     url_path="import"))
        about_data.append(st.Page("pages/audit.py", title="审计日志", icon=":material/history:", url_path="audit"))
    return {"季度分析": analysis, "数据与口径": about_data}


def ensure_database() -> bool:
    """Build the demo warehouse on first start; False when there is still no database."""
    if data.database_exists():
        return True
    try:
        with st.spinner("首次启动：正在生成演示数据库，请稍候……"):
            ensure_demo_database(data.db_path())
    except Exception:
        log.exception("building the demo database failed")
        return False
    return data.database_exists()


def sidebar_user(user: User) -> None:
    with st.sidebar:
        city = configured_districts().city
        st.markdown(f"### {city}化工专项行动\n数据分析看板")
        role = ROLES.get(user.role, user.role).split("（")[0]
        st.caption(f"{user.display_name} · {role}" + (f" · {user.district}" if user.district else ""))
        st.button("退出登录", on_click=session.sign_out, icon=":material/logout:", key="sign_out")


def data_notice() -> None:
    """Say plainly when the figures come from demo data, or when there is no data yet."""
    if not data.query(overview.has_any_data):
        st.info("数据库中还没有任何数据。请先导入各区市报送的台账（命令行：`python -m etl load 文件或文件夹`），"
                "各页面随后即显示统计结果。", icon=":material/upload_file:")
    elif data.query(overview.is_demo):
        st.info("当前显示的是系统自动生成的**演示数据**，并非各区市实际报送数据。导入真实台账后即显示实际情况。",
                icon=":material/science:")


def run_page(navigation) -> None:
    try:
        navigation.run()
    except OutOfScope as refusal:
        st.error(f"{refusal} 如需查看，请联系市化工专项行动办公室。", icon=":material/lock:")
    except Exception:  # a page failed: log the details, show the user what to do
        log.exception("page %s failed", navigation.title)
        st.error(f"「{navigation.title}」页面加载出错，请刷新重试；若仍出错，请把当前网址发给系统管理员。")


def footer() -> None:
    """Drawn last on every run (the browser tests also wait for it)."""
    st.divider()
    st.caption(f"{configured_districts().city}化工专项行动办公室 · 数据分析看板 · 仅供内部工作研判使用")


def tie_upload_limit() -> None:
    """Streamlit's own upload size limit is the import setting ([import] max_upload_mb)."""
    try:
        limit = math.ceil(setting("import.max_upload_mb"))
    except SettingsError as error:  # every session's run shows it (`settings_checked`)
        log.error("%s", error)
        return
    if streamlit_config.get_option("server.maxUploadSize") != limit:
        streamlit_config.set_option("server.maxUploadSize", limit, "config/settings.toml")


def settings_checked() -> None:
    """A bad settings file stops every page before anything reads it, naming the key to fix."""
    try:
        settings()
    except SettingsError as error:
        st.error(f"系统设置有误，看板无法启动：{plain(error)} 改正后重启看板。", icon=":material/settings:")
        st.stop()
    problem = calendar_problem()
    if problem:
        st.error(f"节假日设置有误，看板无法启动：{plain(problem)} 改正后重启看板。", icon=":material/settings:")
        st.stop()


def main() -> None:
    st.set_page_config(page_title=session.app_title(), page_icon=":material/shield:", layout="wide",
                       initial_sidebar_state="expanded")
    apply_style()
    settings_checked()
    tie_upload_limit()
    if not ensure_database():
        st.error(f"没有找到数据库文件 {data.db_path()}，也无法生成演示数据。请先运行 `python -m etl ensure-demo` "
                 "或导入各区市报送的台账后再打开看板。")
        st.stop()
    user = session.require_user()
    # The navigation is declared before sign-in too, so a deep link opens its page once signed in.
    navigation = st.navigation(pages_for(user), position="sidebar" if user else "hidden", expanded=True)
    if user is None:
        _, middle, _ = st.columns([1, 2, 1])
        with middle:
            session.login_page()
    else:
        sidebar_user(user)
        session.hand_over_cookie()
        if navigation.url_path not in UNFILTERED_PAGES:
            sidebar_filters(QuarterInputs.from_counts(data.query(overview.quarter_inputs)),
                            own_districts=user.districts)
        data_notice()
        run_page(navigation)
    footer()


if __name__ == "__main__":  # a browser session's run
    main()
else:  # imported by `streamlit run` to be served
    from starlette.middleware import Middleware
    from starlette.routing import Route

    tie_upload_limit()
    # The slowest page's default view, drafted while the first user signs in, and again whenever what it reads changes.
    try:
        draft_city_paper_ahead()
    except Exception:  # the dashboard serves without it: the page drafts the paper when opened
        log.exception("drafting the city's meeting paper ahead failed")
    # Every export goes through the product's own buttons (audited, formula-neutralised): no table toolbar
    # download, no copying out of a table. Not a setting: it is part of what the product guarantees.
    streamlit_config.set_option("client.disableDataExport", True, "dashboard.py")
    app = st.App("dashboard.py", middleware=[Middleware(session.UploadGate)],
                 routes=[Route(session.COOKIE_ROUTE, session.cookie_endpoint, methods=["POST", "DELETE"])])
