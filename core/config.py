"""Project configuration: paths and district names, read from `config/`.

The district list lives in `config/districts.toml` so another city can use the
product by editing that one file. The settings are declared in `core.settings`.
"""
from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from core.sqltext import sql_literal

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = Path(os.environ.get("WEIHAI_CONFIG_DIR", PROJECT_ROOT / "config"))
DB_ENV_VAR = "WEIHAI_DB"
DEFAULT_DB = PROJECT_ROOT / "data" / "warehouse.duckdb"


def default_db_path() -> Path:
    """The warehouse path: `$WEIHAI_DB` when set, else `data/warehouse.duckdb`."""
    return Path(os.environ.get(DB_ENV_VAR) or DEFAULT_DB)


@dataclass(frozen=True)
class Districts:
    city: str
    names: tuple[str, ...]
    aliases: dict[str, str]  # alias or canonical name -> canonical name
    strip_prefixes: tuple[str, ...]
    # The offices that sign the meeting paper: the city's, and each district's (canonical name -> office).
    city_office: str = ""
    offices: dict[str, str] = field(default_factory=dict)

    def office(self, district: str | None = None) -> str:
        """The office that signs a paper: the district's (`office` in districts.toml), or the city's."""
        if district is None:
            return self.city_office or f"{self.city}化工专项行动办公室"
        return self.offices.get(district) or f"{district}化工专项行动办公室"

    def strip_prefix(self, text: str) -> str:
        """`text` without a leading city/province prefix (the longest that leaves something after it)."""
        for prefix in self.strip_prefixes:
            if text.startswith(prefix) and len(text) > len(prefix):
                return text[len(prefix):]
        return text

    def strip_prefix_sql(self, expr: str) -> str:
        """SQL for `strip_prefix` applied to the text expression `expr` (the same rule, for queries)."""
        if not self.strip_prefixes:
            return expr
        pattern = "^(" + "|".join(re.escape(prefix) for prefix in self.strip_prefixes) + ")(.+)$"
        return f"regexp_replace({expr}, {sql_literal(pattern)}, '\\2')"

    def canonical(self, value: str) -> str | None:
        return self.aliases.get(self.strip_prefix("".join(str(value).split())))


@lru_cache(maxsize=None)
def districts() -> Districts:
    raw = tomllib.loads((CONFIG_DIR / "districts.toml").read_text(encoding="utf-8"))
    names, aliases, offices = [], {}, {}
    for entry in raw["district"]:
        names.append(entry["name"])
        if entry.get("office"):
            offices[entry["name"]] = entry["office"]
        aliases[entry["name"]] = entry["name"]
        for alias in entry.get("aliases", []):
            aliases[alias] = entry["name"]
    prefixes = sorted(raw.get("strip_prefixes", []), key=len, reverse=True)
    return Districts(raw.get("city", ""), tuple(names), aliases, tuple(prefixes), raw.get("city_office", ""), offices)
