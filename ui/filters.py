"""The global sidebar filters (quarter, as-of date, districts), kept in the URL.

The widgets are bound to the query string (`?q=2026Q3&asof=2026-09-15&d=文登区&d=高区`),
so a copied link reproduces the view. Streamlit validates bound values against
the widget's options: an unknown quarter or district in a link is ignored.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import streamlit as st

from core.config import districts as configured_districts
from core.quarters import Quarter, latest_complete_quarter, parse_quarter

QUARTER_KEY = "q"
AS_OF_KEY = "asof"
DISTRICTS_KEY = "d"
_STATE_KEY = "_filters"
CITY = "全市"


@dataclass(frozen=True)
class Filters:
    quarter: Quarter
    as_of_input: date | None  # None: the quarter's last day
    districts: tuple[str, ...]  # chosen districts; empty = all
    locked: bool = False  # a district user: the districts are their own, not a choice

    @property
    def as_of(self) -> date:
        return self.as_of_input or self.quarter.end

    @property
    def district_list(self) -> list[str] | None:
        """What the metrics functions take: None for every district."""
        return list(self.districts) or None

    @property
    def shown_districts(self) -> list[str]:
        return list(self.districts) or list(configured_districts().names)

    @property
    def groups(self) -> list[str]:
        """What figures can be shown for: 全市 and each shown district (a district user: their districts only)."""
        return ([] if self.locked else [CITY]) + self.shown_districts

    @property
    def comparison_districts(self) -> list[str] | None:
        """Districts for rate comparisons: a district user still sees every district's rates."""
        return None if self.locked else self.district_list

    @property
    def scope_label(self) -> str:
        return "、".join(self.districts) if self.districts else "全部区市"

    @property
    def as_of_label(self) -> str:
        day = self.as_of
        suffix = "（季度末）" if self.as_of_input is None else ""
        return f"{day.year}年{day.month}月{day.day}日{suffix}"


def default_quarter(quarters: list[Quarter]) -> Quarter:
    """The latest complete quarter that has data; else the newest quarter with data."""
    if not quarters:
        return latest_complete_quarter()
    complete = [q for q in quarters if q <= latest_complete_quarter()]
    return (complete or quarters)[-1]


def sidebar_filters(quarters: list[Quarter], own_districts: list[str] | None = None) -> Filters:
    """Draw the filters in the sidebar and remember them for the pages.

    `own_districts` is set for a district user: their districts replace the district choice.
    """
    options = sorted(set(quarters) | {default_quarter(quarters)}, reverse=True)
    labels = [q.label for q in options]
    default_label = default_quarter(quarters).label
    with st.sidebar:
        st.markdown("#### 筛选条件")
        label = st.selectbox(
            "季度", labels, index=labels.index(default_label), key=QUARTER_KEY, bind="query-params",
            help="各项指标按所选季度统计。",
        )
        quarter = parse_quarter(label or default_label)
        as_of = st.date_input(
            "截至日期", value=None, key=AS_OF_KEY, bind="query-params", format="YYYY-MM-DD",
            min_value=date(2000, 1, 1), max_value=date(2100, 12, 31),
            help="留空则以所选季度的最后一天为截至日期；超期、到期等按此日期判断。",
        )
        as_of = as_of if isinstance(as_of, date) else None
        if as_of is not None and as_of < quarter.start:
            st.warning(f"截至日期 {as_of:%Y-%m-%d} 早于{quarter.cn}的第一天，已改按季度末 {quarter.end:%Y-%m-%d} 统计。",
                       icon=":material/event_busy:")
            as_of = None
        if own_districts:
            chosen = list(own_districts)
            st.caption(f"区市：{'、'.join(chosen)}（本账号只能查看本区市的明细）")
        else:
            chosen = st.multiselect(
                "区市", list(configured_districts().names), default=[], key=DISTRICTS_KEY, bind="query-params",
                placeholder="全部区市", help="不选即为全部区市。",
            )
    filters = Filters(quarter, as_of, tuple(chosen), locked=bool(own_districts))
    st.session_state[_STATE_KEY] = filters
    return filters


def _run_through_entrypoint() -> None:
    """Make sure dashboard.py (filters, navigation) runs before the page.

    Streamlit treats an app with a `pages/` folder as an old-style multipage app
    until the entry point has called `st.navigation` once in this process; until
    then a deep link such as /hazards runs the page file alone, without the
    sidebar. Switching to `st.navigation` mode and rerunning fixes that for good.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def current() -> Filters:
    """The filters chosen in the sidebar on this run (drawn by dashboard.py before the page)."""
    _run_through_entrypoint()
    filters = st.session_state.get(_STATE_KEY)
    if filters is None:
        filters = Filters(latest_complete_quarter(), None, ())
    return filters
