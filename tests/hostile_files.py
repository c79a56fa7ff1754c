"""Files that attack the loader, and files near its budgets, built byte by byte.

The tests and bench/bench_memory.py build their inputs here. Workbooks are
written as raw XML streamed into the zip, so a file of hundreds of MB of XML
takes seconds and no memory.
"""
from __future__ import annotations

import datetime as dt
import struct
import zipfile
from pathlib import Path

import xlwt

from tests.filemaker import CODE_A, CODE_B, ROSTER_HEADER

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"

HAZARD_HEADER = ["隐患编号", "企业名称", "统一社会信用代码", "所属区市", "发现日期", "检查方式", "隐患类别", "隐患等级",
                 "隐患描述", "整改措施", "整改责任人", "整改期限", "整改完成日期", "整改状态", "销号日期", "验收人",
                 "上报日期", "移交部门"]


def column_letters(index: int) -> str:
    """0 -> A, 16383 -> XFD."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _package_parts(sheet_names: list[str], shared_strings: bool) -> dict[str, str]:
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, len(sheet_names) + 1))
    if shared_strings:
        overrides += ('<Override PartName="/xl/sharedStrings.xml" '
                      'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')
    sheets = "".join(f'<sheet name="{_escape(name)}" sheetId="{i}" r:id="rId{i}"/>'
                     for i, name in enumerate(sheet_names, start=1))
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="{REL_NS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, len(sheet_names) + 1))
    if shared_strings:
        rels += f'<Relationship Id="rId{len(sheet_names) + 1}" Type="{REL_NS}/sharedStrings" Target="sharedStrings.xml"/>'
    return {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f"{overrides}</Types>"),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{PKG_REL}">'
            f'<Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
            f"<sheets>{sheets}</sheets></workbook>"),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{PKG_REL}">{rels}'
            "</Relationships>"),
    }


SHEET_HEAD = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{MAIN_NS}">'
              "{dimension}<sheetData>")
SHEET_TAIL = "</sheetData></worksheet>"


def write_raw_xlsx(path: Path, sheets: dict[str, object], shared_strings: list[str] | None = None,
                   sst_header: str | None = None, compresslevel: int = 6) -> Path:
    """A workbook from sheet XML bodies (the part inside <sheetData>).

    A body is a string or an iterable of strings (streamed, for huge sheets); a
    body may start with "<dimension" text, which is put before <sheetData>.
    """
    names = list(sheets)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as archive:
        for name, text in _package_parts(names, shared_strings is not None).items():
            archive.writestr(name, text)
        for number, name in enumerate(names, start=1):
            body = sheets[name]
            dimension = ""
            if isinstance(body, tuple):
                dimension, body = body
            with archive.open(f"xl/worksheets/sheet{number}.xml", "w") as part:
                part.write(SHEET_HEAD.format(dimension=dimension).encode())
                for piece in ([body] if isinstance(body, str) else body):
                    part.write(piece.encode())
                part.write(SHEET_TAIL.encode())
        if shared_strings is not None:
            with archive.open("xl/sharedStrings.xml", "w") as part:
                head = sst_header or f'<sst xmlns="{MAIN_NS}" count="{len(shared_strings)}" uniqueCount="{len(shared_strings)}">'
                part.write(('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' + head).encode())
                for start in range(0, len(shared_strings), 10000):
                    part.write("".join(f"<si><t>{_escape(s)}</t></si>"
                                       for s in shared_strings[start:start + 10000]).encode())
                part.write(b"</sst>")
    return path


def inline_row(row_number: int, cells: list) -> str:
    """One <row> of inline strings and numbers, with cell references."""
    parts = []
    for index, value in enumerate(cells):
        ref = f"{column_letters(index)}{row_number}"
        if value is None:
            continue
        if isinstance(value, (int, float)):
            parts.append(f'<c r="{ref}"><v>{value}</v></c>')
        else:
            parts.append(f'<c r="{ref}" t="inlineStr"><is><t>{_escape(str(value))}</t></is></c>')
    return f'<row r="{row_number}">{"".join(parts)}</row>'


def roster_body(first_row: int = 1) -> str:
    """The three-enterprise roster of tests.filemaker as sheet XML, header at `first_row`."""
    from tests.filemaker import roster_rows
    return "".join(inline_row(first_row + i, row) for i, row in enumerate(roster_rows()))


# Attacks on .xlsx ---------------------------------------------------------------------------------

def far_cell_xlsx(path: Path, far: str = "XFD200000", dimension: str | None = None) -> Path:
    """2 KB: a roster from A1 and one number at `far`, so the used range is A1:`far`."""
    row = int("".join(ch for ch in far if ch.isdigit()))
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    body = (roster_body() + f'<row r="{row}"><c r="{far}"><v>1</v></c></row>')
    return write_raw_xlsx(path, {"名册": (dim, body)})


def far_cell_without_references_xlsx(path: Path, columns: int = 16384, rows: int = 200000) -> Path:
    """The same range as `far_cell_xlsx`, spelled without any r= attribute: cells and rows counted by position."""
    far_row = "<row>" + "<c/>" * (columns - 1) + "<c><v>1</v></c></row>"
    body = [roster_body(), "<row/>" * (rows - 5), far_row]
    return write_raw_xlsx(path, {"名册": body})


def many_sheets_xlsx(path: Path, sheets: int = 1001) -> Path:
    """A workbook listing `sheets` sheets that all point at the same part (calamine parses it once for each)."""
    write_raw_xlsx(path, {"名册": roster_body()})
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info.filename) for info in archive.infolist()}
    listed = "".join(f'<sheet name="名册{n}" sheetId="{n}" r:id="rId1"/>' for n in range(1, sheets + 1))
    parts["xl/workbook.xml"] = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="{MAIN_NS}" '
                                f'xmlns:r="{REL_NS}"><sheets>{listed}</sheets></workbook>').encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def shared_strings_count_xlsx(path: Path, unique_count: int = 4_000_000_000) -> Path:
    """A 2 KB workbook whose shared-string table announces billions of strings (calamine reserves them)."""
    header = f'<sst xmlns="{MAIN_NS}" count="1" uniqueCount="{unique_count}">'
    body = '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
    return write_raw_xlsx(path, {"名册": body}, shared_strings=["企业名称"], sst_header=header)


def shared_string_copies_xlsx(path: Path, cells: int = 1000, length: int = 1_000_000) -> Path:
    """8 KB: one shared string of `length` characters, referred to by `cells` cells (calamine copies it into each)."""
    body = "".join(f'<row r="{r}"><c r="A{r}" t="s"><v>0</v></c></row>' for r in range(1, cells + 1))
    return write_raw_xlsx(path, {"名册": body}, shared_strings=["长" * length])


def huge_xml_xlsx(path: Path, xml_mb: int = 520, columns: int = 18) -> Path:
    """A valid-looking hazard ledger of `xml_mb` MB of sheet XML that compresses to a few MB."""
    row_text = "".join(f'<c r="{column_letters(i)}{{n}}" t="inlineStr"><is><t>重复的隐患描述文字{i}</t></is></c>'
                       for i in range(columns))
    target = xml_mb * 1024 * 1024

    def body():
        yield inline_row(1, HAZARD_HEADER[:columns])
        written, number = 0, 2
        while written < target:
            chunk = "".join(f'<row r="{n}">' + row_text.replace("{n}", str(n)) + "</row>"
                            for n in range(number, number + 1000))
            number += 1000
            written += len(chunk.encode())
            yield chunk
    return write_raw_xlsx(path, {"隐患台账": body()}, compresslevel=9)


def lying_size_xlsx(path: Path, xml_mb: int = 20, claimed: int = 1024) -> Path:
    """A huge sheet whose zip entry claims, in both its headers, to inflate to `claimed` bytes."""
    huge_xml_xlsx(path, xml_mb=xml_mb)
    data = bytearray(path.read_bytes())
    name = b"xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(name.decode())
    assert data[info.header_offset:info.header_offset + 4] == b"PK\x03\x04"
    struct.pack_into("<I", data, info.header_offset + 22, claimed)
    end = data.rfind(b"PK\x05\x06")
    position = struct.unpack_from("<I", data, end + 16)[0]
    while data[position:position + 4] == b"PK\x01\x02":
        name_length, extra_length, comment_length = struct.unpack_from("<HHH", data, position + 28)
        if bytes(data[position + 46:position + 46 + name_length]) == name:
            struct.pack_into("<I", data, position + 24, claimed)
        position += 46 + name_length + extra_length + comment_length
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo(name.decode()).file_size == claimed
    return path


# Attacks on CSV -----------------------------------------------------------------------------------

def huge_csv(path: Path, mb: int = 163) -> Path:
    """A work log of `mb` MB (valid rows, repeated)."""
    header = "日期,驻点人员,企业名称,工作内容,发现问题数,特殊作业类型,特殊作业数,现场监督数\r\n"
    row = "2026-07-01,王强,威海（文登）精细化工有限公司,日常巡查，检查动火作业票证和现场监护情况,1,动火作业,2,2\r\n"
    block = (row * 10000).encode("utf-8")
    with open(path, "wb") as handle:
        handle.write(header.encode("utf-8-sig"))
        for _ in range(mb * 1024 * 1024 // len(block) + 1):
            handle.write(block)
    return path


def huge_cell_csv(path: Path, chars: int = 200_000) -> Path:
    """A roster CSV whose second row has one cell of `chars` characters."""
    lines = [",".join(ROSTER_HEADER),
             f"甲化工有限公司,{CODE_A},文登区,化学原料,10,王强,文登区应急局,2026-01-05,{'很长' * (chars // 2)}",
             f"乙化工有限公司,{CODE_B},荣成市,涂料,20,李明,荣成市应急局,2026-08-15,正常生产"]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8-sig"))
    return path


# Legacy .xls --------------------------------------------------------------------------------------

def write_xls(path: Path, sheets: dict[str, list[list]]) -> Path:
    """A BIFF8 workbook through xlwt (strings, numbers, as a clerk would type them)."""
    workbook = xlwt.Workbook(encoding="utf-8")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for name, rows in sheets.items():
        sheet = workbook.add_sheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, (dt.date, dt.datetime)):
                    sheet.write(r, c, value, date_style)
                elif value is not None:
                    sheet.write(r, c, value)
    workbook.save(str(path))
    return path


def _patch_first_record(data: bytearray, record_type: int, patch) -> None:
    """Rewrite the body of the first BIFF record of a type found after a sheet BOF (xlwt writes streams contiguously)."""
    marker = struct.pack("<H", record_type)
    position = data.find(b"\x09\x08\x10\x00\x00\x06\x10\x00")  # BOF of the first worksheet (BIFF8, dt=0x10)
    assert position > 0
    while True:
        position = data.find(marker, position + 1)
        assert position > 0
        length = struct.unpack_from("<H", data, position + 2)[0]
        body = bytes(data[position + 4:position + 4 + length])
        new = patch(body)
        if new is not None:
            data[position + 4:position + 4 + length] = new
            return


def far_cell_xls(path: Path, row: int = 65535, column: int = 65000) -> Path:
    """A roster .xls with one number record moved to (row, column): a column far beyond the format's 256."""
    from tests.filemaker import roster_rows
    rows = roster_rows()
    rows.append([None] * 3 + [0.1234567891234])  # not expressible as RK: written as a NUMBER record
    write_xls(path, {"名册": rows})
    data = bytearray(path.read_bytes())

    def move(body: bytes):
        if len(body) == 14 and struct.unpack_from("<d", body, 6)[0] == 0.1234567891234:
            return struct.pack("<HH", row, column) + body[4:]
        return None
    _patch_first_record(data, 0x0203, move)
    path.write_bytes(bytes(data))
    return path


