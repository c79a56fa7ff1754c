"""Users, passwords, sign-in throttling and the audit log.

They live in a small SQLite file beside the warehouse (`access.sqlite3`), not in
the warehouse itself: sign-ins and audit entries are written by the dashboard at
any moment, while the warehouse is only ever replaced whole by a load.

Passwords are kept as argon2id hashes; neither a password nor a hash is ever
returned by a function here, printed, or written to the audit log. The file is
readable by its owner only (0600).

Sign-in throttling counts attempts per user name and per client address in
`login_throttle`, whether or not the user name exists: an unknown name is
verified against a dummy hash, counted, slowed down and locked exactly like a
real one, so no answer tells an attacker which names exist. Every attempt is
counted as a failure before its password is checked (one SQLite write
transaction, `BEGIN IMMEDIATE`), so parallel guesses all count; a right password
signs in only if no lock has been set by the time it has been checked.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import sqlite3
import threading
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from core.config import districts
from core.settings import settings
from core.text import printable
from warehouse.store import is_demo as is_demo_warehouse, open_reader

ROLES = {"市级": "市级（市化工专项行动办公室）", "区市": "区市（区市负责人，仅本区市）", "分析": "分析（全部区市，只读）"}
USERS_ENV_VAR = "WEIHAI_USERS_DB"
NAME_LIMIT = 64  # user names, audit actions and client addresses as stored
DETAIL_LIMIT = 2000  # an audit entry's detail as stored
FILE_MODE = 0o600
_hasher = PasswordHasher()

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
  username TEXT PRIMARY KEY,
  display_name TEXT NOT NULL,
  role TEXT NOT NULL,
  district TEXT,
  password_hash TEXT NOT NULL,
  failed_count INTEGER NOT NULL DEFAULT 0,
  locked_until TEXT,
  created_at TEXT NOT NULL,
  demo INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS audit_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL,
  username TEXT NOT NULL,
  action TEXT NOT NULL,
  detail TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS login_throttle (
  key TEXT PRIMARY KEY,
  failed_count INTEGER NOT NULL,
  last_attempt_at TEXT NOT NULL,
  locked_until TEXT
);
"""

WRONG_MESSAGE = "用户名或密码不正确。"


class AccessError(Exception):
    """A user-management or sign-in problem, with a Chinese message."""


@dataclass(frozen=True)
class User:
    username: str
    display_name: str
    role: str
    district: str | None
    demo: bool = False

    @property
    def districts(self) -> list[str] | None:
        """The districts whose records this user may see; None = every district."""
        return [self.district] if self.role == "区市" else None

    @property
    def can_import(self) -> bool:
        return self.role == "市级"


def users_db_path(warehouse: str | os.PathLike) -> Path:
    """`$WEIHAI_USERS_DB`, else `access.sqlite3` beside the warehouse."""
    return Path(os.environ.get(USERS_ENV_VAR) or Path(warehouse).with_name("access.sqlite3"))


def _owner_only(path: Path) -> None:
    """The store and its WAL files readable by the owner only, whatever the umask."""
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            if file.stat().st_mode & 0o777 != FILE_MODE:
                os.chmod(file, FILE_MODE)
        except FileNotFoundError:
            pass


