"""The meeting paper (.docx): drafted (or user-edited) text in the form of a government paper; tables as appendices.

Layout after GB/T 9704: A4, margins 3.7/3.5/2.8/2.6 cm, title in 小标宋 二号, body in
仿宋 三号 at a fixed 28 pt line, 一、 headings in 黑体, （一） sub-headings in 楷体, page numbers
"— 1 —" at the foot. The body is text only (no table can leave half a page blank); after the
附件 list and the signature (the signing office and the meeting date), the appendices start on a
new page: 附件1 the indicator table … 附件5 the data notes with its section 数据对账情况 (the reconciliation, the
直通车 time limits and 一企一策 progress), tables in 宋体 10.5 pt with the header row repeated. Headings keep with
the text that follows them.
"""
from __future__ import annotations

import io
from copy import deepcopy

import pandas as pd
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from pack.content import PackContent
from pack.draft import (OPENING, SUBHEADING, BriefTable, appendices, draft_sections, paper_subtitle, paper_title,
                        section_titles, signing_office, split_subheading)
from core.presentation import LEVEL_BACKGROUNDS, date_text
from core.text import display_width, display_widths, xml_safe

TITLE_FONT, HEADING_FONT, SUBHEADING_FONT, BODY_FONT, TABLE_FONT = "方正小标宋简体", "黑体", "楷体", "仿宋", "宋体"
BODY_SIZE, TITLE_SIZE, TABLE_SIZE = Pt(16), Pt(22), Pt(10.5)
LINE = Pt(28)
NO_SPACE = Pt(0)
INDENT = Pt(32)  # two characters of 三号
HEADER_FILL = "D9E2F3"
# Column widths in display widths (a Chinese character is two).
MIN_COLUMN, MAX_COLUMN, MAX_FIRST_COLUMN, HEADER_WRAP, CELL_PADDING = 8, 28, 40, 10, 2
APPENDIX_MARK = "附件"  # the heading that opens each appendix: 附件1, 附件2 …
TABLE_CELL_MARGIN_TWIPS = 40


def _set_font(run, name: str, size, *, bold: bool = False, color: str | None = None) -> None:
    run.font.name = name
    run.font.size = size
    run.font.bold = bold
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)
    if color:
        run.font.color.rgb = RGBColor.from_string(color)


def _paragraph(doc, text: str, font: str = BODY_FONT, size=BODY_SIZE, *, bold: bool = False, indent: bool = True,
               align=None, line=LINE, color: str | None = None, space_after=NO_SPACE, keep_with_next: bool = False):
    paragraph = doc.add_paragraph()
    fmt = paragraph.paragraph_format
    fmt.keep_with_next = keep_with_next
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = line
    fmt.space_before, fmt.space_after = Pt(0), space_after
    fmt.first_line_indent = INDENT if indent else None
    if align is not None:
        paragraph.alignment = align
    _set_font(paragraph.add_run(xml_safe(text)), font, size, bold=bold, color=color)
    return paragraph


def _page_setup(doc) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = BODY_FONT, BODY_SIZE
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    _page_numbers(section)


def _page_numbers(section) -> None:
    """"— n —" centred at the foot of every page, as a PAGE field so every viewer numbers the pages."""
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _set_font(paragraph.add_run("— "), "宋体", Pt(14))
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)
    _set_font(paragraph.add_run(" —"), "宋体", Pt(14))


def _shade(cell, fill: str) -> None:
    properties = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    properties.append(shading)


def _repeat_header(row) -> None:
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def _no_split(row) -> None:
    properties = row._tr.get_or_add_trPr()
    properties.append(OxmlElement("w:cantSplit"))


# The paragraph and run properties of a table cell, per (size, bold, keep with next): made once with python-docx,
# copied into every other cell of that kind (setting each property per cell costs most of the document's time).
_CELL_PROPERTIES: dict[tuple, tuple] = {}


