"""House styles: how each district office writes its dates, quarters, yes/no words, headers and names."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from core.quarters import Quarter
from warehouse.templates import Column


@dataclass(frozen=True)
class Style:
    """How one district office fills its files."""
    date_form: str  # in workbooks: excel | iso | slash | dot | cn | compact
    csv_date_form: str
    log_encoding: str
    yes_no: str  # 是否 | √× | YN | mixed (已/未, 是/否, 有/无 by column)
    quarter_form: str  # Q | -Q | 第三季度 | 第3季度 | 三季度
    name_variant: str = "exact"  # exact | spaces | brackets: other templates vs the roster
    header_aliases: bool = False
    stars: bool = False
    line_breaks: bool = False
    units: bool = False
    spaced_headers: bool = False
    extra_columns: bool = False
    numbers_as_text: bool = False
    fullwidth_digits: bool = False
    refer_by_code: bool = False  # staff and logs give only the credit code
    instructions_sheet: bool = False
    checklists_by_year: bool = False
    training_csv: str | None = None  # encoding when training records are sent as CSV
    training_by_name: bool = False  # no 人员编号, no 考核结果 (only the score)
    person_id_prefix: str = ""
    other_staff_word: str = "其他从业人员"
    blank_status_when_normal: bool = False
    blank_row_after_title: bool = False
    # The first quarter (index in the span) whose hazard ledger has the optional 直通车 columns;
    # None: the office still sends the older ledger without them.
    ledger_direct_from: int | None = 0
    stationing_sheets: bool = False  # current and earlier stationings on two sheets


# One per district, by its position in the district list, so every messy form appears somewhere.
STYLES = (
    Style("excel", "iso", "utf-8-sig", "是否", "Q", stars=True),
    Style("slash", "slash", "gbk", "√×", "第三季度", name_variant="spaces", header_aliases=True,
          instructions_sheet=True, person_id_prefix="YG", blank_row_after_title=True, ledger_direct_from=6),
    Style("dot", "dot", "utf-8-sig", "YN", "-Q", name_variant="brackets", line_breaks=True, extra_columns=True),
    Style("cn", "cn", "utf-8-sig", "mixed", "第3季度", fullwidth_digits=True, numbers_as_text=True,
          refer_by_code=True, other_staff_word="普通员工", blank_row_after_title=True, ledger_direct_from=None),
    Style("compact", "compact", "utf-8-sig", "是否", "三季度", name_variant="brackets", units=True,
          checklists_by_year=True, person_id_prefix="E", stationing_sheets=True),
    Style("excel", "iso", "utf-8-sig", "是否", "Q", header_aliases=True, spaced_headers=True, extra_columns=True,
          training_csv="utf-8", other_staff_word="一般从业人员", blank_status_when_normal=True),
    Style("excel", "slash", "utf-8-sig", "√×", "-Q", name_variant="spaces", stars=True, training_csv="utf-8-sig",
          training_by_name=True, blank_row_after_title=True, ledger_direct_from=None),
    Style("iso", "iso", "utf-8-sig", "是否", "第三季度", line_breaks=True, units=True, numbers_as_text=True),
)
YES_NO_WORDS = {"是否": ("是", "否"), "√×": ("√", "×"), "YN": ("Y", "N")}
MIXED_YES_NO = {"responsibility": ("已", "未"), "org_sound": ("是", "否"), "director": ("有", "无")}
HEADER_UNITS = {"employees": "（人）", "expected": "（人）", "actual": "（人）", "hours": "（学时）",
                "score": "（分）", "rules_required": "（项）", "rules_built": "（项）",
                "rewards_due": "（笔）", "rewards_paid": "（笔）", "issues_found": "（项）", "posts_reduced": "（人）"}
FULLWIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")
CHINESE_QUARTERS = "一二三四"


def format_date(day: date, form: str) -> str:
    if form == "slash":
        return f"{day.year}/{day.month}/{day.day}"
    if form == "dot":
        return f"{day.year}.{day.month}.{day.day}"
    if form == "cn":
        return f"{day.year}年{day.month}月{day.day}日"
    if form == "compact":
        return day.strftime("%Y%m%d")
    return day.isoformat()


def format_quarter(quarter: Quarter, form: str) -> str:
    cn = CHINESE_QUARTERS[quarter.q - 1]
    return {
        "Q": f"{quarter.year}Q{quarter.q}", "-Q": f"{quarter.year}-Q{quarter.q}",
        "第三季度": f"{quarter.year}年第{cn}季度", "第3季度": f"{quarter.year}年第{quarter.q}季度",
        "三季度": f"{quarter.year}年{cn}季度",
    }[form]


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def spaced(name: str) -> str:
    """A space typed before the company form: 威海XX化工 有限公司."""
    cut = name.rfind("有限")
    cut = cut - 2 if name[cut - 2:cut] == "股份" else cut
    return name[:cut] + " " + name[cut:]


def other_brackets(name: str) -> str:
    if "（" in name:
        return name.replace("（", "(").replace("）", ")")
    return name.replace("(", "（").replace(")", "）")


def header_cell(column: Column, style: Style) -> str:
    label = column.aliases[0] if style.header_aliases and column.aliases else column.label
    if style.units and column.key in HEADER_UNITS:
        label += HEADER_UNITS[column.key]
    if style.line_breaks and len(label) >= 6:
        label = label[:len(label) // 2] + "\n" + label[len(label) // 2:]
    if style.spaced_headers and len(label) == 2:
        label = label[0] + " " + label[1]
    return f"*{label}" if style.stars and column.required else label
