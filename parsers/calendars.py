"""Calendar facts: month ends, the official working-day calendar (with 调休
working weekends) and lunar holidays.

Official holidays come from ``chinese_calendar``. For a year it does not
cover yet, ``WorkdayCalendar`` falls back to "weekends are off" and warns,
unless the admin supplied that year's days off and working weekends.
"""

from __future__ import annotations

import calendar
import datetime as dt
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import chinese_calendar
from lunar_python import Lunar, Solar

from parsers.errors import HolidayDataMissing as HolidayDataMissing  # raised here
from parsers.vocabulary import SEASONS


@lru_cache(maxsize=4096)
def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


# The number of a five-year plan as written before its 五 ("十四五": 十四).
FIVE_YEAR_PLAN = "十[一二三四五六七八九]|[六七八九]"
_NUMERAL = {c: i for i, c in enumerate("一二三四五六七八九", start=1)}


def five_year_plan_end(number: str) -> int:
    """The last year of a five-year plan ("十四" -> 2025): the sixth ran
    1981-1985, and each one since five years on."""
    n = 10 + _NUMERAL[number[1]] if number.startswith("十") else _NUMERAL[number]
    return 1981 + 5 * (n - 6) + 4


def resolve_day(year: int, month: int, day: int) -> dt.date:
    """``day`` -1 means the last day of the month."""
    return month_end(year, month) if day == -1 else dt.date(year, month, day)


def season_bounds(season: str, year: int) -> tuple[dt.date, dt.date]:
    """First and last day of a season (春, 夏, 秋, 冬) starting in ``year``;
    winter ends in the next year."""
    (m1, d1), (m2, d2) = SEASONS[season]
    end_year = year + 1 if m2 < m1 else year
    return dt.date(year, m1, d1), resolve_day(end_year, m2, d2)


def lunar_to_solar(year: int, month: int, day: int) -> dt.date:
    solar = Lunar.fromYmd(year, month, day).getSolar()
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())


@lru_cache(maxsize=64)
def solar_terms(year: int) -> dict[str, dt.date]:
    """The 24 solar terms (节气) of a Gregorian year, by name, in Beijing time."""
    out: dict[str, dt.date] = {}
    day = Solar.fromYmd(year, 1, 1)
    while True:
        term = day.getLunar().getNextJieQi(True)
        solar = term.getSolar()
        if solar.getYear() != year:
            return out
        out[term.getName()] = dt.date(year, solar.getMonth(), solar.getDay())
        day = solar.next(1)


@dataclass(eq=False)
class WorkdayCalendar:
    """Working days per the official calendar, extended by admin data."""

    extra_holidays: set[dt.date] = field(default_factory=set)
    extra_workdays: set[dt.date] = field(default_factory=set)
    covered_years: set[int] = field(default_factory=set)
    _previous: dict[dt.date, dt.date] = field(default_factory=dict, repr=False)

    def add_year(self, year: int, holidays: Iterable[dt.date], workdays: Iterable[dt.date]) -> None:
        self.extra_holidays.update(holidays)
        self.extra_workdays.update(workdays)
        self.covered_years.add(year)
        self._previous.clear()

    def is_workday(self, day: dt.date) -> bool:
        if day in self.extra_workdays:
            return True
        if day in self.extra_holidays:
            return False
        if day.year in self.covered_years:
            return day.weekday() < 5
        official = _official_workday(day)
        if official is None:
            _warn_missing(day.year)
            return day.weekday() < 5
        return official

    def add_workdays(self, start: dt.date, n: int) -> dt.date:
        """The n-th working day after ``start`` (n >= 0; 0 = start itself if
        it is a working day, else the next one)."""
        day = start
        if n == 0:
            while not self.is_workday(day):
                day += dt.timedelta(days=1)
            return day
        step = 1 if n > 0 else -1
        left = abs(n)
        while left:
            day += dt.timedelta(days=step)
            if self.is_workday(day):
                left -= 1
        return day

    def previous_workday(self, day: dt.date) -> dt.date:
        start = day
        found = self._previous.get(start)
        if found is None:
            while not self.is_workday(day):
                day -= dt.timedelta(days=1)
            found = self._previous[start] = day
        return found

    def holiday_window(self, name: str, year: int) -> tuple[dt.date, dt.date] | None:
        """First and last day off of an official holiday in ``year``,
        including the weekend days joined to it."""
        try:
            days = _holiday_days(name, year)
        except NotImplementedError:
            _warn_missing(year)
            return None
        if not days:
            return None
        # The first run of days: a year's list of New Year's days also holds
        # the next New Year's, when its days off begin in late December.
        run = [days[0]]
        for day in days[1:]:
            if (day - run[-1]).days > 1:
                break
            run.append(day)
        first, last = run[0], run[-1]
        while self._is_day_off(first - dt.timedelta(days=1)):
            first -= dt.timedelta(days=1)
        while self._is_day_off(last + dt.timedelta(days=1)):
            last += dt.timedelta(days=1)
        return first, last

    def _is_day_off(self, day: dt.date) -> bool:
        try:
            return not self.is_workday(day)
        except NotImplementedError:
            return False


@lru_cache(maxsize=1 << 16)
def _official_workday(day: dt.date) -> bool | None:
    """The official calendar's answer, or None for a year it lacks."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return None


_LOGGED_MISSING: set[int] = set()


def _warn_missing(year: int) -> None:
    message = (
        f"没有{year}年的法定节假日数据，工作日暂按周一至周五计算；请在 config/duban.toml 中加入"
        f" [holidays.{year}]（holidays = 放假日期，workdays = 调休上班日期）"
    )
    if year not in _LOGGED_MISSING:
        _LOGGED_MISSING.add(year)
        warnings.warn(message, HolidayDataMissing, stacklevel=3)


@lru_cache(maxsize=64)
def _holiday_days(name: str, year: int) -> list[dt.date]:
    out = []
    day = dt.date(year, 1, 1)
    # Raises NotImplementedError for uncovered years.
    chinese_calendar.get_holiday_detail(day)
    while day.year == year:
        on_holiday, holiday = chinese_calendar.get_holiday_detail(day)
        if on_holiday and holiday == name:
            out.append(day)
        day += dt.timedelta(days=1)
    return out


DEFAULT_CALENDAR = WorkdayCalendar()
