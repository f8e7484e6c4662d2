"""Reminder instants from the policy, on the official working-day calendar."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from parsers.calendars import WorkdayCalendar
from scheduler.policy import DUE_SOON, DUE_TODAY, OVERDUE, Dates, ReminderPolicy, plan_reminders

SH = ZoneInfo("Asia/Shanghai")
CAL = WorkdayCalendar()
TODAY = dt.date(2022, 1, 1)


def at(day: str, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), tzinfo=SH).astimezone(dt.UTC)


def labels(dates: Dates, policy: ReminderPolicy | None = None) -> dict[str, dt.datetime]:
    planned = plan_reminders(dates, policy or ReminderPolicy(), CAL, TODAY, dt.date(2022, 1, 1))
    return {f"{p.occurrence}:{p.label}": p.fire_at for p in planned}


def test_default_policy_for_a_deadline_on_a_working_day() -> None:
    got = labels(Dates("deadline", None, dt.date(2022, 11, 30), None))
    assert got == {
        "2022-11-30:before:7": at("2022-11-23"),
        "2022-11-30:before:3": at("2022-11-25"),  # Sun 27th -> Fri 25th
        "2022-11-30:before:1": at("2022-11-29"),
        "2022-11-30:due": at("2022-11-30"),
        "2022-11-30:overdue:1": at("2022-12-01"),
        "2022-11-30:overdue:2": at("2022-12-02"),
        "2022-11-30:overdue:3": at("2022-12-05"),
        "2022-11-30:overdue:4": at("2022-12-06"),
        "2022-11-30:overdue:5": at("2022-12-07"),
    }
    assert all(v.utcoffset() == dt.timedelta(0) for v in got.values())
    assert got["2022-11-30:due"].hour == 1  # 09:00 in Shanghai


def test_national_day_week_and_tiaoxiu_weekend() -> None:
    got = labels(Dates("deadline", None, dt.date(2022, 10, 10), None))
    # 10-07 is a day off: back to the last working day before the holiday.
    assert got["2022-10-10:before:3"] == at("2022-09-30")
    # Sunday 10-09 is a declared working day (调休): it stays.
    assert got["2022-10-10:before:1"] == at("2022-10-09")
    assert got["2022-10-10:before:7"] == at("2022-09-30")  # 10-03 is off


def test_overdue_reminders_count_working_days() -> None:
    got = labels(Dates("deadline", None, dt.date(2022, 9, 30), None))
    assert got["2022-09-30:overdue:1"] == at("2022-10-08")  # 调休 Saturday
    assert got["2022-09-30:overdue:2"] == at("2022-10-09")  # 调休 Sunday
    assert got["2022-09-30:overdue:3"] == at("2022-10-10")


def test_offsets_in_working_days_and_no_shift() -> None:
    policy = ReminderPolicy(before=(2,), unit="workday", overdue_cap=0, shift_to_workday=False, at=dt.time(8, 30))
    got = labels(Dates("deadline", None, dt.date(2022, 10, 10), None), policy)
    assert got == {
        "2022-10-10:before:2": at("2022-10-08", 8) + dt.timedelta(minutes=30),
        "2022-10-10:due": at("2022-10-10", 8) + dt.timedelta(minutes=30),
    }


def test_a_due_date_on_a_day_off_moves_back() -> None:
    got = labels(Dates("deadline", None, dt.date(2022, 10, 1), None))
    assert got["2022-10-01:due"] == at("2022-09-30")
    assert "2022-10-01:before:1" not in got  # would be the same instant as the due reminder


def test_range_reminds_at_start_and_before_end() -> None:
    got = labels(Dates("range", dt.date(2022, 12, 4), dt.date(2022, 12, 10), None))
    assert got["2022-12-04:start"] == at("2022-12-02")  # Sunday start -> Friday
    assert got["2022-12-04:before:3"] == at("2022-12-07")
    assert got["2022-12-04:due"] == at("2022-12-09")  # Saturday end -> Friday
    assert not any("overdue" in k for k in got)


def test_every_occurrence_of_a_recurring_milestone() -> None:
    quarterly = "FREQ=YEARLY;BYMONTH=3,6,9,12;BYMONTHDAY=-1"
    planned = plan_reminders(Dates("recurring", None, None, quarterly), ReminderPolicy(), CAL, TODAY, TODAY)
    occurrences = sorted({p.occurrence for p in planned})
    assert occurrences[:4] == [dt.date(2022, 3, 31), dt.date(2022, 6, 30), dt.date(2022, 9, 30), dt.date(2022, 12, 31)]
    events = {p.event for p in planned}
    assert events == {DUE_SOON, DUE_TODAY}


def test_daily_cadence_has_no_before_reminders() -> None:
    planned = plan_reminders(Dates("recurring", None, None, "FREQ=DAILY"), ReminderPolicy(), CAL, TODAY, TODAY)
    assert planned and {p.label for p in planned} == {"due"}


@pytest.mark.parametrize("kind", ["ongoing", "unresolved", "relative"])
def test_undated_kinds_get_no_reminders(kind: str) -> None:
    assert plan_reminders(Dates(kind, None, None, None), ReminderPolicy(), CAL, TODAY, TODAY) == []


def test_overdue_events() -> None:
    planned = plan_reminders(Dates("deadline", None, dt.date(2022, 11, 30), None), ReminderPolicy(), CAL, TODAY, TODAY)
    assert {p.event for p in planned if p.label.startswith("overdue")} == {OVERDUE}
