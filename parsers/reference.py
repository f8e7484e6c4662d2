"""Reference date of a plan, inferred in the order the spec gives:
title year, the plan's own month-dated years, the whole document's, the
import date. An explicit reference date always wins.

Also the end of a plan's own period, which its recurring milestones do not
outlive: a 2022 plan's "每月调度" stops with 2022.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from parsers.calendars import FIVE_YEAR_PLAN, five_year_plan_end, season_bounds

# A year in a title, alone or opening a range ("2021—2025年": 2021); the
# reference date takes the first, the plan's period ends with the last.
_TITLE_YEAR = re.compile(r"(?<!\d)(\d{4})(?:年|\s*(?:[—–~-]{1,2}|至|到)\s*(?=\d{4}年))")
_DATED_YEAR = re.compile(r"(?<!\d)(\d{4})年\d{1,2}月")
_FIVE_YEAR = re.compile(rf"({FIVE_YEAR_PLAN})五(?=规划|时期|期间|”|\")")
_TITLE_SEASON = re.compile(r"([春夏秋冬])季")


@dataclass(frozen=True)
class Reference:
    date: dt.date
    rule: str  # "explicit", "issue date", "title period", "title", "plan dates", "document dates", "import date"
    # The year a phrase without one takes, and the day such phrases resolve
    # forward from (None: they stay in ``base_year``, the title's year).
    base_year: int = 0
    forward_from: dt.date | None = None
    why: str = ""
    # The last day of the period the title names, phrases without a year
    # fall within it where they can ("7月3日" in a 2025—2026 school year).
    window_end: dt.date | None = None

    def explain(self) -> str:
        """Why this date and how phrases without a year are read."""
        years = (
            f"phrases without a year take {self.base_year}, the year the title names"
            if self.forward_from is None
            else f"phrases without a year resolve forward from {self.forward_from}"
        )
        return f"reference {self.date} from {self.rule}" + (f" ({self.why})" if self.why else "") + f"; {years}"


# A covering notice's title ("关于印发《2025年…要点》的通知"): the year it
# names is its plan's, not the notice's own.
_COVERING = re.compile(r"印发|转发|下发")
# A title's period that runs into the next year: "2026—2027年度冬春…",
# "2021年秋冬季…", "2025—2026学年" (a school year starts in September).
_CROSS_SEASON = re.compile(r"(?P<y>\d{4})(?:\s*[—–~-]{0,2}\s*\d{4})?年?度?(?:今冬明春|(?P<s>秋冬|冬春|冬季))")
_SCHOOL_YEAR = re.compile(r"(?P<y>\d{4})\s*[—–~-]{0,2}\s*(?P<y2>\d{4})\s*学年")


def title_period(title: str) -> tuple[dt.date, dt.date] | None:
    """The first and last day of a period the title names that runs into
    the next year, if it names one (a school year runs from September 1st
    to August 31st)."""
    m = _CROSS_SEASON.search(title)
    if m:
        season = m["s"] or "冬"
        return season_bounds(season.replace("季", ""), int(m["y"]))
    m = _SCHOOL_YEAR.search(title)
    if m and int(m["y2"]) == int(m["y"]) + 1:
        return dt.date(int(m["y"]), 9, 1), dt.date(int(m["y2"]), 8, 31)
    return None


def title_year(title: str) -> int | None:
    """The one year a plan's own title names; None for none, a range of
    years, or a covering notice's title."""
    if _COVERING.search(title) and title.rstrip().endswith("通知"):
        return None
    years = {int(y) for y in re.findall(r"(?<!\d)(\d{4})(?!\d)", title) if 1949 < int(y) < 2200}
    if len(years) != 1 or _TITLE_YEAR.search(title) is None:
        return None
    return years.pop()


def dated_years(lines: Iterable[str]) -> Counter[int]:
    """Years of explicit dates that name a month ("2022年11月底前")."""
    counts: Counter[int] = Counter()
    for line in lines:
        counts.update(int(y) for y in _DATED_YEAR.findall(line) if 1949 < int(y) < 2200)
    return counts


