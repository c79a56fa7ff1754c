"""The official PRC working-day calendar: Monday–Friday, less statutory holidays, plus 调休 weekend workdays.

The years the `chinesecalendar` package covers come from it; `config/holidays.toml` adds the years it
does not cover yet (or corrects one), and a year listed there replaces the package's data for that year.
A year covered by neither counts Monday–Friday, and `calendar_note` is the line that says so. The file is
read and checked once: a bad date, or a date outside its year, is a Chinese error naming the file, the
year and the value.
"""
from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

import chinese_calendar

from core.config import CONFIG_DIR, PROJECT_ROOT
from core.text import printable

HOLIDAYS_FILE_NAME = "holidays.toml"
MAX_FILE_BYTES = 1 << 20  # a real file is a few KB; anything near this is not a holiday list
WEEKDAY_NAMES = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
_YEAR = re.compile(r"^[1-9][0-9]{3}$")
_DATE_TEXT = re.compile(r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})$")
_TOML_POSITION = re.compile(r"\(at line (\d+), column \d+\)")
_SECTION_LINE = re.compile(r"^\s*\[\s*\"?([^\]\"]*)\"?\s*\]")
KEYS = {"holidays": "放假日期", "workdays": "调休上班日期"}
EXAMPLE = '例如 [2027] 下一行写 holidays = ["2027-01-01", "2027-10-01"]，再一行写 workdays = ["2027-09-26"]'


class CalendarError(Exception):
    """A bad holidays file, with a Chinese message naming the file, the year and the value."""


@dataclass(frozen=True)
class Calendar:
    """Per covered year: the dates off (any weekday) and the weekend dates worked (调休)."""

    off: dict[int, frozenset[date]]
    on: dict[int, frozenset[date]]
    configured: frozenset[int]  # the years that come from the holidays file


def holidays_path() -> Path:
    """holidays.toml in `$WEIHAI_CONFIG_DIR` or config/ (the folder the settings file is read from)."""
    return Path(os.environ.get("WEIHAI_CONFIG_DIR") or CONFIG_DIR) / HOLIDAYS_FILE_NAME


def source_name(path: Path) -> str:
    """`path` as the messages name it: relative to the project (config/holidays.toml) when inside it."""
    resolved = path.resolve()
    return resolved.relative_to(PROJECT_ROOT).as_posix() if resolved.is_relative_to(PROJECT_ROOT) else str(path)


def library_range() -> tuple[int, int]:
    """The first and last year the `chinesecalendar` package has data for (it refuses any other year)."""
    years = [day.year for day in chinese_calendar.holidays]
    return min(years), max(years)


def _library_years() -> tuple[dict[int, frozenset[date]], dict[int, frozenset[date]]]:
    first, last = library_range()
    off: dict[int, set[date]] = {year: set() for year in range(first, last + 1)}
    on: dict[int, set[date]] = {year: set() for year in range(first, last + 1)}
    for day in chinese_calendar.holidays:
        off[day.year].add(day)
    for day in chinese_calendar.workdays:
        on.setdefault(day.year, set()).add(day)
    return ({year: frozenset(days) for year, days in off.items()},
            {year: frozenset(days) for year, days in on.items()})


def _syntax_error(error: tomllib.TOMLDecodeError, text: str, source: str) -> CalendarError:
    """The TOML error as the line it is on, and the year section that line sits in."""
    position = _TOML_POSITION.search(str(error))
    if position is None:
        return CalendarError(f"{source} 格式有误（{printable(error, 120)}），请按 TOML 格式填写，{EXAMPLE}。")
    number = int(position[1])
    lines = text.splitlines()
    line = lines[number - 1].strip() if number <= len(lines) else ""
    sections = [match[1].strip() for match in map(_SECTION_LINE.match, lines[:number]) if match]
    where = f"[{printable(sections[-1], 20)}] 下" if sections else "开头"
    return CalendarError(f"{source} 第 {number} 行（{where}）格式有误：“{printable(line, 80)}”。"
                         f"日期须是真实存在的日期，写成 \"2027-10-01\" 的形式，{EXAMPLE}。")


