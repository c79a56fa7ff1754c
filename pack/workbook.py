"""The pack's workbook (.xlsx, openpyxl): every figure and every record behind it, ready to print.

Sheets: 说明, 指标总表, 数据更正 (only when the figures are those frozen at 定稿 and some changed since), one per
indicator (district table, native bar and trend charts), 短板清单, 重大隐患, one per watch list (`metrics.watch.WATCH_LISTS`, in their order), 驻点工作,
数据对账 (the paper's 数据对账情况 in 附件5: findings per check and district, 直通车 time limits, 一企一策 progress) and
对账明细 (every finding with its source row). Charts follow the dashboard's rules (pack/charts.py).
Each data sheet has its title in row 1, a note in row 2, the header in row 3
(frozen, filtered, repeated on every printed page) and A4 landscape print set-up
fitted to the page width. Printed, the summary sheets (说明, 指标总表 and one page per
indicator, its tables and charts, without gridlines) make a few pages; the long lists are
marked 附件 in the page header. Text that a spreadsheet would run as a formula is
neutralised before it is written (`core.spreadsheet.neutralise_formulas`).
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.label import DataLabel, DataLabelList
from openpyxl.chart.marker import DataPoint, Marker
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.drawing.line import LineProperties
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import PageSetupProperties

from metrics.api import WATCH_LISTS, watch_list
from metrics.findings import thresholds
from metrics.indicators import Indicator
from metrics.quality import drills_column
from metrics.reconcile import NO_SUPERVISOR
from metrics.watch import WatchList
from pack.charts import series_color
from pack.content import PackContent
from pack.draft import (RECONCILE_TITLE, RESTATEMENT_SHEET, escalation_frame, figures_basis, paper_title,
                        reconcile_notes)
from core.presentation import LEVEL_BACKGROUNDS, LEVEL_COLORS, RATE_AXIS, SMALL_N, date_text, is_small, n_text
from core import spreadsheet
from core.settings import setting
from core.spreadsheet import PERCENT, POINTS, neutralise_formulas
from core.text import display_width

TITLE_ROW, NOTE_ROW, HEADER_ROW = 1, 2, 3
FIRST_DATA_ROW = HEADER_ROW + 1
LINE_HEIGHT = 15
DETAIL_WIDTH = 80
CHART_WIDTH_CM, BAR_HEIGHT_CM, TREND_HEIGHT_CM = 17, 8.5, 9.5
BAR_ROWS = 19  # rows the bar chart covers at the default row height, before the trend chart starts
ABOUT_TEXT_WIDTH = 100  # characters of column B on the 说明 sheet (Chinese characters count two)

HEADER_FILL = PatternFill("solid", start_color="1F4E79", end_color="1F4E79")
HEADER_FONT = Font(bold=True, color="FFFFFF")
TITLE_FONT = Font(bold=True, size=14, color="1F4E79")
NOTE_FONT = Font(italic=True, color="555555")
SECTION_FONT = Font(bold=True, size=12, color="1F4E79")
THIN = Side(style="thin", color="BFBFBF")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
TOTAL_FONT = Font(bold=True)
ATTACHMENT_MARK = "附件："  # the page header of a long list when printed
CHART_COLUMNS = 10  # columns of default width a chart (CHART_WIDTH_CM) covers
CM_PER_ROW = 0.53  # a row of the default height

SHORTFALL_FIXED = ["区市", "企业名称", "统一社会信用代码", "来源文件", "工作表", "行号"]


# ------------------------------------------------------------------ cells and tables

HEADER_STYLE = {"fill": HEADER_FILL, "font": HEADER_FONT, "border": BORDER,
                "alignment": Alignment(horizontal="center", vertical="center", wrap_text=True)}


def write_table(ws, frame: pd.DataFrame, top: int, *, left: int = 1, formats: dict[str, str] | None = None,
                max_widths: dict[str, int] | None = None, empty: str = "无记录", bulk: bool = False) -> tuple[int, int]:
    """`core.spreadsheet.write_table` with the pack's header style; long text wraps, its row as tall as its lines.

    `bulk`: a long list with nothing in or below its rows, written as sheet XML when the workbook is saved.
    Returns (first data row, last data row).
    """
    first, last = spreadsheet.write_table(ws, frame, top, left=left, formats=formats, max_widths=max_widths,
                                          header_style=HEADER_STYLE, empty=empty, wrap=True, bulk=bulk)
    if last < first:
        ws.cell(first, left).font = NOTE_FONT
    return first, last


def _heading(ws, title: str, note: str = "") -> None:
    ws.cell(TITLE_ROW, 1, title).font = TITLE_FONT
    if note:
        ws.cell(NOTE_ROW, 1, note).font = NOTE_FONT


def _wrap_note(ws, last_column: int) -> None:
    """Row 2's note wrapped across the table's columns, so it does not widen the printed page."""
    text = ws.cell(NOTE_ROW, 1).value or ""
    width = sum(ws.column_dimensions[get_column_letter(c)].width or 8.43 for c in range(1, last_column + 1))
    ws.merge_cells(start_row=NOTE_ROW, start_column=1, end_row=NOTE_ROW, end_column=last_column)
    ws.cell(NOTE_ROW, 1).alignment = WRAP
    ws.row_dimensions[NOTE_ROW].height = 15 * max(1, math.ceil(display_width(text) * 1.1 / width))


def _print_setup(ws, *, header_row: int | None = HEADER_ROW, freeze: str | None = None, attachment: bool = True,
                 area: str | None = None, pages_tall: int = 0) -> None:
    """A4 landscape fitted to the page width (and to `pages_tall` pages when not 0), page numbers at the foot.

    A long list (`attachment`) prints its gridlines and says 附件 in the page header; a summary sheet prints
    `area` only, without gridlines (its tables carry their own borders, its charts none).
    """
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = pages_tall
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.6, bottom=0.6, header=0.3, footer=0.3)
    ws.print_options.horizontalCentered = True
    ws.print_options.gridLines = attachment  # a long list's cell borders on paper without styling every cell
    ws.oddHeader.left.text = f"{ATTACHMENT_MARK}&A" if attachment else "&A"
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    if area:
        ws.print_area = area
    if header_row:
        ws.print_title_rows = f"{header_row}:{header_row}"
        ws.freeze_panes = freeze or f"A{header_row + 1}"


def _borders(ws, first_row: int, last_row: int, first_col: int, last_col: int) -> None:
    """Thin borders on a small table (a sheet printed without gridlines)."""
    for row in ws.iter_rows(min_row=first_row, max_row=last_row, min_col=first_col, max_col=last_col):
        for cell in row:
            cell.border = BORDER


def _filter(ws, first_col: int, last_col: int, header_row: int, last_row: int) -> None:
    if last_row > header_row:
        ws.auto_filter.ref = f"{get_column_letter(first_col)}{header_row}:{get_column_letter(last_col)}{last_row}"


def _level_fill(ws, cells: str, level_cell: str) -> None:
    """Fill `cells` by the finding level in `level_cell` (a relative reference to the first row)."""
    for level in ("整改", "关注", "无数据"):
        colour = LEVEL_BACKGROUNDS[level].lstrip("#")
        fill = PatternFill("solid", start_color=colour, end_color=colour, bgColor=colour)
        font = Font(color=LEVEL_COLORS[level].lstrip("#"), bold=level != "无数据")
        ws.conditional_formatting.add(cells, FormulaRule(formula=[f'{level_cell}="{level}"'], fill=fill, font=font))


def _flag_fill(ws, cells: str, formula: str, level: str = "整改") -> None:
    colour = LEVEL_BACKGROUNDS[level].lstrip("#")
    fill = PatternFill("solid", start_color=colour, end_color=colour, bgColor=colour)
    ws.conditional_formatting.add(cells, FormulaRule(formula=[formula], fill=fill))


# ------------------------------------------------------------------ 说明

def _definition_lines(content: PackContent) -> list[tuple[str, str]]:
    return [(item.name, f"{item.definition} 分子：{item.numerator}；分母：{item.denominator}（{item.unit}）。"
                        f"依据：{item.basis}")
            for item in content.indicators]


def _source_lines(content: PackContent) -> list[tuple[str, str]]:
    """Loaded files per template: how many, rows loaded and quarantined, the latest load time."""
    live = content.batches[content.batches["状态"] == "有效"]
    if live.empty:
        return [("", "尚未导入任何文件。")]
    summary = live.groupby("模板", sort=False).agg(
        files=("文件名", "count"), loaded=("入库行数", "sum"), quarantined=("隔离行数", "sum"),
        latest=("导入时间", "max"), first=("导入时间", "min"))
    return [(template, f"{r.files} 个文件，入库 {r.loaded:,} 行，隔离 {r.quarantined:,} 行；"
                       f"导入时间 {r.first:%Y-%m-%d %H:%M} 至 {r.latest:%Y-%m-%d %H:%M}")
            for template, r in summary.iterrows()]


def _problem_lines(content: PackContent) -> list[tuple[str, str]]:
    lines = []
    missing = content.watch["missing_checklists"]
    lines.append(("未报检查表", f"{len(missing)} 家企业未报送{content.quarter.cn}的季度检查表（见“未报检查表”页），"
                              "检查表类指标只按已报送企业计算。"))
    coverage = content.coverage
    if len(coverage):
        no_staff = int((coverage["人员台账人数"] == 0).sum())
        no_drills = int((coverage[drills_column()] == 0).sum())
        no_logs = int((coverage["本季度日志天数"] == 0).sum())
        window = setting("indicators.window_months")
        lines.append(("缺报情况", f"没有人员台账的企业 {no_staff} 家；近{window}个月没有演练记录的企业 {no_drills} 家；"
                                f"本季度没有驻点工作日志的企业 {no_logs} 家。"))
    if content.quarantine.empty:
        lines.append(("隔离数据", "没有被隔离的数据行。"))
    else:
        total = int(content.quarantine["行数"].sum())
        lines.append(("隔离数据", f"因格式或取值问题被隔离、未计入任何指标的数据行共 {total} 行，需退回修改后重报："))
        lines += [(f"  {r['模板']}", f"{r['隔离原因']}（{r['行数']} 行）") for _, r in content.quarantine.iterrows()]
    if len(content.rejected):
        lines.append(("拒收文件", f"{len(content.rejected)} 个文件被整体拒收："))
        lines += [(f"  {r['文件名']}", str(r["拒收原因"])) for _, r in content.rejected.iterrows()]
    return lines


def _about_sheet(wb, content: PackContent) -> None:
    """A two-column text sheet: labels in A, wrapped text in B."""
    ws = wb.active
    ws.title = "说明"
    _heading(ws, f"{paper_title(content)}——数据工作簿")
    pass_rate, watch_rate = thresholds()
    blocks = [
        ("基本情况", [
            ("季度", f"{content.quarter.cn}（{content.quarter.label}，{date_text(content.quarter.start)}—"
                     f"{date_text(content.quarter.end)}）"),
            ("统计截至", date_text(content.as_of)),
            ("数据截至", f"{date_text(content.data_as_of)}（库中最新的日志、隐患、培训、演练日期）"),
            ("范围", content.scope_label),
            ("生成时间", content.generated_at.strftime("%Y-%m-%d %H:%M")),
            *([("指标数据", basis)] if (basis := figures_basis(content)) else []),
            ("数据性质", "系统生成的演示数据，不代表各区市实际情况" if content.is_demo else "各区市报送数据"),
            *([("工作日", content.calendar_note)] if content.calendar_note else []),
            ("评定规则", f"比率 ≥ {pass_rate:.0%} 为达标，≥ {watch_rate:.0%} 为关注，其余为整改；分母为 0 时为无数据"
                         "（不视为 100%）。区市比率为其企业分子之和除以分母之和，不是企业比率的平均。"),
        ]),
        ("数据来源（已导入的文件）", _source_lines(content)),
        ("已知数据问题", _problem_lines(content)),
        ("指标口径", _definition_lines(content)),
    ]
    rows = [(label, text) for _, lines in blocks for label, text in lines]
    rows = neutralise_formulas(pd.DataFrame(rows, columns=["label", "text"]))
    texts = iter(rows.itertuples(index=False))
    row = HEADER_ROW
    for title, lines in blocks:
        ws.cell(row, 1, title).font = SECTION_FONT
        row += 1
        for _ in lines:
            label, text = next(texts)
            ws.cell(row, 1, label).font = Font(bold=True)
            cell = ws.cell(row, 2, text)
            cell.alignment = WRAP
            ws.cell(row, 1).alignment = Alignment(vertical="top")
            ws.row_dimensions[row].height = 15 * max(1, math.ceil(display_width(text) / ABOUT_TEXT_WIDTH))
            row += 1
        row += 1
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = ABOUT_TEXT_WIDTH + 2
    _print_setup(ws, header_row=None, attachment=False, area=f"A1:B{row}")
    ws.page_setup.orientation = "portrait"


# ------------------------------------------------------------------ 指标总表

def _summary_frame(content: PackContent) -> pd.DataFrame:
    figures = content.figures
    order = {i.code: n for n, i in enumerate(content.indicators)}
    by_code = {i.code: i for i in content.indicators}
    frame = figures.assign(
        order=figures["indicator"].map(order), grain_order=(figures["grain"] == "district").astype(int),
        district_order=figures["group"].map({d: n for n, d in enumerate(content.districts)}).fillna(-1),
    ).sort_values(["order", "grain_order", "district_order"])
    return pd.DataFrame({
        "指标": frame["indicator_name"],
        "范围": frame["group"].where(frame["grain"] == "district", content.total_label),
        "分子": frame["numerator"].astype("int64"),
        "分母": frame["denominator"].astype("int64"),
        "单位": frame["indicator"].map(lambda c: by_code[c].unit),
        "比率": frame["rate"],
        "较上季度（百分点）": frame["change"] * 100,
        "评定": frame["level"],
        "分子口径": frame["indicator"].map(lambda c: by_code[c].numerator),
        "分母口径": frame["indicator"].map(lambda c: by_code[c].denominator),
    }).reset_index(drop=True)


def _summary_sheet(wb, content: PackContent) -> None:
    ws = wb.create_sheet("指标总表")
    _heading(ws, f"指标总表（{content.quarter.cn}，统计截至{date_text(content.as_of)}，{content.scope_label}）",
             "各项指标目标值均为100%；比率为空表示分母为0（无数据）；较上季度为与上季度末比率之差（百分点）。")
    frame = _summary_frame(content)
    first, last = write_table(ws, frame, HEADER_ROW, formats={"比率": PERCENT, "较上季度（百分点）": POINTS})
    total_rows = frame.index[frame["范围"] == content.total_label] + first
    for r in total_rows:
        for c in range(1, len(frame.columns) + 1):
            ws.cell(r, c).font = TOTAL_FONT
    _level_fill(ws, f"F{first}:H{last}", f"$H{first}")
    _filter(ws, 1, len(frame.columns), HEADER_ROW, last)
    # Printed without the two definition columns (they are on 说明): the figures on a few portrait pages.
    printed = list(frame.columns).index("评定") + 1
    _borders(ws, HEADER_ROW, last, 1, printed)
    _print_setup(ws, freeze=f"C{FIRST_DATA_ROW}", attachment=False,
                 area=f"A{TITLE_ROW}:{get_column_letter(printed)}{last}")
    ws.page_setup.orientation = "portrait"


def restatement_frame(content: PackContent) -> pd.DataFrame:
    """The figures that changed since 定稿, as frozen and as computed now, in the order of 指标总表."""
    rows = content.restatements
    order = {i.code: n for n, i in enumerate(content.indicators)}
    rows = rows.assign(order=rows["indicator"].map(order), grain_order=(rows["grain"] == "district").astype(int),
                       district_order=rows["group"].map({d: n for n, d in enumerate(content.districts)}).fillna(-1),
                       ).sort_values(["order", "grain_order", "district_order"], kind="stable")
    return pd.DataFrame({
        "指标": rows["indicator_name"],
        "范围": rows["group"].where(rows["grain"] == "district", content.total_label),
        "定稿时": rows["rate_reported"].astype(float),
        "现在": rows["rate_now"].astype(float),
        "定稿时分子": rows["numerator"].astype("int64"),
        "定稿时分母": rows["denominator"].astype("int64"),
        "现在分子": rows["numerator_now"].astype("int64"),
        "现在分母": rows["denominator_now"].astype("int64"),
    }).reset_index(drop=True)


def _restatement_sheet(wb, content: PackContent) -> None:
    """数据更正, only when the figures shown were frozen at 定稿 and some have changed since."""
    if content.frozen_at is None or content.restatements is None or content.restatements.empty:
        return
    frame = restatement_frame(content)
    ws = wb.create_sheet(RESTATEMENT_SHEET)
    _heading(ws, f"数据更正：定稿后有变动的指标数据（{content.quarter.cn}，{content.scope_label}）　共 {len(frame)} 项",
             f"会商材料的指标数据为{date_text(content.frozen_at)}定稿时冻结的数据；下表列出此后按当前数据计算分子或分母"
             "有变动的比率。比率为空表示分母为0（无数据）。")
    first, last = write_table(ws, frame, HEADER_ROW, formats={"定稿时": PERCENT, "现在": PERCENT})
    _borders(ws, HEADER_ROW, last, 1, len(frame.columns))
    _wrap_note(ws, len(frame.columns))
    _print_setup(ws, attachment=False, area=f"A{TITLE_ROW}:{get_column_letter(len(frame.columns))}{last}")


# ------------------------------------------------------------------ one sheet per indicator

def _indicator_frame(content: PackContent, item: Indicator) -> pd.DataFrame:
    rows = pd.concat([content.city_row(item.code).to_frame().T, content.district_rows(item.code)], ignore_index=True)
    counts = content.shortfall_counts
    counts = counts[counts["indicator"] == item.code].set_index("区市")["记录数"]
    records = rows["group"].map(counts).fillna(0).astype(int)
    records.iloc[0] = int(counts.sum())
    return pd.DataFrame({
        "区市": [content.total_label, *rows["group"].iloc[1:]],
        f"分子（{item.unit}）": rows["numerator"].astype("int64"),
        f"分母（{item.unit}）": rows["denominator"].astype("int64"),
        "比率": rows["rate"].astype(float),
        "目标": item.target,
        "较上季度（百分点）": rows["change"].astype(float) * 100,
        "评定": rows["level"],
        "短板记录数": records,
    })


def _trend_pivot(content: PackContent, item: Indicator, values: str) -> pd.DataFrame:
    """`values` of the last quarters, a row per quarter and a column per series (the total, then each district)."""
    history = content.history_of(item.code)
    history = history.assign(column=history["group"].where(history["grain"] == "district", content.total_label))
    table = history.pivot(index="quarter", columns="column", values=values)
    return table.reindex(index=[q.label for q in content.history_quarters],
                         columns=[content.total_label, *content.districts])


def _trend_frame(content: PackContent, item: Indicator) -> pd.DataFrame:
    table = _trend_pivot(content, item, "rate")
    table.insert(len(table.columns), "目标", item.target)
    return table.rename_axis(None, axis=1).reset_index(names="季度")


def _percent_axes(chart) -> None:
    """The one axis rule for rates (core.presentation.RATE_AXIS): 0–100%, gridlines every 20 points."""
    chart.y_axis.scaling.min = RATE_AXIS[0] / 100
    chart.y_axis.scaling.max = RATE_AXIS[1] / 100
    chart.y_axis.majorUnit = 0.2
    chart.y_axis.number_format = "0%"
    chart.y_axis.title = "比率"
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.legend.position = "b"


def _bar_chart(ws, item: Indicator, frame: pd.DataFrame, first: int, last: int):
    chart = BarChart()
    chart.type = "col"
    chart.title = f"{item.name}：各区市"
    chart.width, chart.height = CHART_WIDTH_CM, BAR_HEIGHT_CM
    categories = Reference(ws, min_col=1, min_row=first, max_row=last)
    chart.add_data(Reference(ws, min_col=4, min_row=HEADER_ROW, max_row=last), titles_from_data=True)
    chart.set_categories(categories)
    bars = chart.series[0]
    for index, level in enumerate(frame["评定"]):
        point = DataPoint(idx=index)
        point.graphicalProperties.solidFill = LEVEL_COLORS.get(level, LEVEL_COLORS["无数据"]).lstrip("#")
        bars.dPt.append(point)
    bars.dLbls = DataLabelList(dLbl=_small_n_labels(frame[f"分母（{item.unit}）"]))
    bars.dLbls.showVal = True
    bars.dLbls.numFmt = PERCENT
    for flag in ("showSerName", "showCatName", "showLegendKey", "showPercent"):
        setattr(bars.dLbls, flag, False)
    target = LineChart()
    target.add_data(Reference(ws, min_col=5, min_row=HEADER_ROW, max_row=last), titles_from_data=True)
    target.set_categories(categories)
    line = target.series[0]
    line.smooth = False
    line.marker.symbol = "none"
    line.graphicalProperties.line.solidFill = "C62828"
    line.graphicalProperties.line.dashStyle = "dash"
    line.graphicalProperties.line.width = 19050
    chart += target
    _percent_axes(chart)
    chart.display_blanks = "gap"
    return chart


def _small_n_labels(denominators: pd.Series, *, rate_shown: bool = True) -> list[DataLabel]:
    """Per-point labels for the points whose denominator is below SMALL_N: the rate with its n
    (0.0%"（n=3）"), or only the n where the series prints no values."""
    labels = []
    for index, n in enumerate(denominators):
        if is_small(n):
            code = f'{PERCENT}"（{n_text(n)}）"' if rate_shown else f'"{n_text(n)}"'
            labels.append(DataLabel(idx=index, numFmt=code, dLblPos=None if rate_shown else "t", showVal=True,
                                    showSerName=False, showCatName=False, showLegendKey=False, showPercent=False))
    return labels


def _trend_chart(ws, content: PackContent, item: Indicator, trend: pd.DataFrame, header: int, last: int,
                 counts: pd.DataFrame):
    """The total black and dashed, each district in its fixed colour; a point on fewer than SMALL_N items a hollow
    marker labelled with its n."""
    chart = LineChart()
    chart.title = f"{item.name}：近{len(trend)}个季度走势"
    chart.width, chart.height = CHART_WIDTH_CM, TREND_HEIGHT_CM
    chart.add_data(Reference(ws, min_col=2, max_col=len(trend.columns), min_row=header, max_row=last),
                   titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=header + 1, max_row=last))
    names = list(trend.columns[1:])
    for index, (name, series) in enumerate(zip(names, chart.series)):
        series.smooth = False
        is_target = name == "目标"
        colour = ("C62828" if is_target else series_color(content, name)).lstrip("#")
        series.graphicalProperties.line.solidFill = colour
        series.graphicalProperties.line.width = 28575 if index == 0 else 15875
        if index == 0 or is_target:
            series.graphicalProperties.line.dashStyle = "dash"
        series.marker.symbol = "none" if is_target else "circle"
        series.marker.size = 5
        series.marker.graphicalProperties.solidFill = colour
        series.marker.graphicalProperties.line.solidFill = colour
        if not is_target and name in counts.columns:
            small = [i for i, n in enumerate(counts[name]) if is_small(n)]
            for i in small:
                hollow = GraphicalProperties(solidFill="FFFFFF", ln=LineProperties(solidFill=colour))
                series.dPt.append(DataPoint(idx=i, marker=Marker(symbol="circle", size=8, spPr=hollow)))
            if small:
                series.dLbls = DataLabelList(dLbl=_small_n_labels(counts[name], rate_shown=False))
                for flag in ("showVal", "showSerName", "showCatName", "showLegendKey", "showPercent"):
                    setattr(series.dLbls, flag, False)
    _percent_axes(chart)
    chart.display_blanks = "gap"
    return chart


def _indicator_sheet(wb, content: PackContent, item: Indicator) -> None:
    ws = wb.create_sheet(item.name[:31])
    _heading(ws, f"{item.name}（{content.quarter.cn}，统计截至{date_text(content.as_of)}）",
             f"口径：{item.definition} 分子：{item.numerator}；分母：{item.denominator}；目标值{item.target:.0%}。")
    frame = _indicator_frame(content, item)
    first, last = write_table(ws, frame, HEADER_ROW, formats={"比率": PERCENT, "目标": PERCENT,
                                                             "较上季度（百分点）": POINTS})
    for c in range(1, len(frame.columns) + 1):
        ws.cell(first, c).font = TOTAL_FONT
    _level_fill(ws, f"D{first}:D{last}", f"$G{first}")
    _level_fill(ws, f"G{first}:G{last}", f"$G{first}")
    trend = _trend_frame(content, item)
    title_row = last + 3
    ws.cell(title_row, 1, f"近{len(trend)}个季度走势（各季度末比率；图中分母少于{SMALL_N}的点标出 n）").font = \
        SECTION_FONT
    trend_first, trend_last = write_table(ws, trend, title_row + 1,
                                          formats={c: PERCENT for c in trend.columns if c != "季度"})
    anchor_column = get_column_letter(max(len(frame.columns), len(trend.columns)) + 2)
    ws.add_chart(_bar_chart(ws, item, frame, first, last), f"{anchor_column}{HEADER_ROW}")
    ws.add_chart(_trend_chart(ws, content, item, trend, trend_first - 1, trend_last,
                              _trend_pivot(content, item, "denominator").reset_index(drop=True)),
                 f"{anchor_column}{HEADER_ROW + BAR_ROWS}")
    table_columns = max(len(frame.columns), len(trend.columns))
    _wrap_note(ws, table_columns)
    _borders(ws, HEADER_ROW, last, 1, len(frame.columns))
    _borders(ws, trend_first - 1, trend_last, 1, len(trend.columns))
    # The tables and both charts on one page, no gridlines around the charts.
    chart_bottom = HEADER_ROW + BAR_ROWS + math.ceil(TREND_HEIGHT_CM / CM_PER_ROW)
    right = get_column_letter(table_columns + 1 + CHART_COLUMNS)
    _print_setup(ws, attachment=False, area=f"A{TITLE_ROW}:{right}{max(chart_bottom, trend_last)}", pages_tall=1)


# ------------------------------------------------------------------ lists

def _details(records: pd.DataFrame) -> pd.Series:
    """The record's own columns as one text: 人员编号：A03；姓名：甲三；…"""
    detail_columns = [c for c in records.columns if c not in SHORTFALL_FIXED]
    parts = []
    for column in detail_columns:
        values = records[column]
        if pd.api.types.is_datetime64_any_dtype(values):
            text = values.dt.strftime("%Y-%m-%d")
        elif not pd.api.types.is_object_dtype(values):  # no date objects in it
            text = values.astype("string")
        else:
            text = values.map(lambda v: v.isoformat() if isinstance(v, date) else v).astype("string")
        parts.append((column + "：" + text).fillna(""))
    if not parts:
        return pd.Series("", index=records.index)
    joined = parts[0]
    for part in parts[1:]:
        joined = joined.str.cat(part, sep="；")
    return joined.str.replace(r"(；)+", "；", regex=True).str.strip("；")


