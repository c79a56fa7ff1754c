"""Numerator, denominator and rate of any indicators, at any grains, for any periods — in one query.

Per enterprise, each indicator's sums come from its declaration (`Indicator.enterprise_sums_sql`);
every enterprise in scope gets a row for every indicator and period (0/0 when it has no
records), districts are pooled sums of their enterprises (every configured district is
listed, with or without data) and the city is the pooled sum of its districts — labelled 全市 only when
every configured district is in, else 所选区市合计 (`metrics.scope.aggregate_label`).

The query returns integer keys only (period, grain, indicator, district, enterprise), and for the
enterprise grain only the enterprises with records. Every row of the result is then laid out in
order with numpy and the figures found are put in their places; the labels are attached by array
indexing. Both are much cheaper than the query listing (and sorting, and transferring) every
enterprise × indicator × period with its strings.
"""
from __future__ import annotations

import string

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from metrics.findings import LEVELS, level_codes
from metrics.indicators import Indicator
from metrics.scope import aggregate_label
from metrics.sql import Period, arrow_of, base_ctes, district_list_cte, scope_cte

GRAIN_ORDER = {"city": 0, "district": 1, "enterprise": 2}
GRAINS = tuple(GRAIN_ORDER)
COLUMNS = ["indicator", "indicator_name", "group", "group_name", "district",
           "numerator", "denominator", "rate", "level", "grain", "note"]
NO_CHECKLIST_NOTE = "未报送本季度检查表"


_MISSING_CHECKLISTS = """
SELECT period_order, enterprise_key, 0 AS numerator, 0 AS denominator, 1 AS missing,
       0 AS aside_numerator, 0 AS aside_denominator
FROM checklist_status WHERE NOT sent"""


def _enterprise_sums(item: Indicator) -> str:
    """Per enterprise: numerator, denominator, missing checklists and the sums shown beside the rate."""
    plain = (f"SELECT period_order, enterprise_key, numerator, denominator, 0 AS missing, "
             f"0 AS aside_numerator, 0 AS aside_denominator FROM ({item.enterprise_sums_sql})")
    if not item.needs_every_checklist and not item.aside_sql:
        return plain
    parts = [plain]
    if item.needs_every_checklist:
        parts.append(_MISSING_CHECKLISTS)
    if item.aside_sql:
        parts.append(f"SELECT period_order, enterprise_key, 0, 0, 0, aside_numerator, aside_denominator "
                     f"FROM ({item.aside_sql})")
    union = "\nUNION ALL\n".join(parts)
    return (f"SELECT period_order, enterprise_key, sum(numerator) AS numerator, sum(denominator) AS denominator, "
            f"sum(missing) AS missing, sum(aside_numerator) AS aside_numerator, "
            f"sum(aside_denominator) AS aside_denominator\nFROM ({union}) GROUP BY period_order, enterprise_key")


_EXTRAS = ("missing", "aside_numerator", "aside_denominator")


def _per_enterprise(indicators: list[Indicator]) -> str:
    ctes = [f"sums_{i.code} AS ({_enterprise_sums(i)})" for i in indicators]
    sums = [
        f"SELECT {order} AS indicator_order, period_order, enterprise_key, "
        f"numerator::BIGINT AS numerator, denominator::BIGINT AS denominator, missing::BIGINT AS missing, "
        f"aside_numerator::BIGINT AS aside_numerator, aside_denominator::BIGINT AS aside_denominator "
        f"FROM sums_{i.code}"
        for order, i in enumerate(indicators)
    ]
    return ",\n".join(ctes) + ",\nper_enterprise AS (\n" + "\nUNION ALL\n".join(sums) + "\n)"


_GRAIN_SELECTS = {
    # Only the enterprises with records; `compute` lays them out on every enterprise × indicator × period.
    "enterprise": """
    SELECT 2, indicator_order, period_order, 0, enterprise_key, numerator, denominator, missing, aside_numerator,
           aside_denominator
    FROM per_enterprise""",
    "district": """
    SELECT 1, indicator_order, period_order, district_order, 0, numerator, denominator, missing,
           aside_numerator, aside_denominator
    FROM district_figures""",
    "city": """
    SELECT 0, indicator_order, period_order, 0, 0, sum(numerator)::BIGINT, sum(denominator)::BIGINT,
           sum(missing)::BIGINT, sum(aside_numerator)::BIGINT, sum(aside_denominator)::BIGINT
    FROM district_figures GROUP BY indicator_order, period_order""",
}


