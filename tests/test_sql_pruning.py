"""metrics.sql.pruned: a query keeps the base relations it reads, directly or through another, and drops the rest."""
from __future__ import annotations

from metrics.sql import pruned


def marked(name: str, body: str) -> str:
    """A base relation as `metrics.sql.base_ctes` writes it."""
    return f",/*<{name}*/\n{name} AS ({body})/*{name}>*/"


def test_only_the_relations_read_directly_or_through_another_are_kept():
    # logs reads staff; staff_certs is only a longer name that starts like staff; spans reads nothing and is unread;
    # the final SELECT reads logs (and so staff) and the word "spans_total", which is not the relation spans.
    sql = ("WITH periods AS (SELECT 1 AS p)"
           + marked("staff", "SELECT * FROM periods")
           + marked("staff_certs", "SELECT * FROM staff")
           + marked("spans", "SELECT 2 AS s")
           + marked("logs", "SELECT * FROM staff")
           + "\nSELECT count(*) AS spans_total FROM logs")
    assert pruned(sql) == ("WITH periods AS (SELECT 1 AS p)"
                           + marked("staff", "SELECT * FROM periods")
                           + marked("logs", "SELECT * FROM staff")
                           + "\nSELECT count(*) AS spans_total FROM logs")


def test_a_relation_read_only_by_a_longer_named_one_goes_with_it():
    sql = ("WITH periods AS (SELECT 1 AS p)"
           + marked("staff", "SELECT 1 AS x")
           + marked("staff_certs", "SELECT * FROM staff")
           + "\nSELECT * FROM staff_certs")
    assert pruned(sql) == sql  # staff_certs is read, and it reads staff
    unread = sql.replace("FROM staff_certs", "FROM periods")
    assert pruned(unread) == "WITH periods AS (SELECT 1 AS p)\nSELECT * FROM periods"


def test_a_query_without_marked_relations_is_left_as_it_is():
    sql = "WITH a AS (SELECT 1) SELECT * FROM a"
    assert pruned(sql) == sql
