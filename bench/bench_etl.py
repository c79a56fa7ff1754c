"""Ingest speed on a city-scale set, side by side in one run (targets: load ≥ 0.5 of python-calamine, ≥ 6× pandas).

    .venv/bin/python -m bench.bench_etl [--scale 10] [--repeat 3] [--data DIR]

Generates the demo set at `--scale` (timed), then times its workbooks three ways, best of
`--repeat` rounds; each round runs the three in turn, so that a busy machine slows them alike:

  python-calamine   every sheet of every workbook read into Python rows, nothing converted;
  pandas+openpyxl   pandas.read_excel(engine="openpyxl") of every sheet;
  load              etl.load.load_paths of the same workbooks into a fresh warehouse: read,
                    recognise, validate, write and publish.

It prints each time and the processor time it took (all threads; more than the time when the
work ran on both cores), rows/s (the rows python-calamine reads, for all three), the ratios
load speed / python-calamine speed (target ≥ 0.5) and load speed / pandas+openpyxl speed
(target ≥ 6) from the best times and round by round (a round's three runs share the machine's
load), then the demo build: generate + load of the whole set, CSV files included (target under
90 s at 10×; loaded under bench_scale's province limits, which every file of a 10× set needs), and the
time a fresh interpreter takes to import the loader. On a machine busy with other work the figures
say little: the load average is printed with them. `--data DIR` keeps the generated set in DIR and
reuses it on the next run.
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import python_calamine

from bench.bench_scale import province_settings
from core import settings as core_settings
from demo.generate import generate
from etl.load import load_paths

ROOT = Path(__file__).resolve().parent.parent
LOAD_TO_CALAMINE_TARGET = 0.5
LOAD_TO_PANDAS_TARGET = 6.0
DEMO_BUILD_TARGET_S = 90.0


def read_with_calamine(paths: list[Path]) -> int:
    rows = 0
    for path in paths:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
        for name in workbook.sheet_names:
            rows += len(workbook.get_sheet_by_name(name).to_python(skip_empty_area=False))
        workbook.close()
    return rows


def read_with_pandas(paths: list[Path]) -> int:
    import pandas as pd

    return sum(len(frame) for path in paths
               for frame in pd.read_excel(path, sheet_name=None, header=None, engine="openpyxl").values())


def load_into(paths: list[Path], db: Path) -> int:
    results = load_paths(paths, db)
    bad = [r for r in results if r.status != "loaded"]
    if bad:
        raise SystemExit(f"load refused {bad[0].file_name}: {bad[0].message}")
    return sum(r.rows_read for r in results)


def import_seconds() -> tuple[float, bool]:
    """Seconds a fresh interpreter takes to import the loader, and whether that imports pandas."""
    code = ("import sys, time; t = time.perf_counter(); import etl.load; "
            "print(time.perf_counter() - t, 'pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    seconds, pandas = out.stdout.split()
    return float(seconds), pandas == "True"


def best(timings: list[float]) -> str:
    return f"best {min(timings):.2f} s ({', '.join(f'{t:.2f}' for t in timings)})"


def processor_seconds() -> float:
    """This process's and its finished children's (the load's reader processes)."""
    return sum(usage.ru_utime + usage.ru_stime
               for usage in map(resource.getrusage, (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)))


def timed(run, *args) -> tuple[float, float, object]:
    """(seconds, processor seconds, result) of run(*args)."""
    started, processor = time.perf_counter(), processor_seconds()
    result = run(*args)
    return time.perf_counter() - started, processor_seconds() - processor, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data", type=Path, help="keep the generated set here and reuse it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="weihai-bench-") as work:
        folder = args.data or Path(work) / "demo"
        generate_time = None
        if not folder.is_dir() or not any(folder.iterdir()):
            started = time.perf_counter()
            generate(folder, scale=args.scale)
            generate_time = time.perf_counter() - started
        files = sorted(p for p in folder.iterdir() if p.is_file())
        workbooks = [p for p in files if p.suffix == ".xlsx"]
        size = sum(p.stat().st_size for p in workbooks) / 1e6
        print(f"demo set: scale {args.scale}, {len(files)} files"
              + (f", generated in {generate_time:.1f} s" if generate_time is not None else f" (reused from {folder})"))
        calamine, pandas, load = [], [], []
        processor = {"python-calamine": [], "pandas+openpyxl": [], "load end to end": []}
        rows = loaded = 0
        print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        for attempt in range(args.repeat):
            seconds, cpu, rows = timed(read_with_calamine, workbooks)
            calamine.append(seconds)
            processor["python-calamine"].append(cpu)
            seconds, cpu, _ = timed(read_with_pandas, workbooks)
            pandas.append(seconds)
            processor["pandas+openpyxl"].append(cpu)
            seconds, cpu, loaded = timed(load_into, workbooks, Path(work) / f"w{attempt}.duckdb")
            load.append(seconds)
            processor["load end to end"].append(cpu)
        print(f"{len(workbooks)} workbooks, {size:.1f} MB, {rows:,} rows ({loaded:,} below the headers loaded)")
        for name, timings in (("python-calamine", calamine), ("pandas+openpyxl", pandas), ("load end to end", load)):
            print(f"  {name:16} {best(timings)}, processor {min(processor[name]):.2f} s, "
                  f"{rows / min(timings):,.0f} rows/s")
        print("round by round: load / python-calamine speed "
              + ", ".join(f"{c / t:.2f}" for c, t in zip(calamine, load))
              + "; load / pandas+openpyxl speed " + ", ".join(f"{p / t:.1f}" for p, t in zip(pandas, load)))
        print(f"load average after: {os.getloadavg()[0]:.1f}")
        to_calamine = min(calamine) / min(load)
        to_pandas = min(pandas) / min(load)
        print(f"load speed / python-calamine speed: {to_calamine:.2f} (target ≥ {LOAD_TO_CALAMINE_TARGET}) "
              f"{'met' if to_calamine >= LOAD_TO_CALAMINE_TARGET else 'NOT met'}")
        print(f"load speed / pandas+openpyxl speed: {to_pandas:.1f} (target ≥ {LOAD_TO_PANDAS_TARGET:g}) "
              f"{'met' if to_pandas >= LOAD_TO_PANDAS_TARGET else 'NOT met'}")
        # At 10x a district's two-year log file is over the default row limit: the whole set is loaded as a
        # province's office would load it (bench_scale.PROVINCE_LIMITS), every file in.
        os.environ.update(province_settings(Path(work)))
        core_settings.reset()
        started = time.perf_counter()
        results = load_paths([folder], Path(work) / "all.duckdb", demo=True)
        whole = time.perf_counter() - started
        refused = [r for r in results if r.status == "rejected"]
        print(f"whole set (CSV included): {len(results)} files, {sum(r.rows_read for r in results):,} rows "
              f"loaded in {whole:.1f} s" + (f"; {len(refused)} files refused, the first: {refused[0].file_name} "
                                            f"({refused[0].message[:40]}…)" if refused else ""))
        if generate_time is not None:
            build = generate_time + whole
            print(f"demo build at {args.scale}x: generate {generate_time:.1f} s + load {whole:.1f} s = {build:.1f} s "
                  f"(target under {DEMO_BUILD_TARGET_S:g} s at 10x) {'met' if build < DEMO_BUILD_TARGET_S else 'NOT met'}")
        seconds, pandas_imported = import_seconds()
        print(f"import etl.load in a fresh interpreter: {seconds:.2f} s"
              f"{', imports pandas' if pandas_imported else ', without pandas'}")


if __name__ == "__main__":
    main()
