"""The warehouse as a whole: its meta values, whether it holds demo data, whether it holds any data."""
from __future__ import annotations

import pandas as pd

from warehouse.store import first_row, is_demo as store_is_demo


def meta_value(con, key: str) -> str | None:
    row = first_row(con, "SELECT value FROM meta WHERE key = ?", [key])
    return row[0] if row else None


def is_demo(con) -> bool:
    return store_is_demo(con)


def has_any_data(con) -> bool:
    return bool(first_row(con, "SELECT count(*) FROM enterprises")[0])


# The inputs a quarter is reported from (contract §3.5–3.7), and the indicators each one feeds. A quarter is
# offered when any of them holds rows dated in it; a quarter where one of them holds none is "incomplete":
# the indicators that input feeds are shown but not scored (docs/indicators.md, 输入不完整的季度).
QUARTERLY_INPUTS = (
    ("checklists", "季度检查表", ("responsibility", "organization", "rules", "reward_payout")),
    ("logs", "驻点工作日志", ("special_ops_onsite", "log_fill")),
    ("hazards", "隐患台账（本季度发现的隐患）", ("rectification", "major_hazard_reported")),
)

# Dated rows are counted per integer quarter first (20263 for 2026Q3): labelling a million log rows one by one
# would cost more than the count.
_QUARTER_INPUTS = """
WITH scope AS (SELECT credit_code FROM enterprises_in_scope),
dated AS (
    SELECT 'checklists' AS input, c.quarter, count(*) AS n FROM checklists_current c JOIN scope USING (credit_code)
    WHERE regexp_matches(c.quarter, '^\\d{4}Q[1-4]$')
    GROUP BY c.quarter
    UNION ALL
    SELECT 'logs', format('{}Q{}', key // 10, key % 10), n
    FROM (SELECT year(l.log_date) * 10 + quarter(l.log_date) AS key, count(*) AS n
          FROM work_logs l JOIN scope USING (credit_code) WHERE l.log_date IS NOT NULL GROUP BY key)
    UNION ALL
    SELECT 'hazards', format('{}Q{}', key // 10, key % 10), n
    FROM (SELECT year(h.found_on) * 10 + quarter(h.found_on) AS key, count(*) AS n
          FROM hazards_current h JOIN scope USING (credit_code) WHERE h.found_on IS NOT NULL GROUP BY key)
)
SELECT quarter,
       coalesce(sum(n) FILTER (WHERE input = 'checklists'), 0)::BIGINT AS checklists,
       coalesce(sum(n) FILTER (WHERE input = 'logs'), 0)::BIGINT AS logs,
       coalesce(sum(n) FILTER (WHERE input = 'hazards'), 0)::BIGINT AS hazards
FROM dated GROUP BY quarter ORDER BY quarter
"""


def quarter_inputs(con) -> pd.DataFrame:
    """Per quarter with any quarterly input: how many rows of each input (QUARTERLY_INPUTS) it holds, oldest
    first. Counts over the whole city, no records."""
    return con.execute(_QUARTER_INPUTS).df()
