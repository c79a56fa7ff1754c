"""The meeting's rules (contract §6): 定稿 freezes the figures, restatements, quarter-on-quarter against what
was reported, the common tasks' status, and the matters drafted for the meeting.

The records themselves are kept by `warehouse.meetings` (a store beside the warehouse, `store` below is its
path); who may change them is decided in `access.meetings`. Figures are read from the warehouse through
`metrics.api`; the comparisons are DuckDB SQL over whole frames. The rules, in brief (docs/meetings.md):

- 定稿 stores every row of `api.report(con, quarter, by=[city, district, enterprise])` (all indicators, as of
  the quarter's end) with the time frozen. 退回草稿 keeps them: they stay what was reported, shown with their
  time, until the next 定稿 replaces them whole.
- A task of quarter Q is due in Q+1. A task linked to an indicator is 已完成 when the owner district's finding
  for that indicator in Q+1 is 达标, evaluated as of the earlier of today and the deadline (never after Q+1's
  end); linked to a watch list, when the owner's list is empty as of that date. Otherwise 推进中, or 逾期 once
  the deadline has passed; 未开始 while Q+1 has not begun. An unlinked task is 未开始 until its district (or the
  city) marks it; 已完成 when marked so; 逾期 when the deadline has passed without that.
- The matters are drafted afresh from the data while the meeting is 草稿, and each user decision (采纳, 修改,
  不提请) is kept under the matter's key (kind:subject), so a new draft keeps it. 定稿 stores the matters as
  decided (待定 ones as drafted, i.e. 采纳); a 定稿 meeting shows those.
"""
from __future__ import annotations

import datetime as dt
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from core.config import districts as configured_districts
from core.presentation import date_text
from core.quarters import Quarter, available_quarters, parse_quarter
from core.settings import setting
from core.text import printable
from metrics import api
from metrics.changes import ROW_KEY, with_change
from metrics.figures import COLUMNS, GRAIN_ORDER, GRAINS, compute
from metrics.findings import FIX, PASS, WATCH, finding_levels
from metrics.indicators import INDICATORS, UnknownIndicator, indicator, resolve_indicators
from metrics.scope import aggregate_label, resolve_districts
from metrics.sql import make_period, results_owner
from metrics.watch import BY_CODE as WATCH_BY_CODE, UnknownWatchList, watch_list
from warehouse import meetings as records
from warehouse.store import first_row
from warehouse.meetings import (ACCEPTED, DONE, DROPPED, EDITED, FINAL, DRAFT, IN_PROGRESS, MARKS,
                                MATTER_TEXT_LIMIT, NOT_STARTED, OVERDUE, TASKS_MAX, UNDECIDED, MeetingError,
                                MeetingLocked, RecordError)

__all__ = [
    "Meeting", "NotFinalised", "MeetingError", "MeetingLocked", "RecordError", "TaskDraft",
    "meeting", "save_meeting", "finalize", "reopen", "as_reported", "restatements", "reported_with_restatements",
    "with_reported_change", "draft_texts", "save_draft_texts", "clear_draft_texts",
    "default_deadline", "default_standard", "save_drafted_tasks", "add_task", "edit_task", "agree_task",
    "remove_task", "mark_task", "task", "task_status", "draft_matters", "matters", "decide_matter",
    "REPORTED_COLUMNS", "RESTATEMENT_COLUMNS", "TASK_STATUS_COLUMNS", "MATTER_FRAME_COLUMNS", "MATTER_KINDS",
]

REPORTED_COLUMNS = [*COLUMNS, "frozen_at"]
RESTATEMENT_COLUMNS = [*REPORTED_COLUMNS, "rate_reported", "numerator_now", "denominator_now", "rate_now",
                       "restated", "restatement"]
TASK_STATUS_COLUMNS = ["task_id", "quarter", "position", "draft_key", "title", "content", "owners", "district",
                       "deadline", "standard", "link_kind", "link_code", "link_name", "origin", "agreed", "status",
                       "basis", "evaluated_on", "mark_status", "note", "marked_by", "marked_at"]
MATTER_KINDS = {
    "overdue_major_hazard": "超期重大隐患",
    "transfer_unanswered": "移交未办结",
    "fix_twice": "连续两个季度整改",  # one matter per district, naming its indicators
    "open_task": "上季度共性任务未完成",
}
MATTER_FRAME_COLUMNS = ["key", "kind", "kind_name", "subject", "districts", "drafted_text", "decision", "text",
                        "raised", "decided_by", "decided_at"]
# A held_on or deadline this far after the quarter's end is a typing error, not a plan.
LATEST_DAYS_AFTER = 730


class NotFinalised(MeetingError, LookupError):
    """A quarter whose meeting was never set to 定稿: there are no figures as reported."""


def _not_finalised(quarter: Quarter) -> NotFinalised:
    return NotFinalised(
        f"{quarter.cn}尚未定稿，没有会商时的数字。请市级用户在“会商材料”页将该季度会商定稿，"
        f"或运行 `python -m metrics meeting finalize --quarter {quarter.label}`；"
        "查看按当前数据计算的数字请去掉 --as-reported。")


@dataclass(frozen=True)
class Meeting:
    quarter: Quarter
    held_on: dt.date | None
    attendees: tuple[str, ...]
    state: str  # 草稿 / 定稿
    frozen_at: dt.datetime | None  # the last 定稿 (kept after 退回草稿)
    frozen_by: str | None
    created_at: dt.datetime | None
    updated_at: dt.datetime | None
    updated_by: str | None

    @property
    def is_final(self) -> bool:
        return self.state == FINAL

    @property
    def has_frozen_figures(self) -> bool:
        return self.frozen_at is not None