def lying_dimensions_xls(path: Path) -> Path:
    """A roster .xls whose DIMENSIONS record claims 4 billion rows × 256 columns (calamine reserves that)."""
    from tests.filemaker import roster_rows
    write_xls(path, {"名册": roster_rows()})
    data = bytearray(path.read_bytes())
    _patch_first_record(data, 0x0200, lambda body: struct.pack("<IIHHH", 0, 0xFFFFFFF0, 0, 255, 0)
                        if len(body) == 14 else None)
    path.write_bytes(bytes(data))
    return path


def password_xls(path: Path) -> Path:
    """A roster .xls marked as encrypted: its WriteAccess record turned into a FilePass record."""
    from tests.filemaker import roster_rows
    write_xls(path, {"名册": roster_rows()})
    data = bytearray(path.read_bytes())
    position = data.find(b"\x5c\x00\x70\x00")  # WriteAccess, 112 bytes, in the workbook globals
    assert position > 0
    data[position:position + 2] = b"\x2f\x00"
    struct.pack_into("<H", data, position + 4, 1)
    path.write_bytes(bytes(data))
    return path


def looping_directory_xls(path: Path) -> Path:
    """A roster .xls whose directory sector chain points back to itself."""
    from tests.filemaker import roster_rows
    write_xls(path, {"名册": roster_rows()})
    data = bytearray(path.read_bytes())
    sector_shift = struct.unpack_from("<H", data, 30)[0]
    first_dir = struct.unpack_from("<I", data, 48)[0]
    first_fat = struct.unpack_from("<I", data, 76)[0]
    fat_offset = 512 + (first_fat << sector_shift)
    struct.pack_into("<I", data, fat_offset + 4 * first_dir, first_dir)
    path.write_bytes(bytes(data))
    return path


