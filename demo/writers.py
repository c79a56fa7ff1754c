"""Write one out-file to disk: a write-only workbook, or a CSV in the office's encoding."""
from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

from openpyxl import Workbook

from demo.sheets import OutFile, Sheet
from etl.blank import save_workbook


def write_xlsx(path: Path, sheets: list[Sheet]) -> None:
    workbook = Workbook(write_only=True)
    for sheet in sheets:
        worksheet = workbook.create_sheet(sheet.name)
        for row in sheet.all_rows():
            worksheet.append(row)
    save_workbook(workbook, path)


def write_csv(path: Path, sheet: Sheet, encoding: str) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in sheet.all_rows():
        writer.writerow(["" if cell is None else cell.isoformat() if isinstance(cell, date) else cell
                         for cell in row])
    path.write_bytes(buffer.getvalue().encode(encoding))


def write_file(out_dir: Path, out_file: OutFile) -> Path:
    path = out_dir / out_file.name
    if out_file.encoding:
        write_csv(path, out_file.sheets[0], out_file.encoding)
    else:
        write_xlsx(path, out_file.sheets)
    return path