def figures_sql(indicators: list[Indicator], periods: list[Period], districts: list[str],
                grains: list[str]) -> str:
    """Integer-keyed figures, unsorted: grain_order, indicator_order, period_order, district_order (districts),
    enterprise_key (enterprises), numerator, denominator, missing, aside_numerator, aside_denominator. The city
    and every district have a row per indicator and period; an enterprise only where it has records (`compute`
    gives the others 0/0)."""
    selects = "\nUNION ALL".join(_GRAIN_SELECTS[g] for g in grains)
    catalogue = ", ".join(f"({order})" for order in range(len(indicators)))
    return f"""
WITH {base_ctes(periods, districts)},
{_per_enterprise(indicators)},
catalogue(indicator_order) AS (VALUES {catalogue}),
{district_list_cte(districts)},
district_sums AS (
    SELECT f.indicator_order, f.period_order, d.district_order,
           sum(f.numerator) AS numerator, sum(f.denominator) AS denominator, sum(f.missing) AS missing,
           sum(f.aside_numerator) AS aside_numerator, sum(f.aside_denominator) AS aside_denominator
    FROM per_enterprise f
    JOIN scope e ON e.enterprise_key = f.enterprise_key
    JOIN district_list d ON d.district = e.district
    GROUP BY f.indicator_order, f.period_order, d.district_order
),
district_figures AS (
    -- Every district, with or without data.
    SELECT c.indicator_order, p.period_order, d.district_order,
           coalesce(s.numerator, 0)::BIGINT AS numerator, coalesce(s.denominator, 0)::BIGINT AS denominator,
           coalesce(s.missing, 0)::BIGINT AS missing, coalesce(s.aside_numerator, 0)::BIGINT AS aside_numerator,
           coalesce(s.aside_denominator, 0)::BIGINT AS aside_denominator
    FROM catalogue c CROSS JOIN periods p CROSS JOIN district_list d
    LEFT JOIN district_sums s
      ON s.indicator_order = c.indicator_order AND s.period_order = p.period_order
     AND s.district_order = d.district_order
),
result(grain_order, indicator_order, period_order, district_order, enterprise_key, numerator, denominator,
       missing, aside_numerator, aside_denominator) AS (
{selects}
),
SELECT * FROM result
"""


def _enterprises(con, districts: list[str]) -> pa.Table:
    """The enterprises in scope by enterprise_key (1, 2, …): credit code, name, district."""
    sql = (f"WITH {scope_cte(districts)} SELECT credit_code, enterprise_name, district FROM scope "
           "ORDER BY enterprise_key")
    return arrow_of(con, sql)


def _take(labels: list | pa.Array, positions: np.ndarray) -> pa.Array:
    """labels[positions], as an Arrow string array (pandas then wraps it without copying)."""
    return pa.array(labels, type=pa.string()).take(pa.array(positions))


