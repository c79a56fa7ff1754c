"""Measure an .xlsx from its raw bytes before python-calamine may parse it.

python-calamine turns each sheet into a dense rows × columns array (one cell at
A1 and one at XFD200000 ask for 100 GB and abort the process), copies a shared
string into every cell that refers to it, and reserves whatever count the shared
string table announces. So before calamine sees a workbook, every part of the
zip is inflated here in bounded steps (the declared sizes are not trusted: the
deflate stream itself is counted, and reading stops once the budget is spent)
and its XML is scanned, with a compiled search over each step, for:

- the farthest cell: its row and column from the `r="B7"` of every `<c>`, or,
  for cells written without `r`, from their position as calamine counts it;
- the number of `<c>` elements, `<mergeCell>` elements and shared strings;
- for each cell of type `t="s"`, the length of the shared string it copies.

Nothing is built but a few counters and one integer per shared-string cell.
Writers put `r` first in every `<c>` (Excel, WPS, LibreOffice, openpyxl); those
steps are measured with numpy over the bytes. Anything else (other attribute
order or quoting, namespace prefixes, cells without `r`) is measured by an
exact tokenizer that follows calamine's own rules, restarting the part.
"""
from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import Iterator

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from etl.limits import (MAX_MERGED_RANGES, MAX_RELATIONSHIPS, MAX_SHEETS, MAX_STYLES, MAX_ZIP_ENTRIES, FileRejected,
                        Limits, malformed_workbook, text_too_big, too_many_cells, too_many_rows, unpacked_too_big)

STEP = 1 << 22  # bytes of XML measured per step
MAX_TAG_BYTES = 1 << 20  # a start tag longer than this is not a spreadsheet's
EXCEL_ROWS, EXCEL_COLUMNS = 1_048_576, 16_384

_WHITESPACE = np.zeros(256, dtype=bool)
_WHITESPACE[[9, 10, 12, 13, 32]] = True
_NAME_END = _WHITESPACE.copy()
_NAME_END[[47, 62]] = True  # "/" and ">"
_LETTER = np.zeros(256, dtype=np.int64)
for _i in range(26):
    _LETTER[65 + _i] = _LETTER[97 + _i] = _i + 1
_DIGIT = np.zeros(256, dtype=bool)
_DIGIT[48:58] = True
_R_ATTR = np.frombuffer(b' r="', dtype=np.uint8)
_V_OPEN = np.frombuffer(b"<v>", dtype=np.uint8)
_V_CLOSE = np.frombuffer(b"</v></c>", dtype=np.uint8)

# Elements calamine keeps one entry for each of: their count is bounded (name -> most allowed in one part).
COUNTED = {"mergeCell": MAX_MERGED_RANGES, "sheet": MAX_SHEETS, "xf": MAX_STYLES, "numFmt": MAX_STYLES,
           "Relationship": MAX_RELATIONSHIPS}
_COUNTED = [(name, np.frombuffer(name.encode(), dtype=np.uint8)) for name in COUNTED]
_NAME_AFTER_COLON = np.zeros(256, dtype=bool)
_NAME_AFTER_COLON[[ord(n[0]) for n in ("c", "row", "v", "sst", *COUNTED)]] = True
# A step without any of these start tags has nothing to measure.
_INTERESTING = re.compile(rb"<(?:[^\s/>:<]+:)?(?:c|row|v|sst|" + "|".join(COUNTED).encode() + rb")[\s/>]")
_NAMES = "|".join(("c", "row", "v", "sst", *COUNTED)).encode()
_PREFIXED = re.compile(rb"<[^\s/>:]+:(?:" + _NAMES + rb")(?=[\s/>])")
_TOKEN = re.compile(rb"<(/?)(?:[^\s/>:<]+:)?(" + _NAMES + rb")(?=[\s/>])")
_TAG_REST = re.compile(rb"(?:[^>\"']|\"[^\"]*\"|'[^']*')*>")
_PLAIN_NUMBER = re.compile(rb"\+?(\d+)")


class _Irregular(Exception):
    """This step needs the exact tokenizer."""


