"""iCalendar rendering of milestones (RFC 5545).

A deadline is an all-day event on its due date with an exclusive DTEND; a
range spans its days; a recurring milestone carries its RRULE; a start is a
one-day event on its first day. Relative, ongoing and unresolved milestones
have no date and are left out of calendars.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from functools import lru_cache

from icalendar import Calendar, Event, vRecur

from parsers.milestones import Milestone
from parsers.recurrence import dates_of, is_lunar, recurrence

PRODID = "-//duban//work plan milestones//ZH"
LABEL = {"deadline": "截止", "range": "期间", "start": "开始", "recurring": "例行"}


def milestone_uid(m: Milestone) -> str:
    key = "\x1f".join([m.doc, m.plan, "/".join(m.section), m.task or "", str(m.line), m.quote])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32] + "@duban"


def summary_text(kind: str, title: str, lead: Iterable[str]) -> str:
    """An event's summary: 【截止】开展专题学习（人秘科）."""
    owners = "、".join(lead)
    return f"【{LABEL[kind]}】{title}" + (f"（{owners}）" if owners else "")


def _summary(m: Milestone) -> str:
    return summary_text(m.kind, m.task or m.quote, (m.owners or {}).get("lead", []))


def _description(m: Milestone) -> str:
    parts = [m.plan]
    if m.section:
        parts.append(" / ".join(m.section))
    parts.append(f"原文（第{m.line}行）：{m.quote}")
    # (the parser's notes are for admins, in `duban parse --explain`: not here)
    return "\n".join(parts)


@lru_cache(maxsize=4096)
def first_occurrence(rule: str, start: dt.date) -> dt.date:
    begin = dt.datetime.combine(start, dt.time())
    found = recurrence(rule, begin).after(begin, inc=True)
    return found.date() if found else start


def event_days(
    kind: str, start: dt.date | None, due: dt.date | None, rrule: str | None, anchor: dt.date
) -> tuple[dt.date, dt.date] | None:
    """First and last day of a milestone's calendar event: a deadline's day,
    a range's days, a start's first day, a recurrence's first occurrence
    (``anchor`` starts it when the milestone has no start). None: no event."""
    if kind == "deadline" and due:
        return due, due
    if kind == "range" and start and due:
        return start, due
    if kind == "start" and start:
        return start, start
    if kind == "recurring" and rrule:
        first = first_occurrence(rrule, start or anchor)
        return first, first
    return None


# How far a lunar rule is written out when its plan gives it no end.
LUNAR_YEARS = 10


def lunar_dates(rule: str, first: dt.date, until: dt.date | None) -> list[dt.date]:
    """A yearly lunar date's days from ``first`` to ``until`` (or for
    ``LUNAR_YEARS``), for RDATE: calendars that do not read RFC 7529's
    RSCALE would put an RRULE with it on Gregorian days."""
    return dates_of(rule, first, until or first.replace(year=first.year + LUNAR_YEARS))


def lunar_rdate(rule: str, first: dt.date, until: dt.date | None) -> str:
    return "RDATE;VALUE=DATE:" + ",".join(f"{d:%Y%m%d}" for d in lunar_dates(rule, first, until))


def with_until(rule: str, until: dt.date | None) -> str:
    """An RRULE that ends on ``until`` (the end of its plan's period), unless
    it has an end of its own."""
    rule = rule.upper().removeprefix("RRULE:")
    if until is None or "UNTIL=" in rule or "COUNT=" in rule:
        return rule
    return f"{rule};UNTIL={until:%Y%m%d}"


def milestone_event(m: Milestone, stamp: dt.datetime, until: dt.date | None = None) -> Event | None:
    if m.kind not in LABEL:
        return None
    event = Event()
    event.add("uid", milestone_uid(m))
    event.add("dtstamp", stamp)
    event.add("summary", _summary(m))
    event.add("description", _description(m))
    days = event_days(m.kind, m.start, m.due, m.rrule, m.ref)
    if days is None:
        return None
    first, last = days
    if m.kind == "recurring" and m.rrule and is_lunar(m.rrule):
        event.add("rdate", lunar_dates(m.rrule, first, until))
    elif m.kind == "recurring" and m.rrule:
        event.add("rrule", vRecur.from_ical(with_until(m.rrule, until)))
    event.add("dtstart", first)
    event.add("dtend", last + dt.timedelta(days=1))
    event.add("transp", "TRANSPARENT")
    return event


def calendar_of(milestones: Iterable[tuple[Milestone, dt.date | None]], name: str, stamp: dt.datetime) -> Calendar:
    """A calendar of milestones, each with the end of its plan's period."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Asia/Shanghai")
    for m, until in milestones:
        event = milestone_event(m, stamp, until)
        if event is not None:
            cal.add_component(event)
    return cal
