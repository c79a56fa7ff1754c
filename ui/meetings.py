"""The meeting's records (contract §6) as the pages read and change them, through `access.meetings`.

Reads are cached on the warehouse version, the records' revision and the day, so a change by any user or a new
load is seen at the next run. Changes run in widget callbacks (`act`); a refused or invalid change leaves its
Chinese message for the page to show (`show_outcome`), never a traceback.

The figures of a quarter whose meeting froze them are shown as reported by default (`reported_figures`), with
any restatement beside them; a change on last quarter compares with last quarter's frozen figures when it has
them (`with_previous_reported`). `figures_caption` says so on the page and offers the figures computed now.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import logging
from collections.abc import Callable
from concurrent.futures import Future

import pandas as pd
import streamlit as st

from access import meetings as meeting_access
from access.scope import Scope
from access.users import User
from core.presentation import date_text
from core.quarters import Quarter
from metrics import overview
from metrics.meetings import Meeting
from pack.content import PackContent, start_gathering
from pack.draft import common_tasks, draft_sections, section_labels
from pack.meeting import drafted_tasks, hands_over_drafts, read_records, with_frozen_figures
from ui import data
from ui.filters import Filters, QuarterInputs, default_quarter
from ui.identity import current_user
from ui.text import plain
from warehouse.meetings import MeetingError

log = logging.getLogger(__name__)
OUTCOME_KEY = "_meeting_outcome"
AS_COMPUTED_KEY = "figures_as_computed"
PAPER_PREFETCH_KEY = "_paper_prefetch"
_HASH = {Quarter: lambda q: q.label}


def db_path():
    return data.db_path()


def _versions() -> tuple[str, str | None, int]:
    path = data.db_path()
    return str(path), data.current_version(), meeting_access.revision(path)


def meeting(user: User, quarter: Quarter) -> Meeting:
    return meeting_access.meeting(user, db_path(), quarter)


# ---------------------------------------------------------------- cached reads
# Through `ui.data.query_records`: cached with the dashboard's other reads, so the views recomputed after a publish
# include them.

def _read_tasks(read: Callable, quarter: Quarter, agreed_only: bool):
    return read(meeting_access.tasks, quarter, today=dt.date.today(), agreed_only=agreed_only)


def _read_matters(read: Callable, quarter: Quarter):
    return read(meeting_access.matters, quarter, today=dt.date.today())


def tasks(quarter: Quarter, *, agreed_only: bool = False) -> pd.DataFrame:
    """The quarter's tasks, one row per task and owner district with its status (for the signed-in user: a
    district user gets its own)."""
    return _read_tasks(data.query_records, quarter, agreed_only)


def matters(quarter: Quarter) -> pd.DataFrame:
    """The matters for the quarter's meeting with their decisions (a district user: those about its district)."""
    return _read_matters(data.query_records, quarter)


@dataclasses.dataclass(frozen=True)
class Paper:
    """The quarter's meeting paper as 会商材料 shows it: what it reads, the titles and drafted text of its sections,
    its common tasks, and the drafted tasks it hands over to the records (empty when it hands over none)."""
    content: PackContent
    labels: dict[str, str]
    drafted_texts: dict[str, str]
    common_tasks: list
    drafted_tasks: list


def drafted_paper(user: User, con, db, quarter: Quarter, *, as_of: dt.date | None, districts: list[str] | None,
                  current: bool, today: dt.date) -> Paper:
    """The paper of `quarter` for `districts` (read through `data.query_records`): the records' date, tasks and
    matters, every metrics read within the user's scope and shared with the pages that show it, the figures
    frozen at 定稿 unless `current`."""
    finish = start_gathering(data.shared_reader(user), quarter, as_of=as_of, districts=districts)
    records = read_records(user, con, db, quarter, districts=districts, today=today)  # while the reads run
    content = with_frozen_figures(finish(meeting_date=records.meeting_date, previous_tasks=records.previous_tasks,
                                         matters=records.matters, meeting_tasks=records.tasks),
                                  user, db, current=current)
    return Paper(content=content, labels=section_labels(content), drafted_texts=draft_sections(content),
                 common_tasks=common_tasks(content),
                 drafted_tasks=drafted_tasks(content) if hands_over_drafts(user, content) else [])


def paper_districts(user: User, filters: Filters) -> list[str] | None:
    """The districts of the user's paper for the sidebar's choice: a district user's pack covers their districts
    only (the rates too, so the paper's totals add up)."""
    return Scope(tuple(user.districts) if user.districts else None).clamp(filters.district_list)


def _read_paper(read: Callable, quarter: Quarter, as_of: dt.date | None, districts: list[str] | None,
                current: bool):
    return read(drafted_paper, quarter, as_of=as_of, districts=list(districts) if districts else None,
                current=current, today=dt.date.today())


