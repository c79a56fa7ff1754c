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
import itertools
import operator
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import python_calamine

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


# The characters str.strip() removes (str.isspace), for trimming whole columns in Arrow.
WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
              "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")


@dataclass
class Sheet:
    """A sheet's cells as text columns: `columns[j][i]` is the cell in column j of row i + 1 (as Excel
    numbers rows), or null when empty. Every column is `height` long; `lengths` holds each row's own
    length when the rows differ (the lines of a CSV), None when every row is as wide as the sheet."""
    name: str
    columns: list[pa.Array]
    height: int
    lengths: np.ndarray | None = None

    @classmethod
    def from_rows(cls, name: str, rows: list[list]) -> "Sheet":
        """From rows of text (None or blank for empty); the text is trimmed as `str.strip` does."""
        columns, lengths = _columns(rows)
        return cls(name, [_clean(pa.array(column, type=pa.string())) for column in columns], len(rows), lengths)

    def widest(self, start: int = 0) -> int:
        """The longest row from row index `start` on (0 when there is none)."""
        if start >= self.height:
            return 0
        return len(self.columns) if self.lengths is None else int(self.lengths[start:].max())

    @property
    def cells(self) -> int:
        """Rows × the widest row: what the loader pads the sheet to."""
        return self.height * self.widest()

    def head(self, count: int) -> list[list[str | None]]:
        """The first `count` rows as lists of text, each as long as it was written."""
        top = min(count, self.height)
        columns = [column.slice(0, top).to_pylist() for column in self.columns]
        rows = [list(row) for row in zip(*columns)] if columns else [[] for _ in range(top)]
        if self.lengths is not None:
            rows = [row[:length] for row, length in zip(rows, self.lengths[:top].tolist())]
        return rows

    @property
    def rows(self) -> list[list[str | None]]:
        """Every row as a list of text (the loader itself works on the columns)."""
        return self.head(self.height)

    def __iter__(self):
        return iter(self.rows)


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


def _clean(column: pa.Array) -> pa.Array:
    """Text trimmed as `str.strip` trims it, and empty text as null."""
    trimmed = pc.utf8_trim(column, characters=WHITESPACE)
    return pc.if_else(pc.equal(trimmed, ""), None, trimmed)


def _text_column(values: list) -> pa.Array:
    """One column of calamine's cells as the text a clerk sees (`_cell_text`), each distinct value converted once."""
    kinds = set(map(type, values))
    if kinds <= {str}:
        return _clean(pa.array(values, type=pa.string()))
    if bool in kinds and kinds & {int, float}:  # True == 1 == 1.0 would share one text
        texts = [v if type(v) is str else _cell_text(v) for v in values]
    else:
        text_of = {v: v if type(v) is str else _cell_text(v) for v in set(values)}
        texts = list(map(text_of.__getitem__, values))
    return _clean(pa.array(texts, type=pa.string()))


def _columns(rows: list[list]) -> tuple[list, np.ndarray | None]:
    """The columns of `rows` (short rows padded with None), and each row's length when the rows differ."""
    lengths = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
    if not len(rows) or lengths.min() == lengths.max():
        return [list(map(operator.itemgetter(j), rows)) for j in range(int(lengths.max(initial=0)))], None
    return list(itertools.zip_longest(*rows)), lengths


def _sheet_from_calamine(name: str, rows: list[list]) -> Sheet:
    columns, lengths = _columns(rows)
    return Sheet(name, [_text_column(column) for column in columns], len(rows), lengths)


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
            read = _sheet_from_calamine(name, sheet.to_python(skip_empty_area=False))
            del sheet
            if measure_text:
                text += sum(pc.sum(pc.utf8_length(column)).as_py() or 0 for column in read.columns)
                if text > limits.max_unpacked_bytes:
                    raise text_too_big(limits)
            sheets.append(read)
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
    from charset_normalizer import from_bytes  # only to name the encoding in the rejection

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
    rows: list[list[str]] = []
    width = 0
    try:
        for row in reader:
            if len(row) > width:
                width = len(row)
            rows.append(row)
            if len(rows) > limits.max_rows:
                raise too_many_rows(None, limits)
            if len(rows) * width > limits.max_cells:
                raise csv_too_many_cells(reader.line_num, len(rows), width, limits)
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            raise cell_too_long(reader.line_num, limits) from None
        raise FileRejected(f"CSV 文件第 {reader.line_num} 行的格式有误，无法读取。请在 Excel/WPS 中打开后另存为 CSV 再发送。") from None
    return [Sheet.from_rows(path.stem, rows)]


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
