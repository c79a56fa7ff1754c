"""`python -m metrics`: indicator figures, shortfall lists and watch lists from the command line.

A thin layer over `metrics.api`: it parses arguments, opens the warehouse read-only
and prints. Exit codes: 0 success, 1 no usable database, 2 a usage error (bad
quarter, date, district, indicator, group or option).
"""
from __future__ import annotations

import argparse
import json
import sys
import numbers
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd

from warehouse import store
from warehouse.store import DatabaseMissing
from access import meetings as meeting_access
from cli.common import (FORMATS, ChineseArgumentParser, ErrorMap, add_db_option, fail, operator, print_rows,
                        run_command, settings_problem)
from core.config import default_db_path
from metrics import api, meetings, reconcile, stationing
from core.dates import DateError, parse_date
from metrics.indicators import INDICATORS, UnknownIndicator, indicator
from core.quarters import QuarterError, latest_complete_quarter, parse_quarter
from core.text import printable
from metrics.scope import UnknownDistrict, UnknownGroup, resolve_districts
from metrics.sql import AsOfError, make_period
from warehouse.meetings import MeetingError, meetings_db_path
from cli.pack_commands import add_pack_parser, cmd_pack

QUARTER_HELP = "季度，如 2026Q3、2026-Q3、2026年第三季度（默认：最近一个已结束的季度）"
AS_OF_HELP = "截至日期，如 2026-09-30（默认：季度末）"
DISTRICT_HELP = "只统计该区市（可重复；接受简称，如 文登、高新区）"
CSV_COLUMNS = ("indicator", "group", "numerator", "denominator", "rate", "note")
RECONCILE_CSV_COLUMNS = ("check", "district", "enterprise", "detail", "check_name", "nature", "credit_code", "supervisor",
                         "record", "source_file", "source_sheet", "source_row")
RATE_DECIMALS = 4


class UsageProblem(ValueError):
    """Options that do not go together; the message says why."""


ERRORS = ErrorMap(usage=(QuarterError, DateError, AsOfError, UnknownDistrict, UnknownIndicator, UnknownGroup,
                         UsageProblem, reconcile.UnknownCheck, stationing.UnknownEnterprise),
                  stated=(MeetingError,))

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
    report.add_argument("--as-reported", dest="as_reported", action="store_true",
                        help="显示该季度会商定稿时冻结的数字（表格和 JSON 另列定稿后的变动）；季度未定稿时报错")

    shortfall = commands.add_parser("shortfall", help="某项指标缺口背后的具体记录（人员、隐患、企业、日期）")
    _common(shortfall)
    shortfall.add_argument("--indicator", required=True, metavar="CODE", help="指标代码，如 certification")
    shortfall.add_argument("--group", metavar="G", help="全市（默认）、区市名称或企业统一社会信用代码")
    shortfall.add_argument("--format", choices=FORMATS, default="table", help="输出格式（默认 table）")

    watch = commands.add_parser("watch", help="预警清单：截至日期需要关注的隐患、移交、证书、检查表和驻点轮换")
    _common(watch)
    watch.add_argument("--list", choices=tuple(api.WATCH_TITLES), metavar="LIST",
                       help="只输出一个清单：" + "、".join(f"{w.code} {w.title}" for w in api.WATCH_LISTS))
    watch.add_argument("--format", choices=FORMATS, default="table", help="输出格式（默认 table）")

    checks = commands.add_parser("reconcile", help="对账检查：日志与台账、检查表与人员台账等记录相互印证，列出不一致、缺口和需核实的记录")
    _common(checks)
    checks.add_argument("--check", action="append", choices=tuple(reconcile.BY_CODE), metavar="CHECK",
                        help="只列该项检查（可重复）：" + "、".join(f"{c.code} {c.name}" for c in reconcile.CHECKS))
    checks.add_argument("--format", choices=FORMATS, default="table",
                        help="输出格式（默认 table；csv 的列为 " + ",".join(RECONCILE_CSV_COLUMNS) + "）")

    listing = commands.add_parser("indicators", help="列出 11 项指标的代码、名称、通知原文与口径")
    listing.add_argument("--format", choices=FORMATS, default="table",
                         help="输出格式（默认 table；csv 的列为 code,name,clause,definition,numerator,denominator）")
    meeting = commands.add_parser("meeting", help="季度研究会商记录：定稿（冻结本季度数字）、退回草稿、查看")
    meeting.add_argument("action", choices=("finalize", "reopen", "show"), metavar="操作",
                         help="finalize 定稿并冻结本季度全部数字；reopen 退回草稿（冻结的数字保留至再次定稿）；"
                              "show 查看会商信息、共性任务进展和提请会商事项")
    add_db_option(meeting, "；会商记录在其旁边的 meetings.sqlite3")
    meeting.add_argument("--quarter", help=QUARTER_HELP)
    meeting.add_argument("--held-on", dest="held_on", metavar="DATE",
                         help="会商日期，如 2026-10-15（finalize 用；默认：已填写的日期，否则为今天）")
    add_pack_parser(commands)
    handover = commands.add_parser("handover", help="驻点监督工作交接单（Word 和 Excel）：一家企业在交接日的隐患、证书、培训等待交接事项")
    add_db_option(handover)
    handover.add_argument("--enterprise", required=True, metavar="NAME|CODE", help="企业名称或统一社会信用代码")
    handover.add_argument("--as-of", dest="as_of", metavar="DATE", help="交接日期，如 2026-09-30（默认：今天）")
    handover.add_argument("--out", type=Path, required=True, metavar="DIR", help="输出文件夹（不存在时自动创建）")
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
    line = f"{quarter.cn}（{quarter.label}），截至 {(as_of or quarter.end):%Y-%m-%d}，范围：{scope}"
    note = api.calendar_note(quarter)
    return f"{line}\n注意：{note}" if note else line


