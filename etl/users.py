"""Users, passwords, sign-in throttling and the audit log.

They live in a small SQLite file beside the warehouse (`access.sqlite3`), not in
the warehouse itself: sign-ins and audit entries are written by the dashboard at
any moment, while the warehouse is only ever replaced whole by a load.

Passwords are kept as argon2id hashes; neither a password nor a hash is ever
returned by a function here, printed, or written to the audit log.
"""
from __future__ import annotations

import datetime as dt
import os
import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError

from etl.config import districts, settings

ROLES = {"市级": "市级（市化工专项行动办公室）", "区市": "区市（区市负责人，仅本区市）", "分析": "分析（全部区市，只读）"}
USERS_ENV_VAR = "WEIHAI_USERS_DB"
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
  created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL,
  username TEXT NOT NULL,
  action TEXT NOT NULL,
  detail TEXT NOT NULL DEFAULT ''
);
"""


class AccessError(Exception):
    """A user-management or sign-in problem, with a Chinese message."""


@dataclass(frozen=True)
class User:
    username: str
    display_name: str
    role: str
    district: str | None

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


def _connect(path: str | os.PathLike) -> sqlite3.Connection:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(str(path), timeout=10, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.executescript(SCHEMA)
    return con


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def _check_role(role: str, district: str | None) -> str | None:
    if role not in ROLES:
        raise AccessError(f"未知角色“{role}”，可选：{'、'.join(ROLES)}。")
    if role == "区市":
        canonical = districts().canonical(district or "")
        if not canonical:
            raise AccessError(f"区市用户须指定所属区市（可选：{'、'.join(districts().names)}）。")
        return canonical
    return None


def _check_password(password: str) -> None:
    if len(password) < 8:
        raise AccessError("密码至少 8 位。")


def add_user(path, username: str, password: str, *, role: str, display_name: str, district: str | None = None) -> User:
    district = _check_role(role, district)
    _check_password(password)
    with closing(_connect(path)) as con:
        if con.execute("SELECT 1 FROM users WHERE username = ?", [username]).fetchone():
            raise AccessError(f"用户“{username}”已存在；修改密码请用 `python -m etl users passwd {username}`。")
        con.execute("INSERT INTO users (username, display_name, role, district, password_hash, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    [username, display_name, role, district, _hasher.hash(password), _now().isoformat()])
    return User(username, display_name, role, district)


def remove_user(path, username: str) -> None:
    with closing(_connect(path)) as con:
        if not con.execute("DELETE FROM users WHERE username = ?", [username]).rowcount:
            raise AccessError(f"用户“{username}”不存在。")


def set_password(path, username: str, password: str) -> None:
    _check_password(password)
    with closing(_connect(path)) as con:
        changed = con.execute("UPDATE users SET password_hash = ?, failed_count = 0, locked_until = NULL "
                              "WHERE username = ?", [_hasher.hash(password), username]).rowcount
        if not changed:
            raise AccessError(f"用户“{username}”不存在。")


def list_users(path) -> list[User]:
    with closing(_connect(path)) as con:
        rows = con.execute("SELECT username, display_name, role, district FROM users ORDER BY role, username").fetchall()
    return [User(*row) for row in rows]


def has_users(path) -> bool:
    with closing(_connect(path)) as con:
        return con.execute("SELECT count(*) FROM users").fetchone()[0] > 0


def _throttle_seconds(failures: int) -> float:
    """Each wrong password in a row makes the next answer slower."""
    return min(0.25 * failures, 2.0)


def authenticate(path, username: str, password: str, *, sleep=time.sleep) -> User:
    """The user, or AccessError with a message that never tells which part was wrong."""
    access = settings()["access"]
    wrong = AccessError("用户名或密码不正确。")
    with closing(_connect(path)) as con:
        row = con.execute("SELECT username, display_name, role, district, password_hash, failed_count, locked_until "
                          "FROM users WHERE username = ?", [username]).fetchone()
        if row is None:
            sleep(_throttle_seconds(1))
            record(path, username or "（空）", "登录失败", "用户不存在")
            raise wrong
        name, display, role, district, stored, failures, locked_until = row
        if locked_until and dt.datetime.fromisoformat(locked_until) > _now():
            record(path, name, "登录失败", "账号锁定中")
            raise AccessError(f"连续输错密码次数过多，账号已锁定至 {locked_until[11:16]}，请稍后再试或联系市级管理员。")
        try:
            _hasher.verify(stored, password)
        except (VerifyMismatchError, InvalidHashError):
            failures += 1
            lock = None
            if failures >= access["max_failed_logins"]:
                lock = (_now() + dt.timedelta(minutes=access["lockout_minutes"])).isoformat()
            con.execute("UPDATE users SET failed_count = ?, locked_until = ? WHERE username = ?", [failures, lock, name])
            record(path, name, "登录失败", f"密码错误（连续第 {failures} 次）" + ("，账号已锁定" if lock else ""))
            sleep(_throttle_seconds(failures))
            if lock:
                raise AccessError(f"连续 {failures} 次输错密码，账号已锁定 {access['lockout_minutes']} 分钟。")
            raise wrong
        con.execute("UPDATE users SET failed_count = 0, locked_until = NULL WHERE username = ?", [name])
    record(path, name, "登录", "")
    return User(name, display, role, district)


def record(path, username: str, action: str, detail: str = "") -> None:
    with closing(_connect(path)) as con:
        con.execute("INSERT INTO audit_log (at, username, action, detail) VALUES (?, ?, ?, ?)",
                    [_now().isoformat(sep=" "), username, action, detail])


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
    """One user per role for the demo database (their passwords are shown on its login page)."""
    existing = {user.username for user in list_users(path)}
    for username, display, role, district, password in DEMO_USERS:
        if username not in existing:
            add_user(path, username, password, role=role, display_name=display, district=district)
