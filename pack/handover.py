"""The handover sheet (驻点监督工作交接单) of one enterprise at a date, as Word (editable) and Excel.

The notice (三（五）) asks that a rotation hand over 岗位、任务和责任 so that work continues seamlessly. The sheet
lists, for the enterprise alone, what the incoming supervisor takes over on the handover date: open and overdue
hazards with their deadlines and 整改责任人, major hazards with their reporting and enforcement, 移交 items
still open, certificates expired or about to expire, staff without valid training, the gaps of the last
quarterly checklist, drills, 一企一策 projects, the season's common tasks, and the last four weeks of the log;
then signature lines for the outgoing and incoming supervisor and the dispatching unit.

Every record comes from `metrics.stationing.handover_records` (one enterprise's records only); the season's tasks
from `pack.seasonal`. Numbers are written without thousands separators and dates as a government paper writes
them; every cell of the workbook, headers included, is formula-neutralised.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd

from core.dates import parse_date
from core.policy import NOTICE, Quote
from core.presentation import cn_ordinal, is_missing
from core.settings import setting
from core.spreadsheet import safe_cell
from core.text import display_width, printable
from metrics import api, stationing
from metrics.stationing import UnknownEnterprise
from pack.content import Read, connection_reader
from pack.seasonal import SeasonalTask, seasonal_tasks

TITLE = "驻点监督工作交接单"
BASIS = Quote("三（五）", "人员轮换既要交接岗位又要交接任务和责任，确保工作延续、无缝衔接。")
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NONE = "无。"
BLANK = "________________"
# Word table column widths, in display widths (a Chinese character is two): a header wraps after HEADER_WRAP.
HEADER_WRAP, MIN_COLUMN, MAX_COLUMN = 8, 6, 36
XLSX_MAX_WIDTH = 30  # characters; longer text wraps

# Characters no Word or Excel file may hold (XML 1.0), shown as their escape instead.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_UNSAFE_FILE_CHARS = re.compile(r'[\\/:*?"<>|\s\x00-\x1f\x7f]+')


def clean(value) -> str:
    """A cell as the sheet writes it: dates as 2026-07-01, whole numbers without separators, missing as empty,
    text without the characters a Word or Excel file cannot hold."""
    if value is None or (not isinstance(value, str) and is_missing(value)):
        return ""
    if isinstance(value, (datetime, pd.Timestamp)):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float)) or hasattr(value, "dtype"):
        number = float(value)
        return str(int(number)) if number.is_integer() else f"{number:g}"
    return _XML_ILLEGAL.sub(lambda m: printable(m.group(0)), str(value))


def day_text(value) -> str:
    """2026年9月30日; empty when missing."""
    if value is None or is_missing(value):
        return ""
    day = pd.Timestamp(value).date()
    return f"{day.year}年{day.month}月{day.day}日"


def file_part(text: str) -> str:
    """A piece of a file name: no path separators, no characters a file system refuses, no leading dot."""
    cleaned = _UNSAFE_FILE_CHARS.sub("_", text).strip("._")
    return cleaned[:60] or "企业"


@dataclass
class Section:
    title: str
    frame: pd.DataFrame | None = None  # a table, or None for text only
    lines: list[str] = field(default_factory=list)  # text before the table (or instead of it)
    empty: str = NONE


@dataclass
class Handover:
    """One enterprise's handover sheet at a date: the records, the parties and the season's tasks."""
    credit_code: str
    as_of: date
    records: dict[str, pd.DataFrame]
    tasks: list[SeasonalTask]
    data_as_of: date | None
    generated_at: datetime = field(default_factory=lambda: datetime.now().replace(microsecond=0))

    @property
    def enterprise(self) -> dict:
        return self.records["enterprise"].iloc[0].to_dict()

    @property
    def name(self) -> str:
        return clean(self.enterprise["企业名称"])

    @property
    def stem(self) -> str:
        """驻点交接单_<企业名称>_<交接日期>, safe as a file name."""
        return f"驻点交接单_{file_part(self.name)}_{self.as_of:%Y%m%d}"

    def _present(self) -> pd.DataFrame:
        rows = self.records["stationings"]
        arrived = pd.to_datetime(rows["进驻日期"])
        left = pd.to_datetime(rows["撤离日期"])
        day = pd.Timestamp(self.as_of)
        return rows[(arrived.isna() | (arrived <= day)) & (left.isna() | (left > day))]

    @property
    def outgoing(self) -> dict | None:
        """The supervisor handing over: the earliest arrived of those stationed on the date, else the last to leave."""
        present = self._present()
        if len(present):
            return present.iloc[0].to_dict()
        rows = self.records["stationings"]
        gone = rows[pd.to_datetime(rows["撤离日期"]) <= pd.Timestamp(self.as_of)]
        return gone.sort_values("撤离日期").iloc[-1].to_dict() if len(gone) else None

    @property
    def incoming(self) -> str:
        """The successor: the outgoing supervisor's 交接人, else the next to arrive; empty when not known yet."""
        outgoing = self.outgoing
        if outgoing is None:
            return ""
        if clean(outgoing.get("交接人")):
            return clean(outgoing["交接人"])
        rows = self.records["stationings"]
        later = rows[pd.to_datetime(rows["进驻日期"]) > pd.Timestamp(outgoing["进驻日期"])] \
            if not is_missing(outgoing["进驻日期"]) else rows.iloc[0:0]
        return clean(later.iloc[0]["驻点人员"]) if len(later) else ""

    def facts(self) -> list[tuple[str, str]]:
        info, outgoing = self.enterprise, self.outgoing or {}
        return [
            ("企业名称", self.name), ("统一社会信用代码", clean(info["统一社会信用代码"])),
            ("所属区市", clean(info["区市"])), ("行业类别", clean(info["行业类别"])),
            ("从业人员数", clean(info["从业人员数"])), ("企业状态", clean(info["企业状态"])),
            ("交出驻点人员", clean(outgoing.get("驻点人员"))), ("进驻日期", day_text(outgoing.get("进驻日期"))),
            ("接任驻点人员", self.incoming or "（交接时填写）"),
            ("派出单位", clean(outgoing.get("派出单位")) or clean(info["派出单位"])),
            ("交接日期", day_text(self.as_of)), ("数据截至", day_text(self.data_as_of) or "无数据"),
        ]

    def sections(self) -> list[Section]:
        r = self.records
        open_hazards = r["open_hazards"]
        overdue = int(open_hazards["截至交接日"].astype("string").str.startswith("超期").fillna(False).sum()) \
            if len(open_hazards) else 0
        expiry = int(setting("watch.certificate_expiry_days"))
        window = int(setting("indicators.window_months"))
        facts = r["facts"].iloc[0]
        checklist = facts["最近检查表季度"]
        next_drill = facts["下次演练应在此前"]
        drill_lines = []
        if is_missing(facts["最近一次演练日期"]):
            drill_lines.append("截至交接日没有演练记录，应尽快组织全员参与的应急演练。")
        elif pd.Timestamp(next_drill).date() < self.as_of:
            drill_lines.append(f"最近一次演练为{day_text(facts['最近一次演练日期'])}，已超过{window}个月，"
                               "应尽快组织全员参与的应急演练。")
        else:
            drill_lines.append(f"最近一次演练为{day_text(facts['最近一次演练日期'])}，"
                               f"下一次应在{day_text(next_drill)}前组织。")
        tasks = pd.DataFrame({"任务": [t.title for t in self.tasks], "内容": [t.text for t in self.tasks]})
        handover_items = clean((self.outgoing or {}).get("交接事项"))
        return [
            Section(f"未整改隐患（{len(open_hazards)}项，其中超期{overdue}项）", open_hazards,
                    ["截至交接日尚未完成整改的隐患，接任人员应逐项跟踪巡查、督促按期整改。"]),
            Section("重大隐患及上报、执法情况", r["major_hazards"],
                    [f"尚未销号的重大隐患，及近{window}个月内发现的重大隐患。"]),
            Section("移交其他部门尚未办结的事项", r["transfers"], ["应继续盯紧抓好整改落实。"]),
            Section(f"证书已过期或{expiry}天内到期的在岗人员", r["certificates"],
                    ["含证书未填有效期的人员和关键岗位无证书的人员。"]),
            Section(f"近{window}个月内没有合格培训记录的在岗人员", r["untrained"]),
            Section("最近一次季度检查表缺项", r["checklist"] if not is_missing(checklist) else None,
                    [f"最近一次季度检查表为{checklist}。" if not is_missing(checklist) else "没有报送过季度检查表。"]),
            Section("应急演练", r["drills"], drill_lines, empty=f"近{window}个月内没有演练记录。"),
            Section("一企一策智能化改造项目", r["retrofit"]),
            Section("当前季节性共性任务", tasks, [f"按交接日期（{day_text(self.as_of)}）所在季节。"]),
            Section("近4周驻点工作日志摘要", r["logs"],
                    ["按交接日往前每7天一段，分驻点人员汇总。"], empty="近4周没有工作日志。"),
            Section("其他交接事项", None,
                    ([f"派驻记录所列交接事项：{handover_items}"] if handover_items else [])
                    + ["（由交出、接任双方补充填写）"] + [BLANK * 3] * 3),
        ]


