"""Cell values that are safe to put in a spreadsheet the product writes, and the one table writer.

A value starting with `=`, `+`, `-`, `@`, a tab or a carriage return is run as a
formula by Excel, WPS and LibreOffice (CSV/formula injection). Such text values
get a leading apostrophe: the visible text stays, nothing is executed.
"""
from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime

import numpy as np
import pandas as pd
from openpyxl.cell.cell import ERROR_CODES, Cell
from openpyxl.compat import safe_string as openpyxl_safe_string
from openpyxl.styles import Alignment
from openpyxl.styles.cell_style import StyleArray
from openpyxl.styles.numbers import is_date_format
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.dimensions import RowDimension

from core.text import XML_ILLEGAL, display_width, display_widths, xml_safe

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Text that starts like a formula gets an apostrophe, and a character no spreadsheet can hold is shown
    as its escape; numbers, dates and other text pass as they are."""
    if isinstance(value, str):
        value = xml_safe(value)
        if value.startswith(FORMULA_TRIGGERS):
            return "'" + value
    return value


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` whose text cells cannot start a spreadsheet formula."""
    safe = frame.copy()
    for column in safe.columns:
        values = safe[column]
        if not (pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)):
            continue
        text = values.astype("string")
        unwritable = text.str.contains(XML_ILLEGAL).fillna(False).astype(bool)
        if unwritable.any():
            unwritable[unwritable] = values[unwritable].map(lambda v: isinstance(v, str))
            values = values.astype(object).where(~unwritable, text.map(xml_safe, na_action="ignore").astype(object))
            safe[column] = values
            text = values.astype("string")
        risky = text.str.startswith(FORMULA_TRIGGERS).fillna(False).astype(bool)
        if risky.any():
            # Only text is at risk: a number (-5) in a mixed column stays a number.
            risky[risky] = values[risky].map(lambda v: isinstance(v, str))
            safe[column] = values.astype(object).where(~risky, ("'" + text).astype(object))
    return safe


# ------------------------------------------------------------------ the one table writer

PERCENT, POINTS, DATE, DATETIME, INTEGER = "0.0%", "+0.0;-0.0;0.0", "yyyy-mm-dd", "yyyy-mm-dd hh:mm", "#,##0"
MAX_WIDTH, MIN_WIDTH, WIDTH_SAMPLE = 48, 6, 400

def python_values(frame: pd.DataFrame) -> pd.DataFrame:
    """Plain Python values openpyxl writes as the right Excel type: dates as dates, missing as None."""
    plain = frame.copy()
    for column in plain.columns:
        values = plain[column]
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            values = values.dt.tz_localize(None)
        if pd.api.types.is_datetime64_any_dtype(values):
            midnight = bool((values.dropna().dt.normalize() == values.dropna()).all())
            converted = values.dt.date if midnight else pd.Series(values.dt.to_pydatetime(), index=values.index)
            plain[column] = converted.astype(object).where(values.notna(), None)
        else:
            plain[column] = values.astype(object).where(values.notna(), None)
    return plain


def column_format(series: pd.Series) -> str | None:
    """The number format a column's values need: dates, date-times and integers; None for the rest."""
    sample = series.dropna().head(50)
    if pd.api.types.is_datetime64_any_dtype(series):
        has_time = bool(len(sample)) and bool((sample.dt.normalize() != sample).any())
        return DATETIME if has_time else DATE
    if len(sample) and all(isinstance(v, datetime) for v in sample):
        return DATETIME
    if len(sample) and all(isinstance(v, date) for v in sample):
        return DATE
    if pd.api.types.is_integer_dtype(series):
        return INTEGER
    return None


