"""The warehouse as a whole: its meta values, whether it holds demo data, whether it holds any data."""
from __future__ import annotations

from warehouse.store import first_row, is_demo as store_is_demo


def meta_value(con, key: str) -> str | None:
    row = first_row(con, "SELECT value FROM meta WHERE key = ?", [key])
    return row[0] if row else None


def is_demo(con) -> bool:
    return store_is_demo(con)


def has_any_data(con) -> bool:
    return bool(first_row(con, "SELECT count(*) FROM enterprises")[0])
