"""The season's tasks for the quarter in which the meeting is held (contract §5: agree the common tasks
"结合安全生产总体工作部署和季节特点").

A meeting on a quarter's figures is held in the next quarter, so the season is that of the meeting date,
not of the data: a meeting in October on Q3 figures gets the winter tasks. Festival periods come from the
official calendar (`core.calendar`: the `chinesecalendar` package, and config/holidays.toml for the years
it does not cover yet); a festival whose days are over by the meeting date is never announced. A festival
of a year nobody covers is named only when even its earliest possible date is still ahead, without dates.

Weihai's main flood season is July–August (汛期 June–September); the festival periods are those when many
plants stop and restart, the riskiest days for hot work and start-up.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar

from core.calendar import official_calendar
from core.quarters import Quarter, quarter_of

FESTIVAL_NAMES = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节", "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节", "Mid-autumn Festival": "中秋节", "National Day": "国庆节",
}
# Festivals on a fixed day of the Gregorian calendar: (month, day).
FIXED_FESTIVALS = {"元旦": (1, 1), "劳动节": (5, 1), "国庆节": (10, 1)}
# The earliest and latest day each moving festival can fall on ((month, day), (month, day)): used to name the
# days off of a year listed only in config/holidays.toml, and, in a year nobody covers, to name a festival
# only when its earliest possible day is still ahead.
FESTIVAL_WINDOWS = {
    "春节": ((1, 21), (2, 20)), "清明节": ((4, 4), (4, 6)), "端午节": ((5, 28), (6, 25)),
    "中秋节": ((9, 7), (10, 6)),
}


@dataclass(frozen=True)
class Festival:
    name: str
    first: date  # first day off (or, when `dated` is False, the earliest day the festival can fall on)
    last: date
    dated: bool = True  # the days off are known from the official calendar

    def ahead_of(self, day: date) -> bool:
        """Whether the festival is still to come (or under way) on `day`; an undated one only when surely ahead."""
        return self.last >= day if self.dated else self.first >= day

    @property
    def text(self) -> str:
        """中秋节（9月25日至27日） / 元旦（1月1日） / 春节 (no dates known)."""
        if not self.dated:
            return self.name
        if self.first == self.last:
            return f"{self.name}（{self.first.month}月{self.first.day}日）"
        end = f"{self.last.day}日" if self.last.month == self.first.month else f"{self.last.month}月{self.last.day}日"
        return f"{self.name}（{self.first.month}月{self.first.day}日至{end}）"


def _runs(days: list[date], gap: int = 1) -> list[list[date]]:
    """Sorted days split into runs whose neighbours are at most `gap` days apart."""
    runs: list[list[date]] = []
    for day in days:
        if runs and (day - runs[-1][-1]).days <= gap:
            runs[-1].append(day)
        else:
            runs.append([day])
    return runs


def _named_run(run: list[date]) -> str | None:
    """The festival a run of days off in a year from config/holidays.toml belongs to (names are not in the file)."""
    for name, (month, day) in FIXED_FESTIVALS.items():
        if date(run[0].year, month, day) in run:
            return name
    for name, ((m1, d1), (m2, d2)) in FESTIVAL_WINDOWS.items():
        if any(date(day.year, m1, d1) <= day <= date(day.year, m2, d2) for day in run):
            return name
    return None


@lru_cache(maxsize=None)
def festivals(year: int) -> tuple[Festival, ...]:
    """The festivals of `year` with their days off, from the official calendar, in date order."""
    calendar = official_calendar()
    if year in calendar.configured:
        # Weekend days may be left out of the file: a run continues over a weekend.
        runs = _runs(sorted(calendar.off[year]), gap=3)
        named = [(name, run) for run in runs if (name := _named_run(run))]
        return tuple(Festival(name, run[0], run[-1]) for name, run in named)
    if year in calendar.off:
        days = sorted((day, FESTIVAL_NAMES[name]) for day, name in chinese_calendar.holidays.items()
                      if day.year == year and name in FESTIVAL_NAMES)
        found: list[Festival] = []
        for day, name in days:
            if found and found[-1].name == name and (day - found[-1].last).days == 1:
                found[-1] = Festival(name, found[-1].first, day)
            else:
                found.append(Festival(name, day, day))
        return tuple(found)
    fixed = [Festival(name, date(year, m, d), date(year, m, d)) for name, (m, d) in FIXED_FESTIVALS.items()]
    moving = [Festival(name, date(year, *first), date(year, *last), dated=False)
              for name, (first, last) in FESTIVAL_WINDOWS.items()]
    return tuple(sorted(fixed + moving, key=lambda f: f.first))


def festivals_ahead(meeting: date, season: Quarter) -> list[Festival]:
    """Festivals still ahead on the meeting date that fall in its quarter, or on the day after it (元旦 after Q4,
    国庆 after Q3)."""
    window_end = season.end + timedelta(days=1)
    candidates = [f for year in range(season.start.year, window_end.year + 1) for f in festivals(year)]
    return [f for f in candidates if f.ahead_of(meeting) and f.first <= window_end and f.last >= season.start]


@dataclass(frozen=True)
class SeasonalTask:
    title: str
    text: str
    quarters: tuple[int, ...] = ()  # calendar quarters (1–4) of the meeting in which the task is due
    until: tuple[int, int] | None = None  # (month, day) after which the season it answers to is over


SEASONAL_TASKS: tuple[SeasonalTask, ...] = (
    SeasonalTask("全国“两会”期间安全防范", "严格特殊作业审批，落实值班值守和领导带班。", (1,), until=(3, 5)),
    SeasonalTask("春季复工复产", "复工前逐企业检查设备设施和消防设施，驻点监督人员全程监督开车和动火作业。", (1,)),
    SeasonalTask("汛前准备", "修订防汛应急预案，检查厂区排水、围堰、防雷接地和防汛物资。", (2,), until=(6, 30)),
    SeasonalTask("“安全生产月”活动", "6月组织全员应急演练和隐患排查。", (2,), until=(6, 30)),
    SeasonalTask("主汛期防范遇水反应化学品", "排查遇水反应、遇湿易燃化学品储存场所，强降雨前后逐企业巡查排水和围堰。",
                 (3,), until=(8, 31)),
    SeasonalTask("夏季高温和防雷", "落实储罐和易挥发物料喷淋降温，检查防雷防静电设施。", (3,), until=(8, 31)),
    SeasonalTask("冬季防火和防冻防凝", "检查消防设施和消防通道，管线、阀门、仪表落实保温伴热，防范取暖中毒窒息。", (4,)),
    SeasonalTask("岁末年初安全防范", "严禁超能力、超强度生产，年底前完成年度隐患清零。", (4,)),
)
FESTIVAL_TEXT = "节前全面排查隐患，节日期间特殊作业由驻点监督人员到场监督，节后复工前确认安全条件。"


def _still_ahead(task: SeasonalTask, meeting: date) -> bool:
    return task.until is None or meeting <= date(meeting.year, *task.until)


def seasonal_tasks(meeting: date) -> list[SeasonalTask]:
    """The season's tasks for the quarter the meeting is held in, leaving out what is over by the meeting date;
    the festivals still ahead make one task, named and dated from the calendar."""
    season = quarter_of(meeting)
    tasks = [task for task in SEASONAL_TASKS if season.q in task.quarters and _still_ahead(task, meeting)]
    ahead = festivals_ahead(meeting, season)
    if ahead:
        names = "、".join(f.text for f in ahead)
        tasks.insert(0, SeasonalTask(f"{names}期间安全防范", FESTIVAL_TEXT))
    return tasks
