"""The meeting paper's text, drafted from the data; its common tasks as data; and its tables.

The paper is a 工作情况汇报 for the quarterly meeting (contract §5): an opening, then 工作开展情况
(the work in a few numbers), 指标完成情况 (two or three sentences; the table is 附件1), 存在的问题和
不足 (three to five points 一是…二是…, chosen by severity and gap, each naming districts and enterprises
and a cause the data shows) and 下步工作 (five or six common tasks, the season's tasks for the quarter the
meeting is held in, the matters put to the meeting). From the second meeting on, 上季度共性任务完成情况
comes first and the sections are numbered from it.

Each section's text is plain lines (a line beginning with （一） is a sub-heading), so a user can edit it
on the page before the paper (.docx) and the report (.html) are built from it. Numbers in running text
have no thousands separators; rates have one decimal. Data-quality notes (quarantined rows, files to
send again) are in 附件5 and the workbook's 说明, never in the body. A paper for one district is that
district's: its title and signature, its own enterprises and supervisors, tables by enterprise.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from core.config import districts as configured_districts
from core.policy import NOTICE
from core.presentation import cn_ordinal, date_text, is_missing, iso_date, joined, percent_number, rate_text
from core.quarters import Quarter, quarter_of
from core.settings import setting
from metrics import reconcile
from metrics.api import WATCH_LISTS
from metrics.hazards import RECTIFICATION_RATE
from metrics.indicators import BY_CODE, TARGETS
from pack.content import PackContent
from pack.seasonal import seasonal_tasks

SECTION_NAMES = {
    "followup": "上季度共性任务完成情况",
    "work": "工作开展情况",
    "indicators": "指标完成情况",
    "problems": "存在的问题和不足",
    "tasks": "下步工作",
}
OPENING = "opening"  # the paragraph before 一、 (no heading)
OPENING_LABEL = "开头"
SUBHEADING = re.compile(r"^（[一二三四五六七八九十]+）")  # a line that opens a sub-section
SHORT_OF_TARGET = ("关注", "整改")
MAX_PROBLEMS = 5
MIN_TASKS, MAX_TASKS = 5, 6
NAMED_MAX = 3  # enterprises or districts named in one clause
URGENT_DAYS = 14  # an urgent task is due at the first month end at least this many days after the meeting
# The meeting's records in a paper of three or four pages: up to FOLLOWUP_LISTED of last quarter's tasks are
# listed one by one, more are summed up in a sentence; up to MATTERS_IN_PAPER matters are written out, more are
# counted by kind. What is summed up is listed whole in an appendix after the five standing ones, in the order
# the paper refers to them.
FOLLOWUP_LISTED = 3
MATTERS_IN_PAPER = 3
STANDING_APPENDICES = 5
# 数据对账情况 is a section of 附件5 (数据情况说明), the appendix the work section's 对账 line refers to: one
# attachment fewer keeps the paper with the meeting's records on four pages.
RECONCILE_APPENDIX = 5
RECONCILE_TITLE = "数据对账情况"
DONE = "已完成"


def split_subheading(line: str) -> tuple[str, str]:
    """A line opening a sub-section as (heading, text after it): （二）季节性工作。一是… -> (（二）季节性工作。, 一是…).
    A sub-section of one short paragraph runs on after its heading, as papers print it; the heading alone gives
    (line, "")."""
    head, mark, rest = line.partition("。")
    return (head + mark, rest.strip()) if mark else (line, "")


def _section_order(content: PackContent) -> list[str]:
    first = ["followup"] if content.previous_tasks else []
    return [*first, "work", "indicators", "problems", "tasks"]


def section_titles(content: PackContent) -> dict[str, str]:
    """The headed sections in order, numbered: 一、上季度共性任务完成情况 … when last quarter's tasks exist."""
    return {key: f"{cn_ordinal(n)}、{SECTION_NAMES[key]}" for n, key in enumerate(_section_order(content), start=1)}


def section_labels(content: PackContent) -> dict[str, str]:
    """Every editable part of the paper in order: the opening, then the headed sections."""
    return {OPENING: OPENING_LABEL, **section_titles(content)}


# Without a previous quarter's tasks (the first meeting): the sections as most papers have them.
SECTION_TITLES = {key: f"{cn_ordinal(n)}、{SECTION_NAMES[key]}"
                  for n, key in enumerate(("work", "indicators", "problems", "tasks"), start=1)}


@dataclass(frozen=True)
class BriefTable:
    caption: str
    frame: pd.DataFrame  # the cells as text, first column the row label
    levels: pd.DataFrame | None = None  # same shape: finding level per cell (for shading), or None


@dataclass(frozen=True)
class TaskDraft:
    """A common task for next quarter, as the meeting records store it; the paper's text is rendered from it."""
    title: str
    content: str
    owners: tuple[str, ...]  # owner districts
    deadline: date
    standard: str  # 完成标准
    link_kind: str | None = None  # 'indicator' (done when the owner's rate reaches the target), 'watch' (done
    link_code: str | None = None  # when the owner's list is empty), or None (marked by hand)

    @property
    def key(self) -> str:
        """What the task answers to (indicator:certification, watch:rotation_due), so drafting again updates it."""
        return f"{self.link_kind}:{self.link_code}" if self.link_kind else f"title:{self.title}"


# ------------------------------------------------------------------------- words and numbers

def number(value) -> str:
    """A count in running text: 18427, never 18,427."""
    if is_missing(value):
        return "0"
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:.1f}"


def short_date(day: date) -> str:
    return f"{day.month}月{day.day}日"


def _single(content: PackContent) -> bool:
    return len(content.districts) == 1


def _subject(content: PackContent) -> str:
    """How the paper names its own area: 全市, the district, or 所选区市."""
    return content.total_phrase


def _issuer(content: PackContent) -> str:
    """The area in the title: the city, the one district, or the city with the chosen districts."""
    if content.full_scope:
        return content.city
    if _single(content):
        return content.districts[0]
    return f"{content.city}（{joined(content.districts)}）"


def signing_office(content: PackContent) -> str:
    """The office that signs the paper (config/districts.toml): the district's for a district's paper."""
    return configured_districts().office(content.districts[0] if _single(content) else None)


def paper_title(content: PackContent) -> str:
    return f"{_issuer(content)}{content.quarter.cn}非危险化学品化工生产企业驻点监督工作情况汇报"


def paper_subtitle(content: PackContent) -> str:
    """The line under the title: the as-of date when it is not the quarter's end (else nothing)."""
    return "" if content.as_of_is_quarter_end else f"（统计截至{date_text(content.as_of)}）"


def _owners_text(content: PackContent, owners) -> str:
    owners = list(owners)
    if content.full_scope and owners == list(content.districts):
        return "各区市"
    others = [d for d in content.districts if d not in owners]
    if content.full_scope and len(others) == 1:  # seven names read worse than the one left out
        return f"除{others[0]}外各区市"
    return joined(owners)


def _ordered(content: PackContent, districts) -> list[str]:
    chosen = set(districts)
    return [d for d in content.districts if d in chosen]


def _counted(frame: pd.DataFrame, column: str, unit: str, limit: int = 2) -> str:
    """南海新区21项、环翠区20项、临港区12项 (most first; the rest as 等): how many rows per value of `column`."""
    if frame.empty:
        return ""
    counts = frame.groupby(column, sort=False).size().sort_values(ascending=False, kind="stable")
    text = joined(f"{name}{n}{unit}" for name, n in counts.head(limit).items())
    return text + ("等" if len(counts) > limit else "")


def _where(content: PackContent, frame: pd.DataFrame, unit: str, *, people: str | None = None,
           limit: int = 2) -> str:
    """Where the rows are: per district in a city paper, per enterprise in a district's paper.

    `people` counts distinct values of that column instead of rows (人 not 人次)."""
    column = "企业名称" if _single(content) else "区市"
    if column == "企业名称" and unit == "家":  # an enterprise is one 家: its name says it
        return _names(frame[column], limit)
    if people:
        frame = frame.drop_duplicates([column, people])
    return _counted(frame, column, unit, limit)


