"""What the browsing queries behind the dashboard pages share.

The browsing modules (`metrics.overview`, `metrics.quality`, `metrics.enterprise`,
`metrics.hazards`, `metrics.supervision`) hold the read-only queries that are not
indicators. Every function there takes a DuckDB connection and returns a DataFrame
whose column names are the Chinese labels shown (and exported) by the dashboard.
`districts` is None for all districts, else the canonical names to keep. `quarter`
is a `core.quarters.Quarter` (only its `start` and `end` dates are used).
"""
from __future__ import annotations

from datetime import date

import pandas as pd

from metrics.scope import resolve_districts
from metrics.sql import base_ctes, make_period, pruned

# A reusable predicate: the enterprise alias `e` lies in the chosen districts.
IN_DISTRICTS = "(CAST($districts AS VARCHAR[]) IS NULL OR list_contains(CAST($districts AS VARCHAR[]), e.district))"


def fetch_frame(con, sql: str, params: dict | None = None) -> pd.DataFrame:
    return con.execute(pruned(sql), params or {}).df()


# The hazard and supervision views are written against the same base relations as
# the indicators (metrics.sql), so a breakdown and the indicator beside it agree.

def with_period(quarter, as_of: date | None, districts: list[str] | None) -> str:
    return "WITH " + base_ctes([make_period(quarter, as_of)], resolve_districts(districts))
