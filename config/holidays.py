"""Admin-supplied holiday data for years the installed calendar does not
cover yet, read from TOML:

    [years.2027]
    holidays = ["2027-01-01", "2027-02-05", ...]   # days off
    workdays = ["2027-02-14", ...]                 # 调休 working weekends
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

from parsers.calendars import WorkdayCalendar


class HolidayDataError(ValueError):
    """Holiday data that cannot be used; the message names file and field."""


def _dates(path: Path, year: int, field: str, values: object) -> list[dt.date]:
    if not isinstance(values, list):
        raise HolidayDataError(f"{path}: years.{year}.{field} must be a list of dates")
    out = []
    for i, value in enumerate(values):
        day = value if isinstance(value, dt.date) else None
        if isinstance(value, str):
            try:
                day = dt.date.fromisoformat(value)
            except ValueError:
                day = None
        if day is None or day.year != year:
            raise HolidayDataError(f"{path}: years.{year}.{field}[{i}] = {value!r} is not a date in {year}")
        out.append(day)
    return out


def load_holidays(path: Path, calendar: WorkdayCalendar | None = None) -> WorkdayCalendar:
    """Add every year of ``path`` to ``calendar`` (a new one if None)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise HolidayDataError(f"{path}: {exc}") from None
    calendar = calendar or WorkdayCalendar()
    years = data.get("years", {})
    if not isinstance(years, dict):
        raise HolidayDataError(f"{path}: [years] must be a table")
    for key, table in years.items():
        if not (key.isdigit() and isinstance(table, dict)):
            raise HolidayDataError(f"{path}: years.{key} must be a year with holidays and workdays")
        unknown = set(table) - {"holidays", "workdays"}
        if unknown:
            raise HolidayDataError(f"{path}: years.{key}: unknown key {sorted(unknown)[0]!r}")
        year = int(key)
        calendar.add_year(
            year,
            _dates(path, year, "holidays", table.get("holidays", [])),
            _dates(path, year, "workdays", table.get("workdays", [])),
        )
    return calendar
