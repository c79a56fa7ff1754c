"""Cached, read-only access to the warehouse for the dashboard.

The warehouse file may be replaced at any moment by a load in another process
(`etl.store` publishes a new file atomically). Every read is keyed on
`etl.store.db_version(path)`: when it changes, a new read-only connection is
opened and every cached result is computed afresh.
"""
from __future__ import annotations

import importlib
import logging
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

import streamlit as st

from etl.config import default_db_path
from etl.store import db_version, open_reader
from metrics.quarters import Quarter

log = logging.getLogger(__name__)


class NoDatabase(RuntimeError):
    """The warehouse file does not exist (yet)."""


def db_path() -> Path:
    return default_db_path()


def current_version() -> str | None:
    return db_version(db_path())


def _close(connection) -> None:
    try:
        connection.close()
    except Exception:  # already closed or broken: nothing left to release
        log.debug("closing a stale warehouse connection failed", exc_info=True)


@st.cache_resource(max_entries=2, on_release=_close, show_spinner=False)
def _reader(path: str, version: str):
    """One read-only connection per published version of the warehouse."""
    return open_reader(path)


@contextmanager
def _cursor(path: str, version: str) -> Iterator[Any]:
    # A DuckDB connection is not safe to share between Streamlit's session threads;
    # each query gets its own cursor on the shared database instance.
    cursor = _reader(path, version).cursor()
    try:
        yield cursor
    finally:
        cursor.close()


def _resolve(module: str, name: str) -> Callable:
    return getattr(importlib.import_module(module), name)


@st.cache_data(show_spinner=False, max_entries=2000, hash_funcs={Quarter: lambda q: q.label})
def _cached_call(module: str, name: str, path: str, version: str, args: tuple, kwargs: dict) -> Any:
    with _cursor(path, version) as con:
        return _resolve(module, name)(con, *args, **kwargs)


def query(func: Callable, *args, **kwargs) -> Any:
    """`func(con, *args, **kwargs)` on the current warehouse, cached until the next publish.

    `func` is a metrics function taking a DuckDB connection first. Lists in the
    arguments are passed through unchanged (they are part of the cache key).
    """
    path = str(db_path())
    version = db_version(path)
    if version is None:
        raise NoDatabase(f"没有找到数据库文件：{path}")
    return _cached_call(func.__module__, func.__name__, path, version, args, kwargs)


def database_exists() -> bool:
    return current_version() is not None
