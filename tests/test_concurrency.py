"""Loads never disturb readers, and a killed load leaves the database as it was."""
from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from etl.load import load_paths
from warehouse.store import db_version, open_reader
from tests.filemaker import CODE_A, CODE_B, roster_rows, write_csv, write_xlsx

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


def test_readers_see_old_or_new_figures_never_a_mix_and_no_error(tmp_path):
    db = base_database(tmp_path)
    batch = big_batch(tmp_path, log_rows=60_000)
    old, new = (2, 19, 0), (5, 37, 60_000)  # by hand: 2 drills Σ9+10; then 5 drills Σ19+18, and the logs

    context = multiprocessing.get_context("spawn")
    stop, notices, results = context.Event(), context.Queue(), context.Queue()
    readers = [context.Process(target=reader, args=(str(db), new, stop, notices, results)) for _ in range(4)]
    for process in readers:
        process.start()
    try:
        assert [notices.get(timeout=180) for _ in readers] == ["ready"] * 4
        load = subprocess.run([sys.executable, "-m", "etl", "load", str(batch), "--db", str(db)],
                              cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert load.returncode == 0, load.stderr
        # every reader sees the new data on one of its next queries after the load
        assert [notices.get(timeout=180) for _ in readers] == ["saw new"] * 4
    finally:
        stop.set()
        outcomes = [results.get(timeout=120) for _ in readers]
        for process in readers:
            process.join(timeout=30)

    for seen, errors, count in outcomes:
        assert errors == []
        assert set(seen) <= {old, new}, seen
        assert new in seen
    assert any(old in seen for seen, _, _ in outcomes)


def test_a_load_killed_midway_leaves_the_database_as_before(tmp_path):
    db = base_database(tmp_path)
    before = db_version(db)
    batch = big_batch(tmp_path, log_rows=150_000)
    process = subprocess.Popen([sys.executable, "-m", "etl", "load", str(batch), "--db", str(db)],
                               cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    temp = tmp_path / f".warehouse.duckdb.writing-{process.pid}"
    deadline = time.monotonic() + 60
    while not temp.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.01)
    assert temp.exists(), "the load got as far as writing its private copy"
    time.sleep(0.3)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()

    assert db_version(db) == before
    con = open_reader(db)
    assert con.execute(FIGURES_SQL).fetchall() == [(2, 19, 0)]
    con.close()
    # The next load clears the leftover and lands whole.
    [result] = [r for r in load_paths([batch / "drills2.csv"], db)]
    assert result.status == "loaded"
    assert not temp.exists()
    con = open_reader(db)
    assert con.execute(FIGURES_SQL).fetchall() == [(5, 37, 0)]
