"""The contract's date rules as SQL predicates, written once and used by every query that needs them.

Each takes SQL expressions (a column, or a DATE literal) and returns a predicate.
"""
from __future__ import annotations

from warehouse.schema import supervisor_name_sql


def on_duty(as_of: str, prefix: str = "") -> str:
    """On duty at as_of: 入职日期 empty or ≤ as_of, and 离职日期 empty or > as_of."""
    return (f"(coalesce({prefix}hired_on, DATE '0001-01-01') <= {as_of} "
            f"AND coalesce({prefix}left_on, DATE '9999-12-31') > {as_of})")


def holds_valid_certificate(as_of: str, prefix: str = "") -> str:
    """A 证书编号 is filled in and 证书有效期至 ≥ as_of (an empty validity date proves nothing)."""
    return (f"(nullif(trim({prefix}cert_no), '') IS NOT NULL AND {prefix}cert_valid_until IS NOT NULL "
            f"AND {prefix}cert_valid_until >= {as_of})")


def in_window(day: str, window_start: str, as_of: str) -> str:
    """The 12-month window (as_of − 12 months, as_of]: open at its start, closed at its end."""
    return f"({day} > {window_start} AND {day} <= {as_of})"


def rectified(as_of: str, prefix: str = "") -> str:
    """Rectified by as_of: 整改完成日期 filled in and ≤ as_of."""
    return f"coalesce({prefix}rectified_on <= {as_of}, FALSE)"


def overdue(as_of: str, prefix: str = "") -> str:
    """超期未整改 at as_of: 整改期限 before as_of and not rectified by as_of (rectified later counts as overdue)."""
    return f"({prefix}deadline < {as_of} AND NOT {rectified(as_of, prefix)})"


def supervisor_name(expr: str) -> str:
    """A supervisor's name as compared: every space removed (full-width too), so '王 强' in a log is 王强."""
    return supervisor_name_sql(expr)


# 二（四）: the three special operations a supervisor must attend in person; a log that leaves the type empty
# is counted with them (the contract's rule), every other type is shown beside the rate.
ONSITE_SPECIAL_OPS = ("动火作业", "设备检维修", "高处作业")


def onsite_required(op_type: str) -> str:
    """A logged special operation of a type the supervisor must attend (or of no stated type)."""
    quoted = ", ".join(f"'{t}'" for t in ONSITE_SPECIAL_OPS)
    return f"({op_type} IS NULL OR {op_type} IN ({quoted}))"


def reported_in_time(as_of: str, days: str, prefix: str = "") -> str:
    """直报: 上报日期 filled in, ≤ as_of and ≤ 发现日期 + days (the setting indicators.major_hazard_report_days)."""
    return (f"coalesce({prefix}reported_on <= {as_of} AND {prefix}reported_on <= {prefix}found_on + {days}, "
            f"FALSE)")


def director_in_place(director: str) -> str:
    """安全总监配备 met: 是, or 不适用 (the rules do not require one of that enterprise)."""
    return f"coalesce({director} IN ('是', '不适用'), FALSE)"
