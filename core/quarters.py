"""Calendar quarters: parsing the contract's forms, ranges, and the quarters present in the data."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

QUARTER_HINT = "应为 2026Q3、2026-Q3、2026年第三季度、2026年第3季度 或 2026年三季度 等形式"
CN_NUMERALS = {"一": 1, "二": 2, "三": 3, "四": 4}
_PATTERNS = (
    re.compile(r"^(\d{4})-?Q([1-4])$"),
    re.compile(r"^(\d{4})年第?([1-4一二三四])季度?$"),
)


class QuarterError(ValueError):
    """A quarter that cannot be read; the message is for the user."""


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    q: int

    def __post_init__(self) -> None:
        if not 1 <= self.q <= 4:
            raise QuarterError(f"季度应为 1 至 4：{self.q}")

    @property
    def start(self) -> date:
        return date(self.year, 3 * self.q - 2, 1)

    @property
    def end(self) -> date:
        return self.next().start - timedelta(days=1)

    @property
    def label(self) -> str:
        return f"{self.year}Q{self.q}"

    @property
    def cn(self) -> str:
        return f"{self.year}年第{'一二三四'[self.q - 1]}季度"

    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.q == 1 else Quarter(self.year, self.q - 1)

    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.q == 4 else Quarter(self.year, self.q + 1)

    def __str__(self) -> str:
        return self.label


def parse_quarter(text: str | Quarter) -> Quarter:
    if isinstance(text, Quarter):
        return text
    cleaned = "".join(unicodedata.normalize("NFKC", str(text)).split()).upper()
    for pattern in _PATTERNS:
        match = pattern.match(cleaned)
        if match:
            year, q = match.groups()
            return Quarter(int(year), CN_NUMERALS.get(q) or int(q))
    raise QuarterError(f"无法识别的季度：{text}（{QUARTER_HINT}）")


def quarter_of(day: date) -> Quarter:
    return Quarter(day.year, (day.month - 1) // 3 + 1)


def latest_complete_quarter(today: date | None = None) -> Quarter:
    """The last quarter whose last day has passed (the current quarter is still running)."""
    return quarter_of(today or date.today()).previous()


def quarter_range(last: Quarter, n: int) -> list[Quarter]:
    """`n` quarters ending with `last`, oldest first."""
    quarters = [last]
    while len(quarters) < n:
        quarters.append(quarters[-1].previous())
    return quarters[::-1]


_QUARTERS_IN_DATA = """
WITH dated AS (
    SELECT found_on AS day FROM hazards_current
    UNION ALL SELECT log_date FROM work_logs
    UNION ALL SELECT trained_on FROM training
    UNION ALL SELECT drill_date FROM drills
)
SELECT DISTINCT year(day) AS year, quarter(day) AS q FROM dated WHERE day IS NOT NULL
UNION
SELECT DISTINCT CAST(left(quarter, 4) AS INTEGER), CAST(right(quarter, 1) AS INTEGER)
FROM checklists_current WHERE regexp_matches(quarter, '^\\d{4}Q[1-4]$')
ORDER BY 1, 2
"""


def available_quarters(con) -> list[Quarter]:
    """Quarters that have any dated record or checklist in the warehouse, oldest first."""
    return [Quarter(year, q) for year, q in con.execute(_QUARTERS_IN_DATA).fetchall()]