def shortfall_frame(content: PackContent) -> pd.DataFrame:
    """Every shortfall record of every indicator, in one table."""
    frames = []
    for item in content.indicators:
        records = content.shortfalls[item.code]
        if records.empty:
            continue
        frames.append(pd.DataFrame({
            "指标": item.name,
            "短板类型": item.shortfall_title,
            "区市": records["区市"],
            "企业名称": records["企业名称"],
            "统一社会信用代码": records["统一社会信用代码"],
            "明细": _details(records),
            "来源文件": records["来源文件"],
            "工作表": records["工作表"],
            "行号": records["行号"],
        }))
    columns = ["指标", "短板类型", "区市", "企业名称", "统一社会信用代码", "明细", "来源文件", "工作表", "行号"]
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    frame.insert(0, "序号", range(1, len(frame) + 1))
    return frame


def _list_sheet(wb, name: str, title: str, frame: pd.DataFrame, content: PackContent, *, note: str = "",
                empty: str = "无记录", max_widths: dict[str, int] | None = None, bulk: bool = True) -> tuple:
    """A list on its own sheet; `bulk` unless something is written beside or below it."""
    ws = wb.create_sheet(name)
    _heading(ws, f"{title}（{content.quarter.cn}，统计截至{date_text(content.as_of)}，{content.scope_label}）"
                 f"　共 {len(frame)} 条", note)
    first, last = write_table(ws, frame, HEADER_ROW, empty=empty, max_widths=max_widths, bulk=bulk)
    _filter(ws, 1, len(frame.columns), HEADER_ROW, last)
    _print_setup(ws)
    return ws, first, last


