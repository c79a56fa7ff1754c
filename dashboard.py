"""威海市化工专项行动 数据分析看板 — entry point (`streamlit run dashboard.py`).

Owns the page configuration, the demo database on first start, the global
sidebar filters and the navigation; each page under `pages/` only draws.
"""
from __future__ import annotations

import logging

import streamlit as st

from etl.bootstrap import ensure_demo_database
from etl.config import districts as configured_districts
from metrics import explore
from metrics.quarters import available_quarters
from ui import data
from ui.filters import sidebar_filters
from ui.style import apply_style

log = logging.getLogger("dashboard")
APP_TITLE = "化工专项行动数据看板"

st.set_page_config(page_title=APP_TITLE, page_icon=":material/shield:", layout="wide", initial_sidebar_state="expanded")
apply_style()

PAGES = {
    "季度分析": [
        st.Page("pages/overview.py", title="总览", icon=":material/dashboard:", url_path="overview", default=True),
        st.Page("pages/compare.py", title="区市对比", icon=":material/bar_chart:", url_path="compare"),
        st.Page("pages/enterprise.py", title="企业画像", icon=":material/factory:", url_path="enterprise"),
        st.Page("pages/hazards.py", title="隐患整改", icon=":material/build:", url_path="hazards"),
        st.Page("pages/supervision.py", title="驻点工作", icon=":material/badge:", url_path="supervision"),
    ],
    "数据与口径": [
        st.Page("pages/quality.py", title="数据质量", icon=":material/fact_check:", url_path="quality"),
        st.Page("pages/definitions.py", title="指标说明", icon=":material/menu_book:", url_path="definitions"),
    ],
}


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


def sidebar_brand() -> None:
    with st.sidebar:
        city = configured_districts().city
        st.markdown(f"### {city}化工专项行动\n数据分析看板")


def data_notice() -> None:
    """Say plainly when the figures come from demo data, or when there is no data yet."""
    if not data.query(explore.has_any_data):
        st.info("数据库中还没有任何数据。请先导入各区市报送的台账（命令行：`python -m etl load 文件或文件夹`），"
                "各页面随后即显示统计结果。", icon=":material/upload_file:")
    elif data.query(explore.is_demo):
        st.info("当前显示的是系统自动生成的**演示数据**，并非各区市实际报送数据。导入真实台账后即显示实际情况。",
                icon=":material/science:")


def main() -> None:
    sidebar_brand()
    navigation = st.navigation(PAGES, position="sidebar", expanded=True)
    if not ensure_database():
        st.error(f"没有找到数据库文件 {data.db_path()}，也无法生成演示数据。请先运行 `python -m etl ensure-demo` "
                 "或导入各区市报送的台账后再打开看板。")
        st.stop()
    sidebar_filters(data.query(available_quarters))
    data_notice()
    try:
        navigation.run()
    except Exception:  # a page failed: log the details, show the user what to do
        log.exception("page %s failed", navigation.title)
        st.error(f"「{navigation.title}」页面加载出错，请刷新重试；若仍出错，请把当前网址发给系统管理员。")
    footer()


def footer() -> None:
    """Drawn last on every run (the browser tests also wait for it)."""
    st.divider()
    st.caption(f"{configured_districts().city}化工专项行动办公室 · 数据分析看板 · 仅供内部工作研判使用")


main()
