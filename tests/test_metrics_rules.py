"""The rules written once and used by every query that needs them, each pinned by a small case worked by hand.

Overdue hazards, on-duty staff, supervisors' names as compared, the district prefix and SQL quoting
are each spelled in one place; the last test checks no other module spells them again.
"""
from __future__ import annotations

import re
from datetime import date

import duckdb
import pytest

from core.config import PROJECT_ROOT, Districts, districts
from core.sqltext import sql_list, sql_literal
from metrics import rules

AS_OF = "DATE '2026-09-30'"


@pytest.fixture(scope="module")
def con():
    connection = duckdb.connect()
    yield connection
    connection.close()


def test_overdue_is_a_past_deadline_not_rectified_by_the_as_of_date(con):
    # (deadline, rectified_on) → overdue on 2026-09-30
    cases = [
        ("2026-09-29", None, True),           # deadline passed, never rectified
        ("2026-09-30", None, False),          # deadline is the as-of date itself: not yet overdue
        ("2026-09-01", "2026-09-15", False),  # rectified before the as-of date
        ("2026-09-01", "2026-09-30", False),  # rectified on the as-of date
        ("2026-09-01", "2026-10-01", True),   # rectified only after the as-of date: overdue then
        ("2026-10-15", None, False),          # deadline still ahead
    ]
    rows = ", ".join(f"(DATE '{d}', {f'DATE {r!r}' if r else 'NULL::DATE'})" for d, r, _ in cases)
    got = con.execute(f"SELECT {rules.overdue(AS_OF, 'h.')}, {rules.rectified(AS_OF, 'h.')} "
                  f"FROM (VALUES {rows}) h(deadline, rectified_on)").fetchall()
    assert [overdue for overdue, _ in got] == [expected for _, _, expected in cases]
    assert [done for _, done in got] == [False, False, True, True, False, False]


def test_on_duty_is_hired_by_and_not_left_by_the_as_of_date(con):
    cases = [
        (None, None, True),                   # no dates at all: on duty
        ("2026-09-30", None, True),           # hired on the as-of date
        ("2026-10-01", None, False),          # hired after it
        (None, "2026-09-30", False),          # left on the as-of date: gone
        ("2020-01-01", "2026-10-01", True),   # leaves the day after
    ]
    rows = ", ".join(f"({f'DATE {h!r}' if h else 'NULL::DATE'}, {f'DATE {left!r}' if left else 'NULL::DATE'})"
                     for h, left, _ in cases)
    got = con.execute(f"SELECT {rules.on_duty('$as_of', 's.')} FROM (VALUES {rows}) s(hired_on, left_on)",
                      {"as_of": date(2026, 9, 30)}).fetchall()
    assert [row[0] for row in got] == [expected for _, _, expected in cases]


def test_a_supervisors_name_is_compared_without_its_spaces(con):
    names = "VALUES ('王 强'), (' 李明\t'), ('赵刚'), (NULL)"
    got = con.execute(f"SELECT {rules.supervisor_name('n')} FROM ({names}) t(n)")
    assert [row[0] for row in got.fetchall()] == ["王强", "李明", "赵刚", None]


@pytest.mark.parametrize("text, stripped", [
    ("山东省威海市环翠区", "环翠区"),
    ("威海市文登", "文登"),
    ("威海市威海市高区", "威海市高区"),      # one prefix, once
    ("威海市", "威海市"),                  # nothing after it: kept
    ("山东省威海市", "山东省威海市"),
    ("环翠区", "环翠区"),
    ("山东省环翠区", "山东省环翠区"),        # not a configured prefix
])
def test_the_district_prefix_is_stripped_alike_in_python_and_sql(con, text, stripped):
    config = districts()
    assert config.strip_prefixes == ("山东省威海市", "威海市")
    assert config.strip_prefix(text) == stripped
    assert con.execute(f"SELECT {config.strip_prefix_sql(sql_literal(text))}").fetchone()[0] == stripped


