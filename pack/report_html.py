"""The printable report (.html, one self-contained file): the paper's text and tables, interactive charts,
the watch lists and the notes, laid out as A4 pages so printing from any browser gives a clean PDF.

plotly.js is inlined once in the head; every chart is a div drawn by it. Nothing is
fetched from the network.
"""
from __future__ import annotations

import html
from datetime import date, datetime

import pandas as pd
import plotly.io as pio
from plotly.offline import get_plotlyjs

from metrics.api import WATCH_LISTS
from pack.charts import HEIGHT, WIDTH, PackChart, pack_charts
from pack.content import PackContent
from pack.draft import OPENING, SUBHEADING, BriefTable, appendices, draft_sections, paper_subtitle, paper_title, \
    section_titles, signing_office, split_subheading
from core.presentation import FONT_FAMILY, LEVEL_BACKGROUNDS, LEVEL_COLORS, PRIMARY, date_text, is_missing, rate_text, \
    signed_points

# Columns left out of the printed lists (they are in the workbook): they do not fit an A4 page.
PRINT_HIDDEN = ("统一社会信用代码", "来源文件", "工作表", "行号")
CHART_CONFIG = {"displaylogo": False, "responsive": False,
                "modeBarButtonsToRemove": ["zoom2d", "pan2d", "select2d", "lasso2d", "autoScale2d", "resetScale2d"]}

CSS = f"""
@page {{ size: A4; margin: 14mm 15mm 16mm 15mm; }}
@page wide {{ size: A4 landscape; margin: 12mm 12mm 14mm 12mm; }}
* {{ box-sizing: border-box; }}
body {{ font-family: {FONT_FAMILY}; color: #222; margin: 0; font-size: 11pt; line-height: 1.7; }}
.paper {{ width: 180mm; margin: 0 auto; }}
h1 {{ font-size: 19pt; text-align: center; color: #111; margin: 0 0 4px; line-height: 1.4; font-weight: 700; }}
.subtitle {{ text-align: center; color: #555; margin: 0 0 6px; }}
.demo {{ text-align: center; color: #C62828; font-weight: 600; }}
h2 {{ font-size: 14pt; color: {PRIMARY}; border-bottom: 2px solid {PRIMARY}; padding-bottom: 2px; margin: 18px 0 8px; }}
h3 {{ font-size: 12pt; color: #333; margin: 14px 0 4px; }}
p {{ margin: 0 0 6px; text-indent: 2em; text-align: justify; }}
p.sub {{ text-indent: 2em; font-weight: 700; }}
span.lead {{ font-weight: 700; }}
p.note {{ text-indent: 0; color: #555; font-size: 9.5pt; }}
table {{ border-collapse: collapse; width: 100%; margin: 4px 0 12px; font-size: 9pt; line-height: 1.35; }}
table.list {{ font-size: 8pt; }}
caption {{ font-weight: 700; padding: 4px 0; color: #333; caption-side: top; }}
th {{ background: {PRIMARY}; color: #fff; font-weight: 600; padding: 3px 4px; border: 1px solid #9DB0C8; }}
td {{ padding: 2px 4px; border: 1px solid #C9D1DB; text-align: center; }}
td.text {{ text-align: left; }}
td.nowrap {{ white-space: nowrap; }}
tr.total td {{ font-weight: 700; }}
thead {{ display: table-header-group; }}
tr {{ break-inside: avoid; }}
.chart {{ width: {WIDTH}px; margin: 4px auto 10px; break-inside: avoid; }}
.indicator {{ break-before: page; }}
table.keep {{ break-inside: avoid; }}
.page-break {{ break-before: page; }}
.toc {{ text-indent: 0; color: #555; font-size: 10pt; }}
.sign {{ text-align: right; text-indent: 0; margin-top: 18px; }}
.attachments {{ text-indent: 0; margin: 14px 0 0 2em; }}
h3.appendix {{ margin-top: 18px; }}
h3.appendix.first {{ break-before: page; }}
h4.appendix-section {{ font-size: 11.5pt; color: #333; margin: 12px 0 4px; }}
@media screen {{
  body {{ background: #E9EDF2; }}
  .paper {{ width: 210mm; padding: 14mm 15mm; margin: 16px auto; background: #fff;
            box-shadow: 0 1px 6px rgba(0,0,0,.18); }}
}}
@media print {{
  .paper {{ width: auto; }}
  .wide {{ page: wide; }}
  .screen-only, .modebar-container {{ display: none !important; }}
  a {{ color: inherit; text-decoration: none; }}
}}
"""


