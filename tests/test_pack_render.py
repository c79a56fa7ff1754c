"""会商材料 in the tools people open it with: LibreOffice converts the workbook and the brief to PDF,
Chromium renders the chart images, and the dashboard page drafts, edits and offers the downloads.

The warehouse is the hand-built one of tests/pack_world.py (2026Q3). LibreOffice is skipped only
where `soffice` is missing and the run is not CI (CI installs libreoffice-calc/-writer).
"""
from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from access import meetings
from access.users import User
from warehouse.store import open_reader
from pack import images
from pack.brief import build_brief
from pack.charts import pack_charts
from pack.content import gather
from pack.draft import SECTION_TITLES
from pack.workbook import build_workbook
from tests.pack_world import Q3

PAGE = Path(__file__).resolve().parent.parent / "pages" / "pack.py"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
IN_CI = os.environ.get("CI") == "true"


@pytest.fixture(scope="module")
def world(pack_world) -> Path:
    return pack_world


@pytest.fixture(scope="module")
def content(world):
    con = open_reader(world)
    try:
        return gather(con, Q3)
    finally:
        con.close()


# --- LibreOffice -----------------------------------------------------------------------------------

def soffice() -> str:
    path = shutil.which("soffice") or shutil.which("libreoffice")
    if path is None:
        if IN_CI:
            pytest.fail("CI must install libreoffice-calc and libreoffice-writer (soffice not found)")
        pytest.skip("LibreOffice (soffice) is not installed here")
    return path


@pytest.fixture(scope="module")
def pdfs(content, tmp_path_factory) -> dict[str, bytes]:
    """The workbook and the brief converted to PDF by one LibreOffice run; file suffix -> PDF."""
    folder = tmp_path_factory.mktemp("libreoffice")
    workbook, brief = folder / "会商材料_数据.xlsx", folder / "会商材料.docx"
    workbook.write_bytes(build_workbook(content))
    brief.write_bytes(build_brief(content))
    result = subprocess.run(
        [soffice(), f"-env:UserInstallation={(folder / 'lo-profile').as_uri()}", "--headless", "--convert-to", "pdf",
         "--outdir", str(folder / "pdf"), str(workbook), str(brief)],
        capture_output=True, text=True, timeout=240,
    )
    assert result.returncode == 0, result.stderr
    converted = {source.suffix: folder / "pdf" / f"{source.stem}.pdf" for source in (workbook, brief)}
    assert all(pdf.exists() for pdf in converted.values()), result.stdout + result.stderr
    return {suffix: pdf.read_bytes() for suffix, pdf in converted.items()}


def pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


def test_libreoffice_converts_the_workbook(pdfs):
    pdf = pdfs[".xlsx"]
    assert pdf.startswith(b"%PDF")
    # at least one page per sheet: 说明, 指标总表, 11 indicators, 7 lists
    assert pages(pdf) >= 20


def test_libreoffice_converts_the_brief(pdfs):
    pdf = pdfs[".docx"]
    assert pdf.startswith(b"%PDF") and pages(pdf) >= 2


# --- chart images ----------------------------------------------------------------------------------

def test_chart_images_or_what_to_install(content):
    charts = pack_charts(content)
    assert len(charts) == 23  # the overview, and bars and trend for each of the 11 indicators
    if images.chromium_path() is None:
        with pytest.raises(images.ChartImagesUnavailable, match="apt-get install chromium fonts-noto-cjk"):
            images.render_png_zip(content, charts)
        return
    archive = zipfile.ZipFile(io.BytesIO(images.render_png_zip(content, charts)))
    names = archive.namelist()
    assert len(names) == 23
    assert names[0] == "会商材料_2026Q3_全市_图表/01_各项指标完成情况.png"
    assert "会商材料_2026Q3_全市_图表/02_持证上岗率_各区市.png" in names
    for name in names:
        data = archive.read(name)
        assert data.startswith(PNG_SIGNATURE)
        width = int.from_bytes(data[16:20], "big")
        assert width == 680 * images.PNG_SCALE


def test_without_chromium_the_message_says_what_to_install(content, monkeypatch):
    monkeypatch.setattr(images, "chromium_path", lambda: None)
    with pytest.raises(images.ChartImagesUnavailable) as raised:
        images.render_png_zip(content)
    assert "apt-get install chromium fonts-noto-cjk" in str(raised.value)


# --- the dashboard page ----------------------------------------------------------------------------

APP = """
import streamlit as st
from access.users import User
from core.quarters import parse_quarter
from ui.filters import Filters
from ui.session import USER_KEY

st.session_state[USER_KEY] = User({user!r}, "测试", {role!r}, {district!r})
st.session_state["_filters"] = Filters(parse_quarter("2026Q3"), None, ())
st.navigation([st.Page({page!r}, title="会商材料", url_path="pack", default=True)]).run()
"""


