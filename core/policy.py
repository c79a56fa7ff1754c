"""The notice behind every indicator (威化安转办发〔2021〕26号), quoted word for word.

The full text is kept in docs/policy/. A `Quote` is a passage of it with its section number; a
passage made of pieces that are not adjacent in the notice joins them with “……”. The tests check
that every piece is found in the notice exactly as written. What the office adds beyond the notice
is stated apart from the quotation, after “本办做法：”.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from core.config import PROJECT_ROOT

NOTICE = "威化安转办发〔2021〕26号"
NOTICE_TITLE = "关于开展非危险化学品化工生产企业安全生产驻点监督标准化建设的通知"
NOTICE_FILE = PROJECT_ROOT / "docs" / "policy" / f"{NOTICE}.txt"
ELISION = "……"
PRACTICE = "本办做法："


@dataclass(frozen=True)
class Quote:
    section: str  # where the passage stands in the notice, e.g. 二（三）
    text: str  # word for word; non-adjacent pieces joined by ELISION

    @property
    def pieces(self) -> list[str]:
        return [piece for piece in self.text.split(ELISION) if piece]

    @property
    def cited(self) -> str:
        """The quotation as shown to users: the notice, the section and the words in quotation marks."""
        return f"{NOTICE}{self.section}：“{self.text}”"


def practice(text: str) -> str:
    """A rule the office adds beyond the notice, labelled as such."""
    return f"{PRACTICE}{text}" if text else ""


@lru_cache(maxsize=1)
def notice_text() -> str:
    return NOTICE_FILE.read_text(encoding="utf-8")
