"""`python -m metrics`: indicator figures, shortfall lists and watch lists from the command line.

A thin layer over `metrics.api`: it parses arguments, opens the warehouse read-only
and prints. Exit codes: 0 success, 1 no usable database, 2 a usage error (bad
quarter, date, district, indicator, group or option).
"""
from __future__ import annotations

import argparse
import json
import numbers
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd

from warehouse import store
from warehouse.store import DatabaseMissing
from cli.common import (FORMATS, ChineseArgumentParser, ErrorMap, add_db_option, fail, print_rows, run_command,
                        settings_problem)
from core.config import default_db_path
from metrics import api
from core.dates import DateError, parse_date
from metrics.indicators import INDICATORS, UnknownIndicator, indicator
from core.quarters import QuarterError, latest_complete_quarter, parse_quarter
from metrics.scope import UnknownDistrict, UnknownGroup, resolve_districts
from metrics.sql import AsOfError, make_period
from cli.pack_commands import add_pack_parser, cmd_pack

QUARTER_HELP = "季度，如 2026Q3、2026-Q3、2026年第三季度（默认：最近一个已结束的季度）"
AS_OF_HELP = "截至日期，如 2026-09-30（默认：季度末）"
DISTRICT_HELP = "只统计该区市（可重复；接受简称，如 文登、高新区）"
CSV_COLUMNS = ("indicator", "group", "numerator", "denominator", "rate")
RATE_DECIMALS = 4
ERRORS = ErrorMap(usage=(QuarterError, DateError, AsOfError, UnknownDistrict, UnknownIndicator, UnknownGroup))

class _ChineseHelp(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, prefix="用法：" if prefix is None else prefix)


def _chinese_headings(parser, positionals: str = "参数") -> None:
    """Section titles and the -h line of a parser's help in Chinese (argparse writes them in English)."""
    parser._positionals.title = positionals
    parser._optionals.title = "选项"
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            action.help = "显示本帮助并退出"


def _common(parser, *, as_of: bool = True) -> None:
    add_db_option(parser)
    parser.add_argument("--quarter", help=QUARTER_HELP)
    if as_of:
        parser.add_argument("--as-of", dest="as_of", help=AS_OF_HELP)
    parser.add_argument("--district", action="append", metavar="NAME", help=DISTRICT_HELP)


def _parser() -> ChineseArgumentParser:
    parser = ChineseArgumentParser(prog="python -m metrics", description="威海市非危化品化工企业驻点监督：指标、缺口清单与预警清单",
                                   formatter_class=_ChineseHelp)
    commands = parser.add_subparsers(dest="command", required=True, metavar="命令",
                                     parser_class=ChineseArgumentParser)

    report = commands.add_parser("report", help="指标的分子、分母、比率与评定")
    _common(report)
    report.add_argument("--by", choices=("city", "district", "enterprise"), default="city",
                        help="汇总层级：city 全市、district 区市、enterprise 企业（默认 city）")
    report.add_argument("--indicator", action="append", metavar="CODE", help="只列该指标（可重复；默认全部 11 项）")
    report.add_argument("--format", choices=("table", "csv", "json"), default="table", help="输出格式（默认 table）")

    shortfall = commands.add_parser("shortfall", help="某项指标缺口背后的具体记录（人员、隐患、企业、日期）")
    _common(shortfall)
    shortfall.add_argument("--indicator", required=True, metavar="CODE", help="指标代码，如 certification")
    shortfall.add_argument("--group", metavar="G", help="全市（默认）、区市名称或企业统一社会信用代码")
    shortfall.add_argument("--format", choices=FORMATS, default="table", help="输出格式（默认 table）")

    watch = commands.add_parser("watch", help="预警清单：超期隐患、未上报重大隐患、到期证书、未报检查表、待轮换驻点人员")
    _common(watch)
    watch.add_argument("--list", choices=tuple(api.WATCH_TITLES), metavar="LIST",
                       help="只输出一个清单：" + "、".join(f"{k} {v}" for k, v in api.WATCH_TITLES.items()))
    watch.add_argument("--format", choices=FORMATS, default="table", help="输出格式（默认 table）")

    commands.add_parser("indicators", help="列出 11 项指标的代码、名称与口径")
    add_pack_parser(commands)
    _chinese_headings(parser, "命令")
    for each in commands.choices.values():
        each.formatter_class = _ChineseHelp
        _chinese_headings(each)
    return parser


# ---------------------------------------------------------------- helpers

def _quarter_and_as_of(args):
    """The quarter and as-of date, checked before the database is opened."""
    quarter = parse_quarter(args.quarter) if args.quarter else latest_complete_quarter()
    as_of = parse_date(args.as_of) if getattr(args, "as_of", None) else None
    make_period(quarter, as_of)
    return quarter, as_of


def _open(path: Path | None):
    db = path or default_db_path()
    if not db.exists():
        raise DatabaseMissing(
            f"找不到数据库文件：{db}。请先运行 `python -m etl load 文件或文件夹 --db {db}` 导入数据。")
    try:
        con = store.open_reader(db)
        con.execute("SET enable_progress_bar = false")  # it would print into CSV and JSON output
        return con
    except duckdb.Error as error:
        raise DatabaseMissing(f"无法打开数据库 {db}：它不是本系统的数据库文件或已损坏（{type(error).__name__}）。") from None


