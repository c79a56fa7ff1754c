"""Measure a legacy .xls before python-calamine may parse it, and give calamine a rebuilt copy.

An .xls is a BIFF record stream ("Workbook") inside an OLE2 compound file.
calamine parses every sheet when the workbook is opened, and trusts the file's
own numbers: it reserves rows × columns as the DIMENSIONS record claims (4
billion rows is one record away), follows the compound file's sector chains
without looking for loops, builds each sheet as a dense array up to its farthest
cell (a column number may be anything up to 65535, far past the format's 256),
and copies a shared string into every cell that refers to it. So here:

1. the compound file is read with every sector chain checked (in range, no
   loops, long enough), and only the Workbook stream is taken from it;
2. that stream is walked record by record exactly as calamine walks it (each
   sheet from its BoundSheet offset, embedded substreams skipped), counting
   each sheet's cells, farthest cell, merged ranges, and the characters its
   shared-string cells copy; a workbook beyond a budget is refused;
3. calamine is given a new compound file holding only that stream, with every
   DIMENSIONS record zeroed and every formula's token list emptied (the loader
   reads values; a formula's cached value stays), so nothing it allocates
   depends on a number the file merely claims.

The .xls format itself allows at most 65,536 rows × 256 columns per sheet; the
cell budget is checked against the cells actually present, not that maximum.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

from etl.limits import (MAX_MERGED_RANGES, MAX_SHEETS, FileRejected, Limits, malformed_workbook, text_too_big,
                        too_many_cells, too_many_rows, unpacked_too_big)

CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAXREGSECT, DIFSECT, FATSECT, ENDOFCHAIN, FREESECT = 0xFFFFFFFA, 0xFFFFFFFC, 0xFFFFFFFD, 0xFFFFFFFE, 0xFFFFFFFF
NOSTREAM = 0xFFFFFFFF
MINI_CUTOFF = 4096  # calamine's, whatever the header says
MAX_CONTINUES = 20_000  # CONTINUE records after one record (calamine handles them in quadratic time)
CORRUPT = "文件已损坏或不完整，无法作为 Excel 工作簿打开。请重新导出或另存为 .xlsx 后再发送。"
PASSWORD = "文件设置了打开密码，无法读取。请在 Excel/WPS 中取消密码后另存为 .xlsx 再发送。"

CELL_RECORDS = {0x0203, 0x0204, 0x00D6, 0x0205, 0x027E, 0x00FD, 0x0006}  # the ones calamine turns into cells
MINIMUM_LENGTH = {0x0203: 14, 0x0204: 6, 0x00D6: 6, 0x0205: 8, 0x027E: 10, 0x00FD: 10, 0x0006: 22}


def _corrupt() -> FileRejected:
    return FileRejected(CORRUPT)


# The compound file --------------------------------------------------------------------------------

class _Compound:
    def __init__(self, data: bytes):
        if len(data) < 512 or data[:8] != CFB_MAGIC:
            raise _corrupt()
        major, = struct.unpack_from("<H", data, 26)
        shift, mini_shift = struct.unpack_from("<HH", data, 30)
        if (major, shift) not in ((3, 9), (4, 12)) or mini_shift != 6:
            raise _corrupt()
        self.data = data
        self.major = major
        self.size = 1 << shift
        self.count = len(data) // self.size - 1  # sectors after the header
        (_, self.first_directory, _, _, self.first_minifat, self.minifat_sectors, first_difat,
         _) = struct.unpack_from("<8I", data, 44)
        difat = list(struct.unpack_from("<109I", data, 76))
        sector, seen = first_difat, set()
        while sector < MAXREGSECT:
            if sector in seen or sector >= self.count:
                raise _corrupt()
            seen.add(sector)
            entries = struct.unpack_from(f"<{self.size // 4}I", self._sector(sector))
            difat.extend(entries[:-1])
            sector = entries[-1]
        fat_sectors = [s for s in difat if s < MAXREGSECT]
        if any(s >= self.count for s in fat_sectors) or len(fat_sectors) > self.count:
            raise _corrupt()
        self.fat = np.frombuffer(b"".join(self._sector(s) for s in fat_sectors), dtype="<u4")

    def _sector(self, sector: int) -> bytes:
        start = (sector + 1) * self.size
        return self.data[start:start + self.size]

    def chain(self, start: int, length: int | None, table: np.ndarray | None = None, unit: int | None = None,
              source: bytes | None = None) -> bytes:
        """A sector chain's bytes (`length` of them when given); loops and stray sectors are refused."""
        table = self.fat if table is None else table
        unit = unit or self.size
        limit = self.count if source is None else len(source) // unit
        pieces, seen, sector = [], set(), start
        while sector != ENDOFCHAIN:
            if sector >= len(table) or sector >= limit or sector in seen:
                raise _corrupt()
            seen.add(sector)
            pieces.append(self._sector(sector) if source is None else source[sector * unit:(sector + 1) * unit])
            if length is not None and len(pieces) * unit >= length:
                break
            sector = int(table[sector])
        joined = b"".join(pieces)
        if length is not None:
            if len(joined) < length:
                raise _corrupt()
            joined = joined[:length]
        return joined

    def entries(self) -> list[tuple[str, int, int, int]]:
        """(name, type, first sector, size) of every directory entry, as calamine decodes them."""
        directory = self.chain(self.first_directory, None)
        result = []
        for offset in range(0, len(directory) - 127, 128):
            raw = directory[offset:offset + 128]
            name = raw[:64].decode("utf-16-le", "replace").split("\0", 1)[0]
            start, = struct.unpack_from("<I", raw, 116)
            size = struct.unpack_from("<Q" if self.major == 4 else "<I", raw, 120)[0]
            result.append((name, raw[66], start, size))
        return result

    def stream(self, entries: list, name: str, budget: int) -> bytes | None:
        found = next((e for e in entries if e[0] == name), None)
        if found is None:
            return None
        _, _, start, size = found
        if size > len(self.data):
            raise _corrupt()
        if size > budget:
            raise _TooBig
        if size >= MINI_CUTOFF:
            return self.chain(start, size)
        if not self.minifat_sectors or not entries or entries[0][1] != 5:
            raise _corrupt()
        root_size = entries[0][3]
        if root_size > len(self.data) or self.minifat_sectors > self.count:
            raise _corrupt()
        mini_stream = self.chain(entries[0][2], root_size)
        mini_fat = np.frombuffer(self.chain(self.first_minifat, self.minifat_sectors * self.size), dtype="<u4")
        return self.chain(start, size, table=mini_fat, unit=64, source=mini_stream)


