"""Users store: hashing, sign-in throttling and lockout (also under parallel attempts), no user-name
enumeration, demo accounts, the audit log, and the `etl users` command."""
from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from access import users
from cli.etl_commands import main
from tests.cli_runner import run_in_process

WRONG = "用户名或密码不正确。"
LOCKED = "登录失败次数过多，已暂停登录 15 分钟。请稍后再试，或联系市级管理员。"  # setting access.lockout_minutes, default 15


@pytest.fixture
def store(tmp_path):
    path = tmp_path / "access.sqlite3"
    users.add_user(path, "zhang", "correct-horse", role="区市", display_name="文登区 张三", district="文登")
    return path


@pytest.fixture
def light_hashes(monkeypatch):
    """Argon2 with little memory and time, where the test is about locks, accounts or many verifications at once
    rather than the hash; same code path. Ask for it before `store` so the stored hash is a light one too."""
    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    monkeypatch.setattr(users, "_dummy_hash", None)


def no_wait(seconds: float) -> None:
    pass


def throttle_row(path: Path, key: str) -> tuple[int, str | None]:
    with sqlite3.connect(path) as con:
        return con.execute("SELECT failed_count, locked_until FROM login_throttle WHERE key = ?", [key]).fetchone()


def attempt(path, username, password, **kwargs) -> str:
    """'ok' or the refusal's message."""
    try:
        users.authenticate(path, username, password, sleep=no_wait, **kwargs)
    except users.AccessError as refusal:
        return str(refusal)
    return "ok"


def test_passwords_are_stored_only_as_argon2_hashes(store):
    [(stored,)] = sqlite3.connect(store).execute("SELECT password_hash FROM users").fetchall()
    assert stored.startswith("$argon2id$") and "correct-horse" not in stored
    assert users.authenticate(store, "zhang", "correct-horse", sleep=no_wait) == users.User(
        "zhang", "文登区 张三", "区市", "文登区")


def test_wrong_passwords_slow_down_then_lock(light_hashes, store):
    waits = []
    for _ in range(4):
        with pytest.raises(users.AccessError, match=f"^{WRONG}$"):
            users.authenticate(store, "zhang", "nope", sleep=waits.append)
    assert waits == [0.25, 0.5, 0.75, 1.0]  # 0.25 s more for each failure in a row
    with pytest.raises(users.AccessError, match=f"^{LOCKED}$"):
        users.authenticate(store, "zhang", "nope", sleep=waits.append)
    # locked: even the right password is refused until the lock ends
    with pytest.raises(users.AccessError, match=f"^{LOCKED}$"):
        users.authenticate(store, "zhang", "correct-horse", sleep=waits.append)
    past = (dt.datetime.now() - dt.timedelta(minutes=1)).isoformat()
    with sqlite3.connect(store) as con:
        con.execute("UPDATE login_throttle SET locked_until = ?", [past])
    assert users.authenticate(store, "zhang", "correct-horse", sleep=waits.append).username == "zhang"


def test_an_ended_lock_starts_the_count_again(light_hashes, store):
    """Before: after a lock ended, one wrong password locked the account again, so one try every
    15 minutes kept it locked for ever."""
    for _ in range(5):
        attempt(store, "zhang", "nope")
    assert throttle_row(store, "user:zhang")[1] is not None
    with sqlite3.connect(store) as con:
        con.execute("UPDATE login_throttle SET locked_until = ?",
                    [(dt.datetime.now() - dt.timedelta(seconds=1)).isoformat()])
    assert attempt(store, "zhang", "nope") == WRONG  # not locked again
    assert throttle_row(store, "user:zhang") == (1, None)
    assert attempt(store, "zhang", "correct-horse") == "ok"


def test_a_new_password_lifts_the_lock(light_hashes, store):
    for _ in range(5):
        attempt(store, "zhang", "nope")
    assert attempt(store, "zhang", "correct-horse") == LOCKED
    users.set_password(store, "zhang", "brand-new-pass")
    assert attempt(store, "zhang", "brand-new-pass") == "ok"


