"""All 11 indicators for the city, every district and every enterprise over 8 quarters (target: < 0.5 s warm).

    .venv/bin/python bench/bench_metrics.py [--db PATH] [--scale 10] [--repeat 5] [--quarter 2026Q3]

Times `metrics.api.trend` (one DuckDB query: 8 quarters plus the one before, for the change) on the
10× demo warehouse, warm (best of --repeat after a first run), with the CPU time it used over all
threads (a figure the machine's other load does not inflate). Then reads the same tables into pandas
DataFrames and computes the same figures in a straightforward pandas way, checks that both give the
same numerator and denominator for every indicator, quarter and group, and prints both timings and
their ratio (target ≥ 5×). The warehouse is built once at --db (demo files generated and loaded
through the ETL) and reused by later runs.
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

import numpy as np
import pandas as pd

from core.config import districts as configured_districts
from core.dates import shift_months
from core.quarters import Quarter, parse_quarter, quarter_range
from metrics import api
from metrics.indicators import INDICATORS
from metrics.sql import window_months
from warehouse.store import open_reader
from warehouse.templates import KEY_STAFF_CATEGORIES

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 0.5
TARGET_RATIO = 5.0
GRAINS = ("city", "district", "enterprise")


def ensure_warehouse(db: Path, scale: int) -> None:
    if db.exists():
        return
    print(f"building the {scale}× demo warehouse at {db} (once; a few minutes) …", flush=True)
    with tempfile.TemporaryDirectory(dir="/tmp") as folder:
        run = [sys.executable, "-m", "etl"]
        subprocess.run([*run, "demo", "--out", folder, "--scale", str(scale)], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run([*run, "load", folder, "--db", str(db)], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


# ---------------------------------------------------------------- the pandas way

TABLES = {
    "enterprises": "SELECT * FROM enterprises_in_scope",
    "staff": "SELECT * FROM staff_current",
    "training": "SELECT credit_code, person_id, trained_on, passed FROM training",
    "drills": "SELECT credit_code, drill_date, expected, actual FROM drills",
    "hazards": "SELECT * FROM hazards_current",
    "logs": "SELECT credit_code, supervisor, log_date, special_ops, onsite FROM work_logs",
    "checklists": "SELECT * FROM checklists_current",
}


def read_tables(con) -> dict[str, pd.DataFrame]:
    frames = {name: con.sql(sql).df() for name, sql in TABLES.items()}
    for frame in frames.values():
        for column in frame.columns:
            if pd.api.types.is_datetime64_any_dtype(frame[column]):
                frame[column] = frame[column].dt.normalize()
    return frames


def _counts(frame: pd.DataFrame, numerator: pd.Series | str, denominator: pd.Series | str) -> pd.DataFrame:
    """Per credit_code: Σ numerator, Σ denominator."""
    data = pd.DataFrame({
        "credit_code": frame["credit_code"].to_numpy(),
        "numerator": (frame[numerator] if isinstance(numerator, str) else numerator).to_numpy(dtype="int64"),
        "denominator": (frame[denominator] if isinstance(denominator, str) else denominator).to_numpy(dtype="int64"),
    })
    return data.groupby("credit_code", as_index=False)[["numerator", "denominator"]].sum()


def _stationings(enterprises: pd.DataFrame) -> pd.DataFrame:
    names = (enterprises["supervisor"].fillna("").str.replace(r"\s", "", regex=True)
             .str.split(r"[、,，;；/／]", regex=True))
    stationed = enterprises[["credit_code", "stationed_on"]].assign(name=names).explode("name")
    return stationed[stationed["name"].fillna("") != ""].drop_duplicates(["credit_code", "name"])


def pandas_quarter(t: dict[str, pd.DataFrame], quarter: Quarter) -> dict[str, pd.DataFrame]:
    """Per indicator: per-enterprise numerator and denominator for one quarter, as of its end."""
    start, end = pd.Timestamp(quarter.start), pd.Timestamp(quarter.end)
    window_start = pd.Timestamp(shift_months(quarter.end, -window_months()))
    scope = t["enterprises"]["credit_code"]
    out = {}

    staff = t["staff"][t["staff"]["credit_code"].isin(scope)]
    on_duty = staff[(staff["hired_on"].isna() | (staff["hired_on"] <= end))
                    & (staff["left_on"].isna() | (staff["left_on"] > end))]
    key = on_duty[on_duty["category"].isin(KEY_STAFF_CATEGORIES)]
    has_cert = key["cert_no"].fillna("").str.strip() != ""
    out["certification"] = _counts(key, has_cert & (key["cert_valid_until"] >= end), pd.Series(1, index=key.index))

    training = t["training"]
    passed = training[training["passed"] & (training["trained_on"] > window_start) & (training["trained_on"] <= end)]
    passed_people = passed[["credit_code", "person_id"]].drop_duplicates().assign(ok=1)
    people = on_duty[["credit_code", "person_id"]].merge(passed_people, how="left", on=["credit_code", "person_id"])
    out["training"] = _counts(people, people["ok"].fillna(0), pd.Series(1, index=people.index))

    hazards = t["hazards"][t["hazards"]["credit_code"].isin(scope)]
    found = hazards[(hazards["found_on"] >= start) & (hazards["found_on"] <= end)]
    out["rectification"] = _counts(found, found["rectified_on"] <= end, pd.Series(1, index=found.index))
    major = found[found["level"] == "重大隐患"]
    out["major_hazard_reported"] = _counts(major, major["reported_on"] <= end, pd.Series(1, index=major.index))

    drills = t["drills"][t["drills"]["credit_code"].isin(scope)]
    drills = drills[(drills["drill_date"] > window_start) & (drills["drill_date"] <= end)]
    out["drill_participation"] = _counts(drills, "actual", "expected")

    checklists = t["checklists"]
    checklists = checklists[checklists["credit_code"].isin(scope) & (checklists["quarter"] == quarter.label)]
    one = pd.Series(1, index=checklists.index)
    out["responsibility"] = _counts(checklists, checklists["responsibility"], one)
    out["organization"] = _counts(checklists, checklists["org_sound"] & checklists["director"].isin(["是", "不适用"]), one)
    out["rules"] = _counts(checklists, "rules_built", "rules_required")
    out["reward_payout"] = _counts(checklists, checklists["rewards_paid"].fillna(0), checklists["rewards_due"].fillna(0))

    logs = t["logs"][t["logs"]["credit_code"].isin(scope)
                     & (t["logs"]["log_date"] >= start) & (t["logs"]["log_date"] <= end)]
    special = logs[logs["special_ops"] > 0]
    out["special_ops_onsite"] = _counts(special, special["onsite"].fillna(0), "special_ops")

    weekdays = pd.DataFrame({"day": pd.bdate_range(start, end)})
    stationed = _stationings(t["enterprises"])
    due = stationed.merge(weekdays, how="cross")
    due = due[due["stationed_on"].isna() | (due["day"] >= due["stationed_on"])]
    written = logs[logs["log_date"].dt.day_of_week < 5]
    logged = (written.assign(name=written["supervisor"].str.replace(r"\s", "", regex=True))
              [["credit_code", "name", "log_date"]].drop_duplicates().rename(columns={"log_date": "day"}).assign(ok=1))
    due = due.merge(logged, how="left", on=["credit_code", "name", "day"])
    out["log_fill"] = _counts(due, due["ok"].fillna(0), pd.Series(1, index=due.index))
    return out


def pandas_figures(t: dict[str, pd.DataFrame], quarters: list[Quarter]) -> pd.DataFrame:
    enterprises = t["enterprises"][["credit_code", "district"]]
    districts = pd.DataFrame({"district": list(configured_districts().names)})
    rows = []
    for quarter in quarters:
        for code, counts in pandas_quarter(t, quarter).items():
            per_enterprise = enterprises.merge(counts, how="left", on="credit_code").fillna(
                {"numerator": 0, "denominator": 0})
            per_district = districts.merge(
                per_enterprise.groupby("district", as_index=False)[["numerator", "denominator"]].sum(),
                how="left", on="district").fillna({"numerator": 0, "denominator": 0})
            city = per_district[["numerator", "denominator"]].sum()
            common = {"quarter": quarter.label, "indicator": code}
            rows.append(pd.DataFrame({**common, "grain": "city", "group": "全市",
                                      "numerator": [city["numerator"]], "denominator": [city["denominator"]]}))
            rows.append(per_district.rename(columns={"district": "group"}).assign(grain="district", **common))
            rows.append(per_enterprise.drop(columns="district").rename(columns={"credit_code": "group"})
                        .assign(grain="enterprise", **common))
    figures = pd.concat(rows, ignore_index=True)
    figures[["numerator", "denominator"]] = figures[["numerator", "denominator"]].astype("int64")
    figures["rate"] = np.where(figures["denominator"] > 0, figures["numerator"] / figures["denominator"].where(
        figures["denominator"] > 0, 1), np.nan)
    return figures


# ---------------------------------------------------------------- comparison and report

def compare(duck: pd.DataFrame, panda: pd.DataFrame) -> int:
    keys = ["quarter", "grain", "indicator", "group"]
    merged = duck[[*keys, "numerator", "denominator"]].merge(
        panda[[*keys, "numerator", "denominator"]], how="outer", on=keys, suffixes=("_duckdb", "_pandas"),
        indicator=True)
    missing = merged[merged["_merge"] != "both"]
    differ = merged[(merged["numerator_duckdb"] != merged["numerator_pandas"])
                    | (merged["denominator_duckdb"] != merged["denominator_pandas"])]
    if len(missing) or len(differ):
        print(f"MISMATCH: {len(missing)} rows on one side only, {len(differ)} rows with different figures")
        print(pd.concat([missing, differ]).head(20).to_string())
        return 1
    print(f"same figures: {len(merged):,} rows (11 indicators × 8 quarters × city, districts and enterprises)")
    return 0


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def best_of(repeat: int, run) -> tuple[float, list[float], float, object]:
    """Best wall time, all wall times, the CPU time (all threads) of the best run, the result."""
    timings, cpu, result = [], [], None
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), cpu_seconds()
        result = run()
        timings.append(time.perf_counter() - started)
        cpu.append(cpu_seconds() - started_cpu)
    best = min(range(repeat), key=timings.__getitem__)
    return timings[best], timings, cpu[best], result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, default=Path("/tmp/bench_metrics_demo10.duckdb"))
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quarter", default="2026Q3", help="the last of the 8 quarters")
    args = parser.parse_args()
    ensure_warehouse(args.db, args.scale)
    quarters = quarter_range(parse_quarter(args.quarter), 8)
    con = open_reader(args.db)
    con.execute("SET enable_progress_bar = false")
    sizes = {name: con.execute(f"SELECT count(*) FROM ({sql})").fetchall()[0][0] for name, sql in TABLES.items()}
    print(f"warehouse {args.db}: " + ", ".join(f"{name} {n:,}" for name, n in sizes.items()))
    print(f"quarters {quarters[0].label}…{quarters[-1].label}; machine load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores")

    def with_duckdb():
        return api.trend(con, quarters, by=GRAINS)

    with_duckdb()  # warm-up: the first run reads the file into DuckDB's buffers
    duck_best, duck_all, duck_cpu, duck = best_of(args.repeat, with_duckdb)
    print(f"duckdb  (metrics.api.trend): best {duck_best:.3f} s of {args.repeat} "
          f"({', '.join(f'{x:.3f}' for x in duck_all)}), CPU {duck_cpu:.3f} s over all threads, {len(duck):,} rows "
          f"— target < {TARGET_SECONDS} s: {'met' if duck_best < TARGET_SECONDS else 'NOT met'}")

    started = time.perf_counter()
    tables = read_tables(con)
    print(f"pandas: reading the tables into DataFrames took {time.perf_counter() - started:.2f} s (not counted)")
    panda_repeat = max(1, min(3, args.repeat))
    panda_best, panda_all, panda_cpu, panda = best_of(panda_repeat, lambda: pandas_figures(tables, quarters))
    print(f"pandas  (straightforward):   best {panda_best:.3f} s of {panda_repeat} "
          f"({', '.join(f'{x:.3f}' for x in panda_all)}), CPU {panda_cpu:.3f} s")
    ratio = panda_best / duck_best
    print(f"ratio pandas / duckdb: {ratio:.1f}× — target ≥ {TARGET_RATIO:.0f}×: "
          f"{'met' if ratio >= TARGET_RATIO else 'NOT met'}")
    assert len(INDICATORS) == 11
    return compare(duck, panda)


if __name__ == "__main__":
    sys.exit(main())
