"""Cached, read-only access to the warehouse for the dashboard.

The warehouse file may be replaced at any moment by a load in another process
(`warehouse.store` publishes a new file atomically). Every read is keyed on
`warehouse.store.db_version(path)`: when it changes, a new read-only connection is
opened and every cached result is computed afresh.

Every read goes through `access.scope.scoped_call` with the signed-in user's
districts, and those districts are part of the cache key: a result computed for
one user's scope is never served to another scope. Reads of the meeting's records
(`query_records`) are cached the same way, keyed on what the user may read (role
and district: two city users share one drafted paper) and on the records'
revision as well, and recomputed with the others after a publish.

Results are kept as they are (not pickled and unpickled on every read, as
`st.cache_data` does, which costs more than many of the queries): every caller
gets its own shallow copy, and pandas' copy-on-write keeps a change a page makes
to its copy out of the cached frame.
"""
from __future__ import annotations

import atexit
import dataclasses
import datetime as dt
import importlib
import logging
import threading
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

import pandas as pd
import streamlit as st

from core.config import default_db_path
from warehouse.store import db_version, open_reader, usable
from access.meetings import revision as records_revision
from access.scope import RECORD_FREE, OutOfScope, Scope, scoped_call
from access.users import User
from core.quarters import Quarter
from metrics.sql import share_kept_tables
from ui.identity import current_user

log = logging.getLogger(__name__)


class NoDatabase(RuntimeError):
    """The warehouse file does not exist (yet)."""


def db_path() -> Path:
    return default_db_path()


def current_version() -> str | None:
    return db_version(db_path())


def _published() -> tuple[str, str]:
    """The warehouse's path and the version published now."""
    path = str(db_path())
    version = db_version(path)
    if version is None:
        raise NoDatabase(f"没有找到数据库文件：{path}")
    return path, version


def _close(connection) -> None:
    try:
        connection.close()
    except Exception:  # already closed or broken: nothing left to release
        log.debug("closing a stale warehouse connection failed", exc_info=True)


@st.cache_resource(max_entries=2, on_release=_close, show_spinner=False)
def _reader(path: str, version: str):
    """One read-only connection per published version of the warehouse; its cursors share the tables the metrics
    keep (`metrics.sql.share_kept_tables`)."""
    connection = open_reader(path)
    share_kept_tables(connection)
    return connection


_thread = threading.local()


@contextmanager
def _cursor(path: str, version: str) -> Iterator[Any]:
    # A DuckDB connection is not safe to share between Streamlit's session threads: each thread (a session's
    # script runs, the background recomputation) gets its own cursor on the shared database instance, kept for
    # the thread's queries on that version, so that they share what the metrics keep on their connection
    # (metrics.sql.kept_table). It is closed when the thread ends or reads another version, and dropped after
    # a query that failed (which may have left it unusable).
    held = getattr(_thread, "cursor", None)
    if held is None or held[0] != (path, version) or not usable(held[1]):
        if held is not None:
            _close(held[1])
        held = _thread.cursor = ((path, version), _reader(path, version).cursor())
    try:
        yield held[1]
    except BaseException:
        _thread.cursor = None
        _close(held[1])
        raise


@contextmanager
def reader() -> Iterator[Any]:
    """A cursor on the current warehouse, for the reads that do not go through `query` (the meeting records'
    functions in `access.meetings`, which take the connection and apply the user's scope themselves)."""
    path, version = _published()
    with _cursor(path, version) as con:
        yield con


def _resolve(module: str, name: str) -> Callable:
    return getattr(importlib.import_module(module), name)


@st.cache_resource(show_spinner=False, max_entries=2000, hash_funcs={Quarter: lambda q: q.label})
def _cached_call(module: str, name: str, scope: tuple[str, ...] | None, path: str, version: str, args: tuple,
                 kwargs: dict) -> Any:
    with _cursor(path, version) as con:
        return scoped_call(_resolve(module, name), con, Scope(scope), *args, **kwargs)


def reads_as(user: User) -> tuple[str, str | None]:
    """What a read of the records depends on in a user: their role and district, never their name (no read is
    audited, and nothing read names the reader)."""
    return user.role, user.district


