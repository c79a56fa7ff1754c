"""Attacks on a freshly started dashboard (`streamlit run dashboard.py`), driven through headless Chromium.

- Before: as the first request after a server start, `/data_import` (the page's file name)
  showed the batch history, the upload box and the rollback form; `/audit` the audit log.
- Before: with the sign-in page's session id and XSRF cookie, anyone could PUT files to
  `/_stcore/upload_file/<session>/<file>` and the server kept them in memory.
- Before: a table export's `/media/<hash>` link still served the file after sign-out.
"""
from __future__ import annotations

import socket
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from core.settings import setting
from tests.browser_harness import DRAWN, ERROR_BOX, FOOTER, LOGIN_FORM, PASSWORD, ROOT, SIGNED_IN, TIMEOUT_MS, \
    USERNAME, add_city_user, chromium_browser, dashboard
from tests.filemaker import CODE_A, write_csv

PAGE_FILES = sorted(p.stem for p in (ROOT / "pages").glob("*.py"))
GUARD_TEXT = "请先登录后再查看此页面。"
# what any page would show of the data: none of it may appear before sign-in
DATA_SELECTORS = ('[data-testid="stDataFrame"]', '[data-testid="stFileUploader"]', '[data-testid="stDownloadButton"]',
                  '[data-testid="stMetric"]', '[data-testid="stPlotlyChart"]', '[data-testid="stSelectbox"]')
DATA_TEXTS = ("批次历史与撤销", "开始导入", "撤销批次", "审计记录", "用户列表", "隔离的数据行", "已导入文件")


@pytest.fixture
def warehouse_with_a_city_user(small_warehouse):
    """`warehouse_with_a_city_user(folder)`: a private copy of the small warehouse and a city user's database."""
    def make(folder: Path) -> tuple[Path, Path]:
        return small_warehouse(folder), add_city_user(folder / "access.sqlite3")
    return make


@pytest.fixture(scope="module")
def chromium():
    with chromium_browser() as browser:
        yield browser


def wait_until_drawn(page) -> None:
    """The run has finished: the footer (drawn last by dashboard.py) or the page guard's prompt is there."""
    page.get_by_text(FOOTER).or_(page.get_by_text(GUARD_TEXT)).first.wait_for(state="visible", timeout=TIMEOUT_MS)
    page.wait_for_function(DRAWN, timeout=TIMEOUT_MS)


def assert_no_data(page, name: str) -> None:
    for selector in DATA_SELECTORS + (ERROR_BOX,):
        assert page.locator(selector).count() == 0, f"/{name}: {selector}"
    for text in DATA_TEXTS:
        assert page.get_by_text(text).count() == 0, f"/{name}: {text}"
    # either the sign-in form (the request went through dashboard.py) or the guard's prompt
    assert page.locator(LOGIN_FORM).count() + page.get_by_text(GUARD_TEXT).count() == 1, name


@pytest.mark.parametrize("first", ["data_import", "audit", "quality"])
def test_pages_asked_for_by_file_name_first_show_no_data(chromium, tmp_path, warehouse_with_a_city_user, first):
    db, users_db = warehouse_with_a_city_user(tmp_path / "w")
    # one context for every tab: each tab is a session of its own, and the app's scripts load from the cache
    context = chromium.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    try:
        with dashboard(db, users_db, tmp_path / "streamlit.log") as url:
            page = context.new_page()
            page.goto(f"{url}/{first}", wait_until="domcontentloaded")
            wait_until_drawn(page)
            assert_no_data(page, first)
            if first == "quality":  # then every other page by its file name, all asked for at once
                others = {name: context.new_page() for name in PAGE_FILES if name != first}
                for name, page in others.items():
                    page.goto(f"{url}/{name}", wait_until="commit")
                for name, page in others.items():
                    wait_until_drawn(page)
                    assert_no_data(page, name)
    finally:
        context.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory, chromium, small_warehouse):
    folder = tmp_path_factory.mktemp("browser_security")
    db, users_db = small_warehouse(folder), add_city_user(folder / "access.sqlite3")
    with dashboard(db, users_db, folder / "streamlit.log") as url:
        # once the entry point has run, deep links such as /import resolve to their pages
        page = chromium.new_page()
        page.goto(url, wait_until="domcontentloaded")
        page.locator(LOGIN_FORM).wait_for(timeout=60_000)
        page.close()
        yield url


