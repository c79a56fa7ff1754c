"""Quarterly checklists of one enterprise: responsibilities, organisation, safety director, rules and rewards.

A few enterprises send none for a quarter (more often the lower their quality, and in the last quarter).
"""
from __future__ import annotations

import random

from demo.span import DemoSpan, chance, poisson
from demo.world import Enterprise


def director_answer(rng: random.Random, enterprise: Enterprise, has_director: bool) -> bool | str:
    """安全总监配备: 是 / 否, or 不适用 where the enterprise is too small to need one."""
    answer = has_director and chance(rng, 0.99)
    return "不适用" if not has_director and not enterprise.director_required else answer


def make_checklists(rng: random.Random, enterprise: Enterprise, span: DemoSpan) -> list[dict]:
    rows = []
    for quarter in span.quarters:
        if quarter.start > enterprise.active_until:
            continue
        late = 0.03 if quarter == span.quarters[-1] else 0.0
        if chance(rng, (1 - enterprise.quality) * 0.25 + late):
            continue
        shortfall = (1 - enterprise.quality) * 0.5
        has_director = any(p.category == "安全总监" and p.on_duty(quarter.end) for p in enterprise.staff)
        required = enterprise.rules_required
        built = required if chance(rng, 1 - (1 - enterprise.quality) * 1.2) else required - rng.randint(1, 3)
        due = poisson(rng, 1.2)
        paid = due if due == 0 or chance(rng, 0.9) else due - 1
        rows.append({"enterprise": enterprise, "quarter": quarter,
                     "responsibility": not chance(rng, shortfall), "org_sound": not chance(rng, shortfall),
                     "director": director_answer(rng, enterprise, has_director),
                     "rules_required": required, "rules_built": built, "rewards_due": due, "rewards_paid": paid})
    return rows
