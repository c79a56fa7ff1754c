"""Colours, number formats and the page style shared by every page."""
from __future__ import annotations

import html

import pandas as pd
import streamlit as st

# One set of colours and number formats for the dashboard and the meeting pack.
from core.presentation import FONT_FAMILY, LEVEL_BACKGROUNDS, LEVEL_COLORS, NO_DATA, PRIMARY, is_missing  # noqa: F401
from core.presentation import count_text as fmt_count  # noqa: F401
from core.presentation import date_text as fmt_date  # noqa: F401
from core.presentation import points_delta as fmt_change  # noqa: F401
from core.presentation import rate_text as fmt_rate  # noqa: F401

LEVELS = ("达标", "关注", "整改", "无数据")
LEVEL_BADGE_COLORS = {"达标": "green", "关注": "orange", "整改": "red", "无数据": "gray"}

# Highlight colours for record states in tables (expired certificates, overdue hazards ...).
STATE_BACKGROUNDS = {
    "已过期": LEVEL_BACKGROUNDS["整改"], "无证书": LEVEL_BACKGROUNDS["整改"], "超期未整改": LEVEL_BACKGROUNDS["整改"],
    "是": None, "即将到期": LEVEL_BACKGROUNDS["关注"], "有效期未填": LEVEL_BACKGROUNDS["关注"],
    "未上报": LEVEL_BACKGROUNDS["整改"], "应轮换": LEVEL_BACKGROUNDS["整改"], "30天内到期": LEVEL_BACKGROUNDS["关注"],
    "未报": LEVEL_BACKGROUNDS["整改"],
}


CSS = f"""
<style>
  html, body, [class*="css"] {{ font-family: {FONT_FAMILY}; }}
  .block-container {{ padding-top: 2.2rem; padding-bottom: 2rem; max-width: 1500px; }}
  h1 {{ color: {PRIMARY} !important; font-size: 1.9rem !important; }}
  .legend span {{ margin-right: 14px; font-size: 0.85rem; }}
  .legend i {{ display: inline-block; width: 12px; height: 12px; border-radius: 2px; margin-right: 4px;
               vertical-align: -1px; }}
  .facts {{ display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 8px 18px; margin-bottom: 6px; }}
  .facts div {{ border-left: 3px solid {PRIMARY}; padding: 2px 10px; }}
  .facts span {{ display: block; color: #667085; font-size: 0.8rem; }}
  .facts b {{ font-size: 1.05rem; color: #1F2937; }}
  .asof {{ color: #555; font-size: 0.9rem; margin-top: -0.6rem; margin-bottom: 0.4rem; }}
  [data-testid="stSidebarNav"] a span {{ font-size: 0.98rem; }}
  /* Tables are exported only through the page's own buttons (formula-safe .xlsx and CSV with BOM). */
  [data-testid="stTooltipHoverTarget"]:has(> button[aria-label="Download as CSV"]) {{ display: none !important; }}
</style>
"""


def apply_style() -> None:
    st.html(CSS)


def facts_html(facts: dict[str, str]) -> str:
    """A compact grid of labelled facts (an enterprise's roster entry)."""
    cells = "".join(f"<div><span>{html.escape(label)}</span><b>{html.escape(str(value))}</b></div>"
                    for label, value in facts.items())
    return f'<div class="facts">{cells}</div>'


def legend_html() -> str:
    items = "".join(f'<span><i style="background:{LEVEL_COLORS[level]}"></i>{level}</span>' for level in LEVELS)
    return f'<div class="legend">评定等级：{items}</div>'


def style_levels(frame: pd.DataFrame, level_columns: dict[str, str]):
    """A Styler colouring each displayed column by the level in its companion column.

    `level_columns` maps a shown column to the (hidden) column holding its level.
    """
    shown = [c for c in frame.columns if c not in set(level_columns.values())]

    def colour(column: pd.Series) -> list[str]:
        levels = frame[level_columns[column.name]]
        return [f"background-color: {LEVEL_BACKGROUNDS.get(level, '')}; color: {LEVEL_COLORS.get(level, '#222')};"
                f" font-weight: 600" for level in levels]

    return frame[shown].style.apply(colour, subset=list(level_columns))


def style_states(frame: pd.DataFrame, columns: list[str]):
    """A Styler highlighting rows whose state column holds a warning state (已过期, 超期未整改 ...)."""
    present = [c for c in columns if c in frame.columns]

    def highlight(row: pd.Series) -> list[str]:
        colours = [STATE_BACKGROUNDS.get(str(row[c])) for c in present]
        background = next((c for c in colours if c), None)
        return [f"background-color: {background}" if background else "" for _ in row]

    return frame.style.apply(highlight, axis=1) if present else frame
