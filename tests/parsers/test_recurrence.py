"""Occurrences of milestone rules, lunar ones included (RFC 7529)."""

from __future__ import annotations

import datetime as dt

import pytest

from parsers.recurrence import dates_of, is_lunar, recurrence

LANTERN = "FREQ=YEARLY;RSCALE=CHINESE;BYMONTH=1;BYMONTHDAY=15"


def test_a_yearly_lunar_date_is_its_solar_day_each_year() -> None:
    # 元宵 (正月十五): 2024-02-24, 2025-02-12, 2026-03-03.
    assert dates_of(LANTERN, dt.date(2024, 1, 1), dt.date(2026, 12, 31)) == [
        dt.date(2024, 2, 24),
        dt.date(2025, 2, 12),
        dt.date(2026, 3, 3),
    ]


def test_after_and_until_work_as_dateutils_do() -> None:
    start = dt.datetime(2024, 1, 1)
    rule = recurrence(LANTERN + ";UNTIL=20251231", start)
    assert rule.after(dt.datetime(2024, 2, 24), inc=True) == dt.datetime(2024, 2, 24)
    assert rule.after(dt.datetime(2024, 2, 24)) == dt.datetime(2025, 2, 12)
    assert rule.after(dt.datetime(2025, 2, 12)) is None  # past UNTIL


def test_the_thirtieth_of_a_short_month_is_its_last_day() -> None:
    # 腊月 of lunar 2024 has 29 days: its 30th falls on its 29th, 2025-01-28.
    assert dates_of(
        "FREQ=YEARLY;RSCALE=CHINESE;BYMONTH=12;BYMONTHDAY=30", dt.date(2025, 1, 1), dt.date(2025, 12, 31)
    ) == [dt.date(2025, 1, 28)]


@pytest.mark.parametrize("rule", ["FREQ=WEEKLY;BYDAY=FR", "FREQ=MONTHLY;BYMONTHDAY=-1"])
def test_gregorian_rules_go_to_dateutil(rule: str) -> None:
    assert not is_lunar(rule)
    assert len(dates_of(rule, dt.date(2024, 1, 1), dt.date(2024, 3, 31))) in (3, 13)


def test_a_lunar_rule_without_its_day_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported lunar rule"):
        recurrence("FREQ=MONTHLY;RSCALE=CHINESE", dt.datetime(2024, 1, 1))
