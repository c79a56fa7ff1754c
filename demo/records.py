"""All records of one district, drawn enterprise by enterprise in a fixed order (the order is part of the seed)."""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from demo.checklists import make_checklists
from demo.hazards import Hazard, make_hazards
from demo.logs import make_logs, weekend_workdays
from demo.retrofits import make_retrofits
from demo.training import make_drills, make_training
from demo.world import DistrictPlan, Enterprise, World


@dataclass
class Records:
    training: list[dict] = field(default_factory=list)
    drills: list[dict] = field(default_factory=list)
    hazards: list[tuple[Enterprise, Hazard]] = field(default_factory=list)
    logs: list[dict] = field(default_factory=list)
    checklists: list[dict] = field(default_factory=list)
    retrofits: list[dict] = field(default_factory=list)


def make_records(rng: random.Random, world: World, plan: DistrictPlan, days: list[date]) -> Records:
    """`rng` is the main stream; what the stationings change and the 直通车 and 智能化改造 records come from
    streams of their own (`World.stream`)."""
    span = world.span
    records = Records()
    logs, retrofits = world.stream("logs", plan.name), world.stream("retrofits", plan.name)
    extra_workdays = weekend_workdays(span)
    for enterprise in plan.enterprises:
        records.training += make_training(rng, enterprise, span)
        records.drills += make_drills(rng, enterprise, span)
        records.logs += make_logs(rng, logs, enterprise, span, days, extra_workdays)
        records.checklists += make_checklists(rng, enterprise, span)
        records.retrofits += make_retrofits(retrofits, enterprise, span)
    records.hazards = make_hazards(rng, world.stream("hazards", plan.name), plan, span)
    return records