def paper(quarter: Quarter, *, as_of: dt.date | None, districts: list[str] | None, current: bool = False) -> Paper:
    """The signed-in user's meeting paper of `quarter` (`drafted_paper`), cached like the dashboard's other reads;
    stamped with the time it is shown, as a paper gathered now would be."""
    found = _read_paper(data.query_records, quarter, as_of, districts, current)
    return dataclasses.replace(found, content=dataclasses.replace(
        found.content, generated_at=dt.datetime.now().replace(microsecond=0)))


def prefetch_paper(filters: Filters) -> None:
    """Start drafting the signed-in user's paper for the sidebar's choice in the background (`data.prefetch_records`),
    as 会商材料 asks for it: the drafting reads every list of the quarter (seconds on a city's data) and is done by
    the time the user opens that page, with the tables of the quarter's tasks and matters the page shows beside it.
    A session that chose other filters before its earlier paper was started drafts the latest one only (a user
    stepping through the quarters does not queue a paper for each); a rerun with the same filters leaves the paper
    where it is in the queue."""
    user = current_user()
    if user is None:
        return
    earlier = st.session_state.get(PAPER_PREFETCH_KEY)
    latest = _read_pack_page(data.prefetch_records, filters.quarter, filters.as_of_input,
                             paper_districts(user, filters))
    if earlier is not None and earlier is not latest:
        earlier.cancel()  # no effect once started or done
    st.session_state[PAPER_PREFETCH_KEY] = latest


def _read_pack_page(read: Callable, quarter: Quarter, as_of: dt.date | None, districts: list[str] | None):
    """What 会商材料 first shows: the paper, then the tables of the quarter's tasks and matters beside it (drafting the
    paper has just read both records); what `read` gives for the paper."""
    paper_read = _read_paper(read, quarter, as_of, districts, False)
    _read_tasks(read, quarter, False)
    _read_matters(read, quarter)
    return paper_read


# Whom the city's paper drafted ahead is read as: a read of the records depends on the reader's role and district
# only (`data.reads_as`), so every city user's 会商材料 finds it.
_CITY_READER = User("", "", meeting_access.CITY_ROLE, None)


def _city_paper(reads: data.VersionReads) -> None:
    """The city-wide paper of the quarter the sidebar opens on, as of its end, and the page's tables of that quarter's
    tasks and matters: what a city user opening 会商材料 first sees."""
    inputs = QuarterInputs.from_counts(reads.query(None, overview.quarter_inputs))
    _read_pack_page(functools.partial(reads.query_records, _CITY_READER), default_quarter(inputs.offered, inputs),
                    None, None)


def draft_city_paper_ahead() -> Future | None:
    """Draft the city's paper now, and again after every publish, on each new day and after each change to the
    records, whether anyone has looked at it or not (`data.stand`): the first city user to open 会商材料 after the
    dashboard starts, a load publishes or the records change finds it drafted. Returns the drafting on the current
    version (None when there is no database yet)."""
    return data.stand("city_paper", _city_paper)


def draft_texts(user: User, quarter: Quarter, districts: list[str] | None) -> dict[str, str]:
    """The paper's sections as last saved for this quarter and scope ({} when never edited)."""
    return meeting_access.draft_texts(user, db_path(), quarter, districts=districts)


# ---------------------------------------------------------------- changes

def act(change: Callable, *args, done: str, where: str, **kwargs) -> bool:
    """Run a change (an `access.meetings` function taking the user and the warehouse path first) for the signed-in
    user; its outcome, done or the Chinese reason it was refused, is shown by `show_outcome(where)` on this run.
    True when it was done."""
    user = current_user()
    if user is None:
        st.session_state[OUTCOME_KEY] = (where, "error", "请先登录。")
        return False
    try:
        change(user, db_path(), *args, **kwargs)
    except MeetingError as problem:
        st.session_state[OUTCOME_KEY] = (where, "error", str(problem))
        return False
    except Exception:  # not the user's to fix: logged; the user is told what to do, never shown a traceback
        log.exception("a change to the meeting records failed")
        st.session_state[OUTCOME_KEY] = (where, "error", "操作可能未完成：系统内部错误。请刷新页面查看会商记录，"
                                                         "需要时重试；若仍出错，请把当前网址发给系统管理员。")
        return False
    st.session_state[OUTCOME_KEY] = (where, "success", done)
    return True


def act_with_reader(change: Callable, *args, done: str, where: str, **kwargs) -> bool:
    """`act` for a change that also reads the warehouse (定稿): the connection is passed as `con`."""
    with data.reader() as con:
        return act(change, *args, done=done, where=where, con=con, **kwargs)