def _column_letter(frame: pd.DataFrame, column: str) -> str:
    return get_column_letter(list(frame.columns).index(column) + 1)


def _lists(wb, content: PackContent) -> None:
    shortfalls = shortfall_frame(content)
    _list_sheet(wb, "短板清单", "短板清单：每项指标未达标背后的人员、隐患、企业和日期", shortfalls, content,
                note="每行一条未达标记录；来源文件、工作表、行号指向各区市报送文件中的原始行。",
                max_widths={"明细": DETAIL_WIDTH})
    majors = content.major_hazards
    ws, first, last = _list_sheet(wb, "重大隐患", f"{content.quarter.cn}发现的重大隐患", majors, content,
                                  note="上报状态为“未上报”的行以红色标出；以前季度发现、至今未上报的见"
                                       f"“{watch_list('unreported_major_hazards').sheet}”工作表。")
    if len(majors):
        _flag_fill(ws, f"A{first}:{get_column_letter(len(majors.columns))}{last}",
                   f'${_column_letter(majors, "上报状态")}{first}="未上报"')
    for item in WATCH_LISTS:
        _watch_sheet(wb, content, item)
    _supervision_sheet(wb, content)


@dataclass(frozen=True)
class WatchFlag:
    """Rows of a watch-list sheet to colour: a formula over the first data row's cells, and what it means."""
    formula: Callable[[pd.DataFrame, int], str]
    note: str
    level: str = "整改"


