"""The dashboard in a real browser: headless Debian Chromium driven through Playwright.

Starts `streamlit run dashboard.py` on 127.0.0.1 (a free port) against the small hand-built
warehouse, opens every page, checks its key Chinese text and that no Streamlit error box
appears, and saves a screenshot of each page under tests/artifacts/.
"""
from __future__ import annotations

import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.app_warehouse import NAME_A
from tests.browser_harness import ERROR_BOX, LOGIN_FORM, SIGNED_IN, TIMEOUT_MS, USERNAME, add_city_user, \
    chromium_browser, click_row, dashboard, rerun_after, screenshot, settle, sign_in
from tests.filemaker import CODE_A

PAGE_ERROR_TEXT = "页面加载出错"
# url path -> texts that must be visible once the page has drawn
PAGES = {
    "": ["总览", "八项目标指标", "指标 × 区市评定矩阵", "持证上岗率", "数据截至 2026年9月24日"],
    "compare": ["区市对比", "近八个季度走势", "区市排名"],
    "enterprise": ["企业画像", "查找企业"],
    "hazards": ["隐患整改", "发现隐患", "本季度发现的隐患：截至9月30日的状态", "需要关注", "重大隐患"],
    "supervision": ["驻点工作", "工作日志填报", "特殊作业", "周小结"],
    "quality": ["数据质量", "隔离的数据行", "已导入文件", "拒收的文件"],
    "reconcile": ["数据可信度", "各区市对账结果", "各驻点人员对账结果", "对账明细"],
    "definitions": ["指标说明", "政策依据", "威化安转办发〔2021〕26号"],
    "pack": ["会商材料", "材料正文（可修改）"],
    "import": ["数据导入", "开始导入", "批次历史与撤销"],
    "audit": ["审计日志", "审计记录", "用户列表"],
}


# 隐患整改 with its 需要关注 section chosen (the address keeps the section)
WATCHED_HAZARDS = f"hazards?hz_view={quote('需要关注')}"

DISTRICT_USER, DISTRICT_PASSWORD = "wendeng_tester", "browser-wendeng-2026"


@pytest.fixture(scope="module")
def users_db(tmp_path_factory) -> Path:
    from access import users

    path = add_city_user(tmp_path_factory.mktemp("browser_users") / "access.sqlite3")
    users.add_user(path, DISTRICT_USER, DISTRICT_PASSWORD, role="区市", display_name="文登区 测试", district="文登区")
    return path


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
    """The grid's own CSV download (no audit entry, no formula neutralising, no BOM) is not there at all (it
    used to be only hidden by CSS, and still worked); the product's own buttons are."""
    grids = page.locator('[data-testid="stDataFrame"]')
    if grids.count() == 0:
        return
    grids.first.scroll_into_view_if_needed()
    grids.first.hover()
    toolbar = grids.first.locator('[data-testid="stElementToolbar"]')
    toolbar.get_by_role("button", name="Search").wait_for(state="visible", timeout=30_000)  # the toolbar is up
    assert toolbar.locator('button[aria-label="Download as CSV"]').count() == 0
    assert page.locator('button[aria-label="Download as CSV"]').count() == 0
    assert page.get_by_role("button", name="下载 Excel").count() >= 1
    assert page.get_by_role("button", name="下载 CSV").count() >= 1


@pytest.fixture(scope="module")
def city_tabs(browser):
    """One browser profile for the city user's tabs: signed in once, later tabs resume by the session cookie."""
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN", accept_downloads=True)
    yield context
    context.close()


@pytest.fixture(scope="module")
def drawn(city_tabs, server):
    """`drawn(url_path)`: the city user's tab of that page as first drawn, opened on the first ask and kept open for
    the tests that only read it (a page of charts takes seconds of browser time to draw). A test that clicks or
    types opens a tab of its own."""
    tabs = {}

    def tab(url_path: str):
        if url_path not in tabs:
            page = city_tabs.new_page()
            sign_in(page, f"{server}/{url_path}")
            tabs[url_path] = page
        return tabs[url_path]

    yield tab
    for page in tabs.values():
        page.close()


@pytest.mark.parametrize("url_path", list(PAGES))
def test_every_page_draws_without_errors(drawn, url_path):
    page = drawn(url_path)
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
        # 文登区 hazards due in 2026Q3 and not rectified by 09-30: H-A2 (H-A3 is due 10-20)
        page.get_by_text("到期未整改隐患　共 1 条", exact=True).wait_for(timeout=30_000)
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


