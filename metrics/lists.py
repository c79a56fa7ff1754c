"""Shortfall lists (the records behind each gap) and watch lists (what needs attention as of a date)."""
from __future__ import annotations

from datetime import date

import pandas as pd

from core.settings import FilledTexts, setting
from warehouse.store import first_row
from metrics import rules
from metrics.indicators import Indicator
from core.sqltext import sql_list
from metrics.sql import Period, base_ctes, district_list_cte

_PROVENANCE = 'x.source_file AS "来源文件", x.source_sheet AS "工作表", x.source_row AS "行号"'
_ENTERPRISE = 'e.district AS "区市", e.enterprise_name AS "企业名称", e.credit_code AS "统一社会信用代码"'


def _frame(con, sql: str) -> pd.DataFrame:
    """A query's result ready to show and export: dates as dates (empty as None), through Arrow."""
    return con.sql(sql).to_arrow_table().to_pandas()


def shortfall_sql(item: Indicator, period: Period, districts: list[str], credit_code: str | None) -> str:
    enterprise_filter = f"AND e.credit_code IN {sql_list([credit_code])}" if credit_code else ""
    return f"""
WITH {base_ctes([period], districts)},
{district_list_cte(districts)},
x AS ({item.records_sql})
SELECT {_ENTERPRISE},
       x.* EXCLUDE (period_order, enterprise_key, numerator, denominator, source_file, source_sheet, source_row),
       {_PROVENANCE}
FROM x
JOIN scope e ON e.enterprise_key = x.enterprise_key
JOIN district_list d ON d.district = e.district
WHERE x.numerator < x.denominator {enterprise_filter}
ORDER BY d.district_order, e.enterprise_key, {item.shortfall_order}
"""


def shortfall_records(con, item: Indicator, period: Period, districts: list[str],
                      credit_code: str | None = None) -> pd.DataFrame:
    return _frame(con, shortfall_sql(item, period, districts, credit_code))


def _watch_settings() -> dict:
    return {
        "expiry_days": int(setting("watch.certificate_expiry_days")),
        "rotation_months": int(setting("watch.rotation_months")),
    }


# Titles stating a setting read its current value each time they are read.
WATCH_TITLES = FilledTexts({
    "overdue_hazards": "超期未整改隐患",
    "unreported_major_hazards": "未上报重大隐患",
    "expiring_certificates": "{watch.certificate_expiry_days}天内到期证书",
    "missing_checklists": "未报季度检查表企业",
    "rotation_due": "驻点满{watch.rotation_months}个月待轮换",
})

_HAZARD_COLUMNS = """x.hazard_id AS "隐患编号", x.level AS "隐患等级", x.category AS "隐患类别",
       x.description AS "隐患描述", x.found_on AS "发现日期\""""

_WATCH_SQL = {
    "overdue_hazards": """
SELECT {enterprise}, {hazard}, x.deadline AS "整改期限",
       date_diff('day', x.deadline, p.as_of) AS "超期天数", x.status AS "整改状态",
       x.owner AS "整改责任人", {provenance}
FROM hazards_current x
JOIN scope e ON e.credit_code = x.credit_code
CROSS JOIN periods p
JOIN district_list d ON d.district = e.district
WHERE x.found_on <= p.as_of AND {overdue}
ORDER BY d.district_order, e.enterprise_key, x.deadline, x.hazard_id
""",
    "unreported_major_hazards": """
SELECT {enterprise}, {hazard}, date_diff('day', x.found_on, p.as_of) AS "已发现天数",
       x.status AS "整改状态", x.reported_on AS "上报日期", x.transferred_to AS "移交部门", {provenance}
FROM hazards_current x
JOIN scope e ON e.credit_code = x.credit_code
CROSS JOIN periods p
JOIN district_list d ON d.district = e.district
WHERE x.level = '重大隐患' AND x.found_on <= p.as_of
  AND (x.reported_on IS NULL OR x.reported_on > p.as_of)
ORDER BY d.district_order, e.enterprise_key, x.found_on, x.hazard_id
""",
    "expiring_certificates": """
SELECT {enterprise}, x.person_id AS "人员编号", x.person_name AS "姓名", x.category AS "岗位类别",
       x.work_type AS "作业类别", x.cert_no AS "证书编号", x.cert_valid_until AS "证书有效期至",
       date_diff('day', x.as_of, x.cert_valid_until) AS "剩余天数", {provenance}
FROM on_duty x
JOIN scope e ON e.credit_code = x.credit_code
JOIN district_list d ON d.district = e.district
WHERE nullif(trim(x.cert_no), '') IS NOT NULL
  AND x.cert_valid_until >= x.as_of AND x.cert_valid_until <= x.as_of + {expiry_days}
ORDER BY d.district_order, e.enterprise_key, x.cert_valid_until, x.person_id
""",
    "missing_checklists": """
SELECT {enterprise}, p.quarter AS "季度", e.status AS "企业状态", e.supervisor AS "驻点监督人员",
       e.source_file AS "来源文件", e.source_sheet AS "工作表", e.source_row AS "行号"
FROM scope e
CROSS JOIN periods p
JOIN district_list d ON d.district = e.district
WHERE NOT EXISTS (
    SELECT 1 FROM checklists_current c WHERE c.credit_code = e.credit_code AND c.quarter = p.quarter)
ORDER BY d.district_order, e.enterprise_key
""",
    "rotation_due": """
SELECT {enterprise}, x.supervisor_name AS "驻点监督人员", x.dispatch_unit AS "派出单位",
       x.stationed_on AS "进驻日期", date_diff('day', x.stationed_on, p.as_of) AS "已驻点天数",
       (x.stationed_on + INTERVAL {rotation_months} MONTH)::DATE AS "应轮换日期", {provenance}
FROM stationings x
JOIN scope e ON e.credit_code = x.credit_code
CROSS JOIN periods p
JOIN district_list d ON d.district = e.district
WHERE x.stationed_on + INTERVAL {rotation_months} MONTH <= p.as_of
ORDER BY d.district_order, e.enterprise_key, x.stationed_on, x.supervisor_name
""",
}


def watch_lists(con, period: Period, districts: list[str]) -> dict[str, pd.DataFrame]:
    head = f"WITH {base_ctes([period], districts)},\n{district_list_cte(districts)}\n"
    values = {"enterprise": _ENTERPRISE, "provenance": _PROVENANCE, "hazard": _HAZARD_COLUMNS,
              "overdue": rules.overdue("p.as_of", "x."), **_watch_settings()}
    return {
        key: _frame(con, head + _WATCH_SQL[key].format(**values))
        for key in WATCH_TITLES
    }


_LATEST_DATE = """
SELECT max(day) FROM (
    SELECT max(log_date) AS day FROM work_logs
    UNION ALL SELECT max(found_on) FROM hazards_current
    UNION ALL SELECT max(rectified_on) FROM hazards_current
    UNION ALL SELECT max(reported_on) FROM hazards_current
    UNION ALL SELECT max(trained_on) FROM training
    UNION ALL SELECT max(drill_date) FROM drills
)
"""


def latest_data_date(con) -> date | None:
    return first_row(con, _LATEST_DATE)[0]