WATCH_FLAGS = {
    "overdue_hazards": WatchFlag(
        lambda frame, row: f'OR(${_column_letter(frame, "超期天数")}{row}>=30,'
                           f'${_column_letter(frame, "隐患等级")}{row}="重大隐患")',
        "超期30天以上或重大隐患以红色标出。"),
    "expiring_certificates": WatchFlag(
        lambda frame, row: f'${_column_letter(frame, "剩余天数")}{row}<30', "剩余天数不足30天的行以橙色标出。",
        level="关注"),
}


def _watch_sheet(wb, content: PackContent, item: WatchList) -> None:
    """One watch list on its own sheet, its help and basis as the note."""
    frame = content.watch[item.code]
    flag = WATCH_FLAGS.get(item.code)
    note = f"{item.help}{flag.note if flag else ''}依据：{item.basis}"
    ws, first, last = _list_sheet(wb, item.sheet, item.title, frame, content, note=note)
    _wrap_note(ws, max(len(frame.columns), 1))
    if flag and len(frame):
        _flag_fill(ws, f"A{first}:{get_column_letter(len(frame.columns))}{last}", flag.formula(frame, first),
                   level=flag.level)


def _supervision_sheet(wb, content: PackContent) -> None:
    logs = content.log_fill
    ws, first, last = _list_sheet(wb, "驻点工作", "驻点监督人员工作日志填报情况", logs, content,
                                  note="应填报日：季度内、进驻日期及以后、不晚于统计截至日期的周一至周五；填报率低于100%的行以红色标出。",
                                  empty="名册中没有驻点监督人员。", bulk=False)
    if len(logs):
        rate = _column_letter(logs, "填报率（%）")
        _flag_fill(ws, f"A{first}:{get_column_letter(len(logs.columns))}{last}",
                   f"AND(ISNUMBER(${rate}{first}),${rate}{first}<100)")
    # Beside the log table, so the header row repeated on every printed page fits both tables.
    left = len(logs.columns) + 2
    ws.cell(NOTE_ROW, left, "特殊作业现场监督情况（按区市和作业类型）").font = SECTION_FONT
    write_table(ws, content.special_ops, HEADER_ROW, left=left, empty="本季度日志中没有特殊作业记录。")


