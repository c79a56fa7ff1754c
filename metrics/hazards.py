"""Hazards of a quarter: breakdowns, the list found, ageing of open hazards, major hazards."""
from __future__ import annotations

from datetime import date

import pandas as pd

from core.presentation import percent_number
from metrics import rules
from metrics.browsing import fetch_frame, with_period

# Hazard breakdowns: key -> (Chinese label, expression over the hazard base rows).
HAZARD_GROUPINGS = {
    # Where each hazard stood on the as-of date, from its dates (the ledger's 整改状态 is as of the latest
    # ledger, which may be after the as-of date). 销号 without a 销号日期: the status 已销号 is taken as is,
    # as the watch list 已整改未销号 does.
    "state": ("截至日期状态", "CASE WHEN rectified AND coalesce(closed_on <= as_of, status = '已销号', FALSE) "
                         "THEN '已销号' WHEN rectified THEN '已整改未销号' WHEN overdue THEN '超期未整改' "
                         "ELSE '整改期限内' END"),
    "status": ("整改状态", "coalesce(status, '未填写')"),
    "category": ("隐患类别", "category"),
    "level": ("隐患等级", "level"),
    "district": ("区市", "ent_district"),
    "method": ("检查方式", "coalesce(method, '未填写')"),
}

AGEING_BUCKETS = ("30天以内", "31–60天", "61–90天", "90天以上")
# The 隐患整改率 of a district in a table (the dashboard's and the meeting brief's): hazards due in the quarter.
RECTIFICATION_RATE = "到期隐患整改率（%）"


_HAZARD_BASE = f"""
    base AS (
        SELECT h.*, e.district AS ent_district, e.enterprise_name AS ent_name,
               {rules.rectified("h.as_of", "h.")} AS rectified,
               {rules.overdue("h.as_of", "h.")} AS overdue,
               coalesce(h.reported_on <= h.as_of, FALSE) AS reported
        FROM hazards_found h JOIN scope e USING (credit_code)
    )
"""


def hazard_breakdowns(con, quarter, *, as_of: date | None = None,
                      districts: list[str] | None = None) -> dict[str, pd.DataFrame]:
    """Hazards found in the quarter (up to the as-of date), counted by each of HAZARD_GROUPINGS, in one pass.

    No rate here: the 整改率 a page shows is the indicator's (hazards due in the quarter, `rectification`), not a
    share of the hazards found."""
    keys = list(HAZARD_GROUPINGS)
    columns = ", ".join(f"{HAZARD_GROUPINGS[k][1]} AS g_{k}" for k in keys)
    sets = ", ".join(f"(g_{k})" for k in keys)
    frame = fetch_frame(con, f"""
        {with_period(quarter, as_of, districts)},
        {_HAZARD_BASE},
        methods AS (SELECT credit_code, hazard_id, method, closed_on FROM hazards_current),
        keyed AS (SELECT base.*, {columns} FROM base LEFT JOIN methods USING (credit_code, hazard_id)),
        grouped AS (
            SELECT {", ".join(f"g_{k}" for k in keys)},
                   {" + ".join(f"CASE WHEN grouping(g_{k}) = 0 THEN {i} ELSE 0 END" for i, k in enumerate(keys))} AS grouping_index,
                   count(*) AS total,
                   count(*) FILTER (WHERE rectified) AS done,
                   count(*) FILTER (WHERE NOT rectified) AS open,
                   count(*) FILTER (WHERE overdue) AS overdue,
                   count(*) FILTER (WHERE level = '重大隐患') AS major
            FROM keyed
            GROUP BY GROUPING SETS ({sets})
        )
        SELECT coalesce({", ".join(f"g_{k}" for k in keys)}) AS grp, grouping_index,
               total AS 隐患数, done AS 已整改, open AS 未整改, overdue AS 超期未整改,
               major AS 重大隐患
        FROM grouped
        ORDER BY grouping_index, 隐患数 DESC, grp
    """)
    return {
        key: frame[frame["grouping_index"] == index].drop(columns="grouping_index")
        .rename(columns={"grp": HAZARD_GROUPINGS[key][0]}).reset_index(drop=True)
        for index, key in enumerate(keys)
    }


def hazard_breakdown(con, quarter, *, by: str, as_of: date | None = None,
                     districts: list[str] | None = None) -> pd.DataFrame:
    """Hazards found in the quarter (up to the as-of date), counted by one of HAZARD_GROUPINGS."""
    return hazard_breakdowns(con, quarter, as_of=as_of, districts=districts)[by]


