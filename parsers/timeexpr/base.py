"""What the rules share: the context a line resolves against, the
expression a rule returns, the rule record, and the pattern pieces and
checks that more than one family of rules uses."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from parsers.calendars import DEFAULT_CALENDAR, WorkdayCalendar, resolve_day
from parsers.vocabulary import COMPLETION_FIELDS


class Context(NamedTuple):
    """What a line's phrases resolve against."""

    ref: dt.date  # the plan's reference date: "即日起" starts on it
    period: tuple[dt.date, dt.date] | None = None
    event_names: frozenset[str] = frozenset()
    calendar: WorkdayCalendar = DEFAULT_CALENDAR
    # The year a phrase without one takes (0: ``ref``'s), and the day from
    # which such phrases resolve forward (None: they stay in that year).
    base_year: int = 0
    forward_from: dt.date | None = None
    # Periods the plan defines itself ("汛期自5月1日开始,至9月30日结束",
    # "寒假:1月24日—3月1日"): name, first and last day.
    defined: tuple[tuple[str, dt.date, dt.date], ...] = ()
    window_end: dt.date | None = None  # the title period's end (see Reference)
    ref_is_day: bool = False  # ``ref`` is a real day (an issue date, an admin's), not a year's start

    def defined_period(self, name: str) -> tuple[dt.date, dt.date] | None:
        for known, begin, due in self.defined:
            if known == name:
                return begin, due
        # "宣传周期间" for "“春季健康知识宣传周”活动,时间为…"
        for known, begin, due in self.defined:
            if len(name) >= 3 and known.endswith(name):
                return begin, due
        return None

    def event_day(self, event: str) -> dt.date | None:
        """The day the plan gives an event (a one-day entry of ``defined``:
        "开幕式" under a heading with its time line, "举行开学典礼" on a
        dated day): "开学" finds "开学典礼", "举行开幕式" finds "开幕式"."""
        if len(event) < 2:
            return None
        for exact in (True, False):
            for known, begin, due in self.defined:
                if begin != due:
                    continue  # a period, not an event's day
                if known == event or (not exact and (event.endswith(known) or known.startswith(event))):
                    return begin
        return None

    @property
    def year(self) -> int:
        """The year a phrase that names none is first read in."""
        return self.base_year or self.ref.year


@dataclass(slots=True)
class TimeExpr:
    """A phrase at ``start:end`` of the normalized line and its meaning.
    The fields every dated phrase sets come first, in this order, so that
    the two helpers that make most of them (deadlines and ranges) pass them
    by position."""

    start: int
    end: int
    kind: str
    begin: dt.date | None = None
    due: dt.date | None = None
    year_given: bool = True
    note: str = ""
    confidence: float = 0.9
    rrule: str | None = None
    offset: dict[str, object] | None = None
    season: str | None = None
    priority: int = 50
    weak: bool = False  # gives way to a real date in its clause
    # Moves to the next year when it falls well before the day phrases
    # resolve forward from; None: when the text gives no year. A lunar
    # holiday's eve gives its year (it is no month-day to repeat or to move
    # in a list) and still floats.
    floats: bool | None = None
    moved: bool = False  # read in a later year than its phrase's first reading
    rule: str = ""  # the family and reader that read it ("deadlines.day")

    @property
    def floating(self) -> bool:
        return not self.year_given if self.floats is None else self.floats


Handler = Callable[[re.Match[str], Context], "TimeExpr | None"]


class Rule(NamedTuple):
    """A pattern and the function that reads its matches (it may decline
    one, and the text is left to lower rules). ``needs``: words one of which
    every match contains, so a line without any of them is not scanned (no
    ``needs``: every line is); ``also``: a second such set, tested only when
    ``needs`` woke the rule ("月" wakes every month rule, but a range also
    needs its separator and a day its 日)."""

    priority: int
    pattern: re.Pattern[str]
    handler: Handler
    needs: tuple[str, ...] = ()
    also: tuple[str, ...] = ()
    alone: bool = False
    # Reads only periods the plan defines: left out of the scan of a line
    # whose context defines none.
    defined_only: bool = False
    name: str = ""  # the family and reader ("deadlines.day"), for explanations