def _escape(value) -> str:
    if is_missing(value):
        return ""
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M") if value.time() != datetime.min.time() else value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return html.escape(str(value))


def _is_date_column(values: pd.Series) -> bool:
    sample = values.dropna().head(20)
    return pd.api.types.is_datetime64_any_dtype(values) or (
        len(sample) > 0 and all(isinstance(v, date) for v in sample))


def _table(frame: pd.DataFrame, *, caption: str = "", levels: pd.DataFrame | None = None, css: str = "",
           total_label: str | None = None, text_columns: tuple[str, ...] = ()) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    dated = {c for c in frame.columns if _is_date_column(frame[c])}
    kinds = [' class="text"' if column in text_columns else ' class="nowrap"' if column in dated else ""
             for column in frame.columns]
    level_rows = [None] * len(frame) if levels is None else levels.itertuples(index=False, name=None)
    rows = []
    for values, row_levels in zip(frame.itertuples(index=False, name=None), level_rows, strict=True):
        cells = []
        for c, value in enumerate(values):
            style = ""
            level = None if row_levels is None else row_levels[c]
            if level in LEVEL_BACKGROUNDS and level != "达标":
                style = f' style="background:{LEVEL_BACKGROUNDS[level]};color:{LEVEL_COLORS[level]}"'
            cells.append(f"<td{kinds[c]}{style}>{_escape(value)}</td>")
        total = ' class="total"' if total_label is not None and values[0] == total_label else ""
        rows.append(f"<tr{total}>{''.join(cells)}</tr>")
    body = "".join(rows) or f'<tr><td colspan="{len(frame.columns)}">无记录</td></tr>'
    caption_html = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f'<table class="{css}">{caption_html}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _brief_table(table: BriefTable, total_label: str) -> str:
    return _table(table.frame, caption=table.caption, levels=table.levels, total_label=total_label)


def _chart(fig) -> str:
    div = pio.to_html(fig, full_html=False, include_plotlyjs=False, config=CHART_CONFIG, validate=False,
                      default_width=f"{WIDTH}px", default_height=f"{HEIGHT}px")
    return f'<div class="chart">{div}</div>'


def _paragraphs(text: str) -> str:
    parts = []
    for line in (part.strip() for part in text.splitlines()):
        if not line:
            continue
        heading, rest = split_subheading(line) if SUBHEADING.match(line) else ("", line)
        if heading and not rest:
            parts.append(f'<p class="sub">{html.escape(heading)}</p>')
        else:
            lead = f'<span class="lead">{html.escape(heading)}</span>' if heading else ""
            parts.append(f"<p>{lead}{html.escape(rest)}</p>")
    return "".join(parts)


def _paper(content: PackContent, texts: dict[str, str], attached: list) -> str:
    """The paper as the Word document has it: opening, sections, 附件 list, signature, then the appendices."""
    parts = [_paragraphs(texts.get(OPENING, ""))]
    for key, title in section_titles(content).items():
        parts.append(f'<h2 id="{key}">{html.escape(title)}</h2>')
        parts.append(_paragraphs(texts.get(key, "")))
    parts.append('<p class="attachments">附件：' + "<br>".join(
        f"{n}. {html.escape(appendix.title)}" for n, appendix in enumerate(attached, start=1)) + "</p>")
    parts.append(f'<p class="sign">{html.escape(signing_office(content))}<br>{date_text(content.meeting_date)}</p>')
    for n, appendix in enumerate(attached, start=1):
        first = " first" if n == 1 else ""
        parts.append(f'<h3 class="appendix{first}">附件{n}　{html.escape(appendix.title)}</h3>')
        if appendix.table is not None:
            parts.append(_brief_table(appendix.table, content.total_label))
        parts += [f"<p>{html.escape(line)}</p>" for line in appendix.lines]
        for section in appendix.sections:
            parts.append(f'<h4 class="appendix-section">{html.escape(section.title)}</h4>')
            parts += [_brief_table(table, content.total_label) for table in section.tables]
            parts += [f"<p>{html.escape(line)}</p>" for line in section.lines]
    return "".join(parts)


