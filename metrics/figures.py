"""Numerator, denominator and rate of any indicators, at any grains, for any periods — in one query.

Per enterprise, each indicator's sums come from its declaration (`Indicator.enterprise_sums_sql`);
every enterprise in scope gets a row for every indicator and period (0/0 when it has no
records), districts are pooled sums of their enterprises (every configured district is
listed, with or without data) and the city is the pooled sum of its districts.

The query returns integer keys only (period, grain, indicator, district, enterprise); the
labels are attached afterwards by array indexing, which is much cheaper than carrying
strings through the sort and the transfer of a quarter-million enterprise rows.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from metrics.findings import LEVELS, level_codes
from metrics.indicators import Indicator
from metrics.scope import CITY
from metrics.sql import Period, base_ctes, district_list_cte, scope_cte

GRAIN_ORDER = {"city": 0, "district": 1, "enterprise": 2}
GRAINS = tuple(GRAIN_ORDER)
COLUMNS = ["indicator", "indicator_name", "group", "group_name", "district",
           "numerator", "denominator", "rate", "level", "grain"]


def _per_enterprise(indicators: list[Indicator]) -> str:
    ctes = [f"sums_{i.code} AS ({i.enterprise_sums_sql})" for i in indicators]
    sums = [
        f"SELECT {order} AS indicator_order, period_order, enterprise_key, "
        f"numerator::BIGINT AS numerator, denominator::BIGINT AS denominator FROM sums_{i.code}"
        for order, i in enumerate(indicators)
    ]
    return ",\n".join(ctes) + ",\nper_enterprise AS (\n" + "\nUNION ALL\n".join(sums) + "\n)"


_GRAIN_SELECTS = {
    "enterprise": """
    SELECT 2, c.indicator_order, p.period_order, d.district_order, e.enterprise_key,
           coalesce(f.numerator, 0), coalesce(f.denominator, 0)
    FROM catalogue c CROSS JOIN periods p CROSS JOIN scope e
    JOIN district_list d ON d.district = e.district
    LEFT JOIN per_enterprise f
      ON f.indicator_order = c.indicator_order AND f.period_order = p.period_order
     AND f.enterprise_key = e.enterprise_key""",
    "district": """
    SELECT 1, indicator_order, period_order, district_order, 0, numerator, denominator
    FROM district_figures""",
    "city": """
    SELECT 0, indicator_order, period_order, -1, 0, sum(numerator)::BIGINT, sum(denominator)::BIGINT
    FROM district_figures GROUP BY indicator_order, period_order""",
}


def figures_sql(indicators: list[Indicator], periods: list[Period], districts: list[str],
                grains: list[str]) -> str:
    """Integer-keyed figures: grain_order, period_order, indicator_order, district_order, enterprise_key,
    row_key, numerator, denominator. Unsorted: (period_order, row_key) gives the order.

    Every period carries exactly the same rows (all indicators × the city, every district, every
    enterprise in scope), which is what lets `compute` line a period up with the one before it."""
    selects = "\nUNION ALL".join(_GRAIN_SELECTS[g] for g in grains)
    catalogue = ", ".join(f"({order})" for order in range(len(indicators)))
    return f"""
WITH {base_ctes(periods, districts)},
{_per_enterprise(indicators)},
catalogue(indicator_order) AS (VALUES {catalogue}),
{district_list_cte(districts)},
district_sums AS (
    SELECT f.indicator_order, f.period_order, d.district_order,
           sum(f.numerator) AS numerator, sum(f.denominator) AS denominator
    FROM per_enterprise f
    JOIN scope e ON e.enterprise_key = f.enterprise_key
    JOIN district_list d ON d.district = e.district
    GROUP BY f.indicator_order, f.period_order, d.district_order
),
district_figures AS (
    -- Every district, with or without data.
    SELECT c.indicator_order, p.period_order, d.district_order,
           coalesce(s.numerator, 0)::BIGINT AS numerator, coalesce(s.denominator, 0)::BIGINT AS denominator
    FROM catalogue c CROSS JOIN periods p CROSS JOIN district_list d
    LEFT JOIN district_sums s
      ON s.indicator_order = c.indicator_order AND s.period_order = p.period_order
     AND s.district_order = d.district_order
),
result(grain_order, indicator_order, period_order, district_order, enterprise_key, numerator, denominator) AS (
{selects}
),
SELECT grain_order, period_order, indicator_order, district_order, enterprise_key,
       -- one integer per output row within a period: grain, indicator, district, enterprise
       ((grain_order * 100 + indicator_order) * 1000 + district_order + 1)::BIGINT * 1000000 + enterprise_key
           AS row_key,
       numerator, denominator
