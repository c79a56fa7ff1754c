"""The growth table: what a 1×, 3×, 10× and 30× demo warehouse costs (`make bench-scale`).

    .venv/bin/python bench/bench_scale.py [--scales 1 3 10 30] [--reload] [--skip pages pack …] [--cache DIR]

Per scale, the demo files and the warehouse loaded from them are built once and kept under ~/.cache/weihai-bench
(or $WEIHAI_BENCH_CACHE, or --cache), keyed on the scale, the demo generator's version (a hash of demo/*.py, the
district list and the quarter the set ends with) and the warehouse schema version; older builds of a scale are
removed. Every figure is measured in a fresh child process, one at a time, and the table prints per scale:

  rows                 rows in the warehouse's tables (hazards with every version)
  warehouse            the file's size
  ingest               loading every demo file into an empty warehouse (etl.load.load_paths) under the import
                       limits of PROVINCE_LIMITS (a district's two-year log file passes the default 200000 rows at
                       about 12×): seconds, and the
                       child's peak resident memory (what getrusage(RUSAGE_CHILDREN).ru_maxrss reports for it,
                       read with os.wait4); measured when the warehouse was built (--reload measures it again)
  all indicators       the 11 indicators × 8 quarters × city, districts and enterprises (metrics.api.trend), best of
                       3 after a first call (the first call, on cold buffers, is printed too)
  slowest page         the slowest page's first render after a publish (bench_pages' cold render; every page tried),
                       会商材料's first render on the usual way to it (总览 first, which drafts the paper in the
                       background: bench_pages.bench_pack_after_overview) and how long after 总览 the paper was
                       ready, and the peak memory of that process (a dashboard process that has shown every page
                       once)
  incremental load     one small file (30 work-log rows) loaded into a copy of the warehouse, end to end in the
                       loading process; of it, the copy of the warehouse a writer starts from and the publish
                       (checkpoint, fsync, rename)
  pack                 the meeting pack of the latest complete quarter, every output but the PNG zip

then each figure against its target at 30× (ingest peak < 2 GiB, all indicators ≤ 1.5 s, incremental load ≤ 3 s)
and against the 10× targets of the pages (≤ 1 s) and the pack (≤ 15 s), and how each cost grew from 1× against
the rows. Nothing is asserted.
"""
from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: the project's packages
    sys.path.insert(0, str(ROOT))

SCALES = (1, 3, 10, 30)
TARGETS_30 = {"ingest_peak_mib": 2048.0, "indicators_s": 1.5, "incremental_s": 3.0}
PAGE_TARGET_S = 1.0  # at 10×
PACK_TARGETS_S = {1: 8.0, 10: 15.0}
TABLES = ("enterprises_current", "staff_current", "training", "drills", "hazards", "work_logs", "checklists_current",
          "stationing_records_current", "retrofit_projects_current")
INCREMENTAL_ROWS = 30
MEASUREMENTS = ("indicators", "pages", "incremental", "pack")


# ---------------------------------------------------------------- the cache

def cache_root(given: Path | None = None) -> Path:
    return (given or Path(os.environ.get("WEIHAI_BENCH_CACHE", "~/.cache/weihai-bench"))).expanduser()


def generator_version() -> str:
    """Changes whenever the demo set would: the generator's code, the district list, the quarter it ends with."""
    from core.quarters import latest_complete_quarter

    digest = hashlib.sha256()
    for path in sorted((ROOT / "demo").glob("*.py")) + [ROOT / "config" / "districts.toml"]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    digest.update(latest_complete_quarter().label.encode())
    return digest.hexdigest()[:10]


def loader_version() -> str:
    """The loading code (etl/, warehouse/): a change here makes the recorded ingest figures stale."""
    digest = hashlib.sha256()
    for folder in ("etl", "warehouse"):
        for path in sorted((ROOT / folder).glob("*.py")):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def scale_folder(scale: int, root: Path) -> Path:
    return root / f"x{scale}-demo{generator_version()}"


