"""Read an input file into sheets of raw cell rows, or reject it with a reason.

A sheet is a list of rows as Excel numbers them (row i of the list is Excel row
i + 1); every cell is text or None. Excel values are turned into the text a
clerk sees: whole numbers without `.0`, dates as `2026-07-01`.

Every file is held to the budgets of `[import]` (etl.limits) before anything
is allocated in proportion to its content: the file's size first; then an
.xlsx is measured part by part (etl.xlsx_scan) and a legacy .xls record by
record (etl.xls_scan) before python-calamine may open it, and calamine only
ever opens a private copy whose name tells it the format (it would otherwise
guess, and try other readers on a file the checks did not measure); a CSV is
counted while it is read.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import python_calamine
from charset_normalizer import from_bytes

from etl import xls_scan, xlsx_scan
from etl.limits import (MAX_SHEET_NAME_CHARS, MAX_SHEETS, FileRejected, Limits, cell_too_long, csv_too_many_cells,
                        file_too_big, malformed_workbook, text_too_big, too_many_cells, too_many_rows)

CFB_MAGIC = xls_scan.CFB_MAGIC  # OLE2: legacy .xls, or an encrypted .xlsx
ZIP_MAGIC = b"PK\x03\x04"
ENCRYPTED_MARKER = "EncryptionInfo".encode("utf-16-le")
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
LEGACY_SUFFIXES = {".xls"}
CSV_SUFFIXES = {".csv"}
LOADABLE_SUFFIXES = EXCEL_SUFFIXES | LEGACY_SUFFIXES | CSV_SUFFIXES

PASSWORD = "文件设置了打开密码，无法读取。请在 Excel/WPS 中取消密码后另存为 .xlsx 再发送。"
CORRUPT = "文件已损坏或不完整，无法作为 Excel 工作簿打开。请重新导出或另存为 .xlsx 后再发送。"

__all__ = ["FileRejected", "Sheet", "read_file", "read_excel", "LOADABLE_SUFFIXES"]


@dataclass
class Sheet:
    name: str
    rows: list[list[str | None]]

    @property
    def cells(self) -> int:
        """Rows × the widest row: what the loader pads the sheet to."""
        return len(self.rows) * max(map(len, self.rows), default=0)


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


def _open_calamine(path: Path):
    try:
        return python_calamine.CalamineWorkbook.from_path(str(path))
    except python_calamine.PasswordError:
        raise FileRejected(PASSWORD) from None
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # calamine's errors, and its panics (which are not Exceptions)
        raise FileRejected(CORRUPT) from None


def _read_calamine(path: Path, limits: Limits, scan: xlsx_scan.WorkbookScan | None = None) -> list[Sheet]:
    """Every sheet of a checked workbook, adding up the sheets against the budgets as they are read."""
    workbook = _open_calamine(path)
    try:
        names = workbook.sheet_names
        if len(names) > MAX_SHEETS:
            raise malformed_workbook(f"有 {len(names):,} 个工作表")
        if any(len(name) > MAX_SHEET_NAME_CHARS for name in names):
            raise malformed_workbook("工作表名称过长")
        measure_text = False
        if scan is not None:
            # calamine records each merged range once per sheet that refers to its part, with both names.
            name_bytes = max((len(n.encode("utf-8")) for n in names), default=0)
            merged = len(names) * scan.max_part_merges * (name_bytes + scan.max_part_name_bytes + 128)
            if merged > limits.max_unpacked_bytes:
                raise malformed_workbook(f"合并单元格过多（单个工作表 {scan.max_part_merges:,} 个）")
            # Each part's text is within the budget on its own; several sheets sharing a part could add up.
            measure_text = len(names) * scan.max_part_text > limits.max_unpacked_bytes
        sheets, area, rows, text = [], 0, 0, 0
        for name in names:
            sheet = workbook.get_sheet_by_name(name)
            end = sheet.end
            height, width = (end[0] + 1, end[1] + 1) if end else (0, 0)
            area, rows = area + height * width, rows + height
            if area > limits.max_cells:
                raise too_many_cells(height, width, limits, name)
            if rows > limits.max_rows:
                raise too_many_rows(height, limits, name)
            cells = _rows_as_text(sheet.to_python(skip_empty_area=False))
            del sheet
            if measure_text:
                text += sum(len(cell) for row in cells for cell in row if cell)
                if text > limits.max_unpacked_bytes:
                    raise text_too_big(limits)
            sheets.append(Sheet(name, cells))
        return sheets
    except FileRejected:
        raise
    except python_calamine.PasswordError:
        raise FileRejected(PASSWORD) from None
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:
        raise FileRejected(CORRUPT) from None
    finally:
        workbook.close()


def _private_copy(data: bytes, suffix: str):
    """A temporary file holding `data` under a name whose suffix picks calamine's reader."""
    folder = tempfile.TemporaryDirectory(prefix="weihai-read-")
    target = Path(folder.name) / f"workbook{suffix}"
    target.write_bytes(data)
    return folder, target


