"""Peak memory of loading the largest accepted files and the hostile ones, each in its own child process.

    .venv/bin/python -m bench.bench_memory [--only NAME ...] [--keep DIR]

Run it as a module from the project folder: it builds its files with the test suite's
makers (tests/), which are not part of the installed project.

For every case a child process loads the file into a fresh warehouse with
`etl.load.load_paths`; the parent reads the child's peak resident set size from
`os.wait4` (so a child that aborts is measured too) and prints it with the
outcome and its ratio to the 1.5 GiB target. The largest accepted files are
built just under the `[import]` budgets of config/settings.toml. Children run
with an 8 GiB address-space cap so that a regression cannot take the machine
down. Nothing is asserted.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from etl.limits import Limits
from tests import hostile_files as hostile
from tests.filemaker import CODE_A

ROOT = Path(__file__).resolve().parent.parent
TARGET_MIB = 1536
CAP = 8 << 30

CHILD = """
import json, sys
from etl.load import load_paths
[result] = load_paths([sys.argv[1]], sys.argv[2])
print(json.dumps({"status": result.status, "rows": result.rows_read, "message": result.message}, ensure_ascii=False))
"""


def _cap() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CAP, CAP))


def measure(path: Path, db: Path, scratch: Path) -> dict:
    """Load `path` in a child; its peak RSS comes from wait4, which also covers a child that aborted."""
    out, err = scratch / "child.out", scratch / "child.err"
    started = time.perf_counter()
    with open(out, "w") as stdout, open(err, "w") as stderr:
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(path), str(db)], cwd=ROOT, stdout=stdout,
                                 stderr=stderr, preexec_fn=_cap)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
    outcome = {"exit": child.returncode, "seconds": time.perf_counter() - started, "peak_mib": usage.ru_maxrss / 1024}
    lines = out.read_text().strip().splitlines()
    try:
        outcome.update(json.loads(lines[-1]))
    except (IndexError, ValueError):
        problem = [line for line in err.read_text().splitlines() if line.strip() and not line.startswith(" ")]
        outcome.update(status=f"exit {child.returncode}", rows=0, message=(problem or [""])[0][:200])
    return outcome


def largest_xlsx(folder: Path, limits: Limits) -> Path:
    rows = limits.max_cells // len(hostile.HAZARD_HEADER) - 1
    return hostile.big_ledger_xlsx(folder / f"largest_ledger_{rows}rows.xlsx", rows)


def largest_xlsx_text(folder: Path, limits: Limits) -> Path:
    """The same rows with longer text in two columns: about as much text as the unpacked budget lets through."""
    rows = limits.max_cells // len(hostile.HAZARD_HEADER) - 1
    per_row = limits.max_unpacked_bytes / rows
    return hostile.big_ledger_xlsx(folder / f"largest_ledger_text_{rows}rows.xlsx", rows,
                                   text_chars=max(0, int((per_row - 600) / 6)))


def largest_csv(folder: Path, limits: Limits, text_chars: int = 0) -> Path:
    rows = min(limits.max_rows, limits.max_cells // 8) - 1
    padding = ("现场检查发现问题并已告知企业负责人限期整改" * (text_chars // 20 + 1))[:text_chars]
    path = folder / f"largest_logs_{rows}rows{'_text' if text_chars else ''}.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        handle.write("日期,驻点人员,企业名称,工作内容,发现问题数,特殊作业类型,特殊作业数,现场监督数\r\n")
        for start in range(0, rows, 10000):
            handle.write("".join(f"2026-07-{n % 28 + 1:02d},王强{n % 50},企业{n % 300},第{n}次巡查：检查动火作业票证和现场监护"
                                 f"{padding},{n % 3},动火作业,2,1\r\n" for n in range(start, min(rows, start + 10000))))
    return path


def largest_csv_text(folder: Path, limits: Limits) -> Path:
    """Rows of about 700 bytes: a CSV just under the unpacked budget."""
    rows = min(limits.max_rows, limits.max_cells // 8) - 1
    per_row = limits.max_unpacked_bytes // rows
    return largest_csv(folder, limits, text_chars=max(0, (per_row - 120) // 3))


def largest_xls(folder: Path, limits: Limits) -> Path:
    rows = min(65535, limits.max_cells // len(hostile.HAZARD_HEADER) - 1)
    data = [hostile.HAZARD_HEADER] + [
        [f"WD-2026-{n:06d}", "威海（文登）精细化工有限公司", CODE_A, "文登区", "2026-07-01", "驻点检查", "设备设施", "一般隐患",
         f"第{n}号储罐区防火堤内有杂物堆放，消防通道被占用", "立即清理", "王强", "2026-07-31", None, "整改中", None, "李明",
         None, None] for n in range(rows)]
    return hostile.write_xls(folder / f"largest_ledger_{rows}rows.xls", {"隐患台账": data})


CASES = {
    "largest .xlsx": largest_xlsx,
    "largest .xlsx, text-heavy": largest_xlsx_text,
    "largest .csv": largest_csv,
    "largest .csv, text-heavy": largest_csv_text,
    "largest .xls": largest_xls,
    "A1 + XFD200000 .xlsx": lambda folder, _: hostile.far_cell_xlsx(folder / "far_cell.xlsx"),
    "same, without r=": lambda folder, _: hostile.far_cell_without_references_xlsx(folder / "far_cell_no_refs.xlsx"),
    "zip bomb .xlsx (520 MB XML)": lambda folder, _: hostile.huge_xml_xlsx(folder / "zip_bomb.xlsx", xml_mb=520),
    "zip entry lying about its size": lambda folder, _: hostile.lying_size_xlsx(folder / "lying_size.xlsx", xml_mb=300),
    "shared string copied 1,000×": lambda folder, _: hostile.shared_string_copies_xlsx(folder / "copies.xlsx"),
    "shared strings claim 4e9": lambda folder, _: hostile.shared_strings_count_xlsx(folder / "sst_count.xlsx"),
    "huge .csv (163 MB)": lambda folder, _: hostile.huge_csv(folder / "huge.csv", mb=163),
    "CSV cell of 200,000 chars": lambda folder, _: hostile.huge_cell_csv(folder / "huge_cell.csv"),
    ".xls cell at column 65001": lambda folder, _: hostile.far_cell_xls(folder / "far_cell.xls"),
    ".xls DIMENSIONS of 4e9 rows": lambda folder, _: hostile.lying_dimensions_xls(folder / "lying_dimensions.xls"),
    ".xls looping sector chain": lambda folder, _: hostile.looping_directory_xls(folder / "loop.xls"),
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", nargs="*", help="case names (substring match)")
    parser.add_argument("--keep", type=Path, help="build the files in this folder and keep them")
    args = parser.parse_args()
    limits = Limits.from_settings()
    print(f"budgets: {limits.max_rows:,} rows, {limits.max_cells:,} cells, {limits.unpacked_mb} MB unpacked, "
          f"{limits.max_cell_chars:,} characters per CSV cell; target {TARGET_MIB} MiB peak RSS")
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        print(f"{'case':34} {'file':>10} {'outcome':>9} {'rows':>8} {'peak':>10} {'of target':>9} {'time':>7}  reason")
        for name, build in CASES.items():
            if args.only and not any(word in name for word in args.only):
                continue
            path = build(folder, limits)
            db = Path(scratch) / f"{abs(hash(name))}.duckdb"
            outcome = measure(path, db, Path(scratch))
            size = path.stat().st_size
            size_text = f"{size / 1024 / 1024:.1f} MB" if size >= 1 << 20 else f"{size / 1024:.1f} KB"
            print(f"{name:34} {size_text:>10} {outcome['status']:>9} {outcome['rows']:>8,} "
                  f"{outcome['peak_mib']:>6,.0f} MiB {outcome['peak_mib'] / TARGET_MIB:>8.0%} {outcome['seconds']:>6.1f}s  "
                  f"{outcome['message'][:70]}", flush=True)
            if not args.keep:
                path.unlink()


if __name__ == "__main__":
    main()