@dataclass
class PartStats:
    name: str
    size: int = 0
    cells: int = 0
    rowless_cells: int = 0
    max_row: int = -1  # 0-based, as calamine counts
    max_col: int = -1
    counts: dict = field(default_factory=dict)  # element name -> how many (see COUNTED)
    markup: bool = False  # comments, CDATA or processing instructions after the declaration
    shared_indexes: list = field(default_factory=list)
    shared_unknown: int = 0
    shared_string_table: bool = False
    string_lengths: np.ndarray | None = None  # bytes of each <si>, in calamine's order; None: not known
    unique_count: int = 0

    @property
    def rows(self) -> int:
        return self.max_row + 1

    @property
    def columns(self) -> int:
        return self.max_col + 1


@dataclass
class WorkbookScan:
    parts: list[PartStats]
    max_part_text: int  # the most shared-string text one part's cells copy
    max_part_merges: int
    max_part_name_bytes: int


# Reading the zip ----------------------------------------------------------------------------------

def _check_directory(data: bytes) -> None:
    """Refuse archives whose central directory lists more entries than a workbook has, before parsing it."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 22 - 65535))
    if end < 0 or len(data) - end < 22:
        raise FileRejected("文件已损坏或不完整，无法作为 Excel 工作簿打开。请重新导出或另存为 .xlsx 后再发送。")
    entries, directory_size = struct.unpack_from("<HI", data, end + 10)
    if entries == 0xFFFF or directory_size == 0xFFFFFFFF:
        locator = end - 20
        if locator >= 0 and data[locator:locator + 4] == b"PK\x06\x07":
            record = struct.unpack_from("<Q", data, locator + 8)[0]
            if record + 56 <= len(data) and data[record:record + 4] == b"PK\x06\x06":
                entries, directory_size = struct.unpack_from("<QQ", data, record + 32)
    if entries > MAX_ZIP_ENTRIES or directory_size > MAX_ZIP_ENTRIES * 1024:
        raise malformed_workbook(f"压缩包内有 {entries:,} 个部件")


def _inflate(data: bytes, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The part's bytes in steps, from the stream itself (its declared size is not trusted)."""
    if info.flag_bits & 0x1:
        raise FileRejected("文件设置了打开密码，无法读取。请在 Excel/WPS 中取消密码后另存为 .xlsx 再发送。")
    header = info.header_offset
    if data[header:header + 4] != b"PK\x03\x04":
        raise FileRejected("文件已损坏或不完整，无法作为 Excel 工作簿打开。请重新导出或另存为 .xlsx 后再发送。")
    name_length, extra_length = struct.unpack_from("<HH", data, header + 26)
    start = header + 30 + name_length + extra_length
    stop = min(len(data), start + info.compress_size)
    if info.compress_type == zipfile.ZIP_STORED:
        for position in range(start, stop, STEP):
            yield data[position:min(stop, position + STEP)]
        return
    if info.compress_type != zipfile.ZIP_DEFLATED:
        raise malformed_workbook(f"部件 {info.filename} 使用了不支持的压缩方式")
    inflater = zlib.decompressobj(-15)
    position = start
    try:
        while position < stop and not inflater.eof:
            piece = data[position:min(stop, position + (1 << 20))]
            position += len(piece)
            out = inflater.decompress(piece, STEP)
            while out:
                yield out
                out = inflater.decompress(inflater.unconsumed_tail, STEP) if inflater.unconsumed_tail else b""
        tail = inflater.flush()
        if tail:
            yield tail
    except zlib.error:
        raise FileRejected("文件已损坏或不完整，无法作为 Excel 工作簿打开。请重新导出或另存为 .xlsx 后再发送。") from None


# Attributes as calamine reads them (its RawAttrIter) ----------------------------------------------

_ASCII_WHITESPACE = b" \t\n\x0c\r"


def raw_attributes(raw: bytes) -> list[tuple[bytes, bytes]]:
    """(key, value) pairs of a start tag's attribute text; stops where calamine reports an error."""
    pairs = []
    position, length = 0, len(raw)
    while True:
        while position < length and raw[position] in _ASCII_WHITESPACE:
            position += 1
        if position >= length:
            return pairs
        equals = raw.find(b"=", position)
        if equals < 0:
            return pairs
        key = raw[position:equals].rstrip(_ASCII_WHITESPACE)
        position = equals + 1
        while position < length and raw[position] in _ASCII_WHITESPACE:
            position += 1
        if position >= length or raw[position] not in b"\"'":
            return pairs
        quote = raw[position:position + 1]
        close = raw.find(quote, position + 1)
        if close < 0:
            pairs.append((key, raw[position + 1:]))
            return pairs
        pairs.append((key, raw[position + 1:close]))
        position = close + 1