def column_widths(frame: pd.DataFrame, formats: dict[str, str], max_widths: dict[str, int]) -> list[float]:
    """Each column's width: its longest value or header in display width (Chinese counts two), bounded."""
    widths = []
    for column in frame.columns:
        if formats.get(column) in (DATE, DATETIME):
            longest = 16 if formats[column] == DATETIME else 11
        elif formats.get(column) in (PERCENT, POINTS):
            longest = 7
        elif formats.get(column) == INTEGER or pd.api.types.is_numeric_dtype(frame[column]):
            numbers = pd.to_numeric(frame[column], errors="coerce").abs().max()
            longest = 4 if pd.isna(numbers) else len(f"{numbers:,.0f}") + 2
        else:
            longest = int(display_widths(frame[column].head(WIDTH_SAMPLE)).max())
        longest = max(longest, display_width(str(column)))
        widths.append(min(max_widths.get(column, MAX_WIDTH), max(MIN_WIDTH, longest + 2)))
    return widths


WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
LINE_HEIGHT = 15  # points per line of a wrapped row
_BULK = "_weihai_bulk_rows"  # rows of a sheet written as XML, added when the workbook is saved (workbook_bytes)


def write_table(ws, frame: pd.DataFrame, top: int = 1, *, left: int = 1, formats: dict[str, str] | None = None,
                max_widths: dict[str, int] | None = None, header_style: dict | None = None,
                empty: str | None = None, wrap: bool = False, bulk: bool = False) -> tuple[int, int]:
    """Write `frame` to the openpyxl sheet `ws`: header at row `top`, data below; returns (first, last data row).

    Every cell, the header included, is formula-neutralised; dates, date-times and integers
    get their number format, and `formats` adds more (e.g. `{"整改率": PERCENT}` for a rate
    kept as a number). Column widths follow the display width and only grow, so a sheet may
    hold several tables. `header_style` holds openpyxl attributes set on each header cell
    (fill, font, border, alignment); `empty` is written under the header when there are no rows.

    `wrap`: a text column with a value wider than the column wraps, each row holding such a value
    gets the height of its lines (viewers do not grow a row when the file is opened) and its other
    cells align to the top. `bulk`: the data rows are written as sheet XML column by column when the
    workbook is saved with `workbook_bytes`, not as openpyxl cells (a long list: the same file,
    a fraction of the time); nothing else may be written in or below those rows.
    """
    frame = neutralise_formulas(frame.reset_index(drop=True))
    formats = {**{c: f for c in frame.columns if (f := column_format(frame[c]))}, **(formats or {})}
    for offset, column in enumerate(frame.columns):
        cell = ws.cell(top, left + offset, safe_cell(str(column)))
        for name, value in (header_style or {}).items():
            setattr(cell, name, value)
    if frame.empty:
        if empty is not None:
            ws.cell(top + 1, left, empty)
        return top + 1, top
    columns = list(frame.columns)
    first, last = top + 1, top + len(frame)
    widths = []
    for offset, width in enumerate(column_widths(frame, formats, max_widths or {})):
        letter = get_column_letter(left + offset)
        ws.column_dimensions[letter].width = max(ws.column_dimensions[letter].width or 0, width)
        widths.append(ws.column_dimensions[letter].width)
    wrapped = [False] * len(columns)
    lines = np.ones(len(frame))
    if wrap:
        for offset, column in enumerate(columns):
            if not (pd.api.types.is_object_dtype(frame[column]) or pd.api.types.is_string_dtype(frame[column])):
                continue
            longest = frame[column].astype("string").str.len().max()
            if pd.isna(longest) or 2 * longest <= widths[offset]:
                continue  # no value can be wider than the column (a character is at most two wide)
            column_lines = display_widths(frame[column]).to_numpy() / widths[offset]
            if (column_lines > 1).any():
                wrapped[offset] = True
                lines = np.maximum(lines, np.ceil(column_lines))
    tall = lines > 1
    # One style per column (and one for a tall row's unwrapped cells), looked up once, not per cell.
    styles = [_style(ws, formats.get(column), WRAP if wrapped[offset] else None)
              for offset, column in enumerate(columns)]
    tall_styles = [styles[offset] if wrapped[offset] else _style(ws, formats.get(column), TOP)
                   for offset, column in enumerate(columns)] if tall.any() else styles
    values = python_values(frame)
    if bulk and (xml := _rows_xml(ws, values, first, left, styles, tall_styles, lines)) is not None:
        getattr(ws, _BULK).append((first, last, left + len(columns) - 1, xml)) if hasattr(ws, _BULK) \
            else setattr(ws, _BULK, [(first, last, left + len(columns) - 1, xml)])
        return first, last
    cells = ws._cells
    if any(first <= r <= last and left <= c < left + len(columns) for r, c in cells):
        # Over cells already there: each keeps its other styles, as openpyxl's own setters do.
        for index, row_values in enumerate(values.itertuples(index=False, name=None)):
            for offset, value in enumerate(row_values):
                cell = ws.cell(first + index, left + offset, value)
                if fmt := formats.get(columns[offset]):
                    cell.number_format = fmt
                if wrapped[offset] or tall[index]:
                    cell.alignment = WRAP if wrapped[offset] else TOP
    else:
        # A date given a format of another kind: openpyxl sets a date format when the value is bound, the
        # column's format is set after it.
        refit = {offset: fmt for offset, column in enumerate(columns)
                 if (fmt := formats.get(column)) and not is_date_format(fmt)}
        for index, row_values in enumerate(values.itertuples(index=False, name=None)):
            r = first + index
            row_styles = tall_styles if tall[index] else styles
            for offset, value in enumerate(row_values):
                cell = cells[(r, left + offset)] = Cell(ws, r, left + offset, value, row_styles[offset])
                if cell.data_type == "d" and offset in refit:
                    cell.number_format = refit[offset]
    ws._current_row = max(ws._current_row, last)
    for index in np.flatnonzero(tall):
        ws.row_dimensions[first + int(index)].height = LINE_HEIGHT * float(lines[index])
    return first, last