def open_page(monkeypatch, world: Path, tmp_path: Path, district: str | None = None) -> AppTest:
    """The page on its own, signed in as a city user (or a user of `district`)."""
    monkeypatch.setenv("WEIHAI_DB", str(world))
    # the page writes the meeting records and the audit log: beside this test, never beside the shared warehouse
    monkeypatch.setenv("WEIHAI_MEETINGS_DB", str(tmp_path / "meetings.sqlite3"))
    monkeypatch.setenv("WEIHAI_USERS_DB", str(tmp_path / "access.sqlite3"))
    # held on a fixed day, so the drafted deadlines and seasons do not move with the day the test runs
    meetings.save_meeting(User("setup", "测试", "市级", None), world, Q3, held_on="2026-10-15")
    app_file = tmp_path / "app.py"
    user = {"user": "district_tester", "role": "区市", "district": district} if district else \
        {"user": "city_tester", "role": "市级", "district": None}
    app_file.write_text(APP.format(page=str(PAGE), **user), encoding="utf-8")
    app = AppTest.from_file(str(app_file), default_timeout=120)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert not app.error, [e.value for e in app.error]
    return app


def paper_areas(app: AppTest) -> dict:
    """The text boxes of the paper's sections (the page has task and matter forms too), by label."""
    return {area.label: area for area in app.text_area if (area.key or "").startswith("pack_text_")}


def test_page_drafts_the_paper_and_offers_the_downloads(monkeypatch, world, tmp_path):
    app = open_page(monkeypatch, world, tmp_path)
    shown = {m.label: m.value for m in app.metric}
    # targets at 100 % in 2026Q3: none (see tests/pack_world.py); overdue H2 H4; missing D; 5 common tasks:
    # major hazards, overdue hazards, rotation, 主体责任, certification (see tests/test_pack.py)
    assert shown == {"目标指标达标": "0 / 8 项", "超期未整改隐患": "2", "未报季度检查表": "1 家", "建议共性任务": "5 项"}
    # each card says what it counts over, in the overview's words: the overdue hazards of every quarter so far
    assert {m.label: m.delta for m in app.metric} == {
        "目标指标达标": "本季度", "超期未整改隐患": "截至9月30日累计", "未报季度检查表": "本季度",
        "建议共性任务": "2026年第四季度完成"}
    areas = paper_areas(app)
    assert list(areas) == ["开头", *SECTION_TITLES.values()]  # no meeting record yet: no 上季度共性任务
    assert "2. 超期隐患清零。环翠区" in areas["四、下步工作"].value
    labels = {button.key: button.label for button in app.get("download_button")}
    assert [labels.get(k) for k in ("pack_docx", "pack_xlsx", "pack_html")] == \
        ["会商材料（Word）", "数据工作簿（Excel）", "打印版报告（HTML）"]
    # the drafted common tasks were handed to the meeting records: the page lists the five, as drafted
    tasks = next(t.value for t in app.dataframe if "责任区市" in t.value.columns)
    assert tasks["序号"].nunique() == 5 and set(tasks["来源"]) == {"系统起草"}
    if images.chromium_path() is None:
        assert any("apt-get install chromium fonts-noto-cjk" in w.value for w in app.warning)


def test_page_keeps_edits_and_restores_the_draft(monkeypatch, world, tmp_path):
    app = open_page(monkeypatch, world, tmp_path)
    title = SECTION_TITLES["tasks"]
    paper_areas(app)[title].set_value("（一）共性任务。\n1. 会议商定的任务。").run()
    assert paper_areas(app)[title].value.endswith("会议商定的任务。")
    app.button(key="pack_restore").click().run()
    assert "2. 超期隐患清零。环翠区" in paper_areas(app)[title].value


def test_a_district_users_pack_covers_their_district_only(monkeypatch, world, tmp_path):
    app = open_page(monkeypatch, world, tmp_path, district="文登区")
    shown = {m.label: m.value for m in app.metric}
    # 文登区: H3 within its deadline, H5 rectified -> no overdue hazard; B and C sent checklists
    assert (shown["超期未整改隐患"], shown["未报季度检查表"]) == ("0", "0 家")
    text = "\n".join(area.value for area in paper_areas(app).values())
    assert "环翠区" not in text and "荣成市" not in text
    # 文登区 certification 3 / 4 (Q2 has no certificate)
    assert "持证上岗率75.0%，1人无证（文登乙化工有限公司）" in text and "（一）重点任务。" in text
