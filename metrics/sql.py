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
    training_masks     per (credit_code, person_id): mask of the periods whose window holds a passed training
    period_bits        period_order → its bit
    window_drills      drills in (window_start, as_of]
    hazards_found      latest hazard versions found in [q_start, period_end]
    quarter_checklists the period's quarterly checklists
    period_logs        work logs dated in [q_start, period_end]
    stationings        one row per roster enterprise and supervisor named on it
    supervision_days   Monday–Friday dates in [max(q_start, stationed_on), period_end] per stationing
    log_names          supervisors' names as written in the logs → as compared (spaces removed)
    logged_days        (enterprise, supervisor, date) with at least one log
    weekday_ranks      running count of weekdays, to count a range's weekdays without listing them

Unreferenced relations cost nothing: DuckDB plans only what a query uses.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from core.settings import setting
from metrics import rules
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
quarter_checklists AS (
    SELECT p.quarter, p.period_order, e.enterprise_key, c.credit_code, c.responsibility, c.org_sound, c.director,
           c.rules_required, c.rules_built, c.rewards_due, c.rewards_paid, c.source_file, c.source_sheet,
           c.source_row
    FROM checklists_current c
    JOIN scope e ON e.credit_code = c.credit_code
    JOIN periods p ON c.quarter = p.quarter
),
period_logs AS (
    SELECT p.quarter, p.period_order, e.enterprise_key, l.credit_code, l.log_date, l.supervisor,
           l.special_op_type, l.special_ops, l.onsite, l.source_file, l.source_sheet, l.source_row
    FROM work_logs l
    JOIN scope e ON e.credit_code = l.credit_code
    JOIN periods p ON p.quarter_key = {log_key} AND l.log_date <= p.period_end
),
stationings AS (
    SELECT DISTINCT enterprise_key, credit_code, supervisor_name, stationed_on, dispatch_unit,
           source_file, source_sheet, source_row
    FROM (
        SELECT e.*, unnest(regexp_split_to_array({roster_names}, '{separators}')) AS supervisor_name
        FROM scope e
        WHERE e.supervisor IS NOT NULL
    )
    WHERE supervisor_name <> ''
),
weekdays AS (
    SELECT quarter, period_order, day
    FROM (SELECT quarter, period_order,
                 unnest(generate_series(q_start, period_end, INTERVAL 1 DAY))::DATE AS day FROM periods)
    WHERE isodow(day) <= 5
),
supervision_days AS (
    SELECT w.quarter, w.period_order, w.day, s.*
    FROM stationings s
    JOIN weekdays w ON w.day >= coalesce(s.stationed_on, w.day)
),
log_names AS (
    SELECT supervisor AS written, {log_name} AS supervisor_name
    FROM (SELECT DISTINCT supervisor FROM work_logs)
),
logged_days AS (
    SELECT DISTINCT l.credit_code, n.supervisor_name, l.log_date
    FROM work_logs l
    JOIN log_names n ON n.written = l.supervisor
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
    -- Per person, one bit per period: a passed training within the period's 12-month window.
    SELECT credit_code, person_id, bit_or({training_mask}) AS passed_mask
    FROM training
    WHERE passed
    GROUP BY credit_code, person_id
),
weekday_ranks AS (
    -- The weekdays in [a, b] are rank(b) − rank(a − 1).
    SELECT day, count(*) FILTER (WHERE isodow(day) <= 5) OVER (ORDER BY day) AS weekday_rank
    FROM (SELECT unnest(generate_series(min(q_start) - 1, max(period_end), INTERVAL 1 DAY))::DATE AS day
          FROM periods)
)"""


def district_list_cte(districts: list[str]) -> str:
    """The chosen districts with their configured order (for sorting and for districts without data)."""
    rows = ", ".join(f"({sql_literal(name)}, {order})" for order, name in enumerate(districts))
    return f"district_list(district, district_order) AS (VALUES {rows})"


_SCOPE = """scope AS (
    SELECT credit_code, enterprise_name, district, supervisor, dispatch_unit, stationed_on, status,
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


def base_ctes(periods: list[Period], districts: list[str]) -> str:
    if len(periods) > MAX_PERIODS:
        raise ValueError(f"一次最多计算 {MAX_PERIODS} 个季度。")
    return BASE_CTES.format(
        periods=periods_values(periods), scope=scope_cte(districts), separators=_SUPERVISOR_SEPARATORS,
        roster_names=rules.supervisor_name("e.supervisor"), log_name=rules.supervisor_name("supervisor"),
        found_key=quarter_key("h.found_on"), log_key=quarter_key("l.log_date"),
        on_duty=rules.on_duty("p.as_of", "s."),
        drill_in_window=rules.in_window("d.drill_date", "p.window_start", "p.as_of"),
        on_duty_mask=_mask(periods, lambda p: rules.on_duty(_date(p.as_of))),
        certificate_mask=_mask(periods, lambda p: rules.holds_valid_certificate(_date(p.as_of))),
        training_mask=_mask(periods, lambda p: rules.in_window("trained_on", _date(p.window_start), _date(p.as_of))),
    )