@st.cache_resource(show_spinner=False, max_entries=500, hash_funcs={Quarter: lambda q: q.label, User: reads_as})
def _cached_records_call(module: str, name: str, user, path: str, version: str, revision: int, args: tuple,
                         kwargs: dict) -> Any:
    outer = getattr(_thread, "reading", None)
    _thread.reading = (path, version)
    try:
        with _cursor(path, version) as con:
            return _resolve(module, name)(user, con, path, *args, **kwargs)
    finally:
        _thread.reading = outer


class _SharedReader:
    """`read(func, *args, **kwargs)`: a metrics function within a scope on one version, its result that of `query`;
    `read.start(…)` begins the same read on the drafting threads and returns what gives its result (a pack's reads,
    side by side on both cores)."""

    def __init__(self, scope: tuple[str, ...] | None, path: str, version: str) -> None:
        self._call = (scope, path, version)
        self._pool = _drafting_behind if getattr(_thread, "behind", False) else _drafting

    def __call__(self, func: Callable, *args, **kwargs) -> Any:
        scope, path, version = self._call
        return _own_copy(_cached_call(func.__module__, func.__name__, scope, path, version, args, kwargs))

    def start(self, func: Callable, *args, **kwargs) -> Callable[[], Any]:
        return self._pool.submit(self, func, *args, **kwargs).result


def shared_reader(user) -> Callable:
    """For a function read through `query_records`: a `read(func, *args, **kwargs)` running a metrics function
    within `user`'s scope on the version being read, whose results are those of `query` (computed once for every
    page that shows them), with a `start` that runs reads side by side (`_SharedReader`)."""
    path, version = _thread.reading
    return _SharedReader(tuple(user.districts) if user.districts else None, path, version)


