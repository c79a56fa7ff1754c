"""The eight quarters a demo set covers, and the random draws every part of the world uses."""
from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from itertools import accumulate

# The calendar helpers are plain date arithmetic, shared with the indicators.
from core.dates import shift_months
from core.quarters import Quarter, latest_complete_quarter, parse_quarter

QUARTERS_OF_HISTORY = 8


@dataclass(frozen=True)
class DemoSpan:
    """The quarters of history a demo set is invented for, oldest first."""
    quarters: tuple[Quarter, ...]

    @property
    def start(self) -> date:
        return self.quarters[0].start

    @property
    def end(self) -> date:
        return self.quarters[-1].end

    @property
    def lookback_start(self) -> date:
        """Training and drills reach 12 months before the first quarter's end."""
        return shift_months(self.quarters[0].end, -12) + timedelta(days=1)

    @property
    def label(self) -> str:
        return f"{self.quarters[0].label}-{self.quarters[-1].label}"


def make_span(end_quarter: str | None) -> DemoSpan:
    last = parse_quarter(end_quarter) if end_quarter else latest_complete_quarter(date.today())
    quarters = [last]
    while len(quarters) < QUARTERS_OF_HISTORY:
        quarters.insert(0, quarters[0].previous())
    return DemoSpan(tuple(quarters))


def next_weekday(day: date) -> date:
    return day + timedelta(days=(7 - day.weekday()) % 7 if day.weekday() >= 5 else 0)


def workdays(span: DemoSpan) -> list[date]:
    days = [span.start + timedelta(days=i) for i in range((span.end - span.start).days + 1)]
    return [d for d in days if d.weekday() < 5]


def chance(rng: random.Random, p: float) -> bool:
    return rng.random() < p


def poisson(rng: random.Random, mean: float) -> int:
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def weighted(rng: random.Random, pairs) -> str:
    if type(pairs) is tuple:  # a fixed table: its running totals are summed once (the draw is the same)
        values, totals = _running_totals(pairs)
        return rng.choices(values, cum_weights=totals)[0]
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


@lru_cache(maxsize=256)
def _running_totals(pairs: tuple) -> tuple[tuple, list]:
    values, weights = zip(*pairs, strict=True)
    return values, list(accumulate(weights))


def random_day(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randrange((last - first).days + 1))


def random_workday(rng: random.Random, first: date, last: date) -> date:
    for _ in range(20):
        day = random_day(rng, first, last)
        if day.weekday() < 5:
            return day
    return first
