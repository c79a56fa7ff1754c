"""The base relations every indicator, shortfall list and watch list is written against.

`base_ctes(periods, districts)` renders the WITH clause. Every relation carries the
period it belongs to (`quarter` label and integer `period_order`) and its enterprise
(`credit_code` and integer `enterprise_key`), so one query computes any number of
quarters (the trend) exactly as it computes one; the figures join and group on the
integer keys, which keeps a million person-quarters fast.

    periods            quarter, period_order, q_start, q_end, as_of, period_end (= min(q_end, as_of)),
                       window_start (exclusive), quarter_key (20263 for 2026Q3)
    scope              current roster minus 关闭, in the chosen districts; enterprise_key numbers the
                       enterprises by name in pinyin order
    people             current staff roster of the enterprises in scope, with an integer person_key
    on_duty            people on duty at as_of, per period
    training_lists     per person: dates of all trainings and of passed ones
    staff_masks        current staff in scope with BIGINT masks, one bit per period: on duty; valid certificate
    training_masks     per (credit_code, person_id) with a passed training in some window: mask of those periods
    period_bits        period_order → its bit
    window_drills      drills in (window_start, as_of]
    hazards_found      latest hazard versions found in [q_start, period_end]
    hazards_due        latest hazard versions due (整改期限) in [q_start, period_end], found by period_end
    quarter_checklists the period's quarterly checklists
    checklist_status   every enterprise in scope and period, with its checklist's answers (NULL: none sent)
    period_logs        work logs dated in [q_start, period_end]
    stationings        who was stationed where and when: the 驻点派驻记录 of an enterprise when it has
                       any, else one row per supervisor named on its roster row (withdrawn_on NULL)
    calendar_days      every day the periods need, with `working` from the official calendar
    working_days       the working days of each period in [q_start, period_end]
    supervision_days   working days in [max(q_start, stationed_on), period_end], before withdrawn_on, per stationing
    stationed_periods  per stationing and period: first_day, last_day and the set of its due working days (`due`)
    working_day_ranks  running count of working days, to count a range's working days without listing them

The days a supervisor logged are not a relation here: the table work_log_days (warehouse.schema) holds them,
folded per enterprise, name as compared and quarter when the logs are loaded.

Parsing and binding the whole clause costs more than running many of the queries, so each relation
after `periods` is marked in the text and `pruned(sql)` (applied where the metrics run their SQL) drops the
relations the query does not use, directly or through another relation.
"""
from __future__ import annotations

import hashlib
import re
import secrets
import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta

import duckdb
import pyarrow as pa

from core.calendar import calendar_exceptions
from core.settings import setting
from metrics import rules
from warehouse.store import first_row
from core.dates import parse_date, shift_months
from core.quarters import Quarter, parse_quarter
from core.sqltext import sql_list, sql_literal


class AsOfError(ValueError):
    """An as-of date before the quarter it evaluates."""


@dataclass(frozen=True)
class Period:
    quarter: Quarter
    as_of: date

    @property
    def period_end(self) -> date:
        return min(self.quarter.end, self.as_of)

    @property
    def window_start(self) -> date:
        """Exclusive start of the 12-month window (as_of − 12 months, as_of]."""
        return shift_months(self.as_of, -window_months())


def window_months() -> int:
    return int(setting("indicators.window_months"))


def make_period(quarter: Quarter | str, as_of: date | str | None = None) -> Period:
    """A quarter evaluated as of a date (default: its last day); a date before the quarter is refused."""
    quarter = parse_quarter(quarter)
    as_of = parse_date(as_of) if as_of else quarter.end
    if as_of < quarter.start:
        raise AsOfError(f"截至日期 {as_of:%Y-%m-%d} 早于{quarter.cn}的开始日期 {quarter.start:%Y-%m-%d}。")
    return Period(quarter, as_of)


def _date(value: date) -> str:
    return f"DATE '{value:%Y-%m-%d}'"


def periods_values(periods: list[Period]) -> str:
    rows = [
        f"('{p.quarter.label}', {i}, {_date(p.quarter.start)}, {_date(p.quarter.end)}, {_date(p.as_of)}, "
        f"{_date(p.period_end)}, {_date(p.window_start)})"
        for i, p in enumerate(periods)
    ]
    return ",\n    ".join(rows)


