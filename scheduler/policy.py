"""Reminder policy: when to remind about a milestone.

By default: 7, 3 and 1 days before each due date and on the day, at 09:00
Asia/Shanghai, then every working day while overdue (at most 5 times). A
reminder that falls on a non-working day moves to the previous working day.
Ranges remind at their start and before their end; every occurrence of a
recurring milestone gets its own reminders (early ones only when they fall
well inside the period); ongoing, relative and
unresolved milestones get none. Rows are planned up to ``horizon_days``
ahead; the periodic sync plans later ones as days pass.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

from parsers.calendars import WorkdayCalendar
from parsers.recurrence import Recurrence, recurrence

DUE_SOON = "reminder.due_soon"
DUE_TODAY = "reminder.due_today"
OVERDUE = "reminder.overdue"


@dataclass(frozen=True)
class ReminderPolicy:
    before: tuple[int, ...] = (7, 3, 1)
    unit: str = "day"  # or "workday"
    at: dt.time = dt.time(9, 0)
    overdue_cap: int = 5
    shift_to_workday: bool = True
    timezone: str = "Asia/Shanghai"
    horizon_days: int = 400
    escalate_after: int = 3  # working days overdue before an occurrence is escalated
    escalate_to: tuple[str, ...] = ()  # the subscribers that hear of it


@dataclass(frozen=True)
class Planned:
    occurrence: dt.date
    label: str
    event: str
    fire_at: dt.datetime  # aware, UTC


@dataclass(frozen=True)
class Dates:
    """The dated fields of a milestone, after any admin override."""

    kind: str
    start: dt.date | None
    due: dt.date | None
    rrule: str | None


def occurrence_of(d: Dates) -> dt.date | None:
    """The day a dated milestone's reminders (and its completion) are filed
    under: a range's start, a deadline's due date, a start's own day. A
    recurring milestone has one per occurrence instead."""
    if d.kind == "range":
        return d.start or d.due
    if d.kind == "deadline":
        return d.due
    if d.kind == "start":
        return d.start
    return None


@lru_cache(maxsize=1 << 16)
def _instant_at(day: dt.date, at: dt.time, zone: str) -> dt.datetime:
    return dt.datetime.combine(day, at, tzinfo=ZoneInfo(zone)).astimezone(dt.UTC)


def _instant(day: dt.date, policy: ReminderPolicy) -> dt.datetime:
    return _instant_at(day, policy.at, policy.timezone)


def _shift(day: dt.date, policy: ReminderPolicy, calendar: WorkdayCalendar) -> dt.date:
    return calendar.previous_workday(day) if policy.shift_to_workday else day


def _back(day: dt.date, n: int, policy: ReminderPolicy, calendar: WorkdayCalendar) -> dt.date:
    return calendar.add_workdays(day, -n) if policy.unit == "workday" else day - dt.timedelta(days=n)


def _deadline(
    due: dt.date,
    policy: ReminderPolicy,
    calendar: WorkdayCalendar,
    *,
    before: tuple[int, ...],
    overdue: bool,
    occurrence: dt.date | None = None,
) -> list[Planned]:
    occ = occurrence or due
    due_day = _shift(due, policy, calendar)
    out = [Planned(occ, "due", DUE_TODAY, _instant(due_day, policy))]
    for n in before:
        day = _shift(_back(due, n, policy, calendar), policy, calendar)
        if day < due_day:
            out.append(Planned(occ, f"before:{n}", DUE_SOON, _instant(day, policy)))
    if overdue:
        for k in range(1, policy.overdue_cap + 1):
            out.append(Planned(occ, f"overdue:{k}", OVERDUE, _instant(calendar.add_workdays(due, k), policy)))
    return out


@lru_cache(maxsize=4096)
def _rule(text: str, start: dt.datetime) -> Recurrence:
    return recurrence(text, start)


def _period_days(rule: str) -> int:
    freq = rule.upper().split("FREQ=", 1)[-1].split(";", 1)[0]
    return {"DAILY": 1, "WEEKLY": 7, "MONTHLY": 28}.get(freq, 90)


def plan_reminders(
    dates: Dates, policy: ReminderPolicy, calendar: WorkdayCalendar, today: dt.date, anchor: dt.date
) -> list[Planned]:
    """The reminders of a milestone from shortly before ``today`` up to the
    planning horizon (the periodic sync plans further ones as days pass).
    ``anchor`` starts recurrences (the plan's reference date)."""
    if dates.kind == "recurring":
        return _recurring(dates, policy, calendar, today, anchor)
    first_day = dates.start or dates.due
    last_day = dates.due or dates.start
    if first_day is None or last_day is None:
        return []
    horizon = today + dt.timedelta(days=policy.horizon_days)
    lead = dt.timedelta(days=max(policy.before, default=0) * 2 + 30)
    tail = dt.timedelta(days=policy.overdue_cap * 2 + 30)
    if first_day - lead > horizon or last_day + tail < today:
        return []
    return [p for p in _dated(dates, policy, calendar) if p.fire_at.date() <= horizon]


def _dated(dates: Dates, policy: ReminderPolicy, calendar: WorkdayCalendar) -> list[Planned]:
    if dates.kind == "deadline" and dates.due:
        return _deadline(dates.due, policy, calendar, before=policy.before, overdue=True)
    if dates.kind == "range" and dates.start and dates.due:
        start = Planned(dates.start, "start", DUE_SOON, _instant(_shift(dates.start, policy, calendar), policy))
        end = _deadline(dates.due, policy, calendar, before=policy.before, overdue=False, occurrence=dates.start)
        return [start, *[p for p in end if p.fire_at > start.fire_at]]
    if dates.kind == "start" and dates.start:
        return [Planned(dates.start, "start", DUE_TODAY, _instant(_shift(dates.start, policy, calendar), policy))]
    return []


def _recurring(
    dates: Dates, policy: ReminderPolicy, calendar: WorkdayCalendar, today: dt.date, anchor: dt.date
) -> list[Planned]:
    if dates.rrule:
        period = _period_days(dates.rrule)
        # Past occurrences need no reminder; a daily rule is expanded a month
        # ahead, a monthly one up to the horizon (the sync job moves on).
        first = dt.datetime.combine(dates.start or anchor, dt.time())
        horizon = min(policy.horizon_days, period * 30)
        until = dt.datetime.combine(today + dt.timedelta(days=horizon), dt.time())
        since = max(first, dt.datetime.combine(today - dt.timedelta(days=period), dt.time()))
        if "INTERVAL=" not in dates.rrule.upper():
            # Without an interval the days do not depend on where the rule
            # starts: start near today instead of walking from the anchor.
            first = since
        # Early reminders only where they fit well inside the period: none
        # for a daily cadence, 1 day for a weekly one, 3 and 1 for monthly.
        before = tuple(n for n in policy.before if n < period / 4)
        out: list[Planned] = []
        for occurrence in _rule(dates.rrule, first).between(since, until, inc=True):
            day = occurrence.date()
            if dates.due and day > dates.due:
                break
            out += _deadline(day, policy, calendar, before=before, overdue=False)
        return out
    return []
