"""Supervisors' work logs: one row per workday with a log, with the special operations seen that day."""
from __future__ import annotations

import bisect
import random
from datetime import date

from demo.span import DemoSpan, poisson, weighted
from demo.world import Enterprise

LOG_CONTENTS = (
    "巡查生产装置区，检查现场作业安全情况", "检查动火作业票证办理及现场防护措施落实情况",
    "参加企业班前会，开展安全提醒", "核查隐患整改情况，督促落实整改措施", "检查危险化学品储存场所",
    "查阅安全管理台账和操作记录", "检查消防设施器材及应急物资", "对接企业安全管理人员，了解本周生产安排",
    "检查特殊作业现场监护情况", "督促企业开展隐患自查", "检查设备设施运行及维护保养记录",
)
SPECIAL_OP_WEIGHTS = (("动火作业", 30), ("设备检维修", 30), ("高处作业", 20), ("受限空间作业", 8),
                      ("吊装作业", 5), ("临时用电", 6), ("其他", 1))


def make_logs(rng: random.Random, enterprise: Enterprise, span: DemoSpan, days: list[date]) -> list[dict]:
    rows = []
    onsite_rate = 0.97 - (1 - enterprise.quality) * 0.6
    for stint in enterprise.stints:
        first = bisect.bisect_left(days, max(stint.start, span.start))
        last = bisect.bisect_right(days, min(stint.end, enterprise.active_until, span.end))
        for day in days[first:last]:
            if rng.random() >= stint.diligence:
                continue
            idle = enterprise.idle_from is not None and day >= enterprise.idle_from
            row = {"log_date": day, "supervisor": stint.supervisor, "enterprise": enterprise,
                   "content": rng.choice(LOG_CONTENTS), "issues_found": poisson(rng, 0.3),
                   "special_op_type": None, "special_ops": 0, "onsite": 0}
            if rng.random() < (0.03 if idle else 0.3):
                count = rng.choice((1, 1, 1, 2, 2, 3))
                row.update(special_op_type=weighted(rng, SPECIAL_OP_WEIGHTS), special_ops=count,
                           onsite=count if rng.random() < onsite_rate else count - 1)
            rows.append(row)
    return rows