def hazards_found(con, quarter, *, as_of: date | None = None, districts: list[str] | None = None) -> pd.DataFrame:
    """Every hazard found in the quarter (latest version) and where it stood on the as-of date."""
    return fetch_frame(con, f"""
        {with_period(quarter, as_of, districts)},
        {_HAZARD_BASE}
        SELECT ent_district AS 区市, ent_name AS 企业名称, credit_code AS 统一社会信用代码,
               hazard_id AS 隐患编号, found_on AS 发现日期, category AS 隐患类别, level AS 隐患等级,
               description AS 隐患描述, owner AS 整改责任人, deadline AS 整改期限, rectified_on AS 整改完成日期,
               status AS 整改状态,
               CASE WHEN rectified THEN '已整改' WHEN overdue THEN '超期未整改' ELSE '整改期限内' END AS 截至日期状态,
               source_file AS 来源文件, source_sheet AS 工作表, source_row AS 行号
        FROM base
        ORDER BY 区市, 发现日期, 隐患编号
    """)


def hazard_ageing(con, quarter, *, as_of: date | None = None, districts: list[str] | None = None) -> pd.DataFrame:
    """Hazards of any quarter still open on the as-of date, by days since found and level."""
    return fetch_frame(con, f"""
        {with_period(quarter, as_of, districts)},
        open_hazards AS (
            SELECT h.level, p.as_of - h.found_on AS age, {rules.overdue("p.as_of", "h.")} AS overdue
            FROM hazards_current h
            JOIN scope e USING (credit_code)
            CROSS JOIN periods p
            WHERE h.found_on <= p.as_of AND NOT {rules.rectified("p.as_of", "h.")}
        ),
        bucketed AS (
            SELECT level, overdue,
                   CASE WHEN age <= 30 THEN 1 WHEN age <= 60 THEN 2 WHEN age <= 90 THEN 3 ELSE 4 END AS bucket
            FROM open_hazards
        )
        SELECT list_extract($buckets, bucket) AS 隐患账龄, level AS 隐患等级,
               count(*) AS 未整改隐患数, count(*) FILTER (WHERE overdue) AS 其中超期
        FROM bucketed
        GROUP BY bucket, level
        ORDER BY bucket, level
    """, {"buckets": list(AGEING_BUCKETS)})


def major_hazards(con, quarter, *, as_of: date | None = None, districts: list[str] | None = None) -> pd.DataFrame:
    """重大隐患 found in the quarter with their reporting and transfer status on the as-of date."""
    return fetch_frame(con, f"""
        {with_period(quarter, as_of, districts)},
        {_HAZARD_BASE}
        SELECT ent_district AS 区市, ent_name AS 企业名称, credit_code AS 统一社会信用代码,
               hazard_id AS 隐患编号, found_on AS 发现日期, category AS 隐患类别, description AS 隐患描述,
               CASE WHEN reported THEN '已上报' ELSE '未上报' END AS 上报状态, reported_on AS 上报日期,
               CASE WHEN transferred_to IS NOT NULL THEN '已移交' ELSE '未移交' END AS 移交状态,
               transferred_to AS 移交部门, deadline AS 整改期限, rectified_on AS 整改完成日期, status AS 整改状态,
               source_file AS 来源文件, source_sheet AS 工作表, source_row AS 行号
        FROM base
        WHERE level = '重大隐患'
        ORDER BY reported, 区市, 发现日期
    """)


def district_rectification(found_by_district: pd.DataFrame, figures: pd.DataFrame) -> pd.DataFrame:
    """Per district: the hazards found in the quarter (`hazard_breakdowns(...)["district"]`) beside the 隐患整改率
    (`figures`: the indicator's rows, its numerator, denominator and rate as the cards and the matrix show
    them); every district the indicator covers, with zeros, the most found first. A district with no hazard
    due in the quarter has no rate (NO_DATA), never 100 %."""
    found = found_by_district.rename(columns={"隐患数": "本季度发现", "已整改": "其中已整改", "未整改": "其中未整改",
                                              "超期未整改": "其中超期未整改", "重大隐患": "其中重大隐患"})
    found = found[["区市", "本季度发现", "其中已整改", "其中未整改", "其中超期未整改", "其中重大隐患"]]
    due = figures[figures["grain"] == "district"]
    due = pd.DataFrame({"区市": due["group_name"], "本季度到期": due["denominator"].astype("Int64"),
                        "到期已整改": due["numerator"].astype("Int64"),
                        RECTIFICATION_RATE: due["rate"]})
    merged = found.merge(due, on="区市", how="outer")
    counts = [c for c in merged.columns if c not in ("区市", RECTIFICATION_RATE)]
    merged[counts] = merged[counts].fillna(0).astype("int64")
    merged[RECTIFICATION_RATE] = merged[RECTIFICATION_RATE].map(percent_number)
    return merged.sort_values(["本季度发现", "区市"], ascending=[False, True]).reset_index(drop=True)
