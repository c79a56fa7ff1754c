"""Load input files into the warehouse: every row loaded or quarantined, nothing lost.

`load_paths` reads every file, recognises its template from the header row,
loads rosters before the templates that refer to them, and writes each file in
its own transaction as one batch. All of one call's work is published to
readers at once (see `warehouse.store`).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import os
from collections import deque
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from core.workers import WorkerPool
from etl import headers, parsed, validate
from warehouse import store
from etl.limits import Limits
from etl.parsed import Held
from etl.readers import CSV_SUFFIXES, LOADABLE_SUFFIXES, FileRejected, Sheet, read_file
from warehouse.schema import entity_columns, refresh_current, supervisor_name_sql
from warehouse.store import first_row
from warehouse.templates import TEMPLATES, Template


READERS = max(1, min(2, os.cpu_count() or 1))  # files read side by side


class UsageError(Exception):
    """A path that does not exist, or nothing to load."""


@dataclass
class FileResult:
    path: Path
    template: str | None = None  # the template's Chinese title
    batch_id: int | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_skipped: int = 0
    status: str = "loaded"  # loaded | duplicate | rejected
    message: str = ""
    sheets: list[str] = field(default_factory=list)
    name: str | None = None  # the name the file was sent under, when it is not the path's (uploads)

    @property
    def file_name(self) -> str:
        return self.name or self.path.name


@dataclass
class _Prepared:
    path: Path
    content_hash: str
    name: str  # as recorded in the batch history
    template: Template | None = None
    matches: list[tuple[str, headers.HeaderMatch]] = field(default_factory=list)
    sheets: list | None = None  # as held between reading and writing (etl.parsed)
    cells: int = 0
    rejection: str | None = None


def expand_paths(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """Files as given, and the loadable files under folders (recursively, sorted)."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files += sorted(
                p for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in LOADABLE_SUFFIXES
                and not p.name.startswith(("~$", "."))
            )
        elif path.is_file():
            files.append(path)
        else:
            raise UsageError(f"找不到文件或文件夹：{path}")
    return files


def _file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _recognise(sheets: list[Sheet], csv: bool = False) -> tuple[Template | None, list[tuple[str, headers.HeaderMatch]], str | None]:
    matches = [(sheet.name, m) for sheet in sheets if (m := headers.detect(sheet.head(headers.HEADER_SCAN_ROWS)))]
    for name, match in matches:
        where = "" if csv else f"工作表“{name}”"
        problem = match.duplicate_problem()
        if problem:
            return match.template, [], (f"{where}第 {match.excel_row} 行的{problem}。"
                                        "请删除多余的一列或改正列名后再发送；整个文件未加载。")
        problem = match.unit_problem()
        if problem:
            return match.template, [], f"{where}第 {match.excel_row} 行的表头中，{problem}，再重新发送；整个文件未加载。"
    if not matches:
        return None, [], (
            "未能识别文件的模板：在任何工作表的前 30 行中都找不到符合模板的表头。"
            f"各模板的表头须包含：{headers.describe_requirements()}。"
            "可用 `python -m etl template all` 生成空白模板对照填写。"
        )
    titles = {m.template.title for _, m in matches}
    if len(titles) > 1:
        where = "、".join(f"“{name}”为{m.template.title}" for name, m in matches)
        return None, [], f"一个文件只能包含一种模板，而本文件的工作表分属不同模板（{where}）。请拆分为多个文件后再发送。"
    return matches[0][1].template, matches, None


def _internal_error(error: BaseException) -> str:
    return f"处理文件时出错，文件未加载（{type(error).__name__}）。请将此文件发给系统管理员。"


def _read(path: Path, limits: Limits) -> tuple[str, list[Sheet] | None, str | None]:
    """One file's content hash and sheets, or the reason it is refused; never an exception."""
    content_hash = ""
    try:
        content_hash = _file_hash(path)
        return content_hash, read_file(path, limits), None
    except FileRejected as rejection:
        return content_hash, None, str(rejection)
    except OSError as error:
        return content_hash, None, f"文件无法读取（{error.strerror or type(error).__name__}）。"
    except Exception as error:
        return content_hash, None, _internal_error(error)