def _reference(value: bytes) -> tuple[int, int | None] | None:
    """calamine's reading of "B7" (0-based row, column or None); None when calamine would fail."""
    letters = 0
    while letters < len(value) and (65 <= value[letters] <= 90 or 97 <= value[letters] <= 122):
        letters += 1
    digits = value[letters:]
    if not digits or not digits.isdigit():
        return None
    if letters > 3 or len(digits) > 7:
        return (EXCEL_ROWS * 64, EXCEL_COLUMNS * 64)  # beyond any sheet: refused by the budget
    column = 0
    for byte in value[:letters]:
        column = column * 26 + (byte & 0xDF) - 64
    row = int(digits)
    if row == 0:
        return None
    return row - 1, (column - 1 if letters else None)


# Measuring a part ---------------------------------------------------------------------------------

class _Exact:
    """The exact tokenizer: calamine's row/column counting, any attribute syntax, prefixes."""

    def __init__(self, stats: PartStats):
        self.stats = stats
        self.row = 0
        self.column = 0
        self.in_shared_cell = False

    def step(self, buffer: bytes, limit: int, offset: int, final: bool) -> int:
        """Measure tags starting before `limit`; returns where the unmeasured rest starts."""
        stats = self.stats
        position = 0
        while True:
            match = _TOKEN.search(buffer, position, limit)
            if not match:
                return limit
            closing, name = match.group(1), match.group(2)
            rest = _TAG_REST.match(buffer, match.end())
            if not rest:
                if not final:
                    return match.start()
                attributes, tag_end, empty = buffer[match.end():], len(buffer), False
            else:
                tag_end = rest.end()
                attributes = buffer[match.end():tag_end - 1]
                empty = attributes.endswith(b"/")
                if empty:
                    attributes = attributes[:-1]
            if tag_end - match.start() > MAX_TAG_BYTES:
                raise malformed_workbook(f"部件 {stats.name} 中有超长的标记")
            self._tag(closing, name, attributes, empty, buffer, tag_end, offset + match.start())
            position = max(match.end(), min(tag_end, limit))

    def _tag(self, closing: bytes, name: bytes, attributes: bytes, empty: bool, buffer: bytes,
             tag_end: int, where: int) -> None:
        stats = self.stats
        if name == b"row":
            if not closing:
                value = next((v for k, v in raw_attributes(attributes) if k == b"r"), None)
                if value is not None:
                    parsed = _reference(value)
                    if parsed:
                        self.row = parsed[0]
            if closing or empty:
                self.row += 1
                self.column = 0
        elif name == b"c":
            if closing:
                self.in_shared_cell = False
                return
            pairs = raw_attributes(attributes)
            references = [_reference(v) for k, v in pairs if k == b"r"]
            references = [r for r in references if r and r[1] is not None]
            stats.cells += 1
            if references:
                row = max(r[0] for r in references)
                column = max(r[1] for r in references)
                self.column = column
            else:
                stats.rowless_cells += 1
                row, column = self.row, self.column
            stats.max_row = max(stats.max_row, row)
            stats.max_col = max(stats.max_col, column)
            self.column += 1
            self.in_shared_cell = not empty and any(k == b"t" and v == b"s" for k, v in pairs)
        elif name == b"v":
            if closing or empty or not self.in_shared_cell:
                return
            text_end = buffer.find(b"<", tag_end)
            text = buffer[tag_end:text_end if text_end >= 0 else len(buffer)]
            if text.isdigit():
                stats.shared_indexes.append(np.array([int(text)], dtype=np.int64))
            else:
                stats.shared_unknown += 1
        elif name == b"sst":
            if not closing:
                stats.shared_string_table = True
                _unique_count(stats, attributes)
        elif name.decode() in COUNTED:
            if not closing:
                key = name.decode()
                stats.counts[key] = stats.counts.get(key, 0) + 1


def _unique_count(stats: PartStats, attributes: bytes) -> None:
    value = next((v for k, v in raw_attributes(attributes) if k == b"uniqueCount"), None)
    number = _PLAIN_NUMBER.fullmatch(value) if value is not None else None
    if number:
        stats.unique_count = max(stats.unique_count, int(number.group(1)))


