"""Building blocks every page uses: the header with 数据截至 and data warnings, and tables with downloads."""
from __future__ import annotations

import html
from typing import Callable

import pandas as pd
import streamlit as st

from warehouse.templates import TEMPLATES

from metrics import api, quality
from metrics.indicators import BY_CODE
from metrics.overview import QUARTERLY_INPUTS
from metrics.scope import CITY, SELECTION
from ui import data, session
from ui.export import file_stem, to_csv, to_xlsx
from ui.filters import BENCHMARK, INPUT_NAMES, Filters
from ui.style import fmt_date, style_levels, style_states
from ui.text import plain

MAX_STYLED_ROWS = 1500
ALL_TEMPLATES = tuple(template.title for template in TEMPLATES)


def page_header(title: str, filters: Filters, *, templates: tuple[str, ...] = ALL_TEMPLATES,
                missing_reports: bool = False, note: str | None = None,
                watch_lists: dict[str, pd.DataFrame] | None = None) -> None:
    """Title, what the page shows (quarter, as-of, districts), 数据截至 and warnings about the data.

    `watch_lists`: the page's own `watch(filters)`, which the warning about missing reports then counts from."""
    st.title(title)
    as_of_data = data.query(api.data_as_of)
    data_line = f"数据截至 {fmt_date(as_of_data)}" if as_of_data else "数据截至 —（尚无数据）"
    st.html(
        f'<div class="asof">{filters.quarter.cn}　|　截至日期 {filters.as_of_label}　|　'
        f'{html.escape(filters.scope_label)}　|　<b>{data_line}</b></div>'
    )
    if note:
        st.caption(note)
    calendar = api.calendar_note(filters.quarter)
    if calendar:
        st.info(calendar, icon=":material/calendar_month:")
    incomplete_warning(filters)
    _data_warnings(filters, templates, missing_reports, watch_lists)


def incomplete_warning(filters: Filters) -> None:
    """A quarter lacking a whole kind of quarterly report is marked, not scored (docs/indicators.md)."""
    if not filters.lacking:
        return
    feeds = {key: codes for key, _, codes in QUARTERLY_INPUTS}
    names = "、".join(INPUT_NAMES[key] for key in filters.lacking)
    affected = "、".join(BY_CODE[code].name for key in filters.lacking for code in feeds[key])
    st.warning(f"{filters.quarter.cn}数据不完整：尚未收到任何{names}。{affected}只列数字、标“不评定”，"
               f"也不与上季度比较；收到报送后即正常评定。", icon=":material/rule:")


def _data_warnings(filters: Filters, templates: tuple[str, ...], missing_reports: bool,
                   watch_lists: dict[str, pd.DataFrame] | None) -> None:
    counts = data.query(quality.quarantine_counts, districts=filters.district_list)
    touched = {name: n for name, n in counts.items() if name in templates and n}
    messages = []
    if touched:
        detail = "、".join(f"{name} {n} 行" for name, n in touched.items())
        messages.append(f"有数据行因格式或取值问题被隔离、未计入本页（{detail}）。")
    if missing_reports:
        missing = (watch_lists if watch_lists is not None else
                   data.query(api.watch, filters.quarter, as_of=filters.as_of, districts=filters.district_list,
                              lists=["missing_checklists"]))["missing_checklists"]
        if len(missing):
            messages.append(f"{filters.quarter.cn}有 {len(missing)} 家企业未报季度检查表：责任制、机构两项按未达标计入，"
                            f"规章制度、奖金两项只按已报企业合计且评定最高为关注。")
    if messages:
        st.warning(" ".join(messages) + " 详见「数据质量」页。", icon=":material/warning:")


# The watch lists that count this quarter only; the others count every quarter up to the as-of date,
# except the two that describe the as-of date itself.
_QUARTER_WATCH = {"rectified_late", "missing_checklists", "supervision_gaps", "successor_untrained", "handover_undated",
                  "work_plan_missing"}
_DATE_WATCH = {"expiring_certificates", "rotation_due", "rotation_upcoming", "rotation_overdue"}


# What a count covers: this quarter, every quarter up to the as-of date, or the as-of date itself.
QUARTER, CUMULATIVE, ON_DATE = "quarter", "cumulative", "date"


