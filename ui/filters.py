"""The global sidebar filters (quarter, as-of date, districts), kept in the URL.

The widgets are bound to the query string (`?q=2026Q3&asof=2026-09-15&d=文登区&d=高区`),
so a copied link reproduces the view. Streamlit validates bound values against
the widget's options: an unknown quarter, date or district in a link is ignored
(and dropped from the address); the sidebar says which, and what is shown instead.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd
import streamlit as st

from core.config import districts as configured_districts
from core.quarters import Quarter, latest_complete_quarter, parse_quarter
from metrics.overview import QUARTERLY_INPUTS
from metrics.scope import CITY, SELECTION, aggregate_label
from ui.text import plain

QUARTER_KEY = "q"
AS_OF_KEY = "asof"
DISTRICTS_KEY = "d"
_STATE_KEY = "_filters"
BENCHMARK = f"{CITY}（基准）"
INCOMPLETE_MARK = "（数据不完整）"
INPUT_NAMES = {key: name for key, name, _ in QUARTERLY_INPUTS}
ADDRESS_VALUE_SHOWN = 30  # characters of a value from the address quoted back to the user
AS_OF_RANGE = (date(2000, 1, 1), date(2100, 12, 31))  # the dates the as-of date may take
_FEEDS = {key: set(codes) for key, _, codes in QUARTERLY_INPUTS}


@dataclass(frozen=True)
class QuarterInputs:
    """Which quarters have data, and which quarterly inputs each one lacks (`metrics.overview.quarter_inputs`)."""
    missing: dict[str, tuple[str, ...]] = field(default_factory=dict)  # offered quarter label -> input keys it lacks

    @classmethod
    def from_counts(cls, counts: pd.DataFrame) -> QuarterInputs:
        keys = [key for key, _, _ in QUARTERLY_INPUTS]
        return cls({row["quarter"]: tuple(k for k in keys if not row[k]) for row in counts.to_dict("records")})

    @property
    def offered(self) -> list[Quarter]:
        return sorted(parse_quarter(label) for label in self.missing)

    def lacks(self, quarter: Quarter | str) -> tuple[str, ...]:
        """The inputs a quarter lacks: all of them when it has none (it is not offered)."""
        label = quarter if isinstance(quarter, str) else quarter.label
        return self.missing.get(label, tuple(INPUT_NAMES))

    def is_complete(self, quarter: Quarter | str) -> bool:
        return not self.lacks(quarter)

    def unscored(self, quarter: Quarter | str, code: str) -> bool:
        """An indicator is not scored in a quarter without data, or one lacking an input that feeds it."""
        label = quarter if isinstance(quarter, str) else quarter.label
        if label not in self.missing:
            return True
        return any(code in _FEEDS[key] for key in self.missing[label])


@dataclass(frozen=True)
class Filters:
    quarter: Quarter
    as_of_input: date | None  # None: the quarter's last day
    districts: tuple[str, ...]  # chosen districts; empty = all
    locked: bool = False  # a district user: the districts are their own, not a choice
    inputs: QuarterInputs | None = None  # None: every quarter counts as complete (no data read yet)

    @property
    def lacking(self) -> tuple[str, ...]:
        """The quarterly inputs the chosen quarter lacks (empty: complete)."""
        return self.inputs.lacks(self.quarter) if self.inputs is not None else ()

    @property
    def total_label(self) -> str:
        """What the pooled figure of the view is called: 全市 only when every district is in, else 所选区市合计."""
        return aggregate_label(self.districts) if self.districts else CITY

    @property
    def benchmark(self) -> bool:
        """Whether the real 全市 figure is shown beside the view's own (a selection, or a district user)."""
        return self.total_label != CITY

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
        """What figures and records can be shown for: the total (全市 or 所选区市合计) and each shown district;
        a district user: their districts only (the 全市 benchmark is a rate beside them, never records)."""
        if self.locked or len(self.districts) == 1:  # one district: its total is itself
            return self.shown_districts
        return [self.total_label, *self.shown_districts]

    @property
    def comparison_districts(self) -> list[str] | None:
        """Districts for rate comparisons: a district user still sees every district's rates."""
        return None if self.locked else self.district_list

    @property
    def scope_label(self) -> str:
        return "、".join(self.districts) if self.districts else "全部区市"

    @property
    def as_of_short(self) -> str:
        """9月30日 (with the year when it is not the quarter's)."""
        day = self.as_of
        return f"{'' if day.year == self.quarter.year else f'{day.year}年'}{day.month}月{day.day}日"

    @property
    def cumulative(self) -> str:
        """The period of a count over every quarter up to the as-of date."""
        return f"截至{self.as_of_short}累计"

    @property
    def as_of_label(self) -> str:
        day = self.as_of
        suffix = "（季度末）" if self.as_of_input is None else ""
        return f"{day.year}年{day.month}月{day.day}日{suffix}"


def default_quarter(quarters: list[Quarter], inputs: QuarterInputs | None = None) -> Quarter:
    """The latest ended quarter with complete data; else the latest ended quarter with data; else the newest."""
    if not quarters:
        return latest_complete_quarter()
    ended = [q for q in quarters if q <= latest_complete_quarter()]
    complete = [q for q in ended if inputs is None or inputs.is_complete(q)]
    return (complete or ended or quarters)[-1]