def _fast_step(buffer: bytes, limit: int, offset: int, stats: PartStats) -> None:
    """Measure buffer[:limit] with numpy when it is written the usual way (else _Irregular)."""
    if not _INTERESTING.search(buffer, 0, limit):
        if buffer.find(b"<!", 0, limit) >= 0 or buffer.find(b"<?", 16 if offset == 0 else 0, limit) >= 0:
            stats.markup = True
        return
    if buffer.find(b"\x0c", 0, limit) >= 0:
        raise _Irregular
    a = np.frombuffer(buffer + b"\0" * 96, dtype=np.uint8)
    region = a[:limit]
    if buffer.find(b":", 0, limit) >= 0:
        colons = np.flatnonzero(region == 58)
        if _NAME_AFTER_COLON[a[colons + 1]].any() and _PREFIXED.search(buffer, 0, limit):
            raise _Irregular
    opens = np.flatnonzero(region == 60)
    first = a[opens + 1]
    if not stats.markup:
        markup = opens[(first == 33) | (first == 63)]
        if len(markup) and ((a[markup + 1] == 33).any() or (offset + markup > 16).any()):
            stats.markup = True  # comments, CDATA, or processing instructions after the declaration
    for name, spelled in _COUNTED:
        candidates = opens[first == spelled[0]]
        if len(candidates):
            found = int(((sliding_window_view(a, len(spelled))[candidates + 1] == spelled).all(axis=1)
                         & _NAME_END[a[candidates + 1 + len(spelled)]]).sum())
            if found:
                stats.counts[name] = stats.counts.get(name, 0) + found
    cells = opens[(first == 99) & _NAME_END[a[opens + 2]]]
    if len(cells):
        _fast_cells(a, limit, opens, first, cells, stats)
    sst_tags = opens[first == 115]
    sst_tags = sst_tags[(a[sst_tags + 2] == 115) & (a[sst_tags + 3] == 116) & _NAME_END[a[sst_tags + 4]]]
    for tag in sst_tags:
        close = buffer.find(b">", int(tag))
        stats.shared_string_table = True
        _unique_count(stats, buffer[int(tag) + 4:close if close >= 0 else len(buffer)])


TAG_WINDOW = 48  # a usual cell start tag is shorter (<c r="XFD1048576" s="12345" t="s">)
_PLACES = np.arange(TAG_WINDOW)
_POWERS = 10 ** np.arange(9, -1, -1, dtype=np.int64)


def _numbers_before(a: np.ndarray, stop: np.ndarray, count: np.ndarray) -> np.ndarray:
    """The number written in the `count[i]` digits just before each a[stop[i]] (digits already checked)."""
    values = np.empty(len(stop), dtype=np.int64)
    for digits in np.unique(count):
        chosen = count == digits
        text = sliding_window_view(a, digits)[stop[chosen] - digits].astype(np.int64) - 48
        values[chosen] = (text * _POWERS[-digits:]).sum(axis=1)
    return values


def _largest_before(a: np.ndarray, stop: np.ndarray, count: np.ndarray) -> int:
    """The largest of the numbers written in the `count[i]` digits just before each a[stop[i]]."""
    digits = int(count.max())
    longest = count == digits
    return int(_numbers_before(a, stop[longest], count[longest]).max())