def _names(values, limit: int = NAMED_MAX, unit: str = "家") -> str:
    unique = list(dict.fromkeys(str(v) for v in values))
    text = joined(unique[:limit])
    return text + (f"等{len(unique)}{unit}" if len(unique) > limit else "")


def _at(content: PackContent, row: pd.Series) -> str:
    """An enterprise as a city paper names it (with its district) or a district's paper (alone)."""
    return row["企业名称"] if _single(content) else f"{row['区市']}{row['企业名称']}"


# ------------------------------------------------------------------------- figures

def _has_data(row: pd.Series) -> bool:
    return row["denominator"] > 0 and not is_missing(row["rate"])


def _gap(row: pd.Series) -> float:
    """Percentage points below the target (0 when met or without data)."""
    return 0.0 if not _has_data(row) else max(0.0, (1 - float(row["rate"])) * 100)


def _short(content: PackContent, code: str) -> bool:
    return content.city_row(code)["level"] in SHORT_OF_TARGET


def _worst_districts(content: PackContent, code: str, limit: int = 2) -> str:
    """The district furthest below target on one indicator, with its rate (南海新区88.9%); those tied for it
    (环翠区、荣成市0.0%); nothing when every district has the same rate."""
    if _single(content):
        return ""
    rows = content.district_rows(code)
    rated = rows[rows["denominator"] > 0]
    if rated["rate"].nunique() < 2:  # every district alike: none is the lowest
        return ""
    lowest = rated[(rated["rate"] == rated["rate"].min()) & rated["level"].isin(SHORT_OF_TARGET)]
    if lowest.empty:
        return ""
    return f"{_names(lowest['group'], limit, unit='个区市')}{rate_text(lowest['rate'].iloc[0])}"


def _short_owners(content: PackContent, *codes: str) -> list[str]:
    rows = content.figures[(content.figures["grain"] == "district") & content.figures["indicator"].isin(codes)
                           & content.figures["level"].isin(SHORT_OF_TARGET)]
    return _ordered(content, rows["group"])


def _rate_clause(content: PackContent, code: str) -> str:
    """持证上岗率94.4%（南海新区88.9%最低）; the district only in a city paper."""
    row = content.city_row(code)
    worst = _worst_districts(content, code)
    return f"{BY_CODE[code].name}{rate_text(row['rate'])}" + (f"（{worst}最低）" if worst else "")


def _supervised_enterprises(content: PackContent) -> set[str]:
    return set(content.supervisors["企业名称"]) if len(content.supervisors) else set()


# ------------------------------------------------------------------------- opening and 工作开展情况

def _when(content: PackContent) -> str:
    return content.quarter.cn if content.as_of_is_quarter_end else \
        f"{content.quarter.cn}（截至{date_text(content.as_of)}）"


def _draft_opening(content: PackContent) -> list[str]:
    return [f"按照季度研究会商机制要求（{NOTICE}），现将{_subject(content)}{_when(content)}非危险化学品化工生产企业"
            "驻点监督工作情况汇报如下。"]


def _found_hazards(content: PackContent) -> tuple[int, int]:
    """Hazards found in the quarter (up to the as-of date) and how many of them are rectified."""
    frame = content.hazards_by_category
    if frame.empty:
        return 0, 0
    return int(frame["隐患数"].sum()), int(frame["已整改"].sum())


def _major_report_text(content: PackContent) -> str:
    """How the quarter's major hazards were reported: the 直报率's numerator and its shortfall reasons."""
    row = content.city_row("major_hazard_reported")
    records = content.shortfalls["major_hazard_reported"]
    late = records[records["问题"].astype("string").str.startswith("迟报").fillna(False)]
    unreported = len(records) - len(late)
    if len(records) == 0:
        return "均已按时直报执法部门" if row["denominator"] > 1 else "已按时直报执法部门"
    parts = [f"按时直报执法部门{number(row['numerator'])}项"] if row["numerator"] else []
    parts += [f"迟报{len(late)}项"] if len(late) else []
    parts += [f"未上报{unreported}项"] if unreported else []
    return "，".join(parts)


def _draft_work(content: PackContent) -> list[str]:
    subject = _subject(content)
    enterprises = len(content.coverage)
    people = content.supervisors["驻点人员"].nunique() if len(content.supervisors) else 0
    stationed = len(_supervised_enterprises(content))
    # The opening names the quarter and the kind of enterprise: not said again here.
    if enterprises and stationed == enterprises:
        first = f"{subject}{enterprises}家企业均已派驻驻点监督人员，共{people}人。"
    else:
        first = f"{subject}纳入驻点监督的企业{enterprises}家，其中{stationed}家已派驻驻点监督人员，共{people}人。"
    logs, ops = content.city_row("log_fill"), content.city_row("special_ops_onsite")
    work = []
    if _has_data(logs):
        work.append(f"填报工作日志{number(logs['numerator'])}人日，填报率{rate_text(logs['rate'])}")
    if _has_data(ops):
        work.append(f"到场监督动火、设备检维修、高处作业{number(ops['numerator'])}次，"
                    f"现场监督率{rate_text(ops['rate'])}")
    found, rectified = _found_hazards(content)
    if found:
        method = content.hazards_by_method
        resident = int(method.loc[method["检查方式"] == "驻点检查", "隐患数"].sum()) if len(method) else 0
        by_residents = f"（驻点检查发现{resident}项）" if resident else ""
        work.append(f"排查发现隐患{found}项{by_residents}，已整改{rectified}项")
    majors = content.city_row("major_hazard_reported")
    if majors["denominator"] > 0:
        work.append(f"发现重大隐患{number(majors['denominator'])}项，{_major_report_text(content)}（见附件3）")
    elif found:
        work.append("未发现重大隐患")
    second = ("；".join(work) + "。") if work else "本季度没有驻点工作日志和隐患排查记录。"
    return [first + second, _reconcile_text(content), _retrofit_text(content)]


def _reconcile_text(content: PackContent) -> str:
    """The 对账 findings in one sentence: by nature, and where they were found (a city paper: the districts with the
    most; a district's paper: its enterprises); every check is in 附件5."""
    summary = content.reconcile_summary
    if not int(summary["发现条数"].sum()):
        return "对账核查未发现记录不一致、数据缺口或需核实的记录。"
    by_nature = summary.groupby("性质", sort=False)["发现条数"].sum()
    text = "对账核查发现" + joined(f"{name}{int(by_nature[name])}条" for name in reconcile.NATURES.values()
                                  if by_nature.get(name, 0))
    if _single(content):
        text += f"，涉及{_names(content.reconcile_rows['企业名称'])}"
    else:
        counts = content.reconcile_counts
        busiest = counts[counts["合计"] > 0].sort_values("合计", ascending=False, kind="stable").head(2)
        named = joined(f"{d}{int(n)}条" for d, n in zip(busiest["区市"], busiest["合计"]))
        text += f"，{named}较多" if len(busiest) > 1 else f"，均在{busiest['区市'].iloc[0]}"
    return text + f"（见附件{RECONCILE_APPENDIX}）。"


def _retrofit_text(content: PackContent) -> str:
    """一企一策 progress in one sentence from the total row; where late projects are (a city paper)."""
    progress = content.retrofit
    total = progress.iloc[-1]
    if not int(total["改造项目"]) and not int(total["已诊断"]):
        return "一企一策智能化改造尚无诊断和改造项目记录。"
    late = int(total["逾期未完成"])
    where = ""
    if late and not _single(content):
        rows = progress.iloc[:-1]
        rows = rows[rows["逾期未完成"] > 0].sort_values("逾期未完成", ascending=False, kind="stable")
        where = "（" + joined(f"{d}{int(n)}个" for d, n in zip(rows["区市"].head(2), rows["逾期未完成"].head(2))) \
            + ("等" if len(rows) > 2 else "") + "）"
    return (f"一企一策智能化改造方面，{int(total['已诊断'])}家企业完成诊断、{int(total['已编制方案'])}家编制方案，"
            f"改造项目{int(total['改造项目'])}个、已完成{int(total['已完成项目'])}个，逾期未完成{late}个{where}，"
            f"减少危险岗位{int(total['减少危险岗位人数'])}人。")


