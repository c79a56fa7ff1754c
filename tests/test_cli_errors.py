"""The command-line tools' shared rules (cli/common.py): error → exit code and message, `--db`, table or CSV."""
from __future__ import annotations

import argparse
import io
from contextlib import redirect_stdout

import duckdb
import pytest

from access.users import AccessError
from cli import etl_commands, metrics_commands, pack_commands
from cli.common import DB_HELP, ErrorMap, outcome, print_rows, run_command
from core.dates import DateError
from core.quarters import QuarterError
from etl.batches import RollbackError
from etl.load import UsageError
from metrics.indicators import UnknownIndicator
from metrics.scope import UnknownDistrict, UnknownGroup
from metrics.sql import AsOfError
from tests.cli_runner import run_main, run_module, run_script
from warehouse.store import DatabaseMissing, WarehouseBusy

ETL, METRICS, PACK = etl_commands.ERRORS, metrics_commands.ERRORS, pack_commands.ERRORS
ETL_INTERNAL = "内部错误，操作未完成，数据库未改动。请将以下信息发给系统管理员："
READ_INTERNAL = "内部错误，操作未完成。请将以下信息发给系统管理员："
UNREADABLE = "读取数据库时出错：数据库文件无法读取，可能已损坏或不是本系统的数据库文件"

# (tool, error raised by a command, exit code, the whole message on standard error; None: nothing)
CASES = [
    (ETL, UsageError("找不到文件或文件夹：x"), 2, "用法错误：找不到文件或文件夹：x"),
    (ETL, FileNotFoundError("数据库不存在：w.duckdb。"), 1, "数据库不存在：w.duckdb。"),
    (ETL, RollbackError("批次 7 不存在。"), 1, "批次 7 不存在。"),
    (ETL, WarehouseBusy("数据库正被另一次导入占用。"), 1, "数据库正被另一次导入占用。"),
    (ETL, AccessError("用户 张三 已存在。"), 1, "用户 张三 已存在。"),
    (ETL, ValueError("取值无效。"), 1, "取值无效。"),
    (ETL, DatabaseMissing("找不到数据库文件：w.duckdb。"), 1, "找不到数据库文件：w.duckdb。"),
    (ETL, KeyboardInterrupt(), 130, "已中断，数据库未改动。"),
    (ETL, duckdb.IOException("bad file"), 1, ETL_INTERNAL + "IOException: bad file"),
    (ETL, BrokenPipeError("pipe"), 1, "输出未显示完整：接收输出的程序已关闭。可用 `python -m etl batches` 查看导入结果。"),
    (ETL, RuntimeError("boom"), 1, ETL_INTERNAL + "RuntimeError: boom"),
    *[(tool, error, 2, f"用法错误：{error}") for tool in (METRICS, PACK)
      for error in (QuarterError("无法识别的季度：2026Q5"), DateError("无法识别的日期：2026-02-30"),
                    AsOfError("截至日期早于季度开始"), UnknownDistrict("未知的区市：青岛"))],
    (METRICS, UnknownIndicator("未知的指标：speed"), 2, "用法错误：未知的指标：speed"),
    (METRICS, UnknownGroup("未找到统计范围内的企业：某某公司"), 2, "用法错误：未找到统计范围内的企业：某某公司"),
    *[(tool, *case) for tool in (METRICS, PACK) for case in (
        (DatabaseMissing("找不到数据库文件：w.duckdb。"), 1, "找不到数据库文件：w.duckdb。"),
        (duckdb.CatalogException("Table x does not exist"), 1,
         "读取数据库时出错：数据库中缺少本系统的数据表（CatalogException）。"
         "请确认数据库由 `python -m etl load` 生成。"),
        (duckdb.IOException("bad file"), 1,
         f"{UNREADABLE}（IOException）。请用 `python -m etl load` 重新生成数据库。"),
        (duckdb.SerializationException("bad"), 1,
         f"{UNREADABLE}（SerializationException）。请用 `python -m etl load` 重新生成数据库。"),
        (duckdb.InternalException("first line\nsecond line"), 1,
         "内部错误，读取数据库未完成，数据库未被改动。请将以下信息发给系统管理员：InternalException: first line"),
        (BrokenPipeError("pipe"), 0, None),
        (KeyboardInterrupt(), 130, "已中断。"),
        (ValueError("取值无效。"), 1, READ_INTERNAL + "ValueError: 取值无效。"),
        (RuntimeError("boom"), 1, READ_INTERNAL + "RuntimeError: boom"),
    )],
]


