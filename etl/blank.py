"""Fillable blank templates (空白模板) for the district offices, and reproducible workbook saving.

Each template becomes one .xlsx: a data sheet with the canonical header (required
columns marked `*`), drop-down lists for coded columns, and a `填表说明` sheet that
explains every column. Everything comes from the declarations in `warehouse.templates`
and the district list in the configuration.
"""
from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Callable, Mapping

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from core.config import districts
from core.text import display_width
from warehouse.schema import NORMALISED_KEYS
from warehouse.templates import DATE_FORMS, NOT_APPLICABLE_WORDS, TEMPLATES, Column, Template, find

INSTRUCTIONS_SHEET = "填表说明"
VALIDATED_ROWS = 5000  # drop-down lists cover rows 2 … 5000 of the data sheet
# Excel keeps an inline list formula to 255 characters; longer lists go to a hidden sheet.
INLINE_LIST_LIMIT = 255
LISTS_SHEET = "代码表"

FIXED_TIMESTAMP = datetime(2026, 1, 1)
ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
_CORE_DATES = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:(?:created|modified)>)")

KIND_HINTS = {
    "credit_code": "18 位统一社会信用代码，含校验位",
    "district": "区市名称",
    "date": "日期",
    "int": "整数",
    "number": "数字",
    "yesno": "是 / 否",
    "yesno_na": "是 / 否 / 不适用",
    "quarter": "季度，如 2026Q3、2026-Q3、2026年第三季度",
    "id": "编号（按文本保存，前导 0 保留）",
    "text": "文字",
}
YES_NO_FORMS = "是 / 否（也可填 √/×、Y/N、有/无、已/未）"
YES_NO_NA_FORMS = ("是 / 否 / 不适用（是、否 也可填 √/×、Y/N、有/无、已/未；不适用 也可填 "
                   + "、".join(NOT_APPLICABLE_WORDS[1:]) + "；单独的“-”“/”不作为不适用）")
WIDE_COLUMNS = {"description": 40, "measure": 30, "content": 40, "course": 24, "drill_name": 24,
                "handover_items": 40, "project_name": 30}


def save_workbook(workbook: Workbook, path: str | Path,
                  parts: Mapping[str, Callable[[bytes], bytes]] | None = None) -> Path:
    """Save so that the same content always gives the same bytes.

    openpyxl stamps the current time into docProps/core.xml and into every zip
    entry; both are replaced by constants, entries kept in openpyxl's order.
    `parts` rewrites the named zip entries (such as `xl/worksheets/sheet1.xml`) on the way.
    """
    parts = parts or {}
    path = Path(path)
    workbook.properties.created = FIXED_TIMESTAMP
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    fixed_time = FIXED_TIMESTAMP.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _CORE_DATES.sub(lambda m: m.group(1) + fixed_time + m.group(2), data)
            if info.filename in parts:
                data = parts[info.filename](data)
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_TIMESTAMP)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.create_system = 3
            entry.external_attr = 0o644 << 16
            target.writestr(entry, data)
    return path


def template_names() -> str:
    return "、".join(f"{t.name}（{t.title}）" for t in TEMPLATES)


def selected_templates(name_or_all: str) -> list[Template]:
    name = name_or_all.strip()
    if name.lower() in ("all", "全部"):
        return list(TEMPLATES)
    template = find(name)
    if template is None:
        raise ValueError(f"没有名为“{name}”的模板。可选：all（全部模板）、{template_names()}。")
    return [template]


def write_blank_templates(name_or_all: str, out_dir: str | Path) -> list[Path]:
    """Write one blank .xlsx per selected template into out_dir; returns the paths."""
    templates = selected_templates(name_or_all)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return [save_workbook(blank_workbook(t), out / f"{t.title}_空白模板.xlsx") for t in templates]


def header_label(column: Column) -> str:
    return f"{column.label}*" if column.required else column.label


def allowed_values(column: Column) -> tuple[str, ...]:
    """The values offered in a drop-down list (empty when the column is free)."""
    if column.kind == "enum":
        return column.values
    if column.kind == "yesno":
        return ("是", "否")
    if column.kind == "yesno_na":
        return ("是", "否", "不适用")
    if column.kind == "district":
        return districts().names
    return ()


def column_width(column: Column) -> float:
    if column.key in WIDE_COLUMNS:
        return WIDE_COLUMNS[column.key]
    base = 30 if column.key == "enterprise_name" else {"credit_code": 22, "date": 14}.get(column.kind, 10)
    return max(base, 2.2 * display_width(column.label) / 2 + 4)  # 2.2 per Chinese character (two columns)


def blank_workbook(template: Template) -> Workbook:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = template.title
    write_header(sheet, template)
    add_validations(workbook, sheet, template)
    write_instructions(workbook.create_sheet(INSTRUCTIONS_SHEET), template)
    return workbook


def write_header(sheet, template: Template) -> None:
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    centred = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for index, column in enumerate(template.columns, start=1):
        cell = sheet.cell(row=1, column=index, value=header_label(column))
        cell.font, cell.fill, cell.alignment = bold, fill, centred
        sheet.column_dimensions[get_column_letter(index)].width = column_width(column)
    sheet.row_dimensions[1].height = 30
    sheet.freeze_panes = "A2"


