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
    rule: str  # "explicit", "title", "plan dates", "document dates", "import date"


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
) -> Reference:
    if explicit is not None:
        return Reference(explicit, "explicit")
    m = _TITLE_YEAR.search(title)
    if m and 1949 < int(m.group(1)) < 2200:
        return Reference(dt.date(int(m.group(1)), 1, 1), "title")
    year = _most_frequent(plan_years)
    if year is not None:
        return Reference(dt.date(year, 1, 1), "plan dates")
    year = _most_frequent(document_years)
    if year is not None:
        return Reference(dt.date(year, 1, 1), "document dates")
    return Reference(dt.date(imported.year, 1, 1), "import date")


def plan_until(title: str, period: tuple[dt.date, dt.date] | None, ref: dt.date) -> dt.date | None:
    """The last day of a plan's own period: the end of the range its time
    section gives (活动时间: 12月4日至10日), else the end of the season its
    title names in the reference year ("秋季秸秆禁烧…"), else the end of the
    last year its title names ("2022年…", "2021—2025年…", "“十四五”时期…").
    None: the plan has no period of its own, and its cadences run on."""
    if period is not None:
        return period[1]
    season = _TITLE_SEASON.search(title)
    if season:
        return season_bounds(season.group(1), ref.year)[1]
    years = [int(y) for y in _TITLE_YEAR.findall(title) if 1949 < int(y) < 2200]
    years += [five_year_plan_end(m.group(1)) for m in _FIVE_YEAR.finditer(title)]
    return dt.date(max(years), 12, 31) if years else None
