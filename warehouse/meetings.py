"""The meeting's own records (contract §6): meetings, frozen figures, common tasks, matters, the paper's drafts.

They live in a small SQLite file beside the warehouse (`meetings.sqlite3`, or `$WEIHAI_MEETINGS_DB`),
not in the warehouse: the warehouse is rebuilt from the files sent in and rolled back batch by batch,
while these records are made by the city office in the product and must survive both. No load,
rollback or rebuild opens this file.

Plain reads and writes only; the rules (who may do what, when a task is done) are in
`metrics.meetings` and `access.meetings`. Every write is one transaction (`BEGIN IMMEDIATE`) and
bumps `revision`, which a cache can key on. Every text is checked here before it is stored: bounded
in length, and without control or format characters (a newline is allowed in running text only).
The schema carries a version (`PRAGMA user_version`); a file written by a newer version is refused.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path

import pandas as pd

from core.config import districts as configured_districts
from core.quarters import Quarter, parse_quarter
from core.text import first_unprintable, printable

MEETINGS_ENV_VAR = "WEIHAI_MEETINGS_DB"
FILE_NAME = "meetings.sqlite3"
FILE_MODE = 0o600
SCHEMA_VERSION = 1

DRAFT, FINAL = "草稿", "定稿"
NOT_STARTED, IN_PROGRESS, DONE, OVERDUE = "未开始", "推进中", "已完成", "逾期"
TASK_STATES = (NOT_STARTED, IN_PROGRESS, DONE, OVERDUE)
MARKS = (NOT_STARTED, IN_PROGRESS, DONE)  # what a district or the city may mark; 逾期 is never marked
LINK_KINDS = ("indicator", "watch")
ORIGINS = ("drafted", "edited", "added")
UNDECIDED, ACCEPTED, EDITED, DROPPED = "待定", "采纳", "修改", "不提请"
DECISIONS = (UNDECIDED, ACCEPTED, EDITED, DROPPED)
CITY_SCOPE = "全市"

# Bounds on what a user may store (characters).
TITLE_LIMIT = 100
CONTENT_LIMIT = 2000
STANDARD_LIMIT = 500
NOTE_LIMIT = 1000
MATTER_TEXT_LIMIT = 1000
SECTION_TEXT_LIMIT = 20000
SECTIONS_MAX = 20
TASKS_MAX = 200  # tasks of one meeting
KEY_LIMIT = 200
NAME_LIMIT = 64  # who did it, as stored
DISTRICTS_MAX = 64  # names in one list of districts

_SECTION_KEY = re.compile(r"^[a-z][a-z0-9_]{0,31}$")

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meetings (
  quarter TEXT PRIMARY KEY,
  held_on TEXT,
  state TEXT NOT NULL DEFAULT '草稿',
  frozen_at TEXT,
  frozen_by TEXT,
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  updated_by TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS attendees (
  quarter TEXT NOT NULL,
  district TEXT NOT NULL,
  position INTEGER NOT NULL,
  PRIMARY KEY (quarter, district)
);
CREATE TABLE IF NOT EXISTS draft_texts (
  quarter TEXT NOT NULL,
  scope TEXT NOT NULL,
  section TEXT NOT NULL,
  text TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  updated_by TEXT NOT NULL,
  PRIMARY KEY (quarter, scope, section)
);
CREATE TABLE IF NOT EXISTS frozen_figures (
  quarter TEXT NOT NULL,
  position INTEGER NOT NULL,
  indicator TEXT NOT NULL,
  indicator_name TEXT NOT NULL,
  grain TEXT NOT NULL,
  grp TEXT NOT NULL,
  group_name TEXT,
  district TEXT,
  numerator INTEGER NOT NULL,
  denominator INTEGER NOT NULL,
  rate REAL,
  level TEXT NOT NULL,
  note TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (quarter, position)
);
CREATE INDEX IF NOT EXISTS frozen_rows ON frozen_figures (quarter, grain, indicator);
CREATE TABLE IF NOT EXISTS tasks (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  quarter TEXT NOT NULL,
  position INTEGER NOT NULL,
  draft_key TEXT,
  title TEXT NOT NULL,
  content TEXT NOT NULL DEFAULT '',
  deadline TEXT NOT NULL,
  standard TEXT NOT NULL DEFAULT '',
  link_kind TEXT,
  link_code TEXT,
  origin TEXT NOT NULL,
  agreed INTEGER NOT NULL DEFAULT 0,
  removed INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  updated_by TEXT NOT NULL,
  UNIQUE (quarter, draft_key)
);
CREATE TABLE IF NOT EXISTS task_owners (
  task_id INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  district TEXT NOT NULL,
  position INTEGER NOT NULL,
  PRIMARY KEY (task_id, district)
);
CREATE TABLE IF NOT EXISTS task_marks (
  task_id INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  district TEXT NOT NULL,
  status TEXT,
  note TEXT NOT NULL DEFAULT '',
  marked_by TEXT NOT NULL,
  marked_at TEXT NOT NULL,
  PRIMARY KEY (task_id, district)
);
CREATE TABLE IF NOT EXISTS matter_decisions (
  quarter TEXT NOT NULL,
  key TEXT NOT NULL,
  decision TEXT NOT NULL,
  text TEXT,
  decided_by TEXT NOT NULL,
  decided_at TEXT NOT NULL,
  PRIMARY KEY (quarter, key)
);
CREATE TABLE IF NOT EXISTS final_matters (
  quarter TEXT NOT NULL,
  position INTEGER NOT NULL,
  key TEXT NOT NULL,
  kind TEXT NOT NULL,
  subject TEXT NOT NULL,
  districts TEXT NOT NULL,
  drafted_text TEXT NOT NULL,
  decision TEXT NOT NULL,
  text TEXT NOT NULL,
  decided_by TEXT,
  decided_at TEXT,
  PRIMARY KEY (quarter, key)
);
"""