def _list_formula(workbook: Workbook, values: tuple[str, ...]) -> str:
    inline = '"' + ",".join(values) + '"'
    if len(inline) <= INLINE_LIST_LIMIT:
        return inline
    lists = workbook[LISTS_SHEET] if LISTS_SHEET in workbook.sheetnames else workbook.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"
    column = lists.max_column + 1 if lists.max_row > 1 or lists["A1"].value else 1
    for row, value in enumerate(values, start=1):
        lists.cell(row=row, column=column, value=value)
    letter = get_column_letter(column)
    return f"'{LISTS_SHEET}'!${letter}$1:${letter}${len(values)}"


def add_validations(workbook: Workbook, sheet, template: Template) -> None:
    for index, column in enumerate(template.columns, start=1):
        letter = get_column_letter(index)
        cells = f"{letter}2:{letter}{VALIDATED_ROWS}"
        values = allowed_values(column)
        if values:
            validation = DataValidation(type="list", formula1=_list_formula(workbook, values), allow_blank=True)
            validation.error = f"请从下拉列表中选择：{'、'.join(values)}"
            validation.errorTitle = f"{column.label}取值不正确"
        elif column.kind == "date":
            validation = DataValidation(allow_blank=True)
        else:
            continue
        validation.showErrorMessage = bool(values)
        validation.showInputMessage = True
        validation.promptTitle = column.label[:32]
        validation.prompt = input_prompt(column)[:255]
        sheet.add_data_validation(validation)
        validation.add(cells)


def input_prompt(column: Column) -> str:
    if column.kind == "date":
        return "可填 " + "、".join(DATE_FORMS) + "。" + column.help
    if column.help:
        return column.help
    if allowed_values(column):
        return "请从下拉列表中选择。"
    return f"请填写{KIND_HINTS.get(column.kind, '')}。"


def requirement(template: Template, column: Column) -> str:
    if column.required:
        return "必填"
    if template.enterprise_ref and column.key in ("enterprise_name", "credit_code"):
        return "二选一必填"
    return "选填"


def allowed_text(column: Column) -> str:
    parts = []
    if column.kind == "enum":
        parts.append("、".join(column.values))
        if column.value_aliases:
            parts.append("也可写作 " + "、".join(f"{a}（即{v}）" for a, v in column.value_aliases.items()))
    elif column.kind == "yesno":
        parts.append(YES_NO_FORMS)
    elif column.kind == "yesno_na":
        parts.append(YES_NO_NA_FORMS)
    elif column.kind == "district":
        parts.append("、".join(districts().names) + "（可带“威海市”前缀，也可用简称）")
    elif column.kind == "date":
        parts.append("日期：" + "、".join(DATE_FORMS))
    else:
        parts.append(KIND_HINTS.get(column.kind, ""))
    if column.minimum is not None:
        parts.append(f"不小于 {column.minimum:g}")
    if column.maximum is not None:
        parts.append(f"不大于 {column.maximum:g}")
    if column.default is not None:
        parts.append(f"不填视为 {column.default}")
    return "；".join(p for p in parts if p)


def general_notes(template: Template) -> list[str]:
    notes = ["第一行为表头，请勿修改表头文字；带 * 的列为必填项。表头上方可以保留标题行。"]
    if template.enterprise_ref:
        notes.append("企业名称与统一社会信用代码至少填写一项；两项都填时以统一社会信用代码为准。")
    notes += [
        "日期可填：" + "、".join(DATE_FORMS) + "。",
        "是/否 类栏目填 " + YES_NO_FORMS + "。",
        "以 合计、备注、填表说明 开头的行不作为数据读取。",
        "有问题的行会被单独隔离并注明原因，其余行照常导入；更正后重新报送即可。",
    ]
    if template.key:
        keys = "、".join(template.column(k).label for k in template.key)
        notes.append(f"按“{keys}”识别同一条记录：后报送的记录覆盖先前的记录，先前的版本仍保留备查。")
        normalised = "、".join(template.column(k).label for k in NORMALISED_KEYS.get(template.name, {}))
        if normalised:
            notes.append(f"识别同一条记录时，{normalised}中的空格不计（“王 强”与“王强”是同一人）。")
    return [f"{number}. {note}" for number, note in enumerate(notes, start=1)]


def write_instructions(sheet, template: Template) -> None:
    bold = Font(bold=True)
    sheet.append([f"《{template.title}》填表说明"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([])
    sheet.append(["栏目", "是否必填", "填写要求 / 允许取值", "也可写作（表头别名）", "说明"])
    for cell in sheet[3]:
        cell.font = bold
    for column in template.columns:
        sheet.append([column.label, requirement(template, column), allowed_text(column),
                      "、".join(column.aliases), column.help])
    sheet.append([])
    sheet.append(["注意事项"])
    sheet.cell(row=sheet.max_row, column=1).font = bold
    for note in general_notes(template):
        sheet.append([note])
    for letter, width in zip("ABCDE", (20, 12, 50, 26, 50)):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows(min_row=4):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