def _recognised(path: Path, name: str, content_hash: str, sheets: list[Sheet] | None, rejection: str | None) -> _Prepared:
    prepared = _Prepared(path, content_hash, name, rejection=rejection)
    if sheets is None:
        return prepared
    prepared.cells = sum(sheet.cells for sheet in sheets)
    prepared.template, prepared.matches, prepared.rejection = _recognise(sheets, path.suffix.lower() in CSV_SUFFIXES)
    if not prepared.rejection:
        prepared.sheets = sheets
    return prepared


def _prepare(path: Path, name: str, limits: Limits) -> _Prepared:
    """Read and recognise one file; every problem becomes its rejection, never an exception."""
    return _recognised(path, name, *_read(path, limits))


# From this many bytes of files on, a load reads them in READERS processes of its own rather than in threads of
# this one: calamine parses outside the interpreter's lock, but turning its cells into text columns does not, so
# two threads get about 1.5 cores' work done. A process takes about 0.5 s of CPU to start (a new interpreter
# importing this module), more than a district's upload of a few files takes to read.
PROCESSES_FROM_BYTES = 8 * 1024 * 1024


def _worth_processes(files: list[Path]) -> bool:
    return sum(map(_size, files)) >= PROCESSES_FROM_BYTES


def _reader_pool(files: list[Path]) -> Executor | WorkerPool:
    if _worth_processes(files):
        try:
            return WorkerPool(READERS)
        except OSError:  # no process could be started (too many processes, say): threads will do
            pass
    return ThreadPoolExecutor(READERS, thread_name_prefix="weihai-read")


def _prepare_all(files: list[Path], names: Mapping[str, str], limits: Limits, held: Held) -> list[_Prepared]:
    """Every file read and recognised, in the order given; READERS files at a time.

    At most READERS files are being read or wait beyond what `held` keeps. When the files are read in
    processes and one of those dies (killed from outside), the files it had not handed back are read here.
    """
    def name_of(path: Path) -> str:
        return names.get(str(path), path.name)

    def prepared_in_order(files: list[Path]) -> Iterator[_Prepared]:
        if READERS < 2 or len(files) < 2:
            yield from (_prepare(path, name_of(path), limits) for path in files)
            return
        with _reader_pool(files) as pool:
            waiting: deque[tuple[Path, Future | None]] = deque()

            def settled() -> _Prepared:
                path, future = waiting.popleft()
                try:
                    read = future.result() if future else _read(path, limits)
                except BrokenProcessPool:
                    read = _read(path, limits)
                return _recognised(path, name_of(path), *read)

            for path in files:
                if len(waiting) == 2 * READERS:
                    yield settled()
                try:
                    waiting.append((path, pool.submit(_read, path, limits)))
                except BrokenProcessPool:
                    waiting.append((path, None))
            while waiting:
                yield settled()

    # Largest first, so that no reader is left with a big file after the others have finished; the
    # files are then put back in the order given.
    position = {path: index for index, path in reversed(list(enumerate(files)))}
    prepared: list[_Prepared] = []
    for item in prepared_in_order(sorted(files, key=_size, reverse=True) if READERS >= 2 else files):
        if item.sheets is not None:
            item.sheets = held.hold(item.sheets, item.cells)
        prepared.append(item)
    return sorted(prepared, key=lambda item: position[item.path])


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _unique_labels(labels: list[str | None], width: int) -> list[str]:
    """Header cells as written, made unique and non-empty, for the raw-row record."""
    seen: dict[str, int] = {}
    result = []
    for position in range(width):
        cell = labels[position] if position < len(labels) else None
        label = "".join(str(cell).split()) if cell else f"第{position + 1}列"
        seen[label] = seen.get(label, 0) + 1
        result.append(label if seen[label] == 1 else f"{label}({seen[label]})")
    return result


def _row_lists(columns: list[pa.Array], count: int) -> pa.ListArray:
    """The rows of equally long columns as one list of cells per row."""
    width = len(columns)
    if not width or not count:
        return pa.array([[None] * width] * count, type=pa.list_(pa.string()))
    by_column = pa.concat_arrays(columns)
    row_major = (np.arange(count, dtype=np.int64)[:, None] + np.arange(width, dtype=np.int64)[None, :] * count).ravel()
    offsets = pa.array(np.arange(0, (count + 1) * width, width, dtype=np.int32))
    return pa.ListArray.from_arrays(offsets, by_column.take(pa.array(row_major)))


