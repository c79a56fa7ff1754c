"""Who may read and change the meeting's records, and the audit entry of every change.

Every function takes the acting `User` and the warehouse path (`db`); the records live beside it
(`warehouse.meetings.meetings_db_path`), the audit log in the users store beside it. The rules:

- a city user (市级) sets the meeting's date and attendees, sets it 定稿 or back to 草稿, drafts, edits,
  agrees and removes common tasks, and decides the matters;
- a district user (区市) sees the tasks its district owns (its own district's status only) and the matters
  about its district, and marks progress (status and note) only for its own district on tasks it owns;
  the city may mark any owner district;
- an analyst (分析) reads everything and changes nothing;
- the paper's edited text is kept per quarter and scope: a city user for any scope, a district user for
  its own district's paper only;
- figures as reported are read like the rates: every district's 全市 and 区市 rows, enterprise rows of
  the user's own districts only.

A refused change raises MeetingRefused with a Chinese message and is itself audited. The command line
acts as a city user named after the operating-system user (`command_line_user`).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from access import users
from access.scope import Scope
from access.users import User
from core.quarters import Quarter, parse_quarter
from core.text import printable
from metrics import meetings as rules
from metrics.meetings import Meeting, TaskDraft
from warehouse import meetings as records
from warehouse.store import open_reader

CITY_ROLE, DISTRICT_ROLE = "市级", "区市"
AUDIT_TEXT = 200  # characters of a user's text quoted in an audit entry


class MeetingRefused(records.MeetingError, PermissionError):
    """The user may not do this; the message says who may."""


def store_path(db) -> Path:
    """The meeting records beside the warehouse `db`."""
    return records.meetings_db_path(db)


def revision(db) -> int:
    """Changes with every write to the records (a cache key for views of them)."""
    return records.revision(store_path(db))


def command_line_user(operator: str) -> User:
    """The command line acts as a city user named after who runs it (`命令行:操作系统用户名`)."""
    return User(operator, "命令行", CITY_ROLE, None)


def _audit(db, user: User, action: str, detail: str) -> None:
    users.record(users.users_db_path(db), user.username, action, detail)


def _quoted(text: str | None) -> str:
    return printable(text or "", AUDIT_TEXT)


def _refuse(db, user: User, attempted: str, message: str) -> MeetingRefused:
    _audit(db, user, "会商操作被拒绝", f"{attempted}：{message}")
    return MeetingRefused(message)


def _require_city(db, user: User, attempted: str) -> None:
    if user.role != CITY_ROLE:
        raise _refuse(db, user, attempted, f"只有市级用户可以{attempted}；当前用户是{user.role}用户，不能{attempted}。")


def _scope(user: User) -> Scope:
    return Scope(tuple(user.districts) if user.districts else None)


# ---------------------------------------------------------------- the meeting

def meeting(user: User, db, quarter: Quarter | str) -> Meeting:
    return rules.meeting(store_path(db), quarter)


def save_meeting(user: User, db, quarter: Quarter | str, *, held_on=None,
                 attendees: Sequence[str] | None = None) -> Meeting:
    q = parse_quarter(quarter)
    _require_city(db, user, "修改会商日期和参会区市")
    result = rules.save_meeting(store_path(db), q, held_on=held_on, attendees=attendees, by=user.username)
    _audit(db, user, "会商信息修改", f"{q.label}：会商日期 {result.held_on or '未定'}；"
                                   f"参会区市 {'、'.join(result.attendees) or '未定'}")
    return result


def finalize(user: User, db, quarter: Quarter | str, *, held_on=None, today: dt.date | None = None,
             con=None) -> Meeting:
    """定稿: freeze the quarter's figures and matters (reading the warehouse through `con`, or a fresh reader)."""
    q = parse_quarter(quarter)
    _require_city(db, user, "将会商定稿")
    own = con is None
    con = open_reader(db) if own else con
    try:
        result = rules.finalize(con, store_path(db), q, by=user.username, held_on=held_on, today=today)
    finally:
        if own:
            con.close()
    _audit(db, user, "会商定稿", f"{q.label}：会商日期 {result.held_on}，冻结于 {result.frozen_at}")
    return result


