"""The iCalendar text of feeds: escaping, RFC 5545 folding, and each
milestone's VEVENT.

An event is written in pieces so that what depends on the moment is not
written again with it: ``EventText.head`` (BEGIN:VEVENT up to the dates,
made from the milestone, its plan and task, and the site's address) and the
SUMMARY line for an open and for a done task. ``tail`` adds the status or
the alarms and END:VEVENT when a feed is put together.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import astuple, dataclass
from functools import lru_cache
from typing import Any

from notifiers.ical import event_days, lunar_rdate, summary_text, with_until
from parsers.recurrence import is_lunar
from scheduler.policy import Dates, ReminderPolicy
from scheduler.reminders import effective_dates

_DAY = dt.timedelta(days=1)
_NO_DAY = dt.date(1970, 1, 1)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def escape(text: str) -> str:
    """A TEXT value of RFC 5545: backslash, semicolon and comma escaped, any
    line break (CR, LF or both) as \\n, other control characters dropped, so
    that no value can end its line and start another."""
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold(line: str) -> str:
    """RFC 5545 folding: lines of at most 75 octets, continuation lines
    starting with a space, never splitting a UTF-8 character."""
    if len(line) <= 18:  # no character takes more than 4 octets
        return line
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts: list[bytes] = []
    start, limit = 0, 75
    while len(data) - start > limit:
        cut = start + limit
        while data[cut] & 0xC0 == 0x80:  # a continuation byte: back to the character's start
            cut -= 1
        parts.append(data[start:cut])
        start, limit = cut, 74
    parts.append(data[start:])
    return b"\r\n ".join(parts).decode("utf-8")


def utc(value: dt.datetime) -> dt.datetime:
    """Aware and in UTC (SQLite's text has no offset; PostgreSQL's driver
    gives the session's offset)."""
    return value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)


def as_datetime(value: object) -> dt.datetime:
    """A time column read as the driver gives it: text (SQLite) or a datetime."""
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))


def stamp(value: dt.datetime) -> str:
    return utc(value).strftime("%Y%m%dT%H%M%SZ")


