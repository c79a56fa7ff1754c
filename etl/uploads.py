"""Files uploaded through the dashboard: checked, then loaded like any other files."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable

from etl.config import settings
from etl.load import FileResult, load_paths

UPLOAD_SUFFIXES = (".xlsx", ".xlsm", ".csv")


def max_upload_bytes() -> int:
    return int(settings()["import"]["max_upload_mb"] * 1024 * 1024)


def _size_text(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{size / 1024:.0f} KB"


def upload_problem(name: str, size: int) -> str | None:
    """Why an upload is refused before loading, or None."""
    suffix = Path(name).suffix.lower()
    if suffix == ".xls":
        return "这是旧版 Excel（.xls）文件。请在 Excel/WPS 中“另存为”Excel 工作簿（.xlsx）后再上传。"
    if suffix not in UPLOAD_SUFFIXES:
        return f"不支持的文件类型“{suffix or '无扩展名'}”：只能上传 Excel 工作簿（.xlsx）或 CSV 文件。"
    limit = max_upload_bytes()
    if size > limit:
        return f"文件大小 {_size_text(size)}，超过上限 {_size_text(limit)}。请拆分后分别上传。"
    return None


def load_uploads(files: list[tuple[str, bytes]], db_path: str | os.PathLike, *, user: str,
                 progress: Callable[[int, int, str], None] | None = None) -> list[FileResult]:
    """Load (name, content) pairs as one load; each keeps its own name in the batch history."""
    with tempfile.TemporaryDirectory(prefix="weihai-upload-") as folder:
        paths = []
        for index, (name, content) in enumerate(files):
            target = Path(folder) / str(index) / Path(name).name
            target.parent.mkdir()
            target.write_bytes(content)
            paths.append(target)
        return load_paths(paths, db_path, user=user, progress=progress)