# ------------------------------------------------------------------------- 指标完成情况

def _change_clauses(content: PackContent, codes, sign: int, limit: int = 3) -> list[str]:
    rows = [content.city_row(code) for code in codes]
    moved = [r for r in rows if not is_missing(r.get("change")) and sign * float(r["change"]) * 100 >= 1.0]
    moved.sort(key=lambda r: -abs(float(r["change"])))
    word = "上升" if sign > 0 else "下降"
    return [f"{r['indicator_name']}{word}{abs(float(r['change'])) * 100:.1f}个百分点" for r in moved[:limit]]


def _district_ranking(content: PackContent) -> list[tuple[str, int, list[str]]]:
    """Districts with indicators rated 整改, most first (then by total gap): (district, how many, the indicators on
    which it is the lowest of all districts)."""
    rows = content.figures[(content.figures["grain"] == "district") & (content.figures["denominator"] > 0)]
    if rows.empty:
        return []
    rows = rows.assign(gap=1 - rows["rate"].astype(float))
    at_min = rows["rate"] == rows.groupby("indicator")["rate"].transform("min")
    alone = at_min.groupby(rows["indicator"]).transform("sum") == 1  # the lowest alone, not tied
    lowest = rows[at_min & alone & rows["level"].isin(SHORT_OF_TARGET)]
    summary = rows.assign(rectify=rows["level"] == "整改").groupby("group").agg(
        rectify=("rectify", "sum"), gap=("gap", "sum"))
    summary = summary[summary["rectify"] > 0].sort_values(["rectify", "gap"], ascending=False)
    return [(district, int(r["rectify"]), list(lowest.loc[lowest["group"] == district, "indicator_name"]))
            for district, r in summary.iterrows()]


def _draft_indicators(content: PackContent) -> list[str]:
    subject = _subject(content)
    rows = [content.city_row(i.code) for i in TARGETS]
    met = [r for r in rows if r["level"] == "达标"]
    short = sorted((r for r in rows if r["level"] in SHORT_OF_TARGET), key=lambda r: float(r["rate"]))
    empty = [r for r in rows if r["level"] == "无数据"]
    if not met and not short:
        line = "八项目标指标本季度均无数据"
    elif not met:
        line = f"八项目标指标{subject}" + ("有数据的各项" if empty else "") + "均未达到100%"
    elif not short:
        line = f"八项目标指标中，{subject}有数据的{len(met)}项全部达到100%"
    else:
        line = f"八项目标指标中，{subject}达到100%的有{len(met)}项（{joined(r['indicator_name'] for r in met)}），" \
               f"未达标{len(short)}项"
    if short:
        line += "，差距较大的是" + joined(f"{r['indicator_name']}（{rate_text(r['rate'])}）" for r in short[:3])
    if empty and (met or short):
        line += f"；{joined(r['indicator_name'] for r in empty)}本季度无数据"
    codes = [i.code for i in content.indicators]
    changes = _change_clauses(content, codes, -1, 2) or _change_clauses(content, codes, +1, 2)
    if changes:
        line += "；较上季度，" + joined(changes)
    lines = [line + "。"]
    if _single(content):
        lines[0] += "各项指标完成情况见附件1。"
        return lines
    parts = []
    for district, rectify, lowest in _district_ranking(content)[:2]:
        parts.append(f"{district}{rectify}项指标处于整改档" + (f"、{len(lowest)}项为各区市最低" if lowest else ""))
    lines[0] += ("分区市看，" + "，".join(parts) + "（见附件1）。") if parts else "各区市分项完成情况见附件1。"
    return lines


# ------------------------------------------------------------------------- 存在的问题和不足

@dataclass(frozen=True)
class Problem:
    key: str
    tier: int  # 3: major hazards; 2: hazards overdue; 1: the rest, ranked by gap
    gap: float  # percentage points below target of the worst indicator behind it
    headline: str
    details: str


def _keys(frame: pd.DataFrame) -> pd.Series:
    return frame["企业名称"].astype(str) + "\x1f" + frame["隐患编号"].astype(str)


def _major_problem(content: PackContent) -> Problem | None:
    overdue = content.watch["overdue_major_hazards"].sort_values("超期天数", ascending=False, kind="stable")
    unreported = content.watch["unreported_major_hazards"]
    records = content.shortfalls["major_hazard_reported"]
    late = records[records["问题"].astype("string").str.startswith("迟报").fillna(False)]
    parts = []
    if len(overdue):
        shown = overdue.head(NAMED_MAX)
        named = joined(f"{_at(content, r)}“{r['隐患描述']}”" for _, r in shown.iterrows())
        days = joined(f"{int(d)}天" for d in shown["超期天数"])
        if len(overdue) == 1:
            text = f"{named}重大隐患超期{days}未整改"
        else:
            text = f"{named}{'等' if len(overdue) > NAMED_MAX else ''}{len(overdue)}项重大隐患" \
                   + (f"分别超期{days}" if len(shown) > 1 else f"超期{days}") + "未整改"
        level = overdue["督办级别"].astype("string").str.strip()
        unsupervised = int((level.isna() | level.isin(["", "无"])).sum())
        if unsupervised:
            text += "，尚未挂牌督办" if len(overdue) == 1 else f"，其中{unsupervised}项尚未挂牌督办"
        both = int(_keys(overdue).isin(set(_keys(unreported))).sum()) if len(unreported) else 0
        if both:
            text += "，且至今未直报执法部门" if len(overdue) == 1 else f"，{both}项至今未直报执法部门"
        unreported = unreported[~_keys(unreported).isin(set(_keys(overdue)))]
        parts.append(text)
    if len(unreported):
        earlier = int((pd.to_datetime(unreported["发现日期"]) < pd.Timestamp(content.quarter.start)).sum())
        when = "以前季度发现的" if earlier == len(unreported) else ""
        parts.append(f"{when}{len(unreported)}项重大隐患至今未直报执法部门（{_where(content, unreported, '项')}）")
    if len(late):
        parts.append(f"本季度迟报{len(late)}项（{_names(late.apply(lambda r: _at(content, r), axis=1), unit='项')}）")
    if not parts:
        return None
    return Problem("major", 3, 100.0, "重大隐患闭环管理不到位", "；".join(parts) + "。")


def _hazard_problem(content: PackContent) -> Problem | None:
    overdue = content.watch["overdue_hazards"]
    general = overdue[overdue["隐患等级"] != "重大隐患"].sort_values("超期天数", ascending=False, kind="stable")
    short = _short(content, "rectification")
    if general.empty and not short:
        return None
    parts = []
    if len(general) == 1:
        only = general.iloc[0]
        parts.append(f"{_at(content, only)}“{only['隐患描述']}”一般隐患超期{int(only['超期天数'])}天未整改")
    elif len(general):
        worst = general.iloc[0]
        parts.append(f"超期未整改的一般隐患{len(general)}项（{_where(content, general, '项')}），"
                     f"最长的{_at(content, worst)}“{worst['隐患描述']}”超期{int(worst['超期天数'])}天")
    elif short:
        parts.append(f"本季度到期{_rate_clause(content, 'rectification')}")
    repeats = content.repeat_hazards
    headline = "隐患整改不及时"
    if len(repeats):
        top = repeats.iloc[0]
        count = repeats.drop_duplicates(["区市", "企业名称"]).shape[0]
        months = int(setting("reconcile.repeat_months"))
        parts.append(f"{count}家企业有隐患销号后{months}个月内再次出现，如{_at(content, top)}“{top['隐患描述']}”"
                     f"出现{int(top['次数'])}次")
        headline = "隐患整改不及时、不彻底"
    return Problem("hazards", 2, _gap(content.city_row("rectification")), headline, "；".join(parts) + "。")


CHECKLIST_CODES = ("organization", "responsibility", "rules", "reward_payout")