def _own_copy(value: Any) -> Any:
    """A cached result as one caller may change it: frames copied shallowly (copy-on-write), containers and
    dataclasses rebuilt."""
    if isinstance(value, (pd.DataFrame, pd.Series)):
        return value.copy(deep=False)
    if isinstance(value, dict):
        return {key: _own_copy(item) for key, item in value.items()}
    if type(value) in (list, tuple):
        return type(value)(_own_copy(item) for item in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(value, **{field.name: _own_copy(getattr(value, field.name))
                                             for field in dataclasses.fields(value) if field.init})
    return value


def _user_scope(func: Callable) -> tuple[str, ...] | None:
    """The districts the signed-in user may read (None: all); before sign-in only record-free reads."""
    user = current_user()
    if user is None:
        if func not in RECORD_FREE:
            raise OutOfScope("请先登录。")
        return None
    return tuple(user.districts) if user.districts else None


def query(func: Callable, *args, **kwargs) -> Any:
    """`func(con, *args, **kwargs)` on the current warehouse, cached until the next publish.

    `func` is a metrics function taking a DuckDB connection first. Lists in the
    arguments are passed through unchanged (they are part of the cache key).
    """
    path, version = _published()
    call = (func.__module__, func.__name__, _user_scope(func), args, kwargs)
    _recent.rewarm_after_publish(path, version, skip=call)
    _recent.remember(path, call)
    return _own_copy(_cached_call(*call[:3], path, version, args, kwargs))


_prefetching = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dashboard-prefetch")
# Reads for the page a user is likely to open next, on a thread of their own: a slow one (the meeting paper, seconds)
# never holds up the reads a page starts for itself (`prefetch`).
_reading_ahead = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dashboard-ahead")
# The reads of a meeting paper (`shared_reader(…).start`), two at a time: each is one query, and a query uses both
# cores only for part of its run.
_drafting = ThreadPoolExecutor(max_workers=2, thread_name_prefix="dashboard-drafting")
# A paper drafted in the background (read ahead, recomputed after a publish) reads on threads of its own: its reads
# never queue before those of the paper a page is drafting for the user waiting on it (the two share the cores).
_drafting_behind = ThreadPoolExecutor(max_workers=2, thread_name_prefix="dashboard-drafting-behind")


def _quietly(call: Callable, *args) -> None:
    try:
        call(*args)
    except Exception:  # the page's own `query` of the same call computes it again and shows the error
        log.debug("prefetching %s failed", args[:2], exc_info=True)


def prefetch(func: Callable, *args, **kwargs) -> None:
    """Start `query(func, *args, **kwargs)` in the background and return at once: a page asks early for a slow read
    it shows later and computes what it shows first meanwhile, the two queries on both cores. The page's `query` of
    the same call then waits for it (the cache computes one value once) or finds it done."""
    try:
        path, version = _published()
    except NoDatabase:  # nothing to read yet: the page's own `query` says so
        return
    _prefetching.submit(_quietly, _cached_call, func.__module__, func.__name__, _user_scope(func), path, version,
                        args, kwargs)


def settle() -> None:
    """Wait until every read started by `prefetch`, `prefetch_records` or a paper's `start` so far has finished."""
    for executor in (_prefetching, _reading_ahead, _drafting_behind, _drafting):
        executor.submit(lambda: None).result()


RECORDS = "records"


def _call_key(call: tuple) -> str:
    """A remembered or pending call as its result depends on it: a records read by the reader's role and district
    (`reads_as`), so that two users of one scope count as one call."""
    if call[:1] == (RECORDS,):
        return repr((*call[:3], reads_as(call[3]), *call[4:]))
    return repr(call)


def _records_call(func: Callable, args: tuple, kwargs: dict) -> tuple[str, str, tuple]:
    user = current_user()
    if user is None:
        raise OutOfScope("请先登录。")
    path, version = _published()
    return path, version, (RECORDS, func.__module__, func.__name__, user, args, kwargs)


def query_records(func: Callable, *args, **kwargs) -> Any:
    """`func(user, con, db, *args, **kwargs)` for the signed-in user: a read of the meeting's records beside the
    warehouse (`access.meetings`, `pack.meeting`: they take the user, a connection and the warehouse path and
    apply the user's scope themselves). Cached until the next publish or the next change to the records, and
    recomputed in the background after a publish like the reads of `query`."""
    path, version, call = _records_call(func, args, kwargs)
    _recent.rewarm_after_publish(path, version, skip=call)
    _recent.remember(path, call)
    return _own_copy(_cached_records_call(*call[1:4], path, version, records_revision(path), args, kwargs))


_pending_ahead: dict[str, Future] = {}  # reads ahead queued or under way, by call
_pending_lock = threading.Lock()


def _read_ahead(module: str, name: str, user, args: tuple, kwargs: dict) -> None:
    # The version and the records' revision as they are when the read starts, not when it was asked for: a read that
    # waited while a load published or a user changed the records computes what the page will then ask for.
    _thread.behind = True  # a paper drafted here reads on the background's own drafting threads
    path, version = _published()
    _cached_records_call(module, name, user, path, version, records_revision(path), args, kwargs)


def prefetch_records(func: Callable, *args, **kwargs) -> Future | None:
    """`prefetch` for a read of `query_records`: a page starts a read that a page opened next is likely to show
    (总览 the meeting paper), which that page's `query_records` then finds done or waits for. The read waits its turn
    behind the others read ahead; the same call asked for again while it waits or runs is not queued twice (the
    future returned is the one already pending). Cancelling the future takes the read out of the queue if it has
    not started."""
    try:
        _, _, call = _records_call(func, args, kwargs)
    except (NoDatabase, OutOfScope):  # nothing to read, or no one signed in: the page itself says so
        return None
    key = _call_key(call)
    with _pending_lock:
        pending = _pending_ahead.get(key)
        if pending is not None and not pending.done():
            return pending
        future = _reading_ahead.submit(_quietly, _read_ahead, *call[1:])
        _pending_ahead[key] = future
    future.add_done_callback(lambda done: _forget_pending(key, done))
    return future


def _forget_pending(key: str, done: Future) -> None:
    with _pending_lock:
        if _pending_ahead.get(key) is done:
            del _pending_ahead[key]


def _cancel_queued() -> None:
    """At exit: the reads still queued in the background are dropped, the ones under way finish (a DuckDB query
    still running when the interpreter ends aborts the process). Registered with `threading._register_atexit`, which
    runs before the executors' own exit hook joins their threads: an `atexit` function would run only after every
    queued read (seconds each for a meeting paper) had been computed for nobody."""
    for executor in (_prefetching, _reading_ahead, _drafting_behind, _drafting):
        executor.shutdown(wait=False, cancel_futures=True)


threading._register_atexit(_cancel_queued)


# How soon after a load publishes the dashboard notices it and starts recomputing the views people were looking at.
PUBLISH_POLL_SECONDS = 1.0


class _RecentQueries:
    """The queries users ran lately, replayed in the background after a new version is published, and the views
    computed on every version whether anyone looked at them or not (`stand`).

    A load in another process invalidates every cached result. A watcher thread (started by the first read) looks at
    the warehouse's version every PUBLISH_POLL_SECONDS; the first to see a new version, the watcher or a session's
    read, starts one background thread that recomputes the views people were looking at on the previous version, then
    the standing views, so the pages they open next, the first one included, are already warm. The standing views
    read the records as of today: the watcher computes them again on a new day and after a change to the records.
    """

    MAX_CALLS = 300

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: dict[str, OrderedDict[str, tuple]] = {}  # per warehouse path, most recent last
        self._standing: dict[str, Callable[[VersionReads], None]] = {}  # by name
        self._versions: dict[str, str] = {}  # the latest version seen per path
        # per path: the day and the records' revision when the watcher last looked (standing views depend on both)
        self._marks: dict[str, tuple[dt.date, int]] = {}
        self._workers: set[threading.Thread] = set()
        self._redrafting: threading.Thread | None = None  # the standing views computed after a new day or records change
        self._stopping = threading.Event()
        self.worker: threading.Thread | None = None
        self.watcher: threading.Thread | None = None
        self._replayed = threading.Condition()
        self._finished: OrderedDict[tuple[str, str], None] = OrderedDict()  # (path, version) of replays ended
        self._runs: dict[str, int] = {}  # per path: how many replays (and runs of the standing views alone) ended

    def remember(self, path: str, call: tuple) -> None:
        key = _call_key(call)
        with self._lock:
            calls = self._calls.setdefault(path, OrderedDict())
            calls[key] = call
            calls.move_to_end(key)
            while len(calls) > self.MAX_CALLS:
                calls.popitem(last=False)
            self._start_watching()

    def _start_watching(self) -> None:
        if (self.watcher is None or not self.watcher.is_alive()) and not self._stopping.is_set():
            self.watcher = threading.Thread(target=self._watch, daemon=True, name="dashboard-publish-watch")
            self.watcher.start()

    def stand(self, name: str, view: Callable[[VersionReads], None]) -> Future | None:
        with self._lock:
            self._standing[name] = view
            self._start_watching()
        path = str(db_path())
        version = db_version(path)
        if version is None:  # computed on the first version published
            return None
        with self._lock:
            self._versions.setdefault(path, version)  # the watcher's first look finds this version being computed
            self._marks[path] = (dt.date.today(), records_revision(path))  # ... as of today and these records
        return _reading_ahead.submit(self._compute_standing, path, version, [view])

    def _watch(self) -> None:
        # Only a file's status and the records' revision are read here, never the warehouse: the thread may be left
        # running at exit.
        while not self._stopping.wait(PUBLISH_POLL_SECONDS):
            try:
                self._look()
            except Exception:  # looked at again in a second; a view not recomputed is computed when opened
                log.exception("looking for a new version of the warehouse failed")

    def _look(self) -> None:
        path = str(db_path())
        version = db_version(path)
        if version is None:
            return
        self.rewarm_after_publish(path, version, skip=None)
        # The standing views read the records as of today: a new day or a change to the records (by any user, in
        # any process) makes them anew, as a publish does.
        mark = (dt.date.today(), records_revision(path))
        with self._lock:
            previous = self._marks.get(path)
            standing = list(self._standing.values())
            wanted = previous not in (None, mark) and bool(standing) and not self._stopping.is_set()
            if wanted and self._redrafting is not None and self._redrafting.is_alive():
                return  # one at a time: a change made meanwhile is seen at the next look, once this one has ended
            self._marks[path] = mark
        if wanted:
            self._redrafting = self._start_worker(path, version, [], standing)

    def rewarm_after_publish(self, path: str, version: str, *, skip: tuple | None) -> None:
        with self._lock:
            previous = self._versions.get(path)
            self._versions[path] = version
            if previous == version or (previous is None and not self._standing) or self._stopping.is_set():
                return
            skipped = None if skip is None else _call_key(skip)
            replay = [c for key, c in reversed(self._calls.get(path, {}).items()) if key != skipped]
            standing = list(self._standing.values())
        self._start_worker(path, version, replay, standing)

    def _start_worker(self, path: str, version: str, replay: list[tuple], standing: list[Callable]) -> threading.Thread:
        worker = threading.Thread(target=self._replay, args=(path, version, replay, standing), daemon=True,
                                  name="dashboard-rewarm")
        with self._lock:
            self._workers.add(worker)
            self.worker = worker
        worker.start()
        return worker

    def wait_rewarmed(self, path: str, version: str, timeout: float) -> bool:
        """Wait until the replay started for `version` of `path` has ended; False when `timeout` seconds passed first."""
        with self._replayed:
            return self._replayed.wait_for(lambda: (path, version) in self._finished, timeout)

    def finished_runs(self, path: str) -> int:
        """How many background recomputations of `path` have ended (after a publish, a new day, a records change)."""
        with self._replayed:
            return self._runs.get(path, 0)

    def wait_runs(self, path: str, count: int, timeout: float) -> bool:
        """Wait until `count` recomputations of `path` have ended; False when `timeout` seconds passed first."""
        with self._replayed:
            return self._replayed.wait_for(lambda: self._runs.get(path, 0) >= count, timeout)

    def stop(self, timeout: float = 60.0) -> None:
        """Replay nothing more and wait for the query under way: a DuckDB query still running in a daemon thread
        when the interpreter exits aborts the process ("terminate called…", exit status 134)."""
        self._stopping.set()
        with self._lock:
            workers = list(self._workers)
        for worker in workers:
            worker.join(timeout)

    def _replay(self, path: str, version: str, calls: list[tuple], standing: list[Callable]) -> None:
        _thread.behind = True  # a paper drafted here reads on the background's own drafting threads
        try:
            self._recompute(path, version, calls)
            self._compute_standing(path, version, standing)
        finally:
            with self._lock:
                self._workers.discard(threading.current_thread())
            with self._replayed:
                self._runs[path] = self._runs.get(path, 0) + 1
                self._finished[(path, version)] = None
                while len(self._finished) > self.MAX_CALLS:
                    self._finished.popitem(last=False)
                self._replayed.notify_all()

    def _recompute(self, path: str, version: str, calls: list[tuple]) -> None:
        for call in calls:
            if self._stopping.is_set() or db_version(path) != version:  # published again: that version's replay takes over
                return
            try:
                if call[0] == RECORDS:
                    _, module, name, user, args, kwargs = call
                    _cached_records_call(module, name, user, path, version, records_revision(path), args, kwargs)
                else:
                    module, name, scope, args, kwargs = call
                    _cached_call(module, name, scope, path, version, args, kwargs)
            except Exception:  # a view that fails now fails again, visibly, when a user opens it
                log.debug("rewarming %s failed", call[:3], exc_info=True)

    def _compute_standing(self, path: str, version: str, views: list[Callable]) -> None:
        _thread.behind = True
        for view in views:
            if self._stopping.is_set() or db_version(path) != version:
                return
            try:
                view(VersionReads(path, version))
            except Exception:  # the page that shows it computes it again and shows the error
                log.debug("computing the standing view %s failed", view, exc_info=True)


@dataclasses.dataclass(frozen=True)
class VersionReads:
    """The dashboard's cached reads on one published version, for a view computed before anyone opens it (`stand`):
    `query(scope, func, …)` is `query(func, …)` as a user of `scope` (districts; None: all) runs it, and
    `query_records(user, func, …)` is `query_records(func, …)` as `user` runs it."""
    path: str
    version: str

    def query(self, scope: tuple[str, ...] | None, func: Callable, *args, **kwargs) -> Any:
        return _own_copy(_cached_call(func.__module__, func.__name__, scope, self.path, self.version, args, kwargs))

    def query_records(self, user: User, func: Callable, *args, **kwargs) -> Any:
        return _own_copy(_cached_records_call(func.__module__, func.__name__, user, self.path, self.version,
                                              records_revision(self.path), args, kwargs))


_recent = _RecentQueries()
atexit.register(_recent.stop)


def stand(name: str, view: Callable[[VersionReads], None]) -> Future | None:
    """Compute `view(reads)` in the background now, on the current version, and again on every version published
    later, each new day and after each change to the meeting's records, whether anyone looked at it or not: the view
    the first user after a start, a publish or a change opens is computed already. `name` identifies the view
    (standing it again replaces it). Returns the run on the current version (None when there is no database yet: it
    runs on the first version published)."""
    return _recent.stand(name, view)


def database_exists() -> bool:
    return current_version() is not None
