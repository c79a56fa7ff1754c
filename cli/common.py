"""Shared pieces of the command-line tools: the `--db` option, Chinese usage errors, one map from
errors to exit codes and messages, and rows printed as an aligned table or as CSV."""
from __future__ import annotations

import argparse
import csv
import getpass
import os
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from core.calendar import calendar_problem
from core.config import DB_ENV_VAR
from core.settings import SettingsError, settings
from core.spreadsheet import safe_cell
from core.text import display_width, printable
from warehouse.store import DatabaseMissing

SUCCESS = 0
FAILED = 1
USAGE_ERROR = 2
INTERRUPTED = 130

DB_HELP = f"数据库文件（默认 data/warehouse.duckdb，可用环境变量 {DB_ENV_VAR} 指定）"
FORMATS = ("table", "csv")


def add_db_option(parser: argparse.ArgumentParser, note: str = "") -> None:
    """The `--db` option of every command that reads or writes the warehouse; `note` is added to its help."""
    parser.add_argument("--db", type=Path, help=DB_HELP + note)

_TRANSLATIONS = (
    (re.compile(r"the following arguments are required: (.*)"), r"缺少必填参数：\1"),
    (re.compile(r"argument (\S+): invalid choice: '?([^' ]*)'? \(choose from (.*)\)"), r"参数 \1 的取值“\2”无效，可选：\3"),
    (re.compile(r"argument (\S+): invalid (\w+) value: '(.*)'"), r"参数 \1 的取值“\3”不是有效的数值"),
    (re.compile(r"argument (\S+): expected one argument"), r"参数 \1 后面需要一个值"),
    (re.compile(r"unrecognized arguments: (.*)"), r"无法识别的参数：\1"),
    (re.compile(r"invalid choice: '?([^' ]*)'? \(choose from (.*)\)"), r"没有“\1”这个命令，可用的命令：\2"),
)


class ChineseArgumentParser(argparse.ArgumentParser):
    """argparse with usage errors in Chinese and exit code 2."""

    def error(self, message: str):
        for pattern, replacement in _TRANSLATIONS:
            if pattern.search(message):
                message = pattern.sub(replacement, message)
                break
        self.exit(USAGE_ERROR, f"用法错误：{message}\n运行 `{self.prog} --help` 查看用法。\n")


def _pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


def format_table(header: Sequence[str], rows: Iterable[Sequence]) -> str:
    """Columns aligned for a terminal, counting Chinese characters as two columns wide; cells made printable."""
    cells = [[printable(v) for v in row] for row in rows]
    header = [printable(h) for h in header]
    widths = [display_width(h) for h in header]
    for row in cells:
        widths = [max(w, display_width(v)) for w, v in zip(widths, row)]
    lines = ["  ".join(_pad(h, w) for h, w in zip(header, widths)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(_pad(v, w) for v, w in zip(row, widths)).rstrip() for row in cells]
    return "\n".join(lines)


def write_csv(header: Sequence[str], rows: Iterable[Sequence], stream=None) -> None:
    writer = csv.writer(stream or sys.stdout, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([("" if v is None else safe_cell(v)) for v in row] for row in rows)


def print_rows(header: Sequence[str], rows: Iterable[Sequence], fmt: str = "table") -> None:
    """Rows on standard output: `table` aligned for a person, `csv` (formulas neutralised) for a spreadsheet."""
    if fmt == "csv":
        write_csv(header, rows)
    elif fmt == "table":
        print(format_table(header, rows))
    else:
        raise ValueError(f"unknown output format: {fmt}")


# ---------------------------------------------------------------- errors → exit codes and messages

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


@dataclass(frozen=True)
class ErrorMap:
    """Which errors of one tool are the user's to fix; everything else is decided in `outcome`.

    `usage`: a wrong argument (exit 2, "用法错误：…"). `stated`: errors whose own message tells
    the user what to do (exit 1). `writes_database`: the tool changes the warehouse, and every
    change is published only when complete, so an interrupted or failed run says the database
    is unchanged; its exit code reports the write, so a closed output pipe is not a success, and
    a database error there is a failure of the operation, not a file that cannot be read.
    """
    usage: tuple[type[BaseException], ...] = ()
    stated: tuple[type[BaseException], ...] = ()
    writes_database: bool = False


def outcome(error: BaseException, errors: ErrorMap) -> tuple[int, str | None]:
    """The exit code and the message (None: say nothing) for an error a command raised."""
    unchanged = "，数据库未改动" if errors.writes_database else ""
    if isinstance(error, errors.usage):
        return USAGE_ERROR, f"用法错误：{error}"
    if isinstance(error, (DatabaseMissing, *errors.stated)):
        return FAILED, str(error)
    if isinstance(error, KeyboardInterrupt):
        return INTERRUPTED, f"已中断{unchanged}。"
    if not errors.writes_database:
        if isinstance(error, duckdb.Error):
            return FAILED, database_error_message(error)
        if isinstance(error, BrokenPipeError):  # whoever read the output stopped reading (`| head`)
            return SUCCESS, None
    if isinstance(error, BrokenPipeError):  # the work may be done and published: only the report was cut off
        return FAILED, "输出未显示完整：接收输出的程序已关闭。可用 `python -m etl batches` 查看导入结果。"
    return FAILED, f"内部错误，操作未完成{unchanged}。请将以下信息发给系统管理员：{type(error).__name__}: {error}"


def fail(message: str, code: int = FAILED) -> int:
    """`message` on standard error, made printable (it may quote a file name or an argument); returns `code`."""
    print(printable(message), file=sys.stderr)
    return code


def operator(note: str | None = None) -> str:
    """Who runs this command, as batches and the audit log record it: the operating-system user."""
    try:
        who = getpass.getuser()
    except (OSError, KeyError):  # no user name in the environment or the password database
        who = f"uid {os.getuid()}"
    name = f"命令行:{printable(who, 32)}"
    return f"{name}（{printable(note, 24)}）" if note else name


def settings_problem() -> str | None:
    """What is wrong with the settings file (naming the key) or the holidays file (naming the year and value),
    in Chinese, or None when both are valid.

    Each tool asks first, before its parser (whose help states settings) or any command reads one.
    """
    try:
        settings()
    except SettingsError as error:
        return str(error)
    return calendar_problem()


def run_command(command: Callable[[argparse.Namespace], int], args: argparse.Namespace, errors: ErrorMap) -> int:
    """Run a parsed command; any error becomes an exit code and a Chinese message, never a traceback."""
    try:
        return command(args)
    except (Exception, KeyboardInterrupt) as error:
        code, message = outcome(error, errors)
        return code if message is None else fail(message, code)