class _Layout:
    """Where each figure goes in the result. Per period: for each grain in order (city, districts, enterprises), each
    indicator in turn with the grain's groups — the city; every district; every enterprise by district, then
    enterprise_key — the same rows every period."""

    def __init__(self, grains: list[str], n_indicators: int, n_districts: int, enterprise_districts: np.ndarray):
        by_district = np.argsort(enterprise_districts, kind="stable")  # enterprise_key - 1, in the grain's order
        self.ent_rank = np.empty_like(by_district)  # by enterprise_key - 1: its place among the enterprises
        self.ent_rank[by_district] = np.arange(len(by_district))
        # each grain's groups in order, as (district_order, enterprise_key)
        groups = {"city": (np.array([-1]), np.array([0])),
                  "district": (np.arange(n_districts), np.zeros(n_districts, dtype=np.int64)),
                  "enterprise": (enterprise_districts[by_district], by_district + 1)}
        self.n_indicators = n_indicators
        self.groups = {grain: groups[grain] for grain in GRAINS if grain in grains}
        self.offset, self.width, start = np.zeros(len(GRAINS), np.int64), np.zeros(len(GRAINS), np.int64), 0
        for grain, (districts, _) in self.groups.items():
            code = GRAIN_ORDER[grain]
            self.offset[code], self.width[code] = start, len(districts)
            start += n_indicators * len(districts)
        self.per_period = start

    def positions(self, grain: np.ndarray, indicator: np.ndarray, period: np.ndarray, district: np.ndarray,
                  enterprise: np.ndarray) -> np.ndarray:
        """The row of each figure found (grain_order, indicator_order, period_order, district_order, enterprise_key)."""
        group = np.where(grain == GRAIN_ORDER["district"], district, 0).astype(np.int64)
        enterprises = grain == GRAIN_ORDER["enterprise"]
        group[enterprises] = self.ent_rank[enterprise[enterprises] - 1]
        return (period.astype(np.int64) * self.per_period + self.offset[grain] + indicator * self.width[grain]
                + group)

    def keys(self, n_periods: int) -> dict[str, np.ndarray]:
        """grain_order, indicator_order, period_order, district_order (-1: the city), enterprise_key (0: none) of
        every row, in order."""
        parts = {"grain_order": [], "indicator_order": [], "district_order": [], "enterprise_key": []}
        for grain, (districts, enterprises) in self.groups.items():
            rows = self.n_indicators * len(districts)
            parts["grain_order"].append(np.full(rows, GRAIN_ORDER[grain]))
            parts["indicator_order"].append(np.repeat(np.arange(self.n_indicators), len(districts)))
            parts["district_order"].append(np.tile(districts, self.n_indicators))
            parts["enterprise_key"].append(np.tile(enterprises, self.n_indicators))
        keys = {name: np.tile(np.concatenate(values), n_periods) for name, values in parts.items()}
        keys["period_order"] = np.repeat(np.arange(n_periods), self.per_period)
        return keys


def _change(rates: np.ndarray, periods: list[Period]) -> np.ndarray:
    """Rate minus the previous quarter's rate on the same row; NaN when that quarter was not computed."""
    by_period = rates.reshape(len(periods), -1)
    position = {p.quarter: n for n, p in enumerate(periods)}
    change = np.full_like(by_period, np.nan)
    for n, p in enumerate(periods):  # a handful of quarters, each a whole-array subtraction
        before = position.get(p.quarter.previous())
        if before is not None:
            change[n] = by_period[n] - by_period[before]
    return change.reshape(-1)


def _filled(template: str, values: dict[str, np.ndarray]) -> pa.Array:
    """`template` ("… {numerator} …") filled row by row from integer arrays, without a Python loop over rows."""
    parts = []
    for literal, name, _, _ in string.Formatter().parse(template):
        if literal:
            parts.append(pa.scalar(literal))
        if name:
            parts.append(pc.cast(pa.array(values[name]), pa.string()))
    return pc.binary_join_element_wise(*parts, "")


def _levels_and_notes(indicators: list[Indicator], column: dict[str, np.ndarray]) -> tuple[np.ndarray, pa.Array]:
    """Finding levels, capped at 关注 where a sum over the sent checklists misses some (缺报 N 家), and the
    note beside each figure: the missing checklists, or what is shown beside the rate but not in it.

    Most figures have no note: each text is made for the rows that carry it only and put in their places."""
    levels = level_codes(column["rate"], column["denominator"])
    notes: list[tuple[np.ndarray, pa.Array]] = []  # (rows, their texts); a later entry wins
    capped = np.isin(column["indicator_order"], [n for n, i in enumerate(indicators) if i.needs_every_checklist])
    for n, item in enumerate(indicators):
        if not item.aside_sql:
            continue
        rows = (column["indicator_order"] == n) & (column["aside_denominator"] > 0)
        if rows.any():
            notes.append((rows, _filled(item.aside_text, {"numerator": column["aside_numerator"][rows],
                                                          "denominator": column["aside_denominator"][rows]})))
    missing = capped & (column["missing"] > 0)
    if missing.any():
        levels = np.where(missing & (levels == 0), 1, levels)
        text = _filled("缺报 {missing} 家", {"missing": column["missing"][missing]})
        text = pc.if_else(pa.array(column["grain_order"][missing] == 2), pa.scalar(NO_CHECKLIST_NOTE), text)
        notes.append((missing, text))
    # each row points at its text: 0 is the empty note, then the texts of the entries in turn
    position = np.zeros(len(levels), dtype=np.int64)
    start = 1
    for rows, texts in notes:
        position[rows] = np.arange(start, start + len(texts))
        start += len(texts)
    pieces = [pa.array([""], pa.string()), *(texts.cast(pa.string()) for _, texts in notes)]
    return levels, pa.concat_arrays(pieces).take(pa.array(position))


