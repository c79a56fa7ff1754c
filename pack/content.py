"""Everything the meeting pack shows, read once through `metrics`.

`gather` asks the metrics layer for the quarter's figures (city and districts,
with the change on last quarter), eight quarters of history, every shortfall
record, the watch lists and the supervision tables. The workbook, the brief, the
printable report and the chart images are all built from the one `PackContent`,
so every document of a pack shows the same numbers.

The meeting's own records (contract §6) reach the paper through three plain fields: the date the meeting
is held (the paper's date), last quarter's agreed tasks with each owner district's status, and the
drafted matters for the meeting. Without a meeting record they are the generation date and empty lists.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import duckdb
import pandas as pd

from core.config import districts as configured_districts
from metrics import api, escalation, hazards, overview, quality, reconcile, retrofit, supervision
from metrics.changes import with_change
from metrics.indicators import INDICATORS, Indicator
from core.quarters import Quarter, parse_quarter, quarter_range
from metrics.scope import CITY, aggregate_label, resolve_districts
from metrics.sql import make_period

HISTORY_QUARTERS = 8
REPEAT_CHECK = "repeat_hazard"  # the declared reconciliation rule behind `repeat_hazards`
REPEAT_COLUMNS = ["区市", "企业名称", "隐患描述", "次数"]
SOURCE_COLUMNS = ["来源文件", "工作表", "行号"]
CURRENT_SUFFIX = "_当前数据"  # a finalised quarter's pack with the figures of now, not those frozen at 定稿


@dataclass(frozen=True)
class TaskStatus:
    """Where one owner district stands on an agreed task: 未开始 / 推进中 / 已完成 / 逾期, with a note."""
    district: str
    status: str
    note: str = ""


@dataclass(frozen=True)
class PreviousTask:
    """A common task agreed at last quarter's meeting, with the status of each owner district."""
    title: str
    deadline: date
    statuses: tuple[TaskStatus, ...]


@dataclass(frozen=True)
class Matter:
    """A drafted 提请会商事项: its kind (e.g. 超期重大隐患), what it is about, and the text put to the meeting."""
    kind: str
    subject: str
    text: str