def _calendar_warning(quarter) -> None:
    """Beside a CSV (which must stay pure CSV), the calendar line goes to standard error."""
    note = api.calendar_note(quarter)
    if note:
        print(f"注意：{note}", file=sys.stderr)


# ---------------------------------------------------------------- commands

def _reported_figures(con, args, quarter, districts, codes) -> pd.DataFrame:
    """The figures frozen at 定稿 (with today's beside them, except for CSV, which stays the frozen rows)."""
    store = meetings_db_path(args.db or default_db_path())
    if args.format == "csv":
        return meetings.as_reported(store, quarter, by=args.by, districts=districts, indicators=codes)
    return meetings.reported_with_restatements(con, store, quarter, by=args.by, districts=districts,
                                               indicators=codes)


def _frozen_at(frame: pd.DataFrame) -> str:
    return f"{frame['frozen_at'].max():%Y-%m-%d %H:%M:%S}" if len(frame) else ""


def cmd_report(args) -> int:
    quarter, as_of = _quarter_and_as_of(args)
    if args.as_reported and as_of is not None:
        raise UsageProblem("--as-reported 显示会商定稿时冻结的数字（截至季度末），不能与 --as-of 同用。")
    districts = resolve_districts(args.district) if args.district else None
    codes = [indicator(code).code for code in args.indicator] if args.indicator else None
    con = _open(args.db)
    if args.as_reported:
        frame = _reported_figures(con, args, quarter, districts, codes)
    else:
        frame = api.report(con, quarter, by=args.by, as_of=as_of, districts=districts, indicators=codes)
    if args.format == "csv":
        _calendar_warning(quarter)
        columns = [frame["indicator"], frame["group"], frame["numerator"], frame["denominator"],
                   frame["rate"].map(_rate_decimal), frame["note"]]
        if args.as_reported:
            columns.append(frame["frozen_at"].dt.strftime("%Y-%m-%d %H:%M:%S"))
        print_rows((*CSV_COLUMNS, "frozen_at") if args.as_reported else CSV_COLUMNS, zip(*columns), "csv")
    elif args.format == "json":
        payload = {
            "quarter": quarter.label,
            "as_of": (as_of or quarter.end).isoformat(),
            "by": args.by,
            "districts": resolve_districts(districts),
            "calendar_note": api.calendar_note(quarter),
            "results": [
                {"indicator": r.indicator, "indicator_name": r.indicator_name, "group": r.group,
                 "group_name": r.group_name, "district": None if pd.isna(r.district) else r.district,
                 "numerator": int(r.numerator), "denominator": int(r.denominator),
                 "rate": None if pd.isna(r.rate) else round(float(r.rate), RATE_DECIMALS), "level": r.level,
                 "note": r.note,
                 **({"restatement": r.restatement or None} if args.as_reported else {})}
                for r in frame.itertuples(index=False)
            ],
        }
        if args.as_reported:
            payload["as_reported"] = True
            payload["frozen_at"] = _frozen_at(frame)
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        print(_scope_line(quarter, as_of, districts))
        if args.as_reported:
            print(f"会商定稿时冻结的数字（冻结于 {_frozen_at(frame)}）；“定稿后变动”列出此后导入的数据使之改变的数字。")
        if args.by == "enterprise":
            header = ("指标", "统一社会信用代码", "企业名称", "区市", "分子", "分母", "比率", "评定", "说明")
            columns = ["indicator_name", "group", "group_name", "district", "numerator", "denominator"]
        else:
            header = ("指标", "范围", "分子", "分母", "比率", "评定", "说明")
            columns = ["indicator_name", "group", "numerator", "denominator"]
        table = frame[columns].assign(rate=frame["rate"].map(_rate_percent), level=frame["level"], note=frame["note"])
        if args.as_reported:
            header, table = (*header, "定稿后变动"), table.assign(restatement=frame["restatement"])
        print_rows(header, _frame_rows(table))
    return 0