class _TooBig(Exception):
    pass


def workbook_stream(data: bytes, limits: Limits) -> bytes:
    """The BIFF stream of a legacy workbook; FileRejected for an encrypted or damaged file."""
    compound = _Compound(data)
    entries = compound.entries()
    if any(e[0] in ("EncryptionInfo", "EncryptedPackage") for e in entries):
        raise FileRejected(PASSWORD)
    try:
        for name in ("Workbook", "Book", "WORKBOOK", "BOOK"):
            stream = compound.stream(entries, name, limits.max_unpacked_bytes)
            if stream is not None:
                return stream
    except _TooBig:
        raise unpacked_too_big(limits) from None
    raise _corrupt()


# The BIFF stream ----------------------------------------------------------------------------------

def _records(stream: bytes, position: int):
    """(type, body start, body length, [(continue start, length)]) from `position`, as calamine's RecordIter."""
    end = len(stream)
    unpack = struct.unpack_from
    while position < end:
        if end - position < 4:
            raise _corrupt()
        kind, length = unpack("<HH", stream, position)
        body = position + 4
        position = body + length
        if position > end:
            raise _corrupt()
        continues = []
        while end - position > 4 and unpack("<H", stream, position)[0] == 0x003C:
            more, = unpack("<H", stream, position + 2)
            if position + 4 + more > end:
                raise _corrupt()
            continues.append((position + 4, more))
            position += 4 + more
            if len(continues) > MAX_CONTINUES:
                raise malformed_workbook(f"一条记录后有超过 {MAX_CONTINUES:,} 条续记录")
        yield kind, body, length, continues


