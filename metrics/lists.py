"""Shortfall lists (the records behind each gap); the watch lists are declared in metrics.watch."""
from __future__ import annotations

from datetime import date

import pandas as pd

from warehouse.store import first_row
from metrics.indicators import Indicator
from core.sqltext import sql_list
from metrics.sql import Period, arrow_of, base_ctes, district_list_cte

PROVENANCE_COLUMNS = 'x.source_file AS "来源文件", x.source_sheet AS "工作表", x.source_row AS "行号"'
ENTERPRISE_COLUMNS = 'e.district AS "区市", e.enterprise_name AS "企业名称", e.credit_code AS "统一社会信用代码"'


def frame_of(con, sql: str) -> pd.DataFrame:
    """A query's result ready to show and export: dates as dates (empty as None), through Arrow."""
    return arrow_of(con, sql).to_pandas()


def shortfall_sql(item: Indicator, period: Period, districts: list[str], credit_code: str | None) -> str:
    enterprise_filter = f"AND e.credit_code IN {sql_list([credit_code])}" if credit_code else ""
    return f"""
WITH {base_ctes([period], districts)},
{district_list_cte(districts)},
x AS ({item.records_sql})
SELECT {ENTERPRISE_COLUMNS},
       x.* EXCLUDE (period_order, enterprise_key, numerator, denominator, source_file, source_sheet, source_row),
       {PROVENANCE_COLUMNS}
FROM x
JOIN scope e ON e.enterprise_key = x.enterprise_key
JOIN district_list d ON d.district = e.district
WHERE x.numerator < x.denominator {enterprise_filter}
ORDER BY d.district_order, e.enterprise_key, {item.shortfall_order}
"""


def shortfall_records(con, item: Indicator, period: Period, districts: list[str],
                      credit_code: str | None = None) -> pd.DataFrame:
    return frame_of(con, shortfall_sql(item, period, districts, credit_code))


_LATEST_DATE = """
SELECT max(day) FROM (
    SELECT max(log_date) AS day FROM work_logs
    UNION ALL SELECT max(found_on) FROM hazards_current
    UNION ALL SELECT max(rectified_on) FROM hazards_current
    UNION ALL SELECT max(reported_on) FROM hazards_current
    UNION ALL SELECT max(closed_on) FROM hazards_current
    UNION ALL SELECT max(transferred_on) FROM hazards_current
    UNION ALL SELECT max(transfer_closed_on) FROM hazards_current
    UNION ALL SELECT max(trained_on) FROM training
    UNION ALL SELECT max(drill_date) FROM drills
)
"""


def latest_data_date(con) -> date | None:
    return first_row(con, _LATEST_DATE)[0]