FIGURE_COLUMNS = ["indicator", "indicator_name", "group", "group_name", "district", "numerator", "denominator",
                  "rate", "level", "grain", "note"]
MATTER_COLUMNS = ["key", "kind", "subject", "districts", "drafted_text", "decision", "text", "decided_by",
                  "decided_at"]


class MeetingError(Exception):
    """A meeting record that cannot be read or written as asked; the message (Chinese) says what to do."""


class RecordError(MeetingError, ValueError):
    """A value that cannot be stored: too long, control characters, unknown district, bad date …"""


class MeetingLocked(MeetingError):
    """The meeting is 定稿: its tasks, matters and paper are no longer edited until a city user reopens it."""


class NewerStore(MeetingError):
    """The file was written by a newer version of the product."""


def meetings_db_path(warehouse: str | os.PathLike) -> Path:
    """`$WEIHAI_MEETINGS_DB`, else `meetings.sqlite3` beside the warehouse."""
    return Path(os.environ.get(MEETINGS_ENV_VAR) or Path(warehouse).with_name(FILE_NAME))


def now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


# ---------------------------------------------------------------- checked values

def checked_text(value: object, field: str, limit: int, *, multiline: bool = False, required: bool = False) -> str:
    """`value` as stored: trimmed, line ends as \\n; RecordError when too long or with a control character."""
    text = "" if value is None else str(value)
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.strip()
    if len(text) > limit:  # before anything looks at each character
        raise RecordError(f"{field}最多 {limit} 个字，现有 {len(text)} 个字，请删减后再保存。")
    bad = first_unprintable(text, "\n" if multiline else "")
    if bad:
        position, shown = bad
        what = "控制字符或格式字符" + ("" if multiline else "（含换行）")
        raise RecordError(f"{field}第 {position} 个字符是{what} {shown}，不能保存。请删除该字符后重新填写。")
    if required and not text:
        raise RecordError(f"{field}不能为空。")
    return text