def _fast_cells(a: np.ndarray, limit: int, opens: np.ndarray, first: np.ndarray, cells: np.ndarray,
                stats: PartStats) -> None:
    equals = np.flatnonzero(a[:limit] == 61)
    if len(equals) and (_WHITESPACE[a[equals - 1]] | _WHITESPACE[a[equals + 1]] | (a[equals + 1] == 39)).any():
        raise _Irregular  # spaces around "=", or single-quoted values
    count = len(cells)
    stats.cells += count
    tags = sliding_window_view(a, TAG_WINDOW)[cells]
    if not (tags[:, 2:6] == _R_ATTR).all():
        raise _Irregular

    # The reference: 1 to 3 letters, 1 to 7 digits, then the closing quote.
    reference = tags[:, 6:18]
    letters = _LETTER[reference[:, :4]]
    letter_count = np.argmax(letters == 0, axis=1)
    quote = np.argmax(reference == 34, axis=1)
    digit_count = quote - letter_count
    if ((letter_count < 1) | (letter_count > 3) | (digit_count < 1) | (digit_count > 7)).any():
        raise _Irregular
    places = _PLACES[:12]
    if ((places >= letter_count[:, None]) & (places < quote[:, None]) & ~_DIGIT[reference]).any():
        raise _Irregular
    highest_row = _largest_before(a, cells + 6 + quote, digit_count)
    column = letters[:, 0]
    column = np.where(letter_count >= 2, column * 26 + letters[:, 1], column)
    column = np.where(letter_count >= 3, column * 26 + letters[:, 2], column)
    if not ((reference[np.arange(count), letter_count] != 48) | (digit_count > 1)).all():
        raise _Irregular  # row 0 ("A0") is not a cell, calamine refuses it
    stats.max_row = max(stats.max_row, highest_row - 1)
    stats.max_col = max(stats.max_col, int(column.max()) - 1)

    # Every attribute named r must be the one right after "<c" (or a row's): no second r anywhere.
    keys = equals - 1
    r_keys = keys[a[keys] == 114]
    r_keys = int(((a[r_keys + 2] == 34) & (_WHITESPACE[a[r_keys - 1]] | (a[r_keys - 1] == 34))).sum())
    rows = opens[first == 114]
    rows = rows[(a[rows + 2] == 111) & (a[rows + 3] == 119) & _NAME_END[a[rows + 4]]]
    rows_with_r = int(((a[rows + 4] == 32) & (a[rows + 5] == 114) & (a[rows + 6] == 61) & (a[rows + 7] == 34)).sum())
    if r_keys != count + rows_with_r:
        raise _Irregular

    # Where each start tag ends: within the window, before the next "<", with its quotes paired.
    length = np.argmax(tags == 62, axis=1)
    ends = cells + length
    following = np.searchsorted(opens, cells, side="right")
    next_open = opens[np.minimum(following, len(opens) - 1)]
    next_open[following >= len(opens)] = limit
    if ((length == 0) | (ends > next_open)).any():
        raise _Irregular
    within = _PLACES < length[:, None]
    if (np.count_nonzero((tags == 34) & within, axis=1) % 2).any() or ((tags == 39) & within).any():
        raise _Irregular

    # Cells of type t="s", and the index in their single <v>.
    t_keys = keys[a[equals + 2] == 115]
    t_keys = t_keys[(a[t_keys] == 116) & (a[t_keys + 2] == 34) & (a[t_keys + 4] == 34)
                    & (_WHITESPACE[a[t_keys - 1]] | (a[t_keys - 1] == 34))]
    if not len(t_keys):
        return
    owner = np.searchsorted(cells, t_keys, side="right") - 1
    inside = (owner >= 0) & (t_keys < ends[np.maximum(owner, 0)])
    marked = np.zeros(count, dtype=bool)
    marked[owner[inside]] = True
    tag_end = ends[marked]
    tag_end = tag_end[a[tag_end - 1] != 47]  # <c r="A1" t="s"/> has no value
    if not len(tag_end):
        return
    value = sliding_window_view(a, 24)[tag_end + 1]
    if not (value[:, :3] == _V_OPEN).all():
        raise _Irregular
    value_digits = np.argmax(~_DIGIT[value[:, 3:15]], axis=1)
    if ((value_digits < 1) | (value_digits > 10)).any():
        raise _Irregular
    close = tag_end + 4 + value_digits
    if not (sliding_window_view(a, 8)[close] == _V_CLOSE).all():
        raise _Irregular
    stats.shared_indexes.append(_numbers_before(a, close, value_digits))


def _measure_part(data: bytes, info: zipfile.ZipInfo, budget: list[int], limits: Limits) -> PartStats:
    """Inflate and measure one part; `budget` holds the bytes left for the whole workbook."""
    left_before = budget[0]
    for exact in (False, True):
        stats = PartStats(info.filename)
        budget[0] = left_before
        try:
            _measure_stream(data, info, stats, budget, limits, exact)
            return stats
        except _Irregular:
            continue
    raise AssertionError("unreachable")


