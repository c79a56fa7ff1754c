"""Indicator figures as the pages show them: cards, the district matrix and the drill-down."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from metrics import api
from metrics.indicators import BY_CODE, INDICATORS
from ui import data, layout
from ui.filters import CITY, Filters
from ui.style import LEVEL_BADGE_COLORS, NO_DATA, fmt_change, fmt_count, fmt_rate, style_levels

TARGETS = [i for i in INDICATORS if i.kind == "target"]
SUPERVISION = [i for i in INDICATORS if i.kind == "supervision"]


def indicator_label(code: str) -> str:
    return BY_CODE[code].name


def report(filters: Filters, by: str, quarter=None, as_of="default", indicators: list[str] | None = None):
    quarter = quarter or filters.quarter
    as_of = filters.as_of if as_of == "default" else as_of
    return data.query(api.report, quarter, by=by, as_of=as_of, districts=filters.district_list,
                      indicators=indicators)


def with_change(filters: Filters, by: str) -> pd.DataFrame:
    """This quarter's figures (as of the chosen date) with the change against last quarter's (as of its end)."""
    current = report(filters, by)
    previous = report(filters, by, quarter=filters.quarter.previous(), as_of=None)
    merged = current.merge(previous[["indicator", "group", "rate"]].rename(columns={"rate": "previous_rate"}),
                           on=["indicator", "group"], how="left")
    merged["change"] = merged["rate"] - merged["previous_rate"]
    return merged


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


def matrix(city: pd.DataFrame, districts: pd.DataFrame) -> pd.DataFrame:
    """Rows 全市 + districts, one column per indicator with its rate text, plus hidden level columns."""
    both = pd.concat([city, districts], ignore_index=True)
    both["shown"] = both["rate"].map(fmt_rate)
    order = [i.code for i in INDICATORS]
    rows = [CITY] + [d for d in districts["group"].drop_duplicates()]
    shown = both.pivot(index="group", columns="indicator", values="shown").reindex(index=rows, columns=order)
    levels = both.pivot(index="group", columns="indicator", values="level").reindex(index=rows, columns=order)
    names = {i.code: i.name for i in INDICATORS}
    table = shown.rename(columns=names)
    for code in order:
        table[f"{names[code]}等级"] = levels[code].fillna(NO_DATA)
    table.insert(0, "区市", rows)
    return table.reset_index(drop=True)


def matrix_view(table: pd.DataFrame, key: str, on_select):
    level_columns = {i.name: f"{i.name}等级" for i in INDICATORS}
    styled = style_levels(table, level_columns)
    return st.dataframe(styled, hide_index=True, key=key, on_select=on_select, selection_mode="single-cell",
                        column_config={"区市": st.column_config.TextColumn("区市", pinned=True)})


def shortfall_section(filters: Filters, code: str, group: str, *, key: str) -> None:
    """The records behind one indicator for 全市, a district or an enterprise."""
    item = BY_CODE[code]
    scope = None if group == CITY else group
    figures = report(filters, "district" if scope and scope in filters.shown_districts else "city",
                     indicators=[code])
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