def warehouse_path(scale: int, root: Path) -> Path:
    from warehouse.schema import SCHEMA_VERSION

    return scale_folder(scale, root) / f"schema{SCHEMA_VERSION}" / "warehouse.duckdb"


# What an office loading a province's files sets in config/settings.toml (docs/scale.md).
PROVINCE_LIMITS = """[import]
max_rows = 1000000
max_cells = 10000000
max_unpacked_mb = 200
"""


def province_settings(root: Path) -> dict:
    """The environment that points the loader at PROVINCE_LIMITS."""
    path = root / "settings.toml"
    if not path.exists() or path.read_text(encoding="utf-8") != PROVINCE_LIMITS:
        path.write_text(PROVINCE_LIMITS, encoding="utf-8")
    return {"WEIHAI_SETTINGS": str(path)}


def _run_child(task: str, *args: str, env: dict | None = None) -> tuple[dict, float, float]:
    """Run `task` of this script in a fresh interpreter: (the JSON it prints last, its peak RSS in MiB, its
    seconds from start to exit)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        child = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--child", task, *args], cwd=ROOT,
                                 stdout=out, stderr=err, env={**os.environ, **(env or {})})
        _, status, usage = os.wait4(child.pid, 0)
        out.seek(0)
        err.seek(0)
        lines = out.read().strip().splitlines()
        if os.waitstatus_to_exitcode(status) != 0 or not lines:
            raise RuntimeError(f"{task} failed: " + err.read()[-2000:])
    return json.loads(lines[-1]), usage.ru_maxrss / 1024, time.perf_counter() - started


def ensure_warehouse(scale: int, root: Path, *, reload: bool = False, quiet: bool = False) -> Path:
    """The cached warehouse of `scale`, generated and loaded first when missing (or loaded again with `reload`).

    Benchmarks started side by side wait for one another here rather than build (or remove) the same folder."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _ensure_warehouse(scale, root, reload=reload, quiet=quiet)


def _ensure_warehouse(scale: int, root: Path, *, reload: bool, quiet: bool) -> Path:
    folder = scale_folder(scale, root)
    files = folder / "files"
    db = warehouse_path(scale, root)
    record = db.with_name("build.json")
    say = (lambda text: None) if quiet else (lambda text: print(text, file=sys.stderr, flush=True))
    if not (folder / "files.json").exists():
        for older in root.glob(f"x{scale}-demo*"):  # other generator versions of this scale
            shutil.rmtree(older, ignore_errors=True)
        shutil.rmtree(files, ignore_errors=True)
        say(f"×{scale}: generating the demo files in {files} …")
        made, _, _ = _run_child("generate", str(scale), str(files))
        folder.joinpath("files.json").write_text(json.dumps(made))
    if reload or not record.exists():
        shutil.rmtree(db.parent, ignore_errors=True)
        db.parent.mkdir(parents=True)
        say(f"×{scale}: loading them into {db} …")
        loaded, peak, _ = _run_child("ingest", str(files), str(db), env=province_settings(root))
        loaded.update(peak_mib=peak, loader=loader_version(), measured=datetime.now().isoformat(timespec="minutes"))
        record.write_text(json.dumps(loaded))
    return db


# ---------------------------------------------------------------- what the children do

def child_generate(scale: str, out: str) -> dict:
    from demo.generate import generate

    started = time.perf_counter()
    paths = generate(out, scale=int(scale))
    return {"files": len(paths), "bytes": sum(p.stat().st_size for p in paths),
            "generate_s": time.perf_counter() - started}


def child_ingest(files: str, db: str) -> dict:
    from etl.load import load_paths

    started = time.perf_counter()
    results = load_paths([files], db, user="基准测试", demo=True)
    return {"ingest_s": time.perf_counter() - started, "rows_read": sum(r.rows_read for r in results),
            "rows_loaded": sum(getattr(r, "rows_loaded", 0) or 0 for r in results),
            "refused": sum(r.status == "rejected" for r in results)}