def reopen(user: User, db, quarter: Quarter | str) -> Meeting:
    q = parse_quarter(quarter)
    _require_city(db, user, "将会商退回草稿")
    result = rules.reopen(store_path(db), q, by=user.username)
    _audit(db, user, "会商退回草稿", f"{q.label}：定稿时冻结的数字（{result.frozen_at}）保留，至再次定稿时替换")
    return result


# ---------------------------------------------------------------- figures as reported

def _clamped(user: User, by, districts: list[str] | None) -> list[str] | None:
    grains = {by} if isinstance(by, str) else set(by)
    return _scope(user).clamp(districts) if "enterprise" in grains else districts


def as_reported(user: User, db, quarter: Quarter | str, *, by: str | Sequence[str] = "city",
                districts: list[str] | None = None, indicators: list[str] | None = None) -> pd.DataFrame:
    return rules.as_reported(store_path(db), quarter, by=by, districts=_clamped(user, by, districts),
                             indicators=indicators)


def reported_with_restatements(user: User, con, db, quarter: Quarter | str, *, by: str | Sequence[str] = "city",
                               districts: list[str] | None = None,
                               indicators: list[str] | None = None) -> pd.DataFrame:
    return rules.reported_with_restatements(con, store_path(db), quarter, by=by,
                                            districts=_clamped(user, by, districts), indicators=indicators)


def with_reported_change(user: User, frame: pd.DataFrame, con, db, quarter: Quarter | str, *,
                         districts: list[str] | None = None) -> pd.DataFrame:
    grains = set(frame["grain"].unique()) if len(frame) else {"city"}
    return rules.with_reported_change(frame, con, store_path(db), quarter,
                                      districts=_clamped(user, tuple(grains), districts))


# ---------------------------------------------------------------- the paper's edited text

def _paper_scope(db, user: User, districts: list[str] | None, attempted: str | None) -> list[str] | None:
    """The districts of the paper the user may read (attempted None) or write: a district user's own only."""
    if attempted is not None and user.role not in (CITY_ROLE, DISTRICT_ROLE):
        raise _refuse(db, user, attempted, f"{user.role}用户只能查看，不能{attempted}。")
    return _scope(user).clamp(districts)


def draft_texts(user: User, db, quarter: Quarter | str, *, districts: list[str] | None = None) -> dict[str, str]:
    return rules.draft_texts(store_path(db), quarter, districts=_paper_scope(db, user, districts, None))


def save_draft_texts(user: User, db, quarter: Quarter | str, texts: dict[str, str], *,
                     districts: list[str] | None = None) -> None:
    q = parse_quarter(quarter)
    chosen = _paper_scope(db, user, districts, "修改会商材料正文")
    rules.save_draft_texts(store_path(db), q, texts, districts=chosen, by=user.username)
    sizes = "、".join(f"{printable(key, 32)} {len(str(text))} 字" for key, text in list(texts.items())[:20])
    _audit(db, user, "会商材料正文保存", f"{q.label} {records.scope_key(chosen)}：{sizes}")


def clear_draft_texts(user: User, db, quarter: Quarter | str, *, districts: list[str] | None = None) -> None:
    q = parse_quarter(quarter)
    chosen = _paper_scope(db, user, districts, "恢复会商材料正文")
    rules.clear_draft_texts(store_path(db), q, districts=chosen)
    _audit(db, user, "会商材料正文恢复为系统起草", f"{q.label} {records.scope_key(chosen)}")


# ---------------------------------------------------------------- common tasks

def tasks(user: User, con, db, quarter: Quarter | str, *, today: dt.date | None = None,
          agreed_only: bool = False) -> pd.DataFrame:
    """The quarter's tasks with each owner district's status; a district user gets its own district's rows."""
    return rules.task_status(con, store_path(db), quarter, today=today, districts=user.districts,
                             agreed_only=agreed_only)


def save_drafted_tasks(user: User, db, quarter: Quarter | str, drafts: Sequence[TaskDraft]) -> bool:
    q = parse_quarter(quarter)
    _require_city(db, user, "起草共性任务")
    changed = rules.save_drafted_tasks(store_path(db), q, drafts, by=user.username)
    if changed:
        _audit(db, user, "共性任务起草", f"{q.label}：系统起草 {len(drafts)} 项")
    return changed


