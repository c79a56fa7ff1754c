"""The official working-day calendar: the package's years, config/holidays.toml, and the years nobody covers.

Every count below was worked by hand from the month grids of 2026 and 2027 (1 July 2026 is a Wednesday,
1 January 2027 a Friday) and the State Council's 2026 arrangement: 中秋 25–27 September (25th a Friday),
国庆 1–7 October, with Sunday 20 September and Saturday 10 October worked.
"""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from core import calendar
from core.calendar import (
    MAX_FILE_BYTES,
    CalendarError,
    calendar_exceptions,
    calendar_note,
    calendar_problem,
    covered_years,
    is_working_day,
    library_range,
    parse_holidays,
    period_note,
    uncovered_years,
    working_days,
)

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "config" / "holidays.toml"
# Illustrative 2027 arrangement: 元旦 Fri 1 Jan; 春节 Sat 6 – Fri 12 Feb with Sat 13 Feb worked.
YEAR_2027 = ('[2027]\nholidays = ["2027-01-01", "2027-02-06", "2027-02-07", "2027-02-08", "2027-02-09",\n'
             '            "2027-02-10", "2027-02-11", "2027-02-12"]\nworkdays = ["2027-02-13"]\n')


@pytest.fixture(autouse=True)
def fresh_calendar():
    """The calendar is read once per process: forget it before and after each test."""
    calendar.reset()
    yield
    calendar.reset()


