"""The base relations every indicator, shortfall list and watch list is written against.

`base_ctes(periods, districts)` renders the WITH clause. Every relation carries the
`quarter` of the period it belongs to, so one query computes any number of quarters
(the trend) exactly as it computes one.

    periods            quarter, q_start, q_end, as_of, period_end (= min(q_end, as_of)), window_start
    scope              current roster minus 关闭, in the chosen districts
    on_duty            staff on duty at as_of, per period
    window_training    per person: trainings in (window_start, as_of] and whether any was passed
    window_drills      drills in (window_start, as_of]
    hazards_found      latest hazard versions found in [q_start, period_end]
    quarter_checklists the period's quarterly checklists
    period_logs        work logs dated in [q_start, period_end]
    stationings        one row per roster enterprise and supervisor named on it
    supervision_days   Monday–Friday dates in [max(q_start, stationed_on), period_end] per stationing
    logged_days        (enterprise, supervisor, date) with at least one log
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from etl.config import settings
from metrics.dates import shift_months
from metrics.quarters import Quarter
from metrics.scope import sql_list, sql_literal


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
    return int(settings().get("indicators", {}).get("window_months", 12))


def make_period(quarter: Quarter, as_of: date | None = None) -> Period:
    as_of = as_of or quarter.end
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

BASE_CTES = """
periods(quarter, period_order, q_start, q_end, as_of, period_end, window_start) AS (
    VALUES {periods}
),
scope AS (
    SELECT credit_code, enterprise_name, district, supervisor, dispatch_unit, stationed_on, status,
           source_file, source_sheet, source_row
    FROM enterprises_in_scope
    WHERE district IN {districts}
),
on_duty AS (
    SELECT p.quarter, p.as_of, s.credit_code, s.person_id, s.person_name, s.category, s.work_type,
           s.cert_no, s.cert_valid_until, s.hired_on, s.left_on, s.source_file, s.source_sheet, s.source_row
    FROM staff_current s
    JOIN scope e ON e.credit_code = s.credit_code
    CROSS JOIN periods p
    WHERE (s.hired_on IS NULL OR s.hired_on <= p.as_of) AND (s.left_on IS NULL OR s.left_on > p.as_of)
),
window_training AS (
    SELECT p.quarter, t.credit_code, t.person_id, count(*) AS sessions, bool_or(t.passed) AS passed
    FROM training t
    JOIN scope e ON e.credit_code = t.credit_code
    JOIN periods p ON t.trained_on > p.window_start AND t.trained_on <= p.as_of
    GROUP BY p.quarter, t.credit_code, t.person_id
),
window_drills AS (
    SELECT p.quarter, d.credit_code, d.drill_date, d.drill_name, d.drill_type, d.expected, d.actual,
           d.source_file, d.source_sheet, d.source_row
    FROM drills d
    JOIN scope e ON e.credit_code = d.credit_code
    JOIN periods p ON d.drill_date > p.window_start AND d.drill_date <= p.as_of
),
hazards_found AS (
    SELECT p.quarter, p.as_of, h.credit_code, h.hazard_id, h.level, h.category, h.description, h.found_on,
           h.deadline, h.status, h.rectified_on, h.owner, h.reported_on, h.transferred_to,
           h.source_file, h.source_sheet, h.source_row
    FROM hazards_current h
    JOIN scope e ON e.credit_code = h.credit_code
    JOIN periods p ON h.found_on >= p.q_start AND h.found_on <= p.period_end
),
quarter_checklists AS (
    SELECT p.quarter, c.credit_code, c.responsibility, c.org_sound, c.director, c.rules_required, c.rules_built,
           c.rewards_due, c.rewards_paid, c.source_file, c.source_sheet, c.source_row
    FROM checklists_current c
    JOIN scope e ON e.credit_code = c.credit_code
    JOIN periods p ON c.quarter = p.quarter
),
period_logs AS (
    SELECT p.quarter, l.credit_code, l.log_date, l.supervisor, l.special_op_type, l.special_ops, l.onsite,
           l.source_file, l.source_sheet, l.source_row
    FROM work_logs l
    JOIN scope e ON e.credit_code = l.credit_code
    JOIN periods p ON l.log_date >= p.q_start AND l.log_date <= p.period_end
),
stationings AS (
    SELECT credit_code, supervisor_name, stationed_on, dispatch_unit, source_file, source_sheet, source_row
    FROM (
        SELECT e.*, unnest(regexp_split_to_array(regexp_replace(e.supervisor, '\\s', '', 'g'),
                                                 '{separators}')) AS supervisor_name
        FROM scope e
        WHERE e.supervisor IS NOT NULL
    )
    WHERE supervisor_name <> ''
),
weekdays AS (
    SELECT quarter, day
    FROM (SELECT quarter, unnest(generate_series(q_start, period_end, INTERVAL 1 DAY))::DATE AS day FROM periods)
    WHERE isodow(day) <= 5
),
supervision_days AS (
    SELECT w.quarter, w.day, s.*
    FROM stationings s
    JOIN weekdays w ON w.day >= coalesce(s.stationed_on, w.day)
),
logged_days AS (
    SELECT DISTINCT credit_code, regexp_replace(supervisor, '\\s', '', 'g') AS supervisor_name, log_date
    FROM work_logs
)"""


def district_list_cte(districts: list[str]) -> str:
    """The chosen districts with their configured order (for sorting and for districts without data)."""
    rows = ", ".join(f"({sql_literal(name)}, {order})" for order, name in enumerate(districts))
    return f"district_list(district, district_order) AS (VALUES {rows})"


def base_ctes(periods: list[Period], districts: list[str]) -> str:
    return BASE_CTES.format(
        periods=periods_values(periods), districts=sql_list(districts), separators=_SUPERVISOR_SEPARATORS,
    )