# "5月起至10月", "从9月15日开始,至10月15日结束" are ranges too.
SEP = r"\s*(?:—{1,2}|–|-{1,2}|~|起?至|起?到|一|(?:起|开始)\s*[,，]\s*(?:至|到)|开始(?:至|到))\s*"
RANGE_SEPARATORS = ("—", "–", "-", "~", "至", "到", "一")  # one of them is in every SEP
PUNCT = ",，。;；:：、()“”\"' \t"
REL_YEAR = {"今年": 0, "本年": 0, "当年": 0, "明年": 1, "次年": 1, "翌年": 1}
YEAR = r"(?:(?P<{g}>\d{{4}})年的?|(?P<{g}r>今年|本年|明年|次年|翌年)的?)?"
# A part of a month, as a pattern: "上旬" .. "底" (MONTH_PART_DUE's words but
# the bare 中, which a rule must fence itself: "月中" vs "中央").
MONTH_PART = "上中旬|中下旬|上旬|中旬|下旬|初|底|末"
# YEAR opening a date whose month is written in figures: never inside a
# number, nor after a past year ("去年12月底": last year's, not this one's);
# the lookahead lets a search pass over every other character at once.
DATE_YEAR = r"(?=[\d今本明次翌])(?<!\d)(?<![去上前]年)" + YEAR


def year_of(m: re.Match[str], ctx: Context, g: str) -> tuple[int, bool]:
    """The year of the ``YEAR`` group ``g`` of a match, and whether the
    text gives it; the reference year when it does not."""
    digits = m[g]
    if digits:
        return int(digits), True
    rel = m[g + "r"]
    if rel:
        return (ctx.base_year or ctx.ref.year) + REL_YEAR[rel], True
    return ctx.base_year or ctx.ref.year, False


def safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return resolve_day(year, month, day)
    except ValueError:
        return None


def followed_by(m: re.Match[str], words: tuple[str, ...]) -> bool:
    return m.string.startswith(words, m.end())


def preceded_by(m: re.Match[str], words: tuple[str, ...]) -> bool:
    return m.string.endswith(words, 0, m.start())


def one_of(words: tuple[str, ...]) -> re.Pattern[str]:
    """A pattern that finds any of ``words``, longest first."""
    return re.compile("|".join(map(re.escape, sorted(words, key=len, reverse=True))))


_FIELD_LABEL = re.compile(f"(?:{one_of(COMPLETION_FIELDS).pattern})[:：]")


def in_completion_field(m: re.Match[str]) -> bool:
    return in_field(m.string, m.start())


def in_field(text: str, at: int) -> bool:
    """The phrase at ``at`` fills a completion-time field ("完成时限:…")."""
    head = text[max(0, at - 8) : at]
    return _FIELD_LABEL.search(head) is not None or head.rstrip().endswith(COMPLETION_FIELDS)


CLAUSE_END = re.compile(r"[,，。;；:：()]")
# The number opening an item: "(一)", "一、", "1.", "2、", "3)", "①" (not "2.5万").
ITEM_NUMBER = re.compile(
    r"^\s*(?:\([一二三四五六七八九十\d]{1,3}\)|[一二三四五六七八九十]{1,3}[、.]|\d{1,3}(?:[、)]|\.(?!\d))|[①-⑳])\s*"
)


def clause_after(m: re.Match[str], reach: int = 200) -> str:
    """The rest of the clause after ``m`` (its first ``reach`` characters)."""
    stop = min(len(m.string), m.end() + reach)
    end = CLAUSE_END.search(m.string, m.end(), stop)
    return m.string[m.end() : end.start() if end else stop]