def _indicator_block(content: PackContent, item, charts: dict) -> str:
    rows = pd.concat([content.city_row(item.code).to_frame().T, content.district_rows(item.code)], ignore_index=True)
    counts = content.shortfall_counts
    counts = counts[counts["indicator"] == item.code].set_index("区市")["记录数"]
    records = rows["group"].map(counts).fillna(0).astype(int)
    records.iloc[0] = int(counts.sum())
    labels = [content.total_label, *rows["group"].iloc[1:]]
    frame = pd.DataFrame({
        "区市": labels,
        f"{item.numerator}（{item.unit}）": rows["numerator"].astype(int),
        f"{item.denominator}（{item.unit}）": rows["denominator"].astype(int),
        "比率": rows["rate"].map(rate_text),
        "较上季度（百分点）": rows["change"].map(signed_points),
        "评定": rows["level"],
        "短板记录": records,
    })
    levels = pd.DataFrame(None, index=frame.index, columns=frame.columns)
    levels["比率"] = levels["评定"] = rows["level"].to_numpy()
    return (f'<section class="indicator"><h3>{html.escape(item.name)}</h3>'
            f'<p class="note">{html.escape(item.definition)} 分子：{html.escape(item.numerator)}；'
            f'分母：{html.escape(item.denominator)}；目标值 {item.target:.0%}。</p>'
            f"{_chart(charts[('bars', item.code)])}"
            f"{_table(frame, levels=levels, total_label=content.total_label, css='keep')}"
            f"{_chart(charts[('trend', item.code)])}</section>")


def _charts_part(content: PackContent, charts: list[PackChart]) -> str:
    figures = {(chart.kind, chart.code): chart.figure for chart in charts}
    parts = ['<h2 id="charts" class="page-break">附：各项指标图表</h2>', _chart(figures[("overview", None)])]
    parts += [_indicator_block(content, item, figures) for item in content.indicators]
    return "".join(parts)


def _printable(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=[c for c in PRINT_HIDDEN if c in frame.columns])


def _lists_part(content: PackContent) -> str:
    when = date_text(content.as_of)
    parts = ['<section class="wide"><h2 id="lists" class="page-break">附：需要关注的清单</h2>',
             '<p class="note">统一社会信用代码和来源文件、行号见数据工作簿的同名工作表。</p>']
    for item in WATCH_LISTS:
        frame = content.watch[item.code]
        parts.append(f"<h3>{html.escape(item.title)}（截至{when}，{len(frame)}条）</h3>")
        parts.append(f'<p class="note">{html.escape(item.help)} 依据：{html.escape(item.basis)}</p>')
        parts.append(_table(_printable(frame), css="list", text_columns=("企业名称", "隐患描述")))
    majors = content.major_hazards
    parts.append(f"<h3>{content.quarter.cn}发现的重大隐患（{len(majors)}项）</h3>")
    parts.append(_table(_printable(majors), css="list", text_columns=("企业名称", "隐患描述")))
    parts.append("</section>")
    return "".join(parts)


