"""The meeting's records (contract §6) in the pack: what the paper takes from them, and the drafted common tasks
handed to the meeting.

`read_records` reads them for a user (the dashboard's, or the command line's city user):

- the paper's date: the date the meeting is held, else today;
- 上季度共性任务完成情况: the tasks agreed at last quarter's meeting, each owner district's status and note;
- 需提请会商协调事项: the matters put to the meeting (every one not 不提请), in the text decided (修改) or drafted;
- 下步工作: the meeting's own common tasks once a user edited, added or agreed any (or the meeting is 定稿: its
  agreed tasks), else None and the paper drafts them.

A narrower paper (some districts) takes the tasks and matters that concern its districts, and drafts its own
重点任务. `gather_with_records` is `pack.content.gather` with these filled in. `hand_over_drafts` stores the
paper's drafted common tasks as the meeting's drafted tasks, so the meeting can edit and agree them.

Once the quarter's meeting froze its figures (定稿, kept after 退回草稿), a pack as of the quarter's end shows them
(`with_frozen_figures`): the quarter's rates as `metrics.meetings.as_reported` gives them, their change against
last quarter as `metrics.meetings.with_reported_change` gives it (last quarter's frozen figures where it has them),
and every quarter of the trend that has frozen figures as frozen. The lists behind the figures are read as they
are now. Asked for the figures of now (`current`), the pack says so in its file name and data note.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from access import meetings as meeting_access
from access.users import User
from core.config import districts as configured_districts
from core.quarters import Quarter, parse_quarter, quarter_of
from metrics import meetings as meeting_rules
from metrics.changes import ROW_KEY, with_change
from metrics.figures import COLUMNS
from metrics.scope import resolve_districts
from pack.content import Matter, PackContent, PreviousTask, TaskStatus, start_gathering
from pack.draft import TaskDraft, draft_common_tasks

DRAFTED = "drafted"  # the origin of a task the product drafted and nobody changed


@dataclass(frozen=True)
class MeetingRecords:
    meeting_date: date
    previous_tasks: list[PreviousTask]
    matters: list[Matter]
    tasks: list[TaskDraft] | None  # the meeting's own common tasks; None: the paper drafts them


def _chosen(districts: list[str] | None) -> tuple[list[str], bool]:
    chosen = resolve_districts(districts)
    return chosen, chosen == list(configured_districts().names)


def _previous_tasks(rows: pd.DataFrame) -> list[PreviousTask]:
    """One PreviousTask per task of the status rows (one row per task and owner district), in their order."""
    return [PreviousTask(str(group["title"].iat[0]), group["deadline"].iat[0],
                         tuple(TaskStatus(d, s, n or "") for d, s, n in
                               zip(group["district"], group["status"], group["note"])))
            for _, group in rows.groupby("task_id", sort=False)]


def _concerning(frame: pd.DataFrame, chosen: list[str]) -> pd.Series:
    """Rows whose 、-joined `districts` name any of `chosen`."""
    named = frame["districts"].fillna("").str.split("、").explode()
    return named.isin(chosen).groupby(level=0).any().reindex(frame.index, fill_value=False)


def _meeting_tasks(rows: pd.DataFrame, final: bool) -> list[TaskDraft] | None:
    """The meeting's tasks as the paper lists them, once users changed any; None while they are the draft."""
    if rows.empty:
        return None
    touched = bool((rows["origin"] != DRAFTED).any() or rows["agreed"].any())
    if not (touched or final):
        return None
    if final and rows["agreed"].any():
        rows = rows[rows["agreed"]]
    tasks = rows.drop_duplicates("task_id")
    return [TaskDraft(title, content or "", tuple(owners.split("、")), deadline, standard or "", kind or None,
                      code or None)
            for title, content, owners, deadline, standard, kind, code in
            zip(tasks["title"], tasks["content"], tasks["owners"], tasks["deadline"], tasks["standard"],
                tasks["link_kind"], tasks["link_code"])]