# ------------------------------------------------------------------ 数据对账

RECONCILE_SHEET, RECONCILE_ROWS_SHEET = "数据对账", "对账明细"


def reconcile_frame(content: PackContent) -> pd.DataFrame:
    """Each check: its findings for the total and each district, the enterprises, what it compares, its basis."""
    summary = content.reconcile_summary
    counts = content.reconcile_counts.set_index("区市")
    frame = pd.DataFrame({"检查项": summary["检查项"], "性质": summary["性质"],
                          content.total_label: summary["发现条数"].astype("int64")})
    for district in content.districts:
        frame[district] = counts.loc[district, list(summary["检查项"])].astype("int64").to_numpy()
    return frame.assign(涉及企业=summary["涉及企业"].astype("int64"), 比对内容=summary["比对内容"],
                        依据=summary["依据"])


def _section(ws, row: int, title: str) -> int:
    """A section title at `row`; returns the row of the table's header below it."""
    ws.cell(row, 1, title).font = SECTION_FONT
    return row + 1


def _reconcile_sheet(wb, content: PackContent) -> None:
    """数据对账: findings per check and district, the 直通车 time limits and 一企一策 progress (数据对账情况 in the paper's 附件5)."""
    ws = wb.create_sheet(RECONCILE_SHEET)
    _heading(ws, f"{RECONCILE_TITLE}（{content.quarter.cn}，统计截至{date_text(content.as_of)}，{content.scope_label}）",
             reconcile_notes(content)[0])
    checks = reconcile_frame(content)
    first, last = write_table(ws, checks, HEADER_ROW, max_widths={"比对内容": DETAIL_WIDTH // 2,
                                                                "依据": DETAIL_WIDTH // 2})
    _borders(ws, HEADER_ROW, last, 1, len(checks.columns))
    header = _section(ws, last + 2, f"重大隐患和移交事项办理时限（直通车，{content.quarter.cn}，单位：项）")
    escalation = escalation_frame(content)
    _, escalation_last = write_table(ws, escalation, header)
    _borders(ws, header, escalation_last, 1, len(escalation.columns))
    header = _section(ws, escalation_last + 2, f"一企一策智能化改造进展（截至{date_text(content.as_of)}）")
    _, retrofit_last = write_table(ws, content.retrofit, header, formats={"计划投资（万元）": "0.00"})
    _borders(ws, header, retrofit_last, 1, len(content.retrofit.columns))
    totals = [(retrofit_last, len(content.retrofit.columns))]  # the total rows come last
    if escalation["区市"].iloc[-1] == content.total_label:
        totals.append((escalation_last, len(escalation.columns)))
    for row, width in totals:
        for c in range(1, width + 1):
            ws.cell(row, c).font = TOTAL_FONT
    _wrap_note(ws, len(checks.columns))
    _print_setup(ws, attachment=False, area=f"A{TITLE_ROW}:{get_column_letter(len(checks.columns))}{retrofit_last}")


def _reconcile_rows_sheet(wb, content: PackContent) -> None:
    rows = content.reconcile_rows.drop(columns="检查代码")
    _list_sheet(wb, RECONCILE_ROWS_SHEET, "对账明细：每条需更正或核实的记录", rows, content,
                note=f"说明列写明哪里不一致、如何处理；来源文件、工作表、行号指向要打开核对的那一行。驻点人员为该记录发生时"
                     f"驻在该企业的人员，企业无驻点人员的记为“{NO_SUPERVISOR}”。",
                empty="本季度对账检查没有发现需要更正或核实的记录。", max_widths={"说明": DETAIL_WIDTH})


# ------------------------------------------------------------------ entry point

def build_workbook(content: PackContent) -> bytes:
    """The pack's .xlsx as bytes."""
    wb = Workbook()
    _about_sheet(wb, content)
    _summary_sheet(wb, content)
    _restatement_sheet(wb, content)
    for item in content.indicators:
        _indicator_sheet(wb, content, item)
    _lists(wb, content)
    _reconcile_sheet(wb, content)
    _reconcile_rows_sheet(wb, content)
    return spreadsheet.workbook_bytes(wb)


# Besides one sheet per indicator, after 指标总表.
SHEET_NAMES = ("说明", "指标总表", "短板清单", "重大隐患", *(w.sheet for w in WATCH_LISTS), "驻点工作",
               RECONCILE_SHEET, RECONCILE_ROWS_SHEET)
