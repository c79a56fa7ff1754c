"""Batch history and rollback.

Every load of a file is a batch. Rolling a batch back removes its rows and its
quarantined rows; because superseded roster rows and hazard versions were never
deleted, rebuilding the `*_current` tables (`refresh_current`, as every load does)
brings them back to what they were before the batch.
"""
from __future__ import annotations

import datetime as dt
import os

from warehouse import store
from warehouse.schema import refresh_current
from warehouse.store import first_row
from warehouse.templates import TEMPLATES


class RollbackError(Exception):
    """The batch does not exist or was already rolled back."""


def rollback(db_path: str | os.PathLike, batch_id: int, *, user: str = "命令行") -> dict:
    """Remove one batch; returns its batches row as a dict."""
    with store.writing(db_path) as con:
        row = first_row(
            con, "SELECT batch_id, file_name, template, rows_loaded, rolled_back_at FROM batches WHERE batch_id = ?",
            [batch_id])
        if row is None:
            raise RollbackError(f"批次 {batch_id} 不存在。运行 `python -m etl batches` 查看已加载的批次。")
        if row[4] is not None:
            raise RollbackError(f"批次 {batch_id}（{row[1]}）已于 {row[4]:%Y-%m-%d %H:%M} 撤销过，无需再次撤销。")
        con.begin()
        for template in TEMPLATES:
            con.execute(f"DELETE FROM {template.name} WHERE batch_id = ?", [batch_id])
        con.execute("DELETE FROM quarantine WHERE batch_id = ?", [batch_id])
        con.execute(
            "UPDATE batches SET rolled_back_at = ?, rolled_back_by = ? WHERE batch_id = ?",
            [dt.datetime.now().replace(microsecond=0), user, batch_id],
        )
        refresh_current(con)
        con.commit()
    return {"batch_id": row[0], "file_name": row[1], "template": row[2], "rows_loaded": row[3]}


BATCH_COLUMNS = ("batch_id", "file_name", "content_hash", "template", "rows_read", "rows_loaded",
                 "rows_quarantined", "rows_skipped", "loaded_at", "loaded_by", "rolled_back_at")


def list_batches(con):
    return con.execute(f"SELECT {', '.join(BATCH_COLUMNS)} FROM batches ORDER BY batch_id").fetchall()


QUARANTINE_COLUMNS = ("file_name", "sheet", '"row"', '"column"', "value", "reason")


def list_quarantine(con):
    return con.execute(
        f"SELECT {', '.join(QUARANTINE_COLUMNS)} FROM quarantine ORDER BY batch_id, \"row\", \"column\""
    ).fetchall()