def _cell_text(cell, text: str, size, *, bold: bool = False, keep_with_next: bool = False) -> None:
    paragraph = cell.paragraphs[0]
    made = _CELL_PROPERTIES.get((size, bold, keep_with_next))
    if made is not None and paragraph._p.pPr is None and len(paragraph._p) == 0:
        paragraph._p.append(deepcopy(made[0]))
        run = paragraph.add_run(xml_safe(text))
        run._r.insert(0, deepcopy(made[1]))
        return
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    fmt = paragraph.paragraph_format
    fmt.space_before = fmt.space_after = Pt(1.5)
    fmt.first_line_indent = None
    fmt.keep_with_next = keep_with_next
    run = paragraph.add_run(xml_safe(text))
    _set_font(run, TABLE_FONT, size, bold=bold)
    if made is None and len(paragraph._p) == 2:  # pPr and this run only: a fresh cell
        _CELL_PROPERTIES[(size, bold, keep_with_next)] = (deepcopy(paragraph._p.pPr), deepcopy(run._r.rPr))


def _narrow_cell_margins(grid) -> None:
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), str(TABLE_CELL_MARGIN_TWIPS))
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    grid._tbl.tblPr.append(margins)


def _column_widths(grid, widths) -> None:
    grid.autofit = False
    for column, width in zip(grid.columns, widths):
        column.width = width
    for row in grid.rows:
        for cell, width in zip(row.cells, widths):
            cell.width = width


def _widths(frame: pd.DataFrame, text_width: float) -> list[float]:
    """Column widths (cm) in proportion to each column's longest text (header words wrap), within bounds; the
    first column (the row's name) may take more."""
    longest = [max(display_widths(frame[column].astype("string")).max() if len(frame) else 0,
                   min(display_width(str(column)), HEADER_WRAP)) for column in frame.columns]
    wanted = [min(max(float(n) + CELL_PADDING, MIN_COLUMN), MAX_FIRST_COLUMN if i == 0 else MAX_COLUMN)
              for i, n in enumerate(longest)]
    return [text_width * n / sum(wanted) for n in wanted]


def _table(doc, table: BriefTable, text_width: float) -> None:
    frame = table.frame
    size = TABLE_SIZE
    grid = doc.add_table(rows=len(frame) + 1, cols=len(frame.columns))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    _narrow_cell_margins(grid)
    header = grid.rows[0]
    _repeat_header(header)
    # The caption keeps with the header and the header with the first row; rows never split across pages.
    # (Rows chained by keep-with-next make LibreOffice move a whole short table, and what follows it,
    # to the next page.)
    for index, column in enumerate(frame.columns):
        _cell_text(header.cells[index], str(column), size, bold=True, keep_with_next=True)
        _shade(header.cells[index], HEADER_FILL)
    for row in grid.rows:
        _no_split(row)
    for r, values in enumerate(frame.itertuples(index=False, name=None), start=1):
        cells = grid.rows[r].cells
        for c, value in enumerate(values):
            _cell_text(cells[c], "" if value is None else str(value), size)
            level = None if table.levels is None else table.levels.iat[r - 1, c]
            if level in LEVEL_BACKGROUNDS and level != "达标":
                _shade(cells[c], LEVEL_BACKGROUNDS[level].lstrip("#"))
    _column_widths(grid, [Cm(width) for width in _widths(frame, text_width)])


def _section_text(doc, text: str) -> None:
    for line in (part.strip() for part in text.splitlines()):
        if not line:
            continue
        if not SUBHEADING.match(line):
            _paragraph(doc, line)
            continue
        heading, rest = split_subheading(line)
        if not rest:
            _paragraph(doc, line, SUBHEADING_FONT, BODY_SIZE, keep_with_next=True)
            continue
        paragraph = _paragraph(doc, heading, SUBHEADING_FONT, BODY_SIZE)  # the text runs on in the body font
        _set_font(paragraph.add_run(xml_safe(rest)), BODY_FONT, BODY_SIZE)


