"""Which districts a computation covers, and what a user's 'group' names."""
from __future__ import annotations

from collections.abc import Iterable

from core.config import districts as configured_districts

CITY = "全市"
# The pooled figure of some, not all, districts: never called 全市.
SELECTION = "所选区市合计"


class UnknownDistrict(ValueError):
    """A district name that is neither a configured name nor an alias."""


class UnknownGroup(ValueError):
    """A group that is neither 全市, a district nor a credit code of an enterprise in scope."""


def canonical_district(name: str) -> str:
    canonical = configured_districts().canonical(name)
    if canonical is None:
        known = "、".join(configured_districts().names)
        raise UnknownDistrict(f"未知的区市：{name}（可选：{known}，或其常用简称）")
    return canonical


def resolve_districts(names: Iterable[str] | None) -> list[str]:
    """Canonical district names in configured order; None or empty means every district."""
    all_names = list(configured_districts().names)
    if not names:
        return all_names
    chosen = {canonical_district(name) for name in names}
    return [name for name in all_names if name in chosen]


def aggregate_label(districts: Iterable[str] | None) -> str:
    """What the pooled row of `districts` is called: 全市 when every configured district is in, else 所选区市合计."""
    chosen = set(resolve_districts(districts))
    return CITY if chosen == set(configured_districts().names) else SELECTION
