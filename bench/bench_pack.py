"""Build the meeting pack for one quarter of the scale-1 demo set and print the time (target: under 15 s).

    .venv/bin/python bench/bench_pack.py [--db FILE] [--quarter 2026Q3] [--repeat K] [--no-images]

Without --db the scale-1 demo set is generated and loaded into a temporary warehouse first
(not timed). Prints each stage — reading the figures, the charts, the workbook, the brief, the
report, the chart images (rendered by Chromium while the documents are built) — and the total,
best of K runs.
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from core.quarters import latest_complete_quarter
from demo.generate import generate
from etl.load import load_paths
from pack.build import build_pack
from pack.images import chromium_path

TARGET_SECONDS = 15.0


def demo_warehouse(folder: Path) -> Path:
    files = generate(folder / "demo", scale=1)
    db = folder / "demo.duckdb"
    load_paths(files, db)
    return db


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path)
    parser.add_argument("--quarter", default=None)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--no-images", dest="images", action="store_false")
    args = parser.parse_args()
    images = args.images and chromium_path() is not None
    if args.images and not images:
        print("no Chromium here: the chart images are left out")
    with tempfile.TemporaryDirectory() as folder:
        db = args.db or demo_warehouse(Path(folder))
        quarter = args.quarter or latest_complete_quarter().label
        runs = []
        for attempt in range(args.repeat):
            started = time.perf_counter()
            files = build_pack(db, quarter, Path(folder) / f"out{attempt}", images=images)
            runs.append((time.perf_counter() - started, files))
        best, files = min(runs, key=lambda run: run[0])
        size = sum(p.stat().st_size for p in files.paths) / 1e6
        print(f"pack {quarter}, scale-1 demo set: {len(files.paths)} files, {size:.1f} MB")
        print("  " + ", ".join(f"{stage} {seconds:.2f} s" for stage, seconds in files.seconds.items()))
        print(f"total: best {best:.2f} s of {args.repeat} ({', '.join(f'{t:.2f}' for t, _ in runs)}); "
              f"target {TARGET_SECONDS:.0f} s, ratio {best / TARGET_SECONDS:.2f}")


if __name__ == "__main__":
    main()