def run_together(count: int, work) -> list:
    """`work(index)` in `count` threads released at the same moment; their results by index."""
    start = threading.Barrier(count)
    results: list = [None] * count

    def run(index: int) -> None:
        start.wait()
        results[index] = work(index)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_forty_parallel_wrong_passwords_all_count_and_lock(store, light_hashes):
    """Before: 40 wrong passwords at once left failed_count = 1 and no lock."""
    users.set_password(store, "zhang", "correct-horse")  # a light hash for the light hasher
    outcomes = run_together(40, lambda i: attempt(store, "zhang", f"guess-{i}"))
    assert outcomes.count("ok") == 0
    assert outcomes.count(LOCKED) >= 35  # only attempts within the first 5 may be told "wrong"
    count, locked_until = throttle_row(store, "user:zhang")
    assert count == 40 and dt.datetime.fromisoformat(locked_until) > dt.datetime.now()
    assert attempt(store, "zhang", "correct-horse") == LOCKED


def test_a_right_password_among_parallel_guesses_does_not_get_in(store, light_hashes, monkeypatch):
    """Before: 11 wrong and 1 right password sent together, the right one signed in."""
    users.set_password(store, "zhang", "correct-horse")
    checked = threading.Barrier(12)
    verify = users._verify

    def verify_when_all_have_asked(stored, password):
        checked.wait()  # every attempt is in flight before any password is checked
        return verify(stored, password)

    monkeypatch.setattr(users, "_verify", verify_when_all_have_asked)
    outcomes = run_together(12, lambda i: attempt(store, "zhang", "correct-horse" if i == 7 else f"guess-{i}"))
    assert outcomes[7] == LOCKED
    assert "ok" not in outcomes
    assert throttle_row(store, "user:zhang")[0] == 12


def test_one_address_guessing_many_names_is_stopped(store, light_hashes):
    users.set_password(store, "zhang", "correct-horse")
    for index in range(20):  # setting access.max_failed_logins_per_address, default 20
        attempt(store, f"name-{index}", "guess", address="203.0.113.9")
    assert throttle_row(store, "addr:203.0.113.9")[1] is not None
    assert attempt(store, "zhang", "correct-horse", address="203.0.113.9") == LOCKED
    assert attempt(store, "zhang", "correct-horse", address="198.51.100.4") == "ok"


class CountingHasher:
    """The real hasher, recording the parameters of every hash a password is verified against."""

    def __init__(self) -> None:
        self.real = PasswordHasher()
        self.verified: list[str] = []

    def hash(self, password: str) -> str:
        return self.real.hash(password)

    def verify(self, stored: str, password: str) -> bool:
        self.verified.append(stored.rsplit("$", 2)[0])  # $argon2id$v=19$m=…,t=…,p=…
        return self.real.verify(stored, password)


def test_unknown_and_known_names_cannot_be_told_apart(store, monkeypatch):
    """Before: an unknown name answered in 0.26 s, a real one in 0.56 s, and only real names could be locked."""
    hasher = CountingHasher()
    monkeypatch.setattr(users, "_hasher", hasher)
    monkeypatch.setattr(users, "_dummy_hash", None)
    answers = {}
    for name in ("zhang", "no-such-user"):
        hasher.verified.clear()
        waits, messages = [], []
        for _ in range(6):
            try:
                users.authenticate(store, name, "wrong-password", address=f"192.0.2.{len(answers)}",
                                   sleep=waits.append)
            except users.AccessError as refusal:
                messages.append(str(refusal))
        answers[name] = (messages, waits, list(hasher.verified))
    known, unknown = answers["zhang"], answers["no-such-user"]
    assert known[0] == unknown[0] == [WRONG] * 4 + [LOCKED] * 2  # the unknown name is locked too
    assert known[1] == unknown[1] == [0.25, 0.5, 0.75, 1.0, 1.25, 1.5]
    assert len(known[2]) == len(unknown[2]) == 6  # one argon2 verification per attempt, locked or not
    assert set(known[2]) == set(unknown[2]) == {"$argon2id$v=19$m=65536,t=3,p=4"}


def test_demo_accounts_only_sign_in_on_a_demo_warehouse(tmp_path, light_hashes):
    path = tmp_path / "access.sqlite3"
    users.ensure_demo_users(path)
    users.add_user(path, "wang", "real-secret-1", role="市级", display_name="市办 王五")
    name, _, _, _, password = users.DEMO_USERS[0]
    assert attempt(path, name, password, allow_demo=True) == "ok"
    assert attempt(path, name, password) == WRONG  # the warehouse is not a demo one
    assert users.audit_entries(path)[0][1:] == (name, "登录失败", "演示账号已停用（当前不是演示数据库）")
    assert users.remove_demo_users(path) == 3
    assert [u.username for u in users.list_users(path)] == ["wang"]


