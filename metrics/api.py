"""The public API of the indicators: figures, trends, shortfall lists and watch lists.

Every function takes an open DuckDB connection (`warehouse.store.open_reader`) and returns
pandas DataFrames. `districts` both selects districts and limits a user to them.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pandas as pd

from core.calendar import calendar_note as _calendar_note, uncovered_years
from warehouse.store import first_row
from core.dates import parse_date
from metrics.figures import COLUMNS, GRAIN_ORDER, compute
from metrics.findings import finding_level
from metrics.indicators import indicator, resolve_indicators
from metrics.lists import latest_data_date, shortfall_records
from metrics.watch import WATCH_LISTS, WATCH_TITLES, watch_list, watch_lists
from core.quarters import Quarter, parse_quarter
from core.sqltext import sql_list, sql_literal
from metrics.scope import CITY, SELECTION, UnknownDistrict, UnknownGroup, canonical_district, resolve_districts
from metrics.sql import make_period

__all__ = ["report", "trend", "shortfall", "watch", "WATCH_LISTS", "WATCH_TITLES", "watch_list", "finding_level",
           "data_as_of"]



def _grains(by: str | Sequence[str]) -> list[str]:
    grains = [by] if isinstance(by, str) else list(by)
    for grain in grains:
        if grain not in GRAIN_ORDER:
            raise ValueError(f"未知的汇总层级：{grain}（可选：city 全市、district 区市、enterprise 企业）")
    return grains


def _as_of(as_of: date | str | None) -> date | None:
    return parse_date(as_of) if as_of else None


def report(con, quarter: Quarter | str, *, by: str | Sequence[str] = "city", as_of: date | str | None = None,
           districts: list[str] | None = None, indicators: list[str] | None = None) -> pd.DataFrame:
    """Numerator, denominator, rate and finding level of each indicator for one quarter.

    `by` is one grain or several ("city", "district", "enterprise"); the `grain` column tells them apart.
    """
    period = make_period(parse_quarter(quarter), _as_of(as_of))
    frame = compute(con, resolve_indicators(indicators), [period], resolve_districts(districts), _grains(by))
    return frame[COLUMNS].reset_index(drop=True)


def trend(con, quarters: Sequence[Quarter | str], *, by: str | Sequence[str] = "city",
          districts: list[str] | None = None, indicators: list[str] | None = None) -> pd.DataFrame:
    """report() for each quarter (as of its end), oldest first, with `change` against the previous quarter."""
    wanted = sorted({parse_quarter(q) for q in quarters})
    needed = sorted(set(wanted) | {q.previous() for q in wanted})
    frame = compute(con, resolve_indicators(indicators), [make_period(q) for q in needed],
                    resolve_districts(districts), _grains(by), reported={q.label for q in wanted})
    return frame[["quarter", *COLUMNS, "change"]]


def _enterprise_in_scope(con, group: str, districts: list[str]) -> str:
    """The credit code of the enterprise a group names (by code or by name), within the districts."""
    text = "".join(group.split()).replace("（", "(").replace("）", ")")
    row = first_row(
        con,
        f"SELECT credit_code FROM enterprises_in_scope "
        f"WHERE (upper(credit_code) = upper({sql_literal(text)}) OR name_norm = {sql_literal(text)} "
        f"       OR enterprise_name = {sql_literal(group.strip())}) "
        f"  AND district IN {sql_list(districts)} LIMIT 1",
    )
    if row is None:
        raise UnknownGroup(f"未找到统计范围内的企业：{group}（分组应为 {CITY}、区市名称或企业的统一社会信用代码）")
    return row[0]


def _resolve_group(con, group: str | None, districts: list[str]) -> tuple[list[str], str | None]:
    """(districts, credit code or None) that a shortfall group narrows to."""
    if group is None or group.strip() in ("", CITY, SELECTION):
        return districts, None
    try:
        district = canonical_district(group)
    except UnknownDistrict:
        return districts, _enterprise_in_scope(con, group, districts)
    if district not in districts:
        raise UnknownGroup(f"区市 {district} 不在查询范围内。")
    return [district], None


def shortfall(con, quarter: Quarter | str, indicator_code: str, *, group: str | None = None,
              as_of: date | str | None = None, districts: list[str] | None = None) -> pd.DataFrame:
    """The records behind an indicator's gap, with Chinese column names, enterprise and provenance."""
    item = indicator(indicator_code)
    period = make_period(parse_quarter(quarter), _as_of(as_of))
    chosen, credit_code = _resolve_group(con, group, resolve_districts(districts))
    return shortfall_records(con, item, period, chosen, credit_code)


def watch(con, quarter: Quarter | str, *, as_of: date | str | None = None, districts: list[str] | None = None,
          lists: Sequence[str] | None = None) -> dict[str, pd.DataFrame]:
    """The watch lists (all, or those named in `lists`) as of a date (default: the quarter's end), keyed by code
    in the order of WATCH_LISTS."""
    period = make_period(parse_quarter(quarter), _as_of(as_of))
    return watch_lists(con, period, resolve_districts(districts), lists)


def data_as_of(con) -> date | None:
    """The latest event date in the warehouse (log; hazard found, rectified, reported, closed, handed over and
    answered; training; drill)."""
    return latest_data_date(con)


def calendar_note(quarters: Quarter | str | Sequence[Quarter | str]) -> str | None:
    """The one line every page, report and pack shows when a quarter falls in a year the official
    calendar does not cover yet (its working days are then counted Monday–Friday); None otherwise."""
    chosen = [quarters] if isinstance(quarters, (str, Quarter)) else list(quarters)
    years = [year for q in map(parse_quarter, chosen) for year in uncovered_years(q.start, q.end)]
    return _calendar_note(years)