def _text(value):
    """A cell for the terminal or CSV: dates as YYYY-MM-DD, missing values empty, numbers kept as numbers."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return int(value) if float(value).is_integer() else float(value)  # whole numbers also from columns with gaps
    return str(value)


def _rate_decimal(rate) -> str:
    return "" if rate is None or pd.isna(rate) else f"{rate:.{RATE_DECIMALS}f}"


def _rate_percent(rate) -> str:
    return "无数据" if rate is None or pd.isna(rate) else f"{rate:.2%}"


def _frame_rows(frame: pd.DataFrame) -> list[list[str]]:
    return [[_text(v) for v in row] for row in frame.itertuples(index=False, name=None)]


def _scope_line(quarter, as_of, districts) -> str:
    scope = "、".join(districts) if districts else "全市"
    return f"{quarter.cn}（{quarter.label}），截至 {(as_of or quarter.end):%Y-%m-%d}，范围：{scope}"


# ---------------------------------------------------------------- commands

def cmd_report(args) -> int:
    quarter, as_of = _quarter_and_as_of(args)
    districts = resolve_districts(args.district) if args.district else None
    codes = [indicator(code).code for code in args.indicator] if args.indicator else None
    con = _open(args.db)
    frame = api.report(con, quarter, by=args.by, as_of=as_of, districts=districts, indicators=codes)
    if args.format == "csv":
        print_rows(CSV_COLUMNS, zip(frame["indicator"], frame["group"], frame["numerator"], frame["denominator"],
                                   frame["rate"].map(_rate_decimal)), "csv")
    elif args.format == "json":
        payload = {
            "quarter": quarter.label,
            "as_of": (as_of or quarter.end).isoformat(),
            "by": args.by,
            "districts": resolve_districts(districts),
            "results": [
                {"indicator": r.indicator, "indicator_name": r.indicator_name, "group": r.group,
                 "group_name": r.group_name, "district": None if pd.isna(r.district) else r.district,
                 "numerator": int(r.numerator), "denominator": int(r.denominator),
                 "rate": None if pd.isna(r.rate) else round(float(r.rate), RATE_DECIMALS), "level": r.level}
                for r in frame.itertuples(index=False)
            ],
        }
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        print(_scope_line(quarter, as_of, districts))
        if args.by == "enterprise":
            header = ("指标", "统一社会信用代码", "企业名称", "区市", "分子", "分母", "比率", "评定")
            columns = ["indicator_name", "group", "group_name", "district", "numerator", "denominator"]
        else:
            header = ("指标", "范围", "分子", "分母", "比率", "评定")
            columns = ["indicator_name", "group", "numerator", "denominator"]
        table = frame[columns].assign(rate=frame["rate"].map(_rate_percent), level=frame["level"])
        print_rows(header, _frame_rows(table))
    return 0


def cmd_shortfall(args) -> int:
    quarter, as_of = _quarter_and_as_of(args)
    item = indicator(args.indicator)
    districts = resolve_districts(args.district) if args.district else None
    con = _open(args.db)
    frame = api.shortfall(con, quarter, item.code, group=args.group, as_of=as_of, districts=districts)
    if args.format == "csv":
        print_rows(list(frame.columns), _frame_rows(frame), "csv")
        return 0
    print(f"{item.name}（{item.code}）— {item.shortfall_title}：{len(frame)} 条；{_scope_line(quarter, as_of, districts)}"
          + (f"，分组：{args.group}" if args.group else ""))
    if len(frame):
        print_rows(list(frame.columns), _frame_rows(frame))
    else:
        print("没有缺口记录。")
    return 0


def cmd_watch(args) -> int:
    quarter, as_of = _quarter_and_as_of(args)
    districts = resolve_districts(args.district) if args.district else None
    con = _open(args.db)
    lists = api.watch(con, quarter, as_of=as_of, districts=districts)
    chosen = [args.list] if args.list else list(lists)
    if args.format == "csv":
        for n, key in enumerate(chosen):
            if len(chosen) > 1:
                # Several lists in one file: each block is preceded by its title and separated by a blank line.
                print(("\n" if n else "") + api.WATCH_TITLES[key])
            print_rows(list(lists[key].columns), _frame_rows(lists[key]), "csv")
        return 0
    print(_scope_line(quarter, as_of, districts))
    for key in chosen:
        frame = lists[key]
        print(f"\n{api.WATCH_TITLES[key]}：{len(frame)} 条")
        if len(frame):
            print_rows(list(frame.columns), _frame_rows(frame))
    return 0


def cmd_indicators(args) -> int:
    rows = [(i.code, i.name, "目标指标" if i.kind == "target" else "驻点工作", f"{i.numerator} / {i.denominator}", i.unit)
            for i in INDICATORS]
    print_rows(("代码", "名称", "类别", "分子 / 分母", "单位"), rows)
    return 0


COMMANDS = {"report": cmd_report, "shortfall": cmd_shortfall, "watch": cmd_watch, "indicators": cmd_indicators,
            "pack": cmd_pack}


def main(argv: list[str] | None = None) -> int:
    if (problem := settings_problem()) is not None:
        return fail(problem)
    args = _parser().parse_args(argv)
    return run_command(COMMANDS[args.command], args, ERRORS)