def _day(value: object, year: str, key: str, source: str) -> date:
    day: date | None = None
    if isinstance(value, date) and not isinstance(value, datetime):
        day = value
    elif isinstance(value, str) and (match := _DATE_TEXT.match(value.strip())):
        try:
            day = date(*(int(part) for part in match.groups()))
        except ValueError:
            day = None
    if day is None:
        raise CalendarError(f"{source} 中 [{year}] 的 {key}（{KEYS[key]}）有一项“{printable(value, 40)}”不是日期，"
                            f"请写成 \"{year}-10-01\" 的形式（须是真实存在的日期）。")
    if str(day.year) != year:
        raise CalendarError(f"{source} 中 [{year}] 的 {key}（{KEYS[key]}）中的日期 {day.isoformat()} 不在 {year} 年内，"
                            f"请改正日期，或把它移到 [{day.year}] 之下。")
    return day


def _days(entries: dict, year: str, key: str, source: str) -> frozenset[date]:
    values = entries.get(key)
    if not isinstance(values, list):
        raise CalendarError(f"{source} 中 [{year}] 缺少 {key}（{KEYS[key]}）或它不是日期列表，"
                            f"请写成 {key} = [\"{year}-10-01\", …]（没有时写 {key} = []）。")
    return frozenset(_day(value, year, key, source) for value in values)


