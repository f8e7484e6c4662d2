"""Occurrences of a milestone's rule. RFC 5545 rules go to dateutil; a
yearly lunar date (RFC 7529, ``FREQ=YEARLY;RSCALE=CHINESE;BYMONTH=1;
BYMONTHDAY=15``, "每年农历正月十五"), which dateutil cannot read, is
expanded through the Chinese calendar. Both answer ``between`` and
``after`` the way dateutil's rules do."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from dateutil.rrule import rrulestr

from parsers.calendars import lunar_to_solar


class Recurrence(Protocol):
    def between(self, after: dt.datetime, before: dt.datetime, inc: bool = False) -> list[dt.datetime]: ...

    def after(self, dt: dt.datetime, inc: bool = False) -> dt.datetime | None: ...


def _parts(rule: str) -> dict[str, str]:
    return dict(p.split("=", 1) for p in rule.upper().removeprefix("RRULE:").split(";") if "=" in p)


def is_lunar(rule: str | None) -> bool:
    return bool(rule) and "RSCALE=CHINESE" in str(rule).upper()


class LunarYearly:
    """Each year's solar date of one lunar month and day, from ``dtstart``
    (and up to UNTIL, when the rule gives one)."""

    def __init__(self, rule: str, dtstart: dt.datetime) -> None:
        parts = _parts(rule)
        if parts.get("FREQ") != "YEARLY" or "BYMONTH" not in parts or "BYMONTHDAY" not in parts:
            raise ValueError(f"unsupported lunar rule: {rule}")
        self.month, self.day = int(parts["BYMONTH"]), int(parts["BYMONTHDAY"])
        if not (1 <= self.month <= 12 and 1 <= self.day <= 30):
            raise ValueError(f"not a lunar month and day: {rule}")
        self.start = dtstart
        until = parts.get("UNTIL")
        self.until = dt.datetime.strptime(until[:8], "%Y%m%d") if until else None

    def _in(self, lunar_year: int) -> dt.datetime | None:
        try:
            day = lunar_to_solar(lunar_year, self.month, self.day)
        except Exception:
            if self.day != 30:
                return None
            day = lunar_to_solar(lunar_year, self.month, 29)  # the 30th of a short month: its last day
        moment = dt.datetime.combine(day, self.start.time())
        if moment < self.start or (self.until is not None and moment > self.until):
            return None
        return moment

    def between(self, after: dt.datetime, before: dt.datetime, inc: bool = False) -> list[dt.datetime]:
        out = []
        for year in range(after.year - 1, before.year + 1):
            moment = self._in(year)
            if moment is not None and (after <= moment <= before if inc else after < moment < before):
                out.append(moment)
        return out

    def after(self, dt: dt.datetime, inc: bool = False) -> dt.datetime | None:
        for year in range(dt.year - 1, dt.year + 3):
            moment = self._in(year)
            if moment is not None and (moment >= dt if inc else moment > dt):
                return moment
        return None


def recurrence(rule: str, dtstart: dt.datetime) -> Recurrence:
    """The occurrences of ``rule`` from ``dtstart``."""
    if is_lunar(rule):
        return LunarYearly(rule, dtstart)
    found: Recurrence = rrulestr(rule, dtstart=dtstart)
    return found


def dates_of(rule: str, first: dt.date, last: dt.date) -> list[dt.date]:
    """The days ``rule`` falls on from ``first`` to ``last``, both included."""
    begin = dt.datetime.combine(first, dt.time())
    return [d.date() for d in recurrence(rule, begin).between(begin, dt.datetime.combine(last, dt.time()), inc=True)]