def compute(con, indicators: list[Indicator], periods: list[Period], districts: list[str],
            grains: list[str], reported: set[str] | None = None) -> pd.DataFrame:
    """One row per reported period, grain, indicator and group: COLUMNS plus `quarter` and `change`.

    `change` is the rate minus the rate of the previous quarter when that quarter is among `periods`
    (and both rates exist); `reported` limits the periods returned (None: all).
    """
    grains = sorted(set(grains), key=GRAIN_ORDER.__getitem__)
    found = arrow_of(con, figures_sql(indicators, periods, districts, grains))
    codes, names, enterprise_districts = [], [], np.zeros(0, dtype=np.int64)
    if "enterprise" in grains:
        enterprises = _enterprises(con, districts)
        codes, names = enterprises.column("credit_code").to_pylist(), enterprises.column("enterprise_name").to_pylist()
        enterprise_districts = pc.index_in(enterprises.column("district"), value_set=pa.array(districts, pa.string()))
        enterprise_districts = enterprise_districts.to_numpy().astype(np.int64)
    # Every row of the result is laid out here, in order, and the figures found are put in their places: cheaper
    # than an ORDER BY, or than the query listing every enterprise with no records (most figures at that grain).
    layout = _Layout(grains, len(indicators), len(districts), enterprise_districts)
    column = layout.keys(len(periods))
    places = layout.positions(*(found.column(name).to_numpy() for name in
                                ("grain_order", "indicator_order", "period_order", "district_order", "enterprise_key")))
    for name in ("numerator", "denominator", *_EXTRAS):
        values = np.zeros(layout.per_period * len(periods), dtype=np.int64)
        values[places] = found.column(name).fill_null(0).to_numpy()
        column[name] = values
    with np.errstate(invalid="ignore", divide="ignore"):
        column["rate"] = np.where(column["denominator"] > 0, column["numerator"] / column["denominator"], np.nan)
    column["change"] = _change(column["rate"], periods)
    if reported is not None:
        keep = np.isin(column["period_order"], [n for n, p in enumerate(periods) if p.quarter.label in reported])
        column = {name: values[keep] for name, values in column.items()}
    levels, notes = _levels_and_notes(indicators, column)
    grain, district_order = column["grain_order"], column["district_order"]
    # Group labels: 全市 (or 所选区市合计), then the districts, then the enterprises' codes (or names) by enterprise_key.
    group_position = np.where(grain == 0, 0, np.where(grain == 1, 1 + district_order,
                                                      len(districts) + column["enterprise_key"]))
    total = aggregate_label(districts)
    table = pa.table({
        "quarter": _take([p.quarter.label for p in periods], column["period_order"]),
        "indicator": _take([i.code for i in indicators], column["indicator_order"]),
        "indicator_name": _take([i.name for i in indicators], column["indicator_order"]),
        "group": _take([total, *districts, *codes], group_position),
        "group_name": _take([total, *districts, *names], group_position),
        "district": _take([None, *districts], district_order + 1),
        "numerator": column["numerator"],
        "denominator": column["denominator"],
        "rate": column["rate"],
        "level": _take(list(LEVELS), levels),
        "grain": _take(list(GRAINS), grain),
        "note": notes,
        "change": column["change"],
    })
    return table.to_pandas()