_SUPERVISOR_SEPARATORS = "[、,，;；/／]"


def quarter_key(column: str) -> str:
    """An integer per calendar quarter (20263 for 2026Q3): dated rows join their period by equality."""
    return f"(year({column}) * 10 + quarter({column}))"


BASE_CTES = """
periods AS (
    SELECT *, year(q_start) * 10 + quarter(q_start) AS quarter_key
    FROM (VALUES {periods}) AS v(quarter, period_order, q_start, q_end, as_of, period_end, window_start)
),
{scope},
people AS (
    SELECT e.enterprise_key, s.credit_code, s.person_id, s.person_name, s.category, s.work_type, s.cert_no,
           s.cert_valid_until, s.hired_on, s.left_on, s.source_file, s.source_sheet, s.source_row,
           row_number() OVER () AS person_key
    FROM staff_current s
    JOIN scope e ON e.credit_code = s.credit_code
),
on_duty AS (
    SELECT p.quarter, p.period_order, p.as_of, p.window_start, s.*
    FROM people s
    CROSS JOIN periods p
    WHERE {on_duty}
),
training_lists AS (
    SELECT s.person_key, list(t.trained_on) AS trained_dates,
           list(t.trained_on) FILTER (WHERE t.passed) AS passed_dates
    FROM training t
    JOIN people s ON s.credit_code = t.credit_code AND s.person_id = t.person_id
    GROUP BY s.person_key
),
window_drills AS (
    SELECT p.quarter, p.period_order, e.enterprise_key, d.credit_code, d.drill_date, d.drill_name, d.drill_type,
           d.expected, d.actual, d.source_file, d.source_sheet, d.source_row
    FROM drills d
    JOIN scope e ON e.credit_code = d.credit_code
    JOIN periods p ON {drill_in_window}
),
hazards_found AS (
    SELECT p.quarter, p.period_order, p.as_of, e.enterprise_key, h.credit_code, h.hazard_id, h.level, h.category,
           h.description, h.found_on, h.deadline, h.status, h.rectified_on, h.owner, h.reported_on,
           h.transferred_to, h.source_file, h.source_sheet, h.source_row
    FROM hazards_current h
    JOIN scope e ON e.credit_code = h.credit_code
    JOIN periods p ON p.quarter_key = {found_key} AND h.found_on <= p.period_end
),
hazards_due AS (
    SELECT p.quarter, p.period_order, p.as_of, e.enterprise_key, h.credit_code, h.hazard_id, h.level, h.category,
           h.description, h.found_on, h.deadline, h.status, h.rectified_on, h.owner,
           h.source_file, h.source_sheet, h.source_row
    FROM hazards_current h
    JOIN scope e ON e.credit_code = h.credit_code
    JOIN periods p ON p.quarter_key = {deadline_key} AND h.deadline <= p.period_end AND h.found_on <= p.period_end
),
quarter_checklists AS (
    SELECT p.quarter, p.period_order, e.enterprise_key, c.credit_code, c.responsibility, c.org_sound, c.director,
           c.rules_required, c.rules_built, c.rewards_due, c.rewards_paid, c.source_file, c.source_sheet,
           c.source_row
    FROM checklists_current c
    JOIN scope e ON e.credit_code = c.credit_code
    JOIN periods p ON c.quarter = p.quarter
),
checklist_status AS (
    SELECT p.quarter, p.period_order, e.enterprise_key, e.credit_code, c.credit_code IS NOT NULL AS sent,
           c.responsibility, c.org_sound, c.director,
           coalesce(c.source_file, e.source_file) AS source_file, coalesce(c.source_sheet, e.source_sheet) AS source_sheet,
           coalesce(c.source_row, e.source_row) AS source_row
    FROM scope e
    CROSS JOIN periods p
    LEFT JOIN checklists_current c ON c.credit_code = e.credit_code AND c.quarter = p.quarter
),
period_logs AS (
    SELECT p.quarter, p.period_order, e.enterprise_key, l.credit_code, l.log_date, l.supervisor,
           l.special_op_type, l.special_ops, l.onsite, l.source_file, l.source_sheet, l.source_row
    FROM work_logs l
    JOIN scope e ON e.credit_code = l.credit_code
    JOIN periods p ON p.quarter_key = {log_key} AND l.log_date <= p.period_end
),
stationing_sources AS (
    -- An enterprise's 驻点派驻记录 replace its roster's single supervisor (contract §3.8).
    SELECT e.enterprise_key, r.credit_code, {record_names} AS supervisor_name, r.stationed_on, r.withdrawn_on,
           r.dispatch_unit, r.pretraining_on, r.handover_on, r.handed_to,
           r.source_file, r.source_sheet, r.source_row
    FROM stationing_records_current r
    JOIN scope e ON e.credit_code = r.credit_code
    UNION ALL BY NAME
    SELECT DISTINCT enterprise_key, credit_code, supervisor_name, stationed_on, NULL::DATE AS withdrawn_on,
           dispatch_unit, NULL::DATE AS pretraining_on, NULL::DATE AS handover_on, NULL::VARCHAR AS handed_to,
           source_file, source_sheet, source_row
    FROM (
        SELECT e.*, unnest(regexp_split_to_array({roster_names}, '{separators}')) AS supervisor_name
        FROM scope e
        WHERE e.supervisor IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM stationing_records_current r WHERE r.credit_code = e.credit_code)
    )
    WHERE supervisor_name <> ''
),
stationings AS (
    SELECT *, row_number() OVER () AS stationing_key FROM stationing_sources
),
calendar_exceptions(day, working) AS (
    -- Official calendar: weekdays off (statutory holidays) and weekend days on (调休).
    {calendar_exceptions}
),
calendar_days AS (
    SELECT c.day, coalesce(x.working, isodow(c.day) <= 5) AS working
    FROM (SELECT unnest(generate_series(min(q_start) - 1, max(period_end), INTERVAL 1 DAY))::DATE AS day
          FROM periods) c
    LEFT JOIN calendar_exceptions x ON x.day = c.day
),
working_days AS (
    SELECT p.quarter, p.period_order, c.day
    FROM periods p
    JOIN calendar_days c ON c.day BETWEEN p.q_start AND p.period_end
    WHERE c.working
),
supervision_days AS (
    SELECT w.quarter, w.period_order, w.day, s.*
    FROM stationings s
    JOIN working_days w ON w.day >= coalesce(s.stationed_on, w.day) AND w.day < coalesce(s.withdrawn_on, DATE '9999-12-31')
),
stationed_periods AS (
    -- Per stationing and period: its days there, [first_day, last_day] (before withdrawn_on, up to the period's
    -- end), and `due`, its working days among them as the bits of a 128-bit set (bit n: q_start + n; 0: none).
    SELECT *, CASE WHEN first_day <= last_day  -- no shift outside the quarter's bits
                   THEN working & ((1::HUGEINT << (last_day - q_start + 1)) - (1::HUGEINT << (first_day - q_start)))
                   ELSE 0::HUGEINT END AS due
    FROM (
        SELECT s.*, p.period_order, p.q_start, p.period_end,
               greatest(p.q_start, coalesce(s.stationed_on, p.q_start)) AS first_day,
               least(p.period_end, coalesce(s.withdrawn_on - 1, p.period_end)) AS last_day,
               coalesce(w.working, 0::HUGEINT) AS working
        FROM stationings s
        CROSS JOIN periods p
        LEFT JOIN (SELECT period_order, bit_or(1::HUGEINT << (day - q_start)) AS working
                   FROM working_days JOIN periods USING (period_order) GROUP BY period_order) w
          ON w.period_order = p.period_order
    )
),
period_bits AS (
    SELECT period_order, (1::BIGINT << period_order) AS bit FROM periods
),
staff_masks AS (
    -- Per person, one bit per period: on duty at its as_of; holding a valid certificate at it.
    SELECT e.enterprise_key, s.credit_code, s.person_id, s.category,
           {on_duty_mask} AS on_duty_mask, {certificate_mask} AS certificate_mask
    FROM staff_current s
    JOIN scope e ON e.credit_code = s.credit_code
),
training_masks AS (
    -- Per person, one bit per period: a passed training within the period's 12-month window. A person with
    -- none in any window has no row (mask 0); trainings outside every window are left out before grouping.
    SELECT credit_code, person_id, bit_or({training_mask}) AS passed_mask
    FROM training
    WHERE passed AND trained_on > (SELECT min(window_start) FROM periods)
      AND trained_on <= (SELECT max(as_of) FROM periods)
    GROUP BY credit_code, person_id
),
working_day_ranks AS (
    -- The working days in [a, b] are rank(b) − rank(a − 1).
    SELECT day, working, count(*) FILTER (WHERE working) OVER (ORDER BY day) AS working_rank
    FROM calendar_days
)"""