def _shortfall_part(content: PackContent) -> str:
    counts = content.shortfall_counts
    names = {i.code: i.name for i in content.indicators}
    titles = {i.code: i.shortfall_title for i in content.indicators}
    if counts.empty:
        table = "<p>本季度各项指标没有短板记录。</p>"
    else:
        wide = counts.pivot(index="indicator", columns="区市", values="记录数")
        wide = wide.reindex(index=[i.code for i in content.indicators],
                            columns=[d for d in content.districts if d in wide.columns]).fillna(0).astype(int)
        wide.insert(0, "合计", wide.sum(axis=1))
        wide.insert(0, "短板记录", [titles[c] for c in wide.index])
        wide.insert(0, "指标", [names[c] for c in wide.index])
        table = _table(wide.reset_index(drop=True), text_columns=("短板记录",))
    return (f'<h2 id="shortfalls" class="page-break">附：短板记录分布</h2>'
            f'<p class="note">每项指标未达标背后的记录条数（人员、隐患、演练、企业、日志日等）；'
            f'逐条明细见数据工作簿“短板清单”。</p>{table}')


def _notes_part(content: PackContent) -> str:
    definitions = pd.DataFrame({
        "指标": [i.name for i in content.indicators],
        "定义": [i.definition for i in content.indicators],
        "分子 / 分母": [f"{i.numerator} / {i.denominator}（{i.unit}）" for i in content.indicators],
    })
    parts = ['<h2 id="notes" class="page-break">附：说明</h2>',
             f"<p>统计季度：{content.quarter.cn}；统计截至：{date_text(content.as_of)}；"
             f"数据截至：{date_text(content.data_as_of)}；范围：{html.escape(content.scope_label)}；"
             f"生成时间：{content.generated_at:%Y-%m-%d %H:%M}。</p>",
             "<p>各项目标值均为100%；分母为0时为无数据（不视为100%）；区市比率为其企业分子之和除以分母之和。</p>"]
    if content.calendar_note:
        parts.append(f"<p>{html.escape(content.calendar_note)}</p>")
    if len(content.batches):
        live = content.batches[content.batches["状态"] == "有效"]
        sources = live.groupby("模板", sort=False).agg(
            文件数=("文件名", "count"), 入库行数=("入库行数", "sum"), 隔离行数=("隔离行数", "sum"),
            最近导入时间=("导入时间", "max")).reset_index()
        parts.append(_table(sources, caption="数据来源（已导入的文件）"))
    if len(content.quarantine):
        parts.append(_table(content.quarantine, caption="被隔离的数据行（需退回修改）", text_columns=("隔离原因",)))
    parts.append(_table(definitions, caption="指标口径", text_columns=("定义", "分子 / 分母")))
    return "".join(parts)


def build_html(content: PackContent, sections: dict[str, str] | None = None,
               charts: list[PackChart] | None = None, *, drafted: dict[str, str] | None = None,
               attached: list | None = None) -> str:
    """The printable report as one HTML document; `sections` replaces the drafted text where given.

    `charts` (default `pack_charts(content)`), `drafted` (`draft_sections(content)`) and `attached`
    (`appendices(content)`) let a caller that has them already build them once.
    """
    texts = {**(draft_sections(content) if drafted is None else drafted), **(sections or {})}
    attached = appendices(content) if attached is None else attached
    charts = pack_charts(content) if charts is None else charts
    title = paper_title(content)
    demo = '<p class="demo">（本材料由系统演示数据生成，不代表各区市实际情况）</p>' if content.is_demo else ""
    toc = ('<p class="toc screen-only">目录：<a href="#work">正文</a> · <a href="#charts">指标图表</a> · '
           '<a href="#lists">需要关注的清单</a> · <a href="#shortfalls">短板记录分布</a> · <a href="#notes">说明</a>'
           '　（用浏览器“打印”可另存为 PDF，纸张 A4）</p>')
    subtitle = paper_subtitle(content)
    subtitle = f'<p class="subtitle">{html.escape(subtitle)}</p>' if subtitle else ""
    body = (f"<h1>{html.escape(title)}</h1>{subtitle}"
            f"{demo}{toc}{_paper(content, texts, attached)}{_charts_part(content, charts)}{_lists_part(content)}"
            f"{_shortfall_part(content)}{_notes_part(content)}")
    return (f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)}</title><style>{CSS}</style>"
            f'<script type="text/javascript">{get_plotlyjs()}</script></head>'
            f'<body><main class="paper">{body}</main></body></html>')
