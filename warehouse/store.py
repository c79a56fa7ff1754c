"""Where the warehouse file lives, and how it is written without disturbing readers.

DuckDB lets one process hold a database file read-write and then refuses every
other process, even read-only. So no writer ever opens the published file:

1. a writer takes an exclusive lock on `<db>.lock` (writers queue, readers never
   touch it);
2. copies the published file to a private temporary file beside it and does all
   its work there, each file of a load in its own transaction;
3. checkpoints, closes, fsyncs, and renames the temporary file over the
   published one (`os.replace`, atomic on POSIX).

Readers open the published file read-only. A reader that opened it before the
rename keeps reading the old inode, a whole consistent snapshot; it sees the new
data when it reconnects, which `db_version` (inode, mtime, size) tells it to do.

DuckDB keeps one database instance per path within a process: while any
connection to the old file is open, connecting to the same path again returns
the old instance, and with it the old data. So readers never connect to the
published path itself but to a hard link of it named after its version
(`.<db>.readers/<version>.duckdb`): a new version is a new path, hence a fresh
instance, while connections to older versions finish their work undisturbed.
Links of older versions are removed after a grace period; a connection still open
on one keeps reading it (the inode lives while it is open).
A writer killed midway leaves only its temporary file, which the next writer
removes; the published file is exactly as before.
"""
from __future__ import annotations

import fcntl
import os
import shutil
import signal
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb

from warehouse.schema import create_schema, is_current, stand_in_derived


WAREHOUSE_MODE = 0o640  # owner writes, the dashboard's group reads, nobody else
SNAPSHOT_DIR_MODE = 0o750


class WarehouseBusy(Exception):
    """Another load holds the write lock for longer than we wait."""


class DatabaseMissing(Exception):
    """No usable warehouse file where one was expected (absent, or not a database)."""


def _lock_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".lock")


def _temp_prefix(db_path: Path) -> str:
    return f".{db_path.name}.writing-"


def _remove_leftovers(db_path: Path) -> None:
    """Temporary files of writers that died (we hold the lock, so none is alive)."""
    for leftover in db_path.parent.glob(_temp_prefix(db_path) + "*"):
        leftover.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def write_lock(db_path: Path, timeout: float = 600.0) -> Iterator[None]:
    db_path.parent.mkdir(parents=True, exist_ok=True)
    with open(_lock_path(db_path), "a+") as lock_file:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise WarehouseBusy(f"数据库 {db_path} 正被另一次导入占用，请稍后再试。") from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


PAUSE_FD_ENV = "WEIHAI_PAUSE_BEFORE_PUBLISH_FD"


def _pause_before_publish() -> None:
    """Tests stop a writer at this known point (its work is in the private copy, nothing is published):
    when the environment names a pipe, say so on it, then stop until continued (SIGCONT) or killed."""
    fd = os.environ.get(PAUSE_FD_ENV)
    if fd:
        os.write(int(fd), b"paused\n")
        os.kill(os.getpid(), signal.SIGSTOP)


