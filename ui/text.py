"""Data shown as the text it is in elements that render Markdown.

Streamlit renders the text of st.markdown, st.title, st.subheader, st.caption, st.info and the
other alerts, and the labels of metrics, tabs, expanders and widgets as Markdown (with GitHub
autolinks, Streamlit's `:colour[...]` and `:icon:` directives and `$...$` maths). A file name,
an enterprise name or a log text put there as it is could become a link, an external image or
a heading. `plain` escapes every ASCII punctuation character with a backslash, which CommonMark
shows as the character itself, so nothing in the value forms any syntax (raw HTML included).

Escapes do not stop the GitHub autolinks: Streamlit finds `http://`, `https://`, `www.` and
e-mail addresses in the text after it is parsed. So `plain` also puts an invisible WORD JOINER
(U+2060) after each `http`, `https` and `www` that starts one and after each `@`, which
no autolink pattern then matches.
Widget options (selectbox, multiselect) are shown as plain text and need no escaping.
"""
from __future__ import annotations

import html
import re
import string

_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")
_AUTOLINK_STARTS = re.compile(r"(https?)(?=:)|(www)(?=\.)|(@)", re.IGNORECASE)
WORD_JOINER = "\u2060"


def plain(value: object) -> str:
    """`value` as text for a Markdown-rendering element: shown exactly as it is, never as Markdown or HTML."""
    text = _AUTOLINK_STARTS.sub(lambda m: m.group(0) + WORD_JOINER, "" if value is None else str(value))
    return _PUNCTUATION.sub(r"\\\1", text)


def chart_text(value):
    """`value` (a string, or a pandas Series of strings) for a Plotly title, label or hover text.

    Plotly renders a subset of HTML there (`<a href>`, `<b>` …) but shows `&lt;` as `<`, so data
    escaped this way is drawn as the text it is.
    """
    if hasattr(value, "str"):
        return value.str.replace("&", "&amp;", regex=False).str.replace("<", "&lt;", regex=False) \
            .str.replace(">", "&gt;", regex=False)
    return html.escape("" if value is None else str(value), quote=False)