def period_text(filters: Filters, span: str) -> str:
    """A span as a card says it: 本季度 / 截至9月30日累计 / 截至9月30日."""
    if span == QUARTER:
        return "本季度"
    return f"截至{filters.as_of_short}" if span == ON_DATE else filters.cumulative


def watch_period(filters: Filters, code: str) -> str:
    """What a watch list's count covers, as its card says it: 本季度 / 截至9月30日累计 / 截至9月30日."""
    if code in _QUARTER_WATCH:
        return period_text(filters, QUARTER)
    return period_text(filters, ON_DATE if code in _DATE_WATCH else CUMULATIVE)


# The reconciliation checks (metrics.reconcile) whose findings are not of the quarter alone: hazards found by the
# as-of date in any quarter, and the staff roster on that date.
_CUMULATIVE_CHECKS = {"major_transfer_unreported", "closure_incomplete", "closed_before_rectified"}
_DATE_CHECKS = {"headcount_vs_staff"}


def check_period(filters: Filters, code: str) -> str:
    """What a reconciliation check's count covers, as its card says it (the words of `period_text`)."""
    if code in _CUMULATIVE_CHECKS:
        return period_text(filters, CUMULATIVE)
    return period_text(filters, ON_DATE if code in _DATE_CHECKS else QUARTER)


def count_card(column, label: str, value: int | str, period: str, help: str | None = None) -> None:
    """A count (or a count with its unit, e.g. 3 项) with the period it covers written under it (本季度 /
    截至9月30日累计 / 截至9月30日)."""
    shown = f"{value:,}" if isinstance(value, int) else value
    column.metric(label, shown, delta=period, delta_color="off", delta_arrow="off", border=True, help=help)


def _read_watch(read: Callable, filters: Filters, items: tuple | None):
    chosen = {} if items is None else {"lists": [item.code for item in items]}
    return read(api.watch, filters.quarter, as_of=filters.as_of, districts=filters.district_list, **chosen)


def watch(filters: Filters, items: tuple | None = None) -> dict[str, pd.DataFrame]:
    """The watch lists as of the filters' date: all, or only `items` (`metrics.watch.WatchList`s) for a page that
    shows only those."""
    return _read_watch(data.query, filters, items)


def prefetch_watch(filters: Filters, items: tuple | None = None) -> None:
    """Start computing `watch(filters, items)` in the background (`data.prefetch`)."""
    _read_watch(data.prefetch, filters, items)


def watch_table(filters: Filters, frame: pd.DataFrame, item, *, key: str) -> None:
    """One watch list (a `metrics.watch.WatchList`) with what it lists, its basis and its downloads."""
    table(frame, item.title, filters.scope_label, filters.as_of, key=key,
          caption=plain(f"{item.help} 依据：{item.basis}"),
          empty=f"截至 {filters.as_of_label}，没有{item.title}。")


def chosen_section(sections: list[str], *, key: str) -> str:
    """The section of a page drawn a section at a time (企业画像, 隐患整改, 驻点工作): chosen under the page's cards and
    kept in the address under `key`; the first by default. Only the chosen section is queried and drawn (tabs would
    compute every section on every run)."""
    chosen = st.segmented_control("查看内容", sections, default=sections[0], required=True, key=key,
                                  bind="query-params", label_visibility="collapsed")
    return chosen or sections[0]


def watch_tables(filters: Filters, lists: dict[str, pd.DataFrame], items: tuple, *, key: str) -> None:
    """Watch lists (`metrics.watch.WatchList`s) to choose from, each named with its count; only the chosen one is
    drawn (a table for every list would be converted and sent on every run). Each table's key is `key`_code. The
    choice is not kept in the address: the address would hold the shown name, whose count changes with the data."""
    by_code = {item.code: item for item in items}
    codes = list(by_code)
    chosen = st.segmented_control("清单", codes, default=codes[0], required=True, key=f"{key}_list",
                                  format_func=lambda code: f"{by_code[code].title}（{len(lists[code])}）",
                                  label_visibility="collapsed")
    item = by_code[chosen or codes[0]]
    watch_table(filters, lists[item.code], item, key=f"{key}_{item.code}")


