"""First start: build the demo warehouse when there is no database yet."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from access import users
from etl.load import load_paths
from warehouse import store
from warehouse.store import is_demo

DEMO_SEED = 20261


def _build_demo(db_path: Path, progress) -> None:
    from demo.generate import generate

    with tempfile.TemporaryDirectory(prefix="weihai-demo-") as folder:
        generate(folder, scale=1, seed=DEMO_SEED)
        load_paths([folder], db_path, user="演示数据", progress=progress, demo=True)


def ensure_demo_database(db_path: str | os.PathLike, *, progress=None) -> bool:
    """Build the scale-1 demo warehouse when `db_path` does not exist; True when it did so.

    While the warehouse is the demo one, one demo user per role is set up too (marked as
    demo accounts: the first load of real data retires them, see `etl.load.load_paths`).
    """
    db_path = Path(db_path)
    created = not db_path.exists()
    if created:
        _build_demo(db_path, progress)
    con = store.open_reader(db_path)
    try:
        demo = is_demo(con)
    finally:
        con.close()
    if demo:
        users.ensure_demo_users(users.users_db_path(db_path))
    return created
