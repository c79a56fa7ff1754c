"""Indicator figures as the pages show them: cards, the indicator × district matrix and the drill-down."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from metrics import api
from metrics.changes import with_change
from metrics.indicators import BY_CODE, INDICATORS
from ui import data, layout
from ui.filters import CITY, Filters
from ui.style import LEVEL_BADGE_COLORS, NO_DATA, fmt_change, fmt_count, fmt_rate, style_levels



def report(filters: Filters, by: str, indicators: list[str] | None = None) -> pd.DataFrame:
    """metrics.api.report for the chosen quarter, as-of date and districts."""
    return data.query(api.report, filters.quarter, by=by, as_of=filters.as_of, districts=filters.district_list,
                      indicators=indicators)


def figures(filters: Filters, by: tuple[str, ...] = ("city", "district"), indicators: list[str] | None = None,
            districts: list[str] | None | str = "chosen") -> pd.DataFrame:
    """The quarter's figures (as of the chosen date) with `change` against last quarter's (as of its end).

    `districts` defaults to the sidebar's choice. With the default as-of date this is one
    `metrics.api.trend` query for both quarters.
    """
    districts = filters.district_list if districts == "chosen" else districts
    if filters.as_of_input is None:
        return data.query(api.trend, [filters.quarter], by=list(by), districts=districts, indicators=indicators)
    current = data.query(api.report, filters.quarter, by=list(by), as_of=filters.as_of, districts=districts,
                         indicators=indicators)
    previous = data.query(api.report, filters.quarter.previous(), by=list(by), districts=districts,
                          indicators=indicators)
    return with_change(current, previous)


def grain(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    return frame[frame["grain"] == name].reset_index(drop=True)


def card(row: pd.Series) -> None:
    """One indicator: rate, numerator/denominator, change vs last quarter, target, finding level."""
    item = BY_CODE[row["indicator"]]
    with st.container(border=True):
        st.metric(item.name, fmt_rate(row["rate"]), delta=fmt_change(row["change"]),
                  delta_arrow="off" if fmt_change(row["change"]) == "持平" else "auto",
                  help=f"{item.definition}\n\n分子：{item.numerator}；分母：{item.denominator}。")
        level = row["level"]
        st.badge(level, color=LEVEL_BADGE_COLORS.get(level, "gray"))
        st.caption(f"{item.numerator} {fmt_count(row['numerator'])} / {item.denominator} "
                   f"{fmt_count(row['denominator'])} {item.unit}　·　目标 {item.target * 100:.0f}%")


def cards(frame: pd.DataFrame, items, per_row: int = 4) -> None:
    by_code = {code: row for code, row in frame.set_index("indicator", drop=False).iterrows()}
    for start in range(0, len(items), per_row):
        for column, item in zip(st.columns(per_row), items[start:start + per_row]):
            with column:
                card(by_code[item.code])


def matrix(frame: pd.DataFrame, groups: list[str]) -> pd.DataFrame:
    """One row per indicator; a column per group (全市, districts) with the rate text, plus hidden level columns."""
    order = [i.code for i in INDICATORS]
    shown = frame.assign(shown=frame["rate"].map(fmt_rate))
    rates = shown.pivot(index="indicator", columns="group", values="shown").reindex(index=order, columns=groups)
    levels = shown.pivot(index="indicator", columns="group", values="level").reindex(index=order, columns=groups)
    table = rates.fillna(NO_DATA)
    for group in groups:
        table[f"{group}等级"] = levels[group].fillna(NO_DATA)
    table.insert(0, "指标", [BY_CODE[code].name for code in order])
    return table.reset_index(drop=True)


def matrix_view(table: pd.DataFrame, groups: list[str], key: str, on_select):
    styled = style_levels(table, {group: f"{group}等级" for group in groups})
    config = {"指标": st.column_config.TextColumn("指标", pinned=True, width="medium")}
    config.update({group: st.column_config.TextColumn(group, width="small") for group in groups})
    return st.dataframe(styled, hide_index=True, key=key, on_select=on_select, selection_mode="single-cell",
                        column_config=config, row_height=34, height=34 * (len(table) + 1) + 3)


def shortfall_section(filters: Filters, code: str, group: str, *, key: str) -> None:
    """The records behind one indicator for 全市, a district or an enterprise."""
    item = BY_CODE[code]
    scope = None if group == CITY else group
    figures = report(filters, "district" if scope else "city", indicators=[code])
    row = figures[figures["group"] == (scope or CITY)]
    if not row.empty:
        row = row.iloc[0]
        st.markdown(
            f"**{item.name}**（{group}，{filters.quarter.cn}）：{fmt_rate(row['rate'])}，"
            f"{item.numerator} {fmt_count(row['numerator'])} / {item.denominator} {fmt_count(row['denominator'])} "
            f"{item.unit}，评定 **{row['level']}**。"
        )
    records = data.query(api.shortfall, filters.quarter, code, group=scope, as_of=filters.as_of,
                         districts=filters.district_list)
    if not row.empty and row["denominator"] == 0:
        layout.no_data(f"{group}{filters.quarter.cn}没有{item.denominator}的记录，{item.name}为无数据。")
        return
    layout.table(records, f"{item.shortfall_title}", group, filters.quarter.label, key=key,
                 empty=f"{group}的{item.name}已全部达标，没有未达标记录。")