def calendar_exceptions_sql(periods: list[Period]) -> str:
    """The official calendar's exceptions to Monday–Friday over the periods' days, as (day, working) rows."""
    start = min(p.quarter.start for p in periods) - timedelta(days=1)
    end = max(p.period_end for p in periods)
    days_off, days_on = calendar_exceptions(start, end)
    rows = [f"({_date(d)}, FALSE)" for d in days_off] + [f"({_date(d)}, TRUE)" for d in days_on]
    if not rows:
        return "SELECT NULL::DATE, NULL::BOOLEAN WHERE FALSE"
    return "VALUES " + ", ".join(rows)


def district_list_cte(districts: list[str]) -> str:
    """The chosen districts with their configured order (for sorting and for districts without data)."""
    rows = ", ".join(f"({sql_literal(name)}, {order})" for order, name in enumerate(districts))
    return f"district_list(district, district_order) AS (VALUES {rows})"


_SCOPE = """scope AS (
    SELECT credit_code, enterprise_name, district, employees, supervisor, dispatch_unit, stationed_on, status,
           source_file, source_sheet, source_row,
           row_number() OVER (ORDER BY enterprise_name COLLATE zh, credit_code) AS enterprise_key
    FROM enterprises_in_scope
    WHERE district IN {districts}
)"""


