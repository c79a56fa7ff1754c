"""Server-side render time of every dashboard page on the 10× demo set (target: under 1 s a page).

    .venv/bin/python bench/bench_pages.py [--scale 10] [--repeat 3] [--db PATH]

Runs each page through Streamlit's AppTest (the script run, no browser) and prints, per page:
  cold  the first render after a new warehouse version is published (cache emptied: every query runs);
  warm  later renders (results served from st.cache_data, as for every user after the first);
  after publish  the first render after another process publishes a new version, once the
        dashboard has recomputed the recently used views in the background (ui.data).
The demo warehouse is built once and kept at --db (default under /tmp) for later runs.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

TARGET_SECONDS = 1.0
PAGES = {
    "总览": "pages/overview.py",
    "区市对比": "pages/compare.py",
    "企业画像": "pages/enterprise.py",
    "隐患整改": "pages/hazards.py",
    "驻点工作": "pages/supervision.py",
    "数据质量": "pages/quality.py",
    "指标说明": "pages/definitions.py",
}


def build_demo(db: Path, scale: int) -> None:
    from demo.generate import generate
    from etl.load import load_paths

    db.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="weihai-bench-") as folder:
        files = generate(folder, scale=scale)
        load_paths([folder], db, user="基准测试")
    print(f"built the ×{scale} demo warehouse ({len(files)} files) in {time.perf_counter() - started:.1f} s: {db}")


def warehouse_size(db: Path) -> str:
    import duckdb

    from warehouse.store import first_row

    con = duckdb.connect(str(db), read_only=True)
    try:
        counts = {name: first_row(con, f"SELECT count(*) FROM {name}")[0]
                  for name in ("enterprises_current", "staff_current", "training", "hazards", "work_logs")}
    finally:
        con.close()
    return "，".join(f"{name} {n:,}" for name, n in counts.items())


def first_enterprise(db: Path) -> str:
    import duckdb

    from warehouse.store import first_row

    con = duckdb.connect(str(db), read_only=True)
    try:
        return first_row(con, "SELECT credit_code FROM enterprises_in_scope ORDER BY district, credit_code LIMIT 1")[0]
    finally:
        con.close()


def signed_in_app():
    """The dashboard under AppTest, signed in as a city-level user (who sees every district)."""
    from streamlit.testing.v1 import AppTest

    from access.users import User

    app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=600)
    app.session_state["_user"] = User("bench", "基准测试", "市级", None)
    return app


def timed(run) -> float:
    started = time.perf_counter()
    app = run()
    elapsed = time.perf_counter() - started
    if app.exception or app.error or not app.metric and not app.markdown:
        raise RuntimeError([e.value for e in (*app.exception, *app.error)] or "the page drew nothing")
    return elapsed


def bench_page(path: str, enterprise: str | None, repeat: int) -> tuple[float, float]:
    import streamlit as st

    app = signed_in_app()
    app.run()
    app.switch_page(path).run()
    if enterprise:
        app.selectbox(key="ent").set_value(enterprise)
    st.cache_data.clear()
    cold = timed(app.run)
    warm = statistics.median(timed(app.run) for _ in range(repeat))
    return cold, warm


def publish_same_data(db: Path) -> None:
    """Publish the warehouse again, as a load does (a new file renamed over the old): a new version."""
    copy = db.with_name(db.name + ".republish")
    shutil.copyfile(db, copy)
    os.replace(copy, db)


def bench_after_publish(db: Path, enterprise: str) -> dict[str, float]:
    from ui import data

    app = signed_in_app()
    app.run()
    for path in PAGES.values():  # every page viewed once on the current version
        app.switch_page(path).run()
        if path.endswith("enterprise.py"):
            app.selectbox(key="ent").set_value(enterprise).run()
    publish_same_data(db)
    app.switch_page(PAGES["总览"]).run()  # the first view of the new version starts the recomputation
    started = time.perf_counter()
    if data._recent.worker is not None:
        data._recent.worker.join()
    print(f"background recomputation after the publish: {time.perf_counter() - started:.2f} s")
    timings = {}
    for title, path in PAGES.items():
        app.switch_page(path)
        timings[title] = timed(app.run)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--db", type=Path, default=None)
    args = parser.parse_args()
    db = args.db or Path(tempfile.gettempdir()) / "weihai-bench" / f"demo-x{args.scale}.duckdb"
    if not db.exists():
        build_demo(db, args.scale)
    os.environ["WEIHAI_DB"] = str(db)
    print(f"warehouse: {db}（{warehouse_size(db)}）")
    print(f"{'page':<8}{'cold s':>9}{'cold/target':>13}{'warm s':>9}{'warm/target':>13}")
    enterprise = first_enterprise(db)
    colds, warms = [], []
    for title, path in PAGES.items():
        cold, warm = bench_page(path, enterprise if path.endswith("enterprise.py") else None, args.repeat)
        colds.append(cold)
        warms.append(warm)
        print(f"{title:<8}{cold:>9.3f}{cold / TARGET_SECONDS:>13.2f}{warm:>9.3f}{warm / TARGET_SECONDS:>13.2f}")
    print(f"slowest page against the {TARGET_SECONDS:.1f} s target: cold {max(colds):.3f} s "
          f"(ratio {max(colds) / TARGET_SECONDS:.2f}), warm {max(warms):.3f} s (ratio {max(warms) / TARGET_SECONDS:.2f})")
    after = bench_after_publish(db, enterprise)
    print("after publish s: " + "  ".join(f"{title} {seconds:.3f}" for title, seconds in after.items()))
    print(f"slowest page after a publish {max(after.values()):.3f} s (ratio {max(after.values()) / TARGET_SECONDS:.2f})")


if __name__ == "__main__":
    main()
