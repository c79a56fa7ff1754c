"""Driving the dashboard in a real browser: `streamlit run dashboard.py` on a free port, headless Debian
Chromium through Playwright, and waits on what the page shows (never on the clock).
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ERROR_BOX = '[data-testid="stException"]'
FOOTER = "仅供内部工作研判使用"  # dashboard.py draws it after the page: the run has finished
# The sign-in form: the one with a password field (the import page has a form of its own).
LOGIN_FORM = '[data-testid="stForm"]:has(input[type="password"])'
SIGNED_IN = ".st-key-sign_out"  # the sign-out button: drawn only for a signed-in user
USERNAME, PASSWORD = "city_admin", "browser-test-2026"
TIMEOUT_MS = 60_000

# Streamlit marks the app root with the state of the script run. A run has finished and its output is
# drawn when the state is notRunning, no element is stale (left over from the previous run) or still a
# skeleton (its code loading), and every visible Plotly chart has drawn its SVG and every visible table
# its canvas (tables in a closed tab draw when the tab opens).
DRAWN = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  const shown = selector => [...document.querySelectorAll(selector)].filter(e => e.checkVisibility());
  return app !== null && app.dataset.testScriptState === 'notRunning'
    && app.dataset.testConnectionState === 'CONNECTED'
    && document.querySelectorAll('[data-stale="true"], [data-testid="stSkeleton"]').length === 0
    && shown('[data-testid="stPlotlyChart"]').every(chart => chart.querySelector('.main-svg'))
    && shown('[data-testid="stDataFrame"]').every(table => table.querySelector('canvas'));
}"""
# counts the script runs that have finished in this page, from the first call on
COUNT_RUNS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (window.finishedRuns === undefined) {
    window.finishedRuns = 0;
    new MutationObserver(() => { if (app.dataset.testScriptState === 'notRunning') window.finishedRuns += 1; })
      .observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
  }
  return window.finishedRuns;
}"""
# resolves after the browser has laid out and painted two more frames
TWO_FRAMES = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => done(true))))"


def chromium_or_skip() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI") == "true":
        pytest.fail("/usr/bin/chromium 不存在：CI 上必须运行浏览器测试（apt-get install chromium）。")
    pytest.skip("/usr/bin/chromium is not installed on this machine")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def add_city_user(users_db: Path) -> Path:
    """The city user the browser tests sign in as. Its password is hashed with light Argon2 settings: signing in
    takes the same code path, and the server verifies in a millisecond instead of a third of a second."""
    from argon2 import PasswordHasher

    from access import users

    real = users._hasher
    users._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    try:
        users.add_user(users_db, USERNAME, PASSWORD, role="市级", display_name="市化工办 测试")
    finally:
        users._hasher = real
    return users_db


def _start(db: Path, users_db: Path, log, port: int) -> tuple[subprocess.Popen, threading.Thread] | None:
    """Streamlit on `port`, its output copied to `log` by a thread; None when it exits before it listens."""
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.address", "127.0.0.1",
         "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env={**os.environ, "WEIHAI_DB": str(db), "WEIHAI_USERS_DB": str(users_db), "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    url = f"http://127.0.0.1:{port}"
    listening, told = threading.Event(), threading.Event()

    def copy_output() -> None:
        for line in process.stdout:
            log.write(line)
            if url in line:  # Streamlit prints its URL once the server listens
                listening.set()
                told.set()
        told.set()  # the output ended: the process is exiting

    copier = threading.Thread(target=copy_output, daemon=True)
    copier.start()
    if not told.wait(timeout=TIMEOUT_MS / 1000):
        _stop(process, copier)
        raise TimeoutError("streamlit did not start listening")
    if not listening.is_set():
        _stop(process, copier)
        return None
    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=30) as response:
        assert response.status == 200
    return process, copier


def _stop(process: subprocess.Popen, copier: threading.Thread) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    copier.join(timeout=10)  # the rest of the output is in the log before it closes


@contextmanager
def dashboard(db: Path, users_db: Path, log_path: Path):
    """`streamlit run dashboard.py` started now, on a free port; its URL."""
    chromium_or_skip()
    with log_path.open("w") as log:
        for _ in range(3):  # another process may take the free port before Streamlit binds it
            port = free_port()
            started = _start(db, users_db, log, port)
            if started is not None:
                break
        else:
            raise RuntimeError(f"streamlit exited at start, see {log_path}")
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            _stop(*started)


@contextmanager
def chromium_browser():
    chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def settle(page) -> None:
    """Wait until Streamlit has finished running the script and drawing."""
    try:
        page.get_by_text(FOOTER).wait_for(state="visible", timeout=TIMEOUT_MS)
        page.wait_for_function(DRAWN, timeout=TIMEOUT_MS)
    except Exception:
        screenshot(page, "settle_failed")
        raise


def rerun_after(page, action) -> None:
    """Do `action` (a click, a key press) and wait until the script run it starts has finished and drawn."""
    finished = page.evaluate(COUNT_RUNS)
    action()
    page.wait_for_function(f"() => window.finishedRuns > {finished}", timeout=TIMEOUT_MS)
    settle(page)


def click_row(grid, text: str, row_marker: bool = False) -> None:
    """Click the first cell (or the selection box) of the row whose first column reads `text`.

    A Streamlit table is drawn on a canvas. Its rows are read from the grid's accessible cells
    (`glide-cell-<column>-<row>`, columns counted after the selection boxes), and the click lands by
    the canvas's own geometry: a table shown whole is a header and its rows, all of one height.
    """
    cells = grid.locator(f'[data-testid^="glide-cell-{1 if row_marker else 0}-"]')
    cells.first.wait_for(state="attached", timeout=TIMEOUT_MS)
    texts = cells.all_text_contents()
    canvas = grid.locator('[data-testid="data-grid-canvas"]')
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    height = box["height"] / (len(texts) + 1)
    # the grid's scroller lies above the canvas: click the spot. The first column, the selection
    # boxes or a table's first column, is wider than a row is high.
    page = grid.page
    page.mouse.click(box["x"] + height / 2, box["y"] + height * (texts.index(text) + 1.5))


def sign_in(page, url: str) -> None:
    """Go to `url`, sign in on the form that every new session shows first, and wait for the page."""
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector(f"{LOGIN_FORM}, {SIGNED_IN}", timeout=TIMEOUT_MS)
    if page.locator(LOGIN_FORM).count():
        fields = page.locator(f"{LOGIN_FORM} input")
        fields.nth(0).fill(USERNAME)
        fields.nth(1).fill(PASSWORD)
        fields.nth(1).press("Enter")  # submits the form
        page.wait_for_selector(SIGNED_IN, timeout=TIMEOUT_MS)
    settle(page)


def screenshot(page, name: str) -> Path:
    """The whole page as a PNG under tests/artifacts/ (git-ignored; each test writes its own names)."""
    ARTIFACTS.mkdir(exist_ok=True)
    height = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('[data-testid=\"stMain\"], section.main, body')]"
        ".map(e => e.scrollHeight))")
    page.set_viewport_size({"width": 1440, "height": min(max(900, int(height) + 40), 12_000)})
    page.wait_for_function(TWO_FRAMES)  # the page laid out again at the new size
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
