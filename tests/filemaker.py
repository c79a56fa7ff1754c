"""Small input files for tests: .xlsx through openpyxl, CSV in a chosen encoding.

Tests describe each file as rows of cells, exactly as a clerk would type them.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl

from core.codes import with_check_character

# Valid 统一社会信用代码 for fixtures. The first was checked by hand:
# 91110000600037341 -> Σ value×weight = 9·1+1·3+1·9+1·27+6·20+3·8+7·24+3·10+4·30+1·28 = 538;
# 538 mod 31 = 11; 31 − 11 = 20 -> the 21st character of the charset, "L".
CODE_A = "91110000600037341L"
CODE_B = with_check_character("91371081MA3C7TLR0")
CODE_C = with_check_character("91371002MA3M0BXX1")
CODE_D = with_check_character("91371083MA3P5DQK7")
CODE_E = with_check_character("91371082MA3Q2WHN4")


def write_xlsx(path: Path, sheets: dict[str, list[list]]) -> Path:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    workbook.save(path)
    return path


def write_csv(path: Path, rows: list[list], encoding: str = "utf-8-sig") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


ROSTER_HEADER = ["企业名称", "统一社会信用代码", "所属区市", "行业类别", "从业人员数", "驻点监督人员", "派出单位", "进驻日期", "企业状态"]


def roster_rows() -> list[list]:
    """Three enterprises in two districts; the third is 关闭."""
    return [
        ROSTER_HEADER,
        ["威海（文登）精细化工有限公司", CODE_A, "文登区", "化学原料", 120, "王强", "文登区应急局", "2026-01-05", "正常生产"],
        ["荣成市海达化工有限公司", CODE_B, "荣成", "涂料", 45, "李明", "荣成市应急局", "2026-08-15", "停产"],
        ["乳山市宏远化学有限公司", CODE_C, "乳山市", "胶粘剂", 30, "赵刚", "乳山市应急局", "2025-12-01", "关闭"],
    ]
