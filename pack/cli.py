"""`python -m metrics pack`: the quarterly meeting pack written to a folder.

    python -m metrics pack --db FILE --quarter 2026Q3 [--district 文登区]... [--as-of DATE] --out DIR [--no-images]

Writes 会商材料_<季度>_<范围>.xlsx / .docx / .html and …_图表.zip. `add_pack_parser`
registers the subcommand on an argparse subparsers object and `cmd_pack` runs it;
`main` runs it on its own (`python -m pack`). Exit codes as the other commands:
0 success, 1 no usable database or the folder cannot be written, 2 a usage error.
When no Chromium is installed the documents are still written, the images are
skipped and a message says what to install. Chromium starts before the figures are
read and draws the charts while the documents are built.
"""
from __future__ import annotations

import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from etl import store
from etl.cliutil import USAGE_ERROR, ChineseArgumentParser
from etl.config import DB_ENV_VAR, default_db_path
from metrics.dates import DateError, parse_date
from metrics.quarters import QuarterError, latest_complete_quarter, parse_quarter
from metrics.scope import UnknownDistrict
from metrics.sql import AsOfError, make_period

if TYPE_CHECKING:
    from pack.content import PackContent
    from pack.images import BackgroundRender

USAGE_ERRORS = (QuarterError, DateError, AsOfError, UnknownDistrict)


class DatabaseMissing(Exception):
    """No usable warehouse file."""


def database_error_message(error: duckdb.Error) -> str:
    """What to tell the user when reading the warehouse failed, by what the failure says about the file.

    Only a missing table or an unreadable file means the file is not this system's warehouse;
    any other database error is a fault of the program, which no reloading of data would fix.
    """
    if isinstance(error, duckdb.CatalogException):
        return (f"读取数据库时出错：数据库中缺少本系统的数据表（{type(error).__name__}）。"
                "请确认数据库由 `python -m etl load` 生成。")
    if isinstance(error, (duckdb.IOException, duckdb.SerializationException)):
        return (f"读取数据库时出错：数据库文件无法读取，可能已损坏或不是本系统的数据库文件（{type(error).__name__}）。"
                "请用 `python -m etl load` 重新生成数据库。")
    detail = str(error).splitlines()[0] if str(error) else ""
    return (f"内部错误，读取数据库未完成，数据库未被改动。请将以下信息发给系统管理员："
            f"{type(error).__name__}: {detail}")


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
               as_of: str | date | None = None, images: bool = True) -> PackFiles:
    """The pack for `quarter` (default: the latest complete one) of the warehouse at `db`, written to `out_dir`."""
    from pack.content import gather
    from pack.images import BackgroundRender

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
            content = gather(con, chosen, as_of=day, districts=districts)
        finally:
            con.close()
        gathered = time.perf_counter() - started
        files = write_pack(content, out_dir, images=images, rendering=rendering)
    files.seconds = {"gather": gathered, **files.seconds}
    return files


def add_pack_parser(commands) -> None:
    """Register `pack` on an argparse subparsers object (the one of `python -m metrics`)."""
    parser = commands.add_parser("pack", help="一键生成季度会商材料：数据工作簿、会商材料（Word）、打印版报告和图表图片")
    _arguments(parser)


def _arguments(parser) -> None:
    parser.add_argument("--db", type=Path, help=f"数据库文件（默认 data/warehouse.duckdb，可用环境变量 {DB_ENV_VAR} 指定）")
    parser.add_argument("--quarter", help="季度，如 2026Q3、2026年第三季度（默认：最近一个已结束的季度）")
    parser.add_argument("--as-of", dest="as_of", help="统计截至日期，如 2026-09-30（默认：季度末）")
    parser.add_argument("--district", action="append", metavar="NAME",
                        help="只含该区市（可重复；接受简称，如 文登、高新区）；不填为全市")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="输出文件夹（不存在时自动创建）")
    parser.add_argument("--no-images", dest="images", action="store_false", help="不生成图表图片（PNG 压缩包）")


def _fail(message: str, code: int) -> int:
    print(message, file=sys.stderr)
    return code


def cmd_pack(args) -> int:
    """Run the parsed `pack` command; prints the files written. Handles its own errors."""
    try:
        files = build_pack(args.db, args.quarter, args.out, districts=args.district, as_of=args.as_of,
                           images=getattr(args, "images", True))
    except USAGE_ERRORS as error:
        return _fail(f"用法错误：{error}", USAGE_ERROR)
    except DatabaseMissing as error:
        return _fail(str(error), 1)
    except duckdb.Error as error:
        return _fail(database_error_message(error), 1)
    except OSError as error:
        return _fail(f"无法写入输出文件夹 {args.out}：{error.strerror or error}", 1)
    print(f"会商材料已生成（{args.out}）：")
    for path in files.paths:
        print(f"  {path.name}　{path.stat().st_size / 1024:,.0f} KB")
    if files.images_problem:
        print(f"图表图片未生成：{files.images_problem}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = ChineseArgumentParser(prog="python -m pack", description="一键生成季度会商材料")
    _arguments(parser)
    args = parser.parse_args(argv)
    try:
        return cmd_pack(args)
    except KeyboardInterrupt:
        return _fail("已中断。", 130)
    except Exception as error:  # the last line of defence: no traceback reaches a user
        return _fail(f"内部错误，操作未完成。请将以下信息发给系统管理员：{type(error).__name__}: {error}", 1)