@dataclass
class PackContent:
    quarter: Quarter
    as_of: date
    districts: list[str]  # canonical names in scope, configured order
    full_scope: bool  # every configured district
    city: str
    generated_at: datetime
    data_as_of: date | None
    is_demo: bool
    figures: pd.DataFrame  # this quarter: metrics report columns (city + district grains) plus `change`
    history: pd.DataFrame  # HISTORY_QUARTERS quarters of trend(), city + district grains
    history_quarters: list[Quarter]
    shortfalls: dict[str, pd.DataFrame]  # indicator code -> records behind the gap
    shortfall_counts: pd.DataFrame  # indicator, 区市, 记录数
    watch: dict[str, pd.DataFrame]  # api.WATCH_TITLES keys
    major_hazards: pd.DataFrame
    supervisors: pd.DataFrame
    log_fill: pd.DataFrame
    special_ops: pd.DataFrame
    coverage: pd.DataFrame
    hazards_by_method: pd.DataFrame
    hazards_by_category: pd.DataFrame
    hazards_by_district: pd.DataFrame
    # Hazards of this quarter that repeat one closed at the same enterprise shortly before (the reconciliation
    # rule `repeat_hazard`): 区市, 企业名称, 隐患描述, 次数 (the closed one and each time it was found again).
    repeat_hazards: pd.DataFrame
    batches: pd.DataFrame  # the loaded files with rows of the pack's districts, counted for those rows
    quarantine: pd.DataFrame  # quarantined rows per template and reason, for the districts in scope
    rejected: pd.DataFrame
    # 对账 (metrics.reconcile): one row per check (reconcile_summary), the findings per district and check
    # (reconcile_counts) and each finding (reconcile_rows); 直通车 breaches per district (escalation_summary);
    # 一企一策 progress per district and the total row (retrofit_progress).
    reconcile_summary: pd.DataFrame
    reconcile_counts: pd.DataFrame
    reconcile_rows: pd.DataFrame  # every finding with its enterprise, supervisor and source row
    escalation: pd.DataFrame
    retrofit: pd.DataFrame
    # A quarter in a year the official calendar does not cover yet: working days counted Monday–Friday.
    calendar_note: str | None = None
    indicators: tuple[Indicator, ...] = field(default=INDICATORS)
    # The meeting (contract §6): the date it is held, last quarter's tasks, the matters put to it.
    meeting_date: date = field(default_factory=date.today)
    previous_tasks: list[PreviousTask] = field(default_factory=list)
    matters: list[Matter] = field(default_factory=list)
    # The meeting's own common tasks (pack.draft.TaskDraft) once a user edited, added or agreed any; None: the
    # paper shows the product's draft.
    meeting_tasks: list[Any] | None = None
    # The quarter's 定稿 (`pack.meeting.with_frozen_figures`): `frozen_at` when the figures shown are those frozen
    # then (None: computed at generation); `restatements` the rows whose figures changed since (the restated rows of
    # `metrics.meetings.restatements`); `current_over_frozen_at` when the quarter has frozen figures but this pack
    # was asked for the figures of now.
    frozen_at: datetime | None = None
    restatements: pd.DataFrame | None = None
    current_over_frozen_at: datetime | None = None

    # ------------------------------------------------------------------ labels

    @property
    def total_label(self) -> str:
        """What the city-grain row means: 全市 when every district is in, else 所选区市合计 (even for one)."""
        return aggregate_label(self.districts)

    @property
    def total_phrase(self) -> str:
        """The total as a sentence names it: 全市, the one district, or 所选区市."""
        if self.full_scope:
            return CITY
        return self.districts[0] if len(self.districts) == 1 else "所选区市"

    @property
    def scope_label(self) -> str:
        return f"{self.city}（全部区市）" if self.full_scope else "、".join(self.districts)

    @property
    def as_of_is_quarter_end(self) -> bool:
        return self.as_of == self.quarter.end

    @property
    def next_quarter(self) -> Quarter:
        return self.quarter.next()

    @property
    def stem(self) -> str:
        """File name stem: 会商材料_2026Q3_全市 / 会商材料_2026Q3_文登区 (…_当前数据: a finalised quarter's figures
        of now)."""
        scope = CITY if self.full_scope else "_".join(self.districts)
        suffix = "" if self.as_of_is_quarter_end else f"_截至{self.as_of:%Y%m%d}"
        if self.current_over_frozen_at is not None:
            suffix += CURRENT_SUFFIX
        return f"会商材料_{self.quarter.label}_{scope}{suffix}"

    # --------------------------------------------------------------- figures

    def __post_init__(self):
        # The drafting asks for an indicator's city row hundreds of times: the rows are indexed once, here, where no
        # other thread can see the object yet (the pack is written by several threads at once).
        self._city_rows = self._index_city_rows()
        self._drafted: dict[str, Any] = {}

    def drafted_once(self, key: str, make: Callable[[], Any]) -> Any:
        """`make()` computed once for this pack: the ranked problems and the drafted tasks are asked for by several
        sections of the paper, by its tasks and by the tasks handed over to the meeting's records. Two threads asking
        at once may both compute it; they get the same value."""
        if key not in self._drafted:
            self._drafted.setdefault(key, make())
        return self._drafted[key]

    def _index_city_rows(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        city = self.figures[self.figures["grain"] == "city"].drop_duplicates("indicator")
        return self.figures, city.set_index("indicator", drop=False)

    def city_row(self, code: str) -> pd.Series:
        figures, rows = self._city_rows
        if figures is not self.figures:  # figures set anew after the object was made
            figures, rows = self._index_city_rows()
        if code not in rows.index:
            raise IndexError(f"no city row of {code}")
        return rows.loc[code]

    def district_rows(self, code: str) -> pd.DataFrame:
        rows = self.figures[(self.figures["grain"] == "district") & (self.figures["indicator"] == code)]
        return rows.reset_index(drop=True)

    def history_of(self, code: str) -> pd.DataFrame:
        return self.history[self.history["indicator"] == code].reset_index(drop=True)


Read = Callable[..., Any]  # read(func, *args, **kwargs) -> func(con, *args, **kwargs)


def connection_reader(con: duckdb.DuckDBPyConnection) -> Read:
    def read(func, *args, **kwargs):
        return func(con, *args, **kwargs)
    return read


def _current_figures(quarter: Quarter, history: pd.DataFrame, current: pd.DataFrame | None) -> pd.DataFrame:
    """This quarter as of the chosen date (`current`; None: as of its end, the history's row), with the change
    against last quarter (as of its end)."""
    if current is None:
        return history[history["quarter"] == quarter.label].drop(columns="quarter").reset_index(drop=True)
    previous = history[history["quarter"] == quarter.previous().label]
    return with_change(current, previous).drop(columns="previous_rate")


def _repeat_hazards(findings: pd.DataFrame, ledger: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """The findings of the reconciliation rule `repeat_hazard`, one row per enterprise and description, the most
    frequent first; the description is the current ledger row's (`ledger()`: the quarter's hazards found), found by
    the row each finding points to."""
    found = findings[findings["检查代码"] == REPEAT_CHECK]
    if found.empty:
        return pd.DataFrame(columns=REPEAT_COLUMNS)
    described = found.merge(ledger()[[*SOURCE_COLUMNS, "隐患描述"]], on=SOURCE_COLUMNS, how="left")
    counted = described.groupby(["区市", "统一社会信用代码", "企业名称", "隐患描述"], as_index=False, sort=False,
                                dropna=False).size().rename(columns={"size": "次数"})
    counted["次数"] += 1  # the closed hazard it repeats
    return counted.sort_values("次数", ascending=False, kind="stable")[REPEAT_COLUMNS].reset_index(drop=True)


def _starter(read: Read) -> Callable[..., Callable[[], Any]]:
    """`start(func, *args, **kwargs)`: a read begun now whose result a call of what it returns gives. A reader that
    runs reads side by side has a `start` of its own (the dashboard's, on both cores); any other reads when the
    result is first asked for, once."""
    start = getattr(read, "start", None)
    if start is not None:
        return start

    def when_asked(func, *args, **kwargs):
        return functools.cache(functools.partial(read, func, *args, **kwargs))
    return when_asked


Finish = Callable[..., PackContent]


def start_gathering(source: duckdb.DuckDBPyConnection | Read, quarter: Quarter | str, *, as_of: date | None = None,
                    districts: list[str] | None = None) -> Finish:
    """Start every read a pack of `quarter` (as of `as_of`, default its last day) for `districts` shows, and return
    `finish(meeting_date=…, previous_tasks=…, matters=…, meeting_tasks=…)`, which waits for them and makes the
    `PackContent` (`gather`). Meanwhile the caller reads the meeting's records: on the dashboard's reader, whose reads
    run side by side, the two overlap."""
    read = connection_reader(source) if isinstance(source, duckdb.DuckDBPyConnection) else source
    start = _starter(read)
    quarter = parse_quarter(quarter)
    period = make_period(quarter, as_of)  # checks the as-of date before any query
    chosen = resolve_districts(districts)
    full_scope = chosen == list(configured_districts().names)
    scope = None if full_scope else chosen
    history_quarters = quarter_range(quarter, HISTORY_QUARTERS)
    within = dict(as_of=period.as_of, districts=scope)
    # The slowest reads first, so that the last to finish is a short one.
    history = start(api.trend, history_quarters, by=["city", "district"], districts=scope)
    findings = start(reconcile.reconcile_rows, quarter, **within)
    watch = start(api.watch, quarter, **within)
    shortfalls = {i.code: start(api.shortfall, quarter, i.code, **within) for i in INDICATORS}
    current = None if period.as_of == quarter.end else start(api.report, quarter, by=["city", "district"],
                                                              **within)
    breakdowns = start(hazards.hazard_breakdowns, quarter, **within)
    ledger = start(hazards.hazards_found, quarter, **within)
    tables = dict(
        data_as_of=start(api.data_as_of),
        is_demo=start(overview.is_demo),
        major_hazards=start(hazards.major_hazards, quarter, **within),
        supervisors=start(supervision.supervisors, quarter, **within),
        log_fill=start(supervision.log_fill_summary, quarter, **within),
        special_ops=start(supervision.special_ops, quarter, **within),
        coverage=start(quality.report_coverage, quarter, **within),
        batches=start(quality.batches, districts=scope),
        quarantine=start(quality.quarantine_summary, districts=scope),
        rejected=start(quality.rejected_files, districts=scope),
        reconcile_summary=start(reconcile.reconcile_summary, quarter, **within),
        reconcile_counts=start(reconcile.reconcile_counts, quarter, by="district", **within),
        escalation=start(escalation.escalation_summary, quarter, **within),
        retrofit=start(retrofit.retrofit_progress, quarter, **within),
    )

    def finish(*, meeting_date: date | None = None, previous_tasks: list[PreviousTask] | None = None,
               matters: list[Matter] | None = None, meeting_tasks: list[Any] | None = None) -> PackContent:
        trend = history()
        records = {code: result() for code, result in shortfalls.items()}
        found, parts = findings(), breakdowns()
        return PackContent(
            quarter=quarter,
            as_of=period.as_of,
            districts=chosen,
            full_scope=full_scope,
            city=configured_districts().city,
            generated_at=datetime.now().replace(microsecond=0),
            figures=_current_figures(quarter, trend, None if current is None else current()),
            history=trend,
            history_quarters=history_quarters,
            shortfalls=records,
            shortfall_counts=count_shortfalls(records),
            watch=watch(),
            hazards_by_method=parts["method"],
            hazards_by_category=parts["category"],
            hazards_by_district=parts["district"],
            repeat_hazards=_repeat_hazards(found, ledger),
            reconcile_rows=found,
            calendar_note=api.calendar_note(quarter),
            meeting_date=meeting_date or date.today(),
            previous_tasks=list(previous_tasks or []),
            matters=list(matters or []),
            meeting_tasks=None if meeting_tasks is None else list(meeting_tasks),
            **{name: result() for name, result in tables.items()},
        )
    return finish


def gather(source: duckdb.DuckDBPyConnection | Read, quarter: Quarter | str, *, as_of: date | None = None,
           districts: list[str] | None = None, meeting_date: date | None = None,
           previous_tasks: list[PreviousTask] | None = None, matters: list[Matter] | None = None,
           meeting_tasks: list[Any] | None = None) -> PackContent:
    """Read everything a pack shows for `quarter` (as of `as_of`, default its last day) and `districts`.

    `source` is a DuckDB connection, or a `read(func, *args, **kwargs)` that runs a metrics
    function on one (the dashboard passes its cached, access-scoped `ui.data.query`).
    `districts` None means every district; it is passed to every metrics call, so it also
    serves as the access scope of the pack. `meeting_date`, `previous_tasks` and `matters` come from the
    meeting's records when there are any (default: today, none, none); `meeting_tasks` the meeting's own common
    tasks once users changed them (default None: the paper drafts them). `pack.meeting.gather_with_records`
    reads all four from the records.
    """
    finish = start_gathering(source, quarter, as_of=as_of, districts=districts)
    return finish(meeting_date=meeting_date, previous_tasks=previous_tasks, matters=matters,
                  meeting_tasks=meeting_tasks)


def count_shortfalls(shortfalls: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Shortfall records per indicator and district (long form: indicator, 区市, 记录数)."""
    frames = [
        records.groupby("区市", as_index=False).size().rename(columns={"size": "记录数"}).assign(indicator=code)
        for code, records in shortfalls.items() if len(records)
    ]
    if not frames:
        return pd.DataFrame(columns=["indicator", "区市", "记录数"])
    return pd.concat(frames, ignore_index=True)