def _stage_sheet(file_index: int, sheet_name: str, sheet: Sheet, match: headers.HeaderMatch):
    """The staging rows of one sheet as Arrow, its header labels, and its data rows' columns (for the rows
    quarantined, see `_problem_cells`)."""
    start = match.header_index + 1
    count = max(sheet.height - start, 0)
    width = max(len(match.labels), sheet.widest(start))
    columns = [column.slice(start) for column in sheet.columns[:width]]
    first_data_row = match.excel_row + 1
    arrays = {
        "_file": pa.array(np.full(count, file_index, dtype=np.int32)),
        "_sheet": pa.array([sheet_name] * count, type=pa.string()),
        "_row": pa.array(np.arange(first_data_row, first_data_row + count, dtype=np.int32)),
        "_first": pc.coalesce(*columns) if columns else pa.nulls(count, type=pa.string()),
    }
    empty = pa.nulls(count, type=pa.string())
    for column in match.template.columns:
        position = match.positions.get(column.key)
        arrays["raw__" + column.key] = columns[position] if position is not None else empty
    labels = _unique_labels(match.labels, width)
    column_labels = [
        (file_index, sheet_name, c.key, labels[match.positions[c.key]] if c.key in match.positions else c.label)
        for c in match.template.columns
    ]
    return pa.table(arrays), (file_index, sheet_name, labels), column_labels, (first_data_row, columns)


def _problem_cells(con, sheet_cells: dict[tuple[int, str], tuple[int, list[pa.Array]]]) -> None:
    """The whole row of each row with a problem, as the temporary table `problem_cells`.

    Only these rows are ever shown whole (in their quarantine record), so only they are gathered.
    """
    keys = con.sql("SELECT DISTINCT _file, _sheet, _row FROM problems ORDER BY ALL").to_arrow_table()
    parts = []
    for (file_index, sheet_name), (first_data_row, columns) in sheet_cells.items():
        mine = keys.filter(pc.and_(pc.equal(keys["_file"], file_index), pc.equal(keys["_sheet"], sheet_name)))
        if not mine.num_rows:
            continue
        taken = pa.array(mine["_row"].to_numpy() - first_data_row)
        parts.append(mine.append_column("_cells", _row_lists([c.take(taken) for c in columns], mine.num_rows)))
    empty = pa.table({"_file": pa.array([], pa.int32()), "_sheet": pa.array([], pa.string()),
                      "_row": pa.array([], pa.int32()), "_cells": pa.array([], pa.list_(pa.string()))})
    con.register("problem_cells_arrow", pa.concat_tables(parts) if parts else empty)
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE problem_cells AS SELECT * FROM problem_cells_arrow")
    finally:
        con.unregister("problem_cells_arrow")


def _validate_group(con, template: Template, items: list["_Prepared"], held: Held) -> list["_Prepared"]:
    """Stage every sheet of every file of one template, and validate them in one pass.

    Returns the files staged: a file's index in the staging tables is its position in this list.
    """
    tables, sheet_headers, column_labels = [], [], []
    sheet_cells: dict[tuple[int, str], tuple[int, list[pa.Array]]] = {}
    staged = []
    for item in items:
        file_index = len(staged)
        item.sheets = held.take(item.sheets)  # kept until the group is validated, for a retry file by file
        by_name = {sheet.name: sheet for sheet in item.sheets}
        for sheet_name, match in item.matches:
            table, header, labels, sheet_cells[file_index, sheet_name] = _stage_sheet(
                file_index, sheet_name, by_name[sheet_name], match)
            tables.append(table)
            sheet_headers.append(header)
            column_labels += labels
        staged.append(item)
    staging = pa.concat_tables(tables)
    con.register("staging", staging)
    con.register("sheet_headers_arrow", pa.table({
        "_file": pa.array([h[0] for h in sheet_headers], type=pa.int32()),
        "_sheet": [h[1] for h in sheet_headers],
        "labels": pa.array([h[2] for h in sheet_headers], type=pa.list_(pa.string())),
    }))
    con.register("column_labels_arrow", pa.table({
        "_file": pa.array([c[0] for c in column_labels], type=pa.int32()),
        "_sheet": [c[1] for c in column_labels],
        "column_key": [c[2] for c in column_labels],
        "label": [c[3] for c in column_labels],
    }))
    try:
        con.execute(validate.stage_sql(template))
        con.execute(validate.resolve_sql(template))
        con.execute(validate.problems_sql(template))
        _problem_cells(con, sheet_cells)
        con.execute("CREATE OR REPLACE TEMP TABLE sheet_headers AS SELECT * FROM sheet_headers_arrow;"
                    "CREATE OR REPLACE TEMP TABLE column_labels AS SELECT * FROM column_labels_arrow;")
    finally:
        for name in ("staging", "sheet_headers_arrow", "column_labels_arrow"):
            con.unregister(name)
    return staged