def checked_districts(values: Iterable[str] | None, field: str) -> list[str]:
    """Canonical district names in configured order; RecordError naming an unknown one."""
    config = configured_districts()
    values = [values] if isinstance(values, str) else list(values or ())
    if len(values) > DISTRICTS_MAX:
        raise RecordError(f"{field}最多 {DISTRICTS_MAX} 项，收到 {len(values)} 项。")
    chosen = set()
    for value in values:
        name = config.canonical(checked_text(value, field, NAME_LIMIT))
        if name is None:
            raise RecordError(f"{field}中的“{printable(value, 40)}”不是本市的区市（可选：{'、'.join(config.names)}）。")
        chosen.add(name)
    return [name for name in config.names if name in chosen]


def checked_date(value: object, field: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise RecordError(f"{field}“{printable(value, 40)}”不是有效日期，应写作 2026-10-15。") from None


def checked_key(value: object, field: str) -> str:
    return checked_text(value, field, KEY_LIMIT, required=True)


def _who(by: str) -> str:
    return printable(by, NAME_LIMIT) if by else "（未知）"


def _stamp(moment: dt.datetime | None) -> str:
    return (moment or now()).isoformat(sep=" ")


# ---------------------------------------------------------------- the file

def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        try:
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE))
        except FileExistsError:
            pass


def _connect(path: str | os.PathLike) -> sqlite3.Connection:
    path = Path(path)
    _create(path)
    con = sqlite3.connect(str(path), timeout=30, isolation_level=None)
    try:
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA foreign_keys=ON")
        version = con.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise NewerStore(f"会商记录文件 {path} 由较新版本的系统写入（格式版本 {version}），"
                             "请升级本系统后再打开，不要用旧版本修改它。")
        if version < SCHEMA_VERSION:  # every statement is idempotent: two first users at once are harmless
            con.executescript(SCHEMA)
            con.execute("INSERT OR IGNORE INTO meta VALUES ('revision', '0')")
            con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    except BaseException:
        con.close()
        raise
    return con


def _empty() -> sqlite3.Connection:
    """An empty store in memory: reading records that were never written creates no file."""
    con = sqlite3.connect(":memory:", isolation_level=None)
    con.executescript(SCHEMA)
    con.execute("INSERT INTO meta VALUES ('revision', '0')")
    return con


@contextmanager
def _reading(path) -> Iterator[sqlite3.Connection]:
    with closing(_connect(path) if Path(path).exists() else _empty()) as con:
        yield con


@contextmanager
def _writing(path, locked_quarter: str | None = None) -> Iterator[sqlite3.Connection]:
    """One write transaction that bumps the revision; with `locked_quarter`, refused when that meeting is 定稿."""
    with closing(_connect(path)) as con:
        con.execute("BEGIN IMMEDIATE")
        try:
            if locked_quarter is not None:
                row = con.execute("SELECT state FROM meetings WHERE quarter = ?", [locked_quarter]).fetchone()
                if row and row[0] == FINAL:
                    raise MeetingLocked(locked_message(locked_quarter))
            yield con
            con.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'revision'")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")


def locked_message(quarter_label: str) -> str:
    return (f"{parse_quarter(quarter_label).cn}会商已定稿，共性任务、提请会商事项和材料正文不能再修改。"
            "如需修改，请市级用户先将会商退回草稿。")


def revision(path) -> int:
    """A number that changes with every write (a cache key for the records)."""
    with _reading(path) as con:
        return int(con.execute("SELECT value FROM meta WHERE key = 'revision'").fetchone()[0])


# ---------------------------------------------------------------- meetings

def read_meeting(path, quarter: Quarter) -> dict | None:
    with _reading(path) as con:
        row = con.execute("SELECT quarter, held_on, state, frozen_at, frozen_by, created_at, created_by, updated_at, "
                          "updated_by FROM meetings WHERE quarter = ?", [quarter.label]).fetchone()
        if row is None:
            return None
        names = ["quarter", "held_on", "state", "frozen_at", "frozen_by", "created_at", "created_by", "updated_at",
                 "updated_by"]
        record = dict(zip(names, row))
        record["attendees"] = [d for (d,) in con.execute(
            "SELECT district FROM attendees WHERE quarter = ? ORDER BY position", [quarter.label])]
    return record