def test_demo_accounts_made_before_the_demo_mark_are_recognised(tmp_path, light_hashes):
    path = tmp_path / "access.sqlite3"
    for username, display, role, district, password in users.DEMO_USERS:
        users.add_user(path, username, password, role=role, display_name=display, district=district)
    users.add_user(path, "analyst_2", "another-secret", role="分析", display_name="分析员")
    users.ensure_demo_users(path)
    assert {u.username for u in users.list_users(path) if u.demo} == {"city", "wendeng", "analyst"}


def test_audit_log_records_sign_ins_without_secrets(store):
    with pytest.raises(users.AccessError):
        users.authenticate(store, "zhang", "wrong-password", sleep=no_wait)
    users.authenticate(store, "zhang", "correct-horse", sleep=no_wait)
    entries = users.audit_entries(store)
    assert [(e[1], e[2]) for e in entries] == [("zhang", "登录"), ("zhang", "登录失败")]
    assert entries[1][3] == "密码错误（连续第 1 次）"
    assert not any("correct-horse" in str(e) or "wrong-password" in str(e) or "$argon2" in str(e) for e in entries)


def test_hostile_names_are_stored_escaped_and_bounded(store):
    """Before: a failed sign-in stored the typed user name raw and unbounded."""
    hostile = "\x1b[31mroot\n2026-01-01 登录 admin" + "x" * 10_000
    attempt(store, hostile, "whatever")
    users.record(store, "zhang", "导出表格", "报表\r\n伪造的一行" * 1000)
    failed, exported = users.audit_entries(store)[1], users.audit_entries(store)[0]
    assert failed[1].startswith("\\x1b[31mroot\\n2026-01-01") and len(failed[1]) == 64
    assert exported[3].startswith("报表\\r\\n伪造的一行") and len(exported[3]) == users.DETAIL_LIMIT
    assert not any(ch in "".join(failed + exported) for ch in "\x1b\r\n")


def test_role_district_and_name_are_checked(tmp_path):
    path = tmp_path / "a.sqlite3"
    with pytest.raises(users.AccessError, match="^区市用户须指定所属区市"):
        users.add_user(path, "li", "long-enough", role="区市", display_name="李四")
    with pytest.raises(users.AccessError, match="^未知角色"):
        users.add_user(path, "li", "long-enough", role="管理员", display_name="李四")
    with pytest.raises(users.AccessError, match="^密码至少 8 位。$"):
        users.add_user(path, "li", "short", role="分析", display_name="李四")
    for bad in ("li\x1b[2J", "x" * 65, " li", ""):
        with pytest.raises(users.AccessError, match="^用户名须为 1 至 64 个字符"):
            users.add_user(path, bad, "long-enough", role="分析", display_name="李四")


@pytest.fixture
def run_users(capsys, monkeypatch):
    """`python -m etl users args`, run in this process."""
    def run(*args, stdin=""):
        return run_in_process(main, capsys, monkeypatch, "users", *args, stdin=stdin)
    return run


def test_users_command(tmp_path, run_users, light_hashes):
    db = str(tmp_path / "w.duckdb")
    added = run_users("add", "wang", "--role", "市级", "--name", "市办 王五", "--db", db, "--password-stdin",
                      stdin="s3cret-pass\n")
    assert (added.returncode, added.stdout.strip()) == (0, "已新增用户 wang（市办 王五，市级）。")
    listed = run_users("list", "--db", db)
    assert "wang" in listed.stdout and "s3cret" not in listed.stdout and "argon2" not in listed.stdout
    again = run_users("add", "wang", "--role", "市级", "--name", "x", "--db", db, "--password-stdin", stdin="s3cret-pass\n")
    assert again.returncode == 1 and again.stderr.startswith("用户“wang”已存在")
    changed = run_users("passwd", "wang", "--db", db, "--password-stdin", stdin="new-secret-1\n")
    assert (changed.returncode, changed.stdout.strip()) == (0, "已修改用户 wang 的密码。")
    assert users.authenticate(tmp_path / "access.sqlite3", "wang", "new-secret-1", sleep=no_wait).role == "市级"
    removed = run_users("remove", "wang", "--db", db)
    assert (removed.returncode, removed.stdout.strip()) == (0, "已删除用户 wang。")
    gone = run_users("remove", "wang", "--db", db)
    assert (gone.returncode, gone.stderr.strip()) == (1, "用户“wang”不存在。")
    bad_role = run_users("add", "x", "--role", "老板", "--name", "x", "--db", db)
    assert bad_role.returncode == 2 and bad_role.stderr.startswith("用法错误：")