@contextmanager
def writing(db_path: str | os.PathLike) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection to a private copy, published atomically on success."""
    db_path = Path(db_path)
    with write_lock(db_path), _writing_locked(db_path) as con:
        yield con


@contextmanager
def _writing_locked(db_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """`writing`, for a caller that holds the write lock."""
    _remove_leftovers(db_path)
    temp = db_path.with_name(f"{_temp_prefix(db_path)}{os.getpid()}")
    if db_path.exists():
        shutil.copyfile(db_path, temp)
    con = duckdb.connect(str(temp))
    try:
        con.execute("SET enable_progress_bar = false")
        create_schema(con)
        yield con
        _pause_before_publish()
        con.execute("CHECKPOINT")
        con.close()
        os.chmod(temp, WAREHOUSE_MODE)  # whatever the umask; the reader links share this inode
        _fsync(temp)
        os.replace(temp, db_path)
        _fsync(db_path.parent)
    except BaseException:
        con.close()
        temp.unlink(missing_ok=True)
        temp.with_name(temp.name + ".wal").unlink(missing_ok=True)
        raise


def db_version(db_path: str | os.PathLike) -> str | None:
    """Changes whenever a writer publishes; None when there is no database yet."""
    try:
        st = os.stat(db_path)
    except FileNotFoundError:
        return None
    return f"{st.st_ino}-{st.st_mtime_ns}-{st.st_size}"


SNAPSHOT_GRACE_SECONDS = 600


def _snapshot_dir(db_path: Path) -> Path:
    return db_path.with_name(f".{db_path.name}.readers")


def _remove_old_snapshots(folder: Path, keep: Path) -> None:
    cutoff = time.time() - SNAPSHOT_GRACE_SECONDS
    for link in folder.glob("*.duckdb"):
        try:
            if link != keep and link.lstat().st_ctime < cutoff:
                link.unlink()
        except FileNotFoundError:
            pass


def reader_snapshot(db_path: str | os.PathLike) -> tuple[Path, str]:
    """A hard link to the currently published file, named after its version."""
    db_path = Path(db_path)
    folder = _snapshot_dir(db_path)
    if not folder.exists():
        folder.mkdir(exist_ok=True)
        os.chmod(folder, SNAPSHOT_DIR_MODE)
    temp = folder / f"linking-{os.getpid()}-{time.monotonic_ns()}"
    os.link(db_path, temp)  # the published file as it is now, whatever a writer does next
    version = db_version(temp)
    link = folder / f"{version}.duckdb"
    if link.exists():
        temp.unlink()
    else:
        os.replace(temp, link)
    _remove_old_snapshots(folder, keep=link)
    return link, version


def open_reader(db_path: str | os.PathLike) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the data as published now; it never sees a later publish.

    A warehouse written under an older schema is first brought to the current one (see `upgrade`).
    """
    if not Path(db_path).exists():
        raise FileNotFoundError(f"数据库不存在：{db_path}")
    try:
        link, _ = reader_snapshot(db_path)
    except OSError:  # a folder we may not write to: read the file itself
        return _as_it_is(duckdb.connect(str(db_path), read_only=True))
    con = duckdb.connect(str(link), read_only=True)
    if _is_current(con):
        return con
    if not upgrade(db_path):
        return _as_it_is(con)
    con.close()
    link, _ = reader_snapshot(db_path)
    return duckdb.connect(str(link), read_only=True)


def _as_it_is(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """`con` on a warehouse read without upgrading it: what an older schema lacks of the derived tables stands in as
    views (`stand_in_derived`)."""
    if not _is_current(con):
        stand_in_derived(con)
    return con


def _is_current(con) -> bool:
    try:
        return is_current(con)
    except duckdb.Error:  # not a warehouse of ours: leave it to the caller
        return True


def upgrade(db_path: str | os.PathLike) -> bool:
    """Publish a warehouse of an older schema under the current one (new columns, converted kinds); True when done.

    Readers call this when they find an older warehouse, so it never waits: when a writer holds the
    lock, that writer publishes the current schema anyway; when the lock or the folder cannot be
    written (a read-only account), the warehouse is read as it is.
    """
    db_path = Path(db_path)
    try:
        with write_lock(db_path, timeout=0):
            with duckdb.connect(str(reader_snapshot(db_path)[0]), read_only=True) as con:
                if _is_current(con):
                    return False
            with _writing_locked(db_path):
                pass
    except (WarehouseBusy, OSError):
        return False
    return True


def ensure_database(db_path: str | os.PathLike) -> None:
    """Create an empty warehouse (schema only) when none exists."""
    if not Path(db_path).exists():
        with writing(db_path):
            pass


def first_row(con, sql: str, params=None) -> tuple | None:
    """The first row of a query, or None; the result is always drained.

    DuckDB 2.x keeps a result open until it is fetched to the end, and refuses
    other work on that connection meanwhile, so `fetchone()` is not enough.
    """
    rows = con.execute(sql, params or []).fetchall()
    return rows[0] if rows else None


def usable(con) -> bool:
    """Whether a connection kept for later queries can still run one (open, with no unfinished result)."""
    try:
        con.execute("SELECT 1").fetchall()
    except duckdb.Error:
        return False
    return True


def is_demo(con) -> bool:
    """Whether the warehouse holds the generated demo data (its `meta` mark, set by the demo build only)."""
    row = first_row(con, "SELECT value FROM meta WHERE key = 'is_demo'")
    return bool(row and row[0] == "1")