def test_a_prefix_is_matched_as_written_not_as_a_pattern(con):
    # A prefix holding regex characters matches only itself: "省.市" must not strip "省X市".
    config = Districts("某市", ("甲区",), {"甲区": "甲区"}, ("省.市", "(市)"))
    cases = [("省X市甲区", "省X市甲区"), ("省.市甲区", "甲区"), ("(市)甲区", "甲区"), ("市甲区", "市甲区")]
    for text, stripped in cases:
        assert config.strip_prefix(text) == stripped
        assert con.execute(f"SELECT {config.strip_prefix_sql(sql_literal(text))}").fetchone()[0] == stripped
    assert Districts("某市", (), {}, ()).strip_prefix_sql("s") == "s"


def test_a_quoted_literal_reads_back_as_written(con):
    hostile = "O'Brien'); DROP TABLE t; --"
    assert sql_literal(hostile) == "'O''Brien''); DROP TABLE t; --'"
    assert con.execute(f"SELECT {sql_literal(hostile)}").fetchone()[0] == hostile
    assert sql_list(["a", "b'c"]) == "('a', 'b''c')"
    assert con.execute(f"SELECT 'b''c' IN {sql_list(['a', 'b' + chr(39) + 'c'])}").fetchone()[0] is True
    # An empty list matches nothing (rather than being a syntax error).
    assert sql_list([]) == "(NULL)"
    assert con.execute(f"SELECT count(*) FROM range(3) WHERE range::VARCHAR IN {sql_list([])}").fetchone()[0] == 0


SPELLINGS = {
    # a rule spelled out → the one file allowed to spell it (None: no file, the rule is built otherwise)
    r"""replace\("'", "''"\)""": "core/sqltext.py",
    r"deadline < \S*as_of": "metrics/rules.py",
    r"rectified_on IS NULL OR": None,
    r"hired_on IS NULL|left_on IS NULL|coalesce\(\S*hired_on": "metrics/rules.py",
    r"supervisor\w*, '\\\\s'": None,
    r"strip_prefixes\)": "core/config.py",
}


def test_each_rule_is_spelled_in_one_place_only():
    sources = [path for package in ("core", "warehouse", "etl", "metrics", "access", "pack", "demo", "cli", "ui",
                                    "pages") for path in (PROJECT_ROOT / package).rglob("*.py")]
    sources.append(PROJECT_ROOT / "dashboard.py")
    found: dict[str, set[str]] = {pattern: set() for pattern in SPELLINGS}
    for path in sources:
        text = path.read_text(encoding="utf-8")
        for pattern in SPELLINGS:
            if re.search(pattern, text):
                found[pattern].add(path.relative_to(PROJECT_ROOT).as_posix())
    assert found == {pattern: {home} if home else set() for pattern, home in SPELLINGS.items()}
    assert not (PROJECT_ROOT / "metrics" / "explore.py").exists()


def test_the_shared_rules_are_the_same_text_in_every_user():
    # The users render the rule itself, so a change to metrics/rules.py reaches all of them.
    import inspect

    from metrics import hazards, stationing, supervision
    from metrics.indicators import LOG_FILL
    from warehouse.schema import DERIVED_TABLES
    from metrics.sql import base_ctes, make_period
    assert rules.overdue("h.as_of", "h.") in hazards._HAZARD_BASE
    # the logged days are folded per name as compared when the logs are loaded, and read from there
    assert rules.supervisor_name("supervisor") in DERIVED_TABLES["work_log_days"][1]
    # and a stationing's due working days in a period are one base relation, read by both
    for sql in (stationing._DAY_SETS, LOG_FILL.figures_sql):
        assert "JOIN work_log_days" in sql and "FROM stationed_periods" in sql
    assert 'rules.supervisor_name("supervisor")' in inspect.getsource(supervision.log_fill_calendar)
    assert rules.supervisor_name("e.supervisor") in base_ctes([make_period("2026Q3")], ["文登区"])
