"""`python -m metrics pack`: the quarterly meeting pack written to a folder (see `pack.build`).

    python -m metrics pack --db FILE --quarter 2026Q3 [--district 文登区]... [--as-of DATE] --out DIR [--no-images]
                           [--current]

`add_pack_parser` registers the subcommand on an argparse subparsers object and `cmd_pack`
runs it; `main` runs it on its own (`python -m pack`). Exit codes as the other commands:
0 success, 1 no usable database or the folder cannot be written, 2 a usage error.
"""
from __future__ import annotations

import sys
from pathlib import Path

from access.meetings import command_line_user
from cli.common import ChineseArgumentParser, ErrorMap, add_db_option, fail, operator, run_command, settings_problem
from core.dates import DateError
from core.quarters import QuarterError
from metrics.scope import UnknownDistrict
from metrics.sql import AsOfError
from pack.build import build_pack
from warehouse.meetings import MeetingError

ERRORS = ErrorMap(usage=(QuarterError, DateError, AsOfError, UnknownDistrict), stated=(MeetingError,))


def add_pack_parser(commands) -> None:
    """Register `pack` on an argparse subparsers object (the one of `python -m metrics`)."""
    parser = commands.add_parser("pack", help="一键生成季度会商材料：数据工作簿、会商材料（Word）、打印版报告和图表图片")
    _arguments(parser)


def _arguments(parser) -> None:
    add_db_option(parser)
    parser.add_argument("--quarter", help="季度，如 2026Q3、2026年第三季度（默认：最近一个已结束的季度）")
    parser.add_argument("--as-of", dest="as_of", help="统计截至日期，如 2026-09-30（默认：季度末）")
    parser.add_argument("--district", action="append", metavar="NAME",
                        help="只含该区市（可重复；接受简称，如 文登、高新区）；不填为全市")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="输出文件夹（不存在时自动创建）")
    parser.add_argument("--no-images", dest="images", action="store_false", help="不生成图表图片（PNG 压缩包）")
    parser.add_argument("--current", action="store_true",
                        help="会商已定稿的季度也按当前数据计算指标（默认使用定稿时冻结的数据）；文件名加“_当前数据”")


def cmd_pack(args) -> int:
    """Run the parsed `pack` command; prints the files written. Other errors reach the caller's `run_command`."""
    try:
        # The paper reads the meeting records as the command line's city user (as `python -m metrics meeting`).
        files = build_pack(args.db, args.quarter, args.out, districts=args.district, as_of=args.as_of,
                           images=getattr(args, "images", True), user=command_line_user(operator()),
                           current=getattr(args, "current", False))
    except OSError as error:  # the message names the folder, which only this command knows
        return fail(f"无法写入输出文件夹 {args.out}：{error.strerror or error}")
    print(f"会商材料已生成（{args.out}）：")
    for path in files.paths:
        print(f"  {path.name}　{path.stat().st_size / 1024:,.0f} KB")
    if files.images_problem:
        print(f"图表图片未生成：{files.images_problem}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    if (problem := settings_problem()) is not None:
        return fail(problem)
    parser = ChineseArgumentParser(prog="python -m pack", description="一键生成季度会商材料")
    _arguments(parser)
    return run_command(cmd_pack, parser.parse_args(argv), ERRORS)
