"""Server-side render time of every dashboard page on the 10× demo set (targets: cold ≤ 1 s, warm ≤ 0.3 s).

    .venv/bin/python bench/bench_pages.py [--scale 10] [--db PATH] [--repeat 3] [--profile] [--only 总览 …]
                                          [--no-publish]

Runs each page of pages/ through Streamlit's AppTest (the script run, no browser; a page missing from PAGES
stops the run) and prints, per page:
  cold  the first render with nothing computed ahead: no cached result and a fresh read-only connection (a new
        DuckDB instance), so every query runs on cold buffers; with the CPU seconds it took over all threads (a
        figure the machine's other load inflates less). What a page costs when nobody had it computed: opened
        before the dashboard's drafting at its start had finished, or a view nobody had looked at before a
        publish (the dashboard recomputes the views looked at, see "after publish");
  warm  later renders (results served from the cache, as for every user after the first);
  会商材料 opened after 总览  the usual way to the meeting paper with nothing cached (总览 drafts the paper in the
        background, ui.meetings.prefetch_paper): how long after 总览 was drawn the paper is ready, and
        会商材料's first render then;
  会商材料 opened first after a start  the dashboard drafts the city's paper when it starts (while the first user signs
        in): how long that took, a city user's first render of 会商材料 then, and a district user's (its paper is
        not drafted ahead);
  after publish  the first render of every page after another process publishes a new version (the same data
        copied and renamed over the file, as a load does), once the dashboard, which notices a publish by
        itself, has recomputed the recently used views in the background (ui.data), and how long that took
        from the publish.
Every figure is printed with its ratio to its target. With --profile, each page's cold render also
lists the queries that took longest (seconds and CPU seconds per metrics function, over its calls).
Without --db the demo warehouse of --scale is used, built once and cached (see bench_scale.py).
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: the project's packages
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("STREAMLIT_LOGGER_LEVEL", "error")  # AppTest's bare-mode warnings would drown the figures

COLD_TARGET = 1.0
DISTRICT = "荣成市"  # the district user of the after-start measurement: the one with the most enterprises
WARM_TARGET = 0.3
# Every page of the navigation (dashboard.pages_for), by its title.
PAGES = {
    "总览": "pages/overview.py",
    "区市对比": "pages/compare.py",
    "企业画像": "pages/enterprise.py",
    "隐患整改": "pages/hazards.py",
    "驻点工作": "pages/supervision.py",
    "会商材料": "pages/pack.py",
    "数据导入": "pages/data_import.py",
    "数据质量": "pages/quality.py",
    "数据可信度": "pages/reconcile.py",
    "指标说明": "pages/definitions.py",
    "审计日志": "pages/audit.py",
}


def unbenchmarked_pages() -> list[str]:
    return sorted(str(p.relative_to(ROOT)) for p in (ROOT / "pages").glob("*.py")
                  if str(p.relative_to(ROOT)) not in PAGES.values())


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


def signed_in_app(user=None):
    """The dashboard under AppTest, signed in as `user`, by default a city-level user (who sees every district and
    every page)."""
    from streamlit.testing.v1 import AppTest

    from access.users import User

    app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=600)
    app.session_state["_user"] = user or User("bench", "基准测试", "市级", None)
    return app


def timed(run) -> float:
    started = time.perf_counter()
    app = run()
    elapsed = time.perf_counter() - started
    drew = app.metric or app.markdown or app.dataframe or app.table
    if app.exception or app.error or not drew:
        raise RuntimeError([e.value for e in (*app.exception, *app.error)] or "the page drew nothing")
    return elapsed


class QueryClock:
    """Seconds spent per metrics function in the dashboard's cached reads (`ui.data`), while switched on."""

    def __init__(self) -> None:
        self.on = False
        self.seconds: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)

    def install(self) -> None:
        from ui import data

        original = data.scoped_call

        def clocked(func, con, scope, *args, **kwargs):
            if not self.on:
                return original(func, con, scope, *args, **kwargs)
            started, started_cpu = time.perf_counter(), time.process_time()
            try:
                return original(func, con, scope, *args, **kwargs)
            finally:
                name = f"{func.__module__}.{func.__name__}"
                self.seconds[name] += time.perf_counter() - started
                self.cpu[name] += time.process_time() - started_cpu
                self.calls[name] += 1

        data.scoped_call = clocked

    @contextmanager
    def running(self):
        self.seconds.clear()
        self.cpu.clear()
        self.calls.clear()
        self.on = True
        try:
            yield
        finally:
            self.on = False

    def top(self, n: int = 6) -> str:
        ranked = sorted(self.seconds, key=lambda name: -self.seconds[name])[:n]
        return (f"    queries {sum(self.seconds.values()):.3f} s (CPU {sum(self.cpu.values()):.3f} s) in "
                f"{sum(self.calls.values())} calls; slowest (s, CPU s): "
                + ", ".join(f"{name.removeprefix('metrics.')} {self.seconds[name]:.3f}/{self.cpu[name]:.3f}"
                            + (f" ×{self.calls[name]}" if self.calls[name] > 1 else "") for name in ranked))


