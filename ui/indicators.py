"""Indicator figures as the pages show them: cards, the indicator × district matrix and the drill-down."""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from core.presentation import rate_with_n
from core.settings import setting
from metrics import api
from metrics.changes import with_change
from metrics.indicators import BY_CODE, INDICATORS
from metrics.scope import CITY, SELECTION
from ui import data, layout, meetings
from ui.filters import BENCHMARK, INPUT_NAMES, Filters
from ui.style import LEVEL_BADGE_COLORS, NO_DATA, NOT_SCORED, fmt_change, fmt_count, fmt_rate, style_levels



def report(filters: Filters, by: str, indicators: list[str] | None = None) -> pd.DataFrame:
    """metrics.api.report for the chosen quarter, as-of date and districts."""
    return data.query(api.report, filters.quarter, by=by, as_of=filters.as_of, districts=filters.district_list,
                      indicators=indicators)


def figures(filters: Filters, by: tuple[str, ...] = ("city", "district"), indicators: list[str] | None = None,
            districts: list[str] | None | str = "chosen") -> pd.DataFrame:
    """The quarter's figures (as of the chosen date) with `change` against last quarter's (as of its end).

    `districts` defaults to the sidebar's choice. With the default as-of date this is one
    `metrics.api.trend` query for both quarters. Figures of a quarter lacking the input they come from are
    marked 不评定, and a change against such a quarter is left out (`unscored`).
    A quarter whose meeting froze its figures shows them as reported, with `restatement` beside; a change on a
    quarter whose meeting froze them compares with those (`ui.meetings`, docs/meetings.md).
    """
    districts = filters.district_list if districts == "chosen" else districts
    reported = meetings.reported_figures(filters, by, indicators, districts)
    if reported is not None:
        return unscored(reported, filters)
    if filters.as_of_input is None:
        frame = data.query(api.trend, [filters.quarter], by=list(by), districts=districts, indicators=indicators)
    else:
        current = data.query(api.report, filters.quarter, by=list(by), as_of=filters.as_of, districts=districts,
                             indicators=indicators)
        previous = data.query(api.report, filters.quarter.previous(), by=list(by), districts=districts,
                              indicators=indicators)
        frame = with_change(current, previous)
    return unscored(meetings.with_previous_reported(frame, filters, districts), filters)


def _unscored_pairs(filters: Filters, quarters: list[str]) -> pd.DataFrame:
    """(quarter, indicator) pairs not scored: the quarter has no data, or lacks an input feeding the indicator."""
    inputs = filters.inputs
    pairs = [(q, i.code) for q in quarters for i in INDICATORS if inputs is not None and inputs.unscored(q, i.code)]
    return pd.DataFrame(pairs, columns=["quarter", "indicator"], dtype=object)


def _flag(frame: pd.DataFrame, quarters: pd.Series, pairs: pd.DataFrame) -> np.ndarray:
    keys = pd.MultiIndex.from_frame(pd.DataFrame({"quarter": quarters.to_numpy(), "indicator": frame["indicator"]}))
    return keys.isin(pd.MultiIndex.from_frame(pairs)) if len(pairs) else np.zeros(len(frame), dtype=bool)


def lacking_note(filters: Filters, quarter=None) -> str:
    """未收到本季度的驻点工作日志 … (the inputs the quarter lacks)."""
    lacks = filters.inputs.lacks(quarter or filters.quarter) if filters.inputs is not None else ()
    return f"未收到本季度的{'、'.join(INPUT_NAMES[k] for k in lacks)}，不评定" if lacks else ""


