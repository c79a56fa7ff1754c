"""Write one out-file to disk: a write-only workbook, or a CSV in the office's encoding.

A demo set at 10× holds millions of cells, and openpyxl spends some microseconds on each. So the
cells of a worksheet are written here as the very bytes openpyxl's write-only sheet would write
(`sheet_data`), and openpyxl writes everything else: each sheet gets a stand-in (one date cell when
the sheet has dates, so that the workbook's styles come out the same), whose <sheetData> is then
replaced by the cells. A value this writer does not know openpyxl's bytes for sends the whole
workbook through openpyxl cell by cell.

A big set is written by two more processes (`file_writer`), while this one goes on inventing the
next district's records: the files are the same either way.
"""
from __future__ import annotations

import csv
import io
import math
import pickle
import queue
import re
import subprocess
import sys
import tempfile
import threading
from contextlib import ExitStack, contextmanager
from datetime import date
from pathlib import Path
from typing import Callable, Iterator

from openpyxl import Workbook
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

from core.text import printable
from demo.sheets import OutFile, Sheet
from etl.blank import save_workbook

ROOT = Path(__file__).resolve().parent.parent
MAX_CELL_CHARS = 32767  # openpyxl cuts longer text
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
# Characters openpyxl refuses, or that XML cannot hold, or whose escape was not compared with openpyxl's.
_UNSURE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_DATE_STYLE = b"\x01"  # stands for the date cells' style id until openpyxl has chosen it
_SHEET_DATA = re.compile(rb"<sheetData>.*</sheetData>|<sheetData/>", re.DOTALL)
_STYLE = re.compile(rb'<c r="A1" s="(\d+)"')


class _Unknown(Exception):
    """A value whose bytes only openpyxl knows."""


def _text(value: str) -> str:
    """What follows `<c r="A1` for a text cell."""
    if len(value) > MAX_CELL_CHARS or _UNSURE.search(value) or value in ERROR_CODES \
            or (len(value) > 1 and value[0] == "="):
        raise _Unknown
    if not value:
        return '" t="inlineStr"></c>'
    space = ' xml:space="preserve"' if value != value.strip() else ""
    return f'" t="inlineStr"><is><t{space}>{value.translate(_ESCAPES)}</t></is></c>'


def _number(value: int | float) -> str:
    if type(value) is float and not math.isfinite(value):
        raise _Unknown
    return f'" t="n"><v>{"%.16g" % value}</v></c>'


def _other(value) -> str:
    kind = type(value)
    if kind is bool:
        return f'" t="b"><v>{"%.16g" % value}</v></c>'
    if kind is date:
        return f'" s="\x01" t="n"><v>{"%.16g" % to_excel(value)}</v></c>'
    raise _Unknown


def sheet_data(rows: list[list]) -> tuple[bytes, date | None]:
    """The <sheetData> element openpyxl's write-only sheet writes for `rows` (date styles as `_DATE_STYLE`),
    and the first date in them; _Unknown when a value needs openpyxl itself.

    Each distinct value's markup is made once: `"%.16g"` gives equal numbers the same text (1 and 1.0),
    except 0 and -0.0, which are written each time; True is kept apart from 1 by its own table.
    """
    letters: list[str] = []
    texts: dict[str, str] = {}
    numbers: dict = {}
    others: dict = {}
    first_date = None
    out = ["<sheetData>"]
    for number, row in enumerate(rows, start=1):
        while len(letters) < len(row):
            letters.append(get_column_letter(len(letters) + 1))
        cells = []
        for letter, value in zip(letters, row):
            if value is None:
                continue
            kind = type(value)
            if kind is str:
                body = texts.get(value) or texts.setdefault(value, _text(value))
            elif kind is int or kind is float:
                body = numbers.get(value) or numbers.setdefault(value, _number(value)) if value else _number(value)
            else:
                body = others.get(value) or others.setdefault(value, _other(value))
                if first_date is None and kind is date:
                    first_date = value
            cells.append(f'<c r="{letter}{number}{body}')
        out.append(f'<row r="{number}">{"".join(cells)}</row>')
    out.append("</sheetData>")
    return "".join(out).encode("ascii", "xmlcharrefreplace"), first_date