# ---------------------------------------------------------------- meeting records

def _meeting_header(record) -> list[str]:
    q = record.quarter
    frozen = (f"{record.frozen_at:%Y-%m-%d %H:%M:%S}（{record.frozen_by}）" if record.frozen_at else "无")
    if record.frozen_at and not record.is_final:
        frozen += "；已退回草稿，上次定稿冻结的数字保留至再次定稿"
    return [f"{q.cn}（{q.label}）会商：{record.state}",
            f"会商日期：{record.held_on.isoformat() if record.held_on else '未填写'}",
            f"参会区市：{'、'.join(record.attendees) or '未填写'}",
            f"定稿冻结：{frozen}"]


def _show_meeting(con, db: Path, quarter) -> None:
    user = meeting_access.command_line_user(operator())
    record = meeting_access.meeting(user, db, quarter)
    print("\n".join(_meeting_header(record)))
    tasks = meeting_access.tasks(user, con, db, quarter)
    print(f"\n共性任务：{tasks['task_id'].nunique()} 项（应于{quarter.next().cn}完成）")
    if len(tasks):
        table = tasks.assign(agreed=tasks["agreed"].map({True: "已确定", False: "未确定"}),
                             link_name=tasks["link_name"].replace("", "—"))
        print_rows(("编号", "任务", "责任区市", "完成时限", "确定", "关联", "状态", "依据", "说明"),
                   _frame_rows(table[["task_id", "title", "district", "deadline", "agreed", "link_name", "status",
                                      "basis", "note"]]))
    matters = meeting_access.matters(user, con, db, quarter)
    print(f"\n提请会商事项：{len(matters)} 项" + ("（定稿时的处理结果）" if record.is_final else "（按当前数据起草）"))
    if len(matters):
        print_rows(("类别", "区市", "处理", "事项"),
                   _frame_rows(matters[["kind_name", "districts", "decision", "text"]]))


def cmd_meeting(args) -> int:
    quarter = parse_quarter(args.quarter) if args.quarter else latest_complete_quarter()
    held_on = parse_date(args.held_on) if args.held_on else None
    db = args.db or default_db_path()
    con = _open(db)
    user = meeting_access.command_line_user(operator())
    if args.action == "finalize":
        record = meeting_access.finalize(user, db, quarter, held_on=held_on, con=con)
        frozen = meetings.as_reported(meetings_db_path(db), quarter, by=["city", "district", "enterprise"])
        print(f"{quarter.cn}会商已定稿：冻结 {len(frozen)} 个数字（全市、各区市、各企业），"
              f"冻结于 {record.frozen_at:%Y-%m-%d %H:%M:%S}，会商日期 {record.held_on.isoformat()}。")
        print(f"查看：python -m metrics report --quarter {quarter.label} --as-reported --db {printable(db)}")
    elif args.action == "reopen":
        meeting_access.reopen(user, db, quarter)
        print(f"{quarter.cn}会商已退回草稿；定稿时冻结的数字保留，至再次定稿时整体替换。")
    else:
        _show_meeting(con, db, quarter)
    return 0


