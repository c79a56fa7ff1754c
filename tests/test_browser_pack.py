"""会商材料 in a real browser (headless Debian Chromium through Playwright): the chart images' ZIP.

Before (issue 14 item 9): after 生成图表图片, 下载图表图片（ZIP） did nothing and showed no error — the
download is made when it is clicked, outside the page's run, and it looked the archive up in
st.session_state, which there is not the user's (Streamlit: `MediaFileStorageError … no key`).
Now the button holds the archive itself: the click downloads a ZIP of the 23 chart PNGs, audited.
"""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from access import users
from tests.browser_harness import TIMEOUT_MS, USERNAME, add_city_user, chromium_browser, dashboard, rerun_after, \
    screenshot, sign_in

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ZIP_NAME = "会商材料_2026Q3_全市_图表.zip"


@pytest.fixture(scope="module")
def users_db(tmp_path_factory) -> Path:
    return add_city_user(tmp_path_factory.mktemp("pack_browser_users") / "access.sqlite3")


@pytest.fixture(scope="module")
def server(tmp_path_factory, users_db, small_warehouse):
    folder = tmp_path_factory.mktemp("pack_browser")
    with dashboard(small_warehouse(folder), users_db, folder / "streamlit.log") as url:
        yield url


@pytest.fixture(scope="module")
def browser(server):
    with chromium_browser() as chromium:
        yield chromium


def test_the_chart_images_zip_downloads_after_it_is_made(browser, server, users_db, tmp_path):
    page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN", accept_downloads=True)
    try:
        sign_in(page, f"{server}/pack")
        make = page.locator(".st-key-pack_png_make button")
        make.scroll_into_view_if_needed()
        rerun_after(page, make.click)  # the run that renders the 23 charts in Chromium
        download_button = page.locator(".st-key-pack_png button")
        download_button.wait_for(state="visible", timeout=TIMEOUT_MS)
        assert page.locator('[data-testid="stException"]').count() == 0
        with page.expect_download(timeout=TIMEOUT_MS) as download:
            download_button.click()
        saved = tmp_path / download.value.suggested_filename
        download.value.save_as(saved)
        assert download.value.failure() is None
        assert saved.name == ZIP_NAME
        archive = zipfile.ZipFile(io.BytesIO(saved.read_bytes()))
        names = archive.namelist()
        assert len(names) == 23  # the overview, and the bars and the trend of each of the 11 indicators
        assert names[0] == "会商材料_2026Q3_全市_图表/01_各项指标完成情况.png"
        assert all(archive.read(name).startswith(PNG_SIGNATURE) for name in names)
        downloads = [(who, detail) for _, who, what, detail in users.audit_entries(users_db) if what == "下载会商材料"]
        assert (USERNAME, ZIP_NAME) in downloads
        screenshot(page, "pack_zip_downloaded")
    finally:
        page.close()
