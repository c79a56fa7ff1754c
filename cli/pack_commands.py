"""`python -m metrics pack`: the quarterly meeting pack written to a folder (see `pack.build`).

    python -m metrics pack --db FILE --quarter 2026Q3 [--district 文登区]... [--as-of DATE] --out DIR [--no-images]

`add_pack_parser` registers the subcommand on an argparse subparsers object and `cmd_pack`
runs it; `main` runs it on its own (`python -m pack`). Exit codes as the other commands:
0 success, 1 no usable database or the folder cannot be written, 2 a usage error.
"""
from __future__ import annotations

import sys
from pathlib import Path

import duckdb

from cli.common import USAGE_ERROR, ChineseArgumentParser
from core.config import DB_ENV_VAR
from core.dates import DateError
from core.quarters import QuarterError
from metrics.scope import UnknownDistrict
from metrics.sql import AsOfError
from pack.build import DatabaseMissing, build_pack

USAGE_ERRORS = (QuarterError, DateError, AsOfError, UnknownDistrict)


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