def parse_holidays(text: str, source: str = HOLIDAYS_FILE_NAME) -> Calendar:
    """The years the holidays file lists, checked; CalendarError naming the file, the year and the value."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise _syntax_error(error, text, source) from None
    off: dict[int, frozenset[date]] = {}
    on: dict[int, frozenset[date]] = {}
    for year, entries in raw.items():
        shown = printable(year, 20)
        if not isinstance(entries, dict):
            raise CalendarError(f"{source} 中的 {shown} 不在任何年份之下；放假日期和调休上班日期须写在它们的 [年份] 之下，"
                                f"{EXAMPLE}。")
        if not _YEAR.match(year):
            raise CalendarError(f"{source} 中的分组 [{shown}] 不是年份，请写成四位数的年份，如 [2027]。")
        unknown = [key for key in entries if key not in KEYS]
        if unknown:
            raise CalendarError(f"{source} 中 [{year}] 下有未知的项 {printable(unknown[0], 40)}，"
                                "每个年份下只能写 holidays（放假日期）和 workdays（调休上班日期），请检查拼写或删除该行。")
        holidays, workdays = _days(entries, year, "holidays", source), _days(entries, year, "workdays", source)
        if not holidays:
            raise CalendarError(f"{source} 中 [{year}] 的 holidays（放假日期）是空的；每年都有法定节假日，"
                                f"请按国务院办公厅公布的 {year} 年安排填写，或删除整个 [{year}] 分组。")
        both = sorted(holidays & workdays)
        if both:
            raise CalendarError(f"{source} 中 [{year}] 的 {both[0].isoformat()} 同时写在 holidays（放假日期）"
                                "和 workdays（调休上班日期）中，请只保留一处。")
        weekdays = sorted(day for day in workdays if day.weekday() < 5)
        if weekdays:
            day = weekdays[0]
            raise CalendarError(f"{source} 中 [{year}] 的 workdays（调休上班日期）中的 {day.isoformat()} "
                                f"是{WEEKDAY_NAMES[day.weekday()]}；调休上班日是周六或周日，周一至周五本来就是工作日，"
                                "请删除该项或改正日期。")
        off[int(year)], on[int(year)] = holidays, workdays
    return Calendar(off, on, frozenset(off))


def load_holidays(path: Path) -> Calendar:
    """The holidays file at `path` (none there: no years), checked, with its size bounded before reading."""
    source = source_name(path)
    try:
        if not path.exists():
            return Calendar({}, {}, frozenset())
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise CalendarError(f"{source} 超过 {MAX_FILE_BYTES // 1024} KB，不像是节假日安排，"
                                "请只写各年份的放假日期和调休上班日期。")
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CalendarError(f"无法读取节假日文件 {source}（{type(error).__name__}），"
                            "请检查文件权限，并以 UTF-8 编码保存。") from None
    return parse_holidays(text, source)


@lru_cache(maxsize=None)
def official_calendar() -> Calendar:
    """The package's years overlaid with the holidays file's (a year in the file replaces the package's)."""
    configured = load_holidays(holidays_path())
    off, on = _library_years()
    return Calendar({**off, **configured.off}, {**on, **configured.on}, configured.configured)


def reset() -> None:
    """Forget the calendar read, so the next call reads the holidays file again (tests change it)."""
    official_calendar.cache_clear()


def calendar_problem() -> str | None:
    """What is wrong with the holidays file (Chinese, naming the file, year and value), or None when valid."""
    try:
        official_calendar()
    except CalendarError as error:
        return str(error)
    return None


def _plain_date(day: date) -> date:
    return day.date() if isinstance(day, datetime) else day


def is_working_day(day: date) -> bool:
    """Whether `day` is an official working day; in a year nobody covers, whether it is Monday–Friday."""
    day = _plain_date(day)
    calendar = official_calendar()
    return day in calendar.on.get(day.year, ()) or (
        day.weekday() < 5 and day not in calendar.off.get(day.year, ()))


def covered_years() -> frozenset[int]:
    """The years whose holidays and 调休 are known (the package's and the holidays file's)."""
    return frozenset(official_calendar().off)


def calendar_exceptions(start: date, end: date) -> tuple[list[date], list[date]]:
    """(Monday–Friday dates that are not working days, weekend dates that are) within [start, end].

    Working days in the range are its Monday–Fridays, less the first list, plus the second. A year
    nobody covers contributes nothing to either (it counts Monday–Friday).
    """
    start, end = _plain_date(start), _plain_date(end)
    calendar = official_calendar()
    years = range(start.year, end.year + 1)
    off = sorted(day for year in years for day in calendar.off.get(year, ())
                 if start <= day <= end and day.weekday() < 5)
    on = sorted(day for year in years for day in calendar.on.get(year, ())
                if start <= day <= end and day.weekday() >= 5)
    return off, on


def working_days(start: date, end: date) -> int:
    """How many working days [start, end] holds (0 when end is before start)."""
    start, end = _plain_date(start), _plain_date(end)
    if end < start:
        return 0
    weeks, extra = divmod((end - start).days + 1, 7)
    weekdays = weeks * 5 + sum((start + timedelta(days=offset)).weekday() < 5 for offset in range(extra))
    off, on = calendar_exceptions(start, end)
    return weekdays - len(off) + len(on)


def uncovered_years(start: date, end: date) -> list[int]:
    """The years of [start, end] that neither the package nor the holidays file covers."""
    covered = covered_years()
    return [year for year in range(start.year, end.year + 1) if year not in covered]


def calendar_note(years: list[int]) -> str | None:
    """The one line every page, report and pack shows when a period falls in a year nobody covers."""
    if not years:
        return None
    distinct = sorted(set(years))
    named = "、".join(f"{year}年" for year in distinct)
    which = "该年" if len(distinct) == 1 else "这些年份"
    return (f"{named}的法定节假日和调休安排尚未收录（{source_name(holidays_path())}），"
            f"{which}的工作日暂按周一至周五计算。")


def period_note(start: date, end: date) -> str | None:
    """`calendar_note` for the years of [start, end] nobody covers (None when all are covered)."""
    return calendar_note(uncovered_years(start, end))