def _column_config(frame: pd.DataFrame) -> dict:
    config = {}
    for column, dtype in frame.dtypes.items():  # the dtypes alone: a column is only taken out for dates
        if pd.api.types.is_datetime64_any_dtype(dtype):
            times = frame[column].dropna()
            has_time = bool(len(times)) and bool((times.dt.normalize() != times).any())
            config[column] = (st.column_config.DatetimeColumn(column, format="YYYY-MM-DD HH:mm") if has_time
                              else st.column_config.DateColumn(column, format="YYYY-MM-DD"))
        elif str(column).endswith("（%）"):
            config[column] = st.column_config.NumberColumn(column, format="%.1f")
    return config


def downloads(frame: pd.DataFrame, title: str, *file_parts: object, key: str,
              percent_columns: tuple[str, ...] = ()) -> None:
    """The two export buttons for a table: .xlsx and CSV (UTF-8 with BOM); each download is audited.

    `percent_columns` hold rates as numbers: a percentage-formatted number in the workbook, a decimal in the CSV.
    """
    stem = file_stem(title, *file_parts)
    with st.container(horizontal=True, gap="small"):
        st.download_button("下载 Excel", data=session.audited(lambda: to_xlsx(frame, title, percent_columns), "导出表格",
                                                              f"{stem}.xlsx"),
                           file_name=f"{stem}.xlsx", key=f"{key}_xlsx", on_click="ignore",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                           icon=":material/download:")
        st.download_button("下载 CSV", data=session.audited(lambda: to_csv(frame), "导出表格", f"{stem}.csv"),
                           file_name=f"{stem}.csv", mime="text/csv", key=f"{key}_csv", on_click="ignore",
                           icon=":material/download:")


# What the pooled row of a table is called in its first column: it sums the records, it is not one of them.
TOTAL_LABELS = frozenset({CITY, SELECTION, BENCHMARK})


def total_rows(frame: pd.DataFrame) -> int:
    """How many rows of `frame` are total rows (全市 / 所选区市合计 / 全市（基准） in the first column). A total row
    stands at the top or the bottom of its table, so only the first and last three rows are read: a table of a
    quarter's daily logs is not scanned on every render."""
    if frame.empty:
        return 0
    labels, count = frame.iloc[:, 0], len(frame)
    rows = range(count) if count <= 6 else (0, 1, 2, count - 3, count - 2, count - 1)
    return sum(1 for row in rows if isinstance(labels.iat[row], str) and labels.iat[row] in TOTAL_LABELS)


def table(frame: pd.DataFrame, title: str, *file_parts: object, key: str, state_columns: tuple[str, ...] = (),
          levels: dict[str, str] | None = None, empty: str = "无数据", height: int | str = "auto",
          on_select: Callable | str | None = None, selection_mode: str = "single-row", caption: str | None = None,
          export: pd.DataFrame | None = None, percent_columns: tuple[str, ...] = ()):
    """A titled table with its downloads; shows `empty` instead when there are no rows.

    `state_columns` highlight rows in a warning state (已过期, 超期未整改 …); `levels` colours a
    column by the finding level held in another column (which is then not shown or exported).
    `export` is what the downloads hold instead of the shown table (rates as numbers in `percent_columns`).
    """
    if title:
        records = len(frame) - total_rows(frame)
        count = f"　<span style='color:#666'>共 {records:,} 条</span>" if records else ""
        st.markdown(f"**{plain(title)}**{count}", unsafe_allow_html=True)  # titles may carry data
    if caption:
        st.caption(caption)
    if frame.empty:
        st.info(empty, icon=":material/info:")
        return None
    exported = frame.drop(columns=list(levels.values())) if levels else frame
    body = frame
    if len(frame) <= MAX_STYLED_ROWS:
        if levels:
            body = style_levels(frame, levels)
        elif state_columns:
            body = style_states(frame, list(state_columns))
    kwargs = {"hide_index": True, "column_config": _column_config(exported), "key": key, "height": height,
              "placeholder": "—"}
    if on_select is not None:
        kwargs.update(on_select=on_select, selection_mode=selection_mode)
    result = st.dataframe(body if len(frame) <= MAX_STYLED_ROWS else exported, **kwargs)
    downloads(exported if export is None else export, title or "数据", *file_parts, key=key,
              percent_columns=percent_columns)
    return result


def no_data(message: str = "无数据") -> None:
    st.info(message, icon=":material/info:")
