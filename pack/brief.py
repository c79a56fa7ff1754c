"""The meeting paper (.docx): drafted (or user-edited) text in the form of a government paper, with tables.

Layout after GB/T 9704: A4, margins 3.7/3.5/2.8/2.6 cm, title in 小标宋 二号, body in
仿宋 三号 at a fixed 28 pt line, 一、 headings in 黑体, （一） sub-headings in 楷体,
page numbers "— 1 —" at the foot.
"""
from __future__ import annotations

import io

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from pack.content import PackContent
from pack.draft import (SECTION_TITLES, SUBHEADING, BriefTable, draft_sections, paper_subtitle, paper_title,
                        section_tables)
from core.presentation import LEVEL_BACKGROUNDS, date_text

TITLE_FONT, HEADING_FONT, SUBHEADING_FONT, BODY_FONT, TABLE_FONT = "方正小标宋简体", "黑体", "楷体", "仿宋", "宋体"
BODY_SIZE, TITLE_SIZE, TABLE_SIZE = Pt(16), Pt(22), Pt(10.5)
LINE = Pt(28)
NO_SPACE = Pt(0)
INDENT = Pt(32)  # two characters of 三号
HEADER_FILL = "D9E2F3"
FIRST_COLUMN_SHARE = 0.22
WIDE_TABLE_COLUMNS, WIDE_TABLE_SIZE = 8, Pt(9)
KEEP_TOGETHER_ROWS = 15
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
    _set_font(paragraph.add_run(text), font, size, bold=bold, color=color)
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


def _cell_text(cell, text: str, size, *, bold: bool = False, keep_with_next: bool = False) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    fmt = paragraph.paragraph_format
    fmt.space_before = fmt.space_after = Pt(1.5)
    fmt.first_line_indent = None
    fmt.keep_with_next = keep_with_next
    _set_font(paragraph.add_run(text), TABLE_FONT, size, bold=bold)


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


def _table(doc, table: BriefTable, text_width: float) -> None:
    caption = _paragraph(doc, table.caption, HEADING_FONT, Pt(12), indent=False, align=WD_ALIGN_PARAGRAPH.CENTER,
                         line=Pt(22))
    caption.paragraph_format.keep_with_next = True
    frame = table.frame
    size = TABLE_SIZE if len(frame.columns) <= WIDE_TABLE_COLUMNS else WIDE_TABLE_SIZE
    # A short table stays on one page with its caption (each row keeps with the next).
    keep = len(frame) <= KEEP_TOGETHER_ROWS
    grid = doc.add_table(rows=len(frame) + 1, cols=len(frame.columns))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    _narrow_cell_margins(grid)
    first = text_width * FIRST_COLUMN_SHARE
    other = (text_width - first) / max(1, len(frame.columns) - 1)
    header = grid.rows[0]
    _repeat_header(header)
    for index, column in enumerate(frame.columns):
        _cell_text(header.cells[index], str(column), size, bold=True, keep_with_next=keep)
        _shade(header.cells[index], HEADER_FILL)
    for r, values in enumerate(frame.itertuples(index=False, name=None), start=1):
        cells = grid.rows[r].cells
        last = r == len(frame)
        for c, value in enumerate(values):
            _cell_text(cells[c], "" if value is None else str(value), size, keep_with_next=keep and not last)
            level = None if table.levels is None else table.levels.iat[r - 1, c]
            if level in LEVEL_BACKGROUNDS and level != "达标":
                _shade(cells[c], LEVEL_BACKGROUNDS[level].lstrip("#"))
    _column_widths(grid, [Cm(first)] + [Cm(other)] * (len(frame.columns) - 1))
    _paragraph(doc, "", indent=False, line=Pt(12))


def _section_text(doc, text: str) -> None:
    for line in (part.strip() for part in text.splitlines()):
        if not line:
            continue
        if SUBHEADING.match(line):
            _paragraph(doc, line, SUBHEADING_FONT, BODY_SIZE, bold=True, keep_with_next=True)
        else:
            _paragraph(doc, line)


def build_brief(content: PackContent, sections: dict[str, str] | None = None) -> bytes:
    """The .docx meeting paper; `sections` (keys of SECTION_TITLES) replaces the drafted text where given."""
    texts = {**draft_sections(content), **(sections or {})}
    tables = section_tables(content)
    doc = Document()
    _page_setup(doc)
    text_width = 21 - 2.8 - 2.6
    _paragraph(doc, paper_title(content), TITLE_FONT, TITLE_SIZE, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER,
               line=Pt(36))
    _paragraph(doc, paper_subtitle(content), SUBHEADING_FONT, Pt(14), indent=False,
               align=WD_ALIGN_PARAGRAPH.CENTER, space_after=Pt(12))
    if content.is_demo:
        _paragraph(doc, "（本材料由系统演示数据生成，不代表各区市实际情况）", SUBHEADING_FONT, Pt(14), indent=False,
                   align=WD_ALIGN_PARAGRAPH.CENTER, color="C62828", space_after=Pt(12))
    for key, title in SECTION_TITLES.items():
        _paragraph(doc, title, HEADING_FONT, BODY_SIZE, keep_with_next=True)
        _section_text(doc, texts.get(key, ""))
        for table in tables[key]:
            _table(doc, table, text_width)
    _paragraph(doc, f"附：数据工作簿《{content.stem}.xlsx》列有各项指标的分子、分母和每一条短板记录。")
    _paragraph(doc, "", indent=False)
    _paragraph(doc, f"{content.city}化工专项行动办公室", indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(doc, date_text(content.generated_at.date()), indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