def _group_counts(con) -> dict[int, tuple[int, int, int, int]]:
    """file index -> (read, loaded, quarantined, skipped)."""
    rows = con.execute("""
        WITH read AS (SELECT _file, count(*) AS n, count(*) FILTER (WHERE _skip IS NOT NULL) AS skipped
                      FROM staged_rows GROUP BY _file),
             checked AS (SELECT _file, count(*) FILTER (WHERE NOT _bad) AS loaded, count(*) FILTER (WHERE _bad) AS bad
                         FROM checked_rows GROUP BY _file)
        SELECT read._file, read.n, coalesce(loaded, 0), coalesce(bad, 0), read.skipped
        FROM read LEFT JOIN checked USING (_file)
    """).fetchall()
    return {r[0]: tuple(r[1:]) for r in rows}


def _insert_columns(template: Template) -> tuple[list[str], list[str]]:
    """Entity table columns, and the SQL over checked_rows joined to the files being written (`f`) that fills each."""
    special = {
        "credit_code": "_credit_code",
        "name_norm": "name_norm(enterprise_name)",
        "passed": "CASE WHEN result IS NOT NULL THEN result = '合格' ELSE coalesce(score >= 60, false) END",
        "supervisor_name": supervisor_name_sql("supervisor"),
        "batch_id": "f.batch_id",
        "source_file": "f.file_name",
        "source_sheet": "_sheet",
        "source_row": "_row",
    }
    if template.name == "training":
        special["person_id"] = "_person_id"
    names = [name for name, _ in entity_columns(template)]
    return names, [special.get(name, name) for name in names]


def _loaded(item: _Prepared, file_index: int, counts) -> FileResult:
    read, loaded, quarantined, skipped = counts.get(file_index, (0, 0, 0, 0))
    return FileResult(item.path, template=item.template.title, rows_read=read, rows_loaded=loaded,
                      rows_quarantined=quarantined, rows_skipped=skipped, sheets=[name for name, _ in item.matches],
                      name=item.name, message="已加载" if not quarantined else f"已加载，{quarantined} 行有问题已隔离")


def _insert_rows(con, template: Template) -> None:
    """The good rows of the files being written (the registered table `writing_files`) into the template's table."""
    names, values = _insert_columns(template)
    con.execute(f"INSERT INTO {template.name} ({', '.join(names)}) SELECT {', '.join(values)} "
                "FROM checked_rows JOIN writing_files f USING (_file) WHERE NOT _bad ORDER BY _file, _sheet, _row")