def _measure_stream(data: bytes, info: zipfile.ZipInfo, stats: PartStats, budget: list[int], limits: Limits,
                    exact: bool) -> None:
    tokenizer = _Exact(stats) if exact else None
    carry = b""
    offset = 0  # position of carry[0] in the part
    first = True
    for piece in _inflate(data, info):
        budget[0] -= len(piece)
        stats.size += len(piece)
        if budget[0] < 0:
            raise unpacked_too_big(limits)
        if first:
            head = piece[:4]
            if head[:2] in (b"\xff\xfe", b"\xfe\xff") or head[:2] in (b"<\0", b"\0<"):
                raise malformed_workbook(f"部件 {info.filename} 使用了 UTF-16 编码")
            first = False
        buffer = carry + piece if carry else piece
        limit = buffer.rfind(b"<")
        open_cell = buffer.rfind(b"<c ")
        if open_cell > buffer.rfind(b"</c>"):
            limit = open_cell  # keep the last cell whole for the next step
        if limit < 0 or len(buffer) - limit > MAX_TAG_BYTES:
            limit = len(buffer)  # no tag can be cut here: measure all of it
        if limit:
            if exact:
                _note_markup(stats, buffer, limit, offset)
                limit = tokenizer.step(buffer, limit, offset, final=False)
            else:
                _fast_step(buffer, limit, offset, stats)
        carry = buffer[limit:]
        offset += limit
        if len(carry) > MAX_TAG_BYTES:
            raise malformed_workbook(f"部件 {info.filename} 中有超长的标记")
        _check_part(stats, limits)
    if carry:
        if exact:
            _note_markup(stats, carry, len(carry), offset)
            tokenizer.step(carry, len(carry), offset, final=True)
        else:
            _fast_step(carry, len(carry), offset, stats)
        _check_part(stats, limits)
    if stats.rowless_cells and stats.markup:
        raise malformed_workbook(f"部件 {info.filename} 中有不带位置的单元格和注释")


def _note_markup(stats: PartStats, buffer: bytes, limit: int, offset: int) -> None:
    if stats.markup:
        return
    if buffer.find(b"<!", 0, limit) >= 0:
        stats.markup = True
        return
    declaration = buffer.find(b"<?", 0, limit)
    if declaration >= 0 and offset + declaration > 16:
        stats.markup = True
    elif declaration >= 0 and buffer.find(b"<?", declaration + 2, limit) >= 0:
        stats.markup = True


def _check_part(stats: PartStats, limits: Limits) -> None:
    """One part on its own must fit the budgets (several sheets are added up after opening)."""
    if stats.max_row >= EXCEL_ROWS * 64:
        raise too_many_cells(EXCEL_ROWS, EXCEL_COLUMNS, limits)
    if stats.cells > limits.max_cells or stats.rows * stats.columns > limits.max_cells:
        rows, columns = max(stats.rows, 1), max(stats.columns, 1)
        if rows * columns <= limits.max_cells:  # many <c> elements on the same few cells
            raise malformed_workbook(f"部件 {stats.name} 中有 {stats.cells:,} 个单元格元素")
        raise _TooManyCells(stats)
    if stats.rows > limits.max_rows:
        raise _TooManyRows(stats)
    for name, most in COUNTED.items():
        if stats.counts.get(name, 0) > most:
            raise malformed_workbook(f"部件 {stats.name} 中有 {stats.counts[name]:,} 个 {name} 元素")
    if stats.unique_count > limits.max_cells:
        raise malformed_workbook(f"共享字符串表声明了 {stats.unique_count:,} 个字符串")


class _TooManyCells(Exception):
    def __init__(self, stats: PartStats):
        self.stats = stats


class _TooManyRows(Exception):
    def __init__(self, stats: PartStats):
        self.stats = stats


# The workbook -------------------------------------------------------------------------------------

_SHEET = re.compile(rb"<(?:[^\s/>:<]+:)?sheet\s([^>]*)>")
_RELATIONSHIP = re.compile(rb"<(?:[^\s/>:<]+:)?Relationship\s([^>]*)>")


def _sheet_names(data: bytes, infos: list[zipfile.ZipInfo]) -> dict[str, str]:
    """Part name -> sheet name from workbook.xml and its relationships, for messages only."""
    by_name = {info.filename.lower(): info for info in infos}

    def read(name: str) -> bytes:
        info = by_name.get(name)
        if info is None or info.file_size > (4 << 20):
            return b""
        try:
            return b"".join(_inflate(data, info))[:4 << 20]
        except FileRejected:
            return b""

    targets = {}
    for match in _RELATIONSHIP.finditer(read("xl/_rels/workbook.xml.rels")):
        pairs = dict(raw_attributes(match.group(1)))
        if b"Id" in pairs and b"Target" in pairs:
            target = pairs[b"Target"].decode("utf-8", "replace")
            targets[pairs[b"Id"]] = target[1:] if target.startswith("/") else "xl/" + target
    names = {}
    for match in _SHEET.finditer(read("xl/workbook.xml")):
        pairs = raw_attributes(match.group(1).rstrip(b"/"))
        name = next((v for k, v in pairs if k == b"name"), None)
        rel = next((v for k, v in pairs if k == b"id" or k.endswith(b":id")), None)
        if name is not None and rel in targets:
            text = name.decode("utf-8", "replace").replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
            names[targets[rel].lower()] = text.replace("&quot;", '"').replace("&apos;", "'")
    return {info.filename: names[info.filename.lower()] for info in infos if info.filename.lower() in names}