def scope_cte(districts: list[str]) -> str:
    """The enterprises in scope: current roster minus 关闭, in the chosen districts, numbered by name."""
    return _SCOPE.format(districts=sql_list(districts))


MAX_PERIODS = 62  # one bit per period in a BIGINT mask


def _mask(periods: list[Period], predicate) -> str:
    """SQL for a BIGINT with bit n set when `predicate(period n)` holds (n = period_order)."""
    terms = [f"CASE WHEN {predicate(p)} THEN {1 << n} ELSE 0 END" for n, p in enumerate(periods)]
    return "(" + " + ".join(terms) + ")::BIGINT"


# BASE_CTES cut into its relations: each starts at a line "name AS (" (or "name(columns) AS (", or {scope}).
_BASE_BLOCKS = re.split(r",\n(?=\w+(?:\([\w, ]*\))? AS \(|\{scope\})", BASE_CTES.strip())


def _block_name(block: str) -> str:
    return re.match(r"\{?(\w+)", block).group(1)


# A relation as `base_ctes` marks it: `,/*<name*/ name AS (...)/*name>*/` (SQL comments, so the text runs as is).
_MARKED = re.compile(r",/\*<(\w+)\*/(.*?)/\*\1>\*/", re.S)


def base_ctes(periods: list[Period], districts: list[str]) -> str:
    if len(periods) > MAX_PERIODS:
        raise ValueError(f"一次最多计算 {MAX_PERIODS} 个季度。")
    values = _base_values(periods, districts)
    first, *rest = (block.format(**values) for block in _BASE_BLOCKS)
    # `periods` comes first and stays: every relation after it can be dropped together with its comma.
    return first + "".join(f",/*<{_block_name(block)}*/\n{block}/*{_block_name(block)}>*/" for block in rest)