def _commit(con, template: Template, files: list[tuple[int, _Prepared]], counts, user: str) -> list[FileResult]:
    """Write validated files (by their index in the staging tables), each as its own batch, in one transaction:
    one statement per table for all of them. When it fails, nothing of it stays."""
    results = [_loaded(item, file_index, counts) for file_index, item in files]
    first_batch = first_row(con, "SELECT coalesce(max(batch_id), 0) + 1 FROM batches")[0]
    batch_ids = list(range(first_batch, first_batch + len(files)))
    writing = pa.table({
        "_file": pa.array([file_index for file_index, _ in files], pa.int32()),
        "batch_id": pa.array(batch_ids, pa.int32()),
        "file_name": [item.name for _, item in files],
        "file_path": [str(item.path) for _, item in files],
        "content_hash": [item.content_hash for _, item in files],
        "sheets": ["、".join(r.sheets) for r in results],
        "rows_read": pa.array([r.rows_read for r in results], pa.int32()),
        "rows_loaded": pa.array([r.rows_loaded for r in results], pa.int32()),
        "rows_quarantined": pa.array([r.rows_quarantined for r in results], pa.int32()),
        "rows_skipped": pa.array([r.rows_skipped for r in results], pa.int32()),
    })
    con.register("writing_files", writing)
    con.begin()
    try:
        _insert_rows(con, template)
        if any(r.rows_quarantined for r in results):
            con.execute("""
                INSERT INTO quarantine
                SELECT f.batch_id, $template, f.file_name, p._sheet, p._row, l.label, p.value, p.reason,
                       to_json(map(h.labels, s._cells))
                FROM problems p
                JOIN problem_cells s USING (_file, _sheet, _row)
                JOIN sheet_headers h USING (_file, _sheet)
                JOIN column_labels l USING (_file, _sheet, column_key)
                JOIN writing_files f ON f._file = p._file
                ORDER BY p._file, p._sheet, p._row
            """, {"template": template.title})
        con.execute("""
            INSERT INTO batches
            SELECT batch_id, file_name, file_path, content_hash, $template, sheets, rows_read, rows_loaded,
                   rows_quarantined, rows_skipped, $now, $user, NULL, NULL
            FROM writing_files ORDER BY batch_id
        """, {"template": template.title, "now": _now(), "user": user})
        con.commit()
    except BaseException:
        con.rollback()
        raise
    finally:
        con.unregister("writing_files")
    for result, batch_id in zip(results, batch_ids):
        result.batch_id = batch_id
    return results


def _existing_batch(con, content_hash: str) -> int | None:
    row = first_row(con, "SELECT min(batch_id) FROM batches WHERE content_hash = ? AND rolled_back_at IS NULL",
                    [content_hash])
    return row[0]


def _record_rejection(con, prepared: _Prepared, user: str) -> None:
    already = first_row(con, "SELECT count(*) FROM rejected_files WHERE content_hash = ? AND reason = ?",
                        [prepared.content_hash, prepared.rejection])[0]
    if not already:
        con.execute(
            "INSERT INTO rejected_files VALUES (?, ?, ?, ?, ?, ?)",
            [prepared.name, str(prepared.path), prepared.content_hash, prepared.rejection, _now(), user],
        )


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def _duplicate(item: _Prepared, batch_id: int) -> FileResult:
    return FileResult(item.path, template=item.template.title, batch_id=batch_id, status="duplicate",
                      message=f"与已加载的批次 {batch_id} 内容完全相同，已跳过，数据未作改动。", name=item.name)


def _rejected(con, item: _Prepared, reason: str, user: str) -> FileResult:
    item.rejection = reason
    _record_rejection(con, item, user)
    return FileResult(item.path, template=item.template.title if item.template else None,
                      status="rejected", message=reason, name=item.name)


def _write_error(error: Exception) -> str:
    return f"写入数据库时出错，文件未加载（{type(error).__name__}）。请将此文件发给系统管理员。"


def _load_group(con, template: Template, items: list[_Prepared], user: str, held: Held) -> list[FileResult]:
    """Validate the files of one template together, then commit each as its own batch."""
    results: dict[int, FileResult] = {}
    fresh: list[_Prepared] = []
    first_with_hash: dict[str, _Prepared] = {}
    for item in items:
        existing = _existing_batch(con, item.content_hash)
        if existing is not None:
            results[id(item)] = _duplicate(item, existing)
        elif item.content_hash in first_with_hash:
            continue  # a second copy within this load: settled once the first is written
        else:
            first_with_hash[item.content_hash] = item
            fresh.append(item)
    counts = {}
    if fresh:
        try:
            fresh = _validate_group(con, template, fresh, held)
            counts = _group_counts(con)
        except duckdb.Error as error:
            for item in fresh:
                results[id(item)] = _rejected(con, item, _write_error(error), user)
            fresh = []
        except Exception as error:
            # Find the file at fault: each on its own, so that one bad file does not stop the others.
            for item in fresh:
                if len(fresh) > 1:
                    results[id(item)] = _load_group(con, template, [item], user, held)[0]
                else:
                    results[id(item)] = _rejected(con, item, _internal_error(error), user)
            fresh = []
    for item in items:
        item.sheets = None  # the staging tables hold the cells now
    committed = []
    if len(fresh) > 1:
        try:
            committed = _commit(con, template, list(enumerate(fresh)), counts, user)
        except Exception:
            committed = []  # written again file by file: each file that can be written is
    if committed:
        results.update((id(item), result) for item, result in zip(fresh, committed))
    else:
        for file_index, item in enumerate(fresh):
            try:
                [results[id(item)]] = _commit(con, template, [(file_index, item)], counts, user)
            except Exception as error:
                results[id(item)] = _rejected(con, item, _write_error(error), user)
    for item in items:
        if id(item) not in results:
            first = first_with_hash[item.content_hash]
            results[id(item)] = _duplicate(item, results[id(first)].batch_id) if results[id(first)].batch_id \
                else _rejected(con, item, results[id(first)].message, user)
    return [results[id(item)] for item in items]


