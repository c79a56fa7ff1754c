"""First start: build the demo warehouse when there is no database yet."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from etl import store
from etl.store import first_row
from etl.load import load_paths

DEMO_SEED = 20261


def is_demo(con) -> bool:
    row = first_row(con, "SELECT value FROM meta WHERE key = 'is_demo'")
    return bool(row and row[0] == "1")


def ensure_demo_database(db_path: str | os.PathLike, *, progress=None) -> bool:
    """Generate and load the scale-1 demo set when `db_path` does not exist; True when it did so."""
    from etl.demo import generate

    db_path = Path(db_path)
    if db_path.exists():
        return False
    with tempfile.TemporaryDirectory(prefix="weihai-demo-") as folder:
        generate(folder, scale=1, seed=DEMO_SEED)
        load_paths([folder], db_path, user="演示数据", progress=progress)
    with store.writing(db_path) as con:
        con.execute("INSERT OR REPLACE INTO meta VALUES ('is_demo', '1')")
    return True