def _quoted(value: str) -> str:
    shown = value if len(value) <= ADDRESS_VALUE_SHOWN else value[:ADDRESS_VALUE_SHOWN] + "…"
    return f"“{plain(shown)}”"


def _address_values() -> dict[str, list[str]]:
    """The filters' values in the address as this run received them (the widgets then drop those they refuse)."""
    return {key: st.query_params.get_all(key) for key in (QUARTER_KEY, AS_OF_KEY, DISTRICTS_KEY)}


def _ignored_in_address(asked: dict[str, list[str]], filters: Filters, offered: list[str],
                        own_districts: list[str] | None) -> list[str]:
    """What the sidebar says of the values in the address it could not use, and what it shows instead."""
    said = []
    quarter = asked[QUARTER_KEY][-1] if asked[QUARTER_KEY] else None
    if quarter is not None and quarter not in offered:
        said.append(f"网址中的季度{_quoted(quarter)}无法识别或没有数据，已显示{filters.quarter.label}。")
    as_of = asked[AS_OF_KEY][-1] if asked[AS_OF_KEY] else None
    if as_of is not None and filters.as_of_input is None:
        day = _date_or_none(as_of)
        if day is None:
            said.append(f"网址中的截至日期{_quoted(as_of)}无法识别（应为 年-月-日，如 2026-09-30），已按季度末统计。")
        elif not AS_OF_RANGE[0] <= day <= AS_OF_RANGE[1]:
            said.append(f"网址中的截至日期 {day:%Y-%m-%d} 不在可选范围（{AS_OF_RANGE[0]:%Y-%m-%d} 至 "
                        f"{AS_OF_RANGE[1]:%Y-%m-%d}）内，已按季度末统计。")
    if not own_districts:
        known = set(configured_districts().names)
        unknown = [name for name in asked[DISTRICTS_KEY] if name not in known]
        if unknown:
            said.append(f"网址中的区市{'、'.join(map(_quoted, unknown))}不是本市的区市，已忽略。")
    return said


def _date_or_none(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def sidebar_filters(inputs: QuarterInputs, own_districts: list[str] | None = None) -> Filters:
    """Draw the filters in the sidebar and remember them for the pages.

    Only quarters that have data are offered; one lacking a quarterly input is marked （数据不完整）.
    `own_districts` is set for a district user: their districts replace the district choice.
    A value in the address the filters cannot use is named in the sidebar, with what is shown instead.
    """
    asked = _address_values()
    quarters = inputs.offered
    default = default_quarter(quarters, inputs)
    labels = [q.label for q in sorted(set(quarters) | {default}, reverse=True)]
    # the options stay plain quarter labels: they are the link's ?q= value, which must not change with the data
    incomplete = [q for q in labels if not inputs.is_complete(q)]
    with st.sidebar:
        st.markdown("#### 筛选条件")
        label = st.selectbox(
            "季度", labels, index=labels.index(default.label), key=QUARTER_KEY, bind="query-params",
            help="只列出已有数据的季度。" + (f"数据不完整（缺少某类季度报送，相关指标只列数字、不评定）的季度："
                                          f"{'、'.join(incomplete)}。" if incomplete else ""),
        )
        quarter = parse_quarter(label or default.label)
        if not inputs.is_complete(quarter):
            st.caption(f"{quarter.label}{INCOMPLETE_MARK}：未收到"
                       f"{'、'.join(INPUT_NAMES[k] for k in inputs.lacks(quarter))}")
        as_of = st.date_input(
            "截至日期", value=None, key=AS_OF_KEY, bind="query-params", format="YYYY-MM-DD",
            min_value=AS_OF_RANGE[0], max_value=AS_OF_RANGE[1],
            help="留空则以所选季度的最后一天为截至日期；超期、到期等按此日期判断。",
        )
        as_of = as_of if isinstance(as_of, date) else None
        if as_of is not None and as_of < quarter.start:
            st.warning(f"截至日期 {as_of:%Y-%m-%d} 早于{quarter.cn}的第一天，已改按季度末 {quarter.end:%Y-%m-%d} 统计。",
                       icon=":material/event_busy:")
            as_of = None
        if as_of is None:
            st.caption(f"留空：按季度末 {quarter.end:%Y-%m-%d} 统计")
        if own_districts:
            chosen = list(own_districts)
            st.caption(f"区市：{'、'.join(chosen)}（本账号只能查看本区市的明细；{CITY}数字只作对照）")
        else:
            chosen = st.multiselect(
                "区市", list(configured_districts().names), default=[], key=DISTRICTS_KEY, bind="query-params",
                placeholder="全部区市", help=f"不选即为全部区市（{CITY}）；选了部分区市时，合计称“{SELECTION}”。",
            )
    filters = Filters(quarter, as_of, tuple(chosen), locked=bool(own_districts), inputs=inputs)
    for said in _ignored_in_address(asked, filters, labels, own_districts):
        st.sidebar.warning(said, icon=":material/link_off:")
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