def pruned(sql: str) -> str:
    """`sql` without the base relations it does not use (directly, or through a relation it uses)."""
    bodies = {match.group(1): match.group(2) for match in _MARKED.finditer(sql)}
    if not bodies:
        return sql
    names = re.compile(r"\b(" + "|".join(map(re.escape, bodies)) + r")\b")  # one pass finds every name

    def named_in(text: str) -> set[str]:
        return set(names.findall(text))

    used = named_in(_MARKED.sub("", sql))
    todo = list(used)
    while todo:
        for name in named_in(bodies[todo.pop()]) - used:
            used.add(name)
            todo.append(name)
    return _MARKED.sub(lambda match: match.group(0) if match.group(1) in used else "", sql)


def reading_table(sql: str, name: str, table: str) -> str:
    """`sql` with the base relation `name` read from `table` (see `temporary_tables`)."""
    return _MARKED.sub(lambda match: f",/*<{name}*/\n{name} AS (SELECT * FROM {table})/*{name}>*/"
                       if match.group(1) == name else match.group(0), sql)


@contextmanager
def temporary_tables(con) -> Iterator[Callable[[str, str], str]]:
    """`keep(name, sql)` stores the result of `sql` in a temporary table of `con` and returns the table's name;
    the tables are dropped when the block ends. For relations that several queries of one call share: each is
    then computed once (a temporary table is private to its connection, so concurrent calls never meet)."""
    made = []

    def keep(name: str, sql: str) -> str:
        table = f"call_{name}_{secrets.token_hex(6)}"
        con.execute(f"CREATE TEMPORARY TABLE {table} AS {pruned(sql)}").fetchall()
        made.append(table)
        return table

    try:
        yield keep
    finally:
        for table in made:
            try:
                con.execute(f"DROP TABLE IF EXISTS temp.main.{table}").fetchall()
            except duckdb.Error:  # a connection that failed meanwhile: its temporary tables go with it
                pass


SHARED_KEPT = "kept"  # the in-memory database of `share_kept_tables`


def _reader_state(con) -> tuple[bool, bool]:
    """(whether `con` reads one published version, whether it has the shared kept database of
    `share_kept_tables`)."""
    row = first_row(con, f"""
SELECT coalesce(bool_or(database_name = current_database() AND readonly), false),
       coalesce(bool_or(database_name = '{SHARED_KEPT}'), false)
FROM duckdb_databases()""")
    return bool(row[0]), bool(row[1])


def read_only(con) -> bool:
    """Whether the connection reads one published version (and so what it reads never changes)."""
    return _reader_state(con)[0]


# The shared tables of one reader, oldest dropped first beyond this: a dashboard reads one published version for
# days, and each quarter, as-of date and choice of districts looked at keeps its own (a few MB each at ten times a
# city's data). A read that was handed a table's name finds it still there unless this many were made meanwhile.
SHARED_KEPT_TABLES = 48
# One cursor makes a shared table while another asking for it waits: a lock per table, from a fixed set (two tables
# that draw the same lock are made one after the other, which is rare and costs only time).
_making = tuple(threading.Lock() for _ in range(64))


def share_kept_tables(con) -> None:
    """Keep the tables of `kept_table` in an in-memory database attached to the read-only connection `con`, where
    every cursor of it finds them: the dashboard reads on several cursors at once (its sessions, the reads of a
    meeting paper side by side) and each relation is then computed once per published version, not once per
    cursor. (Connections of one process to the same file share one database, and so this one too: it is attached
    once.)"""
    con.execute(f"ATTACH IF NOT EXISTS ':memory:' AS {SHARED_KEPT} (READ_WRITE)")
    con.execute(f"CREATE TABLE IF NOT EXISTS {SHARED_KEPT}.main.{_READER_TABLE} AS "
                "SELECT CAST(uuid() AS VARCHAR) AS token").fetchall()


_READER_TABLE = "reader_identity"  # beside the kept tables: one row naming the reader (`results_owner`)


class _ReaderIdentity:
    """What the cursors of one reader sharing its kept tables have in common: results worked out in Python from any
    of them are kept on it (`results_owner`)."""
    __slots__ = ("__weakref__",)


_shared_readers: OrderedDict[str, _ReaderIdentity] = OrderedDict()  # by token, latest used last
_shared_readers_lock = threading.Lock()
SHARED_READERS_KEPT = 4  # a dashboard reads one or two versions at a time: older readers' results are let go