def read_records(user: User, con, db, quarter: Quarter | str, *, districts: list[str] | None = None,
                 today: date | None = None) -> MeetingRecords:
    """What the paper of `quarter` (for `districts`, None: the city) takes from the meeting's records."""
    q = parse_quarter(quarter)
    today = today or date.today()
    chosen, full = _chosen(districts)
    meeting = meeting_access.meeting(user, db, q)
    previous = meeting_access.tasks(user, con, db, q.previous(), today=today, agreed_only=True)
    previous = previous[previous["district"].isin(chosen)]
    matters = meeting_access.matters(user, con, db, q, today=today)
    if not full:
        matters = matters[_concerning(matters, chosen)]
    matters = matters[matters["raised"]]
    tasks = None
    if full:
        tasks = _meeting_tasks(meeting_access.tasks(user, con, db, q, today=today), meeting.is_final)
    return MeetingRecords(
        meeting_date=meeting.held_on or today,
        previous_tasks=_previous_tasks(previous),
        matters=[Matter(kind, kind, text) for kind, text in zip(matters["kind_name"], matters["text"])],
        tasks=tasks,
    )


def gather_with_records(source, con, db, user: User, quarter: Quarter | str, *, as_of: date | None = None,
                        districts: list[str] | None = None, today: date | None = None,
                        current: bool = False) -> PackContent:
    """`gather(source, …)` with the meeting's date, last quarter's tasks, the matters and the meeting's tasks read
    from the records beside the warehouse `db` (through `con`, a connection to it), and the figures frozen at the
    quarter's 定稿 where it has them (`with_frozen_figures`; `current`: the figures of now all the same)."""
    finish = start_gathering(source, quarter, as_of=as_of, districts=districts)
    records = read_records(user, con, db, quarter, districts=districts, today=today)
    content = finish(meeting_date=records.meeting_date, previous_tasks=records.previous_tasks,
                     matters=records.matters, meeting_tasks=records.tasks)
    return with_frozen_figures(content, user, db, current=current)


# ---------------------------------------------------------------- the figures as frozen at 定稿

FIGURE_VALUES = ["numerator", "denominator", "rate", "level", "note"]


def frozen_meeting(user: User, db, content: PackContent) -> meeting_rules.Meeting | None:
    """The meeting whose frozen figures this pack shows by default: the quarter has figures frozen at 定稿 (kept
    after 退回草稿) and the pack is as of the quarter's end, the day they were counted to; else None."""
    if not content.as_of_is_quarter_end:
        return None
    record = meeting_access.meeting(user, db, content.quarter)
    return record if record.has_frozen_figures else None


def _frozen_rows(user: User, db, quarters: list[Quarter], scope: list[str] | None) -> dict[str, pd.DataFrame]:
    """The frozen city and district rows of each of `quarters` whose meeting froze figures, by quarter label."""
    found = {}
    for quarter in quarters:  # the trend's handful of quarters, one small read of the records each
        try:
            found[quarter.label] = meeting_access.as_reported(user, db, quarter, by=["city", "district"],
                                                              districts=scope)
        except meeting_rules.NotFinalised:
            continue
    return found


def _reported_history(history: pd.DataFrame, frozen: dict[str, pd.DataFrame],
                      quarters: list[Quarter]) -> pd.DataFrame:
    """`history` (the trend, computed now) with the rows of each quarter in `frozen` as frozen, and each row's
    change against the row before it as it now stands (the oldest quarter keeps the one it had)."""
    rows = pd.concat([frame.assign(quarter=label) for label, frame in frozen.items()], ignore_index=True)
    merged = history.merge(rows[["quarter", *ROW_KEY, *FIGURE_VALUES]], on=["quarter", *ROW_KEY], how="left",
                           suffixes=("", "_frozen"), indicator=True)
    held = merged["_merge"] == "both"
    earlier = merged["rate"] - merged["change"]  # the oldest quarter's previous rate, which the history lacks
    for column in FIGURE_VALUES:
        merged[column] = merged[f"{column}_frozen"].where(held, merged[column])
    for column in ("numerator", "denominator"):
        merged[column] = merged[column].astype(history[column].dtype)
    labels = [q.label for q in quarters]
    merged["previous_quarter"] = merged["quarter"].map(dict(zip(labels[1:], labels[:-1])))
    before = merged[["quarter", *ROW_KEY, "rate"]].rename(columns={"quarter": "previous_quarter",
                                                                   "rate": "previous_rate"})
    merged = merged.merge(before, on=["previous_quarter", *ROW_KEY], how="left")
    previous = merged["previous_rate"].where(merged["previous_quarter"].notna(), earlier)
    return merged.assign(change=merged["rate"] - previous)[list(history.columns)]