def use_holidays(monkeypatch, folder: Path, text: str | bytes | None) -> Path:
    """Make `folder` the config folder, holding `text` as holidays.toml (None: no file at all)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "holidays.toml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    elif text is not None:
        path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("WEIHAI_CONFIG_DIR", str(folder))
    calendar.reset()
    return path


@pytest.fixture
def empty_config(monkeypatch, tmp_path):
    return use_holidays(monkeypatch, tmp_path / "config", None)


def quarter(year: int, number: int) -> tuple[date, date]:
    start = date(year, 3 * number - 2, 1)
    following = date(year + 1, 1, 1) if number == 4 else date(year, 3 * number + 1, 1)
    return start, following - timedelta(days=1)


# --- the package's years --------------------------------------------------------------------------

def test_mid_autumn_friday_is_off_and_the_tiaoxiu_sunday_is_worked(empty_config):
    assert is_working_day(date(2026, 9, 25)) is False   # 中秋, a Friday
    assert is_working_day(date(2026, 9, 20)) is True    # Sunday, worked for 国庆
    assert is_working_day(date(2026, 10, 10)) is True   # Saturday, worked for 国庆
    assert is_working_day(date(2026, 9, 26)) is False   # Saturday of 中秋, a weekend anyway
    assert is_working_day(date(2026, 9, 24)) is True    # an ordinary Thursday
    assert is_working_day(date(2026, 9, 19)) is False   # an ordinary Saturday


def test_national_day_week_is_off(empty_config):
    assert [is_working_day(date(2026, 10, day)) for day in range(1, 12)] == [
        False, False, False, False, False, False, False,  # 1–7 October: Thursday to Wednesday, all off
        True, True, True,                                 # Thu 8, Fri 9, and Saturday 10 (调休)
        False,                                            # Sunday 11
    ]


def test_2026_q3_has_66_working_days(empty_config):
    # July 23 weekdays, August 21, September 22 − Fri 25 (中秋) + Sun 20 (调休) = 22.
    start, end = quarter(2026, 3)
    assert calendar_exceptions(start, end) == ([date(2026, 9, 25)], [date(2026, 9, 20)])
    assert working_days(start, end) == 66
    assert sum(is_working_day(start + timedelta(days=n)) for n in range((end - start).days + 1)) == 66
    assert working_days(date(2026, 9, 1), date(2026, 9, 30)) == 22


def test_2026_q4_has_62_working_days(empty_config):
    # October 22 weekdays − 1, 2, 5, 6, 7 + Sat 10 = 18; November 21; December 23.
    start, end = quarter(2026, 4)
    off = [date(2026, 10, day) for day in (1, 2, 5, 6, 7)]
    assert calendar_exceptions(start, end) == (off, [date(2026, 10, 10)])
    assert working_days(start, end) == 62


def test_the_range_bounds_are_inclusive_and_an_empty_range_is_empty(empty_config):
    assert calendar_exceptions(date(2026, 9, 25), date(2026, 9, 25)) == ([date(2026, 9, 25)], [])
    assert calendar_exceptions(date(2026, 9, 20), date(2026, 9, 20)) == ([], [date(2026, 9, 20)])
    assert calendar_exceptions(date(2026, 9, 21), date(2026, 9, 24)) == ([], [])
    assert working_days(date(2026, 9, 30), date(2026, 9, 1)) == 0


def test_the_covered_years_come_from_the_package(empty_config):
    first, last = library_range()
    assert first == 2004 and last >= 2026
    assert set(range(2004, 2027)) <= covered_years()
    assert uncovered_years(date(2026, 1, 1), date(2026, 12, 31)) == []
    assert period_note(date(2026, 7, 1), date(2026, 9, 30)) is None


# --- a year nobody covers -------------------------------------------------------------------------

def test_a_year_nobody_covers_counts_monday_to_friday(empty_config):
    start, end = quarter(2027, 1)
    assert is_working_day(date(2027, 1, 1)) is True      # a Friday; 元旦 is not known for 2027
    assert is_working_day(date(2027, 1, 2)) is False     # a Saturday
    assert calendar_exceptions(start, end) == ([], [])
    assert working_days(start, end) == 64                # January 21 + February 20 + March 23 weekdays
    assert uncovered_years(start, end) == [2027]
    assert uncovered_years(date(2026, 10, 1), date(2028, 3, 31)) == [2027, 2028]


def test_the_note_names_the_year_and_the_file(monkeypatch):
    monkeypatch.delenv("WEIHAI_CONFIG_DIR", raising=False)
    assert calendar_note([]) is None
    assert calendar_note([2027]) == (
        "2027年的法定节假日和调休安排尚未收录（config/holidays.toml），该年的工作日暂按周一至周五计算。")
    assert calendar_note([2028, 2027, 2028]) == (
        "2027年、2028年的法定节假日和调休安排尚未收录（config/holidays.toml），这些年份的工作日暂按周一至周五计算。")


def test_a_quarter_in_an_uncovered_year_gets_the_note(empty_config):
    note = period_note(*quarter(2027, 1))
    assert note == (f"2027年的法定节假日和调休安排尚未收录（{empty_config}），该年的工作日暂按周一至周五计算。")


# --- config/holidays.toml -------------------------------------------------------------------------

def test_a_year_from_the_holidays_file_is_used(monkeypatch, tmp_path):
    use_holidays(monkeypatch, tmp_path, YEAR_2027)
    start, end = quarter(2027, 1)
    assert is_working_day(date(2027, 1, 1)) is False     # 元旦, a Friday
    assert is_working_day(date(2027, 2, 13)) is True     # Saturday worked
    assert calendar_exceptions(start, end) == (
        [date(2027, 1, 1), *(date(2027, 2, day) for day in range(8, 13))], [date(2027, 2, 13)])
    assert working_days(start, end) == 59                # 64 weekdays − 6 off + 1 Saturday
    assert uncovered_years(start, end) == []
    assert period_note(start, end) is None
    assert uncovered_years(date(2027, 1, 1), date(2028, 1, 1)) == [2028]


def test_a_year_in_the_holidays_file_replaces_the_package(monkeypatch, tmp_path):
    use_holidays(monkeypatch, tmp_path, '[2026]\nholidays = ["2026-01-01"]\nworkdays = []\n')
    assert is_working_day(date(2026, 9, 25)) is True
    assert is_working_day(date(2026, 9, 20)) is False
    assert is_working_day(date(2026, 1, 1)) is False
    assert working_days(*quarter(2026, 3)) == 66 - 1 + 1  # 25 September worked, 20 September not
    assert is_working_day(date(2025, 10, 1)) is False     # other years still from the package


def test_no_file_means_no_extra_years(empty_config):
    assert not empty_config.exists()
    assert calendar_problem() is None
    assert 2027 not in covered_years()


def test_the_shipped_file_lists_no_year_and_its_example_is_valid():
    text = SHIPPED.read_text(encoding="utf-8")
    assert parse_holidays(text, "config/holidays.toml").configured == frozenset()
    lines = text.splitlines()
    first = lines.index("# [2027]")
    last = next(n for n in range(first, len(lines)) if lines[n].startswith("# workdays"))
    example = parse_holidays("\n".join(line[2:] for line in lines[first:last + 1]), "example")
    assert example.configured == frozenset({2027})
    assert sorted(example.on[2027]) == [date(2027, 2, 13), date(2027, 9, 26), date(2027, 10, 9)]
    assert all(day.year == 2027 for day in example.off[2027]) and len(example.off[2027]) == 15


def test_toml_dates_and_quoted_dates_both_work():
    parsed = parse_holidays('[2027]\nholidays = [2027-01-01, "2027-1-2"]\nworkdays = [2027-02-13]\n')
    assert parsed.off[2027] == frozenset({date(2027, 1, 1), date(2027, 1, 2)})
    assert parsed.on[2027] == frozenset({date(2027, 2, 13)})


@pytest.mark.parametrize("text, message", [
    ('[2027]\nholidays = ["2027-02-30"]\nworkdays = []\n',
     'h.toml 中 [2027] 的 holidays（放假日期）有一项“2027-02-30”不是日期，请写成 "2027-10-01" 的形式（须是真实存在的日期）。'),
    ('[2027]\nholidays = ["2027-01-01"]\nworkdays = ["明年"]\n',
     'h.toml 中 [2027] 的 workdays（调休上班日期）有一项“明年”不是日期，请写成 "2027-10-01" 的形式（须是真实存在的日期）。'),
    ('[2027]\nholidays = [20270101]\nworkdays = []\n',
     'h.toml 中 [2027] 的 holidays（放假日期）有一项“20270101”不是日期，请写成 "2027-10-01" 的形式（须是真实存在的日期）。'),
    ('[2027]\nholidays = [2027-01-01T08:00:00]\nworkdays = []\n',
     'h.toml 中 [2027] 的 holidays（放假日期）有一项“2027-01-01 08:00:00”不是日期，'
     '请写成 "2027-10-01" 的形式（须是真实存在的日期）。'),
    ('[2027]\nholidays = ["2027-01-01\\u001b[31m"]\nworkdays = []\n',
     'h.toml 中 [2027] 的 holidays（放假日期）有一项“2027-01-01\\x1b[31m”不是日期，'
     '请写成 "2027-10-01" 的形式（须是真实存在的日期）。'),
    ('[2027]\nholidays = ["2027-01-01", "2028-01-01"]\nworkdays = []\n',
     "h.toml 中 [2027] 的 holidays（放假日期）中的日期 2028-01-01 不在 2027 年内，请改正日期，或把它移到 [2028] 之下。"),
    ('[2027]\nholidays = ["2027-01-01"]\nworkdays = [2026-12-26]\n',
     "h.toml 中 [2027] 的 workdays（调休上班日期）中的日期 2026-12-26 不在 2027 年内，请改正日期，或把它移到 [2026] 之下。"),
    ('[2027]\nholidays = ["2027-01-01"]\nworkdays = ["2027-02-08"]\n',
     "h.toml 中 [2027] 的 workdays（调休上班日期）中的 2027-02-08 是星期一；调休上班日是周六或周日，"
     "周一至周五本来就是工作日，请删除该项或改正日期。"),
    ('[2027]\nholidays = ["2027-01-01", "2027-02-13"]\nworkdays = ["2027-02-13"]\n',
     "h.toml 中 [2027] 的 2027-02-13 同时写在 holidays（放假日期）和 workdays（调休上班日期）中，请只保留一处。"),
    ('[2027]\nholidays = []\nworkdays = []\n',
     "h.toml 中 [2027] 的 holidays（放假日期）是空的；每年都有法定节假日，请按国务院办公厅公布的 2027 年安排填写，"
     "或删除整个 [2027] 分组。"),
    ('[2027]\nholidays = ["2027-01-01"]\n',
     'h.toml 中 [2027] 缺少 workdays（调休上班日期）或它不是日期列表，请写成 workdays = ["2027-10-01", …]'
     "（没有时写 workdays = []）。"),
    ('[2027]\nholidays = "2027-01-01"\nworkdays = []\n',
     'h.toml 中 [2027] 缺少 holidays（放假日期）或它不是日期列表，请写成 holidays = ["2027-10-01", …]'
     "（没有时写 holidays = []）。"),
    ('[2027]\nholiday = ["2027-01-01"]\nworkdays = []\n',
     "h.toml 中 [2027] 下有未知的项 holiday，每个年份下只能写 holidays（放假日期）和 workdays（调休上班日期），"
     "请检查拼写或删除该行。"),
    ('[year2027]\nholidays = ["2027-01-01"]\nworkdays = []\n',
     "h.toml 中的分组 [year2027] 不是年份，请写成四位数的年份，如 [2027]。"),
    ('holidays = ["2027-01-01"]\n',
     'h.toml 中的 holidays 不在任何年份之下；放假日期和调休上班日期须写在它们的 [年份] 之下，'
     '例如 [2027] 下一行写 holidays = ["2027-01-01", "2027-10-01"]，再一行写 workdays = ["2027-09-26"]。'),
    ('# 2027 年\n[2027]\nholidays = [2027-01-01, 2027-02-30]\nworkdays = []\n',
     'h.toml 第 3 行（[2027] 下）格式有误：“holidays = [2027-01-01, 2027-02-30]”。'
     '日期须是真实存在的日期，写成 "2027-10-01" 的形式，'
     '例如 [2027] 下一行写 holidays = ["2027-01-01", "2027-10-01"]，再一行写 workdays = ["2027-09-26"]。'),
])
def test_a_bad_holidays_file_is_a_chinese_error_naming_the_year_and_value(text, message):
    with pytest.raises(CalendarError) as raised:
        parse_holidays(text, "h.toml")
    assert str(raised.value) == message


def test_a_bad_file_in_the_config_folder_stops_the_calendar(monkeypatch, tmp_path):
    path = use_holidays(monkeypatch, tmp_path, '[2027]\nholidays = ["2027-13-01"]\nworkdays = []\n')
    expected = (f'{path} 中 [2027] 的 holidays（放假日期）有一项“2027-13-01”不是日期，'
                '请写成 "2027-10-01" 的形式（须是真实存在的日期）。')
    assert calendar_problem() == expected
    with pytest.raises(CalendarError, match="2027-13-01"):
        is_working_day(date(2026, 9, 25))


def test_an_oversized_holidays_file_is_refused_before_it_is_parsed(monkeypatch, tmp_path):
    # A valid header followed by a megabyte of comment: refused on size alone, whatever it holds.
    path = use_holidays(monkeypatch, tmp_path, YEAR_2027 + "#" * MAX_FILE_BYTES + "\n")
    assert calendar_problem() == (f"{path} 超过 1024 KB，不像是节假日安排，请只写各年份的放假日期和调休上班日期。")


def test_a_holidays_file_that_is_not_utf8_says_so(monkeypatch, tmp_path):
    path = use_holidays(monkeypatch, tmp_path, "# 节假日\n".encode("gbk") + YEAR_2027.encode())
    assert calendar_problem() == f"无法读取节假日文件 {path}（UnicodeDecodeError），请检查文件权限，并以 UTF-8 编码保存。"
