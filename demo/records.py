"""All records of one district, drawn enterprise by enterprise in a fixed order (the order is part of the seed)."""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from demo.checklists import make_checklists
from demo.hazards import Hazard, make_hazards
from demo.logs import make_logs
from demo.span import DemoSpan
from demo.training import make_drills, make_training
from demo.world import DistrictPlan, Enterprise


@dataclass
class Records:
    training: list[dict] = field(default_factory=list)
    drills: list[dict] = field(default_factory=list)
    hazards: list[tuple[Enterprise, Hazard]] = field(default_factory=list)
    logs: list[dict] = field(default_factory=list)
    checklists: list[dict] = field(default_factory=list)


def make_records(rng: random.Random, plan: DistrictPlan, span: DemoSpan, days: list[date]) -> Records:
    records = Records()
    for enterprise in plan.enterprises:
        records.training += make_training(rng, enterprise, span)
        records.drills += make_drills(rng, enterprise, span)
        records.logs += make_logs(rng, enterprise, span, days)
        records.checklists += make_checklists(rng, enterprise, span)
    records.hazards = make_hazards(rng, plan, span)
    return records