def unscored(frame: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """`frame` (figures of the chosen quarter) with 不评定 where its input is missing and no change against a
    previous quarter that is not scored."""
    if filters.inputs is None or frame.empty:
        return frame
    quarter, previous = filters.quarter.label, filters.quarter.previous().label
    now = _flag(frame, pd.Series(quarter, index=frame.index), _unscored_pairs(filters, [quarter]))
    before = _flag(frame, pd.Series(previous, index=frame.index), _unscored_pairs(filters, [previous]))
    marked = frame.copy()
    marked["level"] = marked["level"].where(~now, NOT_SCORED)
    marked["note"] = marked["note"].where(~now, lacking_note(filters))
    if "change" in marked:
        marked["change"] = marked["change"].where(~(now | before))
    return marked


def drawable_trend(history: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """A trend without the points of quarters that are not scored for that indicator (no data, or an input
    missing): such a quarter is a gap in the line, not a 0% or a 100%."""
    if filters.inputs is None or history.empty:
        return history
    hidden = _flag(history, history["quarter"], _unscored_pairs(filters, sorted(set(history["quarter"]))))
    return history.assign(rate=history["rate"].where(~hidden), denominator=history["denominator"].where(~hidden))


def grain(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    return frame[frame["grain"] == name].reset_index(drop=True)


def periods(filters: Filters) -> dict[str, str]:
    """What each indicator's figure covers, as its card says it."""
    window = f"截至{filters.as_of_short}前{setting('indicators.window_months')}个月"
    on_duty = f"截至{filters.as_of_short}在岗人员"
    checklists = "本季度检查表"
    return {"certification": on_duty, "training": f"{on_duty}·{window}", "rectification": "本季度到期的隐患",
            "drill_participation": window, "responsibility": checklists, "organization": checklists,
            "rules": checklists, "reward_payout": checklists, "special_ops_onsite": "本季度日志",
            "log_fill": "本季度应填报日", "major_hazard_reported": "本季度发现的重大隐患"}


def card(row: pd.Series, period: str, benchmark: pd.Series | None = None, own: str | None = None) -> None:
    """One indicator: rate, numerator/denominator, what it covers, change vs last quarter, target, finding level;
    the real 全市 rate beside it when the card is for a district or a selection."""
    item = BY_CODE[row["indicator"]]
    change = fmt_change(row["change"])
    with st.container(border=True):
        st.metric(item.name, fmt_rate(row["rate"]), delta=change, delta_arrow="off" if change == "持平" else "auto",
                  delta_description="较上季度" if change else None,
                  help=f"{item.definition}\n\n分子：{item.numerator}；分母：{item.denominator}。\n\n{item.basis}")
        level = row["level"]
        st.badge(level, color=LEVEL_BADGE_COLORS.get(level, "gray"))
        st.caption(f"{own + '　·　' if own else ''}{period}：{item.numerator} {fmt_count(row['numerator'])} / "
                   f"{item.denominator} {fmt_count(row['denominator'])} {item.unit}　·　目标 {item.target * 100:.0f}%")
        if benchmark is not None:
            st.caption(f"对照：{CITY} {fmt_rate(benchmark['rate'])}（{fmt_count(benchmark['numerator'])} / "
                       f"{fmt_count(benchmark['denominator'])}）")
        if row.get("note"):
            st.caption(row["note"])
        if row.get("restatement"):
            st.caption(row["restatement"])


def cards(frame: pd.DataFrame, items, filters: Filters, per_row: int = 4) -> None:
    """A card per indicator of `items` from the city-grain rows of `frame` (the view's total)."""
    by_code = frame.set_index("indicator", drop=False)
    benchmark = None
    if filters.benchmark:
        benchmark = grain(figures(filters, by=("city",), indicators=[i.code for i in items], districts=None),
                          "city").set_index("indicator", drop=False)
    own = "、".join(filters.districts) if filters.benchmark and len(filters.districts) == 1 else \
        (SELECTION if filters.benchmark else None)
    spans = periods(filters)
    for start in range(0, len(items), per_row):
        for column, item in zip(st.columns(per_row), items[start:start + per_row]):
            with column:
                card(by_code.loc[item.code], spans[item.code],
                     None if benchmark is None else benchmark.loc[item.code], own)


def rates_with_n(frame: pd.DataFrame) -> list[str]:
    """Each row's rate as a table cell shows it (`rate_with_n`: with its numerator and denominator when small)."""
    return [rate_with_n(r, n, d) for r, n, d in zip(frame["rate"], frame["numerator"], frame["denominator"])]


def trend_values(history: pd.DataFrame, quarters: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The values of a trend chart's lines (`history`: a row per series and quarter), a row per line in the chart's
    order and a column per quarter: as shown (`rates_with_n`, NO_DATA where there is none) and as exported (the
    rates as numbers)."""
    order = list(dict.fromkeys(history["series"]))
    shown = history.assign(shown=rates_with_n(history)).pivot(index="series", columns="quarter", values="shown") \
        .reindex(index=order, columns=quarters).astype(object).fillna(NO_DATA)
    exported = history.pivot(index="series", columns="quarter", values="rate").astype(float).round(4) \
        .reindex(index=order, columns=quarters)
    return (shown.rename_axis(index="区市", columns=None).reset_index(),
            exported.rename_axis(index="区市", columns=None).reset_index())


def matrix(frame: pd.DataFrame, groups: list[str], benchmark: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per indicator; a column per group (the total, districts) with the rate text (with its n when the
    denominator is small, `rate_with_n`), plus hidden level columns; with `benchmark` (the real 全市 rows) a last
    column 全市（基准）."""
    order = [i.code for i in INDICATORS]
    shown = pd.concat([frame, benchmark.assign(group=BENCHMARK)]) if benchmark is not None else frame
    shown = shown.assign(shown=rates_with_n(shown))
    columns = groups + ([BENCHMARK] if benchmark is not None else [])
    rates = shown.pivot(index="indicator", columns="group", values="shown").reindex(index=order, columns=columns)
    levels = shown.pivot(index="indicator", columns="group", values="level").reindex(index=order, columns=columns)
    table = rates.fillna(NO_DATA)
    for group in columns:
        table[f"{group}等级"] = levels[group].fillna(NO_DATA)
    table.insert(0, "指标", [BY_CODE[code].name for code in order])
    return table.reset_index(drop=True)


def matrix_numbers(frame: pd.DataFrame, groups: list[str], benchmark: pd.DataFrame | None = None) -> pd.DataFrame:
    """The matrix as numbers for export: each rate a decimal (0.9444), empty when there is no data."""
    order = [i.code for i in INDICATORS]
    rows = frame if benchmark is None else pd.concat([frame, benchmark.assign(group=BENCHMARK)])
    columns = groups + ([BENCHMARK] if benchmark is not None else [])
    rates = rows.pivot(index="indicator", columns="group", values="rate").reindex(index=order, columns=columns)
    table = rates.astype(float).round(4)
    table.insert(0, "指标", [BY_CODE[code].name for code in order])
    return table.reset_index(drop=True)


def matrix_view(table: pd.DataFrame, groups: list[str], key: str, on_select):
    shown = [g for g in table.columns if g != "指标" and not g.endswith("等级")]
    styled = style_levels(table, {group: f"{group}等级" for group in shown})
    # each column as wide as its text (a rate with its n, 75.0%（3/4）, is wider): the whole matrix fits the page
    config = {"指标": st.column_config.TextColumn("指标", pinned=True, width=175)}
    config.update({group: st.column_config.TextColumn(group) for group in shown})
    return st.dataframe(styled, hide_index=True, key=key, on_select=on_select, selection_mode="single-cell",
                        column_config=config, row_height=34, height=34 * (len(table) + 1) + 3)


def shortfall_section(filters: Filters, code: str, group: str, *, key: str) -> None:
    """The records behind one indicator for the view's total (全市 or 所选区市合计), a district or an enterprise."""
    item = BY_CODE[code]
    scope = None if group in (CITY, SELECTION) else group
    figures = report(filters, "district" if scope else "city", indicators=[code])
    row = figures[figures["group"] == (scope or filters.total_label)]
    if not row.empty:
        row = unscored(row, filters).iloc[0]
        st.markdown(
            f"**{item.name}**（{group}，{filters.quarter.cn}）：{fmt_rate(row['rate'])}，"
            f"{item.numerator} {fmt_count(row['numerator'])} / {item.denominator} {fmt_count(row['denominator'])} "
            f"{item.unit}，评定 **{row['level']}**。" + (f"（{row['note']}）" if row.get("note") else "")
        )
    records = data.query(api.shortfall, filters.quarter, code, group=scope, as_of=filters.as_of,
                         districts=filters.district_list)
    if not row.empty and row["denominator"] == 0:
        layout.no_data(f"{group}{filters.quarter.cn}没有{item.denominator}的记录，{item.name}为无数据。")
        return
    layout.table(records, f"{item.shortfall_title}", group, filters.quarter.label, key=key,
                 empty=f"{group}的{item.name}已全部达标，没有未达标记录。")