def _short_enterprises(content: PackContent, *codes: str) -> list[str]:
    """Enterprises behind the shortfall of these indicators, the most records first."""
    frames = [content.shortfalls[code] for code in codes if len(content.shortfalls[code])]
    if not frames:
        return []
    records = pd.concat([f[["企业名称"]] for f in frames], ignore_index=True)
    return list(records.groupby("企业名称", sort=False).size().sort_values(ascending=False, kind="stable").index)


def _checklist_problem(content: PackContent) -> Problem | None:
    codes = [c for c in CHECKLIST_CODES if _short(content, c)]
    if not codes:
        return None
    codes.sort(key=lambda c: -_gap(content.city_row(c)))
    missing = content.watch["missing_checklists"]
    unsent = set(missing["企业名称"])
    sent_short = {c: content.shortfalls[c][~content.shortfalls[c]["企业名称"].isin(unsent)] for c in codes}
    if _single(content):
        clauses = [_rate_clause(content, c) + (f"（{_names(sent_short[c]['企业名称'], 2)}）" if len(sent_short[c]) else "")
                   for c in codes[:2]]
    else:
        clauses = [_rate_clause(content, c) for c in codes[:2]]
    parts = ["、".join(clauses)]
    if len(missing) <= 2 and not _single(content):
        parts += [f"{_names(missing.apply(lambda r: _at(content, r), axis=1))}未报送本季度检查表、按未落实计"] \
            if len(missing) else []
    elif len(missing):
        parts.append(f"{len(missing)}家企业未报送本季度检查表、按未落实计（{_where(content, missing, '家')}）")
    if not _single(content):
        reasons = []
        for code, reason in (("organization", "未配备安全总监"), ("organization", "安全管理机构不健全"),
                             ("responsibility", "责任制未落实")):
            records = content.shortfalls[code]
            hits = records[records["问题"] == reason] if "问题" in records else records.iloc[0:0]
            if len(hits):
                reasons.append((len(hits), reason, hits))
        if reasons:
            n, reason, hits = max(reasons, key=lambda r: r[0])
            parts.append(f"{_at(content, hits.iloc[0])}{reason}" if n == 1 else
                         f"{n}家企业{reason}，如{_at(content, hits.iloc[0])}")
    return Problem("checklists", 1, _gap(content.city_row(codes[0])), "企业安全主体责任落实有差距",
                   "；".join(parts) + "。")


def _supervision_problem(content: PackContent) -> Problem | None:
    parts = []
    if _short(content, "log_fill"):
        parts.append(_rate_clause(content, "log_fill"))
    if _short(content, "special_ops_onsite"):
        ops = content.city_row("special_ops_onsite")
        parts.append(f"{number(ops['denominator'] - ops['numerator'])}次特殊作业无人到场监督")
    coverage = content.coverage
    stationed = _supervised_enterprises(content)
    zero = coverage[(coverage["本季度隐患条数"] == 0) & coverage["企业名称"].isin(stationed)] if len(coverage) else coverage
    if 0 < len(zero) <= 2 and not _single(content):
        parts.append(f"驻点企业{_names(zero.apply(lambda r: _at(content, r), axis=1))}本季度未查出隐患")
    elif len(zero):
        where = _names(zero["企业名称"], 2) if _single(content) else _where(content, zero, "家", limit=2)
        parts.append(f"{len(zero)}家驻点企业本季度未查出隐患（{where}）")
    rotation = content.watch["rotation_due"].sort_values("已驻点天数", ascending=False, kind="stable")
    if len(rotation):
        people = rotation["驻点监督人员"].nunique()
        months = int(setting("watch.rotation_months"))
        longest = rotation.iloc[0]
        who = f"{_at(content, longest)}{longest['驻点监督人员']}"
        parts.append(f"{who}已驻点{int(longest['已驻点天数'])}天、满{months}个月待轮换" if people == 1 else
                     f"{people}名驻点监督人员驻点满{months}个月待轮换，最长的{who}已驻点{int(longest['已驻点天数'])}天")
    if not parts:
        return None
    gap = max(_gap(content.city_row("log_fill")), _gap(content.city_row("special_ops_onsite")))
    return Problem("supervision", 1, gap, "驻点监督履职不够到位", "；".join(parts) + "。")


def _people_problem(content: PackContent) -> Problem | None:
    parts = []
    if _short(content, "certification"):
        records = content.shortfalls["certification"]
        expired = int((records["问题"] == "证书已过期").sum())
        missing = len(records) - expired
        causes = joined(part for part in (f"{expired}人证书过期" if expired else "",
                                          f"{missing}人无证" if missing else "") if part)
        most = records.groupby(["区市", "企业名称"], sort=False).size().sort_values(ascending=False, kind="stable")
        (district, name), n = most.index[0], int(most.iloc[0])
        at = name if _single(content) else f"{district}{name}"
        where = f"，最多的{at}{n}人" if n > 1 else f"（{_names(records.apply(lambda r: _at(content, r), axis=1), 2)}）"
        parts.append(f"{_rate_clause(content, 'certification')}，{causes}{where}")
    expiring = content.watch["expiring_certificates"]
    if len(expiring):
        parts.append(f"另有{len(expiring)}人证书{int(setting('watch.certificate_expiry_days'))}天内到期")
    months = int(setting("indicators.window_months"))
    if _short(content, "training"):
        none = int((content.shortfalls["training"]["问题"] == "统计期内无培训记录").sum())
        parts.append(f"{none}人近{months}个月没有培训记录" if none else _rate_clause(content, "training"))
    records = content.shortfalls["drill_participation"]
    no_drill = records[records["问题"].astype("string").str.contains("未组织演练").fillna(False)] \
        if len(records) else records
    if len(no_drill):
        parts.append(f"{no_drill['企业名称'].nunique()}家企业近{months}个月未组织演练（{_names(no_drill.apply(lambda r: _at(content, r), axis=1), 2)}）")
    if not parts:
        return None
    gap = max(_gap(content.city_row(c)) for c in ("certification", "training", "drill_participation"))
    return Problem("people", 1, gap, "关键岗位持证和全员培训演练有缺口", "；".join(parts) + "。")


def problems(content: PackContent) -> list[Problem]:
    """At most MAX_PROBLEMS problems, the most severe first: major hazards, then overdue hazards, then by gap."""
    return list(content.drafted_once("problems", lambda: _ranked_problems(content)))


def _ranked_problems(content: PackContent) -> list[Problem]:
    found = [p for p in (_major_problem(content), _hazard_problem(content), _checklist_problem(content),
                         _supervision_problem(content), _people_problem(content)) if p]
    found.sort(key=lambda p: (-p.tier, -p.gap))
    return found[:MAX_PROBLEMS]


def _draft_problems(content: PackContent) -> list[str]:
    found = problems(content)
    if found:
        return [f"{cn_ordinal(n)}是{p.headline}。{p.details}" for n, p in enumerate(found, start=1)]
    if (content.figures["level"] == "无数据").all():
        return [f"本季度各项指标均无数据，{_subject(content)}各类台账尚未报送。"]
    return ["本季度有数据的各项指标均已达标，未发现超期隐患、未上报重大隐患等问题。"]


# ------------------------------------------------------------------------- 下步工作: the common tasks

def task_quarter(content: PackContent) -> Quarter:
    """The quarter the tasks are due in: the one after the figures, or the meeting's when it is later."""
    return max(content.next_quarter, quarter_of(content.meeting_date))


def _month_end(year: int, month: int) -> date:
    return (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)


def task_deadline(content: PackContent, urgent: bool) -> date:
    """The quarter's last day; for an urgent task the first month end at least URGENT_DAYS after the meeting."""
    quarter = task_quarter(content)
    if not urgent:
        return quarter.end
    earliest = content.meeting_date + timedelta(days=URGENT_DAYS)
    for month in range(quarter.start.month, quarter.start.month + 3):
        if (end := _month_end(quarter.start.year, month)) >= earliest:
            return min(end, quarter.end)
    return quarter.end


def _who(content: PackContent, owners) -> str:
    """Who acts: the owner districts in a city paper; in a district's paper its office, which signs it, so the
    sentence starts with what it does."""
    return "" if _single(content) else _owners_text(content, owners)


