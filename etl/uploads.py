"""Files uploaded through the dashboard: checked, then loaded like any other files.

An upload is stored under a generated name (its number and its extension), never
under the name the browser sent: that name may be longer than the file system
allows, or carry path separators. The name as sent is what the batch history and
the results show, shortened to 255 bytes.
"""
from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Callable

from core.settings import setting
from etl.load import FileResult, load_paths

UPLOAD_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv")
MAX_NAME_BYTES = 255
_SAFE_SUFFIX = re.compile(r"\.[a-z0-9]{1,10}")


def max_upload_bytes() -> int:
    return int(setting("import.max_upload_mb") * 1024 * 1024)


def _size_text(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{size / 1024:.0f} KB"


def upload_problem(name: str, size: int) -> str | None:
    """Why an upload is refused before loading, or None."""
    suffix = Path(name).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        return f"不支持的文件类型“{suffix or '无扩展名'}”：只能上传 Excel 工作簿（.xlsx、.xls）或 CSV 文件。"
    limit = max_upload_bytes()
    if size > limit:
        return f"文件大小 {_size_text(size)}，超过上限 {_size_text(limit)}。请拆分后分别上传。"
    return None


def display_name(name: str) -> str:
    """The name as sent, without any folder, shortened to 255 bytes (keeping its extension) when longer."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1] or "未命名文件"
    if len(name.encode("utf-8")) <= MAX_NAME_BYTES:
        return name
    suffix = Path(name).suffix
    if len(suffix.encode("utf-8")) > 16:
        suffix = ""
    room = MAX_NAME_BYTES - len(("…" + suffix).encode("utf-8"))
    stem = name[:len(name) - len(suffix)].encode("utf-8")[:room].decode("utf-8", "ignore")
    return stem + "…" + suffix


def load_uploads(files: list[tuple[str, bytes]], db_path: str | os.PathLike, *, user: str,
                 progress: Callable[[int, int, str], None] | None = None) -> list[FileResult]:
    """Load (name, content) pairs as one load; each keeps its own name in the batch history."""
    with tempfile.TemporaryDirectory(prefix="weihai-upload-") as folder:
        paths, names, unsaved = [], {}, []
        for index, (name, content) in enumerate(files):
            suffix = Path(name).suffix.lower()
            target = Path(folder) / f"{index:04d}{suffix if _SAFE_SUFFIX.fullmatch(suffix) else ''}"
            try:
                target.write_bytes(content)
            except OSError as error:
                unsaved.append(FileResult(target, status="rejected", name=display_name(name),
                                          message=f"文件无法暂存（{error.strerror or type(error).__name__}），未加载。请稍后重新上传。"))
                continue
            paths.append(target)
            names[str(target)] = display_name(name)
        loaded = load_paths(paths, db_path, user=user, progress=progress, names=names) if paths else []
        return loaded + unsaved