def _ensure_meeting(con, quarter: Quarter, by: str, stamp: str) -> None:
    con.execute("INSERT OR IGNORE INTO meetings (quarter, created_at, created_by, updated_at, updated_by) "
                "VALUES (?, ?, ?, ?, ?)", [quarter.label, stamp, _who(by), stamp, _who(by)])


def _touch(con, quarter: Quarter, by: str, stamp: str) -> None:
    con.execute("UPDATE meetings SET updated_at = ?, updated_by = ? WHERE quarter = ?",
                [stamp, _who(by), quarter.label])


def _write_attendees(con, quarter: Quarter, attendees: Sequence[str]) -> None:
    con.execute("DELETE FROM attendees WHERE quarter = ?", [quarter.label])
    con.executemany("INSERT INTO attendees VALUES (?, ?, ?)",
                    [(quarter.label, district, n) for n, district in enumerate(attendees)])


def write_meeting(path, quarter: Quarter, *, held_on: dt.date | None, attendees: Sequence[str] | None, by: str,
                  moment: dt.datetime | None = None) -> None:
    """Set the date held and/or the attendees (None leaves a value as it is); refused once 定稿."""
    stamp = _stamp(moment)
    with _writing(path, locked_quarter=quarter.label) as con:
        _ensure_meeting(con, quarter, by, stamp)
        if held_on is not None:
            con.execute("UPDATE meetings SET held_on = ? WHERE quarter = ?", [held_on.isoformat(), quarter.label])
        if attendees is not None:
            _write_attendees(con, quarter, attendees)
        _touch(con, quarter, by, stamp)


def freeze(path, quarter: Quarter, figures: pd.DataFrame, matters: pd.DataFrame, *, held_on: dt.date, by: str,
           moment: dt.datetime | None = None) -> None:
    """Store the quarter's figures and matters as reported and set the meeting 定稿, in one transaction.

    The figures of an earlier 定稿 are replaced whole. MeetingLocked when the meeting is already 定稿.
    """
    stamp = _stamp(moment)
    rows = figures[FIGURE_COLUMNS].astype(object).where(figures[FIGURE_COLUMNS].notna(), None)
    with _writing(path, locked_quarter=quarter.label) as con:
        _ensure_meeting(con, quarter, by, stamp)
        con.execute("DELETE FROM frozen_figures WHERE quarter = ?", [quarter.label])
        con.executemany(
            "INSERT INTO frozen_figures (quarter, position, indicator, indicator_name, grp, group_name, district, "
            "numerator, denominator, rate, level, grain, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ((quarter.label, n, *row) for n, row in enumerate(rows.itertuples(index=False, name=None))))
        con.execute("DELETE FROM final_matters WHERE quarter = ?", [quarter.label])
        con.executemany(
            "INSERT INTO final_matters (quarter, position, key, kind, subject, districts, drafted_text, decision, "
            "text, decided_by, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ((quarter.label, n, *row) for n, row in enumerate(
                matters[MATTER_COLUMNS].astype(object).where(matters[MATTER_COLUMNS].notna(), None)
                .itertuples(index=False, name=None))))
        con.execute("UPDATE meetings SET state = ?, held_on = ?, frozen_at = ?, frozen_by = ? WHERE quarter = ?",
                    [FINAL, held_on.isoformat(), stamp, _who(by), quarter.label])
        _touch(con, quarter, by, stamp)


def set_state(path, quarter: Quarter, state: str, *, by: str, moment: dt.datetime | None = None) -> None:
    stamp = _stamp(moment)
    with _writing(path) as con:
        _ensure_meeting(con, quarter, by, stamp)
        con.execute("UPDATE meetings SET state = ? WHERE quarter = ?", [state, quarter.label])
        _touch(con, quarter, by, stamp)