def gather_handover(source: duckdb.DuckDBPyConnection | Read, credit_code: str, *,
                    as_of: date | str | None = None) -> Handover:
    """Read one enterprise's handover records as of `as_of` (default: today).

    `source` is a DuckDB connection, or a `read(func, *args, **kwargs)` (the dashboard's access-scoped
    `ui.data.query`)."""
    read = connection_reader(source) if isinstance(source, duckdb.DuckDBPyConnection) else source
    day = parse_date(as_of) if as_of else date.today()
    records = read(stationing.handover_records, credit_code, as_of=day)
    if records["enterprise"].empty:
        raise UnknownEnterprise(f"企业名册中没有统一社会信用代码为 {printable(credit_code, 40)} 的企业。")
    return Handover(credit_code, day, records, seasonal_tasks(day), read(api.data_as_of))


def header_lines(handover: Handover) -> list[str]:
    return [f"依据：{BASIS.cited}",
            f"交接日期：{day_text(handover.as_of)}　　企业：{handover.name}"]


def signature_lines() -> list[tuple[str, str]]:
    return [("交出驻点人员（签字）", "日期"), ("接任驻点人员（签字）", "日期"), ("派出单位（盖章）", "日期")]


# ------------------------------------------------------------------ Word

def build_handover_docx(handover: Handover) -> bytes:
    """The sheet as an editable Word document: A4, 仿宋 text, 宋体 tables, signature lines at the end."""
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    doc = Document()
    page = doc.sections[0]
    # Landscape: the hazard and staff tables need their columns side by side.
    page.orientation = WD_ORIENT.LANDSCAPE
    page.page_width, page.page_height = Cm(29.7), Cm(21)
    page.top_margin, page.bottom_margin = Cm(2.2), Cm(2.2)
    page.left_margin, page.right_margin = Cm(2.5), Cm(2.5)
    width_cm = 29.7 - 5.0

    def font(run, name: str, size: float, bold: bool = False) -> None:
        run.font.name, run.font.size, run.font.bold = name, Pt(size), bold
        run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)

    def paragraph(text: str, name: str = "仿宋", size: float = 12, *, bold: bool = False, align=None,
                  before: float = 0, after: float = 3, keep: bool = False):
        p = doc.add_paragraph()
        p.paragraph_format.space_before, p.paragraph_format.space_after = Pt(before), Pt(after)
        p.paragraph_format.keep_with_next = keep  # a heading stays with what follows it
        if align is not None:
            p.alignment = align
        font(p.add_run(clean(text)), name, size, bold)
        return p

    def shade(cell) -> None:
        shading = OxmlElement("w:shd")
        shading.set(qn("w:val"), "clear")
        shading.set(qn("w:fill"), "E7E6E6")
        cell._tc.get_or_add_tcPr().append(shading)

    def table(frame: pd.DataFrame) -> None:
        columns = list(frame.columns)
        grid = doc.add_table(rows=1, cols=len(columns))
        grid.style = "Table Grid"
        grid.alignment = WD_TABLE_ALIGNMENT.CENTER
        header = grid.rows[0]
        header._tr.get_or_add_trPr().append(_repeat_header(OxmlElement, qn))
        for cell, name in zip(header.cells, columns):
            shade(cell)
            font(cell.paragraphs[0].add_run(clean(name)), "黑体", 9)
        for values in frame.itertuples(index=False, name=None):
            for cell, value in zip(grid.add_row().cells, values):
                font(cell.paragraphs[0].add_run(clean(value)), "宋体", 9)
        fit(grid, column_widths(frame, width_cm))

    def fit(grid, widths: list[float]) -> None:
        grid.autofit = False
        for column, width in zip(grid.columns, widths):
            column.width = Cm(width)
        for row in grid.rows:
            for cell, width in zip(row.cells, widths):
                cell.width = Cm(width)

    paragraph(TITLE, "方正小标宋简体", 22, align=WD_ALIGN_PARAGRAPH.CENTER, after=6)
    for line in header_lines(handover):
        paragraph(line, "楷体", 11, after=2)
    paragraph("一、基本情况", "黑体", 14, before=6, keep=True)
    facts = handover.facts()
    grid = doc.add_table(rows=0, cols=4)
    grid.style = "Table Grid"
    for start in range(0, len(facts), 2):
        cells = grid.add_row().cells
        for offset, (label, value) in enumerate(facts[start:start + 2]):
            shade(cells[2 * offset])
            font(cells[2 * offset].paragraphs[0].add_run(label), "黑体", 10)
            font(cells[2 * offset + 1].paragraphs[0].add_run(clean(value)), "仿宋", 10.5)
    fit(grid, [3.2, width_cm / 2 - 3.2, 3.2, width_cm / 2 - 3.2])
    for number, section in enumerate(handover.sections(), start=2):
        paragraph(f"{cn_ordinal(number)}、{section.title}", "黑体", 14, before=8, keep=True)
        for line in section.lines:
            paragraph(line, "仿宋", 11, keep=section.frame is not None)
        if section.frame is not None:
            if section.frame.empty:
                paragraph(section.empty, "仿宋", 11)
            else:
                table(section.frame)
    paragraph("交接双方及派出单位确认", "黑体", 14, before=12, keep=True)
    signatures = signature_lines()
    for n, (label, when) in enumerate(signatures, start=1):
        paragraph(f"{label}：{BLANK}　　{when}：______年____月____日", "仿宋", 12, before=10,
                  keep=n < len(signatures))
    paragraph(f"本交接单由系统根据截至{day_text(handover.data_as_of) or '交接日'}导入的数据于"
              f"{handover.generated_at:%Y-%m-%d %H:%M}生成，交接双方核对后签字；引文见{NOTICE}。",
              "楷体", 9, before=10)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _repeat_header(element, qn):
    mark = element("w:tblHeader")
    mark.set(qn("w:val"), "true")
    return mark