def _batches(items: list[_Prepared], cells: int) -> Iterator[list[_Prepared]]:
    """Consecutive runs of files of at most `cells` cells together (a file alone may be up to the budget)."""
    batch: list[_Prepared] = []
    total = 0
    for item in items:
        if batch and total + item.cells > cells:
            yield batch
            batch, total = [], 0
        batch.append(item)
        total += item.cells
    if batch:
        yield batch


def load_paths(
    paths: Iterable[str | os.PathLike],
    db_path: str | os.PathLike,
    *,
    user: str = "命令行",
    progress: Callable[[int, int, str], None] | None = None,
    demo: bool = False,
    names: Mapping[str, str] | None = None,
) -> list[FileResult]:
    """Load files and folders; returns one result per file, in load order.

    `names` gives, by path, the name a file was sent under when its path does not carry it
    (uploads are stored under generated names). Files are read under the write lock, so
    concurrent loads parse one after the other (a load reads READERS files side by side), and
    each file is held to the budgets of `etl.limits`; the files of one template are validated
    together in batches of at most `max_cells` cells. Parsed files wait for their turn in memory
    up to `max_cells` cells, beyond that on disk beside the warehouse (`etl.parsed`).

    `demo` marks the warehouse as the demo one (only the demo build passes it). Any
    other load that loads a file makes it a real warehouse, in the same publish; from
    then on sign-in refuses the demo accounts (`access.users.retire_demo_accounts`
    removes them).
    """
    files = expand_paths(paths)
    if not files:
        raise UsageError("没有找到可加载的文件（.xlsx、.xls 或 .csv）。")
    names = names or {}
    limits = Limits.from_settings()
    results: list[FileResult] = []

    def report(result: FileResult) -> None:
        results.append(result)
        if progress:
            progress(len(results), len(files), result.file_name)

    with store.writing(db_path) as con:
        con.execute(f"SET memory_limit = '{limits.database_memory_mb}MB'")  # beyond it DuckDB spills to disk
        # The private copy is synced once, when it is published (warehouse.store); a crash before that
        # leaves only the copy, which the next writer removes. Syncing every file's commit buys nothing.
        con.execute("SET fsync_mode = 'NONE'")
        parsed.remove_leftovers(Path(db_path))
        held = Held(Path(db_path), limits.max_cells)
        try:
            prepared = _prepare_all(files, names, limits, held)
            validate.create_macros(con)
            for item in (p for p in prepared if p.rejection):
                report(_rejected(con, item, item.rejection, user))
            # Rosters first, so that the other templates can refer to them whatever the order of the paths.
            def template_order(item: _Prepared) -> tuple[int, int]:
                return item.template.load_order, TEMPLATES.index(item.template)

            loadable = sorted((p for p in prepared if not p.rejection), key=template_order)
            for _, group in itertools.groupby(loadable, key=template_order):
                items = list(group)
                for batch in _batches(items, limits.max_cells):
                    for result in _load_group(con, items[0].template, batch, user, held):
                        report(result)
                refresh_current(con, [items[0].template])
        finally:
            held.remove()
        real_data = not demo and any(r.status == "loaded" for r in results)
        if demo:
            con.execute("INSERT OR REPLACE INTO meta VALUES ('is_demo', '1')")
        elif real_data:
            con.execute("DELETE FROM meta WHERE key = 'is_demo'")
    return results