_PREFIXED_STRINGS = re.compile(rb"<[^\s/>:]+:(?:si|sst)(?=[\s/>])")
_QUOTED_TAG_BODY = rb"(?:[^>\"']|\"[^\"]*\"|'[^']*')*"
_OTHER_TAG = rb"<(?!/?(?:[^\s/>:<\"']+:)?(?:si|sst)[\s/>])" + _QUOTED_TAG_BODY + rb">"
# From a position outside any tag: text and other tags (a "<" inside quotes belongs to its tag, as quick-xml
# reads it), up to the next <sst>, <si> or </si> start tag.
_NEXT_STRING_TAG = re.compile(rb"(?:[^<]|" + _OTHER_TAG + rb")*<(/?)(?:[^\s/>:<\"']+:)?(si|sst)(?=[\s/>])("
                              + _QUOTED_TAG_BODY + rb")>")


def _fast_strings(buffer: bytes, limit: int, offset: int, found: dict) -> None:
    """<sst>, <si> and </si> tags of buffer[:limit] located with numpy (else _Irregular).

    Valid only when no "<" sits inside an attribute value: every value that opens with `="` is
    checked up to its closing quote; other ways of writing a value need the exact reader.
    """
    a = np.frombuffer(buffer + b"\0" * 16, dtype=np.uint8)
    region = a[:limit]
    if buffer.find(b"\x0c", 0, limit) >= 0 or buffer.find(b"='", 0, limit) >= 0:
        raise _Irregular
    if buffer.find(b":", 0, limit) >= 0 and _PREFIXED_STRINGS.search(buffer, 0, limit):
        raise _Irregular
    opens_all = np.flatnonzero(a[:len(buffer)] == 60)
    equals = np.flatnonzero(region == 61)
    if len(equals):
        if (_WHITESPACE[a[equals - 1]] | _WHITESPACE[a[equals + 1]]).any():
            raise _Irregular
        values = equals[a[equals + 1] == 34] + 1
        quotes = np.flatnonzero(a[:len(buffer)] == 34)
        closing = np.searchsorted(quotes, values, side="right")
        if (closing >= len(quotes)).any():
            raise _Irregular
        inside = np.searchsorted(opens_all, quotes[closing]) - np.searchsorted(opens_all, values)
        if inside.any():
            raise _Irregular  # a "<" inside an attribute value is not a tag to quick-xml
    opens = opens_all[opens_all < limit]
    first, second = a[opens + 1], a[opens + 2]
    if not found["started"]:
        sst = opens[(first == 115) & (second == 115) & (a[opens + 3] == 116) & _NAME_END[a[opens + 4]]]
        if not len(sst):
            return
        found["started"] = True
        opens, first, second = opens[opens > sst[0]], first[opens > sst[0]], second[opens > sst[0]]
    starts = opens[(first == 115) & (second == 105) & _NAME_END[a[opens + 3]]]
    if len(starts):
        closes = np.flatnonzero(a == 62)
        tag_end = closes[np.minimum(np.searchsorted(closes, starts), len(closes) - 1)]
        if (a[tag_end - 1] == 47).any():
            raise _Irregular  # <si/>: leave it to the exact reader
        found["starts"].append(starts + offset)
    ends = opens[(first == 47) & (second == 115) & (a[opens + 3] == 105) & (a[opens + 4] == 62)]
    if len(ends):
        found["ends"].append(ends + offset)


def _exact_strings(buffer: bytes, limit: int, offset: int, found: dict) -> int:
    """The same, tag by tag as quick-xml reads them; returns where the unread rest starts."""
    position = 0
    while True:
        match = _NEXT_STRING_TAG.match(buffer, position)
        if not match:
            return position
        tag = match.start(1) - 1
        closing, name, empty = match.group(1), match.group(2), match.group(3).endswith(b"/")
        if name == b"sst":
            found["started"] = found["started"] or not closing
        elif found["started"]:
            if closing:
                found["ends"].append(np.array([offset + tag], dtype=np.int64))
            else:
                found["starts"].append(np.array([offset + tag], dtype=np.int64))
                if empty:
                    found["ends"].append(np.array([offset + tag], dtype=np.int64))
        position = match.end()