def add_task(user: User, db, quarter: Quarter | str, *, title: str, content: str = "",
             owners: Sequence[str] | None = None, deadline=None, standard: str | None = None,
             link_kind: str | None = None, link_code: str | None = None, agreed: bool = False) -> int:
    q = parse_quarter(quarter)
    _require_city(db, user, "新增共性任务")
    task_id = rules.add_task(store_path(db), q, title=title, content=content, owners=owners, deadline=deadline,
                             standard=standard, link_kind=link_kind, link_code=link_code, agreed=agreed,
                             by=user.username)
    found = rules.task(store_path(db), task_id)
    _audit(db, user, "共性任务新增", f"{q.label} 任务#{task_id}“{_quoted(found['title'])}”："
                                   f"{'、'.join(found['owners'])}，完成时限 {found['deadline']}")
    return task_id


def edit_task(user: User, db, task_id: int, **changes) -> None:
    _require_city(db, user, "修改共性任务")
    rules.edit_task(store_path(db), task_id, by=user.username, **changes)
    found = rules.task(store_path(db), task_id)
    _audit(db, user, "共性任务修改", f"{found['quarter']} 任务#{found['id']}“{_quoted(found['title'])}”："
                                   f"修改 {'、'.join(sorted(changes))}")


def agree_task(user: User, db, task_id: int, agreed: bool = True) -> None:
    _require_city(db, user, "确定共性任务")
    rules.agree_task(store_path(db), task_id, agreed, by=user.username)
    found = rules.task(store_path(db), task_id)
    _audit(db, user, "共性任务确定" if agreed else "共性任务取消确定",
           f"{found['quarter']} 任务#{found['id']}“{_quoted(found['title'])}”")


def remove_task(user: User, db, task_id: int) -> None:
    _require_city(db, user, "删除共性任务")
    found = rules.task(store_path(db), task_id)
    rules.remove_task(store_path(db), task_id, by=user.username)
    _audit(db, user, "共性任务删除", f"{found['quarter']} 任务#{found['id']}“{_quoted(found['title'])}”")


def mark_task(user: User, db, task_id: int, district: str | None = None, *, status: str | None = None,
              note: str = "") -> None:
    """Mark progress on a task for one owner district (a district user: its own, the default)."""
    attempted = "填报共性任务进展"
    if user.role == DISTRICT_ROLE:
        district = district or user.district
        if records.checked_districts([district], "区市") != [user.district]:
            raise _refuse(db, user, attempted, f"区市用户只能填报本区市（{user.district}）的任务进展。")
        if user.district not in rules.task(store_path(db), task_id)["owners"]:
            raise _refuse(db, user, attempted, f"该任务的责任区市不含{user.district}，不能填报进展。")
    elif user.role != CITY_ROLE:
        raise _refuse(db, user, attempted, f"{user.role}用户只能查看，不能{attempted}。")
    elif district is None:
        raise records.RecordError("请选择填报进展的责任区市。")
    rules.mark_task(store_path(db), task_id, district, status=status, note=note, by=user.username)
    found = rules.task(store_path(db), task_id)
    _audit(db, user, "共性任务进展", f"{found['quarter']} 任务#{found['id']}“{_quoted(found['title'])}” "
                                   f"{records.checked_districts([district], '区市')[0]}："
                                   f"{status or '（状态不变）'}；说明：{_quoted(note)}")


# ---------------------------------------------------------------- matters

def matters(user: User, con, db, quarter: Quarter | str, *, today: dt.date | None = None) -> pd.DataFrame:
    """The matters for the meeting; a district user gets those about its district."""
    return rules.matters(con, store_path(db), quarter, today=today, districts=user.districts)


def decide_matter(user: User, con, db, quarter: Quarter | str, key: str, decision: str, *,
                  text: str | None = None, today: dt.date | None = None) -> None:
    q = parse_quarter(quarter)
    _require_city(db, user, "处理提请会商事项")
    rules.decide_matter(con, store_path(db), q, key, decision, text=text, today=today, by=user.username)
    _audit(db, user, "提请会商事项处理", f"{q.label} {_quoted(key)}：{decision}"
                                     + (f"；内容：{_quoted(text)}" if text else ""))
