"""Row-level scoping: what a user limited to some districts may read.

Every read the dashboard makes goes through `scoped_call`, with the scope of the
signed-in user. A district user gets:
- record-bearing functions (anything taking `districts`) clamped to their own
  districts, whatever districts the caller asked for;
- the city-wide comparison: `report`/`trend` at city or district level show every
  district's rates and the real 全市 figure as their benchmark (pooled numerators and denominators,
  never records); at enterprise level they are clamped;
- an enterprise's profile (its hazards' version trails, its handover sheet's records) only for enterprises
  of their districts;
- data-quality views (loaded files, quarantined rows, refused files) only for what can be told to
  belong to their districts: a file only when it has rows of their districts, with its counts for
  those rows alone; quarantined rows of unknown district and refused files naming no district of
  theirs never;
- functions that carry no records (quarters, data dates);
and nothing else: any other function is refused, so a new query cannot leak by
being forgotten here.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Callable

from metrics import api, enterprise, overview, quality, stationing
from core import quarters
from metrics.scope import resolve_districts


class OutOfScope(PermissionError):
    """The user asked for something outside their districts."""


@dataclass(frozen=True)
class Scope:
    districts: tuple[str, ...] | None = None  # None: every district

    @property
    def is_limited(self) -> bool:
        return self.districts is not None

    def clamp(self, requested: list[str] | None) -> list[str] | None:
        """The requested districts within the scope; the whole scope when none of them is in it."""
        if self.districts is None:
            return requested
        chosen = [d for d in resolve_districts(requested) if d in self.districts] if requested else []
        return chosen or list(self.districts)


EVERYONE = Scope(None)

RECORD_FREE: set[Callable] = {
    overview.is_demo, overview.has_any_data, overview.meta_value, overview.quarter_inputs, quarters.available_quarters,
    api.data_as_of,
}
RATE_FUNCTIONS: set[Callable] = {api.report, api.trend}
ENTERPRISE_KEYED: set[Callable] = {
    enterprise.enterprise_info, enterprise.enterprise_staff, enterprise.enterprise_training,
    enterprise.enterprise_drills, enterprise.enterprise_hazards, enterprise.enterprise_logs,
    enterprise.enterprise_checklists, enterprise.hazard_versions, stationing.handover_records,
}
# Quarantined rows whose district cannot be told may be another district's: a limited scope leaves them out.
KNOWN_DISTRICT_ONLY: set[Callable] = {quality.quarantine_rows, quality.quarantine_summary, quality.quarantine_counts}


def _enterprise_district(con, credit_code: str) -> str | None:
    rows = con.execute("SELECT district FROM enterprises_current WHERE credit_code = ?", [credit_code]).fetchall()
    return rows[0][0] if rows else None


def _grains(by) -> set[str]:
    return {by} if isinstance(by, str) else set(by)


def scoped_call(func: Callable, con, scope: Scope, *args, **kwargs):
    """`func(con, *args, **kwargs)` as the scope allows."""
    if not scope.is_limited or func in RECORD_FREE:
        return func(con, *args, **kwargs)
    if func in RATE_FUNCTIONS and _grains(kwargs.get("by", "city")) <= {"city", "district"}:
        return func(con, *args, **kwargs)
    if func in ENTERPRISE_KEYED:
        if _enterprise_district(con, args[0] if args else kwargs.get("credit_code")) not in scope.districts:
            raise OutOfScope("无权查看其他区市的企业。")
        return func(con, *args, **kwargs)
    if func in KNOWN_DISTRICT_ONLY:
        return func(con, *args, **{**kwargs, "districts": scope.clamp(kwargs.get("districts")), "known_only": True})
    if "districts" in inspect.signature(func).parameters:
        return func(con, *args, **{**kwargs, "districts": scope.clamp(kwargs.get("districts"))})
    raise OutOfScope(f"区市用户不能读取“{func.__name__}”。")
