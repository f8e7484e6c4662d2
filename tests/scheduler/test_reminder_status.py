"""The status a reminder's payload gives its milestone."""

from __future__ import annotations

import datetime as dt

import pytest

from scheduler.outbox import reminder_status

TODAY = dt.date(2026, 11, 30)


@pytest.mark.parametrize(
    ("due", "status"),
    [
        (dt.date(2026, 11, 29), "overdue"),
        (TODAY, "due today"),
        (dt.date(2026, 12, 7), "due soon"),
        (dt.date(2026, 12, 8), "on track"),
        (None, "on track"),
    ],
)
def test_a_reminders_status(due: dt.date | None, status: str) -> None:
    assert reminder_status(due, TODAY) == status
