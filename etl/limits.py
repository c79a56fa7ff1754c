"""The budgets a file must stay within before it is parsed, and the reasons given when it does not.

Every budget is a setting of `[import]` (core/settings.py). A file beyond
one is rejected whole, before the parser allocates anything in proportion to it.
"""
from __future__ import annotations

from dataclasses import dataclass

from core.settings import settings

# Structural sanity bounds of a workbook, far above anything Excel or WPS writes.
MAX_ZIP_ENTRIES = 10_000
MAX_SHEETS = 1_000
MAX_SHEET_NAME_CHARS = 255
MAX_MERGED_RANGES = 100_000
MAX_STYLES = 100_000  # cell formats and number formats (Excel allows 64,000)
MAX_RELATIONSHIPS = 10_000


class FileRejected(Exception):
    """The whole file cannot be loaded; the message says why and how to fix it."""


@dataclass(frozen=True)
class Limits:
    max_rows: int
    max_cells: int
    max_unpacked_bytes: int
    max_cell_chars: int
    database_memory_mb: int

    @classmethod
    def from_settings(cls) -> "Limits":
        section = settings()["import"]
        return cls(
            max_rows=int(section["max_rows"]),
            max_cells=int(section["max_cells"]),
            max_unpacked_bytes=int(section["max_unpacked_mb"] * 1024 * 1024),
            max_cell_chars=int(section["max_cell_chars"]),
            database_memory_mb=int(section["database_memory_mb"]),
        )

    @property
    def unpacked_mb(self) -> str:
        return f"{self.max_unpacked_bytes / 1024 / 1024:g}"


SPLIT = "请将数据拆分为几个文件后分别发送。"


def column_letters(index: int) -> str:
    """0-based column index -> Excel letters (0 -> A, 16383 -> XFD)."""
    letters = ""
    index += 1
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _where(sheet: str | None) -> str:
    return f"工作表“{sheet}”" if sheet else "文件"


def file_too_big(size: int, limits: Limits) -> FileRejected:
    return FileRejected(
        f"文件大小 {size / 1024 / 1024:.1f} MB，超过单个文件 {limits.unpacked_mb} MB 的上限（设置 import.max_unpacked_mb）。"
        + SPLIT)


def unpacked_too_big(limits: Limits) -> FileRejected:
    return FileRejected(
        f"工作簿解压后超过 {limits.unpacked_mb} MB 的上限（设置 import.max_unpacked_mb），为防止耗尽内存不予读取。"
        "请删除无关的工作表、图片和格式后另存；数据确实这么多时，" + SPLIT)


def text_too_big(limits: Limits) -> FileRejected:
    return FileRejected(
        f"工作簿中各单元格引用的文字合计超过 {limits.unpacked_mb} MB 的上限（设置 import.max_unpacked_mb），"
        "为防止耗尽内存不予读取。" + SPLIT)


def too_many_rows(rows: int | None, limits: Limits, sheet: str | None = None) -> FileRejected:
    count = f"共 {rows:,} 行，" if rows else "的行数"
    return FileRejected(
        f"{_where(sheet)}{count}超过单个文件 {limits.max_rows:,} 行的上限（设置 import.max_rows）。"
        "若表格下方远处有误填或带格式的单元格，请删除数据以下多余的行后另存；数据确实这么多时，" + SPLIT)


def too_many_cells(rows: int, columns: int, limits: Limits, sheet: str | None = None) -> FileRejected:
    far = f"{column_letters(columns - 1)}{rows}"
    return FileRejected(
        f"{_where(sheet)}的已用区域为 {rows:,} 行 × {columns:,} 列（到 {far} 单元格，共 {rows * columns:,} 个单元格），"
        f"超过单个文件 {limits.max_cells:,} 个单元格的上限（设置 import.max_cells）。"
        "若表格外远处有误填或带格式的单元格，请删除数据区域以外多余的行和列后另存；数据确实这么多时，" + SPLIT)


def csv_too_many_cells(line: int, rows: int, columns: int, limits: Limits) -> FileRejected:
    return FileRejected(
        f"CSV 文件读到第 {line:,} 行时已有 {rows:,} 行 × {columns:,} 列，超过单个文件 {limits.max_cells:,} 个单元格的上限"
        "（设置 import.max_cells）。若某一行的逗号特别多，请检查该行；数据确实这么多时，" + SPLIT)


def cell_too_long(line: int, limits: Limits) -> FileRejected:
    return FileRejected(
        f"第 {line} 行有一个单元格超过 {limits.max_cell_chars:,} 个字符的上限（设置 import.max_cell_chars），"
        "通常是引号不配对，把后面许多行并进了一个单元格。请检查这一行的引号后再发送。")


def malformed_workbook(detail: str) -> FileRejected:
    return FileRejected(f"工作簿的内部结构异常（{detail}），为安全起见不予读取。请在 Excel/WPS 中打开后另存为 .xlsx 再发送。")