def read_frozen(path, quarter: Quarter, grains: Sequence[str], districts: Sequence[str] | None = None,
                indicators: Sequence[str] | None = None) -> pd.DataFrame:
    """The frozen rows of the quarter (FIGURE_COLUMNS + frozen_at) in the order reported; districts limit the
    district and enterprise rows (the city row is kept)."""
    where, params = ["f.quarter = ?", f"f.grain IN ({','.join('?' * len(grains))})"], [quarter.label, *grains]
    if districts is not None:
        where.append(f"(f.grain = 'city' OR f.district IN ({','.join('?' * len(districts))}))")
        params += list(districts)
    if indicators is not None:
        where.append(f"f.indicator IN ({','.join('?' * len(indicators))})")
        params += list(indicators)
    sql = (f"SELECT f.indicator, f.indicator_name, f.grp AS \"group\", f.group_name, f.district, f.numerator, "
           f"f.denominator, f.rate, f.level, f.grain, f.note, m.frozen_at FROM frozen_figures f "
           f"JOIN meetings m ON m.quarter = f.quarter WHERE {' AND '.join(where)} ORDER BY f.position")
    with _reading(path) as con:
        frame = pd.read_sql_query(sql, con, params=params)
    frame["rate"] = frame["rate"].astype(float)
    frame["district"] = frame["district"].astype(object).where(frame["district"].notna(), None)
    frame["frozen_at"] = pd.to_datetime(frame["frozen_at"])
    return frame


def frozen_quarters(path) -> list[str]:
    """Quarters that have frozen figures (finalised at least once), oldest first."""
    with _reading(path) as con:
        return [q for (q,) in con.execute("SELECT DISTINCT quarter FROM frozen_figures ORDER BY quarter")]


def has_frozen(path, quarter: Quarter) -> bool:
    with _reading(path) as con:
        return con.execute("SELECT 1 FROM frozen_figures WHERE quarter = ? LIMIT 1", [quarter.label]).fetchone() \
            is not None


# ---------------------------------------------------------------- the paper's draft texts

def scope_key(districts: Sequence[str] | None) -> str:
    """全市, or the districts of a narrower paper joined by 、 in configured order."""
    chosen = checked_districts(districts, "材料范围") if districts else []
    return CITY_SCOPE if not chosen or len(chosen) == len(configured_districts().names) else "、".join(chosen)


def read_drafts(path, quarter: Quarter, scope: str) -> dict[str, str]:
    with _reading(path) as con:
        return dict(con.execute("SELECT section, text FROM draft_texts WHERE quarter = ? AND scope = ? "
                                "ORDER BY section", [quarter.label, scope]))


def write_drafts(path, quarter: Quarter, scope: str, texts: dict[str, str], *, by: str, locked: bool,
                 moment: dt.datetime | None = None) -> None:
    """Store the sections given (others are kept); `locked`: refused when the meeting is 定稿."""
    if len(texts) > SECTIONS_MAX:
        raise RecordError(f"材料正文最多 {SECTIONS_MAX} 节，收到 {len(texts)} 节。")
    rows = []
    for section, text in texts.items():
        if not isinstance(section, str) or not _SECTION_KEY.match(section):
            raise RecordError(f"材料正文的节名“{printable(section, 40)}”无效（应为小写英文字母、数字和下划线）。")
        rows.append((quarter.label, scope, section, checked_text(text, f"材料正文“{section}”节", SECTION_TEXT_LIMIT,
                                                                    multiline=True)))
    stamp = _stamp(moment)
    with _writing(path, locked_quarter=quarter.label if locked else None) as con:
        con.executemany("INSERT INTO draft_texts VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (quarter, scope, section) "
                        "DO UPDATE SET text = excluded.text, updated_at = excluded.updated_at, "
                        "updated_by = excluded.updated_by",
                        [(*row, stamp, _who(by)) for row in rows])