def _when(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


def meeting(store, quarter: Quarter | str) -> Meeting:
    """The quarter's meeting as stored; a meeting nobody has touched is a 草稿 with nothing filled in."""
    q = parse_quarter(quarter)
    row = records.read_meeting(store, q)
    if row is None:
        return Meeting(q, None, (), DRAFT, None, None, None, None, None)
    return Meeting(q, dt.date.fromisoformat(row["held_on"]) if row["held_on"] else None, tuple(row["attendees"]),
                   row["state"], _when(row["frozen_at"]), row["frozen_by"], _when(row["created_at"]),
                   _when(row["updated_at"]), row["updated_by"])


def _checked_held_on(value, quarter: Quarter) -> dt.date:
    held = records.checked_date(value, "会商日期")
    latest = quarter.end + dt.timedelta(days=LATEST_DAYS_AFTER)
    if not quarter.start <= held <= latest:
        raise RecordError(f"会商日期 {held:%Y-%m-%d} 不在{quarter.cn}会商的合理范围内"
                          f"（{quarter.start:%Y-%m-%d} 至 {latest:%Y-%m-%d}），请检查年份和季度。")
    return held


def save_meeting(store, quarter: Quarter | str, *, held_on=None, attendees: Sequence[str] | None = None,
                 by: str) -> Meeting:
    """Set the date held and/or the attending districts of a 草稿 meeting (None leaves a value as it is)."""
    q = parse_quarter(quarter)
    held = _checked_held_on(held_on, q) if held_on is not None else None
    chosen = records.checked_districts(attendees, "参会区市") if attendees is not None else None
    records.write_meeting(store, q, held_on=held, attendees=chosen, by=by)
    return meeting(store, q)


# ---------------------------------------------------------------- 定稿 and the frozen figures

def finalize(con, store, quarter: Quarter | str, *, by: str, held_on=None, today: dt.date | None = None,
             moment: dt.datetime | None = None) -> Meeting:
    """Freeze every figure of the quarter and the matters as decided, and set the meeting 定稿.

    The date held is `held_on`, else the one already set, else today.
    """
    q = parse_quarter(quarter)
    today = today or dt.date.today()
    current = meeting(store, q)
    if current.is_final:
        raise MeetingLocked(f"{q.cn}会商已于 {current.frozen_at:%Y-%m-%d %H:%M} 定稿。"
                            "如需按当前数据重新冻结，请先退回草稿再定稿。")
    held = _checked_held_on(held_on if held_on is not None else current.held_on or today, q)
    if q not in available_quarters(con):
        raise RecordError(f"{q.cn}没有任何数据记录（日志、隐患、培训、演练或季度检查表），不能定稿。"
                          "请先导入该季度的数据，或检查季度是否选错。")
    figures = api.report(con, q, by=list(GRAINS))
    decided = matters(con, store, q, today=today)
    final = decided.assign(decision=decided["decision"].replace(UNDECIDED, ACCEPTED))
    records.freeze(store, q, figures, final, held_on=held, by=by, moment=moment)
    return meeting(store, q)


def reopen(store, quarter: Quarter | str, *, by: str) -> Meeting:
    """Set a 定稿 meeting back to 草稿; its frozen figures are kept until the next 定稿 replaces them."""
    q = parse_quarter(quarter)
    if not meeting(store, q).is_final:
        raise RecordError(f"{q.cn}会商尚未定稿，无需退回草稿。")
    records.set_state(store, q, DRAFT, by=by)
    return meeting(store, q)


def _grains(by: str | Sequence[str]) -> list[str]:
    grains = [by] if isinstance(by, str) else list(by)
    for grain in grains:
        if grain not in GRAIN_ORDER:
            raise ValueError(f"未知的汇总层级：{grain}（可选：city 全市、district 区市、enterprise 企业）")
    return sorted(set(grains), key=GRAIN_ORDER.__getitem__)


_MEMORY: list[duckdb.DuckDBPyConnection] = []
_MEMORY_LOCK = threading.Lock()


def _memory() -> duckdb.DuckDBPyConnection:
    """A private connection for joining frames (never the warehouse connection, which may be shared): a cursor of
    one in-memory database, so that each call costs a connection rather than a new database (frames registered on
    it are seen by it alone)."""
    with _MEMORY_LOCK:
        if not _MEMORY:
            _MEMORY.append(duckdb.connect())
        con = _MEMORY[0].cursor()
    con.execute("SET enable_progress_bar = false")
    return con


# Results kept per read-only warehouse connection (see `_kept`), most recently used last.
_KEPT: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_KEPT_LOCK = threading.Lock()
KEPT_PER_CONNECTION = 32


def _kept(con, store, key: tuple, make: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """`make()`, computed once per read-only connection (the cursors of the dashboard's reader count as one:
    `metrics.sql.results_owner`), `key` and revision of the records: the page and the paper both read the matters
    and the tasks, drafting the matters reads last quarter's tasks again, and the matters drafted for one scope's
    paper are every scope's. A read-only connection reads one published version of the warehouse, so only the
    records can change what these return (the revision is read first: a write meanwhile makes the next call compute
    afresh). A connection that may write computes every time."""
    owner = results_owner(con)
    if owner is None:
        return make()
    full = (*key, records.revision(store))
    with _KEPT_LOCK:
        kept = _KEPT.get(owner)
        if kept is not None and full in kept:
            kept.move_to_end(full)
            return kept[full].copy()
    frame = make()
    with _KEPT_LOCK:
        kept = _KEPT.setdefault(owner, OrderedDict())
        kept[full] = frame.copy()
        while len(kept) > KEPT_PER_CONNECTION:
            kept.popitem(last=False)
    return frame


_MISSING_CHECKLISTS = r"coalesce(TRY_CAST(regexp_extract(note, '缺报 (\d+) 家', 1) AS BIGINT), 0)"


def _pooled_city(district_rows: pd.DataFrame, chosen: list[str]) -> pd.DataFrame:
    """The 全市 rows of a paper narrowed to `chosen` districts, pooled from their frozen district rows as
    `api.report` pools them (Σ numerators / Σ denominators; 缺报 caps 达标 at 关注). One district's row is
    taken as it is; pooled rows of several keep only the 缺报 note."""
    label = aggregate_label(chosen)
    if len(chosen) == 1:
        rows = district_rows.copy()
        rows["group"] = rows["group_name"] = label
        rows["district"] = None
        rows["grain"] = "city"
        return rows
    capped = [i.code for i in INDICATORS if i.needs_every_checklist]
    with _memory() as mem:
        mem.register("rows", district_rows.assign(row_order=np.arange(len(district_rows))))
        mem.register("capped", pd.DataFrame({"code": capped}, dtype=object))
        pooled = mem.sql(f"""
SELECT indicator, any_value(indicator_name) AS indicator_name, '{label}' AS "group", '{label}' AS group_name,
       NULL::VARCHAR AS district, sum(numerator)::BIGINT AS numerator, sum(denominator)::BIGINT AS denominator,
       CASE WHEN sum(denominator) > 0 THEN sum(numerator) / sum(denominator) END AS rate,
       'city' AS grain, sum({_MISSING_CHECKLISTS})::BIGINT AS missing,
       indicator IN (SELECT code FROM capped) AS is_capped, max(frozen_at) AS frozen_at, min(row_order) AS first
FROM rows GROUP BY indicator ORDER BY first""").df()
    levels = finding_levels(pooled["rate"], pooled["denominator"])
    short = pooled["is_capped"] & (pooled["missing"] > 0)
    pooled["level"] = levels.where(~(short & (levels == PASS)), WATCH)
    pooled["note"] = np.where(short, "缺报 " + pooled["missing"].astype(str) + " 家", "")
    return pooled[REPORTED_COLUMNS]


def as_reported(store, quarter: Quarter | str, *, by: str | Sequence[str] = "city",
                districts: list[str] | None = None, indicators: list[str] | None = None) -> pd.DataFrame:
    """The figures as frozen at 定稿, in the columns of `api.report` plus `frozen_at`.

    NotFinalised when the quarter was never set to 定稿. Narrowed to some districts, the 全市 rows are those
    districts pooled (as `api.report` would compute them).
    """
    q = parse_quarter(quarter)
    grains = _grains(by)
    chosen = resolve_districts(districts)
    codes = [i.code for i in resolve_indicators(indicators)]
    if not records.has_frozen(store, q):
        raise _not_finalised(q)
    full = len(chosen) == len(configured_districts().names)
    frame = records.read_frozen(store, q, grains, None if full else chosen, codes)
    if not full and "city" in grains:
        district_rows = records.read_frozen(store, q, ["district"], chosen, codes)
        frame = pd.concat([_pooled_city(district_rows, chosen), frame[frame["grain"] != "city"]], ignore_index=True)
    return frame[REPORTED_COLUMNS].reset_index(drop=True)


_PERCENT = "CASE WHEN {0} IS NULL THEN '无数据' ELSE format('{{:.1f}}%', {0} * 100) END"


def restatements(reported: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """The frozen rows with the current figures of the same rows beside them (RESTATEMENT_COLUMNS).

    `restated` where the numerator or the denominator has changed since 定稿, with the text
    “会商时 92.0%，现 93.5%” (the counts are added when the percentages read the same); rows the current
    figures no longer have keep empty `*_now` columns.
    """
    with _memory() as mem:
        mem.register("reported", reported[REPORTED_COLUMNS].assign(row_order=np.arange(len(reported))))
        mem.register("current", current[["indicator", "grain", "group", "numerator", "denominator", "rate"]])
        then, now = _PERCENT.format("r.rate"), _PERCENT.format("c.rate")
        frame = mem.sql(f"""
WITH joined AS (
    SELECT r.*, c.numerator AS numerator_now, c.denominator AS denominator_now, c.rate AS rate_now,
           coalesce(c.numerator <> r.numerator OR c.denominator <> r.denominator, FALSE) AS restated,
           {then} AS shown_then, {now} AS shown_now
    FROM reported r
    LEFT JOIN current c ON c.indicator = r.indicator AND c.grain = r.grain AND c."group" = r."group"
)
SELECT * EXCLUDE (row_order, shown_then, shown_now), rate AS rate_reported,
       CASE WHEN NOT restated THEN ''
            WHEN shown_then <> shown_now THEN '会商时 ' || shown_then || '，现 ' || shown_now
            ELSE format('会商时 {{}}（{{}}/{{}}），现 {{}}（{{}}/{{}}）', shown_then, numerator, denominator,
                        shown_now, numerator_now, denominator_now) END AS restatement
FROM joined ORDER BY row_order""").df()
    frame["restated"] = frame["restated"].fillna(False).astype(bool)
    return frame[RESTATEMENT_COLUMNS]


def reported_with_restatements(con, store, quarter: Quarter | str, *, by: str | Sequence[str] = "city",
                               districts: list[str] | None = None,
                               indicators: list[str] | None = None) -> pd.DataFrame:
    """`as_reported` with today's figures of the same rows beside it (`restatements`)."""
    reported = as_reported(store, quarter, by=by, districts=districts, indicators=indicators)
    current = api.report(con, quarter, by=by, districts=districts, indicators=indicators)
    return restatements(reported, current)


def with_reported_change(frame: pd.DataFrame, con, store, quarter: Quarter | str, *,
                         districts: list[str] | None = None) -> pd.DataFrame:
    """`frame` (rows of `api.report` or `as_reported` for `quarter`) with `previous_rate` and `change` as
    `metrics.changes.with_change` gives them, against the previous quarter's frozen figures where it was set to
    定稿, else its figures computed now; `previous_basis` says which (会商时 / 按当前数据)."""
    previous = parse_quarter(quarter).previous()
    grains = _grains(list(frame["grain"].unique()) or ["city"])
    codes = list(frame["indicator"].unique())
    chosen = resolve_districts(districts)
    try:
        frozen = as_reported(store, previous, by=grains, districts=chosen, indicators=codes)[[*ROW_KEY, "rate"]]
    except NotFinalised:
        frozen = pd.DataFrame({column: pd.Series(dtype=object) for column in ROW_KEY}).assign(rate=np.nan)
    before = frozen.assign(previous_basis="会商时")
    missing = frame[ROW_KEY].merge(frozen[ROW_KEY], on=ROW_KEY, how="left", indicator=True)["_merge"] == "left_only"
    if missing.any():
        computed = api.report(con, previous, by=grains, districts=chosen, indicators=codes)[[*ROW_KEY, "rate"]]
        unfrozen = computed.merge(frozen[ROW_KEY], on=ROW_KEY, how="left", indicator=True)
        before = pd.concat([before, unfrozen[unfrozen["_merge"] == "left_only"].drop(columns="_merge")
                            .assign(previous_basis="按当前数据")], ignore_index=True)
    current = frame.drop(columns=["change", "previous_rate", "previous_basis"], errors="ignore")
    changed = with_change(current, before)
    return changed.merge(before[[*ROW_KEY, "previous_basis"]], on=ROW_KEY, how="left")


# ---------------------------------------------------------------- the paper's draft texts

def draft_texts(store, quarter: Quarter | str, *, districts: list[str] | None = None) -> dict[str, str]:
    """The paper's section texts as last saved for this quarter and scope (全市 or the districts); {} if none."""
    return records.read_drafts(store, parse_quarter(quarter), records.scope_key(districts))


def save_draft_texts(store, quarter: Quarter | str, texts: dict[str, str], *, districts: list[str] | None = None,
                     by: str) -> None:
    """Keep the paper's edited sections (section key → text); the city's paper is locked once 定稿."""
    scope = records.scope_key(districts)
    records.write_drafts(store, parse_quarter(quarter), scope, texts, by=by, locked=scope == records.CITY_SCOPE)


def clear_draft_texts(store, quarter: Quarter | str, *, districts: list[str] | None = None) -> None:
    """Forget the saved texts: the paper goes back to the product's draft."""
    scope = records.scope_key(districts)
    records.clear_drafts(store, parse_quarter(quarter), scope, locked=scope == records.CITY_SCOPE)


# ---------------------------------------------------------------- common tasks

@dataclass(frozen=True)
class TaskDraft:
    """A task the product drafts; `key` names what it answers to (e.g. "indicator:certification",
    "season:汛期"), so that drafting again updates it instead of adding another."""
    key: str
    title: str
    content: str = ""
    owners: tuple[str, ...] | None = None  # None: every district
    deadline: dt.date | None = None  # None: the end of the quarter the task is due in
    standard: str | None = None  # None: from the link
    link_kind: str | None = None
    link_code: str | None = None


def default_deadline(quarter: Quarter | str) -> dt.date:
    """Tasks agreed at quarter Q's meeting are due by the end of Q+1."""
    return parse_quarter(quarter).next().end


def _target_text() -> str:
    return f"{float(setting('findings.pass_rate')) * 100:g}%"


def _link_name(kind: str | None, code: str | None) -> str:
    if kind == "indicator":
        return indicator(code).name
    if kind == "watch":
        return watch_list(code).title
    return ""


def _link_names() -> dict[str, str]:
    """kind:code → the indicator's name or the watch list's title (read each time: titles state settings)."""
    return {**{f"indicator:{i.code}": i.name for i in INDICATORS},
            **{f"watch:{code}": item.title for code, item in WATCH_BY_CODE.items()}}


def default_standard(link_kind: str | None, link_code: str | None) -> str:
    """The completion standard a link implies; "" without a link."""
    if link_kind == "indicator":
        return f"责任区市{_link_name(link_kind, link_code)}达到{_target_text()}（评定为“达标”）"
    if link_kind == "watch":
        return f"责任区市“{_link_name(link_kind, link_code)}”清单清零"
    return ""


def _checked_link(kind: str | None, code: str | None) -> tuple[str | None, str | None]:
    if kind is None:
        if code:
            raise RecordError("填写了关联代码，但没有选择关联类型（指标或预警清单）。")
        return None, None
    if not code:
        raise RecordError("选择了关联类型，但没有填写关联的指标或清单。")
    try:
        return kind, (indicator(code).code if kind == "indicator" else watch_list(code).code)
    except (UnknownIndicator, UnknownWatchList) as error:
        raise RecordError(str(error)) from None


def _checked_deadline(value, quarter: Quarter) -> str:
    deadline = records.checked_date(value, "完成时限")
    latest = quarter.end + dt.timedelta(days=LATEST_DAYS_AFTER)
    if not quarter.start <= deadline <= latest:
        raise RecordError(f"完成时限 {deadline:%Y-%m-%d} 不在合理范围内（{quarter.start:%Y-%m-%d} 至 "
                          f"{latest:%Y-%m-%d}），请检查年份。")
    return deadline.isoformat()


def _checked_fields(quarter: Quarter, fields: dict, *, complete: bool) -> dict:
    """Task fields checked; `complete` fills what a new task leaves out (owners, deadline, standard)."""
    if complete:
        fields = {"content": "", **fields}
        if fields.get("owners") is None:
            fields["owners"] = list(configured_districts().names)
        if fields.get("deadline") is None:
            fields["deadline"] = default_deadline(quarter)
    checked = records.checked_task({k: v for k, v in fields.items() if k != "deadline"})
    if "deadline" in fields:
        checked["deadline"] = _checked_deadline(fields["deadline"], quarter)
    if "link_kind" in fields or "link_code" in fields:
        checked["link_kind"], checked["link_code"] = _checked_link(checked.get("link_kind"), checked.get("link_code"))
    if complete and not fields.get("standard"):
        checked["standard"] = default_standard(checked.get("link_kind"), checked.get("link_code"))
    return checked


def save_drafted_tasks(store, quarter: Quarter | str, drafts: Sequence[TaskDraft], *, by: str) -> bool:
    """Store the product's drafted tasks of a 草稿 meeting; tasks users edited, agreed or removed keep what they
    made of them. True when anything changed."""
    q = parse_quarter(quarter)
    if len(drafts) > TASKS_MAX:
        raise RecordError(f"起草的共性任务超过 {TASKS_MAX} 项上限。")
    keys = [records.checked_key(d.key, "任务起草键") for d in drafts]
    if len(set(keys)) != len(keys):
        raise RecordError("起草的共性任务中有重复的起草键。")
    rows = []
    for key, draft in zip(keys, drafts):
        fields = {"title": draft.title, "content": draft.content, "owners": draft.owners, "deadline": draft.deadline,
                  "link_kind": draft.link_kind, "link_code": draft.link_code, "standard": draft.standard}
        rows.append({"key": key, **_checked_fields(q, fields, complete=True)})
    return records.replace_drafted_tasks(store, q, rows, by=by)


def add_task(store, quarter: Quarter | str, *, title: str, content: str = "", owners: Sequence[str] | None = None,
             deadline=None, standard: str | None = None, link_kind: str | None = None, link_code: str | None = None,
             agreed: bool = False, by: str) -> int:
    """A task added by hand at the meeting (owners None: every district); its id."""
    q = parse_quarter(quarter)
    fields = {"title": title, "content": content, "owners": owners, "deadline": deadline, "standard": standard,
              "link_kind": link_kind, "link_code": link_code}
    return records.insert_task(store, q, _checked_fields(q, fields, complete=True), origin="added", agreed=agreed,
                               by=by)


def task(store, task_id: int) -> dict:
    """A task as stored (id, quarter, title, …, owners); RecordError when there is none."""
    try:
        number = int(task_id)
    except (TypeError, ValueError):
        number = 0
    if not 0 < number < 2 ** 63:
        raise RecordError(f"共性任务编号“{printable(task_id, 20)}”无效。")
    found = records.read_task(store, number)
    if found is None or found["removed"]:
        raise RecordError(f"没有编号为 {number} 的共性任务（可能已被删除），请刷新后再试。")
    return found


_EDITABLE = ("title", "content", "owners", "deadline", "standard", "link_kind", "link_code")


def edit_task(store, task_id: int, *, by: str, **changes) -> None:
    """Change a task of a 草稿 meeting (title, content, owners, deadline, standard, link_kind, link_code)."""
    unknown = set(changes) - set(_EDITABLE)
    if unknown:
        raise RecordError(f"共性任务没有这些可修改的项：{'、'.join(sorted(map(str, unknown)))}。")
    found = task(store, task_id)
    q = parse_quarter(found["quarter"])
    if "link_kind" in changes and "link_code" not in changes:
        changes["link_code"] = found["link_code"] if changes["link_kind"] else None
    if "link_code" in changes and "link_kind" not in changes:
        changes["link_kind"] = found["link_kind"]
    checked = _checked_fields(q, changes, complete=False)
    origin = "edited" if found["origin"] == "drafted" else None
    records.update_task(store, found["id"], q, checked, origin=origin, by=by)


def agree_task(store, task_id: int, agreed: bool = True, *, by: str) -> None:
    found = task(store, task_id)
    records.update_task(store, found["id"], parse_quarter(found["quarter"]), {"agreed": agreed}, origin=None, by=by)


def remove_task(store, task_id: int, *, by: str) -> None:
    """Take a task off a 草稿 meeting; a drafted one stays removed when the product drafts again."""
    found = task(store, task_id)
    q = parse_quarter(found["quarter"])
    if found["origin"] == "added":
        records.delete_task(store, found["id"], q)
    else:
        records.update_task(store, found["id"], q, {"removed": True}, origin=None, by=by)


def mark_task(store, task_id: int, district: str, *, status: str | None = None, note: str = "", by: str) -> None:
    """A district's progress on a task it owns: a status (unlinked tasks only) and a note."""
    found = task(store, task_id)
    name = records.checked_districts([district], "区市")[0]
    if name not in found["owners"]:
        raise RecordError(f"{name}不是任务“{found['title']}”的责任区市（责任区市：{'、'.join(found['owners'])}）。")
    if status is not None:
        if status not in MARKS:
            raise RecordError(f"任务状态“{printable(status, 20)}”无效，可标记为：{'、'.join(MARKS)}"
                              "（“逾期”由完成时限自动判定）。")
        if found["link_kind"]:
            raise RecordError(f"任务“{found['title']}”关联了{_link_name(found['link_kind'], found['link_code'])}，"
                              "状态由数据自动判定，只能填写说明。")
    text = records.checked_text(note, "进展说明", records.NOTE_LIMIT, multiline=True)
    records.write_mark(store, found["id"], name, status=status, note=text, by=by)


_DAY = "strftime({0}::DATE, '%Y年%-m月%-d日')"


def _linked_figures(con, due: Quarter, plan: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """For each evaluation date of the linked rows: the owners' district figures of the linked indicators and
    the owners' counts on the linked watch lists."""
    figures, counts = [], []
    for day, rows in plan.groupby("evaluated_on"):  # one query per distinct date (a handful), not per row
        day = pd.Timestamp(day).date()
        owners = resolve_districts(list(rows["district"].unique()))
        codes = list(rows.loc[rows["link_kind"] == "indicator", "link_code"].unique())
        if codes:
            report = api.report(con, due, by="district", as_of=day, districts=owners, indicators=codes)
            figures.append(report[["indicator", "group", "numerator", "denominator", "rate", "level"]]
                           .assign(evaluated_on=pd.Timestamp(day)))
        lists = list(rows.loc[rows["link_kind"] == "watch", "link_code"].unique())
        for code, frame in (api.watch(con, due, as_of=day, districts=owners, lists=lists) if lists else {}).items():
            per_district = frame.groupby("区市").size().reindex(owners, fill_value=0)
            counts.append(pd.DataFrame({"link_code": code, "district": owners, "n": per_district.to_numpy(),
                                        "evaluated_on": pd.Timestamp(day)}))
    empty_figures = pd.DataFrame({"indicator": pd.Series(dtype=object), "group": pd.Series(dtype=object),
                                  "numerator": pd.Series(dtype="int64"), "denominator": pd.Series(dtype="int64"),
                                  "rate": pd.Series(dtype=float), "level": pd.Series(dtype=object),
                                  "evaluated_on": pd.Series(dtype="datetime64[ns]")})
    empty_counts = pd.DataFrame({"link_code": pd.Series(dtype=object), "district": pd.Series(dtype=object),
                                 "n": pd.Series(dtype="int64"), "evaluated_on": pd.Series(dtype="datetime64[ns]")})
    return (pd.concat(figures, ignore_index=True) if figures else empty_figures,
            pd.concat(counts, ignore_index=True) if counts else empty_counts)


def task_status(con, store, quarter: Quarter | str, *, today: dt.date | None = None,
                districts: list[str] | None = None, agreed_only: bool = False) -> pd.DataFrame:
    """The tasks agreed at `quarter`'s meeting, one row per task and owner district, with that district's status
    (未开始 / 推进中 / 已完成 / 逾期) and what it rests on (TASK_STATUS_COLUMNS).

    `districts` keeps only those owners' rows; `agreed_only` only the tasks agreed at the meeting.
    """
    q = parse_quarter(quarter)
    today = today or dt.date.today()
    chosen = tuple(resolve_districts(districts)) if districts else None
    return _kept(con, store, ("task_status", str(store), q.label, today, chosen, agreed_only),
                 lambda: _task_status(con, store, q, today, chosen, agreed_only))


def _task_status(con, store, q: Quarter, today: dt.date, districts: tuple[str, ...] | None,
                 agreed_only: bool) -> pd.DataFrame:
    due = q.next()
    rows = records.read_task_rows(store, q)
    if districts:
        rows = rows[rows["district"].isin(districts)]
    if agreed_only:
        rows = rows[rows["agreed"]]
    rows = rows.reset_index(drop=True)
    deadline = pd.to_datetime(rows["deadline"])
    known = (((rows["link_kind"] == "indicator") & rows["link_code"].isin([i.code for i in INDICATORS]))
             | ((rows["link_kind"] == "watch") & rows["link_code"].isin(list(WATCH_BY_CODE))))
    # Not judged before any record of Q+1 is in the warehouse: its figures would count nothing done, and a
    # checklist or a rectification not yet loaded is not one not made. A record of Q+1 is one dated in it, or
    # its quarterly checklist (which carries a quarter, not a date).
    data_until = api.data_as_of(con)
    has_due_data = (data_until is not None and data_until >= due.start) or first_row(
        con, "SELECT count(*) FROM checklists_current WHERE quarter = ?", [due.label])[0] > 0
    last_day = min(today, due.end) if has_due_data else due.start - dt.timedelta(days=1)
    evaluated = deadline.clip(upper=pd.Timestamp(last_day))
    evaluated = evaluated.where(known & (evaluated >= pd.Timestamp(due.start)))
    data_note = f"（数据截至{date_text(data_until)}）" if data_until else ""
    waiting = f"待导入{due.cn}数据后按数据判定{data_note}" if today >= due.start else f"{due.cn}开始后按数据判定"
    # past the deadline and still no record of Q+1: 逾期 as for any task not shown done, saying why
    waiting_late = f"完成时限已过，尚未导入{due.cn}数据，无法按数据判定完成{data_note}"
    link = rows["link_kind"].fillna("") + ":" + rows["link_code"].fillna("")
    rows = rows.assign(deadline=deadline, evaluated_on=evaluated, linked=known,
                       link_name=link.map(_link_names()).fillna(""))
    figures, counts = _linked_figures(con, due, rows[rows["evaluated_on"].notna()])
    with _memory() as mem:
        mem.register("rows", rows.assign(row_order=np.arange(len(rows))))
        mem.register("figures", figures)
        mem.register("counts", counts)
        on_date = _DAY.format("r.evaluated_on")
        frame = mem.execute(f"""
SELECT r.* EXCLUDE (row_order, linked, deadline, evaluated_on), r.deadline::DATE AS deadline,
       r.evaluated_on::DATE AS evaluated_on,
       CASE
         WHEN NOT r.linked THEN CASE WHEN r.mark_status = '{DONE}' THEN '{DONE}'
                                     WHEN $today > r.deadline::DATE THEN '{OVERDUE}'
                                     WHEN r.mark_status = '{IN_PROGRESS}' THEN '{IN_PROGRESS}'
                                     ELSE '{NOT_STARTED}' END
         WHEN r.evaluated_on IS NULL THEN CASE WHEN $today > r.deadline::DATE THEN '{OVERDUE}'
                                               WHEN $today >= $due_start THEN '{IN_PROGRESS}'
                                               ELSE '{NOT_STARTED}' END
         WHEN (r.link_kind = 'indicator' AND f.level = '{PASS}') OR (r.link_kind = 'watch' AND w.n = 0)
           THEN '{DONE}'
         WHEN $today > r.deadline::DATE THEN '{OVERDUE}'
         ELSE '{IN_PROGRESS}'
       END AS status,
       CASE
         WHEN NOT r.linked THEN CASE WHEN r.mark_status IS NULL THEN '待区市或市级标记进展'
                                     ELSE format('{{}} 于 {{}} 标记为“{{}}”', r.marked_by, left(r.marked_at, 10),
                                                 r.mark_status) END
         WHEN r.evaluated_on IS NULL AND NOT $has_due_data AND $today > r.deadline::DATE THEN $waiting_late
         WHEN r.evaluated_on IS NULL THEN $waiting
         WHEN r.link_kind = 'indicator' AND f.rate IS NULL
           THEN format('{{}}无数据（截至{{}}），目标{{}}', r.link_name, {on_date}, $target)
         WHEN r.link_kind = 'indicator'
           THEN format('{{}}{{}}%（{{}}/{{}}，截至{{}}），目标{{}}', r.link_name, format('{{:.1f}}', f.rate * 100),
                       f.numerator, f.denominator, {on_date}, $target)
         ELSE format('“{{}}”{{}}条（截至{{}}）', r.link_name, w.n, {on_date})
       END AS basis
FROM rows r
LEFT JOIN figures f ON r.link_kind = 'indicator' AND f.indicator = r.link_code AND f."group" = r.district
                   AND f.evaluated_on = r.evaluated_on
LEFT JOIN counts w ON r.link_kind = 'watch' AND w.link_code = r.link_code AND w.district = r.district
                  AND w.evaluated_on = r.evaluated_on
ORDER BY r.row_order""", {"today": today, "target": _target_text(), "due_start": due.start,
                             "waiting": waiting, "waiting_late": waiting_late, "has_due_data": has_due_data}).df()
    frame["agreed"] = frame["agreed"].astype(bool)
    for column in ("deadline", "evaluated_on"):
        days = pd.to_datetime(frame[column])
        frame[column] = days.dt.date.astype(object).where(days.notna(), None)
    return frame[TASK_STATUS_COLUMNS]


# ---------------------------------------------------------------- matters for the meeting

_HAZARD_TEXT = 'left(regexp_replace("隐患描述", \'\\s+\', \' \', \'g\'), 60)'


def _hazard_matters(con, q: Quarter) -> pd.DataFrame:
    lists = api.watch(con, q, lists=["overdue_major_hazards", "transfer_unanswered"])
    with _memory() as mem:
        mem.register("overdue", lists["overdue_major_hazards"])
        mem.register("transfer", lists["transfer_unanswered"])
        deadline = _DAY.format('"整改期限"')
        supervised = "nullif(nullif(trim(\"督办级别\"), ''), '无')"
        return mem.execute(f"""
SELECT 'overdue_major_hazard' AS kind, "统一社会信用代码" || '/' || "隐患编号" AS subject, "区市" AS districts,
       format('{{}}{{}}重大隐患“{{}}”（隐患编号 {{}}）整改期限为{{}}，截至{{}}已超期{{}}天仍未整改，{{}}',
              "区市", "企业名称", {_HAZARD_TEXT}, "隐患编号", {deadline}, $as_of, "超期天数",
              CASE WHEN {supervised} IS NULL THEN '建议挂牌督办。'
                   ELSE '已' || {supervised} || '，提请会商督促整改。' END) AS drafted_text
FROM overdue
UNION ALL
SELECT 'transfer_unanswered', "统一社会信用代码" || '/' || "隐患编号", "区市",
       format('{{}}{{}}隐患“{{}}”（隐患编号 {{}}）已移交{{}}{{}}天，截至{{}}仍未办结，提请会商协调。',
              "区市", "企业名称", {_HAZARD_TEXT}, "隐患编号",
              coalesce(nullif(trim("移交部门"), ''), '相关部门'), "已移交天数", $as_of)
FROM transfer""", {"as_of": f"{q.end.year}年{q.end.month}月{q.end.day}日"}).df()


def _fix_twice_matters(con, store, q: Quarter) -> pd.DataFrame:
    """One matter per district rated 整改 on the same indicator(s) in the quarter (computed now) and the one
    before (as reported when it was set to 定稿, else computed now), naming each indicator with both rates."""
    previous = q.previous()
    try:
        before, basis = as_reported(store, previous, by="district"), f"（{previous.cn}为会商时数字）"
        current = api.report(con, q, by="district")
    except NotFinalised:  # both quarters computed now, in one query (rows as api.report gives them)
        both = compute(con, resolve_indicators(None), [make_period(previous), make_period(q)],
                       resolve_districts(None), ["district"])
        before, current = (both[both["quarter"] == quarter.label][COLUMNS].reset_index(drop=True)
                           for quarter in (previous, q))
        basis = ""
    order = {name: n for n, name in enumerate(configured_districts().names)}
    with _memory() as mem:
        mem.register("now_", current[["indicator", "indicator_name", "group", "rate", "level"]]
                     .assign(row_order=np.arange(len(current))))
        mem.register("before_", before[["indicator", "group", "rate", "level"]])
        now_rate, before_rate = _PERCENT.format("n.rate"), _PERCENT.format("b.rate")
        frame = mem.execute(f"""
SELECT 'fix_twice' AS kind, n."group" AS subject, n."group" AS districts,
       n."group" || string_agg(n.indicator_name || '（' || {before_rate} || '、' || {now_rate} || '）', '、'
                               ORDER BY n.row_order)
       || '在' || $before_cn || '、' || $now_cn || '连续评定为“整改”' || $basis || '，提请会商研究督促措施。'
           AS drafted_text
FROM now_ n JOIN before_ b ON b.indicator = n.indicator AND b."group" = n."group"
WHERE n.level = '{FIX}' AND b.level = '{FIX}'
GROUP BY n."group\"""", {"before_cn": previous.cn, "now_cn": q.cn, "basis": basis}).df()
    return frame.assign(order=frame["districts"].map(order)).sort_values("order", kind="stable").drop(columns="order")


def _open_task_matters(con, store, q: Quarter, today: dt.date) -> pd.DataFrame:
    previous = task_status(con, store, q.previous(), today=today, agreed_only=True)
    with _memory() as mem:
        mem.register("tasks", previous.assign(owner=np.arange(len(previous))))
        return mem.execute(f"""
SELECT 'open_task' AS kind, CAST(task_id AS VARCHAR) AS subject,
       string_agg(district, '、' ORDER BY owner) AS districts,
       format('上季度共性任务“{{}}”尚未完成：{{}}，提请会商研究。', any_value(title),
              string_agg(district || '（' || status || '）', '、' ORDER BY owner)) AS drafted_text
FROM tasks WHERE status <> '{DONE}'
GROUP BY task_id, position ORDER BY position, task_id""").df()


def draft_matters(con, store, quarter: Quarter | str, *, today: dt.date | None = None) -> pd.DataFrame:
    """The matters the product drafts for the quarter's meeting, from the data as of the quarter's end:
    overdue major hazards, handovers with no result, districts at 整改 on one indicator two quarters running,
    last quarter's agreed tasks still open (as of `today`). Columns key, kind, kind_name, subject, districts
    (、-joined), drafted_text."""
    q = parse_quarter(quarter)
    today = today or dt.date.today()
    return _kept(con, store, ("draft_matters", str(store), q.label, today), lambda: _draft_matters(con, store, q, today))


def _draft_matters(con, store, q: Quarter, today: dt.date) -> pd.DataFrame:
    parts = [_hazard_matters(con, q), _fix_twice_matters(con, store, q), _open_task_matters(con, store, q, today)]
    frame = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) else \
        pd.DataFrame({c: pd.Series(dtype=object) for c in ("kind", "subject", "districts", "drafted_text")})
    frame["key"] = frame["kind"] + ":" + frame["subject"]
    frame["kind_name"] = frame["kind"].map(MATTER_KINDS)
    return frame[["key", "kind", "kind_name", "subject", "districts", "drafted_text"]].reset_index(drop=True)


def _about(frame: pd.DataFrame, districts: list[str] | None) -> pd.DataFrame:
    if not districts:
        return frame
    chosen = set(resolve_districts(districts))
    about = frame["districts"].fillna("").str.split("、").map(lambda names: bool(chosen.intersection(names)))
    return frame[about.astype(bool)].reset_index(drop=True)


def matters(con, store, quarter: Quarter | str, *, today: dt.date | None = None,
            districts: list[str] | None = None) -> pd.DataFrame:
    """The matters for the quarter's meeting with their decisions (MATTER_FRAME_COLUMNS): drafted afresh with
    the decisions kept while 草稿, as stored at 定稿 once 定稿. `raised`: put to the meeting (not 不提请).
    `districts` keeps the matters about any of them."""
    q = parse_quarter(quarter)
    if meeting(store, q).is_final:
        frame = records.read_final_matters(store, q)
        frame["kind_name"] = frame["kind"].map(MATTER_KINDS)
    else:
        drafted = draft_matters(con, store, q, today=today)
        decisions = records.read_decisions(store, q)
        with _memory() as mem:
            mem.register("drafted", drafted.assign(row_order=np.arange(len(drafted))))
            mem.register("decisions", decisions.astype(object))
            frame = mem.sql(f"""
SELECT d.* EXCLUDE (row_order), coalesce(x.decision, '{UNDECIDED}') AS decision,
       CASE WHEN x.decision = '{EDITED}' THEN x.decided_text ELSE d.drafted_text END AS text,
       x.decided_by, x.decided_at
FROM drafted d LEFT JOIN decisions x ON x.key = d.key ORDER BY d.row_order""").df()
    frame["raised"] = frame["decision"] != DROPPED
    return _about(frame, districts)[MATTER_FRAME_COLUMNS]


def decide_matter(con, store, quarter: Quarter | str, key: str, decision: str, *, text: str | None = None,
                  today: dt.date | None = None, by: str) -> None:
    """Accept (采纳), edit (修改, with the new text), drop (不提请) or undo (待定) a drafted matter of a 草稿 meeting."""
    q = parse_quarter(quarter)
    key = records.checked_key(key, "事项键")
    if decision not in (UNDECIDED, ACCEPTED, EDITED, DROPPED):
        raise RecordError(f"处理方式“{printable(decision, 20)}”无效，可选：采纳、修改、不提请、待定。")
    stored_text = None
    if decision == EDITED:
        stored_text = records.checked_text(text, "事项内容", MATTER_TEXT_LIMIT, multiline=True, required=True)
    if meeting(store, q).is_final:
        raise MeetingLocked(records.locked_message(q.label))
    if key not in set(draft_matters(con, store, q, today=today)["key"]):
        raise RecordError("没有这个提请会商事项（数据更新后该事项可能已不再起草），请刷新页面后再试。")
    records.write_decision(store, q, key, decision, stored_text, by=by)