def child_indicators(db: str) -> dict:
    from core.quarters import latest_complete_quarter, quarter_range
    from metrics import api
    from warehouse.store import first_row, open_reader

    con = open_reader(db)
    rows = {name: first_row(con, f"SELECT count(*) FROM {name}")[0] for name in TABLES}
    quarters = quarter_range(latest_complete_quarter(), 8)
    timings = []
    for _ in range(4):
        started = time.perf_counter()
        figures = api.trend(con, quarters, by=("city", "district", "enterprise"))
        timings.append(time.perf_counter() - started)
    return {"rows": rows, "indicators_first_s": timings[0], "indicators_s": min(timings[1:]),
            "indicator_rows": len(figures)}


def child_pages(db: str) -> dict:
    os.environ["WEIHAI_DB"] = db
    sys.path.insert(0, str(ROOT / "bench"))
    import bench_pages

    enterprise = bench_pages.first_enterprise(Path(db))
    colds = {}
    for title, path in bench_pages.PAGES.items():
        cold, _, _ = bench_pages.bench_page(path, enterprise if path.endswith("enterprise.py") else None, 1)
        colds[title] = cold
    slowest = max(colds, key=colds.get)
    drafting, pack = bench_pages.bench_pack_after_overview()
    return {"pages": colds, "slowest_page": slowest, "slowest_page_s": colds[slowest],
            "pack_after_overview_s": pack, "paper_drafting_s": drafting}


def child_incremental(db: str, csv: str) -> dict:
    """Load `csv` into `db`, timing the copy a writer starts from and the publish (patched in this process only)."""
    import warehouse.store as store
    from etl.load import load_paths

    spent = {"copy": 0.0, "publish_started": None, "publish_ended": None}
    copyfile = store.shutil.copyfile

    def timed_copy(*args, **kwargs):
        started = time.perf_counter()
        try:
            return copyfile(*args, **kwargs)
        finally:
            spent["copy"] += time.perf_counter() - started

    pause, fsync = store._pause_before_publish, store._fsync

    def publishing():
        spent["publish_started"] = time.perf_counter()
        pause()

    def timed_fsync(path):
        fsync(path)
        spent["publish_ended"] = time.perf_counter()

    store.shutil.copyfile, store._pause_before_publish, store._fsync = timed_copy, publishing, timed_fsync
    started = time.perf_counter()
    [result] = load_paths([csv], db, user="基准测试")
    total = time.perf_counter() - started
    publish = (spent["publish_ended"] - spent["publish_started"]) if spent["publish_started"] else None
    return {"incremental_s": total, "copy_s": spent["copy"], "publish_s": publish, "status": result.status,
            "loaded": result.rows_loaded}


def child_pack(db: str, out: str) -> dict:
    from pack.build import build_pack

    started = time.perf_counter()
    files = build_pack(Path(db), None, Path(out), images=False)
    return {"pack_s": time.perf_counter() - started, "stages": files.seconds, "stages_cpu": files.cpu_seconds}


CHILDREN = {"generate": child_generate, "ingest": child_ingest, "indicators": child_indicators,
            "pages": child_pages, "incremental": child_incremental, "pack": child_pack}


# ---------------------------------------------------------------- the incremental file

def incremental_csv(db: Path, path: Path) -> Path:
    """30 work-log rows of the latest quarter, written again as a new file (logs have no key: they are added)."""
    import csv

    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(f"""
            SELECT strftime(log_date, '%Y-%m-%d'), supervisor, enterprise_name, credit_code
            FROM work_logs WHERE log_date = (SELECT max(log_date) FROM work_logs)
            ORDER BY credit_code, supervisor LIMIT {INCREMENTAL_ROWS}""").fetchall()
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["日期", "驻点人员", "企业名称", "统一社会信用代码", "工作内容", "发现问题数", "特殊作业类型", "特殊作业数",
                         "现场监督数"])
        writer.writerows([day, supervisor, name, code, f"补录：现场复查第{n + 1}项整改情况", 0, "", 0, 0]
                         for n, (day, supervisor, name, code) in enumerate(rows))
    return path