def clear_drafts(path, quarter: Quarter, scope: str, *, locked: bool) -> None:
    with _writing(path, locked_quarter=quarter.label if locked else None) as con:
        con.execute("DELETE FROM draft_texts WHERE quarter = ? AND scope = ?", [quarter.label, scope])


# ---------------------------------------------------------------- common tasks

TASK_FIELDS = ("title", "content", "deadline", "standard", "link_kind", "link_code")


def checked_task(fields: dict) -> dict:
    """The task fields given, checked; owners as canonical districts, deadline as an ISO date."""
    out = {}
    if "title" in fields:
        out["title"] = checked_text(fields["title"], "任务标题", TITLE_LIMIT, required=True)
    if "content" in fields:
        out["content"] = checked_text(fields["content"], "任务内容", CONTENT_LIMIT, multiline=True)
    if "standard" in fields:
        out["standard"] = checked_text(fields["standard"], "完成标准", STANDARD_LIMIT, multiline=True)
    if "deadline" in fields:
        out["deadline"] = checked_date(fields["deadline"], "完成时限").isoformat()
    if "owners" in fields:
        out["owners"] = checked_districts(fields["owners"], "责任区市")
        if not out["owners"]:
            raise RecordError("责任区市不能为空：请选择一个、几个或全部区市。")
    if "link_kind" in fields:
        kind = fields["link_kind"] or None
        if kind is not None and kind not in LINK_KINDS:
            raise RecordError(f"任务关联类型“{printable(kind, 20)}”无效（可选：indicator 指标、watch 预警清单，或不关联）。")
        out["link_kind"] = kind
    if "link_code" in fields:
        out["link_code"] = checked_text(fields["link_code"], "任务关联代码", NAME_LIMIT) or None
    return out


def _owners(con, task_id: int, owners: Sequence[str]) -> None:
    con.execute("DELETE FROM task_owners WHERE task_id = ?", [task_id])
    con.executemany("INSERT INTO task_owners VALUES (?, ?, ?)", [(task_id, d, n) for n, d in enumerate(owners)])


def _task_count(con, quarter: Quarter) -> int:
    return con.execute("SELECT count(*) FROM tasks WHERE quarter = ? AND NOT removed", [quarter.label]).fetchone()[0]


def _too_many(quarter: Quarter) -> RecordError:
    return RecordError(f"{quarter.cn}会商的共性任务已达 {TASKS_MAX} 项上限，请先删除不需要的任务。")


def insert_task(path, quarter: Quarter, task: dict, *, origin: str, agreed: bool, by: str,
                moment: dt.datetime | None = None) -> int:
    """A new task (fields already checked by `checked_task`); its id."""
    stamp = _stamp(moment)
    with _writing(path, locked_quarter=quarter.label) as con:
        if _task_count(con, quarter) >= TASKS_MAX:
            raise _too_many(quarter)
        position = con.execute("SELECT coalesce(max(position), -1) + 1 FROM tasks WHERE quarter = ?",
                               [quarter.label]).fetchone()[0]
        cursor = con.execute(
            "INSERT INTO tasks (quarter, position, draft_key, title, content, deadline, standard, link_kind, "
            "link_code, origin, agreed, created_at, created_by, updated_at, updated_by) "
            "VALUES (?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [quarter.label, position, task["title"], task.get("content", ""), task["deadline"],
             task.get("standard", ""), task.get("link_kind"), task.get("link_code"), origin, int(agreed),
             stamp, _who(by), stamp, _who(by)])
        task_id = cursor.lastrowid
        _owners(con, task_id, task["owners"])
    return task_id


class _Unchanged(Exception):
    """Raised inside a write transaction that found nothing to change: rolled back, revision kept."""


def replace_drafted_tasks(path, quarter: Quarter, drafts: Sequence[dict], *, by: str,
                          moment: dt.datetime | None = None) -> bool:
    """Bring the product's drafted tasks (each with a `key`; fields checked) up to date; True when anything changed.

    A drafted task nobody touched is rewritten from its new draft (or removed when no longer drafted);
    a task edited, agreed or removed by a user keeps what the user made of it.
    """
    try:
        _replace_drafted(path, quarter, drafts, by=by, moment=moment)
    except _Unchanged:
        return False
    return True