def cmd_shortfall(args) -> int:
    quarter, as_of = _quarter_and_as_of(args)
    item = indicator(args.indicator)
    districts = resolve_districts(args.district) if args.district else None
    con = _open(args.db)
    frame = api.shortfall(con, quarter, item.code, group=args.group, as_of=as_of, districts=districts)
    if args.format == "csv":
        _calendar_warning(quarter)
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
    lists = api.watch(con, quarter, as_of=as_of, districts=districts, lists=[args.list] if args.list else None)
    chosen = list(lists)
    if args.format == "csv":
        for n, key in enumerate(chosen):
            if len(chosen) > 1:
                # Several lists in one file: each block is preceded by its title and separated by a blank line.
                print(("\n" if n else "") + api.WATCH_TITLES[key])
            print_rows(list(lists[key].columns), _frame_rows(lists[key]), "csv")
        return 0
    print(_scope_line(quarter, as_of, districts))
    for key in chosen:
        frame, item = lists[key], api.watch_list(key)
        print(f"\n{item.title}：{len(frame)} 条")
        print(f"说明：{item.help}")
        print(f"依据：{item.basis}")
        if len(frame):
            print_rows(list(frame.columns), _frame_rows(frame))
    return 0


def cmd_reconcile(args) -> int:
    quarter, as_of = _quarter_and_as_of(args)
    districts = resolve_districts(args.district) if args.district else None
    con = _open(args.db)
    frame = reconcile.reconcile_rows(con, quarter, as_of=as_of, districts=districts, checks=args.check)
    if args.format == "csv":
        _calendar_warning(quarter)
        columns = ["检查代码", "区市", "企业名称", "说明", "检查项", "性质", "统一社会信用代码", "驻点人员", "记录",
                   "来源文件", "工作表", "行号"]
        print_rows(RECONCILE_CSV_COLUMNS, _frame_rows(frame[columns]), "csv")
        return 0
    print(_scope_line(quarter, as_of, districts))
    counts = frame["检查代码"].value_counts()
    chosen = [reconcile.check(code) for code in args.check] if args.check else reconcile.CHECKS
    print_rows(("检查", "名称", "性质", "条数"),
               [(c.code, c.name, c.nature_name, int(counts.get(c.code, 0))) for c in reconcile.CHECKS if c in chosen])
    if len(frame):
        print()
        print_rows(["检查", *frame.columns[1:]], _frame_rows(frame))
    else:
        print("没有发现需要对账的记录。")
    return 0


def cmd_indicators(args) -> int:
    if args.format == "csv":
        print_rows(("code", "name", "clause", "definition", "numerator", "denominator"),
                   [(i.code, i.name, i.quote.cited, i.definition, i.numerator, i.denominator) for i in INDICATORS],
                   "csv")
        return 0
    rows = [(i.code, i.name, i.group, f"{i.numerator} / {i.denominator}", i.unit) for i in INDICATORS]
    print_rows(("代码", "名称", "类别", "分子 / 分母", "单位"), rows)
    return 0


def cmd_handover(args) -> int:
    as_of = parse_date(args.as_of) if args.as_of else date.today()
    con = _open(args.db)
    credit_code = stationing.find_enterprise(con, args.enterprise)
    # python-docx and openpyxl load only when a sheet is made.
    from pack.handover import gather_handover, write_handover
    sheet = gather_handover(con, credit_code, as_of=as_of)
    try:
        paths = write_handover(sheet, args.out)
    except OSError as error:
        return fail(f"无法写入输出文件夹 {args.out}：{error.strerror or error}")
    print(f"{sheet.name}（{credit_code}）驻点监督工作交接单，交接日期 {as_of.isoformat()}，已生成（{printable(args.out)}）：")
    for path in paths:
        print(f"  {printable(path.name)}　{path.stat().st_size / 1024:.0f} KB")
    return 0


COMMANDS = {"report": cmd_report, "shortfall": cmd_shortfall, "watch": cmd_watch, "indicators": cmd_indicators,
            "meeting": cmd_meeting, "pack": cmd_pack, "reconcile": cmd_reconcile, "handover": cmd_handover}


def main(argv: list[str] | None = None) -> int:
    if (problem := settings_problem()) is not None:
        return fail(problem)
    args = _parser().parse_args(argv)
    return run_command(COMMANDS[args.command], args, ERRORS)
