"""The meeting paper's text, drafted from the data, and its tables.

Four sections, as the quarterly consultation runs (contract §5): the supervision
work, the indicators, the problems and shortfalls, and next quarter's tasks. Each
section's text is plain lines (a line beginning with （一） is a sub-heading), so a
user can edit it on the page before the brief (.docx) and the report (.html) are
built from it. The tables are always built from the data.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from core.settings import FilledTexts, fill
from metrics.api import WATCH_TITLES
from metrics.indicators import BY_CODE, SUPERVISION, TARGETS, Indicator
from pack.content import PackContent
from core.presentation import (cn_ordinal, count_text, date_text, is_missing, joined, percent_number, points_gap_text,
                      points_text, rate_text)
from pack.seasonal import seasonal_tasks

SECTION_TITLES = {
    "work": "一、驻点监督工作开展情况",
    "indicators": "二、指标完成情况",
    "problems": "三、存在的问题和不足",
    "tasks": "四、下步工作建议（下季度共性任务）",
}
SUBHEADING = re.compile(r"^（[一二三四五六七八九十]+）")  # a line that opens a sub-section
SHORT_OF_TARGET = ("关注", "整改")
# A problem is "common" (a task for every district next quarter) when this many districts share it.
COMMON_MIN_DISTRICTS = 2
LISTED_NAMES_MAX = 5

# What the districts should do about each indicator's shortfall (威化安转办发〔2021〕26号).
MEASURES = FilledTexts({
    "certification": "对关键岗位人员持证情况逐人核查，无证、证书过期人员一律调离关键岗位，限期取证或复审；"
                     "建立证书到期台账，到期前{watch.certificate_expiry_days}天提醒复审。",
    "training": "对近{indicators.window_months}个月无合格培训记录的在岗人员组织补训补考，"
                "做到全员培训、考核合格后上岗。",
    "rectification": "对未整改隐患逐项明确整改责任人、措施和期限，驻点监督人员跟踪巡查、对账销号，实行闭环管理。",
    "drill_participation": "督促企业按应急预案组织演练，对未参加演练人员组织补演，确保全员参与。",
    "responsibility": "督促企业修订完善全员安全生产责任制，逐岗位明确责任并开展考核，确保落实到人。",
    "organization": "督促企业健全安全管理机构，按要求配备安全总监。",
    "rules": "对照应建规章制度清单查漏补缺，限期建齐并组织培训执行。",
    "reward_payout": "督促企业落实内部隐患举报奖励制度，应发奖励按时足额兑现。",
    "special_ops_onsite": "企业动火、设备检维修、高处作业等特殊作业须提前告知驻点监督人员，"
                          "驻点监督人员逐次到现场监督，不到场不作业。",
    "log_fill": "驻点监督人员每日填写工作日志、每周形成工作小结，派出单位每周检查填报情况。",
    "major_hazard_reported": "驻点监督人员发现重大隐患立即直报执法部门，对未上报的重大隐患限期补报并跟踪移交处理。",
})
WATCH_MEASURES = {
    "overdue_hazards": ("开展超期隐患清零", "逐项核实超期未整改隐患的原因，督促企业限期整改到位，逾期不改的移交执法部门。"),
    "unreported_major_hazards": ("重大隐患补报", "未上报的重大隐患立即补报执法部门。"),
    "missing_checklists": ("规范季度检查表报送", "各区市督促企业按时报送季度检查表，驻点监督人员逐项核实后报送。"),
    "rotation_due": ("按期轮换驻点监督人员", "驻点满{watch.rotation_months}个月的监督人员按期轮换，做好工作交接。"),
}


@dataclass(frozen=True)
class BriefTable:
    caption: str
    frame: pd.DataFrame  # the cells as text, first column the row label
    levels: pd.DataFrame | None = None  # same shape: finding level per cell (for shading), or None


# ------------------------------------------------------------------------- figures

def _gap_text(row: pd.Series, item: Indicator) -> str:
    return f"缺口{count_text(row['denominator'] - row['numerator'])}{item.unit}"


def _has_data(row: pd.Series) -> bool:
    return row["denominator"] > 0 and not is_missing(row["rate"])


def district_shortfalls(content: PackContent) -> pd.DataFrame:
    """District rows below target (关注 or 整改), worst first within each indicator."""
    rows = content.figures[(content.figures["grain"] == "district")
                           & content.figures["level"].isin(SHORT_OF_TARGET)]
    order = {code: n for n, code in enumerate(i.code for i in content.indicators)}
    return rows.assign(order=rows["indicator"].map(order)).sort_values(["order", "rate"], kind="stable") \
        .reset_index(drop=True)


def _per_district(frame: pd.DataFrame, districts: list[str]) -> pd.Series:
    """Rows per district in configured order (districts without rows left out)."""
    if frame.empty:
        return pd.Series(dtype=int)
    counts = frame.groupby("区市").size()
    return counts.reindex([d for d in districts if d in counts.index])


def _by_district(frame: pd.DataFrame, districts: list[str], unit: str) -> str:
    """（环翠区1项、荣成市1项）; nothing when the pack is for one district."""
    if len(districts) < 2:
        return ""
    counts = _per_district(frame, districts)
    return "（" + joined(f"{district}{n}{unit}" for district, n in counts.items()) + "）"


def _names(values, limit: int = LISTED_NAMES_MAX) -> str:
    unique = list(dict.fromkeys(str(v) for v in values))
    text = joined(unique[:limit])
    return text + (f"等{len(unique)}家" if len(unique) > limit else "")


# ------------------------------------------------------------------------- section 一

def _draft_work(content: PackContent) -> list[str]:
    when = content.quarter.cn if content.as_of_is_quarter_end else f"{content.quarter.cn}（截至{date_text(content.as_of)}）"
    scope = content.total_phrase
    enterprises = len(content.coverage)
    people = content.supervisors["驻点人员"].nunique() if len(content.supervisors) else 0
    lines = [f"{when}，{scope}纳入驻点监督的非危险化学品化工生产企业{enterprises}家，"
             f"派驻驻点监督人员{people}人。"]
    logs, ops = content.city_row("log_fill"), content.city_row("special_ops_onsite")
    work = []
    if _has_data(logs):
        work.append(f"驻点监督人员应填报工作日志{count_text(logs['denominator'])}个工作日（按人计），"
                    f"实际填报{count_text(logs['numerator'])}个，工作日志填报率{rate_text(logs['rate'])}")
    if _has_data(ops):
        work.append(f"企业开展动火、设备检维修、高处作业等特殊作业{count_text(ops['denominator'])}次，"
                    f"驻点监督人员现场监督{count_text(ops['numerator'])}次，现场监督率{rate_text(ops['rate'])}")
    if work:
        lines.append("；".join(work) + "。")
    else:
        lines.append("本季度没有驻点工作日志数据。")
    lines.append(_hazard_work_line(content))
    return lines


def _hazard_work_line(content: PackContent) -> str:
    found, majors = content.city_row("rectification"), content.city_row("major_hazard_reported")
    if not _has_data(found):
        return "本季度隐患台账中没有新发现的隐患。"
    by_method = content.hazards_by_method.set_index(content.hazards_by_method.columns[0])["隐患数"] \
        if len(content.hazards_by_method) else pd.Series(dtype=int)
    resident = int(by_method.get("驻点检查", 0))
    text = (f"共排查发现隐患{count_text(found['denominator'])}项（其中驻点检查发现{resident}项），"
            f"已整改{count_text(found['numerator'])}项，隐患整改率{rate_text(found['rate'])}")
    if majors["denominator"] > 0:
        text += (f"；发现重大隐患{count_text(majors['denominator'])}项，已直报执法部门"
                 f"{count_text(majors['numerator'])}项，直报率{rate_text(majors['rate'])}")
    categories = content.hazards_by_category
    if len(categories):
        top = categories.head(3)
        text += "。隐患主要集中在" + joined(f"{c}类（{n}项）" for c, n in zip(top.iloc[:, 0], top["隐患数"]))
    return text + "。"


def work_table(content: PackContent) -> BriefTable:
    district = content.figures[content.figures["grain"] == "district"].set_index(["indicator", "group"])
    city = content.figures[content.figures["grain"] == "city"].set_index("indicator")
    enterprises = content.coverage.groupby("区市").size() if len(content.coverage) else pd.Series(dtype=int)
    people = content.supervisors.groupby("区市").size() if len(content.supervisors) else pd.Series(dtype=int)

    def value(code: str, group: str, column: str):
        row = city.loc[code] if group is None else district.loc[(code, group)]
        return row[column]

    rows = []
    for group in [*content.districts, None]:
        rows.append({
            "区市": content.total_label if group is None else group,
            "企业（家）": int(enterprises.sum() if group is None else enterprises.get(group, 0)),
            "驻点人员（人次）": int(people.sum() if group is None else people.get(group, 0)),
            "日志填报率（%）": percent_number(value("log_fill", group, "rate")),
            "特殊作业现场监督率（%）": percent_number(value("special_ops_onsite", group, "rate")),
            "发现隐患（项）": int(value("rectification", group, "denominator")),
            "重大隐患（项）": int(value("major_hazard_reported", group, "denominator")),
            "隐患整改率（%）": percent_number(value("rectification", group, "rate")),
        })
    return BriefTable(f"表1  {content.quarter.cn}各区市驻点监督工作情况", pd.DataFrame(rows))


# ------------------------------------------------------------------------- section 二

def _rate_with_change(row: pd.Series) -> str:
    change = points_text(row.get("change"))
    return rate_text(row["rate"]) + (f"（较上季度{change}）" if change else "")


def _draft_indicators(content: PackContent) -> list[str]:
    total = content.total_phrase
    rows = [content.city_row(i.code) for i in TARGETS]
    met = [r for r in rows if r["level"] == "达标"]
    short = [r for r in rows if r["level"] in SHORT_OF_TARGET]
    empty = [r for r in rows if r["level"] == "无数据"]
    if met:
        line = (f"八项目标指标（目标值均为100%）中，{total}达到100%的{len(met)}项"
                f"（{joined(r['indicator_name'] for r in met)}）")
        if short:
            line += f"；未达到100%的{len(short)}项："
    elif short:
        line = (f"八项目标指标（目标值均为100%）{total}" + (f"有数据的{len(short)}项" if empty else "")
                + "均未达到100%：")
    else:
        line = "八项目标指标本季度均无数据"
    if short:
        line += joined((f"{r['indicator_name']}{_rate_with_change(r)}" for r in short), "，")
    if empty and (met or short):
        line += f"；无数据的{len(empty)}项（{joined(r['indicator_name'] for r in empty)}）"
    lines = [line + "。"]
    if len(content.districts) > 1:
        lines.append(_district_pass_line(content))
    supervision = [content.city_row(i.code) for i in SUPERVISION]
    lines.append("驻点监督工作三项指标：" + joined(
        (f"{r['indicator_name']}{_rate_with_change(r)}" for r in supervision), "，") + "。")
    return lines


def _district_pass_line(content: PackContent) -> str:
    targets = {i.code for i in TARGETS}
    rows = content.figures[(content.figures["grain"] == "district") & content.figures["indicator"].isin(targets)]
    with_data = rows[rows["denominator"] > 0]
    if with_data.empty:
        return "各区市本季度均无目标指标数据。"
    passed = with_data.assign(ok=with_data["level"] == "达标").groupby("group")["ok"].agg(["sum", "count"])
    passed = passed.reindex([d for d in content.districts if d in passed.index])
    all_met = [d for d, r in passed.iterrows() if r["sum"] == r["count"]]
    parts = [f"{d}{int(r['sum'])}/{int(r['count'])}项" for d, r in passed.iterrows()]
    line = "分区市看，有数据的目标指标达标项数：" + joined(parts) + "。"
    if all_met:
        line += f"{joined(all_met)}有数据的目标指标全部达标。"
    no_data = [d for d in content.districts if d not in passed.index]
    if no_data:
        line += f"{joined(no_data)}本季度没有目标指标数据。"
    return line


def indicator_table(content: PackContent) -> BriefTable:
    groups = [content.total_label, *content.districts]
    frame = content.figures.assign(
        column=content.figures["group"].where(content.figures["grain"] == "district", content.total_label))
    order = [i.code for i in content.indicators]
    rates = frame.assign(text=frame["rate"].map(percent_number)).pivot(index="indicator", columns="column",
                                                                      values="text")
    levels = frame.pivot(index="indicator", columns="column", values="level")
    rates = rates.reindex(index=order, columns=groups)
    levels = levels.reindex(index=order, columns=groups)
    names = [BY_CODE[code].name for code in order]
    rates.insert(0, "指标", names)
    levels.insert(0, "指标", None)
    return BriefTable(f"表2  {content.quarter.cn}指标完成情况（单位：%；目标值均为100）",
                      rates.reset_index(drop=True), levels.reset_index(drop=True))


# ------------------------------------------------------------------------- section 三

def _draft_problems(content: PackContent) -> list[str]:
    blocks = [
        ("指标未全部达标", _indicator_problems(content)),
        ("隐患排查整改不到位", _hazard_problems(content)),
        ("资料报送不及时、不完整", _report_problems(content)),
        ("驻点人员和证书管理", _people_problems(content)),
    ]
    lines, n = [], 0
    for title, body in blocks:
        if body:
            n += 1
            lines.append(f"（{cn_ordinal(n)}）{title}。")
            lines += body
    if lines:
        return lines
    if (content.figures["level"] == "无数据").all():
        return ["本季度各项指标均无数据，请核实各区市是否按时报送台账。"]
    return ["本季度有数据的各项指标均已达标，未发现超期隐患、未报资料等问题。"]


def _indicator_problems(content: PackContent) -> list[str]:
    short = district_shortfalls(content)
    lines = []
    for n, item in enumerate((i for i in content.indicators
                              if content.city_row(i.code)["level"] in SHORT_OF_TARGET), start=1):
        city = content.city_row(item.code)
        below = 1 - float(city["rate"])
        text = (f"{n}. {item.name}：{content.total_phrase}{rate_text(city['rate'])}，"
                f"低于目标{points_gap_text(below)}"
                f"（{item.denominator}{count_text(city['denominator'])}{item.unit}，{_gap_text(city, item)}）")
        rows = short[short["indicator"] == item.code]
        if len(rows) and len(content.districts) > 1:
            text += "。未达标区市：" + joined(
                f"{r['group']}{rate_text(r['rate'])}（{_gap_text(r, item)}）" for _, r in rows.iterrows())
        lines.append(text + "。")
    return lines


def _hazard_problems(content: PackContent) -> list[str]:
    lines = []
    overdue = content.watch["overdue_hazards"]
    if len(overdue):
        majors = int((overdue["隐患等级"] == "重大隐患").sum())
        worst = overdue.sort_values("超期天数", ascending=False).iloc[0]
        text = (f"截至{date_text(content.as_of)}，超期未整改隐患{len(overdue)}项"
                f"{_by_district(overdue, content.districts, '项')}")
        text += f"，其中重大隐患{majors}项" if majors else ""
        text += (f"；超期最长的是{worst['企业名称']}的{worst['隐患编号']}（{worst['隐患描述']}），"
                 f"已超期{int(worst['超期天数'])}天。")
        lines.append(text)
    unreported = content.watch["unreported_major_hazards"]
    if len(unreported):
        lines.append(f"未直报执法部门的重大隐患{len(unreported)}项"
                     f"{_by_district(unreported, content.districts, '项')}："
                     + joined((f"{r['企业名称']}{r['隐患编号']}" for _, r in unreported.head(LISTED_NAMES_MAX).iterrows()))
                     + ("等" if len(unreported) > LISTED_NAMES_MAX else "") + "。")
    return lines


def _report_problems(content: PackContent) -> list[str]:
    lines = []
    missing = content.watch["missing_checklists"]
    if len(missing):
        lines.append(f"{len(missing)}家企业未报送{content.quarter.cn}的季度检查表"
                     f"{_by_district(missing, content.districts, '家')}：{_names(missing['企业名称'])}，"
                     "相关指标只按已报送企业计算。")
    if len(content.quarantine):
        rows = int(content.quarantine["行数"].sum())
        templates = joined(content.quarantine.groupby("模板", sort=False)["行数"].sum().index)
        who = "各区市" if len(content.districts) > 1 else content.total_phrase
        lines.append(f"{who}报送的文件中有{rows}行数据因格式或取值问题未能入库（涉及{templates}），"
                     "已在工作簿“说明”页列明，需退回修改后重报。")
    return lines


def _people_problems(content: PackContent) -> list[str]:
    lines = []
    rotation = content.watch["rotation_due"]
    if len(rotation):
        stationed = WATCH_TITLES["rotation_due"].removesuffix("待轮换")  # 驻点满N个月 (watch.rotation_months)
        lines.append(f"{stationed}尚未轮换的驻点监督人员{len(rotation)}人次"
                     f"{_by_district(rotation, content.districts, '人次')}。")
    expiring = content.watch["expiring_certificates"]
    if len(expiring):
        window = WATCH_TITLES["expiring_certificates"].removesuffix("到期证书")
        lines.append(f"{len(expiring)}名在岗人员的证书将在{window}到期"
                     f"{_by_district(expiring, content.districts, '人')}，需提前组织复审。")
    return lines


def watch_table(content: PackContent) -> BriefTable:
    columns = {key: WATCH_TITLES[key] for key in WATCH_TITLES}
    rows = []
    for group in [*content.districts, None]:
        row = {"区市": content.total_label if group is None else group}
        for key, title in columns.items():
            frame = content.watch[key]
            row[title] = int(len(frame) if group is None else (frame["区市"] == group).sum())
        rows.append(row)
    return BriefTable(f"表3  需要关注的事项（截至{date_text(content.as_of)}）", pd.DataFrame(rows))


# ------------------------------------------------------------------------- section 四

@dataclass(frozen=True)
class Task:
    key: str  # indicator code or watch-list key
    title: str
    measure: str
    districts: list[str]


def common_tasks(content: PackContent) -> list[Task]:
    """A task for each problem shared by COMMON_MIN_DISTRICTS or more districts.

    With a single district in scope every one of its problems is listed (as 重点任务).
    """
    single = len(content.districts) < COMMON_MIN_DISTRICTS
    minimum = 1 if single else COMMON_MIN_DISTRICTS
    short = district_shortfalls(content)
    tasks = []
    for item in content.indicators:
        districts = list(short.loc[short["indicator"] == item.code, "group"])
        if len(districts) >= minimum:
            ordered = sorted(districts, key=content.districts.index)
            tasks.append(Task(item.code, f"提高{item.name}", MEASURES[item.code], ordered))
    for key, (title, measure) in WATCH_MEASURES.items():
        districts = list(_per_district(content.watch[key], content.districts).index)
        if len(districts) >= minimum:
            tasks.append(Task(key, title, fill(measure), districts))
    return tasks


def _individual_problems(content: PackContent, common: list[Task]) -> list[str]:
    if len(content.districts) < COMMON_MIN_DISTRICTS:
        return []
    shared = {task.key for task in common}
    short = district_shortfalls(content)
    lines = []
    for district in content.districts:
        rows = short[(short["group"] == district) & ~short["indicator"].isin(shared)]
        if len(rows):
            lines.append(f"{district}：" + joined(f"{r['indicator_name']}{rate_text(r['rate'])}"
                                                 for _, r in rows.iterrows())
                         + "未达标，请对照工作簿“短板清单”逐项整改。")
    return lines


def _draft_tasks(content: PackContent) -> list[str]:
    single = len(content.districts) < COMMON_MIN_DISTRICTS
    common = common_tasks(content)
    lines = ["（一）重点任务。" if single else "（一）共性任务。"]
    if common:
        if not single:
            lines.append(f"以下问题在{COMMON_MIN_DISTRICTS}个及以上区市存在，建议作为{content.next_quarter.cn}各区市共性任务：")
        for n, task in enumerate(common, start=1):
            where = "" if single else f"（{'各区市' if task.districts == content.districts else joined(task.districts)}）"
            lines.append(f"{n}. {task.title}{where}：{task.measure}")
    elif single:
        lines.append("本季度未发现需要整改的问题。")
    else:
        lines.append("本季度未发现多个区市共同存在的问题，各区市对照短板清单各自整改。")
    individual = _individual_problems(content, common)
    n = 1
    if individual:
        n += 1
        lines.append(f"（{cn_ordinal(n)}）个性问题。")
        lines += individual
    n += 1
    next_quarter = content.next_quarter
    lines.append(f"（{cn_ordinal(n)}）季节性任务。")
    lines.append(f"结合{next_quarter.cn}季节特点，建议重点做好：")
    for k, task in enumerate(seasonal_tasks(next_quarter), start=1):
        lines.append(f"{k}. {task.title}：{task.text}")
    return lines


# ------------------------------------------------------------------------- entry points

def draft_sections(content: PackContent) -> dict[str, str]:
    """The drafted text of each section (keys of SECTION_TITLES), one paragraph per line."""
    drafts = {
        "work": _draft_work(content),
        "indicators": _draft_indicators(content),
        "problems": _draft_problems(content),
        "tasks": _draft_tasks(content),
    }
    return {key: "\n".join(lines) for key, lines in drafts.items()}


def section_tables(content: PackContent) -> dict[str, list[BriefTable]]:
    return {
        "work": [work_table(content)],
        "indicators": [indicator_table(content)],
        "problems": [watch_table(content)],
        "tasks": [],
    }


def paper_title(content: PackContent) -> str:
    return f"{content.city}非危险化学品化工企业驻点监督工作{content.quarter.cn}研究会商材料"


def paper_subtitle(content: PackContent) -> str:
    scope = "全市" if content.full_scope else content.scope_label
    return f"（{scope}　统计截至{date_text(content.as_of)}　数据截至{date_text(content.data_as_of)}）"