def _enterprises(content: PackContent, frame: pd.DataFrame, what: str) -> str:
    """督促A、B等N家企业 in a district's paper (its own enterprises by name); 督促企业 in a city paper."""
    if not _single(content):
        return "督促企业"
    names = list(dict.fromkeys(frame["企业名称"]))
    return f"督促{joined(names[:NAMED_MAX])}" + (f"等{len(names)}家{what}" if len(names) > NAMED_MAX else "")


def _major_task(content: PackContent) -> TaskDraft | None:
    overdue, unreported = content.watch["overdue_major_hazards"], content.watch["unreported_major_hazards"]
    if overdue.empty and unreported.empty:
        return None
    owners = tuple(_ordered(content, [*overdue["区市"], *unreported["区市"]]))
    soon = task_deadline(content, urgent=True)
    parts = []
    if len(overdue):
        parts.append(f"{_enterprises(content, overdue, '企业')}{short_date(soon)}前完成{len(overdue)}项超期重大隐患整改，"
                     "逾期提请挂牌督办")
    if len(unreported):
        whom = f"督促{_names(unreported['企业名称'])}" if _single(content) else ""
        parts.append(f"{whom}{short_date(soon)}前将{len(unreported)}项未上报重大隐患直报执法部门")
    standard = "超期重大隐患、未上报重大隐患清单清零" if len(overdue) and len(unreported) else \
        ("超期重大隐患清单清零" if len(overdue) else "未上报重大隐患清单清零")
    link = "overdue_major_hazards" if len(overdue) else "unreported_major_hazards"
    return TaskDraft("重大隐患整改和直报", _who(content, owners) + "；".join(parts) + "。", owners, soon,
                     standard, "watch", link)


def _overdue_task(content: PackContent) -> TaskDraft | None:
    overdue = content.watch["overdue_hazards"]
    general = overdue[overdue["隐患等级"] != "重大隐患"]
    if general.empty:
        return None
    owners = tuple(_ordered(content, general["区市"]))
    end = task_deadline(content, urgent=False)
    whom = _enterprises(content, general, "企业") if _single(content) else ""
    text = f"{_who(content, owners)}{whom}{short_date(end)}前完成{len(general)}项超期隐患整改"
    if len(content.repeat_hazards):
        text += "，对隐患反复出现的企业逐企分析原因"
    return TaskDraft("超期隐患清零", text + "。", owners, end, "超期未整改隐患清单清零", "watch", "overdue_hazards")


CHECKLIST_ACTIONS = {"organization": "配齐安全管理机构和安全总监", "responsibility": "落实全员安全生产责任制",
                     "rules": "建齐规章制度", "reward_payout": "兑现隐患举报奖金"}


def _checklist_task(content: PackContent) -> TaskDraft | None:
    missing = content.watch["missing_checklists"]
    codes = [c for c in CHECKLIST_CODES if _short(content, c)]
    if missing.empty and not codes:
        return None
    owners = tuple(_ordered(content, [*missing["区市"], *_short_owners(content, *codes)]))
    soon, end = task_deadline(content, urgent=True), task_deadline(content, urgent=False)
    parts = []
    if len(missing):
        whom = _enterprises(content, missing, "企业") if _single(content) else f"督促{len(missing)}家未报企业"
        parts.append(f"{whom}{short_date(soon)}前补报季度检查表")
    unsent = set(missing["企业名称"])
    short = [name for name in _short_enterprises(content, *codes) if name not in unsent]
    if short:
        worst = sorted(codes, key=lambda c: -_gap(content.city_row(c)))[:2]
        actions = joined(CHECKLIST_ACTIONS[c] for c in worst)
        whom = f"督促{_names(short)}" if _single(content) else f"督促{len(short)}家企业"
        parts.append(f"{whom}{short_date(end)}前{actions}")
    code = max(codes, key=lambda c: _gap(content.city_row(c))) if codes else None
    kind, link = ("indicator", code) if code else ("watch", "missing_checklists")
    standard = "、".join(BY_CODE[c].name for c in codes) + "达到100%" if codes else "未报检查表企业清零"
    return TaskDraft("落实企业安全主体责任", _who(content, owners) + "，".join(parts) + "。", owners,
                     end if codes else soon, standard, kind, link)


def _rotation_task(content: PackContent) -> TaskDraft | None:
    rotation = content.watch["rotation_due"]
    if rotation.empty:
        return None
    owners = tuple(_ordered(content, rotation["区市"]))
    end = task_deadline(content, urgent=False)
    months = int(setting("watch.rotation_months"))
    who = _who(content, owners) or "会同派出单位"
    text = (f"{who}{short_date(end)}前完成{rotation['驻点监督人员'].nunique()}名驻点满{months}个月"
            "驻点监督人员的轮换、岗前培训和交接。")
    return TaskDraft("驻点监督人员到期轮换", text, owners, end, "驻点满期人员全部轮换", "watch", "rotation_due")


def _log_task(content: PackContent) -> TaskDraft | None:
    codes = [c for c in ("log_fill", "special_ops_onsite") if _short(content, c)]
    if not codes:
        return None
    owners = tuple(_short_owners(content, *codes)) or tuple(content.districts)
    end = task_deadline(content, urgent=False)
    code = max(codes, key=lambda c: _gap(content.city_row(c)))
    standard = "、".join(BY_CODE[c].name for c in codes) + "达到100%"
    goal = "两项比率达到100%" if len(codes) == 2 else standard
    text = (f"{_who(content, owners)}每周检查驻点工作日志，督促企业特殊作业提前告知驻点监督人员、逐次到场监督，"
            f"{short_date(end)}前{goal}。")
    return TaskDraft("工作日志和特殊作业现场监督", text, owners, end, standard, "indicator", code)


def _certification_task(content: PackContent) -> TaskDraft | None:
    if not _short(content, "certification"):
        return None
    owners = tuple(_short_owners(content, "certification"))
    end = task_deadline(content, urgent=False)
    records = content.shortfalls["certification"]
    whom = _enterprises(content, records, "企业") if _single(content) else ""
    text = (f"{_who(content, owners)}{whom}{short_date(end)}前完成{len(records)}名证书过期或无证人员取证、复审，"
            "取证前调离关键岗位。")
    return TaskDraft("关键岗位人员持证上岗", text, owners, end, "持证上岗率达到100%", "indicator", "certification")


def _training_task(content: PackContent) -> TaskDraft | None:
    codes = [c for c in ("training", "drill_participation") if _short(content, c)]
    if not codes:
        return None
    owners = tuple(_short_owners(content, *codes))
    end = task_deadline(content, urgent=False)
    actions = joined({"training": "组织未培训、考核不合格人员补训补考",
                      "drill_participation": "组织应急演练，未参加演练人员补演"}[c] for c in codes)
    whom = f"督促{_names(_short_enterprises(content, *codes))}" if _single(content) else "督促企业"
    text = f"{_who(content, owners)}{whom}{short_date(end)}前{actions}。"
    code = max(codes, key=lambda c: _gap(content.city_row(c)))
    return TaskDraft("全员培训和应急演练", text, owners, end, "、".join(BY_CODE[c].name for c in codes) + "达到100%",
                     "indicator", code)


# Each problem's tasks, the more pressing first.
PROBLEM_TASKS = {
    "major": (_major_task,),
    "hazards": (_overdue_task,),
    "checklists": (_checklist_task,),
    "supervision": (_rotation_task, _log_task),
    "people": (_certification_task, _training_task),
}


def draft_common_tasks(content: PackContent) -> list[TaskDraft]:
    """The common tasks for the next quarter (owners, deadline, completion standard, the link that sets the
    status), most pressing first: the first task of each problem in the problems' order; a problem's second task
    only while there are fewer than MIN_TASKS; never more than MAX_TASKS."""
    return list(content.drafted_once("common_tasks", lambda: _drafted_tasks(content)))


