"""The dashboard in a real browser: headless Debian Chromium driven through Playwright.

Starts `streamlit run dashboard.py` on 127.0.0.1 (a free port) against the small hand-built
warehouse, opens every page, checks its key Chinese text and that no Streamlit error box
appears, and saves a screenshot of each page under tests/artifacts/.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.test_app_data import build_small_warehouse

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ERROR_BOX = '[data-testid="stException"]'
PAGE_ERROR_TEXT = "页面加载出错"
FOOTER = "仅供内部工作研判使用"  # dashboard.py draws it after the page: the run has finished

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
USERNAME, PASSWORD = "city_admin", "browser-test-2026"


def _chromium_or_skip() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI") == "true":
        pytest.fail("/usr/bin/chromium 不存在：CI 上必须运行浏览器测试（apt-get install chromium）。")
    pytest.skip("/usr/bin/chromium is not installed on this machine")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError("streamlit did not become healthy")


@pytest.fixture(scope="module")
def users_db(tmp_path_factory) -> Path:
    from access import users

    path = tmp_path_factory.mktemp("browser_users") / "access.sqlite3"
    users.add_user(path, USERNAME, PASSWORD, role="市级", display_name="市化工办 测试")
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory, users_db):
    _chromium_or_skip()
    db = build_small_warehouse(tmp_path_factory.mktemp("browser"))
    port = _free_port()
    log = (tmp_path_factory.getbasetemp() / "streamlit.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.address", "127.0.0.1",
         "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env={**os.environ, "WEIHAI_DB": str(db), "WEIHAI_USERS_DB": str(users_db)},
        stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _open(page, url: str) -> None:
    """Go to `url`, sign in on the form that every new session shows first, and wait for the page."""
    page.goto(url, wait_until="domcontentloaded")
    signed_in = ".st-key-sign_out"  # the sign-out button: drawn only for a signed-in user
    page.wait_for_selector(f'[data-testid="stForm"], {signed_in}', timeout=60_000)
    if page.locator('[data-testid="stForm"]').count():
        fields = page.locator('[data-testid="stForm"] input')
        fields.nth(0).fill(USERNAME)
        fields.nth(1).fill(PASSWORD)
        fields.nth(1).press("Enter")  # submits the form
        page.wait_for_selector(signed_in, timeout=60_000)
    _settle(page)


def _settle(page) -> None:
    """Wait until Streamlit has finished running the script and drawing."""
    try:
        page.wait_for_selector('[data-testid="stSidebarNav"]', timeout=60_000)
    except Exception:
        _screenshot(page, "settle_failed")
        raise
    page.get_by_text(FOOTER).wait_for(state="visible", timeout=60_000)
    page.wait_for_function("() => document.querySelectorAll('[data-stale=\"true\"]').length === 0",
                           timeout=60_000)
    page.wait_for_timeout(1_500)


def _screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    height = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('[data-testid=\"stMain\"], section.main, body')]"
        ".map(e => e.scrollHeight))")
    page.set_viewport_size({"width": 1440, "height": min(max(900, int(height) + 40), 12_000)})
    page.wait_for_timeout(800)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def _assert_only_safe_table_exports(page) -> None:
    """The grid's own CSV download (no formula neutralising, no BOM) is hidden; ours are there."""
    grids = page.locator('[data-testid="stDataFrame"]')
    if grids.count() == 0:
        return
    grids.first.scroll_into_view_if_needed()
    grids.first.hover()
    page.wait_for_timeout(500)
    assert not page.locator('button[aria-label="Download as CSV"]').first.is_visible()
    assert page.get_by_role("button", name="下载 Excel").count() >= 1
    assert page.get_by_role("button", name="下载 CSV").count() >= 1


@pytest.mark.parametrize("url_path", list(PAGES))
def test_every_page_draws_without_errors(browser, server, url_path):
    page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    try:
        _open(page, f"{server}/{url_path}")
        for text in PAGES[url_path]:
            try:
                page.get_by_text(text, exact=False).filter(visible=True).first.wait_for(timeout=30_000)
            except Exception:
                _screenshot(page, f"missing_text_{url_path or 'overview'}")
                raise
        assert page.locator(ERROR_BOX).count() == 0
        assert page.get_by_text(PAGE_ERROR_TEXT).count() == 0
        assert page.get_by_text("无法识别").count() == 0
        _assert_only_safe_table_exports(page)
        _screenshot(page, url_path or "overview")
    finally:
        page.close()


