"""The dashboard in a real browser: headless Debian Chromium driven through Playwright.

Starts `streamlit run dashboard.py` on 127.0.0.1 (a free port) against the small hand-built
warehouse, opens every page, checks its key Chinese text and that no Streamlit error box
appears, and saves a screenshot of each page under tests/artifacts/.
"""
from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest

from tests.app_warehouse import NAME_A
from tests.browser_harness import ERROR_BOX, USERNAME, add_city_user, chromium_browser, click_row, dashboard, \
    rerun_after, screenshot, sign_in
from tests.filemaker import CODE_A

PAGE_ERROR_TEXT = "页面加载出错"
# url path -> texts that must be visible once the page has drawn
PAGES = {
    "": ["总览", "八项目标指标", "指标 × 区市评定矩阵", "持证上岗率", "数据截至 2026年9月24日"],
    "compare": ["区市对比", "近八个季度走势", "区市排名"],
    "enterprise": ["企业画像", "查找企业"],
    "hazards": ["隐患整改", "本季度发现隐患", "超期未整改隐患", "重大隐患上报与移交"],
    "supervision": ["驻点工作", "工作日志填报", "特殊作业现场监督", "周小结"],
    "quality": ["数据质量", "隔离的数据行", "已导入文件", "拒收的文件"],
    "definitions": ["指标说明", "政策依据", "威化安转办发〔2021〕26号"],
    "pack": ["会商材料", "材料正文（可修改）"],
    "import": ["数据导入", "开始导入", "批次历史与撤销"],
    "audit": ["审计日志", "审计记录", "用户列表"],
}


@pytest.fixture(scope="module")
def users_db(tmp_path_factory) -> Path:
    return add_city_user(tmp_path_factory.mktemp("browser_users") / "access.sqlite3")


@pytest.fixture(scope="module")
def server(tmp_path_factory, users_db, small_warehouse):
    folder = tmp_path_factory.mktemp("browser")
    with dashboard(small_warehouse(folder), users_db, folder / "streamlit.log") as url:
        yield url


@pytest.fixture(scope="module")
def browser(server):
    with chromium_browser() as chromium:
        yield chromium


def _assert_only_safe_table_exports(page) -> None:
    """The grid's own CSV download (no formula neutralising, no BOM) is hidden; ours are there."""
    grids = page.locator('[data-testid="stDataFrame"]')
    if grids.count() == 0:
        return
    grids.first.scroll_into_view_if_needed()
    grids.first.hover()
    toolbar = grids.first.locator('[data-testid="stElementToolbar"]')
    toolbar.get_by_role("button", name="Search").wait_for(state="visible", timeout=30_000)  # the toolbar is up
    own_download = toolbar.locator('button[aria-label="Download as CSV"]')
    assert own_download.count() == 1 and not own_download.is_visible()
    assert page.get_by_role("button", name="下载 Excel").count() >= 1
    assert page.get_by_role("button", name="下载 CSV").count() >= 1


@pytest.mark.parametrize("url_path", list(PAGES))
def test_every_page_draws_without_errors(browser, server, url_path):
    page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    try:
        sign_in(page, f"{server}/{url_path}")
        for text in PAGES[url_path]:
            try:
                page.get_by_text(text, exact=False).filter(visible=True).first.wait_for(timeout=30_000)
            except Exception:
                screenshot(page, f"missing_text_{url_path or 'overview'}")
                raise
        assert page.locator(ERROR_BOX).count() == 0
        assert page.get_by_text(PAGE_ERROR_TEXT).count() == 0
        assert page.get_by_text("无法识别").count() == 0
        _assert_only_safe_table_exports(page)
        screenshot(page, url_path or "overview")
    finally:
        page.close()


def test_a_link_reproduces_the_view_and_bad_values_are_ignored(browser, server):
    page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    try:
        sign_in(page, f"{server}/hazards?q=2026Q3&d=%E8%8D%A3%E6%88%90%E5%B8%82&d=%E7%81%AB%E6%98%9F")
        # 荣成市 (URL-encoded) is kept, the unknown 火星 is dropped; the header names the chosen district
        page.get_by_text("2026年第三季度　|　截至日期 2026年9月30日（季度末）　|　荣成市").wait_for(timeout=30_000)
        assert page.locator(ERROR_BOX).count() == 0
        assert "%E7%81%AB%E6%98%9F" not in page.url
        screenshot(page, "hazards_rongcheng")
    finally:
        page.close()


def test_enterprise_profile_opens_from_a_link(browser, server):
    page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    try:
        label = f"{NAME_A}（文登区） {CODE_A}"
        sign_in(page, f"{server}/enterprise?ent={urllib.request.quote(label)}")
        page.get_by_text("人员与证书").first.wait_for(timeout=30_000)
        page.locator('[data-testid="stButtonGroup"] button', has_text="隐患台账").click()
        page.get_by_text("查看隐患的对账销号记录").wait_for(timeout=30_000)
        assert page.locator(ERROR_BOX).count() == 0
        screenshot(page, "enterprise_profile")
    finally:
        page.close()