def _drafted_tasks(content: PackContent) -> list[TaskDraft]:
    ranked = problems(content)
    order = [PROBLEM_TASKS[p.key] for p in ranked]
    order += [makers for key, makers in PROBLEM_TASKS.items() if key not in {p.key for p in ranked}]
    tasks: list[TaskDraft] = []
    for round_, limit in ((0, MAX_TASKS), (1, MIN_TASKS)):
        for makers in order:
            if round_ < len(makers) and len(tasks) < limit and (task := makers[round_](content)):
                tasks.append(task)
    return tasks


def common_tasks(content: PackContent) -> list[TaskDraft]:
    """The tasks 下步工作 lists: the meeting's own once users edited, added or agreed any (`meeting_tasks`), else
    the product's draft."""
    return list(content.meeting_tasks) if content.meeting_tasks is not None else draft_common_tasks(content)


def _matters_overflow(content: PackContent) -> bool:
    return len(content.matters) > MATTERS_IN_PAPER


def _followup_overflow(content: PackContent) -> bool:
    return len(content.previous_tasks) > FOLLOWUP_LISTED


def _extra_appendices(content: PackContent) -> list[str]:
    """The appendices the records add (followup, matters), in the order the paper refers to them."""
    return [key for key, needed in (("followup", _followup_overflow(content)), ("matters", _matters_overflow(content)))
            if needed]


def _appendix_number(content: PackContent, key: str) -> int:
    return STANDING_APPENDICES + 1 + _extra_appendices(content).index(key)


def _task_line(n: int, task: TaskDraft) -> str:
    return f"{n}. {task.title}。{task.content}"


def _draft_tasks(content: PackContent) -> list[str]:
    single = _single(content)
    tasks = common_tasks(content)
    lines = ["（一）重点任务。" if single else "（一）共性任务。"]
    if tasks:
        lines += [_task_line(n, task) for n, task in enumerate(tasks, start=1)]
    else:
        lines.append("本季度未发现需要整改的问题，继续按驻点监督工作制度开展日常监督。")
    # The season's tasks are short: one paragraph 一是…；二是…, run on after the sub-heading (numbered lines would
    # leave half of each empty), as is the count of the matters when the paper does not list them.
    season = seasonal_tasks(content.meeting_date)
    if not season:
        lines.append(f"（二）季节性工作。{quarter_of(content.meeting_date).cn}余下时间没有需专门部署的季节性工作。")
    elif len(season) == 1:
        lines.append(f"（二）季节性工作。{season[0].title}，{season[0].text}")
    else:
        lines.append("（二）季节性工作。" + "；".join(f"{cn_ordinal(k)}是{task.title}，{task.text.rstrip('。')}"
                                               for k, task in enumerate(season, start=1)) + "。")
    if content.matters:
        if _matters_overflow(content):
            kinds = pd.Series([m.kind for m in content.matters]).value_counts(sort=False)
            lines.append(f"（三）需提请会商协调事项。共{len(content.matters)}项："
                         f"{joined(f'{kind}{n}项' for kind, n in kinds.items())}，"
                         f"逐项见附件{_appendix_number(content, 'matters')}。")
        else:
            lines.append("（三）需提请会商协调事项。")
            lines += [f"{k}. {matter.subject}：{matter.text}" for k, matter in enumerate(content.matters, start=1)]
    return lines


# ------------------------------------------------------------------------- 上季度共性任务完成情况

def _own_statuses(content: PackContent) -> list[list]:
    own = set(content.districts)
    return [[s for s in task.statuses if s.district in own] for task in content.previous_tasks]


def _draft_followup(content: PackContent) -> list[str]:
    tasks = content.previous_tasks
    statuses = _own_statuses(content)
    done = sum(1 for s in statuses if s and all(x.status == DONE for x in s))
    lines = [f"上季度会商确定共性任务{len(tasks)}项，截至{date_text(content.as_of)}，全部完成{done}项，"
             f"尚未全部完成{len(tasks) - done}项。"]
    if _followup_overflow(content):
        return [f"上季度会商确定共性任务{len(tasks)}项，截至{date_text(content.as_of)}，全部完成{done}项"
                + _followup_summary(content, statuses)]
    for n, (task, own_statuses) in enumerate(zip(tasks, statuses), start=1):
        shown = [("" if _single(content) else s.district) + s.status + (f"（{s.note}）" if s.note else "")
                 for s in own_statuses]
        lines.append(f"{n}. {task.title}（{date_text(task.deadline)}前）：{joined(shown, '，') or '不涉及'}。")
    return lines


def _followup_summary(content: PackContent, statuses: list[list]) -> str:
    """Many tasks in a few words: the ones some owners finished (how many of how many), the rest not finished
    by any; the table of every task and district is an appendix."""
    partial = [(task.title, sum(x.status == DONE for x in s), len(s))
               for task, s in zip(content.previous_tasks, statuses) if s and 0 < sum(x.status == DONE for x in s) < len(s)]
    untouched = sum(1 for s in statuses if s and not any(x.status == DONE for x in s))
    whom = "" if _single(content) else "个责任区市"
    clauses = [f"{title}{total}{whom}中{finished}个已完成" if whom else f"{title}部分完成"
               for title, finished, total in partial[:NAMED_MAX]]
    if len(partial) > NAMED_MAX:
        clauses[-1] += f"等{len(partial)}项部分完成"
    if untouched:
        clauses.append(f"{'其余' if clauses else ''}{untouched}项{'各责任区市均' if whom else ''}未完成")
    text = "；".join(clauses)
    return (f"：{text}" if text else "") + f"（见附件{_appendix_number(content, 'followup')}）。"


# ------------------------------------------------------------------------- tables (the appendices)

def indicator_table(content: PackContent) -> BriefTable:
    """附件1. City: indicators × (全市, districts). One district: indicators × its figures (no one-row tables)."""
    order = [i.code for i in content.indicators]
    names = [BY_CODE[code].name for code in order]
    caption = f"{content.quarter.cn}指标完成情况"
    if _single(content):
        city = content.figures[content.figures["grain"] == "city"].set_index("indicator").reindex(order)
        previous = content.history[(content.history["grain"] == "city")
                                   & (content.history["quarter"] == content.quarter.previous().label)]
        previous = previous.set_index("indicator").reindex(order)
        counts = content.shortfall_counts.groupby("indicator")["记录数"].sum().reindex(order).fillna(0)
        enterprises = pd.Series({code: content.shortfalls[code]["企业名称"].nunique() for code in order})
        frame = pd.DataFrame({
            "指标": names,
            "本季度（%）": city["rate"].map(percent_number).to_numpy(),
            "上季度（%）": previous["rate"].map(percent_number).to_numpy(),
            "分子/分母": [f"{number(n)}/{number(d)}" for n, d in zip(city["numerator"], city["denominator"])],
            "未达标记录（条）": counts.astype(int).astype(str).to_numpy(),
            "涉及企业（家）": enterprises.astype(str).to_numpy(),
        })
        levels = pd.DataFrame(None, index=frame.index, columns=frame.columns)
        levels["本季度（%）"] = city["level"].to_numpy()
        return BriefTable(caption + "（目标值均为100%）", frame, levels)
    groups = [content.total_label, *content.districts]
    frame = content.figures.assign(
        column=content.figures["group"].where(content.figures["grain"] == "district", content.total_label))
    rates = frame.assign(text=frame["rate"].map(percent_number)).pivot(index="indicator", columns="column",
                                                                      values="text")
    levels = frame.pivot(index="indicator", columns="column", values="level")
    rates = rates.reindex(index=order, columns=groups)
    levels = levels.reindex(index=order, columns=groups)
    rates.insert(0, "指标", names)
    levels.insert(0, "指标", None)
    return BriefTable(caption + "（单位：%；目标值均为100）", rates.reset_index(drop=True), levels.reset_index(drop=True))