def _replace_drafted(path, quarter: Quarter, drafts: Sequence[dict], *, by: str, moment: dt.datetime | None) -> None:
    stamp = _stamp(moment)
    changed = False
    with _writing(path, locked_quarter=quarter.label) as con:
        existing = {key: (task_id, origin, agreed, removed) for task_id, key, origin, agreed, removed in con.execute(
            "SELECT id, draft_key, origin, agreed, removed FROM tasks WHERE quarter = ? AND draft_key IS NOT NULL",
            [quarter.label])}
        wanted = {draft["key"] for draft in drafts}
        for key, (task_id, origin, agreed, removed) in existing.items():
            if key not in wanted and origin == "drafted" and not agreed and not removed:
                con.execute("DELETE FROM tasks WHERE id = ?", [task_id])
                changed = True
        for position, draft in enumerate(drafts):
            values = [draft["title"], draft.get("content", ""), draft["deadline"], draft.get("standard", ""),
                      draft.get("link_kind"), draft.get("link_code")]
            if draft["key"] not in existing:
                if _task_count(con, quarter) >= TASKS_MAX:
                    raise _too_many(quarter)
                task_id = con.execute(
                    "INSERT INTO tasks (quarter, position, draft_key, title, content, deadline, standard, link_kind, "
                    "link_code, origin, agreed, created_at, created_by, updated_at, updated_by) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'drafted', 0, ?, ?, ?, ?)",
                    [quarter.label, position, draft["key"], *values, stamp, _who(by), stamp, _who(by)]).lastrowid
                _owners(con, task_id, draft["owners"])
                changed = True
                continue
            task_id, origin, agreed, removed = existing[draft["key"]]
            if origin != "drafted" or agreed or removed:
                continue
            before = con.execute("SELECT position, title, content, deadline, standard, link_kind, link_code "
                                 "FROM tasks WHERE id = ?", [task_id]).fetchone()
            owners = [d for (d,) in con.execute("SELECT district FROM task_owners WHERE task_id = ? ORDER BY position",
                                                [task_id])]
            if list(before) != [position, *values] or owners != list(draft["owners"]):
                con.execute("UPDATE tasks SET position = ?, title = ?, content = ?, deadline = ?, standard = ?, "
                            "link_kind = ?, link_code = ?, updated_at = ?, updated_by = ? WHERE id = ?",
                            [position, *values, stamp, _who(by), task_id])
                _owners(con, task_id, draft["owners"])
                changed = True
        if not changed:
            raise _Unchanged


def read_task(path, task_id: int) -> dict | None:
    with _reading(path) as con:
        row = con.execute("SELECT id, quarter, title, content, deadline, standard, link_kind, link_code, origin, "
                          "agreed, removed FROM tasks WHERE id = ?", [int(task_id)]).fetchone()
        if row is None:
            return None
        names = ["id", "quarter", "title", "content", "deadline", "standard", "link_kind", "link_code", "origin",
                 "agreed", "removed"]
        task = dict(zip(names, row))
        task["owners"] = [d for (d,) in con.execute(
            "SELECT district FROM task_owners WHERE task_id = ? ORDER BY position", [int(task_id)])]
    return task


def update_task(path, task_id: int, quarter: Quarter, changes: dict, *, origin: str | None, by: str,
                moment: dt.datetime | None = None) -> None:
    """Change checked fields (and owners) of a task; `origin` None keeps it."""
    stamp = _stamp(moment)
    with _writing(path, locked_quarter=quarter.label) as con:
        sets = [(name, changes[name]) for name in TASK_FIELDS if name in changes]
        if "agreed" in changes:
            sets.append(("agreed", int(bool(changes["agreed"]))))
        if "removed" in changes:
            sets.append(("removed", int(bool(changes["removed"]))))
        if origin is not None:
            sets.append(("origin", origin))
        sets += [("updated_at", stamp), ("updated_by", _who(by))]
        con.execute(f"UPDATE tasks SET {', '.join(f'{name} = ?' for name, _ in sets)} WHERE id = ?",
                    [value for _, value in sets] + [int(task_id)])
        if "owners" in changes:
            _owners(con, int(task_id), changes["owners"])


