"""Run every benchmark in turn and print their figures (`make bench`).

    .venv/bin/python bench/run_all.py

Each script runs as a module (`python -m bench.<name>`) from the project folder, so that
bench_memory can reuse the test suite's file makers; each prints its own timings and
ratios; none of them asserts anything. The demo warehouses they read are built once and
cached (bench_scale.py); the growth table over 1×–30× is `make bench-scale`, not run here.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ("bench_etl", "bench_memory", "bench_metrics", "bench_pages", "bench_pack")


def main() -> int:
    failed = []
    for name in BENCHMARKS:
        print(f"\n=== {name} ===", flush=True)
        if subprocess.run([sys.executable, "-m", f"bench.{name}"], cwd=ROOT).returncode != 0:
            failed.append(name)
    if failed:
        print("failed: " + ", ".join(failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
