"""The quarterly meeting pack: gather the figures, build the documents, write them to a folder.

Writes 会商材料_<季度>_<范围>.xlsx / .docx / .html and …_图表.zip. When no Chromium is
installed the documents are still written and the images are skipped with a reason.
Chromium starts before the figures are read and draws the charts while the documents are built.
"""
from __future__ import annotations

import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from core.config import default_db_path
from core.dates import parse_date
from core.quarters import latest_complete_quarter, parse_quarter
from metrics.sql import make_period
from warehouse import store
from warehouse.store import DatabaseMissing

if TYPE_CHECKING:
    from access.users import User
    from pack.content import PackContent
    from pack.images import BackgroundRender


@dataclass
class PackFiles:
    paths: list[Path] = field(default_factory=list)
    images_problem: str | None = None  # why the chart images were not written
    seconds: dict[str, float] = field(default_factory=dict)


def _write(path: Path, data: bytes) -> Path:
    """Write through a temporary name, so a half-written file never carries the final name."""
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(data)
    partial.replace(path)
    return path


def write_pack(content: PackContent, out_dir: Path, *, sections: dict[str, str] | None = None,
               images: bool = True, rendering: BackgroundRender | None = None) -> PackFiles:
    """Write the workbook, the brief, the report and (when asked and possible) the chart images.

    `rendering` is a Chromium already started (see `build_pack`); without one, one is started here.
    """
    # The builders import openpyxl, python-docx and plotly: loaded when a pack is made, so that
    # registering the command costs `python -m metrics` nothing.
    from pack.brief import build_brief
    from pack.charts import pack_charts
    from pack.images import BackgroundRender, ChartImagesUnavailable
    from pack.report_html import build_html
    from pack.workbook import build_workbook

    out_dir.mkdir(parents=True, exist_ok=True)
    result = PackFiles()
    with ExitStack() as stack:
        if images and rendering is None:
            rendering = stack.enter_context(BackgroundRender())
        started = time.perf_counter()
        charts = pack_charts(content)
        if images:
            rendering.submit(content.stem, charts)  # Chromium draws while the documents are built here
        result.seconds["charts"] = time.perf_counter() - started
        builders = (("xlsx", lambda: build_workbook(content)),
                    ("docx", lambda: build_brief(content, sections)),
                    ("html", lambda: build_html(content, sections, charts).encode("utf-8")))
        for suffix, build in builders:
            started = time.perf_counter()
            result.paths.append(_write(out_dir / f"{content.stem}.{suffix}", build()))
            result.seconds[suffix] = time.perf_counter() - started
        if images:
            started = time.perf_counter()
            try:
                result.paths.append(_write(out_dir / f"{content.stem}_图表.zip", rendering.result()))
            except ChartImagesUnavailable as problem:
                result.images_problem = str(problem)
            result.seconds["png (waited)"] = time.perf_counter() - started
    return result


def build_pack(db: Path | None, quarter: str | None, out_dir: Path, *, districts: list[str] | None = None,
               as_of: str | date | None = None, images: bool = True, user: User | None = None) -> PackFiles:
    """The pack for `quarter` (default: the latest complete one) of the warehouse at `db`, written to `out_dir`.

    With `user`, the paper takes the meeting's date, last quarter's tasks, the matters and the meeting's tasks from
    the meeting records beside `db`, as that user may read them (`pack.meeting`).
    """
    from pack.content import gather
    from pack.images import BackgroundRender
    from pack.meeting import gather_with_records

    chosen = parse_quarter(quarter) if quarter else latest_complete_quarter()
    day = parse_date(as_of) if as_of else None
    make_period(chosen, day)  # a bad as-of date is a usage error before the database is opened
    path = db or default_db_path()
    if not path.exists():
        raise DatabaseMissing(
            f"找不到数据库文件：{path}。请先运行 `python -m etl load 文件或文件夹 --db {path}` 导入数据。")
    with ExitStack() as stack:
        # Chromium starts while the figures are read.
        rendering = stack.enter_context(BackgroundRender()) if images else None
        started = time.perf_counter()
        try:
            con = store.open_reader(path)
        except duckdb.Error as error:
            raise DatabaseMissing(
                f"无法打开数据库 {path}：它不是本系统的数据库文件或已损坏（{type(error).__name__}）。") from None
        try:
            if user is None:
                content = gather(con, chosen, as_of=day, districts=districts)
            else:
                content = gather_with_records(con, con, path, user, chosen, as_of=day, districts=districts)
        finally:
            con.close()
        gathered = time.perf_counter() - started
        files = write_pack(content, out_dir, images=images, rendering=rendering)
    files.seconds = {"gather": gathered, **files.seconds}
    return files