def with_frozen_figures(content: PackContent, user: User, db, *, current: bool = False) -> PackContent:
    """`content` with the figures frozen at its quarter's 定稿 (`frozen_meeting`), as the user may read them; as
    it is when there are none. `current`: the figures of now all the same, marked so (file name, data note).

    The quarter's rates are the frozen rows (`as_reported`: a narrower pack's total pooled from its districts'
    frozen rows), in the order of the rows of now; the change against last quarter is taken from last quarter's
    frozen rows where its meeting froze them, else from its rows computed now (`with_reported_change`'s rule);
    the trend shows every quarter that has frozen figures as frozen. `restatements` lists the rows whose figures
    changed since 定稿."""
    record = frozen_meeting(user, db, content)
    if record is None:
        return content
    if current:
        return dataclasses.replace(content, current_over_frozen_at=record.frozen_at)
    scope = None if content.full_scope else content.districts
    reported = meeting_access.as_reported(user, db, content.quarter, by=["city", "district"], districts=scope)
    earlier = [q for q in content.history_quarters if q != content.quarter]
    frozen = {**_frozen_rows(user, db, earlier, scope), content.quarter.label: reported}
    history = _reported_history(content.history, frozen, content.history_quarters)
    order = content.figures[ROW_KEY].assign(row_order=np.arange(len(content.figures)))
    rows = reported[COLUMNS].merge(order, on=ROW_KEY, how="left").sort_values("row_order", kind="stable")
    previous = history[history["quarter"] == content.quarter.previous().label]
    figures = with_change(rows.drop(columns="row_order"), previous).drop(columns="previous_rate")
    restated = meeting_rules.restatements(reported, content.figures)
    return dataclasses.replace(content, figures=figures.reset_index(drop=True), history=history,
                               frozen_at=record.frozen_at,
                               restatements=restated[restated["restated"]].reset_index(drop=True))


def drafted_tasks(content: PackContent) -> list[meeting_rules.TaskDraft]:
    """The paper's drafted common tasks as the meeting records take them (the key says what each answers to)."""
    return [meeting_rules.TaskDraft(key=t.key, title=t.title, content=t.content, owners=tuple(t.owners),
                                    deadline=t.deadline, standard=t.standard, link_kind=t.link_kind,
                                    link_code=t.link_code)
            for t in draft_common_tasks(content)]


def hands_over_drafts(user: User, content: PackContent) -> bool:
    """Whether this paper's drafted tasks are the meeting's: a city user's city-wide paper as of the quarter's end
    (a narrower paper drafts the districts' own tasks; one as of an earlier day, tasks from part of the data), for a
    meeting held (or, without a date, looked at) by the end of the quarter after next — a paper of a quarter long past
    is history, not a meeting to prepare."""
    return (user.role == meeting_access.CITY_ROLE and content.full_scope and content.as_of_is_quarter_end
            and quarter_of(content.meeting_date) <= content.quarter.next().next())


def hand_over_drafts(user: User, db, content: PackContent,
                     drafts: list[meeting_rules.TaskDraft] | None = None) -> bool:
    """Store the paper's drafted common tasks (`drafts`, when drafted already: `drafted_tasks(content)`) as the
    meeting's drafted tasks (tasks users changed keep what they made of them); nothing for another paper or a 定稿
    meeting. True when the records changed."""
    if not hands_over_drafts(user, content) or meeting_access.meeting(user, db, content.quarter).is_final:
        return False
    return meeting_access.save_drafted_tasks(user, db, content.quarter,
                                             drafted_tasks(content) if drafts is None else drafts)
