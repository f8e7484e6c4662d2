"""Reference date of a plan, inferred in the order the spec gives:
title year, the plan's own month-dated years, the whole document's, the
import date. An explicit reference date always wins.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

_TITLE_YEAR = re.compile(r"(?<!\d)(\d{4})年")
_DATED_YEAR = re.compile(r"(?<!\d)(\d{4})年\d{1,2}月")


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