def _spliced(cells: bytes):
    def splice(stand_in: bytes) -> bytes:
        style = _STYLE.search(stand_in)
        data = cells.replace(b's="' + _DATE_STYLE + b'"', b's="' + style.group(1) + b'"') if style else cells
        return _SHEET_DATA.sub(lambda _: data, stand_in, count=1)
    return splice


def write_xlsx(path: Path, sheets: list[Sheet]) -> None:
    try:
        written = [(sheet, sheet_data(sheet.all_rows())) for sheet in sheets]
    except _Unknown:
        written = None
    workbook = Workbook(write_only=True)
    parts = {}
    for number, (sheet, cells) in enumerate(written or [(sheet, None) for sheet in sheets], start=1):
        worksheet = workbook.create_sheet(sheet.name)
        if cells is None:
            for row in sheet.all_rows():
                worksheet.append(row)
            continue
        data, first_date = cells
        if first_date is not None:
            worksheet.append([first_date])
        parts[f"xl/worksheets/sheet{number}.xml"] = _spliced(data)  # openpyxl numbers worksheets from 1
    save_workbook(workbook, path, parts)


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


class WriterFailed(Exception):
    """A writing process stopped before writing every file."""


WRITERS = 2  # processes writing files while this one invents the records


class _WritingProcess:
    """A process writing the files handed to it, and the thread that hands it the next file whenever it has
    taken the last."""

    def __init__(self, out_dir: Path, files: queue.Queue, errors) -> None:
        self.errors = errors
        self.process = subprocess.Popen([sys.executable, "-m", "demo.writers", str(out_dir)], cwd=ROOT,
                                        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=errors)
        self.broken = False
        self.feeder = threading.Thread(target=self._feed, args=(files,), name="demo-writer", daemon=True)
        self.feeder.start()

    def _feed(self, files: queue.Queue) -> None:
        while (out_file := files.get()) is not None:
            if self.broken:
                continue  # taken off the queue all the same, so that this one does not hold up the others
            try:
                pickle.dump(out_file, self.process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            except BrokenPipeError:
                self.broken = True
        try:
            self.process.stdin.close()
        except BrokenPipeError:
            self.broken = True

    def failed(self) -> WriterFailed:
        self.process.kill()
        self.process.wait()
        self.errors.seek(0)
        detail = self.errors.read().decode("utf-8", "replace").strip().splitlines()
        reason = printable(detail[-1], limit=300) if detail else f"退出码 {self.process.returncode}"
        return WriterFailed(f"演示数据写入进程意外退出（{reason}），文件未写完。请重新生成。")


@contextmanager
def file_writer(out_dir: Path, processes: int = WRITERS) -> Iterator[Callable[[OutFile], Path]]:
    """`write(out_file)` -> the path that one of `processes` processes writes it to: each is handed a file
    whole as soon as it has taken its last, and all of them are written by the end of the `with`."""
    files: queue.Queue = queue.Queue(maxsize=processes)
    with ExitStack() as stack:
        writing = [_WritingProcess(out_dir, files, stack.enter_context(tempfile.TemporaryFile()))
                   for _ in range(processes)]

        def first_failure() -> WriterFailed | None:
            broken = next((w for w in writing if w.broken or w.process.poll() not in (None, 0)), None)
            return broken.failed() if broken else None

        def write(out_file: OutFile) -> Path:
            failure = first_failure()
            if failure:
                raise failure
            files.put(out_file)
            return out_dir / out_file.name

        try:
            yield write
        except BaseException:
            for w in writing:
                w.process.kill()
            for w in writing:
                files.put(None)  # the feeders drain the queue into the dead processes' closed pipes, and stop
                w.process.wait()
            raise
        for _ in writing:
            files.put(None)
        for w in writing:
            w.feeder.join()
            w.process.wait()
        failure = first_failure()
        if failure:
            raise failure


def _write_from_stdin(out_dir: Path) -> None:
    while True:
        try:
            out_file = pickle.load(sys.stdin.buffer)
        except EOFError:
            return
        write_file(out_dir, out_file)


if __name__ == "__main__":
    _write_from_stdin(Path(sys.argv[1]))
