"""Parsed sheets held between the reading of a load and its write: in memory up to a budget, on disk beyond it.

A load reads and recognises every file before it writes any (rosters first, whatever the order of
the paths). The sheets of the first files stay in memory while the cells held stay within the
budget; the others wait in private Arrow files beside the warehouse, mapped back into memory when
their template's turn comes, so that no file is parsed twice. The files are named after the
warehouse; a load killed midway leaves them behind, and the next load removes them under the
write lock (`remove_leftovers`).
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.ipc as ipc

from etl.readers import Sheet

_LENGTHS = "lengths"
_HEIGHT = b"height"


def _prefix(db_path: Path) -> str:
    return f".{db_path.name}.parsed-"


def remove_leftovers(db_path: Path) -> None:
    """Files left by a load that was killed (call it holding the write lock: no load is running)."""
    for leftover in db_path.parent.glob(_prefix(db_path) + "*"):
        leftover.unlink(missing_ok=True)


class Held:
    """The sheets of the files read: kept in memory while `budget` cells allow, else written to disk."""

    def __init__(self, db_path: Path, budget: int):
        self.db_path = db_path
        self.left = budget
        self.files: list[Path] = []

    def hold(self, sheets: list[Sheet], cells: int) -> list[Sheet | tuple[str, Path]]:
        if cells <= self.left:
            self.left -= cells
            return list(sheets)
        try:
            return [(sheet.name, self._write(sheet)) for sheet in sheets]
        except OSError:  # no room on disk: the load goes on holding the sheets in memory
            return list(sheets)

    def take(self, held: list[Sheet | tuple[str, Path]]) -> list[Sheet]:
        return [item if isinstance(item, Sheet) else self._read(*item) for item in held]

    def remove(self) -> None:
        for path in self.files:
            path.unlink(missing_ok=True)
        self.files = []

    def _write(self, sheet: Sheet) -> Path:
        handle, name = tempfile.mkstemp(prefix=_prefix(self.db_path), suffix=".arrow", dir=self.db_path.parent)
        path = Path(name)
        self.files.append(path)
        arrays, names = list(sheet.columns), [str(j) for j in range(len(sheet.columns))]
        if sheet.lengths is not None:
            arrays.append(pa.array(sheet.lengths))
            names.append(_LENGTHS)
        table = pa.Table.from_arrays(arrays, names=names, metadata={_HEIGHT: str(sheet.height).encode()})
        with os.fdopen(handle, "wb") as out, ipc.new_file(out, table.schema) as writer:
            writer.write_table(table)
        return path

    def _read(self, name: str, path: Path) -> Sheet:
        table = ipc.open_file(pa.memory_map(str(path))).read_all()
        path.unlink(missing_ok=True)  # the mapping stays readable until the columns are dropped
        width = table.num_columns - (_LENGTHS in table.column_names)
        columns = [_one_chunk(table.column(str(j))) for j in range(width)]
        lengths = table.column(_LENGTHS).to_numpy() if _LENGTHS in table.column_names else None
        return Sheet(name, columns, int(table.schema.metadata[_HEIGHT]), lengths)


def _one_chunk(column: pa.ChunkedArray) -> pa.Array:
    return column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()
