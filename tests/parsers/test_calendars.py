"""Working days on the official calendar, its fallback, and admin data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from config.holidays import HolidayDataError, load_holidays
from parsers.calendars import _LOGGED_MISSING, HolidayDataMissing, WorkdayCalendar
from parsers.pipeline import parse_text

D = dt.date


@pytest.mark.parametrize(
    ("start", "n", "due"),
    [
        (D(2022, 9, 30), 1, D(2022, 10, 8)),  # National Day week, then the 调休 Saturday
        (D(2022, 9, 30), 2, D(2022, 10, 9)),  # and the 调休 Sunday
        (D(2022, 9, 30), 3, D(2022, 10, 10)),
        (D(2023, 1, 20), 1, D(2023, 1, 28)),  # Spring Festival 2023, 调休 Saturday 01-28
        (D(2022, 12, 30), 1, D(2023, 1, 3)),  # New Year's Day weekend
        (D(2022, 11, 1), 0, D(2022, 11, 1)),
        (D(2022, 11, 5), 0, D(2022, 11, 7)),  # a Saturday: the next working day
    ],
)
def test_add_workdays_on_the_official_calendar(start: dt.date, n: int, due: dt.date) -> None:
    assert WorkdayCalendar().add_workdays(start, n) == due


def test_uncovered_year_falls_back_to_weekends_with_a_warning() -> None:
    # 2099: a year no holiday calendar will publish while this test lives.
    _LOGGED_MISSING.discard(2099)
    with pytest.warns(HolidayDataMissing, match="2099"):
        assert WorkdayCalendar().add_workdays(D(2099, 9, 30), 1) == D(2099, 10, 1)
        assert WorkdayCalendar().add_workdays(D(2099, 10, 2), 1) == D(2099, 10, 5)  # Friday to Monday


def test_admin_holidays_cover_a_new_year(tmp_path: Path) -> None:
    path = tmp_path / "holidays.toml"
    path.write_text(
        '[years.2031]\nholidays = ["2031-10-01", "2031-10-02", "2031-10-03"]\nworkdays = ["2031-10-04"]\n',
        encoding="utf-8",
    )
    calendar = load_holidays(path)
    assert calendar.add_workdays(D(2031, 9, 30), 1) == D(2031, 10, 4)
    result = parse_text(
        "2031年9月30日后2个工作日内完成。", ref=D(2031, 1, 1), imported=D(2031, 1, 1), calendar=calendar
    )
    assert [m.due for m in result.milestones] == [D(2031, 10, 6)]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[years.2031\n", "holidays.toml"),
        ('[years.2031]\nholidays = ["2031-13-01"]\n', "years.2031.holidays[0]"),
        ('[years.2031]\nholidays = ["2030-10-01"]\n', "not a date in 2031"),
        ("[years.2031]\nholiday = []\n", "unknown key 'holiday'"),
    ],
)
def test_bad_holiday_data_is_reported(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "holidays.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(HolidayDataError, match=message.replace("[", r"\[").replace("]", r"\]").replace(".", r"\.")):
        load_holidays(path)


def test_holiday_window_for_festival_days() -> None:
    assert WorkdayCalendar().holiday_window("National Day", 2022) == (D(2022, 10, 1), D(2022, 10, 7))