def work_table(content: PackContent) -> BriefTable:
    """附件2. City: one row per district and the total. One district: one row per enterprise."""
    if _single(content):
        return _enterprise_work_table(content)
    district = content.figures[content.figures["grain"] == "district"].set_index(["indicator", "group"])
    city = content.figures[content.figures["grain"] == "city"].set_index("indicator")
    enterprises = content.coverage.groupby("区市").size() if len(content.coverage) else pd.Series(dtype=int)
    people = content.supervisors.drop_duplicates(["区市", "驻点人员"]).groupby("区市").size() \
        if len(content.supervisors) else pd.Series(dtype=int)
    found = content.hazards_by_district.set_index("区市") if len(content.hazards_by_district) else None

    def value(code: str, group: str | None, column: str):
        row = city.loc[code] if group is None else district.loc[(code, group)]
        return row[column]

    def hazards(group: str | None, column: str) -> int:
        if found is None:
            return 0
        return int(found[column].sum() if group is None else found[column].get(group, 0))

    rows = []
    for group in [*content.districts, None]:
        rows.append({
            "区市": content.total_label if group is None else group,
            "企业（家）": number(enterprises.sum() if group is None else enterprises.get(group, 0)),
            "驻点人员（人）": number(people.sum() if group is None else people.get(group, 0)),
            "日志填报率（%）": percent_number(value("log_fill", group, "rate")),
            "特殊作业现场监督率（%）": percent_number(value("special_ops_onsite", group, "rate")),
            "发现隐患（项）": number(hazards(group, "隐患数")),
            "重大隐患（项）": number(hazards(group, "重大隐患")),
            RECTIFICATION_RATE: percent_number(value("rectification", group, "rate")),
        })
    return BriefTable(f"{content.quarter.cn}各区市驻点监督工作情况", pd.DataFrame(rows))


def _enterprise_work_table(content: PackContent) -> BriefTable:
    coverage = content.coverage
    columns = ["企业名称", "驻点人员", "日志填报率（%）", "未到场监督特殊作业（次）", "发现隐患（项）", "超期未整改隐患（项）"]
    if coverage.empty:
        return BriefTable(f"{content.quarter.cn}各企业驻点监督工作情况", pd.DataFrame(columns=columns))
    logs = content.log_fill.groupby("企业名称").agg(due=("应填报天数", "sum"), done=("已填报天数", "sum")) \
        if len(content.log_fill) else pd.DataFrame(columns=["due", "done"])
    people = content.supervisors.groupby("企业名称")["驻点人员"].agg(lambda names: "、".join(dict.fromkeys(names))) \
        if len(content.supervisors) else pd.Series(dtype=str)
    missed = content.shortfalls["special_ops_onsite"]
    missed = missed.groupby("企业名称")["未监督数"].sum() if len(missed) else pd.Series(dtype=int)
    overdue = content.watch["overdue_hazards"].groupby("企业名称").size()
    names = coverage.sort_values("企业名称")["企业名称"]
    due = logs["due"].reindex(names).fillna(0).to_numpy()
    done = logs["done"].reindex(names).fillna(0).to_numpy()
    frame = pd.DataFrame({
        "企业名称": names.to_numpy(),
        "驻点人员": people.reindex(names).fillna("未派驻").to_numpy(),
        "日志填报率（%）": [percent_number(d / n) if n else "—" for d, n in zip(done, due)],
        "未到场监督特殊作业（次）": missed.reindex(names).fillna(0).astype(int).astype(str).to_numpy(),
        "发现隐患（项）": coverage.set_index("企业名称")["本季度隐患条数"].reindex(names).astype(int).astype(str).to_numpy(),
        "超期未整改隐患（项）": overdue.reindex(names).fillna(0).astype(int).astype(str).to_numpy(),
    })
    return BriefTable(f"{content.quarter.cn}各企业驻点监督工作情况", frame)


def major_table(content: PackContent) -> BriefTable:
    """附件3: the quarter's major hazards, and older ones still overdue or never reported."""
    found = content.major_hazards
    older = pd.concat([content.watch["overdue_major_hazards"], content.watch["unreported_major_hazards"]],
                      ignore_index=True)
    keys = set(zip(found["企业名称"], found["隐患编号"])) if len(found) else set()
    older = older[[key not in keys for key in zip(older["企业名称"], older["隐患编号"])]] \
        .drop_duplicates(["企业名称", "隐患编号"]) if len(older) else older
    late = content.shortfalls["major_hazard_reported"].set_index(["企业名称", "隐患编号"])["问题"] \
        if len(content.shortfalls["major_hazard_reported"]) else pd.Series(dtype=str)
    overdue = content.watch["overdue_major_hazards"].set_index(["企业名称", "隐患编号"])["超期天数"] \
        if len(content.watch["overdue_major_hazards"]) else pd.Series(dtype=int)
    order = {district: n for n, district in enumerate(content.districts)}
    rows = []
    for source in (found, older):
        source = source.assign(order=source["区市"].map(order)).sort_values(["order", "发现日期"], kind="stable") \
            if len(source) else source
        for _, r in source.iterrows():
            key = (r["企业名称"], r["隐患编号"])
            reported = r.get("上报日期")
            report = "未上报" if is_missing(reported) or pd.Timestamp(reported).date() > content.as_of else \
                (str(late.get(key)).replace(" ", "") if key in late.index else "按时上报")
            status = f"超期{int(overdue[key])}天未整改" if key in overdue.index else str(r.get("整改状态") or "")
            row = {"区市": r["区市"], "企业名称": r["企业名称"], "隐患描述": r["隐患描述"],
                   "发现日期": iso_date(r["发现日期"]), "上报情况": report, "整改情况": status}
            rows.append(row)
    columns = ["区市", "企业名称", "隐患描述", "发现日期", "上报情况", "整改情况"]
    frame = pd.DataFrame(rows, columns=columns)
    if _single(content):
        frame = frame.drop(columns="区市")
    return BriefTable(f"{content.quarter.cn}发现的重大隐患，及以前发现、截至{date_text(content.as_of)}仍超期或未上报的"
                      "重大隐患", frame)


def watch_table(content: PackContent) -> BriefTable:
    """附件4: one row per watch list, a column per district and the total (one column for one district)."""
    rows = []
    for item in WATCH_LISTS:
        frame = content.watch[item.code]
        row = {"清单": item.title, content.total_label if not _single(content) else "条数": len(frame)}
        if not _single(content):
            row.update({district: int((frame["区市"] == district).sum()) for district in content.districts})
        rows.append(row)
    return BriefTable(f"需要关注的事项（截至{date_text(content.as_of)}，单位：条）", pd.DataFrame(rows))


def followup_table(content: PackContent) -> BriefTable:
    """Last quarter's tasks (when the paper sums them up): a row per task, each owner district's status (— where
    it is not an owner), and the districts' notes."""
    statuses = _own_statuses(content)
    frame = pd.DataFrame({"序号": [str(n) for n in range(1, len(statuses) + 1)],
                          "任务": [t.title for t in content.previous_tasks],
                          "完成时限": [short_date(t.deadline) for t in content.previous_tasks]})
    for district in content.districts:
        frame[district if not _single(content) else "状态"] = [
            next((x.status for x in s if x.district == district), "—") for s in statuses]
    notes = [joined([("" if _single(content) else f"{x.district}：") + x.note for x in s if x.note], "；")
             for s in statuses]
    if any(notes):
        frame["说明"] = notes
    return BriefTable(f"{content.quarter.previous().cn}会商确定的共性任务，状态截至{date_text(content.as_of)}", frame)


def matters_table(content: PackContent) -> BriefTable:
    """附件6 (only when the paper cannot list them all): every matter put to the meeting."""
    frame = pd.DataFrame({"序号": [str(n) for n in range(1, len(content.matters) + 1)],
                          "类别": [m.kind for m in content.matters], "事项": [m.text for m in content.matters]})
    return BriefTable(f"{content.quarter.cn}会商需提请协调的事项，共{len(content.matters)}项", frame)


RESTATEMENT_SHEET = "数据更正"  # the workbook's sheet of the figures changed since 定稿


def figures_basis(content: PackContent) -> str | None:
    """One sentence on a finalised quarter's figures: frozen at 定稿 (with the restatements since counted), or
    those of now although the quarter was finalised; None for a quarter without frozen figures."""
    if content.frozen_at is not None:
        restated = 0 if content.restatements is None else len(content.restatements)
        line = f"本材料指标数据为{date_text(content.frozen_at)}定稿时数据；问题清单为截至生成时的记录"
        if restated:
            line += f"；定稿后数据更正{restated}项，见数据工作簿“{RESTATEMENT_SHEET}”表"
        return line + "。"
    if content.current_over_frozen_at is not None:
        return (f"本材料指标数据为生成时的当前数据，不是{date_text(content.current_over_frozen_at)}"
                "定稿时的数据。")
    return None