def _connect(path: str | os.PathLike) -> sqlite3.Connection:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, FILE_MODE))
    _owner_only(path)
    con = sqlite3.connect(str(path), timeout=30, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.executescript(SCHEMA)
    if "demo" not in {row[1] for row in con.execute("PRAGMA table_info(users)")}:
        con.execute("ALTER TABLE users ADD COLUMN demo INTEGER NOT NULL DEFAULT 0")
    _owner_only(path)
    return con


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def stored_name(name: str | None) -> str:
    """A user name as the audit log and the throttle keep it: printable, at most NAME_LIMIT characters."""
    return printable(name, NAME_LIMIT) if name else "（空）"


def _check_role(role: str, district: str | None) -> str | None:
    if role not in ROLES:
        raise AccessError(f"未知角色“{role}”，可选：{'、'.join(ROLES)}。")
    if role == "区市":
        canonical = districts().canonical(district or "")
        if not canonical:
            raise AccessError(f"区市用户须指定所属区市（可选：{'、'.join(districts().names)}）。")
        return canonical
    return None


def _check_username(username: str) -> None:
    if not username or len(username) > NAME_LIMIT or printable(username) != username or username != username.strip():
        raise AccessError(f"用户名须为 1 至 {NAME_LIMIT} 个字符，不能含控制字符，首尾不能有空格。")


def _check_password(password: str) -> None:
    if len(password) < 8:
        raise AccessError("密码至少 8 位。")


def add_user(path, username: str, password: str, *, role: str, display_name: str, district: str | None = None,
             demo: bool = False) -> User:
    _check_username(username)
    district = _check_role(role, district)
    _check_password(password)
    with closing(_connect(path)) as con:
        if con.execute("SELECT 1 FROM users WHERE username = ?", [username]).fetchone():
            raise AccessError(f"用户“{username}”已存在；修改密码请用 `python -m etl users passwd {username}`。")
        con.execute("INSERT INTO users (username, display_name, role, district, password_hash, created_at, demo) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [username, display_name, role, district, _hasher.hash(password), _now().isoformat(), int(demo)])
    return User(username, display_name, role, district, demo)


def remove_user(path, username: str) -> None:
    with closing(_connect(path)) as con:
        if not con.execute("DELETE FROM users WHERE username = ?", [username]).rowcount:
            raise AccessError(f"用户“{printable(username, NAME_LIMIT)}”不存在。")


def set_password(path, username: str, password: str) -> None:
    _check_password(password)
    with closing(_connect(path)) as con:
        changed = con.execute("UPDATE users SET password_hash = ? WHERE username = ?",
                              [_hasher.hash(password), username]).rowcount
        if not changed:
            raise AccessError(f"用户“{printable(username, NAME_LIMIT)}”不存在。")
        con.execute("DELETE FROM login_throttle WHERE key = ?", [_user_key(username)])


def list_users(path) -> list[User]:
    with closing(_connect(path)) as con:
        rows = con.execute("SELECT username, display_name, role, district, demo = 1 FROM users "
                           "ORDER BY role, username").fetchall()
    return [User(*row) for row in rows]


def has_users(path) -> bool:
    with closing(_connect(path)) as con:
        return con.execute("SELECT count(*) FROM users").fetchone()[0] > 0


def _throttle_seconds(failures: int) -> float:
    """Each failed sign-in in a row makes the next answer slower."""
    return min(0.25 * failures, 2.0)


def _user_key(username: str) -> str:
    return "user:" + stored_name(username)


def _address_key(address: str | None) -> str:
    return "addr:" + (printable(address, NAME_LIMIT) if address else "未知")


_dummy_hash: str | None = None


def _hash_for_unknown_users() -> str:
    """A hash of a random password, made with the same parameters as every real hash."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash(secrets.token_urlsafe(24))
    return _dummy_hash


# Each argon2 verification takes 64 MiB for a moment: a burst of sign-ins waits its turn instead.
_verify_slots = threading.BoundedSemaphore(4)


def _verify(stored: str, password: str) -> bool:
    with _verify_slots:
        try:
            return _hasher.verify(stored, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False


class _Throttle:
    """Failed-attempt counters, one per user name and one per client address, changed atomically."""

    def __init__(self, con: sqlite3.Connection, keys: list[tuple[str, int]], lockout: dt.timedelta) -> None:
        self.con, self.keys, self.lockout = con, keys, lockout

    def _transaction(self, change) -> object:
        self.con.execute("BEGIN IMMEDIATE")
        try:
            result = change(_now())
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")
        return result

    def _row(self, key: str, now: dt.datetime) -> tuple[int, str | None]:
        """The key's count and lock; a lock that has ended, or a count gone stale, starts again from zero."""
        row = self.con.execute("SELECT failed_count, last_attempt_at, locked_until FROM login_throttle WHERE key = ?",
                               [key]).fetchone()
        if row is None:
            return 0, None
        count, last, locked_until = row
        if locked_until:
            return (count, locked_until) if dt.datetime.fromisoformat(locked_until) > now else (0, None)
        return (count, None) if dt.datetime.fromisoformat(last) + self.lockout > now else (0, None)

    def _write(self, key: str, count: int, now: dt.datetime, locked_until: str | None) -> None:
        self.con.execute(
            "INSERT INTO login_throttle VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET "
            "failed_count = excluded.failed_count, last_attempt_at = excluded.last_attempt_at, "
            "locked_until = excluded.locked_until", [key, count, now.isoformat(), locked_until])

    def reserve(self) -> tuple[list[int], bool]:
        """Count this attempt as a failure before its password is checked; (counts, locked)."""
        def change(now):
            # counters that have started again anyway are dropped, so guessed names do not pile up
            self.con.execute("DELETE FROM login_throttle WHERE CASE WHEN locked_until IS NULL "
                             "THEN last_attempt_at <= ? ELSE locked_until <= ? END",
                             [(now - self.lockout).isoformat(), now.isoformat()])
            counts, locked = [], False
            for key, limit in self.keys:
                count, locked_until = self._row(key, now)
                count += 1
                if locked_until is None and count > limit:  # earlier attempts (done or in flight) reached the limit
                    locked_until = (now + self.lockout).isoformat()
                locked = locked or locked_until is not None
                self._write(key, count, now, locked_until)
                counts.append(count)
            return counts, locked
        return self._transaction(change)

    def failed(self) -> bool:
        """The checked attempt failed: lock every key whose count reached its limit; True when any is locked."""
        def change(now):
            locked = False
            for key, limit in self.keys:
                count, locked_until = self._row(key, now)
                if locked_until is None and count >= limit:
                    locked_until = (now + self.lockout).isoformat()
                    self._write(key, count, now, locked_until)
                locked = locked or locked_until is not None
            return locked
        return self._transaction(change)

    def succeeded(self) -> bool:
        """The password was right: True (and the user name's count cleared) unless a lock was set meanwhile."""
        def change(now):
            rows = [(key, *self._row(key, now)) for key, _ in self.keys]
            if any(locked_until for _, _, locked_until in rows):
                return False
            for index, (key, count, _) in enumerate(rows):
                # the user name starts again; the address only takes back this attempt
                self._write(key, 0 if index == 0 else max(count - 1, 0), now, None)
            return True
        return self._transaction(change)


def authenticate(path, username: str, password: str, *, address: str | None = None, allow_demo: bool = False,
                 sleep=time.sleep) -> User:
    """The user, or AccessError with a message that never tells whether the user name exists.

    `address` is the client's address (throttled like a user name); `allow_demo` is
    True only while the warehouse is the demo one: otherwise demo accounts are refused.
    """
    access = settings()["access"]
    lockout = int(access["lockout_minutes"])
    name = stored_name(username)
    locked_message = f"登录失败次数过多，已暂停登录 {lockout} 分钟。请稍后再试，或联系市级管理员。"
    with closing(_connect(path)) as con:
        row = con.execute("SELECT username, display_name, role, district, password_hash, demo FROM users "
                          "WHERE username = ?", [username]).fetchone()
        throttle = _Throttle(con, [(_user_key(username), int(access["max_failed_logins"])),
                                   (_address_key(address), int(access["max_failed_logins_per_address"]))],
                             dt.timedelta(minutes=lockout))
        counts, locked = throttle.reserve()
        right = _verify(row[4] if row else _hash_for_unknown_users(), password)  # one verification, whoever asks
        usable = row is not None and (allow_demo or not row[5])
        if right and usable and not locked and throttle.succeeded():
            record(path, row[0], "登录", f"地址 {printable(address)}" if address else "")
            return User(row[0], row[1], row[2], row[3], bool(row[5]))
        locked = throttle.failed() or locked
    if row is None:
        reason = "用户不存在"
    elif not usable:
        reason = "演示账号已停用（当前不是演示数据库）"
    elif right:
        reason = "密码正确，但登录已暂停"
    else:
        reason = f"密码错误（连续第 {counts[0]} 次）"
    where = f"；地址 {printable(address, NAME_LIMIT)}" if address else ""
    record(path, name, "登录失败", reason + ("；已暂停登录" if locked else "") + where)
    sleep(_throttle_seconds(max(counts)))
    raise AccessError(locked_message if locked else WRONG_MESSAGE)


def record(path, username: str, action: str, detail: str = "") -> None:
    """One audit entry; names and details are stored printable and bounded."""
    with closing(_connect(path)) as con:
        con.execute("INSERT INTO audit_log (at, username, action, detail) VALUES (?, ?, ?, ?)",
                    [_now().isoformat(sep=" "), stored_name(username), printable(action, NAME_LIMIT),
                     printable(detail, DETAIL_LIMIT)])


def audit_entries(path, limit: int = 5000) -> list[tuple]:
    with closing(_connect(path)) as con:
        return con.execute("SELECT at, username, action, detail FROM audit_log ORDER BY id DESC LIMIT ?",
                           [limit]).fetchall()


DEMO_USERS = (
    ("city", "市级演示账号", "市级", None, "weihai-city-2026"),
    ("wendeng", "文登区演示账号", "区市", "文登区", "weihai-wendeng-2026"),
    ("analyst", "分析演示账号", "分析", None, "weihai-analyst-2026"),
)


def ensure_demo_users(path) -> None:
    """One user per role for the demo database (their passwords are shown on its login page).

    A demo account made before accounts carried the demo mark is recognised by its
    published password and marked.
    """
    existing = {user.username: user for user in list_users(path)}
    for username, display, role, district, password in DEMO_USERS:
        if username not in existing:
            add_user(path, username, password, role=role, display_name=display, district=district, demo=True)
        elif not existing[username].demo:
            with closing(_connect(path)) as con:
                [stored] = con.execute("SELECT password_hash FROM users WHERE username = ?", [username]).fetchone()
                if _verify(stored, password):
                    con.execute("UPDATE users SET demo = 1 WHERE username = ?", [username])


def remove_demo_users(path) -> int:
    """Delete the demo accounts (once real data is loaded); the number removed."""
    with closing(_connect(path)) as con:
        return con.execute("DELETE FROM users WHERE demo = 1").rowcount


def retire_demo_accounts(warehouse: str | os.PathLike) -> None:
    """Remove the demo accounts once the warehouse holds real data.

    The load that ends the demo clears the warehouse's demo mark in its own publish, and from
    then on `authenticate` refuses demo accounts; this removal (after a load, and whenever the
    sign-in page is drawn) only tidies the store, so a failure here is logged, not raised.
    """
    if not Path(warehouse).exists():
        return
    con = open_reader(warehouse)
    try:
        demo = is_demo_warehouse(con)
    finally:
        con.close()
    if demo:
        return
    try:
        remove_demo_users(users_db_path(warehouse))
    except Exception:
        logging.getLogger(__name__).warning("removing the demo accounts failed", exc_info=True)