FROM result
"""


def _enterprises(con, districts: list[str]) -> pa.Table:
    """The enterprises in scope by enterprise_key (1, 2, …): credit code, name, district."""
    sql = f"WITH {scope_cte(districts)} SELECT credit_code, enterprise_name FROM scope ORDER BY enterprise_key"
    return con.sql(sql).to_arrow_table()


def _take(labels: list | pa.Array, positions: np.ndarray) -> pa.Array:
    """labels[positions], as an Arrow string array (pandas then wraps it without copying)."""
    return pa.array(labels, type=pa.string()).take(pa.array(positions))


def _change(rates: np.ndarray, row_keys: np.ndarray, periods: list[Period]) -> np.ndarray:
    """Rate minus the previous quarter's rate on the same row; NaN when that quarter was not computed."""
    by_period = rates.reshape(len(periods), -1)
    keys = row_keys.reshape(len(periods), -1)
    if not (keys == keys[0]).all():
        raise AssertionError("figures: periods do not carry the same rows")
    position = {p.quarter: n for n, p in enumerate(periods)}
    change = np.full_like(by_period, np.nan)
    for n, p in enumerate(periods):  # a handful of quarters, each a whole-array subtraction
        before = position.get(p.quarter.previous())
        if before is not None:
            change[n] = by_period[n] - by_period[before]
    return change.reshape(-1)


def compute(con, indicators: list[Indicator], periods: list[Period], districts: list[str],
            grains: list[str], reported: set[str] | None = None) -> pd.DataFrame:
    """One row per reported period, grain, indicator and group: COLUMNS plus `quarter` and `change`.

    `change` is the rate minus the rate of the previous quarter when that quarter is among `periods`
    (and both rates exist); `reported` limits the periods returned (None: all).
    """
    grains = sorted(set(grains), key=GRAIN_ORDER.__getitem__)
    keys = con.sql(figures_sql(indicators, periods, districts, grains)).to_arrow_table()
    # Sorting a quarter-million integers here costs a fraction of an ORDER BY over all the columns.
    column = {name: keys.column(name).to_numpy() for name in keys.column_names}
    order = np.argsort((column["period_order"].astype(np.int64) << 40) + column["row_key"])
    column = {name: values[order] for name, values in column.items()}
    with np.errstate(invalid="ignore", divide="ignore"):
        column["rate"] = np.where(column["denominator"] > 0, column["numerator"] / column["denominator"], np.nan)
    column["change"] = _change(column["rate"], column["row_key"], periods)
    if reported is not None:
        keep = np.isin(column["period_order"], [n for n, p in enumerate(periods) if p.quarter.label in reported])
        column = {name: values[keep] for name, values in column.items()}
    grain, district_order = column["grain_order"], column["district_order"]
    # Group labels: 全市, then the districts, then the enterprises' codes (or names) by enterprise_key.
    group_position = np.where(grain == 0, 0, np.where(grain == 1, 1 + district_order,
                                                      len(districts) + column["enterprise_key"]))
    codes, names = [], []
    if "enterprise" in grains:
        enterprises = _enterprises(con, districts)
        codes, names = enterprises.column("credit_code").to_pylist(), enterprises.column("enterprise_name").to_pylist()
    table = pa.table({
        "quarter": _take([p.quarter.label for p in periods], column["period_order"]),
        "indicator": _take([i.code for i in indicators], column["indicator_order"]),
        "indicator_name": _take([i.name for i in indicators], column["indicator_order"]),
        "group": _take([CITY, *districts, *codes], group_position),
        "group_name": _take([CITY, *districts, *names], group_position),
        "district": _take([None, *districts], district_order + 1),
        "numerator": column["numerator"],
        "denominator": column["denominator"],
        "rate": column["rate"],
        "level": _take(list(LEVELS), level_codes(column["rate"], column["denominator"])),
        "grain": _take(list(GRAINS), grain),
        "change": column["change"],
    })
    return table.to_pandas()
