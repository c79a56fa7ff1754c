"""Numerator, denominator and rate of any indicators, at any grains, for any periods — in one query."""
from __future__ import annotations

import pandas as pd

from metrics.findings import finding_levels
from metrics.indicators import Indicator
from metrics.scope import CITY
from metrics.sql import Period, base_ctes, district_list_cte

GRAIN_ORDER = {"city": 0, "district": 1, "enterprise": 2}
COLUMNS = ["indicator", "indicator_name", "group", "group_name", "district",
           "numerator", "denominator", "rate", "level", "grain"]


def _per_enterprise(indicators: list[Indicator]) -> str:
    ctes = [f"r_{i.code} AS ({i.records_sql})" for i in indicators]
    sums = [
        f"SELECT '{i.code}' AS indicator, quarter, credit_code, "
        f"sum(numerator)::BIGINT AS numerator, sum(denominator)::BIGINT AS denominator "
        f"FROM r_{i.code} GROUP BY quarter, credit_code"
        for i in indicators
    ]
    return ",\n".join(ctes) + ",\nper_enterprise AS (\n" + "\nUNION ALL\n".join(sums) + "\n)"


_GRAIN_SELECTS = {
    "enterprise": """
    SELECT 'enterprise' AS grain, indicator, quarter, credit_code AS "group", enterprise_name AS group_name,
           district, numerator, denominator
    FROM enterprise_figures""",
    "district": """
    SELECT 'district', indicator, quarter, district, district, district, numerator, denominator
    FROM district_figures""",
    "city": """
    SELECT 'city', indicator, quarter, '{city}', '{city}', NULL, sum(numerator)::BIGINT, sum(denominator)::BIGINT
    FROM district_figures GROUP BY indicator, quarter""",
}


def figures_sql(indicators: list[Indicator], periods: list[Period], districts: list[str],
                grains: list[str]) -> str:
    catalogue = ", ".join(f"('{i.code}', {order})" for order, i in enumerate(indicators))
    selects = "\nUNION ALL".join(_GRAIN_SELECTS[g].format(city=CITY) for g in grains)
    return f"""
WITH {base_ctes(periods, districts)},
{_per_enterprise(indicators)},
catalogue(indicator, indicator_order) AS (VALUES {catalogue}),
{district_list_cte(districts)},
enterprise_figures AS (
    SELECT c.indicator, p.quarter, e.district, e.credit_code, e.enterprise_name,
           coalesce(f.numerator, 0) AS numerator, coalesce(f.denominator, 0) AS denominator
    FROM catalogue c CROSS JOIN periods p CROSS JOIN scope e
    LEFT JOIN per_enterprise f
      ON f.indicator = c.indicator AND f.quarter = p.quarter AND f.credit_code = e.credit_code
),
district_figures AS (
    SELECT c.indicator, p.quarter, d.district,
           coalesce(sum(f.numerator), 0)::BIGINT AS numerator, coalesce(sum(f.denominator), 0)::BIGINT AS denominator
    FROM catalogue c CROSS JOIN periods p CROSS JOIN district_list d
    LEFT JOIN enterprise_figures f
      ON f.indicator = c.indicator AND f.quarter = p.quarter AND f.district = d.district
    GROUP BY c.indicator, p.quarter, d.district
),
result(grain, indicator, quarter, "group", group_name, district, numerator, denominator) AS ({selects}
)
SELECT r.grain, r.quarter, r.indicator, r."group", r.group_name, r.district, r.numerator, r.denominator,
       CASE WHEN r.denominator > 0 THEN r.numerator / r.denominator END AS rate
FROM result r
JOIN catalogue c USING (indicator)
JOIN periods p USING (quarter)
LEFT JOIN district_list d USING (district)
ORDER BY p.period_order, CASE r.grain WHEN 'city' THEN 0 WHEN 'district' THEN 1 ELSE 2 END,
         c.indicator_order, d.district_order NULLS FIRST, r.group_name COLLATE zh, r."group"
"""


def compute(con, indicators: list[Indicator], periods: list[Period], districts: list[str],
            grains: list[str]) -> pd.DataFrame:
    """One row per period, grain, indicator and group; columns COLUMNS plus `quarter`."""
    grains = sorted(set(grains), key=GRAIN_ORDER.__getitem__)
    frame = con.execute(figures_sql(indicators, periods, districts, grains)).df()
    names = {i.code: i.name for i in indicators}
    frame["indicator_name"] = frame["indicator"].map(names)
    frame["rate"] = frame["rate"].astype(float)
    frame["level"] = finding_levels(frame["rate"], frame["denominator"])
    return frame[["quarter", *COLUMNS]]