# Large valid files --------------------------------------------------------------------------------

def big_ledger_xlsx(path: Path, rows: int, unique_text: bool = True, text_chars: int = 0) -> Path:
    """A hazard ledger of `rows` rows × 18 columns as Excel writes it (shared strings, dates as numbers).

    The enterprises are not in any roster, so every row is quarantined: the heaviest path of a load.
    """
    categories = ["设备设施", "现场作业", "管理制度", "应急管理"]
    fixed = ["威海（文登）精细化工有限公司", CODE_A, "文登区", "驻点检查", "一般隐患", "整改中", "王强", "李明", "应急局"]
    strings = list(HAZARD_HEADER) + fixed + categories
    index = {s: i for i, s in enumerate(strings)}
    if unique_text:
        strings += [f"WD-2026-{n:07d}" for n in range(rows)]
        padding = "现场检查发现问题并已告知企业负责人限期整改" * (text_chars // 20 + 1)
        strings += [(f"第{n}号储罐区防火堤内有杂物堆放，消防通道被占用，需立即清理" + padding[:text_chars]) for n in range(rows)]

    def cell(ref: str, value) -> str:
        if isinstance(value, int):
            return f'<c r="{ref}"><v>{value}</v></c>'
        return f'<c r="{ref}" t="s"><v>{value}</v></c>'

    def body():
        yield "".join(f'<row r="1">{"".join(cell(f"{column_letters(i)}1", f"{index[h]}") for i, h in enumerate(HAZARD_HEADER))}</row>')
        base = len(HAZARD_HEADER) + len(fixed) + len(categories)
        for start in range(0, rows, 2000):
            parts = []
            for n in range(start, min(rows, start + 2000)):
                r = n + 2
                hazard = f"{base + n}" if unique_text else f"{index[fixed[0]]}"
                text = f"{base + rows + n}" if unique_text else f"{index[fixed[0]]}"
                values = [hazard, str(index[fixed[0]]), str(index[fixed[1]]), str(index[fixed[2]]), 46204 + n % 300,
                          str(index[fixed[3]]), str(index[categories[n % 4]]), str(index[fixed[4]]), text, text,
                          str(index[fixed[6]]), 46234 + n % 300, None, str(index[fixed[5]]), None,
                          str(index[fixed[7]]), None, str(index[fixed[8]])]
                parts.append(f'<row r="{r}">' + "".join(cell(f"{column_letters(i)}{r}", v)
                                                         for i, v in enumerate(values) if v is not None) + "</row>")
            yield "".join(parts)
    return write_raw_xlsx(path, {"隐患台账": body()}, shared_strings=strings)
