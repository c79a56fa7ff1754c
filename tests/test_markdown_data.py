"""Data is shown as text, never as Markdown: no link or external image can be planted in a page.

The attack: an enterprise named `[请点此重新登录](http://evil.example/)` became a link in the
enterprise profile's heading and on 驻点工作, and a work log reading `![x](http://evil.example/p.png)`
made every browser opening 驻点工作 load an image from that host. Every Markdown-rendering element
(markdown, headings, captions, alerts) must carry such values escaped.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from streamlit.testing.v1 import AppTest

from etl.load import load_paths
from access.users import User
from tests.app_pages_support import show_section
from tests.browser_harness import TIMEOUT_MS, add_city_user, chromium_browser, dashboard, settle, sign_in
from tests.filemaker import CODE_A, CODE_B, ROSTER_HEADER, write_xlsx
from ui.text import WORD_JOINER as WJ
from ui.text import plain

APP = str(Path(__file__).resolve().parent.parent / "dashboard.py")
CITY = User("city_clerk", "市化工办 录入员", "市级", None)
EVIL_NAME = "[请点此重新登录](http://evil.example/)"
EVIL_LOG = "![x](http://evil.example/p.png)"
HTML_NAME = '<a href="http://evil.example/">点此登录</a>化工'
LINK_SYNTAX = re.compile(r"\]\(|!\[|<a\b|<img\b", re.IGNORECASE)
# what Streamlit turns into links in the text as shown, after Markdown parsing (GitHub autolinks)
AUTOLINKS = re.compile(r"https?://|www\.|[-.\w+]+@[-\w]+\.", re.IGNORECASE)


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("markdown_data")
    path = folder / "w.duckdb"
    roster = write_xlsx(folder / "名册.xlsx", {"名册": [
        ROSTER_HEADER, [EVIL_NAME, CODE_A, "文登区", "化学原料", 120, "王强", "文登区应急局", "2026-01-05", "正常生产"],
        [HTML_NAME, CODE_B, "文登区", "涂料", 45, "李明", "文登区应急局", "2026-01-05", "正常生产"]]})
    logs = write_xlsx(folder / "日志.xlsx", {"日志": [
        ["日期", "驻点人员", "统一社会信用代码", "工作内容", "发现问题数"],
        ["2026-07-06", "王强", CODE_A, EVIL_LOG, 1],
        ["2026-07-07", "王强", CODE_A, "日常巡查", 0],
        ["2026-07-08", "李明", CODE_B, "日常巡查", 0]]})
    results = load_paths([roster, logs], path)
    assert [(r.rows_loaded, r.rows_quarantined) for r in results] == [(2, 0), (3, 0)]
    return path


@pytest.fixture
def app_on(db, monkeypatch):
    monkeypatch.setenv("WEIHAI_DB", str(db))
    monkeypatch.setenv("WEIHAI_USERS_DB", str(db.with_name("access.sqlite3")))

    def open_page(page: str) -> AppTest:
        app = AppTest.from_file(APP, default_timeout=120)
        app.session_state["_user"] = CITY
        app.run()
        app.switch_page(page).run()
        assert not app.exception, [e.value for e in app.exception]
        return app
    return open_page


def rendered_markdown(app: AppTest) -> list[str]:
    """The source of every element the browser renders as Markdown."""
    elements = [*app.title, *app.header, *app.subheader, *app.markdown, *app.caption, *app.info, *app.warning,
                *app.error, *app.success]
    return [str(e.value) for e in elements]


def live_syntax(source: str) -> list[str]:
    """Link, image or HTML syntax that would render, and text that would be autolinked."""
    syntax = re.sub(r"\\.", "", source)  # backslash-escaped characters form no syntax
    shown = re.sub(r"\\(.)", r"\1", source)
    return LINK_SYNTAX.findall(syntax) + AUTOLINKS.findall(shown)


def test_plain_escapes_every_markdown_character():
    assert plain(EVIL_NAME) == rf"\[请点此重新登录\]\(http{WJ}\:\/\/evil\.example\/\)"
    assert plain(EVIL_LOG) == rf"\!\[x\]\(http{WJ}\:\/\/evil\.example\/p\.png\)"
    assert plain("<img src=x> **粗体** :red[红] $x$ WWW.evil.example a@evil.example HTTPS://x") == (
        rf"\<img src\=x\> \*\*粗体\*\* \:red\[红\] \$x\$ WWW{WJ}\.evil\.example a\@{WJ}evil\.example HTTPS{WJ}\:\/\/x")
    assert live_syntax(plain(EVIL_NAME)) == [] and live_syntax(plain("a@evil.example www.x.cn")) == []
    # escapes alone are not enough: Streamlit autolinks the URL in the text once the escapes are resolved
    assert live_syntax(r"\[x\]\(http\:\/\/evil\.example\/\)") == ["http://"]
    assert plain(None) == "" and plain("文登区") == "文登区"


def test_a_value_left_alone_on_a_line_of_a_page_is_not_drawn():
    """Streamlit's "magic" would show it through st.write, as Markdown; .streamlit/config.toml turns magic off."""
    app = AppTest.from_string(f"value = {EVIL_NAME!r}\nvalue\n[value]\n")
    app.run()
    assert not app.exception
    assert list(app.main.children.values()) == []


