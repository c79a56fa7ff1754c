"""Supervisors' work logs: one row per working day with a log, with the special operations seen that day.

The days' entries are drawn over the enterprise's rota (`Enterprise.rota`, the main stream), then
written by whoever was actually stationed that day (`Enterprise.stints`, a side stream): nobody logs in
a gap between two stationings, both supervisors log in a handover week, most statutory holidays go
unlogged and the weekend days declared working days (调休) are logged.
"""
from __future__ import annotations

import bisect
import random
from datetime import date, timedelta

from core.calendar import is_working_day
from demo.span import DemoSpan, poisson, weighted
from demo.world import Enterprise, Stint

LOG_CONTENTS = (
    "巡查生产装置区，检查现场作业安全情况", "检查动火作业票证办理及现场防护措施落实情况",
    "参加企业班前会，开展安全提醒", "核查隐患整改情况，督促落实整改措施", "检查危险化学品储存场所",
    "查阅安全管理台账和操作记录", "检查消防设施器材及应急物资", "对接企业安全管理人员，了解本周生产安排",
    "检查特殊作业现场监护情况", "督促企业开展隐患自查", "检查设备设施运行及维护保养记录",
)
HANDOVER_CONTENT = "与接任驻点人员交接隐患台账及在办事项，陪同熟悉企业情况"
# 二、工作任务: 驻点人员进驻后，要制定工作计划. Most new arrivals write it in their first log; the less diligent do not.
WORK_PLAN_CONTENT = "熟悉企业基本情况，制定驻点工作计划，明确任务完成节点"
WORK_PLAN_DILIGENCE = 0.92
# The notice names three operations a supervisor must attend in person; logs record the others too.
SPECIAL_OP_WEIGHTS = (("动火作业", 30), ("设备检维修", 30), ("高处作业", 20), ("受限空间作业", 8),
                      ("吊装作业", 5), ("临时用电", 6), ("其他", 1))


def log_row(rng: random.Random, enterprise: Enterprise, supervisor: str, day: date, onsite_rate: float) -> dict:
    idle = enterprise.idle_from is not None and day >= enterprise.idle_from
    row = {"log_date": day, "supervisor": supervisor, "enterprise": enterprise,
           "content": rng.choice(LOG_CONTENTS), "issues_found": poisson(rng, 0.3),
           "special_op_type": None, "special_ops": 0, "onsite": 0}
    if rng.random() < (0.03 if idle else 0.3):
        count = rng.choice((1, 1, 1, 2, 2, 3))
        row.update(special_op_type=weighted(rng, SPECIAL_OP_WEIGHTS), special_ops=count,
                   onsite=count if rng.random() < onsite_rate else count - 1)
    return row


def onsite_rate(enterprise: Enterprise) -> float:
    return 0.97 - (1 - enterprise.quality) * 0.6


def rota_entries(rng: random.Random, enterprise: Enterprise, span: DemoSpan, days: list[date]) -> list[dict]:
    """The rota's entries on Monday to Friday, each drawn at its planned supervisor's diligence."""
    rows = []
    rate = onsite_rate(enterprise)
    for stint in enterprise.rota:
        first = bisect.bisect_left(days, max(stint.start, span.start))
        last = bisect.bisect_right(days, min(stint.end, enterprise.active_until, span.end))
        for day in days[first:last]:
            if rng.random() >= stint.diligence:
                continue
            rows.append(log_row(rng, enterprise, stint.supervisor, day, rate))
    return rows


def stationed(enterprise: Enterprise, day: date) -> list[Stint]:
    """Who was stationed on `day`, the earlier arrival first."""
    return [s for s in enterprise.stints if s.start <= day <= s.end]


def make_logs(rng: random.Random, side: random.Random, enterprise: Enterprise, span: DemoSpan,
              days: list[date], extra_workdays: list[date]) -> list[dict]:
    """The logs as written: `rng` draws the rota's entries, `side` everything the stationings change."""
    rows = []
    for row in rota_entries(rng, enterprise, span, days):
        day = row["log_date"]
        present = stationed(enterprise, day)
        if not present or (not is_working_day(day) and side.random() < 0.85):
            continue
        row["supervisor"] = present[-1].supervisor  # the rota's entry, as written by whoever was there
        if row["special_ops"] and side.random() < 0.015:  # the type left empty
            row["special_op_type"] = None
        rows.append(row)
        if len(present) > 1 and side.random() < present[0].diligence:  # the predecessor, handing over
            rows.append(row | {"supervisor": present[0].supervisor, "content": HANDOVER_CONTENT, "issues_found": 0,
                               "special_op_type": None, "special_ops": 0, "onsite": 0})
    for day in extra_workdays:
        if day <= enterprise.active_until:
            for stint in stationed(enterprise, day):
                if side.random() < stint.diligence:
                    rows.append(log_row(side, enterprise, stint.supervisor, day, onsite_rate(enterprise)))
    rows.sort(key=lambda row: row["log_date"])
    write_work_plans(enterprise, span, rows)
    return rows


def write_work_plans(enterprise: Enterprise, span: DemoSpan, rows: list[dict]) -> None:
    """The first log of each supervisor arriving within the span records the work plan, unless the supervisor
    is among the less diligent (no random draw: the other records stay as they were)."""
    for stint in enterprise.stints:
        if stint.start < span.start or stint.diligence < WORK_PLAN_DILIGENCE:
            continue
        first = next((row for row in rows if row["supervisor"] == stint.supervisor and row["log_date"] >= stint.start),
                     None)
        if first is not None and first["content"] != HANDOVER_CONTENT:
            first["content"] = WORK_PLAN_CONTENT


def weekend_workdays(span: DemoSpan) -> list[date]:
    """Saturdays and Sundays of the span declared working days (调休)."""
    days = (span.start + timedelta(days=i) for i in range((span.end - span.start).days + 1))
    return [d for d in days if d.weekday() >= 5 and is_working_day(d)]