# ---------------------------------------------------------------- one scale

def measure(scale: int, root: Path, *, reload: bool, skip: set[str]) -> dict:
    db = ensure_warehouse(scale, root, reload=reload)
    built = json.loads(db.with_name("build.json").read_text())
    made = json.loads(db.parent.parent.joinpath("files.json").read_text())
    figures = {"scale": scale, "db_mib": db.stat().st_size / 2**20, **made, **built,
               "stale_ingest": built.get("loader") != loader_version()}
    print(f"×{scale}: measuring …", file=sys.stderr, flush=True)
    if "indicators" not in skip:
        figures.update(_run_child("indicators", str(db))[0])
    if "pages" not in skip:
        result, peak, _ = _run_child("pages", str(db))
        figures.update(result, pages_peak_mib=peak)
    if "incremental" not in skip:
        with tempfile.TemporaryDirectory(prefix="weihai-bench-incremental-", dir=db.parent) as folder:
            copy = Path(folder) / "warehouse.duckdb"
            shutil.copyfile(db, copy)
            csv = incremental_csv(db, Path(folder) / "补录_驻点工作日志.csv")
            result, peak, process = _run_child("incremental", str(copy), str(csv))
            figures.update(result, incremental_peak_mib=peak, incremental_process_s=process)
    if "pack" not in skip:
        with tempfile.TemporaryDirectory(prefix="weihai-bench-pack-") as folder:
            figures.update(_run_child("pack", str(db), folder)[0])
    return figures


# ---------------------------------------------------------------- the table

def _cell(value, spec: str) -> str:
    return "—" if value is None else format(value, spec)


ROWS = (
    # label, key, format, target at 30× (or None)
    ("rows (all tables)", "total_rows", ",.0f", None),
    ("  of them work logs", "work_logs", ",.0f", None),
    ("demo files, MB", "files_mb", ".1f", None),
    ("warehouse, MiB", "db_mib", ".1f", None),
    ("generate demo files, s", "generate_s", ".1f", None),
    ("ingest, s", "ingest_s", ".1f", None),
    ("ingest peak memory, MiB", "peak_mib", ",.0f", "ingest_peak_mib"),
    ("all indicators × 8 quarters, s", "indicators_s", ".3f", "indicators_s"),
    ("  first call (cold buffers), s", "indicators_first_s", ".3f", None),
    ("slowest page cold render, s", "slowest_page_s", ".2f", None),
    ("  slowest page", "slowest_page", "", None),
    ("  会商材料 opened after 总览, s", "pack_after_overview_s", ".2f", None),
    ("  the paper drafted meanwhile, s after 总览", "paper_drafting_s", ".2f", None),
    ("  dashboard process after every page, MiB", "pages_peak_mib", ",.0f", None),
    ("incremental load, s", "incremental_s", ".2f", "incremental_s"),
    ("  copy the writer starts from, s", "copy_s", ".3f", None),
    ("  publish (checkpoint, fsync, rename), s", "publish_s", ".3f", None),
    ("  the whole process (start, imports, load), s", "incremental_process_s", ".2f", None),
    ("  peak memory, MiB", "incremental_peak_mib", ",.0f", None),
    ("pack without PNG, s", "pack_s", ".1f", None),
)