def test_a_link_reproduces_the_view_and_bad_values_are_ignored(browser, server):
    page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    try:
        _open(page, f"{server}/hazards?q=2026Q3&d=%E8%8D%A3%E6%88%90%E5%B8%82&d=%E7%81%AB%E6%98%9F")
        # 荣成市 (URL-encoded) is kept, the unknown 火星 is dropped; the header names the chosen district
        page.get_by_text("2026年第三季度　|　截至日期 2026年9月30日（季度末）　|　荣成市").wait_for(timeout=30_000)
        assert page.locator(ERROR_BOX).count() == 0
        assert "%E7%81%AB%E6%98%9F" not in page.url
        _screenshot(page, "hazards_rongcheng")
    finally:
        page.close()


def test_enterprise_profile_opens_from_a_link(browser, server):
    from tests.filemaker import CODE_A
    from tests.test_app_data import NAME_A

    page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    try:
        label = f"{NAME_A}（文登区） {CODE_A}"
        _open(page, f"{server}/enterprise?ent={urllib.request.quote(label)}")
        page.get_by_text("人员与证书").first.wait_for(timeout=30_000)
        page.locator('[data-testid="stButtonGroup"] button', has_text="隐患台账").click()
        page.get_by_text("查看隐患的对账销号记录").wait_for(timeout=30_000)
        assert page.locator(ERROR_BOX).count() == 0
        _screenshot(page, "enterprise_profile")
    finally:
        page.close()


def test_clicking_a_matrix_cell_lists_its_shortfall(browser, server):
    page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    try:
        _open(page, f"{server}/")
        grid = page.locator('.st-key-ov_matrix [data-testid="stDataFrame"]')
        grid.scroll_into_view_if_needed()
        box = grid.bounding_box()
        # the third indicator row (隐患整改率): header and rows are 34 px high; click its name cell ...
        page.mouse.click(box["x"] + 30, box["y"] + 34 * 3 + 17)
        page.get_by_text("隐患整改率（全市").wait_for(timeout=30_000)
        # ... then move the selected cell right: 全市, 环翠区, 文登区
        for _ in range(3):
            page.keyboard.press("ArrowRight")
            page.wait_for_timeout(1_000)
        page.get_by_text("隐患整改率（文登区").wait_for(timeout=30_000)
        # 文登区 hazards found in 2026Q3 and not rectified by 09-30: H-A2 and H-A3
        page.get_by_text("未整改隐患　共 2 条", exact=True).wait_for(timeout=30_000)
        assert page.locator(ERROR_BOX).count() == 0
    finally:
        page.close()


def test_clicking_a_roster_row_opens_the_enterprise(browser, server):
    page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    try:
        _open(page, f"{server}/enterprise")
        grid = page.locator('.st-key-ent_list [data-testid="stDataFrame"]')
        grid.scroll_into_view_if_needed()
        box = grid.bounding_box()
        page.mouse.click(box["x"] + 15, box["y"] + 34 + 17)  # the row marker of the first enterprise
        page.locator('[data-testid="stButtonGroup"] button', has_text="人员与证书").wait_for(timeout=30_000)
        assert "ent=" in page.url  # the chosen enterprise is in the link
        assert page.locator(ERROR_BOX).count() == 0
    finally:
        page.close()


def test_clicking_a_district_bar_lists_its_shortfall(browser, server):
    page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    try:
        _open(page, f"{server}/compare")
        # bars best first: 荣成市 100.0 %, 文登区 50.0 %, then the districts without data
        bar = page.locator(".st-key-cmp_bars g.point path").nth(1)
        bar.scroll_into_view_if_needed()
        box = bar.bounding_box()  # plotly's drag layer lies above the bars: click the spot, not the element
        # near the bar's end: its start may lie left of the zoomed axis, clipped away
        page.mouse.click(box["x"] + box["width"] - 8, box["y"] + box["height"] / 2)
        page.get_by_text("持证上岗率（文登区").wait_for(timeout=30_000)
        page.get_by_text("无证或证书过期人员　共 2 条", exact=True).wait_for(timeout=30_000)
        assert page.locator(ERROR_BOX).count() == 0
    finally:
        page.close()


def test_table_downloads_are_xlsx_and_csv_with_a_bom(browser, server, users_db, tmp_path):
    import openpyxl

    page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN", accept_downloads=True)
    try:
        _open(page, f"{server}/hazards")
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
        _screenshot(page, "login_refused")
    finally:
        page.close()
