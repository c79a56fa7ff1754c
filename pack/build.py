"""The quarterly meeting pack: gather the figures, build the documents, write them to a folder.

Writes 会商材料_<季度>_<范围>.xlsx / .docx / .html and …_图表.zip. When no Chromium is
installed the documents are still written and the images are skipped with a reason.
Chromium starts before the figures are read and draws the charts while the documents are built.
"""
from __future__ import annotations

import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from core.config import default_db_path
from core.dates import parse_date
from core.quarters import latest_complete_quarter, parse_quarter
from metrics.sql import make_period
from warehouse import store
from warehouse.store import DatabaseMissing

if TYPE_CHECKING:
    from access.users import User
    from pack.content import PackContent
    from pack.images import BackgroundRender


@dataclass
class PackFiles:
    paths: list[Path] = field(default_factory=list)
    images_problem: str | None = None  # why the chart images were not written
    seconds: dict[str, float] = field(default_factory=dict)
    cpu_seconds: dict[str, float] = field(default_factory=dict)  # the process's CPU time per stage, all threads


class _Stage:
    """Wall and CPU seconds of one stage, recorded in a PackFiles."""

    def __init__(self, files: PackFiles, name: str) -> None:
        self.files, self.name = files, name

    def __enter__(self) -> None:
        self.started, self.started_cpu = time.perf_counter(), time.process_time()

    def __exit__(self, *exc) -> None:
        self.files.seconds[self.name] = time.perf_counter() - self.started
        self.files.cpu_seconds[self.name] = time.process_time() - self.started_cpu


def _write(path: Path, data: bytes) -> Path:
    """Write through a temporary name, so a half-written file never carries the final name."""
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(data)
    partial.replace(path)
    return path


def _warm() -> None:
    import pack.workbook  # noqa: F401  (the worker imports it while the figures are read)


def _workbook_in_worker(content: PackContent) -> tuple[bytes, float]:
    from pack.workbook import build_workbook
    started = time.process_time()
    data = build_workbook(content)
    return data, time.process_time() - started


class WorkbookWorker:
    """A process of its own that builds the workbook (most of a pack's CPU time) while this one builds the charts,
    the brief and the report: the pack takes the longer of the two on a machine with two cores, not their sum.
    Started before the figures are read, so its imports are done by the time the workbook is wanted."""

    def __init__(self) -> None:
        from core.workers import WorkerPool  # not multiprocessing's spawn: it would run the dashboard's script again
        try:
            self._pool = WorkerPool(1)
            self._pool.submit(_warm)
        except OSError:  # no process could be started: the workbook is built here
            self._pool = None
        self._future = None

    def __enter__(self) -> WorkbookWorker:
        return self

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=exc[0] is None, cancel_futures=True)  # on an error, do not wait for its imports

    def submit(self, content: PackContent) -> None:
        from concurrent.futures.process import BrokenProcessPool
        if self._pool is not None:
            try:
                self._future = self._pool.submit(_workbook_in_worker, content)
            except BrokenProcessPool:
                self._future = None

    def result(self, content: PackContent) -> tuple[bytes, float | None]:
        """The workbook and the worker's CPU seconds; built here when the worker could not take it (its
        process did not start or died, or the figures could not be handed over): the same workbook either way."""
        from concurrent.futures.process import BrokenProcessPool
        from pickle import PicklingError
        if self._future is not None:
            try:
                return self._future.result()
            except (BrokenProcessPool, PicklingError, OSError):
                pass
        from pack.workbook import build_workbook
        return build_workbook(content), None


# Below this size of warehouse file the workbook is built in this process: a process of its own takes about 2 s of
# CPU to start (a new interpreter importing pandas, pyarrow and openpyxl), more than the workbook of a few enterprises
# takes to build. A city's warehouse (the 1x demo: 11 MB, its workbook 3.5 s of CPU) is well above it.
WORKER_FROM_BYTES = 8 * 1024 * 1024


def _worth_a_worker(db: Path) -> bool:
    try:
        return db.stat().st_size >= WORKER_FROM_BYTES
    except OSError:
        return True


