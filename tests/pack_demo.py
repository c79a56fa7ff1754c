"""A demo-like warehouse for the meeting-paper tests, and LibreOffice to print documents with.

The demo generator (`demo.generate`) on a smaller world (SMALL_WORLD enterprises per district instead of
about 35) for 2026Q3, loaded as `make run` loads the demo: the same kinds of records, names and problems,
with counts in the thousands, built in seconds.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import demo.world
from demo.generate import generate
from etl.load import load_paths

SMALL_WORLD = 12
END = "2026Q3"
IN_CI = os.environ.get("CI") == "true"


def build_small_demo(folder: Path) -> Path:
    """Generate and load the small demo into folder/demo.duckdb; returns its path."""
    files = folder / "files"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(demo.world, "ENTERPRISES_PER_DISTRICT",
                      dict.fromkeys(demo.world.ENTERPRISES_PER_DISTRICT, SMALL_WORLD))
        patch.setattr(demo.world, "DEFAULT_ENTERPRISES_PER_DISTRICT", SMALL_WORLD)
        generate(files, end_quarter=END)
    db = folder / "demo.duckdb"
    load_paths([files], db, demo=True)
    return db


def soffice() -> str:
    path = shutil.which("soffice") or shutil.which("libreoffice")
    if path is None:
        if IN_CI:
            pytest.fail("CI must install libreoffice-calc and libreoffice-writer (soffice not found)")
        pytest.skip("LibreOffice (soffice) is not installed here")
    return path


def to_pdf(documents: list[Path], folder: Path) -> dict[str, bytes]:
    """The documents converted to PDF by one LibreOffice run: file name -> PDF."""
    out = folder / "pdf"
    result = subprocess.run(
        [soffice(), f"-env:UserInstallation={(folder / 'lo-profile').as_uri()}", "--headless", "--convert-to", "pdf",
         "--outdir", str(out), *map(str, documents)],
        capture_output=True, text=True, timeout=240,
    )
    assert result.returncode == 0, result.stderr
    pdfs = {path.name: out / f"{path.stem}.pdf" for path in documents}
    assert all(pdf.exists() for pdf in pdfs.values()), result.stdout + result.stderr
    return {name: pdf.read_bytes() for name, pdf in pdfs.items()}


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))
