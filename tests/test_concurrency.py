"""Loads never disturb readers, and a killed load leaves the database as it was.

Each test stops a real `python -m etl load` at a known point, through the writer's test hook
(`warehouse.store.PAUSE_FD_ENV`): all its work is in its private copy, it holds the write lock,
and nothing is published yet. The test then continues it (SIGCONT) or kills it (SIGKILL).
"""
from __future__ import annotations

import multiprocessing
import os
import select
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import duckdb

from etl.load import load_paths
from tests.filemaker import CODE_A, CODE_B, roster_rows, write_csv, write_xlsx
from warehouse.store import PAUSE_FD_ENV, db_version, open_reader

ROOT = Path(__file__).resolve().parent.parent
FIGURES_SQL = "SELECT (SELECT count(*) FROM drills), (SELECT coalesce(sum(actual), 0) FROM drills), " \
              "(SELECT count(*) FROM work_logs)"


def base_database(folder: Path) -> Path:
    """Roster + 2 drills (actual 9 and 10)."""
    db = folder / "warehouse.duckdb"
    roster = write_xlsx(folder / "roster.xlsx", {"名册": roster_rows()})
    drills = write_csv(folder / "drills.csv", [
        ["统一社会信用代码", "演练日期", "应参加人数", "实际参加人数"],
        [CODE_A, "2026-07-01", "10", "9"], [CODE_B, "2026-07-02", "10", "10"]])
    load_paths([roster, drills], db)
    return db


def big_batch(folder: Path, log_rows: int) -> Path:
    """A second load: 3 more drills (actual 5 + 6 + 7 = 18) and `log_rows` work-log rows."""
    batch = folder / "batch2"
    batch.mkdir()
    write_csv(batch / "drills2.csv", [
        ["统一社会信用代码", "演练日期", "应参加人数", "实际参加人数"],
        [CODE_A, "2026-08-01", "10", "5"], [CODE_A, "2026-08-02", "10", "6"], [CODE_B, "2026-08-03", "10", "7"]])
    rows = [["日期", "驻点人员", "统一社会信用代码", "工作内容", "特殊作业数", "现场监督数"]]
    rows += [[f"2026-07-{1 + i % 28:02d}", "王强", CODE_A, f"巡查第{i}次", "1", "1"] for i in range(log_rows)]
    write_csv(batch / "logs.csv", rows)
    return batch


def reader(db: str, new: tuple, stop, notices, results) -> None:
    """What the dashboard does on each interaction: reconnect when the version changed, then query."""
    seen, errors, con, version, count = set(), [], None, None, 0
    while not stop.is_set():
        try:
            now = db_version(db)
            if now != version:
                con, version = open_reader(db), now
            figures = tuple(con.execute(FIGURES_SQL).fetchall()[0])
        except Exception as error:  # any error at all is a failure of the design
            errors.append(repr(error))
            continue
        count += 1
        if count == 1:
            notices.put("ready")
        if figures == new and new not in seen:
            notices.put("saw new")
        seen.add(figures)
    results.put((sorted(seen), errors, count))


def paused_load(batch: Path, db: Path, log: Path) -> subprocess.Popen:
    """`python -m etl load batch`, stopped by the writer's hook just before it publishes."""
    read_end, write_end = os.pipe()
    with log.open("w") as output:
        process = subprocess.Popen([sys.executable, "-m", "etl", "load", str(batch), "--db", str(db)], cwd=ROOT,
                                   env={**os.environ, PAUSE_FD_ENV: str(write_end)}, pass_fds=(write_end,),
                                   stdout=output, stderr=subprocess.STDOUT)
    os.close(write_end)
    try:
        readable, _, _ = select.select([read_end], [], [], 300)
        said = os.read(read_end, 64) if readable else b""
    finally:
        os.close(read_end)
    if said != b"paused\n":  # the load ended (or hung) before it got there
        process.kill()
        process.wait()
        raise AssertionError(f"the load did not reach the point before publishing: {log.read_text()}")
    _, status = os.waitpid(process.pid, os.WUNTRACED)  # the hook stops the process right after saying so
    assert os.WIFSTOPPED(status)
    return process


def test_readers_see_old_or_new_figures_never_a_mix_and_no_error(tmp_path):
    db = base_database(tmp_path)
    batch = big_batch(tmp_path, log_rows=3_000)
    old, new = (2, 19, 0), (5, 37, 3_000)  # by hand: 2 drills Σ9+10; then 5 drills Σ19+18, and the logs

    load = paused_load(batch, db, tmp_path / "load.log")  # the new figures are in its private copy
    context = multiprocessing.get_context("spawn")
    stop, notices, results = context.Event(), context.Queue(), context.Queue()
    readers = [context.Process(target=reader, args=(str(db), new, stop, notices, results)) for _ in range(3)]
    for process in readers:
        process.start()
    try:
        # every reader queries while the load holds the lock with its work done
        assert [notices.get(timeout=120) for _ in readers] == ["ready"] * 3
        os.kill(load.pid, signal.SIGCONT)  # publish, while the readers keep querying
        assert load.wait(timeout=120) == 0, (tmp_path / "load.log").read_text()
        # every reader sees the new data on one of its next queries after the publish
        assert [notices.get(timeout=120) for _ in readers] == ["saw new"] * 3
    finally:
        if load.poll() is None:
            load.kill()
            load.wait()
        stop.set()
        outcomes = [results.get(timeout=120) for _ in readers]
        for process in readers:
            process.join(timeout=30)

    for seen, errors, _count in outcomes:
        assert errors == []
        assert seen == [old, new], seen  # the old figures before the publish, the new ones after, nothing else


def test_a_load_killed_midway_leaves_the_database_as_before(tmp_path):
    db = base_database(tmp_path)
    before = db_version(db)
    batch = big_batch(tmp_path, log_rows=3_000)
    load = paused_load(batch, db, tmp_path / "load.log")
    temp = tmp_path / f".warehouse.duckdb.writing-{load.pid}"
    # the load got as far as writing everything into its private copy: a copy of that copy shows it
    frozen = tmp_path / "frozen" / "w.duckdb"
    frozen.parent.mkdir()
    shutil.copyfile(temp, frozen)
    if temp.with_name(temp.name + ".wal").exists():
        shutil.copyfile(temp.with_name(temp.name + ".wal"), frozen.with_name("w.duckdb.wal"))
    con = duckdb.connect(str(frozen))
    assert con.execute(FIGURES_SQL).fetchall() == [(5, 37, 3_000)]
    con.close()

    os.kill(load.pid, signal.SIGKILL)
    assert load.wait(timeout=60) == -signal.SIGKILL

    assert db_version(db) == before
    con = open_reader(db)
    assert con.execute(FIGURES_SQL).fetchall() == [(2, 19, 0)]
    con.close()
    assert temp.exists()  # the killed writer's leftover
    # The next load clears the leftover and lands whole.
    [result] = [r for r in load_paths([batch / "drills2.csv"], db)]
    assert result.status == "loaded"
    assert not temp.exists()
    con = open_reader(db)
    assert con.execute(FIGURES_SQL).fetchall() == [(5, 37, 0)]