def test_table_downloads_are_xlsx_and_csv_with_a_bom(drawn, users_db, tmp_path):
    import openpyxl

    page = drawn(WATCHED_HAZARDS)  # a download does not run the page again: the tab is as drawn for the next test
    overdue = page.locator(".st-key-hz_overdue_hazards_csv button")
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
        page.locator(".st-key-hz_overdue_hazards_xlsx button").click()
    xlsx_path = tmp_path / xlsx_download.value.suggested_filename
    xlsx_download.value.save_as(xlsx_path)
    sheet = openpyxl.load_workbook(xlsx_path).active
    assert [cell.value for cell in sheet[1]][:3] == ["区市", "企业名称", "统一社会信用代码"]
    assert sheet.max_row == 3  # header + H-A0 + H-A2
    from access import users

    exported = [(who, what, detail) for _, who, what, detail in users.audit_entries(users_db) if what == "导出表格"]
    assert (USERNAME, "导出表格", csv_path.name) in exported and (USERNAME, "导出表格", xlsx_path.name) in exported


def test_a_chosen_watch_list_is_shown_and_its_count_stays_out_of_the_address(browser, server):
    """Before: the choice was bound to the address, which then held the list's shown name with its count
    (逾期整改隐患（1）): a link that broke once the count changed, and that chose no list when opened again."""
    page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    try:
        sign_in(page, f"{server}/{WATCHED_HAZARDS}")
        rerun_after(page, page.locator('[data-testid="stButtonGroup"] button', has_text="逾期整改隐患").click)
        title = '[data-testid="stMarkdownContainer"] strong'  # a table's title
        page.locator(title, has_text="逾期整改隐患").first.wait_for(timeout=30_000)
        assert page.locator(title, has_text="超期未整改隐患").count() == 0
        assert "hz_list" not in page.url and "hz_view=" in page.url
        page.goto(page.url, wait_until="domcontentloaded")  # the link as copied: the section, the first list
        settle(page)
        page.locator(title, has_text="超期未整改隐患").first.wait_for(timeout=30_000)
        assert page.locator(ERROR_BOX).count() == 0
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


def matrix_row(page, row: int) -> list[str]:
    """The texts of one row of the indicator × district matrix (drawn on a canvas; its cells are in the DOM)."""
    cells = page.locator(f'.st-key-ov_matrix [data-testid^="glide-cell-"][data-testid$="-{row}"]')
    cells.first.wait_for(state="attached", timeout=TIMEOUT_MS)
    return [text.strip() for text in cells.all_text_contents()]