def column_widths(frame: pd.DataFrame, total_cm: float) -> list[float]:
    """Each column's share of `total_cm` by its longest text (header or value), a long text capped."""
    weights = []
    for column in frame.columns:
        longest = max([min(display_width(clean(column)), HEADER_WRAP)]
                      + [display_width(clean(v)) for v in frame[column].head(200)])
        weights.append(min(max(longest, MIN_COLUMN), MAX_COLUMN))
    scale = total_cm / sum(weights)
    return [w * scale for w in weights]


# ------------------------------------------------------------------ Excel

def build_handover_xlsx(handover: Handover) -> bytes:
    """The sheet as a workbook of one printable sheet 交接单: the same sections, tables and signature lines."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.worksheet.properties import PageSetupProperties

    from core.spreadsheet import write_table

    thin = Side(style="thin", color="808080")
    header_style = {"font": Font(bold=True), "fill": PatternFill("solid", start_color="E7E6E6", end_color="E7E6E6"),
                    "border": Border(left=thin, right=thin, top=thin, bottom=thin),
                    "alignment": Alignment(horizontal="center", vertical="center", wrap_text=True)}
    WRAP = Alignment(wrap_text=True, vertical="top")
    workbook = Workbook()
    ws = workbook.active
    ws.title = "交接单"

    def text(row: int, value: str, *, bold: bool = False, size: float = 11, column: int = 1) -> None:
        cell = ws.cell(row, column, safe_cell(clean(value)))
        cell.font = Font(bold=bold, size=size)

    text(1, TITLE, bold=True, size=18)
    row = 2
    for line in header_lines(handover):
        text(row, line)
        row += 1
    row += 1
    text(row, "一、基本情况", bold=True, size=13)
    row += 1
    for label, value in handover.facts():
        text(row, label, bold=True)
        text(row, value, column=2)
        row += 1
    for number, section in enumerate(handover.sections(), start=2):
        row += 1
        text(row, f"{cn_ordinal(number)}、{section.title}", bold=True, size=13)
        row += 1
        for line in section.lines:
            text(row, line)
            row += 1
        if section.frame is not None:
            frame, formats = _typed(section.frame)
            first, last = write_table(ws, frame, row, formats=formats, header_style=header_style, empty=NONE,
                                      max_widths=dict.fromkeys(frame.columns, XLSX_MAX_WIDTH))
            for cells in ws.iter_rows(min_row=first, max_row=last, max_col=len(frame.columns)):
                for cell in cells:
                    cell.alignment = WRAP
            row = last + 1
    row += 1
    text(row, "交接双方及派出单位确认", bold=True, size=13)
    row += 1
    for label, when in signature_lines():
        row += 1
        text(row, f"{label}：{BLANK}　　{when}：______年____月____日")
        row += 1
    row += 1
    text(row, f"本交接单由系统根据截至{day_text(handover.data_as_of) or '交接日'}导入的数据于"
              f"{handover.generated_at:%Y-%m-%d %H:%M}生成，交接双方核对后签字。")
    for column in ("A", "B"):
        ws.column_dimensions[column].width = max(ws.column_dimensions[column].width or 0, 18)
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _typed(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """The table with its text and headers cleaned; dates and numbers stay typed, whole numbers with the format 0
    (no thousands separator)."""
    typed = frame.copy()
    formats = {}
    for column in typed.columns:
        values = typed[column]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            whole = values.dropna()
            formats[clean(column)] = "0" if (whole == whole.round()).all() else "0.##"
        elif not values.map(lambda v: isinstance(v, date)).any():
            typed[column] = values.map(lambda v: clean(v) if isinstance(v, str) else v)
    typed.columns = [clean(c) for c in typed.columns]
    return typed, formats


def write_handover(handover: Handover, out_dir: Path) -> list[Path]:
    """Write <stem>.docx and <stem>.xlsx into `out_dir` (created when missing), each through a temporary name."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for suffix, build in (("docx", build_handover_docx), ("xlsx", build_handover_xlsx)):
        path = out_dir / f"{handover.stem}.{suffix}"
        partial = path.with_name(f".{path.name}.partial")
        partial.write_bytes(build(handover))
        partial.replace(path)
        written.append(path)
    return written
