"""Sign-in sessions that survive a reload: the signed cookie value, its check on every run, sign-out, idle expiry.

A session is a random id. The users' SQLite file (`access.sqlite3`) keeps its SHA-256 (never the id itself)
with the user name, when it was last used and when and why it ended. The browser keeps `<id>.<signature>`
in an HttpOnly cookie; the signature (HMAC-SHA256 under a key kept in the same file) turns away a forged or
altered value before any lookup. Sign-out and idle expiry end the session in the file, so every tab and every
copy of the cookie stops working at its next run; a user removed meanwhile is not signed in again.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from contextlib import closing
from dataclasses import dataclass

from access import users

COOKIE_NAME = "weihai_session"
MAX_COOKIE_LENGTH = 128  # a value longer than any we issue is refused unread
TOUCH_SECONDS = 30  # last use is written at most this often (idle limits are whole minutes)
KEEP_DAYS = 30  # ended sessions are forgotten after this long
ACTIVE, IDLE, ENDED, INVALID = "active", "idle", "ended", "invalid"
_VALUE = re.compile(r"^([A-Za-z0-9_-]{43})\.([A-Za-z0-9_-]{43})$")

SCHEMA = """
CREATE TABLE IF NOT EXISTS web_sessions (
  id_hash TEXT PRIMARY KEY,
  username TEXT NOT NULL,
  created_at REAL NOT NULL,
  last_seen REAL NOT NULL,
  ended_at REAL,
  end_reason TEXT
);
CREATE TABLE IF NOT EXISTS web_session_key (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  key BLOB NOT NULL
);
"""


@dataclass(frozen=True)
class Check:
    state: str  # ACTIVE, IDLE (ended now for idleness), ENDED (signed out, expired or user gone), INVALID
    user: users.User | None = None
    reason: str = ""  # why an ENDED session ended: 退出登录, 会话超时


def _connect(path):
    con = users._connect(path)
    con.executescript(SCHEMA)
    return con


def _signing_key(con) -> bytes:
    con.execute("INSERT OR IGNORE INTO web_session_key (id, key) VALUES (1, ?)", [secrets.token_bytes(32)])
    return con.execute("SELECT key FROM web_session_key WHERE id = 1").fetchone()[0]


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _signature(key: bytes, session_id: str) -> str:
    return _b64(hmac.new(key, session_id.encode(), hashlib.sha256).digest())


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def start(path, username: str) -> str:
    """A new session for `username`; the cookie value that names it."""
    session_id = _b64(secrets.token_bytes(32))
    now = time.time()
    with closing(_connect(path)) as con:
        key = _signing_key(con)
        con.execute("DELETE FROM web_sessions WHERE coalesce(ended_at, last_seen) < ?", [now - KEEP_DAYS * 86400])
        con.execute("INSERT INTO web_sessions (id_hash, username, created_at, last_seen) VALUES (?, ?, ?, ?)",
                    [_hash(session_id), username, now, now])
    return f"{session_id}.{_signature(key, session_id)}"


def _session_id(con, value: object) -> str | None:
    """The session id a cookie value carries, when it is well formed and its signature is ours."""
    if not isinstance(value, str) or len(value) > MAX_COOKIE_LENGTH:
        return None
    match = _VALUE.match(value)
    if match is None:
        return None
    session_id, signature = match.groups()
    return session_id if hmac.compare_digest(signature, _signature(_signing_key(con), session_id)) else None


def check(path, value: object, *, idle_seconds: float) -> Check:
    """What a cookie value is worth now. An active session is marked as used; an idle one is ended here."""
    now = time.time()
    with closing(_connect(path)) as con:
        session_id = _session_id(con, value)
        if session_id is None:
            return Check(INVALID)
        row = con.execute("SELECT username, last_seen, ended_at, end_reason FROM web_sessions WHERE id_hash = ?",
                          [_hash(session_id)]).fetchone()
        if row is None:
            return Check(INVALID)
        username, last_seen, ended_at, reason = row
        if ended_at is not None:
            return Check(ENDED, reason=reason or "")
        if now - last_seen > idle_seconds:
            con.execute("UPDATE web_sessions SET ended_at = ?, end_reason = '会话超时' WHERE id_hash = ? "
                        "AND ended_at IS NULL", [now, _hash(session_id)])
            return Check(IDLE, _user(con, username))
        user = _user(con, username)
        if user is None:
            return Check(ENDED)
        if now - last_seen >= TOUCH_SECONDS:
            con.execute("UPDATE web_sessions SET last_seen = ? WHERE id_hash = ?", [now, _hash(session_id)])
        return Check(ACTIVE, user)


def _user(con, username: str) -> users.User | None:
    row = con.execute("SELECT username, display_name, role, district, demo = 1 FROM users WHERE username = ?",
                      [username]).fetchone()
    return users.User(*row) if row else None


def end(path, value: object, reason: str = "退出登录") -> None:
    """End the session a cookie value names (sign-out): no tab or copy of the cookie is signed in by it again."""
    with closing(_connect(path)) as con:
        session_id = _session_id(con, value)
        if session_id is not None:
            con.execute("UPDATE web_sessions SET ended_at = ?, end_reason = ? WHERE id_hash = ? AND ended_at IS NULL",
                        [time.time(), reason, _hash(session_id)])