def _shared_string_lengths(stream: bytes, body: int, length: int, continues: list) -> list[int]:
    """Characters of each string of the SST record, read as calamine's parse_sst reads them."""
    if length < 8:
        raise _corrupt()
    segments = [(body + 8, body + length)] + [(start, start + size) for start, size in continues]
    lengths = []
    index = 0
    position, end = segments[0]
    unpack = struct.unpack_from

    def advance():
        nonlocal index, position, end
        index += 1
        if index >= len(segments):
            return False
        position, end = segments[index]
        return True

    while True:
        if position >= end:
            if not advance():
                return lengths
            if position >= end:  # an empty CONTINUE: calamine reads it as an empty string
                lengths.append(0)
                continue
        if end - position < 3:
            raise _corrupt()
        characters, flags = unpack("<HB", stream, position)
        position += 3
        runs = extension = 0
        if flags & 0x8:
            if end - position < 2:
                raise _corrupt()
            runs, = unpack("<H", stream, position)
            position += 2
        if flags & 0x4:
            if end - position < 4:
                raise _corrupt()
            extension, = unpack("<i", stream, position)
            position += 4
            if extension < 0:
                raise _corrupt()
        width = 2 if flags & 0x1 else 1
        remaining = characters
        while remaining:
            taken = min(remaining, (end - position) // width)
            position += taken * width
            remaining -= taken
            if remaining:
                if not advance() or position >= end:
                    raise _corrupt()
                width = 2 if stream[position] & 0x1 else 1
                position += 1
        lengths.append(characters)
        for skip in (runs * 4, extension):
            while skip:
                if position >= end and not advance():
                    raise _corrupt()
                taken = min(skip, end - position)
                position += taken
                skip -= taken


@dataclass
class SheetStats:
    name: str
    cells: int = 0
    max_row: int = -1
    max_col: int = -1
    merges: int = 0
    text: int = 0  # characters its shared-string cells copy

    @property
    def rows(self) -> int:
        return self.max_row + 1

    @property
    def columns(self) -> int:
        return self.max_col + 1


def _sheet_name(stream: bytes, body: int, length: int) -> str:
    """A BoundSheet8's name, for messages."""
    if length < 8:
        return ""
    characters, flags = stream[body + 6], stream[body + 7]
    raw = stream[body + 8:body + length]
    try:
        if flags & 0x1:
            return raw[:characters * 2].decode("utf-16-le", "replace")
        return raw[:characters].decode("latin-1")
    except (UnicodeDecodeError, ValueError):
        return ""


def _walk_sheet(stream: bytearray, start: int, stats: SheetStats, lengths: list[int]) -> None:
    """Count one sheet as calamine reads it, zeroing DIMENSIONS and formula token lists on the way."""
    seen_bof = False
    depth = 0
    unpack = struct.unpack_from
    string_count = len(lengths)
    for kind, body, length, _ in _records(stream, start):
        if depth:
            if kind == 0x0809:
                depth += 1
            elif kind == 0x000A:
                depth -= 1
            continue
        if kind in CELL_RECORDS:
            if length < MINIMUM_LENGTH[kind]:
                raise _corrupt()
            row, column = unpack("<HH", stream, body)
            stats.cells += 1
            if row > stats.max_row:
                stats.max_row = row
            if column > stats.max_col:
                stats.max_col = column
            if kind == 0x00FD:
                index, = unpack("<I", stream, body + 6)
                if index < string_count:
                    stats.text += lengths[index]
            elif kind == 0x0006:
                struct.pack_into("<H", stream, body + 20, 0)
        elif kind == 0x00BD:  # MulRk: one row, columns first..last
            if length < 6:
                raise _corrupt()
            row, first = unpack("<HH", stream, body)
            last, = unpack("<H", stream, body + length - 2)
            if last < first or length != 6 + 6 * (last - first + 1):
                raise _corrupt()
            stats.cells += last - first + 1
            stats.max_row = max(stats.max_row, row)
            stats.max_col = max(stats.max_col, last)
        elif kind == 0x00E5:  # MergeCells
            count, = unpack("<H", stream, body) if length >= 2 else (0,)
            if length < 2 + 8 * count:
                raise _corrupt()
            stats.merges += count
        elif kind == 0x0200:  # Dimensions: calamine reserves what it claims
            if length not in (10, 14):
                raise _corrupt()
            stream[body:body + length] = bytes(length)
        elif kind == 0x0809:
            if seen_bof:
                depth += 1
            else:
                seen_bof = True
        elif kind == 0x000A:
            return


def measure(stream: bytes, limits: Limits) -> tuple[bytes, list[SheetStats]]:
    """Check the BIFF stream against the budgets; returns it with DIMENSIONS and formula tokens neutralised."""
    stream = bytearray(stream)
    offsets: list[tuple[int, str]] = []
    lengths: list[int] = []
    for kind, body, length, continues in _records(stream, 0):
        if kind == 0x002F:
            if length < 2:
                raise _corrupt()
            if struct.unpack_from("<H", stream, body)[0] != 0:
                raise FileRejected(PASSWORD)
        elif kind == 0x0085:
            if length < 6:
                raise _corrupt()
            offsets.append((struct.unpack_from("<I", stream, body)[0], _sheet_name(stream, body, length)))
        elif kind == 0x00FC:
            lengths = _shared_string_lengths(stream, body, length, continues)
            if len(lengths) > limits.max_cells:
                raise malformed_workbook(f"共享字符串表有 {len(lengths):,} 个字符串")
        elif kind == 0x000A:
            break
    if len(offsets) > MAX_SHEETS:
        raise malformed_workbook(f"有 {len(offsets):,} 个工作表")
    sheets = []
    total_cells = total_area = total_rows = total_text = total_merges = 0
    for offset, name in offsets:
        if offset > len(stream):
            raise _corrupt()
        stats = SheetStats(name)
        _walk_sheet(stream, offset, stats, lengths)
        sheets.append(stats)
        total_cells += stats.cells
        total_area += stats.rows * stats.columns
        total_rows += stats.rows
        total_text += 3 * stats.text
        total_merges += stats.merges
        if stats.rows * stats.columns > limits.max_cells or total_area > limits.max_cells:
            raise too_many_cells(stats.rows, stats.columns, limits, name or None)
        if total_rows > limits.max_rows:
            raise too_many_rows(stats.rows, limits, name or None)
        if total_cells > limits.max_cells:
            raise malformed_workbook(f"有 {total_cells:,} 个单元格记录")
        if total_text > limits.max_unpacked_bytes:
            raise text_too_big(limits)
        if total_merges > MAX_MERGED_RANGES:
            raise malformed_workbook(f"有 {total_merges:,} 个合并单元格")
    return bytes(stream), sheets


# A fresh compound file ----------------------------------------------------------------------------

def _directory_entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
    encoded = (name + "\0").encode("utf-16-le") if name else b""
    entry = bytearray(128)
    entry[:len(encoded)] = encoded
    struct.pack_into("<HBB", entry, 64, len(encoded), kind, 1 if kind else 0)
    struct.pack_into("<III", entry, 68, NOSTREAM, NOSTREAM, child)
    struct.pack_into("<IQ", entry, 116, start, size)
    return bytes(entry)


def container(stream: bytes) -> bytes:
    """A version-3 compound file holding `stream` as "Workbook" and nothing else."""
    size = 512
    body = stream + bytes(-len(stream) % size)
    if len(body) < MINI_CUTOFF:
        body += bytes(MINI_CUTOFF - len(body))
    data_sectors = len(body) // size
    fat_count = difat_count = 0
    while True:
        total = difat_count + fat_count + 1 + data_sectors
        need_fat = -(-total // 128)
        need_difat = 0 if need_fat <= 109 else -(-(need_fat - 109) // 127)
        if (need_fat, need_difat) == (fat_count, difat_count):
            break
        fat_count, difat_count = need_fat, need_difat
    difat_ids = list(range(difat_count))
    fat_ids = list(range(difat_count, difat_count + fat_count))
    directory_id = difat_count + fat_count
    first_data = directory_id + 1
    fat = np.full(fat_count * 128, FREESECT, dtype="<u4")
    fat[difat_ids] = DIFSECT
    fat[fat_ids] = FATSECT
    fat[directory_id] = ENDOFCHAIN
    fat[first_data:first_data + data_sectors - 1] = np.arange(first_data + 1, first_data + data_sectors)
    fat[first_data + data_sectors - 1] = ENDOFCHAIN

    header = bytearray(512)
    header[:8] = CFB_MAGIC
    struct.pack_into("<HHHHH", header, 24, 0x003E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", header, 40, 0, fat_count, directory_id, 0, MINI_CUTOFF, ENDOFCHAIN, 0,
                     difat_ids[0] if difat_ids else ENDOFCHAIN, difat_count)
    in_header = fat_ids[:109] + [FREESECT] * (109 - len(fat_ids[:109]))
    struct.pack_into("<109I", header, 76, *in_header)

    difat_sectors = []
    rest = fat_ids[109:]
    for number in range(len(difat_ids)):
        chunk = rest[number * 127:(number + 1) * 127]
        chunk += [FREESECT] * (127 - len(chunk))
        following = difat_ids[number + 1] if number + 1 < len(difat_ids) else ENDOFCHAIN
        difat_sectors.append(struct.pack("<128I", *chunk, following))

    directory = (_directory_entry("Root Entry", 5, 1, ENDOFCHAIN, 0)
                 + _directory_entry("Workbook", 2, NOSTREAM, first_data, len(body))
                 + _directory_entry("", 0, NOSTREAM, 0, 0) * 2)
    return bytes(header) + b"".join(difat_sectors) + fat.tobytes() + directory + body


def sanitise(data: bytes, limits: Limits) -> tuple[bytes, list[SheetStats]]:
    """A rebuilt .xls that calamine may open, and its sheets' measures; FileRejected beyond a budget."""
    stream, sheets = measure(workbook_stream(data, limits), limits)
    return container(stream), sheets