def _attachment_list(doc, titles: list[str]) -> None:
    """附件：1. … under the body, the later lines aligned with the first title (GB/T 9704)."""
    for n, title in enumerate(titles, start=1):
        lead = "附件：" if n == 1 else ""
        paragraph = _paragraph(doc, f"{lead}{n}. {title}", indent=False)
        fmt = paragraph.paragraph_format
        fmt.left_indent = INDENT + Pt(48)  # 附件：is three characters
        fmt.first_line_indent = -Pt(48) if n == 1 else None
        if n == 1:
            fmt.space_before = Pt(14)


def _page_break(doc) -> None:
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _appendix(doc, n: int, appendix, text_width: float) -> None:
    _paragraph(doc, f"{APPENDIX_MARK}{n}", HEADING_FONT, BODY_SIZE, indent=False, keep_with_next=True)
    _paragraph(doc, appendix.title, TITLE_FONT, Pt(18), indent=False, align=WD_ALIGN_PARAGRAPH.CENTER,
               line=Pt(30), keep_with_next=True)
    if appendix.table is not None:
        _captioned_table(doc, appendix.table, text_width)
    for line in appendix.lines:
        _paragraph(doc, line, BODY_FONT, Pt(14), line=Pt(22))
    for section in appendix.sections:
        heading = _paragraph(doc, section.title, SUBHEADING_FONT, BODY_SIZE, keep_with_next=True)
        heading.paragraph_format.space_before = Pt(10)
        for table in section.tables:
            _captioned_table(doc, table, text_width)
        for line in section.lines:
            _paragraph(doc, line, BODY_FONT, Pt(14), line=Pt(22))
    _paragraph(doc, "", indent=False, line=Pt(18))


def _captioned_table(doc, table: BriefTable, text_width: float) -> None:
    _paragraph(doc, f"（{table.caption}）", SUBHEADING_FONT, Pt(12), indent=False, align=WD_ALIGN_PARAGRAPH.CENTER,
               line=Pt(20), space_after=Pt(4), keep_with_next=True)
    _table(doc, table, text_width)


def build_brief(content: PackContent, sections: dict[str, str] | None = None, *, with_appendices: bool = True,
                drafted: dict[str, str] | None = None, attached: list | None = None) -> bytes:
    """The .docx meeting paper; `sections` (keys of `draft.section_labels`) replaces the drafted text where given.

    `with_appendices` False gives the paper alone (its length is what a meeting reads). `drafted` and `attached`
    are `draft_sections(content)` and `appendices(content)` when the caller has them already.
    """
    texts = {**(draft_sections(content) if drafted is None else drafted), **(sections or {})}
    doc = Document()
    _page_setup(doc)
    text_width = 21 - 2.8 - 2.6
    _paragraph(doc, paper_title(content), TITLE_FONT, TITLE_SIZE, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER,
               line=Pt(36))
    if subtitle := paper_subtitle(content):
        _paragraph(doc, subtitle, SUBHEADING_FONT, BODY_SIZE, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
    if content.is_demo:
        _paragraph(doc, "（本材料由系统演示数据生成，不代表各区市实际情况）", SUBHEADING_FONT, Pt(14), indent=False,
                   align=WD_ALIGN_PARAGRAPH.CENTER, color="C62828")
    _section_text(doc, texts.get(OPENING, ""))
    for key, title in section_titles(content).items():
        _paragraph(doc, title, HEADING_FONT, BODY_SIZE, keep_with_next=True)
        _section_text(doc, texts.get(key, ""))
    attached = appendices(content) if attached is None else attached
    _attachment_list(doc, [a.title for a in attached])
    office = _paragraph(doc, signing_office(content), indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT,
                        keep_with_next=True)
    office.paragraph_format.space_before = Pt(14)
    _paragraph(doc, date_text(content.meeting_date), indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
    if with_appendices:
        _page_break(doc)
        for n, appendix in enumerate(attached, start=1):
            _appendix(doc, n, appendix, text_width)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
