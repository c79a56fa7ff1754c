"""Load the scale-1 demo set end to end and print the time (target: under 10 s on 2 cores).

    .venv/bin/python bench/bench_etl.py [--scale N] [--repeat K]

Also times reading the same .xlsx files with python-calamine and with openpyxl, side by side.
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import openpyxl

from demo.generate import generate
from etl.load import load_paths
from etl.readers import read_excel


def read_with_openpyxl(path: Path) -> int:
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    rows = sum(1 for sheet in workbook.worksheets for _ in sheet.iter_rows(values_only=True))
    workbook.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        demo = Path(folder) / "demo"
        files = generate(demo, scale=args.scale)
        size = sum(f.stat().st_size for f in files) / 1e6
        print(f"demo set: scale {args.scale}, {len(files)} files, {size:.1f} MB")
        timings = []
        for attempt in range(args.repeat):
            db = Path(folder) / f"w{attempt}.duckdb"
            started = time.perf_counter()
            results = load_paths([demo], db)
            timings.append(time.perf_counter() - started)
        rows = sum(r.rows_read for r in results)
        best = min(timings)
        print(f"load end to end: best {best:.2f} s of {args.repeat} ({', '.join(f'{t:.2f}' for t in timings)}), "
              f"{rows} rows, {rows / best:,.0f} rows/s")
        workbooks = [f for f in files if f.suffix == ".xlsx"]
        started = time.perf_counter()
        for path in workbooks:
            read_excel(path)
        calamine = time.perf_counter() - started
        started = time.perf_counter()
        for path in workbooks:
            read_with_openpyxl(path)
        openpyxl_time = time.perf_counter() - started
        print(f"reading {len(workbooks)} .xlsx: python-calamine {calamine:.2f} s, openpyxl {openpyxl_time:.2f} s, "
              f"ratio {openpyxl_time / calamine:.1f}x")


if __name__ == "__main__":
    main()