def cold_start() -> None:
    """What a publish does to the dashboard: no cached result, a new connection (fresh DuckDB buffers). What the
    pages opened before started in the background finishes first (it would fill the cache again, and take the cores
    from the render measured next)."""
    import streamlit as st

    from ui import charts, data

    data.settle()
    st.cache_data.clear()
    data._cached_call.clear()
    data._cached_records_call.clear()
    data._reader.clear()
    charts.forget_figures()


def bench_page(path: str, enterprise: str | None, repeat: int,
               clock: QueryClock | None = None) -> tuple[float, float, float]:
    """(cold seconds, the CPU seconds of the cold render over all threads, warm seconds: the median of `repeat`)."""
    app = signed_in_app()
    app.run()
    app.switch_page(path).run()
    if enterprise:
        app.selectbox(key="ent").set_value(enterprise)
    cold_start()
    started_cpu = time.process_time()
    if clock is None:
        cold = timed(app.run)
    else:
        with clock.running():
            cold = timed(app.run)
    cold_cpu = time.process_time() - started_cpu
    settle()  # what the page started in the background (总览: the meeting paper) is not part of the later renders
    warm = statistics.median(timed(app.run) for _ in range(repeat))
    return cold, cold_cpu, warm


def settle() -> None:
    from ui import data

    data.settle()


def bench_pack_after_overview() -> tuple[float, float]:
    """The usual way to 会商材料, with nothing cached: sign in, 总览, then 会商材料. (Seconds from 总览's first render
    until the paper it started drafting in the background is done, 会商材料's first render after that.)"""
    app = signed_in_app()
    app.run()
    app.switch_page(PAGES["总览"]).run()
    cold_start()
    timed(app.run)
    started = time.perf_counter()
    settle()
    drafting = time.perf_counter() - started
    app.switch_page(PAGES["会商材料"])
    return drafting, timed(app.run)


def bench_pack_after_start() -> tuple[float, float, float]:
    """会商材料 opened first after the dashboard starts, nothing cached: the start drafts the city's paper in the
    background (`ui.meetings.draft_city_paper_ahead`, as `streamlit run dashboard.py` does while the first user signs
    in). (Seconds the drafting took; a city user's first render of 会商材料 after it; then a district user's, whose
    paper is not drafted ahead.)"""
    from access.users import User
    from ui.meetings import draft_city_paper_ahead

    city, district = signed_in_app(), signed_in_app(User("bench_district", "基准测试", "区市", DISTRICT))
    for app in (city, district):
        app.run()
        app.switch_page(PAGES["会商材料"]).run()
    cold_start()
    started = time.perf_counter()
    draft_city_paper_ahead().result()
    drafting = time.perf_counter() - started
    return drafting, timed(city.run), timed(district.run)


def publish_same_data(db: Path) -> None:
    """Publish the warehouse again, as a load does (a new file renamed over the old): a new version."""
    copy = db.with_name(db.name + ".republish")
    shutil.copyfile(db, copy)
    os.replace(copy, db)


def bench_after_publish(db: Path, enterprise: str, pages: dict[str, str]) -> tuple[float, dict[str, float]]:
    """(seconds from a publish until the dashboard, noticing it by itself, has recomputed the views looked at before;
    each page's first render after that, the first page opened included)."""
    from ui import charts, data
    from warehouse.store import db_version

    app = signed_in_app()
    app.run()
    for path in pages.values():  # every page viewed once on the current version
        app.switch_page(path).run()
        if path.endswith("enterprise.py"):
            app.selectbox(key="ent").set_value(enterprise).run()
    settle()
    started = time.perf_counter()
    publish_same_data(db)
    charts.forget_figures()  # new data draws new figures; the same data republished would find them kept
    if not data._recent.wait_rewarmed(str(db), db_version(db), timeout=600):
        raise RuntimeError("the dashboard did not recompute the views within 10 minutes of the publish")
    recompute = time.perf_counter() - started
    timings = {}
    for title, path in pages.items():
        app.switch_page(path)
        timings[title] = timed(app.run)
    return recompute, timings


