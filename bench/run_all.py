"""Run every benchmark in turn and print their figures (`make bench`).

    .venv/bin/python bench/run_all.py

Each script prints its own timings and ratios; none of them asserts anything.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = ("bench_etl.py", "bench_memory.py", "bench_metrics.py", "bench_pages.py", "bench_pack.py")


def main() -> int:
    failed = []
    for name in BENCHMARKS:
        print(f"\n=== {name} ===", flush=True)
        if subprocess.run([sys.executable, str(HERE / name)]).returncode != 0:
            failed.append(name)
    if failed:
        print("failed: " + ", ".join(failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