def print_table(results: list[dict]) -> None:
    for figures in results:
        rows = figures.get("rows", {})
        figures["total_rows"] = sum(rows.values()) if rows else None
        figures["work_logs"] = rows.get("work_logs")
        figures["files_mb"] = figures.get("bytes", 0) / 1e6 or None
    width = 42
    print(f"\n{'':{width}}" + "".join(f"{'×' + str(f['scale']):>12}" for f in results) + f"{'target ×30':>13}")
    for label, key, spec, target in ROWS:
        cells = "".join(f"{_cell(f.get(key), spec):>12}" for f in results)
        goal = "" if target is None else f"{TARGETS_30[target]:>13,g}"
        print(f"{label:{width}}{cells}{goal}")
    print("\nratios to the targets (figure ÷ target; ≤ 1 meets it):")
    for label, key, target in (("ingest peak memory ÷ 2 GiB", "peak_mib", TARGETS_30["ingest_peak_mib"]),
                               ("all indicators ÷ 1.5 s", "indicators_s", TARGETS_30["indicators_s"]),
                               ("incremental load ÷ 3 s", "incremental_s", TARGETS_30["incremental_s"]),
                               ("slowest page ÷ 1 s (the 10× target)", "slowest_page_s", PAGE_TARGET_S),
                               ("会商材料 after 总览 ÷ 1 s", "pack_after_overview_s", PAGE_TARGET_S)):
        print(f"  {label:{width - 2}}" + "".join(f"{_cell(None if f.get(key) is None else f[key] / target, '.2f'):>12}"
                                                for f in results))
    print(f"  {'pack ÷ its target (8 s at 1×, 15 s at 10×)':{width - 2}}" + "".join(
        f"{_cell(f['pack_s'] / PACK_TARGETS_S[f['scale']] if f.get('pack_s') and f['scale'] in PACK_TARGETS_S else None, '.2f'):>12}"
        for f in results))
    base = results[0]
    if len(results) > 1 and base.get("total_rows"):
        print(f"\ngrowth from ×{base['scale']} (each cost's factor; the rows' factor first):")
        for label, key in (("rows", "total_rows"), ("warehouse size", "db_mib"), ("ingest", "ingest_s"),
                           ("ingest peak memory", "peak_mib"), ("all indicators", "indicators_s"),
                           ("slowest page", "slowest_page_s"), ("incremental load", "incremental_s"),
                           ("  copy + publish", "copy_publish_s"), ("pack", "pack_s")):
            for f in results:
                if key == "copy_publish_s" and f.get("copy_s") is not None:
                    f[key] = f["copy_s"] + (f.get("publish_s") or 0)
            if not base.get(key):
                continue
            print(f"  {label:{width - 2}}" + "".join(
                f"{_cell(None if f.get(key) is None else f[key] / base[key], '.1f'):>12}" for f in results))
    stale = [str(f["scale"]) for f in results if f.get("stale_ingest")]
    if stale:
        print(f"\nthe ingest figures of ×{', ×'.join(stale)} were measured before the loading code last changed: "
              "run with --reload to measure them again")
    measured = {f["scale"]: f.get("measured") for f in results}
    print("ingest measured: " + ", ".join(f"×{s} {when}" for s, when in measured.items()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=list(SCALES))
    parser.add_argument("--cache", type=Path, default=None, help="where the demo sets are kept")
    parser.add_argument("--reload", action="store_true", help="load the cached demo files again (measures ingest)")
    parser.add_argument("--skip", nargs="*", default=[], choices=MEASUREMENTS, help="measurements to leave out")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        task, *task_args = args.child
        print(json.dumps(CHILDREN[task](*task_args), ensure_ascii=False))
        return 0
    root = cache_root(args.cache)
    root.mkdir(parents=True, exist_ok=True)
    print(f"cache {root}; machine load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    results = []
    for scale in sorted(args.scales):
        results.append(measure(scale, root, reload=args.reload, skip=set(args.skip)))
        print_table(results)  # the table so far, so that a long run shows its progress
    return 0


if __name__ == "__main__":
    sys.exit(main())
