"""Dates in the words the pages and messages use, and the deadline a
relative milestone gets once its event's day is known."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from parsers.calendars import WorkdayCalendar
from scheduler.policy import Dates
from scheduler.reports import event_due
from scheduler.words import dates_words, rrule_words

RULES = [
    ("FREQ=YEARLY;BYMONTH=3,6,9,12;BYMONTHDAY=-1", "每季度末（3、6、9、12月最后一天）"),
    ("FREQ=YEARLY;BYMONTH=6,12;BYMONTHDAY=-1", "每半年末（6、12月最后一天）"),
    ("FREQ=MONTHLY;BYMONTHDAY=-1", "每月月底"),
    ("FREQ=MONTHLY;BYMONTHDAY=5", "每月5日"),
    ("FREQ=MONTHLY;BYMONTHDAY=10,20,-1", "每月10日、20日、最后一天"),
    ("FREQ=MONTHLY;BYDAY=-1FR", "每月最后一个周五"),
    ("FREQ=WEEKLY;BYDAY=FR", "每周五"),
    ("FREQ=WEEKLY;INTERVAL=2;BYDAY=WE", "隔周周三"),
    ("FREQ=WEEKLY;INTERVAL=3;BYDAY=MO", "每3周的周一"),
    ("FREQ=WEEKLY;BYDAY=TU,TH", "每周二、周四"),
    ("FREQ=WEEKLY;BYMONTH=7,8,9;BYDAY=FR", "每周五（7、8、9月）"),
    ("FREQ=DAILY", "每天"),
    ("FREQ=DAILY;INTERVAL=10", "每10天"),
    ("FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=20", "每年12月20日"),
    ("FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=-1", "每年1月底"),
    ("FREQ=YEARLY;BYMONTH=1,4,7,10;BYMONTHDAY=10", "每季度（1、4、7、10月10日）"),
    ("FREQ=YEARLY;RSCALE=CHINESE;BYMONTH=1;BYMONTHDAY=15", "每年农历正月15日"),
]


@pytest.mark.parametrize(("rule", "words"), RULES)
def test_rules_in_words(rule: str, words: str) -> None:
    assert rrule_words(rule) == words
    assert "FREQ" not in words


DATES = [
    (Dates("deadline", None, dt.date(2022, 11, 30), None), None, "2022年11月30日前"),
    (Dates("range", dt.date(2022, 12, 4), dt.date(2022, 12, 10), None), None, "2022年12月4日至2022年12月10日"),
    (Dates("start", dt.date(2023, 1, 1), None, None), None, "2023年1月1日起"),
    (
        Dates("recurring", None, dt.date(2026, 12, 31), "FREQ=WEEKLY;BYDAY=FR"),
        None,
        "每周五，至2026年12月31日",
    ),
    (Dates("relative", None, None, None), {"n": 10, "unit": "workday", "after": "验收完成"}, "验收完成后10个工作日内"),
    (Dates("relative", None, None, None), {"n": 0, "unit": "day", "before": "开学"}, "开学前"),
    (Dates("ongoing", None, None, None), None, "长期坚持"),
    (Dates("unresolved", None, None, None), None, "时限待定"),
]


@pytest.mark.parametrize(("dates", "offset", "words"), DATES)
def test_dates_in_words(dates: Dates, offset: dict[str, Any] | None, words: str) -> None:
    assert dates_words(dates, offset) == words


EVENTS = [
    # 2027-03-02 is a Tuesday: ten working days later is Tuesday 03-16.
    ({"n": 10, "unit": "workday", "after": "验收完成"}, dt.date(2027, 3, 2), dt.date(2027, 3, 16)),
    # across the 2026 National Day holiday (10-01 to 10-07 off, 10-10 worked)
    ({"n": 5, "unit": "workday", "after": "收到"}, dt.date(2026, 9, 29), dt.date(2026, 10, 12)),
    ({"n": 30, "unit": "day", "after": "中标通知书发出"}, dt.date(2026, 12, 4), dt.date(2027, 1, 3)),
    ({"n": 2, "unit": "week", "after": "会议"}, dt.date(2026, 12, 4), dt.date(2026, 12, 18)),
    ({"n": 1, "unit": "month", "after": "印发"}, dt.date(2026, 1, 31), dt.date(2026, 2, 28)),
    ({"n": 1, "unit": "hour", "after": "接到报告"}, dt.date(2026, 12, 4), dt.date(2026, 12, 4)),
    ({"n": 0, "unit": "day", "before": "开学"}, dt.date(2027, 2, 22), dt.date(2027, 2, 22)),
    ({"n": 3, "unit": "day", "before": "开学"}, dt.date(2027, 2, 22), dt.date(2027, 2, 19)),
]


@pytest.mark.parametrize(("offset", "event", "due"), EVENTS)
def test_a_relative_deadline_from_its_events_day(offset: dict[str, Any], event: dt.date, due: dt.date) -> None:
    assert event_due(offset, event, WorkdayCalendar()) == due
