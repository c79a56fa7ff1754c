"""Records into the sheets one office writes: its header forms, cell forms, title rows and name variants."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from core.quarters import Quarter
from demo.styles import (
    FULLWIDTH_DIGITS,
    MIXED_YES_NO,
    YES_NO_WORDS,
    Style,
    chinese_date,
    format_date,
    format_quarter,
    header_cell,
    other_brackets,
    spaced,
)
from demo.world import DistrictPlan, Enterprise
from warehouse.templates import Template


@dataclass
class Sheet:
    name: str
    header: list[str]
    rows: list[list]
    above: list[list] = field(default_factory=list)  # title rows (and blank rows) above the header
    below: list[list] = field(default_factory=list)  # trailing 合计/备注/填表说明 rows

    def all_rows(self) -> list[list]:
        return [*self.above, self.header, *self.rows, *self.below]


@dataclass
class OutFile:
    name: str
    sheets: list[Sheet]
    encoding: str | None = None  # set for a CSV


def header_row(template: Template, keys: list[str], style: Style) -> list[str]:
    cells = [header_cell(template.column(key), style) for key in keys]
    return ["序号", *cells, "备注"] if style.extra_columns else cells


class Renderer:
    """Turns record values into the cells one office writes."""

    def __init__(self, style: Style, date_form: str, exact_names: bool = False):
        self.style, self.date_form, self.exact_names = style, date_form, exact_names

    def number(self, value: int | float):
        if value is None:
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if self.style.fullwidth_digits:
            return str(value).translate(FULLWIDTH_DIGITS)
        return str(value) if self.style.numbers_as_text else value

    def day(self, value: date | str | None):
        if value is None or isinstance(value, str):  # a string is a date typed by hand, kept as typed
            return value
        return value if self.date_form == "excel" else format_date(value, self.date_form)

    def yes_no(self, key: str, value: bool) -> str:
        words = MIXED_YES_NO[key] if self.style.yes_no == "mixed" else YES_NO_WORDS[self.style.yes_no]
        return words[0] if value else words[1]

    def enterprise_name(self, enterprise: Enterprise) -> str:
        name = enterprise.name
        if self.exact_names:
            return name
        if enterprise.position % 2 and self.style.name_variant == "spaces":
            return spaced(name)
        if self.style.name_variant == "brackets":
            return other_brackets(name)
        return name

    def category(self, value: str) -> str:
        return self.style.other_staff_word if value == "其他从业人员" else value

    def quarter(self, value: Quarter) -> str:
        return format_quarter(value, self.style.quarter_form)

    def value_converter(self, template: Template, key: str):
        """How one column's value is written (None when it is written as is)."""
        kind = template.column(key).kind
        if kind == "date":
            return self.day
        if kind in ("int", "number"):
            return self.number
        if kind == "yesno":
            return lambda value: self.yes_no(key, value)
        if kind == "yesno_na":  # True / False, or the text 不适用 written as is
            return lambda value: value if isinstance(value, str) else self.yes_no(key, value)
        if kind == "quarter":
            return self.quarter
        if key == "category":
            return self.category
        return None

    def column(self, template: Template, key: str, records: list[dict]) -> list:
        """The cells of column `key`, one per record; each distinct value is written once (the renderer's
        forms depend on the value alone)."""
        if key == "enterprise_name":
            names: dict[int, str] = {}
            return [names.get(id(e)) or names.setdefault(id(e), self.enterprise_name(e))
                    for e in (record["enterprise"] for record in records)]
        if key == "credit_code":
            return [record["enterprise"].credit_code for record in records]
        values = [record.get(key) for record in records]
        convert = self.value_converter(template, key)
        if convert is None:
            return values
        written: dict = {}  # by type too: True == 1 == 1.0, and each may be written differently
        return [None if value is None else written[kind, value] if (kind := type(value), value) in written
                else written.setdefault((kind, value), convert(value)) for value in values]

    def rows(self, template: Template, keys: list[str], records: list[dict]) -> list[list]:
        columns = [self.column(template, key, records) for key in keys]
        if self.style.extra_columns:
            numbers = range(1, len(records) + 1)
            return [[number, *row, None] for number, row in zip(numbers, zip(*columns))]
        return [list(row) for row in zip(*columns)]


def title_rows(title: str, plan: DistrictPlan, filed_on: date) -> list[list]:
    rows = [[title], [f"填报单位：{plan.written_name}  填报日期：{chinese_date(filed_on)}"]]
    return rows + [[]] if plan.style.blank_row_after_title else rows


def table(template: Template, keys: list[str], records: list[dict], plan: DistrictPlan, name: str,
          csv: bool = False, exact_names: bool = False) -> Sheet:
    style = plan.style
    renderer = Renderer(style, style.csv_date_form if csv else style.date_form, exact_names)
    return Sheet(name, header_row(template, keys, style), renderer.rows(template, keys, records))


def enterprise_keys(by_code: bool = False, both: bool = False) -> list[str]:
    if both:
        return ["enterprise_name", "credit_code"]
    return ["credit_code"] if by_code else ["enterprise_name"]
