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
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from access import meetings as meeting_access
from access.users import User
from core.config import districts as configured_districts
from core.quarters import Quarter, parse_quarter, quarter_of
from metrics import meetings as meeting_rules
from metrics.scope import resolve_districts
from pack.content import Matter, PackContent, PreviousTask, TaskStatus, gather
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
                        districts: list[str] | None = None, today: date | None = None) -> PackContent:
    """`gather(source, …)` with the meeting's date, last quarter's tasks, the matters and the meeting's tasks read
    from the records beside the warehouse `db` (through `con`, a connection to it)."""
    records = read_records(user, con, db, quarter, districts=districts, today=today)
    return gather(source, quarter, as_of=as_of, districts=districts, meeting_date=records.meeting_date,
                  previous_tasks=records.previous_tasks, matters=records.matters, meeting_tasks=records.tasks)


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


def hand_over_drafts(user: User, db, content: PackContent) -> bool:
    """Store the paper's drafted common tasks as the meeting's drafted tasks (tasks users changed keep what they
    made of them); nothing for another paper or a 定稿 meeting. True when the records changed."""
    if not hands_over_drafts(user, content) or meeting_access.meeting(user, db, content.quarter).is_final:
        return False
    return meeting_access.save_drafted_tasks(user, db, content.quarter, drafted_tasks(content))