def _duration(delta: dt.timedelta) -> str:
    seconds = int(delta.total_seconds())
    sign = "-" if seconds < 0 else ""
    days, rest = divmod(abs(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    time = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    return f"{sign}P" + (f"{days}D" if days else "") + (f"T{time}" if time else "" if days else "T0S")


@lru_cache(maxsize=64)
def _alarm_triggers(before: tuple[int, ...], at: dt.time) -> tuple[str, ...]:
    offset = dt.timedelta(hours=at.hour, minutes=at.minute)
    return tuple(f"TRIGGER:{_duration(offset - dt.timedelta(days=n))}" for n in sorted({*before, 0}, reverse=True))


@dataclass(frozen=True)
class Tails:
    """The closing lines of an event by its state, for one reminder policy.
    Every open event carries the same alarms. Calendar apps show the event's
    own summary when an alarm fires, so the DESCRIPTION an alarm requires is
    a fixed word, as in the feeds of the big calendar providers."""

    open: bytes
    done: bytes
    cancelled: bytes

    @classmethod
    def of(cls, policy: ReminderPolicy) -> Tails:
        alarms = "".join(
            f"\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:督办提醒\r\n{trigger}\r\nEND:VALARM"
            for trigger in _alarm_triggers(policy.before, policy.at)
        )
        return cls(
            (alarms + "\r\nEND:VEVENT").encode(),
            b"\r\nSTATUS:CONFIRMED\r\nEND:VEVENT",
            b"\r\nSTATUS:CANCELLED\r\nEND:VEVENT",
        )


@dataclass(frozen=True)
class EventText:
    head: bytes
    summary: bytes
    done_summary: bytes


class EventWriter:
    """Writes the text of events. What many events share (the text of each
    plan and task, stamps, day strings) is worked out once per writer, not
    once per event."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.stamps: dict[object, str] = {}
        self.dates: dict[object, dt.date] = {}
        self.spans: dict[tuple[dt.date, dt.date], str] = {}
        self.plans: dict[str, tuple[str, str, str, dt.date, dt.date | None]] = {}
        self.sections: dict[str, str] = {}
        self.leads: dict[str, tuple[str, ...]] = {}

    def _modified(self, changed_at: object) -> str:
        found = self.stamps.get(changed_at)
        if found is None:
            found = self.stamps[changed_at] = stamp(as_datetime(changed_at))
        return found

    def date(self, value: object) -> dt.date | None:
        """A date column read as the driver gives it: text (SQLite) or a date."""
        if value is None:
            return None
        found = self.dates.get(value)
        if found is None:
            found = self.dates[value] = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
        return found

    def _span(self, first: dt.date, last: dt.date) -> str:
        """DTSTART and the exclusive DTEND of an all-day event."""
        found = self.spans.get((first, last))
        if found is None:
            found = self.spans[first, last] = (
                f"DTSTART;VALUE=DATE:{first:%Y%m%d}\r\nDTEND;VALUE=DATE:{last + _DAY:%Y%m%d}"
            )
        return found

    def _plan(self, plan: Any) -> tuple[str, str, str, dt.date, dt.date | None]:
        """The plan's escaped title, its page link, its URL line, the
        reference date that anchors recurrences without a start, and the end
        of its period."""
        found = self.plans.get(plan.id)
        if found is None:
            link = f"{self.base_url}/plans/{plan.id}"
            ref = self.date(plan.ref) or _NO_DAY
            found = (escape(plan.title), escape(link), fold(f"URL:{link}"), ref, self.date(plan.until))
            self.plans[plan.id] = found
        return found

    def _section(self, raw: str) -> str:
        """A task's section path (JSON text), escaped, as a line of the description."""
        found = self.sections.get(raw)
        if found is None:
            section = json.loads(raw)
            found = self.sections[raw] = escape(" / ".join(section)) + "\\n" if section else ""
        return found

    def _lead(self, raw: str) -> tuple[str, ...]:
        """The lead units, from their JSON text."""
        found = self.leads.get(raw)
        if found is None:
            found = self.leads[raw] = tuple(json.loads(raw))
        return found

    def event(self, m: Any, plan: Any, task: Any, override: Any) -> EventText | None:
        """The pieces of one VEVENT, folded and joined with CRLF. Only the
        lines that carry free text can pass 75 octets; the others are short
        by construction. ``m`` is (key, line, quote, kind, start, due, rrule,
        lead, sequence, changed_at); ``plan`` has id, title, ref and until; ``task``
        has title and section; ``override`` is an override row or None.
        None: the milestone has no calendar day."""
        key, line, quote, kind, start, due, rrule, lead, sequence, changed_at = m
        start, due = self.date(start), self.date(due)
        title, link, url, ref, until = self._plan(plan)
        if override is not None or (until is not None and kind == "recurring" and due is None):
            kind, start, due, rrule = astuple(effective_dates(Dates(kind, start, due, rrule), override, until))
        days = event_days(kind, start, due, rrule, ref)
        if days is None:
            return None
        modified = self._modified(changed_at)
        source = escape(f"原文（第{line}行）：{quote}")
        description = f"DESCRIPTION:{title}\\n{self._section(task.section)}{source}\\n{link}"
        span = self._span(*days)
        if kind == "recurring" and rrule and is_lunar(rrule):
            span += "\r\n" + fold(lunar_rdate(rrule, days[0], due))
        elif kind == "recurring" and rrule:
            # A recurrence's due is its end: the plan's period, or an override's.
            span += "\r\n" + fold(f"RRULE:{with_until(rrule, due)}")
        head = (
            f"BEGIN:VEVENT\r\nUID:{key}@duban\r\nDTSTAMP:{modified}\r\nLAST-MODIFIED:{modified}\r\n"
            f"SEQUENCE:{sequence}\r\n{fold(description)}\r\n{url}\r\n{span}\r\nTRANSP:TRANSPARENT\r\n"
        )
        summary = escape(summary_text(kind, task.title, self._lead(lead)))
        return EventText(head.encode(), fold("SUMMARY:" + summary).encode(), fold("SUMMARY:✅ " + summary).encode())