def delete_task(path, task_id: int, quarter: Quarter) -> None:
    with _writing(path, locked_quarter=quarter.label) as con:
        con.execute("DELETE FROM tasks WHERE id = ?", [int(task_id)])


def write_mark(path, task_id: int, district: str, *, status: str | None, note: str, by: str,
               moment: dt.datetime | None = None) -> None:
    """A district's progress on a task: a status (None keeps the marked one) and a note."""
    stamp = _stamp(moment)
    with _writing(path) as con:
        con.execute("INSERT INTO task_marks VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (task_id, district) DO UPDATE SET "
                    "status = coalesce(excluded.status, task_marks.status), note = excluded.note, "
                    "marked_by = excluded.marked_by, marked_at = excluded.marked_at",
                    [int(task_id), district, status, note, _who(by), stamp])


TASK_ROW_COLUMNS = ["task_id", "quarter", "position", "draft_key", "title", "content", "deadline", "standard",
                    "link_kind", "link_code", "origin", "agreed", "owners", "district", "owner_position",
                    "mark_status", "note", "marked_by", "marked_at"]


def read_task_rows(path, quarter: Quarter) -> pd.DataFrame:
    """One row per task (not removed) and owner district, with that district's mark; TASK_ROW_COLUMNS."""
    sql = """
SELECT t.id AS task_id, t.quarter, t.position, t.draft_key, t.title, t.content, t.deadline, t.standard,
       t.link_kind, t.link_code, t.origin, t.agreed,
       (SELECT group_concat(district, '、') FROM (SELECT district FROM task_owners
         WHERE task_id = t.id ORDER BY position)) AS owners,
       o.district, o.position AS owner_position,
       m.status AS mark_status, coalesce(m.note, '') AS note, m.marked_by, m.marked_at
FROM tasks t
JOIN task_owners o ON o.task_id = t.id
LEFT JOIN task_marks m ON m.task_id = t.id AND m.district = o.district
WHERE t.quarter = ? AND NOT t.removed
ORDER BY t.draft_key IS NULL, t.position, t.id, o.position
"""
    with _reading(path) as con:
        frame = pd.read_sql_query(sql, con, params=[quarter.label])
    frame["agreed"] = frame["agreed"].astype(bool)
    return frame[TASK_ROW_COLUMNS]


# ---------------------------------------------------------------- matters

def read_decisions(path, quarter: Quarter) -> pd.DataFrame:
    with _reading(path) as con:
        return pd.read_sql_query("SELECT key, decision, text AS decided_text, decided_by, decided_at "
                                 "FROM matter_decisions WHERE quarter = ?", con, params=[quarter.label])


def write_decision(path, quarter: Quarter, key: str, decision: str, text: str | None, *, by: str,
                   moment: dt.datetime | None = None) -> None:
    stamp = _stamp(moment)
    with _writing(path, locked_quarter=quarter.label) as con:
        _ensure_meeting(con, quarter, by, stamp)
        con.execute("INSERT INTO matter_decisions VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (quarter, key) DO UPDATE "
                    "SET decision = excluded.decision, text = excluded.text, decided_by = excluded.decided_by, "
                    "decided_at = excluded.decided_at", [quarter.label, key, decision, text, _who(by), stamp])


def read_final_matters(path, quarter: Quarter) -> pd.DataFrame:
    with _reading(path) as con:
        return pd.read_sql_query(f"SELECT {', '.join(MATTER_COLUMNS)} FROM final_matters WHERE quarter = ? "
                                 "ORDER BY position", con, params=[quarter.label])