def _measure_strings(data: bytes, info: zipfile.ZipInfo, stats: PartStats) -> None:
    """The span of each <si> of a shared-string part, in calamine's order (None when that order is not sure)."""
    if stats.markup:
        return  # a comment or CDATA section could hide strings from calamine or add some
    for exact in (False, True):
        found = {"started": False, "starts": [], "ends": []}
        carry, offset = b"", 0
        try:
            for piece in _inflate(data, info):
                buffer = carry + piece if carry else piece
                if exact:
                    limit = _exact_strings(buffer, len(buffer), offset, found)
                else:
                    limit = buffer.rfind(b"<")
                    if limit < 0:
                        limit = len(buffer)
                    if limit:
                        _fast_strings(buffer, limit, offset, found)
                carry = buffer[limit:]
                offset += limit
                if len(carry) > MAX_TAG_BYTES:
                    raise malformed_workbook(f"部件 {info.filename} 中有超长的字符串")
            if carry and not exact:
                _fast_strings(carry, len(carry), offset, found)
            break
        except _Irregular:
            continue
    starts = np.concatenate(found["starts"]) if found["starts"] else np.zeros(0, dtype=np.int64)
    ends = np.concatenate(found["ends"]) if found["ends"] else np.zeros(0, dtype=np.int64)
    if len(starts) != len(ends):
        return
    if len(starts) and not ((starts <= ends).all() and (ends[:-1] < starts[1:]).all()):
        return  # nested or stray <si>: calamine's count may differ
    stats.string_lengths = ends - starts + 6


def _shared_text(parts: list[PartStats]) -> tuple[np.ndarray | None, int]:
    """Upper bound of each shared string's length (None: not known by index), and of the longest."""
    tables = [p for p in parts if p.shared_string_table]
    lengths = np.zeros(0, dtype=np.int64)
    longest = 0
    for table in tables:
        longest = max(longest, table.size)
        if table.string_lengths is None:
            return None, longest
        these = table.string_lengths
        if len(these) > len(lengths):
            these, lengths = lengths, these.copy()
        lengths[:len(these)] = np.maximum(lengths[:len(these)], these)
    return lengths, int(lengths.max()) if len(lengths) else 0


def scan(data: bytes, limits: Limits) -> WorkbookScan:
    """Measure every part of the workbook; FileRejected when one is beyond a budget."""
    _check_directory(data)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, struct.error):
        raise FileRejected("文件已损坏或不完整，无法作为 Excel 工作簿打开。请重新导出或另存为 .xlsx 后再发送。") from None
    if len(infos) > MAX_ZIP_ENTRIES:
        raise malformed_workbook(f"压缩包内有 {len(infos):,} 个部件")
    if sum(info.file_size for info in infos) > limits.max_unpacked_bytes:
        raise unpacked_too_big(limits)
    budget = [limits.max_unpacked_bytes]
    parts = []
    try:
        for info in infos:
            part = _measure_part(data, info, budget, limits)
            if part.shared_string_table:
                _measure_strings(data, info, part)
            parts.append(part)
    except (_TooManyCells, _TooManyRows) as problem:
        stats = problem.stats
        sheet = _sheet_names(data, infos).get(stats.name)
        if isinstance(problem, _TooManyRows):
            raise too_many_rows(stats.rows, limits, sheet) from None
        raise too_many_cells(max(stats.rows, 1), max(stats.columns, 1), limits, sheet) from None
    lengths, longest = _shared_text(parts)
    max_text = 0
    for part in parts:
        if not part.shared_indexes and not part.shared_unknown:
            continue
        indexes = np.concatenate(part.shared_indexes) if part.shared_indexes else np.zeros(0, dtype=np.int64)
        if lengths is None:
            text = (len(indexes) + part.shared_unknown) * longest
        else:
            known = indexes[indexes < len(lengths)]
            text = int(lengths[known].sum()) + part.shared_unknown * longest
        if text > limits.max_unpacked_bytes:
            raise text_too_big(limits)
        max_text = max(max_text, text)
    return WorkbookScan(
        parts=parts,
        max_part_text=max_text,
        max_part_merges=max((p.counts.get("mergeCell", 0) for p in parts), default=0),
        max_part_name_bytes=max((len(i.filename.encode("utf-8", "replace")) for i in infos), default=0),
    )