def test_clicking_a_matrix_cell_lists_its_shortfall(browser, server):
    page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    try:
        sign_in(page, f"{server}/")
        grid = page.locator('.st-key-ov_matrix [data-testid="stDataFrame"]')
        # the third indicator row (隐患整改率): click its name cell ...
        rerun_after(page, lambda: click_row(grid, "隐患整改率"))
        page.get_by_text("隐患整改率（全市").wait_for(timeout=30_000)
        # ... then move the selected cell right: 全市, 环翠区, 文登区
        for _ in range(3):
            rerun_after(page, lambda: page.keyboard.press("ArrowRight"))
        page.get_by_text("隐患整改率（文登区").wait_for(timeout=30_000)
        # 文登区 hazards found in 2026Q3 and not rectified by 09-30: H-A2 and H-A3
        page.get_by_text("未整改隐患　共 2 条", exact=True).wait_for(timeout=30_000)
        assert page.locator(ERROR_BOX).count() == 0
    finally:
        page.close()


def test_clicking_a_roster_row_opens_the_enterprise(browser, server):
    page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    try:
        sign_in(page, f"{server}/enterprise")
        grid = page.locator('.st-key-ent_list [data-testid="stDataFrame"]')
        rerun_after(page, lambda: click_row(grid, NAME_A, row_marker=True))
        page.locator('[data-testid="stButtonGroup"] button', has_text="人员与证书").wait_for(timeout=30_000)
        assert CODE_A in urllib.request.unquote(page.url)  # the chosen enterprise is in the link
        assert page.locator(ERROR_BOX).count() == 0
    finally:
        page.close()


def test_clicking_a_district_bar_lists_its_shortfall(browser, server):
    page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    try:
        sign_in(page, f"{server}/compare")
        # bars best first: 荣成市 100.0 %, 文登区 50.0 %, then the districts without data
        bar = page.locator(".st-key-cmp_bars g.point path").nth(1)
        bar.scroll_into_view_if_needed()
        box = bar.bounding_box()  # plotly's drag layer lies above the bars: click the spot, not the element
        # near the bar's end: its start may lie left of the zoomed axis, clipped away
        rerun_after(page, lambda: page.mouse.click(box["x"] + box["width"] * 0.9, box["y"] + box["height"] / 2))
        page.get_by_text("持证上岗率（文登区").wait_for(timeout=30_000)
        page.get_by_text("无证或证书过期人员　共 2 条", exact=True).wait_for(timeout=30_000)
        assert page.locator(ERROR_BOX).count() == 0
    finally:
        page.close()


def test_table_downloads_are_xlsx_and_csv_with_a_bom(browser, server, users_db, tmp_path):
    import openpyxl

    page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN", accept_downloads=True)
    try:
        sign_in(page, f"{server}/hazards")
        overdue = page.locator(".st-key-hz_overdue_csv button")
        overdue.scroll_into_view_if_needed()
        with page.expect_download(timeout=30_000) as csv_download:
            overdue.click()
        csv_path = tmp_path / csv_download.value.suggested_filename
        csv_download.value.save_as(csv_path)
        assert csv_path.name == "超期未整改隐患_全部区市_2026-09-30.csv"
        content = csv_path.read_bytes()
        assert content.startswith(b"\xef\xbb\xbf")
        assert "H-A0" in content.decode("utf-8-sig") and "H-A2" in content.decode("utf-8-sig")
        with page.expect_download(timeout=30_000) as xlsx_download:
            page.locator(".st-key-hz_overdue_xlsx button").click()
        xlsx_path = tmp_path / xlsx_download.value.suggested_filename
        xlsx_download.value.save_as(xlsx_path)
        sheet = openpyxl.load_workbook(xlsx_path).active
        assert [cell.value for cell in sheet[1]][:3] == ["区市", "企业名称", "统一社会信用代码"]
        assert sheet.max_row == 3  # header + H-A0 + H-A2
        from access import users

        exported = [(who, what, detail) for _, who, what, detail in users.audit_entries(users_db) if what == "导出表格"]
        assert (USERNAME, "导出表格", csv_path.name) in exported and (USERNAME, "导出表格", xlsx_path.name) in exported
    finally:
        page.close()


def test_a_wrong_password_is_refused(browser, server):
    page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    try:
        page.goto(f"{server}/hazards", wait_until="domcontentloaded")
        fields = page.locator('[data-testid="stForm"] input')
        fields.nth(0).fill(USERNAME)
        fields.nth(1).fill("not-the-password")
        page.get_by_role("button", name="登录").click()
        page.get_by_text("用户名或密码不正确").wait_for(timeout=30_000)
        assert page.get_by_text("本季度发现隐患").count() == 0
        screenshot(page, "login_refused")
    finally:
        page.close()
