"""Build the meeting pack for one quarter of a demo warehouse and print each stage (targets: ≤ 8 s at 1×, ≤ 15 s
at 10×, every output but the PNG zip).

    .venv/bin/python bench/bench_pack.py [--scale 1] [--db FILE] [--quarter 2026Q3] [--repeat K] [--images]
                                         [--profile]

Without --db the demo warehouse of --scale is used, built once and cached (see bench_scale.py). Prints each
stage — reading the figures (gather), the charts, the paper's text (draft), the brief, the report, the wait for the
workbook (built in a worker process meanwhile; its own CPU time is listed as "xlsx (worker process)"), and with
--images the chart images (rendered by Chromium while the documents are built; the targets leave them out) — with
its share of the target, and the total, best of K runs, with its ratio to the target. --profile also lists the slowest queries of
the reading stage (seconds per metrics function).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: the project's packages
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_scale import PACK_TARGETS_S, cache_root, ensure_warehouse  # noqa: E402

from core.quarters import latest_complete_quarter  # noqa: E402
from pack.build import build_pack  # noqa: E402
from pack.images import chromium_path  # noqa: E402


def profile_gather(db: Path, quarter: str) -> str:
    """The reading stage once more, timing every metrics call it makes."""
    from pack.content import gather
    from warehouse.store import open_reader

    seconds: dict[str, float] = defaultdict(float)
    calls: dict[str, int] = defaultdict(int)
    con = open_reader(db)

    def read(func, *args, **kwargs):
        started = time.perf_counter()
        try:
            return func(con, *args, **kwargs)
        finally:
            name = f"{func.__module__.removeprefix('metrics.')}.{func.__name__}"
            seconds[name] += time.perf_counter() - started
            calls[name] += 1

    try:
        started = time.perf_counter()
        gather(read, quarter)
        total = time.perf_counter() - started
    finally:
        con.close()
    ranked = sorted(seconds, key=lambda name: -seconds[name])[:8]
    return (f"  reading, profiled: {total:.2f} s in {sum(calls.values())} calls; slowest: "
            + ", ".join(f"{name} {seconds[name]:.2f} s" + (f" ×{calls[name]}" if calls[name] > 1 else "")
                        for name in ranked))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--db", type=Path)
    parser.add_argument("--quarter", default=None)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--images", action="store_true", help="also render the chart images (PNG zip)")
    parser.add_argument("--profile", action="store_true", help="list the slowest queries of the reading stage")
    args = parser.parse_args()
    images = args.images and chromium_path() is not None
    if args.images and not images:
        print("no Chromium here: the chart images are left out")
    db = args.db or ensure_warehouse(args.scale, cache_root())
    target = PACK_TARGETS_S.get(args.scale)
    quarter = args.quarter or latest_complete_quarter().label
    with tempfile.TemporaryDirectory() as folder:
        runs = []
        for attempt in range(args.repeat):
            started = time.perf_counter()
            files = build_pack(db, quarter, Path(folder) / f"out{attempt}", images=images)
            runs.append((time.perf_counter() - started, files))
        best, files = min(runs, key=lambda run: run[0])
        size = sum(p.stat().st_size for p in files.paths) / 1e6
        print(f"pack {quarter}, ×{args.scale} demo warehouse {db}: {len(files.paths)} files, {size:.1f} MB"
              + ("" if images else " (no PNG zip)"))
        share = (lambda s: f" ({s / target:.0%} of the target)") if target else (lambda s: "")
        print("  " + ", ".join(f"{stage} {seconds:.2f} s{share(seconds)}" for stage, seconds in files.seconds.items()))
        print("  CPU time (all threads): " + ", ".join(f"{stage} {seconds:.2f} s"
                                                      for stage, seconds in files.cpu_seconds.items()))
        goal = f"; target {target:.0f} s, ratio {best / target:.2f}" if target else "; no target at this scale"
        print(f"total: best {best:.2f} s of {args.repeat} ({', '.join(f'{t:.2f}' for t, _ in runs)}){goal}")
    if args.profile:
        print(profile_gather(db, quarter))


if __name__ == "__main__":
    main()