def _most_frequent(counts: Counter[int]) -> int | None:
    if not counts:
        return None
    top = max(counts.values())
    return min(year for year, n in counts.items() if n == top)


def infer_reference(
    title: str,
    plan_years: Counter[int],
    document_years: Counter[int],
    imported: dt.date,
    explicit: dt.date | None = None,
    issued: dt.date | None = None,
    issued_why: str = "",
) -> Reference:
    """The plan's reference date and how its phrases without a year are
    read (spec, "The reference date"): the explicit date, else the issue
    date, else the start of a period the title names that runs into the
    next year, else January 1st of the title's year, the plan's dates' or
    the document's, else of the import year."""
    date, rule, why = _reference_date(title, plan_years, document_years, imported, explicit, issued, issued_why)
    if rule == "explicit":  # the admin's date is the one phrases are read from
        return Reference(date, rule, date.year, date, why)
    period = title_period(title)
    if period is not None:
        start = min(period[0], issued) if issued else period[0]  # a school year's plan issued in August
        return Reference(date, rule, start.year, start, why, period[1])
    year = title_year(title)
    if year is not None:
        return Reference(date, rule, year, None, why)
    return Reference(date, rule, date.year, date, why)


def _reference_date(
    title: str,
    plan_years: Counter[int],
    document_years: Counter[int],
    imported: dt.date,
    explicit: dt.date | None,
    issued: dt.date | None,
    issued_why: str,
) -> tuple[dt.date, str, str]:
    if explicit is not None:
        return explicit, "explicit", ""
    if issued is not None:
        return issued, "issue date", issued_why
    period = title_period(title)
    if period is not None:
        return period[0], "title period", "the period the title names starts then"
    m = _TITLE_YEAR.search(title)
    if m and 1949 < int(m.group(1)) < 2200:
        return dt.date(int(m.group(1)), 1, 1), "title", ""
    year = _most_frequent(plan_years)
    if year is not None:
        return dt.date(year, 1, 1), "plan dates", f"{year} is the most frequent year of the plan's month-dated phrases"
    year = _most_frequent(document_years)
    if year is not None:
        return dt.date(year, 1, 1), "document dates", f"{year} is the most frequent year of the document's dates"
    return dt.date(imported.year, 1, 1), "import date", "the text names no year"


def plan_until(
    title: str, period: tuple[dt.date, dt.date] | None, reference: Reference | dt.date, latest: dt.date | None = None
) -> dt.date | None:
    """The last day of a plan's own period: the end of the range its time
    section gives (活动时间: 12月4日至10日), else the end of the season its
    title names ("秋季秸秆禁烧…", "2026—2027年度冬春…", "今冬明春…"), else the
    end of the last year its title names ("2022年…", "2021—2025年…",
    "“十四五”时期…"), else the end of the year the plan is dated by: its
    own dates' (or its document's), or, for a plan dated by its issue date,
    the later of that year and its last dated milestone's (``latest``).
    None: the plan has no period of its own (its year is the import
    year's, or an admin's), and its cadences run on until one is set."""
    ref = reference.date if isinstance(reference, Reference) else reference
    if period is not None:
        return period[1]
    titled = title_period(title)
    if titled is not None:
        return titled[1]
    winter = _THIS_WINTER.search(title)  # "今冬明春…" with no year: from the reference year
    if winter is not None:
        return season_bounds("冬春" if winter.group(1) else "冬", ref.year)[1]
    season = _TITLE_SEASON.search(title)
    if season:
        return season_bounds(season.group(1), ref.year)[1]
    years = [int(y) for y in _TITLE_YEAR.findall(title) if 1949 < int(y) < 2200]
    years += [five_year_plan_end(m.group(1)) for m in _FIVE_YEAR.finditer(title)]
    if years:
        return dt.date(max(years), 12, 31)
    rule = reference.rule if isinstance(reference, Reference) else ""
    if rule in ("plan dates", "document dates", "title period"):
        return dt.date(ref.year, 12, 31)
    if rule == "issue date":
        return dt.date(max(ref.year, latest.year if latest else ref.year), 12, 31)
    return None


_THIS_WINTER = re.compile(r"今冬(明春)?")