@pytest.mark.parametrize("tool, error, code, message", CASES,
                         ids=[f"{'etl' if t is ETL else 'metrics' if t is METRICS else 'pack'}-{type(e).__name__}"
                              for t, e, _, _ in CASES])
def test_each_error_has_one_exit_code_and_message(capsys, tool, error, code, message):
    assert outcome(error, tool) == (code, message)

    def command(args):
        raise error
    assert run_command(command, argparse.Namespace(), tool) == code
    out, err = capsys.readouterr()
    assert (out, err) == ("", "" if message is None else message + "\n")


def test_a_command_that_succeeds_returns_its_own_code(capsys):
    assert run_command(lambda args: 0, argparse.Namespace(), ErrorMap()) == 0
    assert run_command(lambda args: 1, argparse.Namespace(), ErrorMap()) == 1
    assert capsys.readouterr() == ("", "")


def test_an_argument_echoed_in_an_error_cannot_drive_the_terminal(capsys, tmp_path):
    """`--district` with a clear-screen escape and a fake second line comes back escaped, on one line."""
    code, out, err = run_main(metrics_commands.main, capsys, "report", "--db", tmp_path / "none.duckdb",
                              "--quarter", "2026Q3", "--district", "\x1b[2J伪造\n第二行")
    assert (code, out) == (2, "")
    assert err.startswith("用法错误：未知的区市：\\x1b[2J伪造\\n第二行（可选：环翠区、")
    assert "\x1b" not in err and err.count("\n") == 1


def _db_options(parser: argparse.ArgumentParser):
    for action in parser._actions:
        if "--db" in action.option_strings:
            yield parser.prog, action.help
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _db_options(sub)


def test_every_db_option_names_the_environment_variable():
    options = [*_db_options(etl_commands._parser()), *_db_options(metrics_commands._parser())]
    pack_parser = argparse.ArgumentParser()
    pack_commands._arguments(pack_parser)
    options += list(_db_options(pack_parser))
    assert "WEIHAI_DB" in DB_HELP
    # etl load…ensure-demo, users add…list; metrics report…reconcile, meeting, pack, handover; python -m pack
    assert len(options) == 5 + 4 + 8
    assert all(help_text.startswith(DB_HELP) for _, help_text in options), options


def test_print_rows_as_table_or_csv():
    rows = [("文登区", 4, None), ("=1+1", 0, "x")]
    table = io.StringIO()
    with redirect_stdout(table):
        print_rows(("区市", "分子", "备注"), rows)
    assert table.getvalue().splitlines() == ["区市    分子  备注", "------  ----  ----", "文登区  4", "=1+1    0     x"]
    sheet = io.StringIO()
    with redirect_stdout(sheet):
        print_rows(("区市", "分子", "备注"), rows, "csv")
    assert sheet.getvalue() == "区市,分子,备注\n文登区,4,\n'=1+1,0,x\n"
    with pytest.raises(ValueError):
        print_rows(("区市",), [], "json")


@pytest.mark.parametrize("script, module, argv, usage", [
    ("weihai-etl", "etl", ["--help"], "usage: python -m etl "),
    ("weihai-metrics", "metrics", ["report", "--help"], "用法：python -m metrics report "),
    ("weihai-pack", "pack", ["--help"], "usage: python -m pack "),
    ("weihai-pack", "pack", ["--quarter", "2026Q3"], None),
])
def test_console_script_and_module_entry_say_the_same(script, module, argv, usage):
    by_script, by_module = run_script(script, *argv), run_module(module, *argv)
    assert (by_script.returncode, by_script.stdout, by_script.stderr) == \
        (by_module.returncode, by_module.stdout, by_module.stderr)
    if usage:
        assert by_module.returncode == 0 and by_module.stdout.startswith(usage)
    else:
        assert by_module.returncode == 2
        assert by_module.stderr == "用法错误：缺少必填参数：--out\n运行 `python -m pack --help` 查看用法。\n"
