"""Recognise a template from a sheet's header row.

Headers arrive with spaces, line breaks, `*` marks, full-width brackets, units in
brackets (`从业人员数（人）`) and any alias of the contract. Each is normalised and
matched against every template's labels and aliases; the row and template that
match best, with every required column present, win.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from etl.limits import column_letters
from warehouse.templates import BY_NAME, TEMPLATES, Template

HEADER_SCAN_ROWS = 30
_BRACKETED = re.compile(r"\(.*?\)|\[.*?\]")
_UNIT = re.compile(r"\(([^()]*)\)\s*$")
MONEY_UNITS = {"元": 1, "千元": 1_000, "万元": 10_000, "亿元": 100_000_000}  # in 元


def normalise_header(cell: str | None) -> str:
    if not cell:
        return ""
    text = unicodedata.normalize("NFKC", cell)
    text = "".join(text.split()).replace("*", "").replace("※", "")
    return text.upper()


def _unit(label: str | None) -> str | None:
    """The unit a header states in its closing brackets: 万元 of 投资金额（万元）."""
    found = _UNIT.search(unicodedata.normalize("NFKC", label or "").strip())
    return "".join(found.group(1).split()) if found else None


@lru_cache(maxsize=None)
def _lookup(template_name: str) -> dict[str, str]:
    """Normalised header text -> column key."""
    template = BY_NAME[template_name]
    table = {}
    for column in template.columns:
        for label in (column.label, *column.aliases):
            table[normalise_header(label)] = column.key
    return table


def _match_normalised(template: Template, text: str) -> str | None:
    if not text:
        return None
    table = _lookup(template.name)
    return table.get(text) or table.get(_BRACKETED.sub("", text))


def match_header_cell(template: Template, cell: str | None) -> str | None:
    return _match_normalised(template, normalise_header(cell))


@dataclass
class HeaderMatch:
    template: Template
    header_index: int  # 0-based index into the sheet's rows
    positions: dict[str, int]  # column key -> 0-based cell position
    labels: list[str | None]  # the header cells as written
    duplicates: dict[str, list[int]] = field(default_factory=dict)  # column key -> its 2+ positions

    @property
    def excel_row(self) -> int:
        return self.header_index + 1

    def unit_problem(self) -> str | None:
        """A money column headed in another unit than the template's (投资金额（元） for 投资金额（万元）): the
        figures would be off by a power of ten, so the file is refused, never converted by guess."""
        problems = []
        for key, place in self.positions.items():
            column = self.template.column(key)
            wanted, written = _unit(column.label), _unit(self.labels[place])
            if wanted in MONEY_UNITS and written in MONEY_UNITS and written != wanted:
                ratio = MONEY_UNITS[written] / MONEY_UNITS[wanted]
                convert = f"除以 {1 / ratio:g}" if ratio < 1 else f"乘以 {ratio:g}"
                problems.append(f"{column_letters(place)} 列“{self.labels[place]}”以{written}为单位，本列须以{wanted}填写，"
                                f"请把金额换算为{wanted}（{written}数{convert}）并把表头改为“{column.label}”")
        return "；".join(problems) or None

    def duplicate_problem(self) -> str | None:
        """Contract §1: a column named twice is refused, never guessed; None when every column is named once."""
        problems = []
        for key, places in self.duplicates.items():
            label = self.template.column(key).label
            times = "两次" if len(places) == 2 else f" {len(places)} 次"
            where = "、".join(f"{column_letters(place)} 列" for place in places)
            problems.append(f"表头中“{label}”出现{times}（{where}），无法判断用哪一列")
        return "；".join(problems) or None


def _match_row(template: Template, row: list[str]) -> tuple[dict[str, int], dict[str, list[int]]] | None:
    """Positions of the template's columns in a row of normalised header texts, and the columns named twice."""
    places: dict[str, list[int]] = {}
    for index, text in enumerate(row):
        key = _match_normalised(template, text)
        if key:
            places.setdefault(key, []).append(index)
    positions = {key: found[0] for key, found in places.items()}
    required = [c.key for c in template.columns if c.required]
    if any(key not in positions for key in required):
        return None
    if template.enterprise_ref and not ({"enterprise_name", "credit_code"} & positions.keys()):
        return None
    return positions, {key: found for key, found in places.items() if len(found) > 1}


def detect(rows: list[list[str | None]]) -> HeaderMatch | None:
    """The first row that holds a template's header; the template matching most of its cells."""
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        if sum(1 for cell in row if cell) < 2:
            continue
        normalised = [normalise_header(cell) for cell in row]
        best: HeaderMatch | None = None
        best_score = (0, 0.0)
        for template in TEMPLATES:
            matched = _match_row(template, normalised)
            if matched is None:
                continue
            positions, duplicates = matched
            score = (len(positions), len(positions) / len(template.columns))
            if score > best_score:
                best, best_score = HeaderMatch(template, index, positions, list(row), duplicates), score
        if best:
            return best
    return None


def describe_requirements() -> str:
    """What a recognisable header needs, for the rejection message."""
    parts = []
    for template in TEMPLATES:
        required = [c.label for c in template.columns if c.required]
        if template.enterprise_ref:
            required.insert(0, "企业名称或统一社会信用代码")
        parts.append(f"{template.title}（{'、'.join(required)}）")
    return "；".join(parts)
