"""Dates typed by a user (the CLI's --as-of, the dashboard's date box) and month arithmetic."""
from __future__ import annotations

import calendar
import re
import unicodedata
from datetime import date

DATE_HINT = "应为 2026-09-30、2026/9/30、2026.9.30、2026年9月30日 或 20260930 等形式"
_SEPARATED = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


class DateError(ValueError):
    """A date that cannot be read; the message is for the user."""


def parse_date(text: str | date) -> date:
    if isinstance(text, date):
        return text
    cleaned = "".join(unicodedata.normalize("NFKC", str(text)).split())
    match = _SEPARATED.match(cleaned) or _COMPACT.match(cleaned)
    if match:
        try:
            return date(*(int(part) for part in match.groups()))
        except ValueError:
            pass
    raise DateError(f"无法识别的日期：{text}（{DATE_HINT}）")


def shift_months(day: date, months: int) -> date:
    """`day` moved by whole months, clamped to the end of a shorter month (2024-02-29 − 12 → 2023-02-28)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
