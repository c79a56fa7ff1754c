"""Colours, number formats and the page style shared by every page."""
from __future__ import annotations

import html
import json

import pandas as pd
import streamlit as st

# One set of colours and number formats for the dashboard and the meeting pack.
from core.presentation import FONT_FAMILY, LEVEL_BACKGROUNDS, LEVEL_COLORS, NO_DATA, NOT_SCORED, PRIMARY, \
    is_missing  # noqa: F401
from core.presentation import count_text as fmt_count  # noqa: F401
from core.presentation import date_text as fmt_date  # noqa: F401
from core.presentation import points_delta as fmt_change  # noqa: F401
from core.presentation import rate_text as fmt_rate  # noqa: F401

LEVELS = ("达标", "关注", "整改", "无数据", NOT_SCORED)
LEVEL_BADGE_COLORS = {"达标": "green", "关注": "orange", "整改": "red", "无数据": "gray", NOT_SCORED: "gray"}

# Highlight colours for record states in tables (expired certificates, overdue hazards ...).
STATE_BACKGROUNDS = {
    "已过期": LEVEL_BACKGROUNDS["整改"], "无证书": LEVEL_BACKGROUNDS["整改"], "超期未整改": LEVEL_BACKGROUNDS["整改"],
    "是": None, "即将到期": LEVEL_BACKGROUNDS["关注"], "有效期未填": LEVEL_BACKGROUNDS["关注"],
    "未上报": LEVEL_BACKGROUNDS["整改"], "应轮换": LEVEL_BACKGROUNDS["整改"], "待轮换": LEVEL_BACKGROUNDS["整改"],
    "超期未轮换": LEVEL_BACKGROUNDS["整改"],
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
  /* English that Streamlit draws: the upload box's own limit line is hidden (the page states the limit);
     an empty date box shows 年-月-日, not yyyy-mm-dd. The rest is relabelled by TRANSLATE_JS. */
  [data-testid="stFileUploaderDropzoneInstructions"] {{ display: none !important; }}
  [data-testid="stDateInput"] [data-placeholder="true"] {{ font-size: 0 !important; }}
  [data-testid="stDateInput"] [data-placeholder="true"]::after {{ font-size: 0.95rem; color: #98A2B3; }}
  [data-testid="stDateInput"] [data-placeholder="true"][data-type="year"]::after {{ content: "年"; }}
  [data-testid="stDateInput"] [data-placeholder="true"][data-type="month"]::after {{ content: "月"; }}
  [data-testid="stDateInput"] [data-placeholder="true"][data-type="day"]::after {{ content: "日"; }}
  /* a card's title wraps onto a second line instead of being cut off; a strip of many tabs wraps onto more
     rows instead of running past the right edge */
  [data-testid="stMetricLabel"] .stMarkdownEllipsis, [data-testid="stMetricLabel"] .stMarkdownEllipsis p {{
    white-space: normal !important; overflow: visible !important; text-overflow: clip !important; }}
  [role="tablist"] {{ flex-wrap: wrap !important; row-gap: 2px; }}
  /* count cards of one row as tall as the tallest (a wrapped title makes one taller) */
  [data-testid="stColumn"] > [data-testid="stVerticalBlock"]:has(> [data-testid="stElementContainer"]:only-child
    > [data-testid="stMetric"]),
  [data-testid="stColumn"] > [data-testid="stVerticalBlock"] > [data-testid="stElementContainer"]:only-child:has(
    > [data-testid="stMetric"]),
  [data-testid="stColumn"] > [data-testid="stVerticalBlock"] > [data-testid="stElementContainer"]:only-child
    > [data-testid="stMetric"] {{ height: 100%; }}
  /* an element that only runs a script takes no room */
  [data-testid="stElementContainer"]:has(> [data-testid="stHtml"] > script:only-child) {{ display: none; }}
</style>
"""


# Streamlit's own English words (toolbar tooltips, the upload button, the date picker's months) in Chinese.
# Only text inside those widgets is touched, and only when it is exactly one of these words: never data.
_WORDS = {
    "Search": "搜索", "Show/hide columns": "显示或隐藏列", "Fullscreen": "全屏", "Close fullscreen": "退出全屏",
    "Upload": "选择文件", "Browse files": "选择文件", "Drag and drop files here": "将文件拖到此处",
    "Remove file": "移除文件", "Clear": "清除", "Reset": "复原", "Hide column": "隐藏此列",
    **{month: f"{n}月" for n, month in enumerate(("January", "February", "March", "April", "May", "June", "July",
                                                   "August", "September", "October", "November", "December"), 1)},
}
TRANSLATE_JS = """
(() => {
  const w = window.frameElement ? window.parent : window;
  if (w.__weihaiChinese) return;
  w.__weihaiChinese = true;
  const words = %s;
  const scope = '[role="tooltip"], [data-testid="stFileUploaderDropzone"], [data-testid="stFileUploaderFile"], '
    + '[data-baseweb="calendar"], [data-baseweb="popover"], [role="dialog"], [data-testid="stDataFrameColumnMenu"]';
  const perFile = /^(\\d+(?:\\.\\d+)?)\\s*([KMG]B) per file$/;
  const fix = node => {
    const parent = node.parentElement;
    if (!parent || !parent.closest(scope)) return;
    const text = node.nodeValue.trim();
    if (Object.prototype.hasOwnProperty.call(words, text)) node.nodeValue = words[text];
    else if (perFile.test(text)) node.nodeValue = text.replace(perFile, "单个文件不超过 $1 $2");
    else if (parent.tagName === "TH" && /^[SMTWF]$/.test(text)) {  // the date picker's weekdays, Sunday first
      node.nodeValue = "日一二三四五六"[[...parent.parentElement.children].indexOf(parent)] || text;
    }
  };
  const walk = root => {
    const it = w.document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = it.nextNode(); node; node = it.nextNode()) fix(node);
  };
  new w.MutationObserver(changes => {
    for (const change of changes) {
      if (change.type === "characterData") fix(change.target);
      change.addedNodes.forEach(node => node.nodeType === 3 ? fix(node) : walk(node));
    }
  }).observe(w.document.body, {subtree: true, childList: true, characterData: true});
  walk(w.document.body);
})();
"""


def apply_style() -> None:
    st.html(CSS)
    st.html(f"<script>{TRANSLATE_JS % json.dumps(_WORDS, ensure_ascii=False)}</script>", unsafe_allow_javascript=True)


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

    def highlight(shown: pd.DataFrame) -> pd.DataFrame:
        # Whole columns at once (a Python call per row costs more than drawing the table): every cell of a row
        # takes the colour of the first state column holding a warning state.
        found = pd.Series("", index=shown.index, dtype=object)
        for column in reversed(present):
            colours = shown[column].astype(str).map(STATE_BACKGROUNDS).fillna("").astype(object)
            found = colours.where(colours != "", found)
        css = ("background-color: " + found).where(found != "", "")
        return pd.DataFrame({column: css.to_numpy() for column in shown.columns}, index=shown.index)

    return frame.style.apply(highlight, axis=None) if present else frame
