"""The date a plan was issued, where its text states one: the date under
the issuer's signature, an "印发日期"/"成文日期" label, a web page's
"发布时间" at the plan's head, the colophon's "…印发" line, or a news lede
("3月8日，县政府办公室印发了《…》"). A document number's year
(〔2022〕12号) is not an issue date.

These lines are the document's furniture: they give the reference date and
no milestone of their own.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from dataclasses import dataclass, replace

from parsers.normalize import normalize_line

_DATE = r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]"
_UNIT = (
    r"(?:政府|办公室|办公厅|委员会|局|委|办|厅|室|科|股|处|中心|指挥部|领导小组|党委|党组|公司|管委会|院|所|学校|小学|中学|大学"
    r"|学院|幼儿园|医院|街道|镇|乡|村|社区|支部|总支|工作组|专班)"
)
# The issuer's name alone on its line (the signature), and the same name
# with the date after it on one line ("XX县人民政府督查室    2024年10月14日").
ISSUER = re.compile(rf"^\s*[^\d,，。;；:：、()]{{2,30}}{_UNIT}\s*$")
_DATE_ALONE = re.compile(rf"^\s*{_DATE}\s*$")
_ISSUER_AND_DATE = re.compile(rf"^\s*[^\d,，。;；:：、()]{{2,30}}{_UNIT}\s{{2,}}{_DATE}\s*$")
# "印发日期:2025年3月12日", "发布时间:2023-06-01 16:20" (normalization wrote
# the figures out), "发布:教务处 2025-08-15".
_LABEL = re.compile(
    rf"(?P<label>印发日期|成文日期|发文日期|签发日期|发布日期|发布时间|发布)\s*[:：][^,，。;；]{{0,20}}?{_DATE}"
)
# The colophon's line that says who printed the document and when.
COLOPHON = re.compile(rf"^[^,，。;；:：]*?{_DATE}\s*印发\s*$")
_LEDE = re.compile(r"^\s*(?P<m>\d{1,2})月(?P<d>\d{1,2})日\s*[,，][^。]{0,60}?(?:印发了|下发通知|印发《|下发了)")

# How sure each kind of statement is; the best in a plan's stretch wins,
# the earliest of equals.
_RANK = {"signature": 0, "label": 1, "page": 2, "colophon": 3, "lede": 4}


@dataclass(frozen=True)
class IssueDate:
    index: int  # 0-based line index
    date: dt.date
    how: str  # "signature", "label", "page", "colophon", "lede"

    @property
    def rank(self) -> int:
        return _RANK[self.how]

    def describe(self) -> str:
        words = {
            "signature": "the date under the issuer's signature",
            "label": "the issue-date label",
            "page": "the page's publication time at the plan's head",
            "colophon": "the colophon's 印发 line",
            "lede": "the lede that reports the issue",
        }
        return f"{words[self.how]} on line {self.index + 1}"


def _date(m: re.Match[str]) -> dt.date | None:
    try:
        return dt.date(int(m["y"]), int(m["m"]), int(m["d"]))
    except ValueError:
        return None


def issue_dates(lines: list[str], title_year: int | None = None) -> list[IssueDate]:
    """Every line of ``lines`` that states an issue date, in order.
    ``title_year`` completes a lede's month-day."""
    out: list[IssueDate] = []
    previous = ""
    for i, raw in enumerate(lines):
        if not raw.strip():
            continue
        text = normalize_line(raw).text
        found: tuple[re.Match[str], str] | None = None
        if ((m := _DATE_ALONE.match(text)) and ISSUER.match(previous)) or (m := _ISSUER_AND_DATE.match(text)):
            found = m, "signature"
        elif m := COLOPHON.match(text):
            found = m, "colophon"
        elif m := _LABEL.search(text):
            found = m, "label" if m["label"].endswith("日期") else "page"
        previous = text
        if found is not None:
            day = _date(found[0])
            if day is not None:
                out.append(IssueDate(i, day, found[1]))
            continue
        if title_year and (m := _LEDE.match(text)):
            with contextlib.suppress(ValueError):
                out.append(IssueDate(i, dt.date(title_year, int(m["m"]), int(m["d"])), "lede"))
    return out


# A signature's date with its year masked ("20XX年3月8日"): no date, still furniture.
_MASKED_DATE_ALONE = re.compile(r"^\s*\d{2}[X×xＸ]{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*$")


def is_furniture(text: str, previous: str) -> bool:
    """A normalized line that only states when the document was issued
    (``previous``: the normalized line before it)."""
    if _DATE_ALONE.match(text) or _MASKED_DATE_ALONE.match(text):
        return ISSUER.match(previous) is not None
    return bool(_ISSUER_AND_DATE.match(text) or COLOPHON.match(text) or (_LABEL.search(text) and len(text) < 120))


def stated_in(lines: list[str], first: int, last: int, title_year: int | None = None) -> IssueDate | None:
    """The most certain statement of an issue date between lines ``first``
    and ``last`` (0-based, inclusive), the earliest of equals."""
    found = issue_dates(lines[first : last + 1], title_year)
    best = min(found, key=lambda d: (d.rank, d.index), default=None)
    return replace(best, index=best.index + first) if best is not None else None