def show_outcome(where: str) -> None:
    """The outcome of the change made in this run's callback for the part of the page `where`, once."""
    outcome = st.session_state.get(OUTCOME_KEY)
    if outcome is None or outcome[0] != where:
        return
    del st.session_state[OUTCOME_KEY]
    _, kind, message = outcome
    if kind == "error":  # the message may quote what a user typed: shown as text
        st.error(plain(message), icon=":material/error:")
    else:
        st.success(plain(message), icon=":material/check:")


# ---------------------------------------------------------------- figures as reported

def _frozen(user: User | None, quarter: Quarter) -> Meeting | None:
    if user is None:
        return None
    record = meeting(user, quarter)
    return record if record.has_frozen_figures else None


def showing_reported(filters: Filters) -> Meeting | None:
    """The meeting whose frozen figures the views of the chosen quarter show (None: figures computed now):
    the quarter was set to 定稿, the as-of date is its end, and the user has not asked for the figures of now."""
    if filters.as_of_input not in (None, filters.quarter.end) or st.session_state.get(AS_COMPUTED_KEY):
        return None
    return _frozen(current_user(), filters.quarter)


def reported_now(user: User, con, db, quarter: Quarter, *, by: tuple[str, ...], districts: tuple[str, ...] | None,
                 indicators: tuple[str, ...] | None) -> pd.DataFrame:
    """The quarter's frozen figures with their restatements and change on last quarter (read through
    `data.query_records`)."""
    chosen = list(districts) if districts else None
    frame = meeting_access.reported_with_restatements(user, con, db, quarter, by=list(by), districts=chosen,
                                                      indicators=list(indicators) if indicators else None)
    return meeting_access.with_reported_change(user, frame, con, db, quarter, districts=chosen)


def reported_figures(filters: Filters, by: tuple[str, ...], indicators: list[str] | None,
                     districts: list[str] | None) -> pd.DataFrame | None:
    """The chosen quarter's figures as frozen at its meeting, with `restatement` (会商时 92.0%，现 93.5%) and the
    change on last quarter (its frozen figures where it has them); None when the figures of now are shown."""
    if showing_reported(filters) is None:
        return None
    return data.query_records(reported_now, filters.quarter, by=tuple(by),
                              districts=tuple(districts) if districts else None,
                              indicators=tuple(indicators) if indicators else None)


@st.cache_data(show_spinner=False, max_entries=500, hash_funcs=_HASH)
def _previous_reported(user: User, frame: pd.DataFrame, quarter: Quarter, districts: tuple[str, ...] | None,
                       path: str, version: str | None, revision: int) -> pd.DataFrame:
    with data.reader() as con:
        return meeting_access.with_reported_change(user, frame, con, path, quarter,
                                                   districts=list(districts) if districts else None)


def with_previous_reported(frame: pd.DataFrame, filters: Filters, districts: list[str] | None) -> pd.DataFrame:
    """`frame` (figures of now) with its change on last quarter taken against last quarter's frozen figures when
    its meeting froze them; unchanged otherwise."""
    if frame.empty or _frozen(current_user(), filters.quarter.previous()) is None:
        return frame
    return _previous_reported(current_user(), frame, filters.quarter, tuple(districts) if districts else None,
                              *_versions())


def figures_caption(filters: Filters) -> None:
    """One line: the figures are as reported at the meeting on <date> (with the switch to the figures of now), or
    the change on last quarter compares with its meeting's figures."""
    user = current_user()
    record = _frozen(user, filters.quarter)
    if record is not None and filters.as_of_input in (None, filters.quarter.end):
        left, right = st.columns([5, 1], vertical_alignment="center")
        with right:
            now = st.toggle("按当前数据显示", key=AS_COMPUTED_KEY,
                            help="关闭时显示会商定稿时冻结的数字（默认），打开时显示按当前数据计算的数字。")
        with left:
            if now:
                st.caption(f"指标按当前数据计算；关闭右侧开关即显示{filters.quarter.cn}会商时的数字。")
            else:
                state = "" if record.is_final else "（会商已退回草稿，再次定稿时更新）"
                st.caption(f"指标为{date_text(record.held_on)}{filters.quarter.cn}会商时汇报的数字{state}，"
                           f"冻结于 {record.frozen_at:%Y-%m-%d %H:%M}；之后数据有变动的，在数字旁注明。")
        return
    previous = filters.quarter.previous()
    if _frozen(user, previous) is not None:
        st.caption(f"“较上季度”与{previous.cn}会商时汇报的数字比较。")


def decide_matter(quarter: Quarter, key: str, decision: str, text: str | None, *, done: str) -> bool:
    """采纳 / 修改 / 不提请 / 待定 a drafted matter (the matters are drafted from the warehouse: read through it)."""
    with data.reader() as con:
        def decide(user: User, path, *args, **kwargs) -> None:
            meeting_access.decide_matter(user, con, path, *args, **kwargs)
        return act(decide, quarter, key, decision, text=text, done=done, where="matters")