def session_id_of(page, url: str, path: str = "/") -> str:
    """Open `url + path`; the session id Streamlit gives this browser tab (its first message says it)."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    seen: list[str] = []

    def read(payload) -> None:
        if isinstance(payload, bytes):
            message = ForwardMsg()
            message.ParseFromString(payload)
            if message.WhichOneof("type") == "new_session":
                seen.append(message.new_session.initialize.session_id)

    page.on("websocket", lambda socket: socket.on("framereceived", read))
    page.goto(url + path, wait_until="domcontentloaded")
    page.locator(LOGIN_FORM).wait_for(timeout=60_000)
    assert seen, "no NewSession message"
    return seen[0]


def put_upload(url: str, session_id: str, xsrf: str, size: int) -> tuple[int, bytes, bool]:
    """PUT a `size`-byte file as the browser's uploader does, announcing it with `Expect: 100-continue`
    (as curl does for large bodies); (status, body, whether the server asked for the file's bytes)."""
    host, port = url.removeprefix("http://").split(":")
    boundary = "weihai-test-boundary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\n"
            "Content-Type: text/csv\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    request = (f"PUT /_stcore/upload_file/{session_id}/attack-file-1 HTTP/1.1\r\nHost: {host}:{port}\r\n"
               f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
               f"Content-Length: {len(head) + size + len(tail)}\r\nExpect: 100-continue\r\n"
               f"X-Xsrftoken: {xsrf}\r\nCookie: _streamlit_xsrf={xsrf}\r\n\r\n").encode()
    with socket.create_connection((host, int(port)), timeout=60) as connection:
        connection.sendall(request)
        reply = connection.makefile("rb")
        status = int(reply.readline().split()[1])
        asked_for_body = status == 100
        if asked_for_body:  # the server wants the file: send it, as an attacker would
            reply.readline()
            connection.sendall(head + b"x" * size + tail)
            status = int(reply.readline().split()[1])
        headers = {}
        while (line := reply.readline().strip()):
            name, _, value = line.decode().partition(":")
            headers[name.lower()] = value.strip()
        body = reply.read(int(headers.get("content-length", 0)))
    return status, body, asked_for_body


def uploads_held(url: str) -> str:
    """The server's own account of uploaded files kept in memory (the first /metrics call is computed fresh)."""
    with urllib.request.urlopen(f"{url}/_stcore/metrics", timeout=30) as response:
        return "\n".join(line for line in response.read().decode().splitlines() if "UploadedFileManager" in line)


def test_an_upload_before_sign_in_is_refused_and_nothing_is_kept(chromium, server):
    context = chromium.new_context(locale="zh-CN")
    page = context.new_page()
    try:
        session_id = session_id_of(page, server)
        xsrf = next(c["value"] for c in context.cookies() if c["name"] == "_streamlit_xsrf")
        status, body, asked_for_body = put_upload(server, session_id, xsrf, 45 * 1024 * 1024)
        assert (status, body.decode(), asked_for_body) == (403, "请先以市级用户登录，再上传文件。", False)
        assert uploads_held(server) == ""
    finally:
        context.close()


def sign_in(page, url: str, path: str = "/") -> None:
    page.goto(url + path, wait_until="domcontentloaded")
    page.locator(LOGIN_FORM).wait_for(timeout=60_000)
    fields = page.locator(f"{LOGIN_FORM} input")
    fields.nth(0).fill(USERNAME)
    fields.nth(1).fill(PASSWORD)
    fields.nth(1).press("Enter")
    page.locator(SIGNED_IN).wait_for(timeout=60_000)
    wait_until_drawn(page)


def test_a_signed_in_city_user_still_uploads_through_the_page(chromium, server, tmp_path):
    drills = write_csv(tmp_path / "演练_补报.csv", [
        ["统一社会信用代码", "演练日期", "应参加人数", "实际参加人数"], [CODE_A, "2026-08-01", "10", "8"]])
    page = chromium.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    try:
        sign_in(page, server, "/import")
        limit = setting("import.max_upload_mb")  # Streamlit's own limit is the import setting, stated in Chinese
        page.get_by_text(f"单个文件不超过 {limit} MB。").wait_for(timeout=60_000)
        dropzone = page.locator('[data-testid="stFileUploaderDropzone"]')
        page.wait_for_function("(zone) => zone.innerText.includes('选择文件')", arg=dropzone.element_handle(),
                               timeout=60_000)
        assert "MB per file" not in dropzone.inner_text() and "Upload" not in dropzone.inner_text()
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(drills))
        page.get_by_text("演练_补报.csv").first.wait_for(timeout=60_000)
        start = page.get_by_role("button", name="开始导入")
        page.wait_for_function("(b) => !b.disabled", arg=start.element_handle(), timeout=60_000)
        start.click()
        page.get_by_text("本次导入结果").wait_for(timeout=120_000)
        page.get_by_text("1 / 1", exact=True).wait_for(timeout=60_000)  # 导入文件: 1 of 1 loaded, not refused
        assert page.locator(ERROR_BOX).count() == 0
    finally:
        page.close()


def fetch_status(link: str) -> int:
    try:
        with urllib.request.urlopen(link, timeout=30) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_a_download_link_stops_working_at_sign_out(chromium, server):
    page = chromium.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN", accept_downloads=True)
    try:
        sign_in(page, server, "/audit")  # a table's download, on a page that draws fast (the sign-in is its first row)
        button = page.locator(".st-key-audit_log_csv button")
        button.scroll_into_view_if_needed()
        with page.expect_download(timeout=60_000) as download:
            button.click()
        link = download.value.url
        assert "/media/" in link
        assert fetch_status(link) == 200  # without any session or cookie, while signed in
        page.locator(f"{SIGNED_IN} button").click()
        page.locator(LOGIN_FORM).wait_for(timeout=60_000)
        assert fetch_status(link) == 404
    finally:
        page.close()
