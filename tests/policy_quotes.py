"""Find the notice's clauses quoted in a text, as users see them, and check them against the notice itself."""
from __future__ import annotations

import re

from core.policy import ELISION, NOTICE, notice_text

# A section is a part and clause, 二（三）, or a part alone, 二 (the words before its first clause).
CITATION = re.compile(re.escape(NOTICE) + r"([一二三四五六七八九十]+(?:（[一二三四五六七八九十]+）)?)：“([^”]+)”")


def quoted_clauses(text: str) -> list[tuple[str, str]]:
    """(section, quotation) of every citation of the notice in `text`."""
    return CITATION.findall(text)


def misquoted(text: str) -> list[str]:
    """The quoted pieces of `text` that are not found word for word in the notice."""
    notice = notice_text()
    return [piece for _, quote in quoted_clauses(text) for piece in quote.split(ELISION)
            if piece and piece not in notice]