def _style(ws, number_format: str | None, alignment: Alignment | None) -> StyleArray:
    """The style array of a cell with `number_format` and `alignment` (registered in the workbook)."""
    probe = Cell(ws)
    if number_format:
        probe.number_format = number_format
    if alignment is not None:
        probe.alignment = alignment
    return probe._style if probe._style is not None else StyleArray()


def _escape(text: str) -> str:
    """Text content escaped as lxml writes it (openpyxl's writer)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _value_xml(value) -> str | None:
    """What follows a cell's reference and style in the sheet XML, as openpyxl writes `value`; None when
    openpyxl would write it some other way (the table is then written as cells)."""
    kind = type(value)
    if kind is int and -10**15 < value < 10**15:  # "%.16g" writes these as their digits
        return f' t="n"><v>{value}</v></c>'
    if kind is str:
        text = value[:32767]
        if len(text) > 1 and text.startswith("="):
            return None
        if text in ERROR_CODES:
            return f' t="e"><v>{_escape(text)}</v></c>'
        if text == "":
            return ' t="inlineStr"></c>'
        space = ' xml:space="preserve"' if text != text.strip() else ""
        return f' t="inlineStr"><is><t{space}>{_escape(text)}</t></is></c>'
    if kind is bool:
        return f' t="b"><v>{openpyxl_safe_string(value)}</v></c>'
    if kind in (int, float):
        return f' t="n"><v>{openpyxl_safe_string(value)}</v></c>'
    if kind in (date, datetime):
        return f' t="n"><v>{openpyxl_safe_string(to_excel(value))}</v></c>'
    return None


def _rows_xml(ws, values: pd.DataFrame, first: int, left: int, styles: list[StyleArray],
              tall_styles: list[StyleArray], lines: np.ndarray) -> bytes | None:
    """The `<row>` elements of `values` from row `first`, as openpyxl would write its cells; None when a
    value is of a kind openpyxl writes otherwise (a date in an unformatted column gets a format per cell)."""
    count = len(values)
    numbers = np.arange(first, first + count).astype(str).astype(object)
    tall = lines > 1
    quoted = numbers + '"'
    columns = []
    for offset, column in enumerate(values.columns):
        data = values[column].to_numpy(dtype=object)
        kinds = set(map(type, data)) - {type(None)}
        if len(kinds & {bool, int, float}) > 1 and bool in kinds:
            return None  # True and 1 would be taken for one value
        if kinds & {date, datetime} and not is_date_format(Cell(ws, style_array=styles[offset]).number_format):
            return None
        codes, distinct = pd.factorize(data, use_na_sentinel=True)
        fragments = [_value_xml(value) for value in distinct]
        if None in fragments:
            return None
        base, high = (_style_attribute(ws, styles[offset]), _style_attribute(ws, tall_styles[offset]))
        fragments.append(' t="n"></c>')  # a missing value (code -1): written only when the cell has a style
        written = np.array(fragments, dtype=object)[codes]
        style = np.where(tall, high, base).astype(object) if high != base else base
        reference = '<c r="' + get_column_letter(left + offset)
        column_xml = reference + quoted + style + written
        missing = codes == -1
        if missing.any():
            unstyled = missing & (np.where(tall, high, base) == "") if high != base else missing & (base == "")
            column_xml[unstyled] = ""
        columns.append(column_xml)
    heights = {}
    for value in np.unique(lines[tall]):
        dimension = RowDimension(ws, index=first, ht=LINE_HEIGHT * float(value))
        heights[value] = "".join(f' {key}="{text}"' for key, text in dimension)
    row_attributes = np.full(count, "", dtype=object)
    for value, text in heights.items():
        row_attributes[lines == value] = text
    starts = '<row r="' + quoted + row_attributes + ">"
    return "".join(["".join(row) + "</row>" for row in zip(starts, *columns)]).encode("utf-8")


def _style_attribute(ws, style: StyleArray) -> str:
    return f' s="{ws.parent._cell_styles.add(style)}"' if any(style) else ""


def workbook_bytes(wb) -> bytes:
    """`wb` saved as .xlsx bytes, with the rows `write_table(..., bulk=True)` left for the save."""
    buffer = io.BytesIO()
    wb.save(buffer)
    pending = {ws.path.lstrip("/"): ws for ws in wb.worksheets if getattr(ws, _BULK, None)}
    if not pending:
        return buffer.getvalue()
    out = io.BytesIO()  # level 3: a list of 80,000 rows compresses three times as fast as at 6, 15 % larger
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED,
                                                                      compresslevel=3) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename in pending:
                data = _with_rows(data, pending[info.filename])
            target.writestr(info, data)
    return out.getvalue()


def _with_rows(sheet_xml: bytes, ws) -> bytes:
    """The sheet's XML with its pending rows after the rows openpyxl wrote, and the dimension that covers them."""
    blocks = sorted(getattr(ws, _BULK), key=lambda block: block[0])
    rows = {r for r, _ in ws._cells} | set(ws.row_dimensions.keys())
    if any(r >= blocks[0][0] for r in rows) or any(a[1] >= b[0] for a, b in zip(blocks, blocks[1:])):
        raise ValueError(f"工作表“{ws.title}”中批量写出的行与其他单元格重叠。")
    min_col = min([c for _, c in ws._cells] or [1])
    max_col = max([c for _, c in ws._cells] + [block[2] for block in blocks])
    min_row = min([r for r, _ in ws._cells] or [blocks[0][0]])
    dimension = f'<dimension ref="{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{blocks[-1][1]}"/>'
    sheet_xml = re.sub(rb"<dimension ref=\"[^\"]*\"/>", dimension.encode(), sheet_xml, count=1)
    added = b"".join(block[3] for block in blocks)
    if b"<sheetData/>" in sheet_xml:
        return sheet_xml.replace(b"<sheetData/>", b"<sheetData>" + added + b"</sheetData>", 1)
    return sheet_xml.replace(b"</sheetData>", added + b"</sheetData>", 1)
