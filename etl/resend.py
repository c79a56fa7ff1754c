"""The "fix and resend" workbook: quarantined rows back in their template's layout.

One sheet per template: the template's columns (required ones marked `*`), then
any other columns the district's file had, then 问题说明 (every problem of the row)
and the row's origin. The cells at fault are filled yellow. The district corrects
them and sends the sheet back; the loader reads it like any other file (the
extra columns are ignored).
"""
from __future__ import annotations

import io
import json
from collections import defaultdict

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from etl import headers
from core.spreadsheet import write_table
from warehouse.templates import BY_TITLE, Template

FAULT_FILL = PatternFill("solid", fgColor="FFF2A8")
HEADER_STYLE = {"font": Font(bold=True), "fill": PatternFill("solid", fgColor="DDE7F3"),
                "alignment": Alignment(wrap_text=True, vertical="center")}
REASON_WIDTH = 60
REASON_HEADER = "问题说明"
ORIGIN_HEADERS = ("原文件", "原工作表", "原行号")


def quarantined_rows(con, batch_ids: list[int]) -> list[dict]:
    """One entry per quarantined row: template, origin, raw cells and its problems."""
    if not batch_ids:
        return []
    records = con.execute(
        'SELECT template, file_name, sheet, "row", "column", reason, raw_json FROM quarantine '
        'WHERE batch_id IN (SELECT unnest($ids)) ORDER BY batch_id, sheet, "row"',
        {"ids": list(batch_ids)},
    ).fetchall()
    rows: dict[tuple, dict] = {}
    for template, file_name, sheet, row, column, reason, raw_json in records:
        entry = rows.setdefault((template, file_name, sheet, row), {
            "template": template, "file": file_name, "sheet": sheet, "row": row,
            "cells": json.loads(raw_json), "problems": [],
        })
        entry["problems"].append((column, reason))
    return list(rows.values())


def _layout(template: Template, entries: list[dict]) -> tuple[list[str], dict[str, str]]:
    """Header of the sheet, and for each original label the header it goes under."""
    columns = [f"{c.label}*" if c.required else c.label for c in template.columns]
    by_key = {c.key: name for c, name in zip(template.columns, columns)}
    placement: dict[str, str] = {}
    extras: list[str] = []
    for entry in entries:
        for label in entry["cells"]:
            if label in placement:
                continue
            key = headers.match_header_cell(template, label)
            if key:
                placement[label] = by_key[key]
            else:
                placement[label] = label
                if label not in extras:
                    extras.append(label)
    return columns + extras + [REASON_HEADER, *ORIGIN_HEADERS], placement


def _write_sheet(sheet, template: Template, entries: list[dict]) -> None:
    header, placement = _layout(template, entries)
    position = {name: index + 1 for index, name in enumerate(header)}
    rows = []
    for entry in entries:
        values: dict[str, object] = {}
        for label, value in entry["cells"].items():
            values.setdefault(placement[label], value)
        values[REASON_HEADER] = "；".join(f"{column}：{reason}" for column, reason in entry["problems"])
        values.update(zip(ORIGIN_HEADERS, (entry["file"], entry["sheet"], entry["row"])))
        rows.append([values.get(name) for name in header])
    # object columns: the district's cells go back as they came, without number formats
    # (an extra column's title is the district's text, neutralised like every cell)
    write_table(sheet, pd.DataFrame(rows, columns=header, dtype=object), header_style=HEADER_STYLE)
    for row, entry in enumerate(entries, start=2):
        faulty = {placement.get(column, column) for column, _ in entry["problems"]}
        for name in faulty:
            if name in position:
                sheet.cell(row=row, column=position[name]).fill = FAULT_FILL
    sheet.column_dimensions[get_column_letter(position[REASON_HEADER])].width = REASON_WIDTH
    sheet.freeze_panes = "A2"


def resend_workbook(con, batch_ids: list[int]) -> bytes | None:
    """The workbook for the quarantined rows of these batches; None when there are none."""
    entries = quarantined_rows(con, batch_ids)
    if not entries:
        return None
    by_template: dict[str, list[dict]] = defaultdict(list)
    for entry in entries:
        by_template[entry["template"]].append(entry)
    workbook = Workbook()
    guide = workbook.active
    guide.title = "说明"
    guide.append(["退回修改说明"])
    guide["A1"].font = Font(bold=True, size=14)
    for line in (
        "下列各表是上次报送中未能入库的数据行，每行的“问题说明”列写明了原因，出错的单元格已标为黄色。",
        "请改正黄色单元格后保存，重新发送或在看板“数据导入”页上传即可；“问题说明”和“原文件、原工作表、原行号”列导入时自动忽略，无需删除。",
        "日期可填 2026-07-01、2026/7/1、2026.7.1、2026年7月1日 或 20260701；是/否 可填 是、否、√、×。",
    ):
        guide.append([line])
    guide.column_dimensions["A"].width = 110
    for title, rows in by_template.items():
        _write_sheet(workbook.create_sheet(title[:31]), BY_TITLE[title], rows)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