def data_notes(content: PackContent) -> list[str]:
    """附件5: how the figures were counted and what is known about the data (the data-operations notes)."""
    lines = [f"统计截至{date_text(content.as_of)}，数据截至{date_text(content.data_as_of)}。各项指标目标值均为100%，"
             "分母为0的为无数据；区市比率为其企业分子之和除以分母之和。"
             f"各项指标的分子、分母和每一条未达标记录见数据工作簿《{content.stem}.xlsx》。"]
    if (basis := figures_basis(content)) is not None:
        lines.append(basis)
    if content.calendar_note:
        lines.append(content.calendar_note)
    missing = content.watch["missing_checklists"]
    if len(missing):
        lines.append(f"{len(missing)}家企业未报送本季度检查表，安全生产责任制落实率和安全管理机构健全率按未落实计，"
                     "规章制度健全率和奖金落实率只按已报送企业计算。")
    if len(content.quarantine):
        rows = int(content.quarantine["行数"].sum())
        templates = joined(content.quarantine.groupby("模板", sort=False)["行数"].sum().index)
        lines.append(f"报送的文件中有{rows}行数据因格式或取值问题未能入库（涉及{templates}），未计入任何指标，"
                     "已在数据工作簿“说明”页逐行列明，需退回修改后重报。")
    if len(content.rejected):
        lines.append(f"{len(content.rejected)}个文件因无法识别为任何模板被整体拒收，原因见数据工作簿“说明”页。")
    return lines


def _clause(code: str) -> str:
    """The notice's section a check answers to (通知二（一）), or 本办做法 for the office's own."""
    check = reconcile.check(code)
    return f"通知{check.quote.section}" if check.quote else "本办做法"


def reconcile_table(content: PackContent) -> BriefTable:
    """附件5 (数据对账情况), first table: each check (its rule name, nature and the notice's clause) with its findings for the
    total and each district; a district's paper: findings and enterprises."""
    summary = content.reconcile_summary
    frame = pd.DataFrame({"检查项": summary["检查项"], "性质": summary["性质"],
                          "依据": summary["检查代码"].map(_clause)})
    if _single(content):
        frame["发现（条）"] = summary["发现条数"].map(number).to_numpy()
        frame["涉及企业（家）"] = summary["涉及企业"].map(number).to_numpy()
    else:
        counts = content.reconcile_counts.set_index("区市")
        frame[content.total_label] = summary["发现条数"].map(number).to_numpy()
        for district in content.districts:
            frame[district] = counts.loc[district, list(summary["检查项"])].map(number).to_numpy()
        totals = {"检查项": "合计", "性质": "", "依据": "",
                  content.total_label: number(summary["发现条数"].sum()),
                  **{d: number(counts.loc[d, "合计"]) for d in content.districts}}
        frame = pd.concat([frame, pd.DataFrame([totals])], ignore_index=True)
    return BriefTable(f"{content.quarter.cn}对账检查发现的记录（单位：条）", frame)


ESCALATION_COLUMNS = ("重大隐患", "上报超时", "整改超期", "销号超时", "挂牌督办", "移交事项", "办结超时", "数据缺口")


def escalation_frame(content: PackContent) -> pd.DataFrame:
    """The quarter's major hazards and handovers per district and how many broke a time limit (直通车); a city or
    selection's paper adds the total row."""
    rows = content.escalation[["区市", *ESCALATION_COLUMNS]]
    if _single(content):
        return rows.reset_index(drop=True)
    total = pd.DataFrame([{"区市": content.total_label, **{c: int(rows[c].sum()) for c in ESCALATION_COLUMNS}}])
    return pd.concat([rows, total], ignore_index=True)


def _as_text(frame: pd.DataFrame, content: PackContent) -> pd.DataFrame:
    """A district table's numbers as text; a district's paper has one row, so it is turned into 项目 | the district
    (no one-row tables)."""
    frame = frame.assign(**{c: frame[c].map(number) for c in frame.columns[1:]})
    if not _single(content):
        return frame.reset_index(drop=True)
    row = frame.iloc[0]
    return pd.DataFrame({"项目": list(frame.columns[1:]), row.iloc[0]: list(row.iloc[1:])})


def escalation_table(content: PackContent) -> BriefTable:
    """附件5 (数据对账情况), second table: `escalation_frame` as text."""
    return BriefTable(f"{content.quarter.cn}重大隐患和移交事项办理时限情况（单位：项）",
                      _as_text(escalation_frame(content), content))


def retrofit_table(content: PackContent) -> BriefTable:
    """附件5 (数据对账情况), third table: 一企一策 progress per district and the total (a district's paper: its own)."""
    return BriefTable(f"一企一策智能化改造进展（截至{date_text(content.as_of)}）", _as_text(content.retrofit, content))


def reconcile_section(content: PackContent) -> AppendixSection:
    """数据对账情况 in 附件5: the findings per check and district, the 直通车 time limits, 一企一策 progress."""
    return AppendixSection(RECONCILE_TITLE, (reconcile_table(content), escalation_table(content),
                                             retrofit_table(content)), tuple(reconcile_notes(content)))


def reconcile_notes(content: PackContent) -> list[str]:
    """数据对账情况's notes: what the natures mean and where the rows are, then the checks in a sentence
    (`reconcile.reconcile_line`)."""
    return ["“记录不一致”“记录错误”须核实更正；“数据缺口”是漏填，不等于工作没做；“需核实”是线索，不等于违规。"
            f"依据栏为《通知》（{NOTICE}）的条款，“本办做法”为本办补充的口径；逐条记录及来源文件、行号见数据工作簿"
            "“对账明细”工作表。",
            reconcile.reconcile_line(content.reconcile_summary)]


@dataclass(frozen=True)
class AppendixSection:
    """A headed part of an appendix after its own table and lines: its tables, then its lines."""
    title: str
    tables: tuple[BriefTable, ...] = ()
    lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class Appendix:
    title: str
    table: BriefTable | None = None
    lines: tuple[str, ...] = ()
    sections: tuple[AppendixSection, ...] = ()


def appendices(content: PackContent) -> list[Appendix]:
    """The paper's attachments, in the order the text refers to them (附件1 … 附件5, then those the records add);
    each table's caption (period, units) is printed above it."""
    work = "各企业驻点监督工作情况表" if _single(content) else "各区市驻点监督工作情况表"
    attached = [Appendix("指标完成情况表", indicator_table(content)), Appendix(work, work_table(content)),
                Appendix("重大隐患情况表", major_table(content)), Appendix("需要关注的事项统计表", watch_table(content)),
                Appendix("数据情况说明", lines=tuple(data_notes(content)), sections=(reconcile_section(content),))]
    extra = {"followup": lambda: Appendix("上季度共性任务完成情况表", followup_table(content)),
             "matters": lambda: Appendix("需提请会商协调事项清单", matters_table(content))}
    return attached + [extra[key]() for key in _extra_appendices(content)]


def section_tables(content: PackContent) -> dict[str, list[BriefTable]]:
    """The tables by the section that refers to them (they are printed as appendices)."""
    return {
        "followup": [],
        "work": [work_table(content)],
        "indicators": [indicator_table(content)],
        "problems": [watch_table(content), major_table(content)],
        "tasks": [],
    }


# ------------------------------------------------------------------------- entry point

def draft_sections(content: PackContent) -> dict[str, str]:
    """The drafted text of the opening and of each section (keys of `section_labels`), one paragraph per line."""
    makers = {OPENING: _draft_opening, "followup": _draft_followup, "work": _draft_work,
              "indicators": _draft_indicators, "problems": _draft_problems, "tasks": _draft_tasks}
    return {key: "\n".join(makers[key](content)) for key in section_labels(content)}