def sign_in_as(page, url: str, username: str, password: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    fields = page.locator(f"{LOGIN_FORM} input")
    fields.nth(0).fill(username)
    fields.nth(1).fill(password)
    fields.nth(1).press("Enter")
    page.wait_for_selector(SIGNED_IN, timeout=TIMEOUT_MS)
    settle(page)


# --- labels true to what they count (issue 14) -----------------------------------------------------

def test_a_selection_of_districts_is_never_called_the_city(browser, server):
    """Before: with 文登区 and 乳山市 chosen, the drill text and the matrix said 全市 for the two combined."""
    page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    try:
        sign_in(page, f"{server}/?d=%E6%96%87%E7%99%BB%E5%8C%BA&d=%E4%B9%B3%E5%B1%B1%E5%B8%82")  # 文登区, 乳山市
        # 文登区 A 2 / 4 (乳山市 has only the closed C): 50.0 %, beside the real 全市 3 / 5 = 60.0 %
        page.get_by_text("持证上岗率（所选区市合计，2026年第三季度）：50.0%").wait_for(timeout=30_000)
        page.get_by_text("对照：全市 60.0%（3 / 5）").first.wait_for(timeout=30_000)
        assert page.get_by_text("持证上岗率（全市").count() == 0
        # the first row (持证上岗率): 所选区市合计, 文登区, 乳山市, and the real 全市 as the last column
        assert matrix_row(page, 0) == ["持证上岗率", "50.0%（2/4）", "50.0%（2/4）", "无数据", "60.0%（3/5）"]
        screenshot(page, "overview_selection")
    finally:
        page.close()


def test_a_district_user_sees_the_city_benchmark_and_their_district_marked(browser, server):
    page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    try:
        sign_in_as(page, f"{server}/", DISTRICT_USER, DISTRICT_PASSWORD)
        page.get_by_text("对照：全市 60.0%（3 / 5）").first.wait_for(timeout=30_000)
        assert matrix_row(page, 0) == ["持证上岗率", "50.0%（2/4）", "60.0%（3/5）"]  # 文登区, and 全市 as the benchmark
        page.goto(f"{server}/compare", wait_until="domcontentloaded")
        settle(page)
        ticks = page.locator(".st-key-cmp_bars .yaxislayer-above text").all_text_contents()
        assert "文登区（本区市）" in ticks and "荣成市" in ticks  # every district's rate, their own marked
        page.goto(f"{server}/hazards", wait_until="domcontentloaded")
        settle(page)
        assert page.get_by_text("H-B1").count() == 0  # 荣成市's hazard: no record of another district
        screenshot(page, "hazards_district_user")
    finally:
        page.close()


def card_periods(page) -> dict[str, str]:
    """Each count card's label and the period written under its number."""
    cards = page.locator('[data-testid="stMetric"]:has([data-testid="stMetricDelta"])')
    return {card.locator('[data-testid="stMetricLabel"]').inner_text().strip():
            card.locator('[data-testid="stMetricDelta"]').inner_text().strip() for card in cards.all()}


def test_every_count_card_says_its_period(drawn):
    """Before: 超期未整改 and 重大隐患未上报 (all quarters) stood beside one-quarter counts without saying so."""
    periods = card_periods(drawn("hazards"))
    assert {label: periods[label] for label in ("发现隐患", "已整改", "超期未整改", "重大隐患未上报")} == {
        "发现隐患": "本季度", "已整改": "本季度到期", "超期未整改": "截至9月30日累计", "重大隐患未上报": "截至9月30日累计"}
    periods = card_periods(drawn(""))
    assert (periods["超期未整改隐患"], periods["逾期整改隐患"], periods["90天内到期证书"]) == (
        "截至9月30日累计", "本季度", "截至9月30日")


def test_the_status_donut_follows_the_as_of_date(browser, server):
    """Before: the donut counted the latest ledger's 整改状态 whatever the as-of date (H-B1, rectified on
    09-24, was 已整改 as of 09-20)."""
    page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    try:
        sign_in(page, f"{server}/hazards?asof=2026-09-20")
        donut = page.locator(".st-key-hz_status")
        donut.get_by_text("本季度发现的隐患：截至9月20日的状态").wait_for(timeout=30_000)
        slices = [t.replace("\n", " ") for t in donut.locator("text.slicetext").all_text_contents()]
        # found by 09-20: H-A1 rectified 07-18 (not 销号); H-A2 overdue since 09-10; H-A3 and H-B1 within deadline
        assert sorted(slices) == sorted(["已整改未销号1", "整改期限内2", "超期未整改1"])
    finally:
        page.close()


# every card title whose text is wider than its box, and every tab or choice of section or list (a segmented
# control's buttons) reaching past the page column
CUT_TITLES_AND_TABS = """() => ({
  titles: [...document.querySelectorAll('[data-testid="stMetricLabel"] [data-testid="stMarkdownContainer"]')]
    .filter(e => e.checkVisibility() && e.scrollWidth > e.clientWidth + 1).map(e => e.textContent),
  tabs: [...document.querySelectorAll('[role="tablist"], [data-testid="stButtonGroup"]')]
    .filter(e => e.checkVisibility()).flatMap(list => {
      const box = list.closest('[data-testid="stVerticalBlock"]').getBoundingClientRect();
      return [...list.querySelectorAll('[role="tab"], button')]
        .filter(tab => tab.getBoundingClientRect().right > box.right + 1).map(tab => tab.textContent);
    }),
})"""


@pytest.mark.parametrize("url_path", ["", "reconcile", "hazards", WATCHED_HAZARDS, "supervision"])
def test_every_card_title_and_tab_can_be_read_whole(drawn, url_path):
    """Before: 超期重大隐患（挂…, 接任驻点人员未见… and 6 of 10 titles on 数据可信度 were cut off, and the 需要关注
    tabs ran past the right edge."""
    page = drawn(url_path)
    assert page.locator('[data-testid="stMetricLabel"]').count() > 0
    assert page.evaluate(CUT_TITLES_AND_TABS) == {"titles": [], "tabs": []}
