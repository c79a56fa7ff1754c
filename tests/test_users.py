"""Users store: hashing, sign-in throttling and lockout, audit log, and the `etl users` command."""
from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from etl import users

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def store(tmp_path):
    path = tmp_path / "access.sqlite3"
    users.add_user(path, "zhang", "correct-horse", role="区市", display_name="文登区 张三", district="文登")
    return path


def test_passwords_are_stored_only_as_argon2_hashes(store):
    [(stored,)] = sqlite3.connect(store).execute("SELECT password_hash FROM users").fetchall()
    assert stored.startswith("$argon2id$") and "correct-horse" not in stored
    assert users.authenticate(store, "zhang", "correct-horse", sleep=lambda s: None) == users.User(
        "zhang", "文登区 张三", "区市", "文登区")


def test_wrong_passwords_slow_down_then_lock(store):
    waits = []
    for attempt in range(4):
        with pytest.raises(users.AccessError, match="^用户名或密码不正确。$"):
            users.authenticate(store, "zhang", "nope", sleep=waits.append)
    assert waits == [0.25, 0.5, 0.75, 1.0]  # 0.25 s more for each failure in a row
    with pytest.raises(users.AccessError, match="^连续 5 次输错密码，账号已锁定 15 分钟。$"):
        users.authenticate(store, "zhang", "nope", sleep=waits.append)
    # locked: even the right password is refused until the lock ends
    with pytest.raises(users.AccessError, match="账号已锁定至"):
        users.authenticate(store, "zhang", "correct-horse", sleep=waits.append)
    past = (dt.datetime.now() - dt.timedelta(minutes=1)).isoformat()
    con = sqlite3.connect(store)
    con.execute("UPDATE users SET locked_until = ?", [past])
    con.commit()
    assert users.authenticate(store, "zhang", "correct-horse", sleep=waits.append).username == "zhang"


def test_audit_log_records_sign_ins_without_secrets(store):
    with pytest.raises(users.AccessError):
        users.authenticate(store, "zhang", "wrong-password", sleep=lambda s: None)
    users.authenticate(store, "zhang", "correct-horse", sleep=lambda s: None)
    entries = users.audit_entries(store)
    assert [(e[1], e[2]) for e in entries] == [("zhang", "登录"), ("zhang", "登录失败")]
    assert entries[1][3] == "密码错误（连续第 1 次）"
    assert not any("correct-horse" in str(e) or "wrong-password" in str(e) or "$argon2" in str(e) for e in entries)


def test_role_and_district_are_checked(tmp_path):
    path = tmp_path / "a.sqlite3"
    with pytest.raises(users.AccessError, match="^区市用户须指定所属区市"):
        users.add_user(path, "li", "long-enough", role="区市", display_name="李四")
    with pytest.raises(users.AccessError, match="^未知角色"):
        users.add_user(path, "li", "long-enough", role="管理员", display_name="李四")
    with pytest.raises(users.AccessError, match="^密码至少 8 位。$"):
        users.add_user(path, "li", "short", role="分析", display_name="李四")


def run_users(*args, stdin=""):
    return subprocess.run([sys.executable, "-m", "etl", "users", *args], cwd=ROOT, input=stdin,
                          capture_output=True, text=True, env={**os.environ})


def test_users_command(tmp_path):
    db = str(tmp_path / "w.duckdb")
    added = run_users("add", "wang", "--role", "市级", "--name", "市办 王五", "--db", db, "--password-stdin",
                      stdin="s3cret-pass\n")
    assert (added.returncode, added.stdout.strip()) == (0, "已新增用户 wang（市办 王五，市级）。")
    listed = run_users("list", "--db", db)
    assert "wang" in listed.stdout and "s3cret" not in listed.stdout and "argon2" not in listed.stdout
    again = run_users("add", "wang", "--role", "市级", "--name", "x", "--db", db, "--password-stdin", stdin="s3cret-pass\n")
    assert again.returncode == 1 and again.stderr.startswith("用户“wang”已存在")
    changed = run_users("passwd", "wang", "--db", db, "--password-stdin", stdin="new-secret-1\n")
    assert changed.returncode == 0
    assert users.authenticate(tmp_path / "access.sqlite3", "wang", "new-secret-1", sleep=lambda s: None).role == "市级"
    removed = run_users("remove", "wang", "--db", db)
    assert (removed.returncode, removed.stdout.strip()) == (0, "已删除用户 wang。")
    gone = run_users("remove", "wang", "--db", db)
    assert (gone.returncode, gone.stderr.strip()) == (1, "用户“wang”不存在。")
    bad_role = run_users("add", "x", "--role", "老板", "--name", "x", "--db", db)
    assert bad_role.returncode == 2 and bad_role.stderr.startswith("用法错误：")
