"""Shared pieces of the command-line tools: Chinese usage errors, aligned tables, printable text."""
from __future__ import annotations

import argparse
import csv
import re
import sys
from typing import Iterable, Sequence

from core.spreadsheet import safe_cell
from core.text import display_width, printable

USAGE_ERROR = 2

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