def write_pack(content: PackContent, out_dir: Path, *, sections: dict[str, str] | None = None,
               images: bool = True, rendering: BackgroundRender | None = None,
               workbook: WorkbookWorker | None = None) -> PackFiles:
    """Write the workbook, the brief, the report and (when asked and possible) the chart images.

    `rendering` is a Chromium already started (see `build_pack`); without one, one is started here.
    `workbook` a worker process already started that builds the workbook meanwhile; without one, it is built here.
    """
    # The builders import openpyxl, python-docx and plotly: loaded when a pack is made, so that
    # registering the command costs `python -m metrics` nothing.
    from pack.brief import build_brief
    from pack.charts import pack_charts
    from pack.draft import appendices, draft_sections
    from pack.images import BackgroundRender, ChartImagesUnavailable
    from pack.report_html import build_html
    from pack.workbook import build_workbook

    out_dir.mkdir(parents=True, exist_ok=True)
    result = PackFiles()
    with ExitStack() as stack:
        if images and rendering is None:
            rendering = stack.enter_context(BackgroundRender())
        with _Stage(result, "charts"):
            charts = pack_charts(content)
            if images:
                rendering.submit(content.stem, charts)  # Chromium draws while the documents are built here
        with _Stage(result, "draft"):  # the paper's text and appendices, for the brief and the report
            drafted, attached = draft_sections(content), appendices(content)
        built = {}
        if workbook is None:
            with _Stage(result, "xlsx"):
                built["xlsx"] = build_workbook(content)
        with _Stage(result, "docx"):
            built["docx"] = build_brief(content, sections, drafted=drafted, attached=attached)
        with _Stage(result, "html"):
            built["html"] = build_html(content, sections, charts, drafted=drafted, attached=attached).encode("utf-8")
        if workbook is not None:
            with _Stage(result, "xlsx (waited)"):
                built["xlsx"], worker_cpu = workbook.result(content)
            if worker_cpu is not None:
                result.cpu_seconds["xlsx (worker process)"] = worker_cpu
        for suffix in ("xlsx", "docx", "html"):
            result.paths.append(_write(out_dir / f"{content.stem}.{suffix}", built[suffix]))
        if images:
            with _Stage(result, "png (waited)"):
                try:
                    result.paths.append(_write(out_dir / f"{content.stem}_图表.zip", rendering.result()))
                except ChartImagesUnavailable as problem:
                    result.images_problem = str(problem)
    return result


def build_pack(db: Path | None, quarter: str | None, out_dir: Path, *, districts: list[str] | None = None,
               as_of: str | date | None = None, images: bool = True, user: User | None = None,
               current: bool = False) -> PackFiles:
    """The pack for `quarter` (default: the latest complete one) of the warehouse at `db`, written to `out_dir`.

    With `user`, the paper takes the meeting's date, last quarter's tasks, the matters and the meeting's tasks from
    the meeting records beside `db`, as that user may read them (`pack.meeting`), and the figures frozen at the
    quarter's 定稿 where it has them (`current`: the figures of now all the same).
    """
    from pack.content import gather
    from pack.images import BackgroundRender
    from pack.meeting import gather_with_records

    chosen = parse_quarter(quarter) if quarter else latest_complete_quarter()
    day = parse_date(as_of) if as_of else None
    make_period(chosen, day)  # a bad as-of date is a usage error before the database is opened
    path = db or default_db_path()
    if not path.exists():
        raise DatabaseMissing(
            f"找不到数据库文件：{path}。请先运行 `python -m etl load 文件或文件夹 --db {path}` 导入数据。")
    with ExitStack() as stack:
        # Chromium and the workbook's worker start while the figures are read.
        rendering = stack.enter_context(BackgroundRender()) if images else None
        workbook = stack.enter_context(WorkbookWorker()) if _worth_a_worker(path) else None
        started, started_cpu = time.perf_counter(), time.process_time()
        try:
            con = store.open_reader(path)
        except duckdb.Error as error:
            raise DatabaseMissing(
                f"无法打开数据库 {path}：它不是本系统的数据库文件或已损坏（{type(error).__name__}）。") from None
        try:
            if user is None:
                content = gather(con, chosen, as_of=day, districts=districts)
            else:
                content = gather_with_records(con, con, path, user, chosen, as_of=day, districts=districts,
                                              current=current)
        finally:
            con.close()
        gathered, gathered_cpu = time.perf_counter() - started, time.process_time() - started_cpu
        if workbook is not None:
            workbook.submit(content)
        files = write_pack(content, out_dir, images=images, rendering=rendering, workbook=workbook)
    files.seconds = {"gather": gathered, **files.seconds}
    files.cpu_seconds = {"gather": gathered_cpu, **files.cpu_seconds}
    return files
