"""Read an input file into sheets of raw cell rows, or reject it with a reason.

A sheet is a list of rows as Excel numbers them (row i of the list is Excel row
i + 1); every cell is text or None. Excel values are turned into the text a
clerk sees: whole numbers without `.0`, dates as `2026-07-01`.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

import python_calamine
from charset_normalizer import from_bytes

CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE2: legacy .xls, or an encrypted .xlsx
ZIP_MAGIC = b"PK\x03\x04"
ENCRYPTED_MARKER = "EncryptionInfo".encode("utf-16-le")
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
CSV_SUFFIXES = {".csv"}
LOADABLE_SUFFIXES = EXCEL_SUFFIXES | CSV_SUFFIXES | {".xls"}


class FileRejected(Exception):
    """The whole file cannot be loaded; the message says why and how to fix it."""


@dataclass
class Sheet:
    name: str
    rows: list[list[str | None]]


def _cell_text(value) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip() or None


def _rows_as_text(rows: list[list]) -> list[list[str | None]]:
    return [[v if type(v) is str and v and not v[0].isspace() and not v[-1].isspace() else _cell_text(v)
             for v in row] for row in rows]


def read_excel(path: Path) -> list[Sheet]:
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
        sheets = []
        for name in workbook.sheet_names:
            raw = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
            sheets.append(Sheet(name, _rows_as_text(raw)))
        workbook.close()
        return sheets
    except python_calamine.PasswordError:
        raise FileRejected("文件设置了打开密码，无法读取。请在 Excel/WPS 中取消密码后另存为 .xlsx 再发送。")
    except Exception:
        raise FileRejected("文件已损坏或不完整，无法作为 Excel 工作簿打开。请重新导出或另存为 .xlsx 后再发送。")


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM) or GBK/GB18030; anything else is rejected."""
    if b"\x00" not in data:
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                continue
    guess = from_bytes(data).best()
    found = f"（检测到的编码可能是 {guess.encoding}）" if guess else ""
    raise FileRejected(f"CSV 文件的字符编码无法识别{found}。请在 Excel/WPS 中另存为“CSV UTF-8”或 GBK 编码的 CSV 后再发送。")


def read_csv(path: Path, data: bytes) -> list[Sheet]:
    text = decode_csv(data)
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    rows = [[cell.strip() or None for cell in row] for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    return [Sheet(path.stem, rows)]


def read_file(path: Path) -> list[Sheet]:
    """Sheets of a file, or FileRejected with a Chinese reason."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise FileRejected(f"文件无法读取（{error.strerror}）。")
    if not data.strip():
        raise FileRejected("文件是空的，没有任何内容。")
    suffix = path.suffix.lower()
    if data.startswith(CFB_MAGIC):
        if ENCRYPTED_MARKER in data:
            raise FileRejected("文件设置了打开密码，无法读取。请在 Excel/WPS 中取消密码后另存为 .xlsx 再发送。")
        raise FileRejected("这是旧版 Excel（.xls）文件。请在 Excel/WPS 中“另存为”Excel 工作簿（.xlsx）后再发送。")
    if suffix in EXCEL_SUFFIXES or data.startswith(ZIP_MAGIC):
        return read_excel(path)
    if suffix in CSV_SUFFIXES:
        return read_csv(path, data)
    if suffix == ".xls":
        raise FileRejected("这是旧版 Excel（.xls）文件。请在 Excel/WPS 中“另存为”Excel 工作簿（.xlsx）后再发送。")
    raise FileRejected(f"不支持的文件类型“{path.suffix or '无扩展名'}”。请发送 Excel 工作簿（.xlsx）或 CSV 文件。")