def ratio(seconds: float, target: float) -> str:
    return f"{seconds / target:.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--profile", action="store_true", help="list each page's slowest queries (cold render)")
    parser.add_argument("--only", nargs="*", help="page titles to run (default: every page)")
    parser.add_argument("--no-publish", dest="publish", action="store_false",
                        help="leave out the after-publish measurement")
    args = parser.parse_args()
    missing = unbenchmarked_pages()
    if missing:
        print(f"pages not in bench_pages.PAGES: {', '.join(missing)}", file=sys.stderr)
        return 1
    pages = {title: path for title, path in PAGES.items() if not args.only or title in args.only}
    if args.db is None:
        sys.path.insert(0, str(ROOT / "bench"))
        from bench_scale import cache_root, ensure_warehouse

        db = ensure_warehouse(args.scale, cache_root())
    else:
        db = args.db
    os.environ["WEIHAI_DB"] = str(db)
    print(f"warehouse: {db}（{warehouse_size(db)}）; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"targets: cold ≤ {COLD_TARGET:.1f} s, warm ≤ {WARM_TARGET:.1f} s")
    print(f"{'page':<8}{'cold s':>9}{'cold/target':>13}{'cold CPU s':>12}{'warm s':>9}{'warm/target':>13}")
    clock = None
    if args.profile:
        clock = QueryClock()
        clock.install()
    enterprise = first_enterprise(db)
    colds, warms = {}, {}
    failed = []
    for title, path in pages.items():
        try:
            cold, cold_cpu, warm = bench_page(path, enterprise if path.endswith("enterprise.py") else None,
                                              args.repeat, clock)
        except RuntimeError as error:  # a page that fails is reported and left out of the figures
            print(f"{title:<8} failed: {error}", flush=True)
            failed.append(title)
            continue
        colds[title], warms[title] = cold, warm
        print(f"{title:<8}{cold:>9.3f}{ratio(cold, COLD_TARGET):>13}{cold_cpu:>12.3f}{warm:>9.3f}"
              f"{ratio(warm, WARM_TARGET):>13}", flush=True)
        if clock is not None:
            print(clock.top(), flush=True)
    slow_cold, slow_warm = max(colds, key=colds.get), max(warms, key=warms.get)
    print(f"slowest cold: {slow_cold} {colds[slow_cold]:.3f} s (ratio {ratio(colds[slow_cold], COLD_TARGET)}); "
          f"slowest warm: {slow_warm} {warms[slow_warm]:.3f} s (ratio {ratio(warms[slow_warm], WARM_TARGET)})")
    if {"总览", "会商材料"} <= pages.keys() - set(failed):
        drafting, pack = bench_pack_after_overview()
        print(f"会商材料 opened after 总览: the paper drafted in the background {drafting:.2f} s after 总览 was drawn; "
              f"first render then {pack:.3f} s (ratio {ratio(pack, COLD_TARGET)} of the cold target)")
    if "会商材料" in pages.keys() - set(failed):
        drafting, city, district = bench_pack_after_start()
        print(f"会商材料 opened first after the dashboard starts: the city's paper drafted at the start in {drafting:.2f} s; "
              f"a city user's first render then {city:.3f} s (ratio {ratio(city, COLD_TARGET)} of the cold target); "
              f"a {DISTRICT} user's (not drafted ahead) {district:.3f} s (ratio {ratio(district, COLD_TARGET)})")
    if args.publish:
        recompute, after = bench_after_publish(db, enterprise, {t: p for t, p in pages.items() if t not in failed})
        print(f"background recomputation after a publish (from the publish, noticed by the dashboard): {recompute:.2f} s")
        print("after publish s: " + "  ".join(f"{title} {seconds:.3f}" for title, seconds in after.items()))
        slowest = max(after, key=after.get)
        print(f"slowest page after a publish: {slowest} {after[slowest]:.3f} s "
              f"(ratio {ratio(after[slowest], COLD_TARGET)} of the cold target)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