def test_enterprise_heading_shows_the_name_as_text(app_on):
    app = app_on("pages/enterprise.py")
    app.selectbox(key="ent").set_value(CODE_A).run()
    assert not app.exception, [e.value for e in app.exception]
    assert next(h.value for h in app.subheader) == plain(EVIL_NAME)
    sources = rendered_markdown(app)
    assert any(plain(EVIL_NAME) in s for s in sources)
    assert [s for s in sources if live_syntax(s)] == []


def chart_texts(app: AppTest) -> list[str]:
    """Titles and category labels of every Plotly chart on the page (Plotly renders HTML tags in them)."""
    texts = []
    for chart in app.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        texts.append(str(spec["layout"].get("title", {}).get("text", "")))
        texts += [str(label) for trace in spec["data"] for label in (trace.get("y") or []) if isinstance(label, str)]
    return texts


def test_charts_show_an_html_name_as_text(app_on):
    app = app_on("pages/enterprise.py")
    app.selectbox(key="ent").set_value(CODE_B).run()
    assert next(h.value for h in app.subheader) == plain(HTML_NAME)
    titles = chart_texts(app)
    assert "&lt;a href=\"http://evil.example/\"&gt;点此登录&lt;/a&gt;化工：近八个季度指标走势" in titles
    app = app_on("pages/supervision.py")
    labels = chart_texts(app)
    assert "李明（&lt;a href=\"h）" in labels  # the row label: supervisor and the name's first 10 characters
    assert not [t for t in labels + titles if re.search(r"<a\b", t)]


def test_supervision_page_shows_names_and_logs_as_text(app_on):
    app = show_section(app_on("pages/supervision.py"), "sv_view", "周小结")
    app.selectbox(key="sv_who").set_value("王强").run()
    assert not app.exception, [e.value for e in app.exception]
    sources = rendered_markdown(app)
    assert f"**王强 · {plain(EVIL_NAME)}**" in sources
    summary = next(s for s in sources if s.startswith("7月6日"))
    assert summary.endswith("主要工作：" + plain(EVIL_LOG) + "；日常巡查")
    assert [s for s in sources if live_syntax(s)] == []


def test_a_refused_upload_names_the_file_as_text(app_on):
    app = app_on("pages/data_import.py")
    app.file_uploader(key="uploads").set_value([(f"{EVIL_NAME}.txt", b"x", "text/plain")]).run()
    next(b for b in app.button if b.label == "开始导入").click().run()
    assert not app.exception, [e.value for e in app.exception]
    errors = [e.value for e in app.error]
    assert len(errors) == 1 and errors[0].startswith(f"**{plain(EVIL_NAME + '.txt')}**：")
    assert [s for s in rendered_markdown(app) if live_syntax(s)] == []


@pytest.fixture(scope="module")
def browser_page(db):
    """A signed-in Chromium page on the dashboard over the hostile warehouse, and the hosts it requested."""
    users_db = add_city_user(db.with_name("browser_access.sqlite3"))
    requested: list[str] = []
    with dashboard(db, users_db, db.with_name("streamlit.log")) as url, chromium_browser() as chromium:
        page = chromium.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")
        page.on("request", lambda request: requested.append(request.url))
        yield url, page, requested


@pytest.mark.parametrize("path, choose, shown", [
    ("enterprise", ("ent", CODE_A), EVIL_NAME),
    (f"supervision?sv_view={quote('周小结')}", ("sv_who", "王强"), EVIL_LOG),
])
def test_in_a_browser_the_values_read_as_text_and_nothing_is_fetched(browser_page, path, choose, shown):
    url, page, requested = browser_page
    sign_in(page, f"{url}/{path}")
    key, option = choose
    page.locator(f".st-key-{key}").click()
    page.keyboard.type(option)
    page.keyboard.press("Enter")
    page.get_by_text("周小结草稿" if key == "sv_who" else "统一社会信用代码", exact=False).first.wait_for(timeout=30_000)
    # the chosen value's text is drawn (word joiners, which keep it from being autolinked, left out)
    page.wait_for_function("""shown => [...document.querySelectorAll('[data-testid="stMarkdownContainer"]')]
        .some(e => e.innerText.replaceAll('\\u2060', '').includes(shown))""", arg=shown, timeout=TIMEOUT_MS)
    settle(page)
    rendered = [t.replace(WJ, "") for t in page.locator('[data-testid="stMarkdownContainer"]').all_inner_texts()]
    assert any(shown in t for t in rendered)  # drawn from Markdown, as the literal text, brackets and all
    planted = page.locator('a[href*="evil.example"], img[src*="evil.example"]').evaluate_all(
        "nodes => nodes.map(n => n.parentElement.outerHTML.slice(0, 400))")
    assert planted == []
    assert [u for u in requested if "evil.example" in u] == []