def results_owner(con) -> object | None:
    """What results worked out in Python from `con` may be kept on (weakly: they go with it), as `kept_table` keeps
    relations: None when the connection may write (nothing is kept); for the cursors of a reader that shares its kept
    tables (`share_kept_tables`), one object common to them all; else the connection itself."""
    reads_one_version, shared = _reader_state(con)
    if not reads_one_version:
        return None
    if not shared:
        return con
    token = first_row(con, f"SELECT token FROM {SHARED_KEPT}.main.{_READER_TABLE}")[0]
    with _shared_readers_lock:
        owner = _shared_readers.get(token)
        if owner is None:
            owner = _shared_readers[token] = _ReaderIdentity()
        _shared_readers.move_to_end(token)
        while len(_shared_readers) > SHARED_READERS_KEPT:
            _shared_readers.popitem(last=False)
    return owner


def _shared_table(con, table: str, sql: str) -> str:
    with _making[hash(table) % len(_making)]:
        if not first_row(con, "SELECT 1 FROM duckdb_tables() WHERE database_name = ? AND table_name = ?",
                         [SHARED_KEPT, table]):
            con.execute(f"CREATE TABLE {SHARED_KEPT}.main.{table} AS {sql}").fetchall()
            _drop_oldest_shared(con)
    return f"{SHARED_KEPT}.main.{table}"


def _drop_oldest_shared(con) -> None:
    names = [name for (name,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND starts_with(table_name, 'kept_') "
        "ORDER BY table_oid", [SHARED_KEPT]).fetchall()]
    for name in names[:max(0, len(names) - SHARED_KEPT_TABLES)]:
        con.execute(f"DROP TABLE IF EXISTS {SHARED_KEPT}.main.{name}").fetchall()


def kept_table(con, name: str, sql: str) -> str | None:
    """A table holding the result of `sql`, made the first time it is asked for: the queries run on one connection
    (a command, a pack, a page's run in the dashboard) that read the same relation compute it once; on a reader
    whose cursors share their kept tables (`share_kept_tables`), the queries of every cursor. None when the
    connection may write: what it reads can change, so nothing is kept. A read-only connection reads one published
    version, which never changes."""
    reads_one_version, shared = _reader_state(con)
    if not reads_one_version:
        return None
    sql = pruned(sql)
    table = f"kept_{name}_{hashlib.sha256(sql.encode()).hexdigest()[:24]}"
    if shared:
        return _shared_table(con, table, sql)
    if not first_row(con, "SELECT 1 FROM duckdb_tables() WHERE temporary AND table_name = ?", [table]):
        con.execute(f"CREATE TEMPORARY TABLE {table} AS {sql}").fetchall()
    return table


def arrow_of(con, sql: str, params: list | dict | None = None) -> pa.Table:
    """The result of a metrics query (base relations it does not use dropped) as an Arrow table."""
    result = con.execute(pruned(sql), params or [])
    # A relation (`con.sql`) would parse and bind the query once to describe it and again to run it, which for
    # these queries costs more than running them; a DB-API result is planned once and copied once into Arrow,
    # which DuckDB warns about.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Arrow output on a DB-API result", category=UserWarning)
        return result.to_arrow_table()


def _base_values(periods: list[Period], districts: list[str]) -> dict[str, str]:
    return dict(
        periods=periods_values(periods), scope=scope_cte(districts), separators=_SUPERVISOR_SEPARATORS,
        roster_names=rules.supervisor_name("e.supervisor"),
        record_names=rules.supervisor_name("r.supervisor"), calendar_exceptions=calendar_exceptions_sql(periods),
        found_key=quarter_key("h.found_on"), deadline_key=quarter_key("h.deadline"),
        log_key=quarter_key("l.log_date"),
        on_duty=rules.on_duty("p.as_of", "s."),
        drill_in_window=rules.in_window("d.drill_date", "p.window_start", "p.as_of"),
        on_duty_mask=_mask(periods, lambda p: rules.on_duty(_date(p.as_of))),
        certificate_mask=_mask(periods, lambda p: rules.holds_valid_certificate(_date(p.as_of))),
        training_mask=_mask(periods, lambda p: rules.in_window("trained_on", _date(p.window_start), _date(p.as_of))),
    )