def read_workbook(data: bytes, limits: Limits) -> list[Sheet]:
    """An .xlsx/.xlsm from its bytes, measured before calamine opens it."""
    scan = xlsx_scan.scan(data, limits)
    folder, target = _private_copy(data, ".xlsx")
    with folder:
        return _read_calamine(target, limits, scan)


def read_legacy(data: bytes, limits: Limits) -> list[Sheet]:
    """A legacy .xls: measured, then rebuilt, before calamine opens it (see etl.xls_scan)."""
    if ENCRYPTED_MARKER in data:
        raise FileRejected(PASSWORD)
    clean, _ = xls_scan.sanitise(data, limits)
    folder, target = _private_copy(clean, ".xls")
    with folder:
        return _read_calamine(target, limits)


def read_excel(path: Path, limits: Limits | None = None) -> list[Sheet]:
    """An Excel workbook (.xlsx, .xlsm or legacy .xls) from a file."""
    limits = limits or Limits.from_settings()
    data = _read_bounded(path, limits)
    return read_legacy(data, limits) if data.startswith(CFB_MAGIC) else read_workbook(data, limits)


def _decodes(data: bytes, encoding: str) -> bool:
    """Whether all of `data` decodes, checked in steps (no decoded copy of the file is kept)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    view = memoryview(data)
    try:
        for start in range(0, len(view), 1 << 20):
            decoder.decode(view[start:start + (1 << 20)])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def csv_encoding(data: bytes) -> str:
    """UTF-8 (with or without BOM) or GBK/GB18030; anything else is rejected."""
    if b"\x00" not in data:
        for encoding in ("utf-8-sig", "gb18030"):
            if _decodes(data, encoding):
                return encoding
    guess = from_bytes(data[:1 << 20]).best()
    found = f"（检测到的编码可能是 {guess.encoding}）" if guess else ""
    raise FileRejected(f"CSV 文件的字符编码无法识别{found}。请在 Excel/WPS 中另存为“CSV UTF-8”或 GBK 编码的 CSV 后再发送。")


def read_csv(path: Path, data: bytes, limits: Limits | None = None) -> list[Sheet]:
    limits = limits or Limits.from_settings()
    encoding = csv_encoding(data)
    sample = data[:32768].decode(encoding, errors="ignore")[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    csv.field_size_limit(limits.max_cell_chars)
    reader = csv.reader(io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline=""), delimiter=delimiter)
    rows: list[list[str | None]] = []
    width = 0
    try:
        for row in reader:
            if len(row) > width:
                width = len(row)
            rows.append([cell.strip() or None for cell in row])
            if len(rows) > limits.max_rows:
                raise too_many_rows(None, limits)
            if len(rows) * width > limits.max_cells:
                raise csv_too_many_cells(reader.line_num, len(rows), width, limits)
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            raise cell_too_long(reader.line_num, limits) from None
        raise FileRejected(f"CSV 文件第 {reader.line_num} 行的格式有误，无法读取。请在 Excel/WPS 中打开后另存为 CSV 再发送。") from None
    return [Sheet(path.stem, rows)]


def _read_bounded(path: Path, limits: Limits) -> bytes:
    try:
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > limits.max_unpacked_bytes:
                raise file_too_big(size, limits)
            data = handle.read(limits.max_unpacked_bytes + 1)
    except OSError as error:
        raise FileRejected(f"文件无法读取（{error.strerror or type(error).__name__}）。") from None
    if len(data) > limits.max_unpacked_bytes:
        raise file_too_big(len(data), limits)
    return data


def read_file(path: Path, limits: Limits | None = None) -> list[Sheet]:
    """Sheets of a file, or FileRejected with a Chinese reason."""
    limits = limits or Limits.from_settings()
    data = _read_bounded(path, limits)
    if not data or data.isspace():
        raise FileRejected("文件是空的，没有任何内容。")
    suffix = path.suffix.lower()
    if data.startswith(CFB_MAGIC):
        return read_legacy(data, limits)
    if suffix in EXCEL_SUFFIXES or data.startswith(ZIP_MAGIC):
        return read_workbook(data, limits)
    if suffix in CSV_SUFFIXES:
        return read_csv(path, data, limits)
    if suffix in LEGACY_SUFFIXES:
        raise FileRejected("文件的扩展名是 .xls，但内容不是 Excel 工作簿（可能是网页或其他系统导出的表格）。"
                           "请在 Excel/WPS 中打开后另存为 Excel 工作簿（.xlsx）再发送。")
    raise FileRejected(f"不支持的文件类型“{path.suffix or '无扩展名'}”。请发送 Excel 工作簿（.xlsx 或 .xls）或 CSV 文件。")
