"""Load input files into the warehouse: every row loaded or quarantined, nothing lost.

`load_paths` reads every file, recognises its template from the header row,
loads rosters before the templates that refer to them, and writes each file in
its own transaction as one batch. All of one call's work is published to
readers at once (see `etl.store`).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import duckdb
import pyarrow as pa

from etl import headers, store, validate
from etl.readers import LOADABLE_SUFFIXES, FileRejected, Sheet, read_file
from etl.schema import entity_columns
from etl.store import first_row
from etl.templates import Template

KEEP_IN_MEMORY_BYTES = 20 * 1024 * 1024


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

    @property
    def file_name(self) -> str:
        return self.path.name


@dataclass
class _Prepared:
    path: Path
    content_hash: str
    template: Template | None = None
    matches: list[tuple[str, headers.HeaderMatch]] = field(default_factory=list)
    sheets: list[Sheet] | None = None
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


def _recognise(sheets: list[Sheet]) -> tuple[Template | None, list[tuple[str, headers.HeaderMatch]], str | None]:
    matches = [(sheet.name, m) for sheet in sheets if (m := headers.detect(sheet.rows))]
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


def _prepare(path: Path) -> _Prepared:
    prepared = _Prepared(path, _file_hash(path))
    try:
        sheets = read_file(path)
    except FileRejected as rejection:
        prepared.rejection = str(rejection)
        return prepared
    prepared.template, prepared.matches, prepared.rejection = _recognise(sheets)
    if path.stat().st_size <= KEEP_IN_MEMORY_BYTES:
        prepared.sheets = sheets
    return prepared


def _staging_table(rows: list[list[str | None]], match: headers.HeaderMatch) -> tuple[pa.Table, int]:
    data = rows[match.header_index + 1:]
    width = max([len(match.labels)] + [len(r) for r in data])
    padded = [r + [None] * (width - len(r)) if len(r) < width else r for r in data]
    columns = list(zip(*padded)) if padded else [()] * width
    first_data_row = match.excel_row + 1
    arrays = {"_row": pa.array(range(first_data_row, first_data_row + len(data)), type=pa.int32())}
    for i in range(width):
        arrays[f"c{i}"] = pa.array(columns[i], type=pa.string())
    return pa.table(arrays), width


def _insert_columns(template: Template) -> tuple[list[str], list[str]]:
    """Entity table columns, and the SQL over resolved_rows that fills each."""
    special = {
        "credit_code": "_credit_code",
        "name_norm": "name_norm(enterprise_name)",
        "passed": "CASE WHEN result IS NOT NULL THEN result = '合格' ELSE coalesce(score >= 60, false) END",
        "batch_id": "$batch_id",
        "source_file": "$source_file",
        "source_sheet": "$source_sheet",
        "source_row": "_row",
    }
    if template.name == "training":
        special["person_id"] = "_person_id"
    names = [name for name, _ in entity_columns(template)]
    return names, [special.get(name, name) for name in names]


def _load_sheet(con, batch_id: int, path: Path, sheet_name: str, rows, match: headers.HeaderMatch) -> tuple[int, int, int, int]:
    template = match.template
    staging, width = _staging_table(rows, match)
    con.register("staging", staging)
    try:
        con.execute(validate.stage_sql(match, width))
        con.execute(validate.resolve_sql(template))
        con.execute(validate.problems_sql(match))
    finally:
        con.unregister("staging")
    params = {"batch_id": batch_id, "source_file": path.name, "source_sheet": sheet_name}
    names, values = _insert_columns(template)
    con.execute(
        f"INSERT INTO {template.name} ({', '.join(names)}) SELECT {', '.join(values)} FROM resolved_rows "
        "WHERE _row NOT IN (SELECT _row FROM problems)",
        params,
    )
    con.execute(
        "INSERT INTO quarantine SELECT $batch_id, $template, $source_file, $source_sheet, p._row, p.column_label, "
        "p.value, p.reason, r._raw_json FROM problems p JOIN resolved_rows r USING (_row) ORDER BY p._row",
        {**params, "template": template.title},
    )
    read, skipped, data_rows, quarantined = first_row(
        con,
        "SELECT (SELECT count(*) FROM staged_rows), (SELECT count(*) FROM staged_rows WHERE _skip IS NOT NULL), "
        "(SELECT count(*) FROM typed_rows), (SELECT count(DISTINCT _row) FROM problems)")
    return read, data_rows - quarantined, quarantined, skipped


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
            [prepared.path.name, str(prepared.path), prepared.content_hash, prepared.rejection, _now(), user],
        )


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def _load_file(con, prepared: _Prepared, user: str) -> FileResult:
    result = FileResult(prepared.path, template=prepared.template.title)
    existing = _existing_batch(con, prepared.content_hash)
    if existing is not None:
        result.status, result.batch_id = "duplicate", existing
        result.message = f"与已加载的批次 {existing} 内容完全相同，已跳过，数据未作改动。"
        return result
    sheets = prepared.sheets if prepared.sheets is not None else read_file(prepared.path)
    rows_by_sheet = {sheet.name: sheet.rows for sheet in sheets}
    batch_id = first_row(con, "SELECT coalesce(max(batch_id), 0) + 1 FROM batches")[0]
    con.begin()
    try:
        for sheet_name, match in prepared.matches:
            read, loaded, quarantined, skipped = _load_sheet(
                con, batch_id, prepared.path, sheet_name, rows_by_sheet[sheet_name], match)
            result.rows_read += read
            result.rows_loaded += loaded
            result.rows_quarantined += quarantined
            result.rows_skipped += skipped
            result.sheets.append(sheet_name)
        con.execute(
            "INSERT INTO batches VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)",
            [batch_id, prepared.path.name, str(prepared.path), prepared.content_hash, prepared.template.title,
             "、".join(result.sheets), result.rows_read, result.rows_loaded, result.rows_quarantined,
             result.rows_skipped, _now(), user],
        )
        con.commit()
    except BaseException:
        con.rollback()
        raise
    result.batch_id = batch_id
    result.message = "已加载" if not result.rows_quarantined else f"已加载，{result.rows_quarantined} 行有问题已隔离"
    return result


def load_paths(
    paths: Iterable[str | os.PathLike],
    db_path: str | os.PathLike,
    *,
    user: str = "命令行",
    progress: Callable[[int, int, str], None] | None = None,
) -> list[FileResult]:
    """Load files and folders; returns one result per file, in load order."""
    files = expand_paths(paths)
    if not files:
        raise UsageError("没有找到可加载的文件（.xlsx 或 .csv）。")
    prepared = [_prepare(path) for path in files]
    # Rosters first, so that the other templates can refer to them whatever the order of the paths.
    prepared.sort(key=lambda p: p.template.load_order if p.template else 0)
    results: list[FileResult] = []
    with store.writing(db_path) as con:
        validate.create_macros(con)
        for done, item in enumerate(prepared, start=1):
            if progress:
                progress(done, len(prepared), item.path.name)
            results.append(_load_one(con, item, user))
    return results


def _load_one(con, item: _Prepared, user: str) -> FileResult:
    if item.rejection:
        _record_rejection(con, item, user)
        return FileResult(item.path, status="rejected", message=item.rejection)
    try:
        return _load_file(con, item, user)
    except FileRejected as rejection:
        item.rejection = str(rejection)
    except duckdb.Error as error:
        item.rejection = f"写入数据库时出错，文件未加载（{type(error).__name__}）。请将此文件发给系统管理员。"
    _record_rejection(con, item, user)
    return FileResult(item.path, template=item.template.title if item.template else None,
                      status="rejected", message=item.rejection)
