"""iCalendar feeds of the stored milestones.

One feed for everything, one per plan, one per owner unit, and a personal
feed per subscriber. A deadline is an all-day event on its due date
(exclusive DTEND); a range spans its days; a start is its first day; a
recurring milestone carries its RRULE. UIDs are the milestone keys;
SEQUENCE and LAST-MODIFIED follow each change; a removed milestone stays
for 30 days as STATUS:CANCELLED so subscribed calendars drop it; a done
task keeps its events, marked ✅. Alarms follow the reminder policy, for
the clients that honour them (reminders never depend on them).

Feeds are rendered once per change of the data they show (``FeedCache``):
a request compares a cheap data stamp and gets the cached bytes and ETag.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import func, or_
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from notifiers.ical import event_days
from scheduler.db import session
from scheduler.models import Completion, Milestone, MilestoneOwner, Override, Plan, Subscription, Task, table
from scheduler.policy import ReminderPolicy
from scheduler.reminders import effective_dates

PRODID = "-//duban//feeds//ZH"
KEEP_CANCELLED = dt.timedelta(days=30)
LABEL = {"deadline": "截止", "range": "期间", "start": "开始", "recurring": "例行"}


@dataclass(frozen=True)
class FeedSpec:
    """Which milestones a feed shows: all, a plan, a unit, or a subscriber's."""

    kind: str  # all, plan, owner, subscriber
    value: str = ""
    name: str = "督办"


@dataclass(frozen=True)
class Rendered:
    body: bytes
    etag: str
    last_modified: dt.datetime
    events: int


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


@lru_cache(maxsize=8192)
def fold(line: str) -> str:
    """RFC 5545 folding: lines of at most 75 octets, continuation lines
    starting with a space, never splitting a UTF-8 character."""
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


def _stamp(value: dt.datetime) -> str:
    return _utc(value).astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


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


def _event_text(
    m: Any,
    plan: Plan,
    task: Any,
    override: Override | None,
    done: bool,
    policy: ReminderPolicy,
    base_url: str,
    stamp: str,
) -> str | None:
    """One VEVENT, its lines joined with CRLF and folded. Only the lines that
    carry free text can pass 75 octets; the others are short by construction."""
    d = effective_dates(m, override)
    days = event_days(d.kind, d.start, d.due, d.rrule, plan.ref)
    if days is None:
        return None
    first, last = days
    owners = "、".join(m.lead)
    summary = f"【{LABEL[d.kind]}】{task.title}" + (f"（{owners}）" if owners else "")
    link = f"{base_url}/plans/{plan.id}"
    section = " / ".join(task.section)
    description = "\n".join([plan.title, *([section] if section else []), f"原文（第{m.line}行）：{m.quote}", link])
    lines = [
        "BEGIN:VEVENT",
        f"UID:{m.key}@duban",
        f"DTSTAMP:{stamp}",
        f"LAST-MODIFIED:{_stamp(m.changed_at)}",
        f"SEQUENCE:{m.sequence}",
        fold("SUMMARY:" + _escape(("✅ " if done else "") + summary)),
        fold("DESCRIPTION:" + _escape(description)),
        fold(f"URL:{link}"),
        f"DTSTART;VALUE=DATE:{first:%Y%m%d}",
        f"DTEND;VALUE=DATE:{last + dt.timedelta(days=1):%Y%m%d}",
        "TRANSP:TRANSPARENT",
    ]
    if d.kind == "recurring" and d.rrule:
        lines.append(fold(f"RRULE:{d.rrule.upper().removeprefix('RRULE:')}"))
    if not m.active:
        lines.append("STATUS:CANCELLED")
    elif done:
        lines.append("STATUS:CONFIRMED")
    if m.active and not done:
        alarm = fold("DESCRIPTION:" + _escape(summary))
        for trigger in _alarm_triggers(policy.before, policy.at):
            lines.append(f"BEGIN:VALARM\r\nACTION:DISPLAY\r\n{alarm}\r\n{trigger}\r\nEND:VALARM")
    lines.append("END:VEVENT")
    return "\r\n".join(lines)


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _milestone_select(spec: FeedSpec, s: Session, now: dt.datetime) -> Any:
    """The rows a feed shows, as a Core select: read through a plain
    connection they are tuples with attribute access, and a big feed spends
    no time building ORM objects. None: the feed is empty."""
    query = sa_select(table(Milestone)).where(
        (col(Milestone.active) == True) | (col(Milestone.changed_at) >= now - KEEP_CANCELLED)  # noqa: E712
    )
    if spec.kind == "plan":
        query = query.where(
            (col(Milestone.plan_id) == spec.value) | col(Milestone.plan_id).startswith(spec.value + "/")
        )
    elif spec.kind == "owner":
        keys = select(MilestoneOwner.milestone_key).where(MilestoneOwner.unit == spec.value)
        query = query.where(col(Milestone.key).in_(keys))
    elif spec.kind == "subscriber":
        sub = s.get(Subscription, spec.value)
        if sub is None:
            return None
        if sub.plans:
            same = [col(Milestone.plan_id).in_(sub.plans)]
            inside = [col(Milestone.plan_id).startswith(p + "/") for p in sub.plans]
            query = query.where(or_(*same, *inside))
        if sub.owners:
            keys = select(MilestoneOwner.milestone_key).where(col(MilestoneOwner.unit).in_(sub.owners))
            query = query.where(col(Milestone.key).in_(keys))
    return query.order_by(col(Milestone.plan_id), col(Milestone.line), col(Milestone.key))


def data_stamp(engine: Engine) -> tuple[object, ...]:
    """Changes whenever anything a feed shows changes."""
    with session(engine) as s:
        milestones = s.exec(select(func.count(), func.max(Milestone.changed_at))).one()
        completions = s.exec(select(func.count(), func.max(Completion.id))).one()
        overrides = s.exec(select(func.count(), func.max(Override.created_at))).one()
        tasks = s.exec(select(func.count()).select_from(Task)).one()
    return (*milestones, *completions, *overrides, tasks)


def render(engine: Engine, spec: FeedSpec, policy: ReminderPolicy, base_url: str, now: dt.datetime) -> Rendered:
    stamp = _stamp(now)
    header = [
        "BEGIN:VCALENDAR",
        f"PRODID:{PRODID}",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        "X-WR-CALNAME:" + _escape(spec.name),
        f"X-WR-TIMEZONE:{policy.timezone}",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        "X-PUBLISHED-TTL:PT1H",
    ]
    lines = [fold(line) for line in header]
    count = 0
    last = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    with session(engine) as s:
        query = _milestone_select(spec, s, now)
        plans = {p.id: p for p in s.exec(select(Plan))}
        overrides = {o.milestone_key: o for o in s.exec(select(Override))}
        completions = s.exec(select(Completion)).all()
    with engine.connect() as connection:
        milestones = list(connection.execute(query).all()) if query is not None else []
        task_rows = connection.execute(
            sa_select(table(Task)).where(col(Task.key).in_({m.task_key for m in milestones}))
        )
        tasks = {t.key: t for t in task_rows}
    done_tasks = {c.task_key for c in completions if c.task_key}
    done_milestones = {c.milestone_key for c in completions if c.milestone_key and c.occurrence is None}
    for m in milestones:
        done = m.task_key in done_tasks or m.key in done_milestones
        event = _event_text(m, plans[m.plan_id], tasks[m.task_key], overrides.get(m.key), done, policy, base_url, stamp)
        if event is not None:
            lines.append(event)
            count += 1
            last = max(last, _utc(m.changed_at))
    lines.append("END:VCALENDAR")
    body = ("\r\n".join(lines) + "\r\n").encode("utf-8")
    etag = '"' + hashlib.sha256(body.replace(stamp.encode(), b"")).hexdigest()[:32] + '"'
    return Rendered(body, etag, last.replace(microsecond=0), count)


class FeedCache:
    """Rendered feeds by spec, kept until the data stamp changes."""

    def __init__(
        self, engine: Engine, policy: Callable[[], ReminderPolicy], base_url: str, stamp_ttl: float = 1.0
    ) -> None:
        self.engine = engine
        self.policy = policy
        self.base_url = base_url
        self.lock = threading.Lock()
        self.cache: dict[FeedSpec, tuple[tuple[object, ...], Rendered]] = {}
        self.renders = 0
        # The data stamp is read at most once per ``stamp_ttl`` seconds: a
        # burst of polls costs no database work, a change shows within it.
        self.stamp_ttl = stamp_ttl
        self._stamp: tuple[float, tuple[object, ...]] | None = None

    def stamp(self) -> tuple[object, ...]:
        now = time.monotonic()
        held = self._stamp
        if held is not None and now - held[0] < self.stamp_ttl:
            return held[1]
        value = data_stamp(self.engine)
        self._stamp = (now, value)
        return value

    def invalidate(self) -> None:
        """Check the data again on the next request (after a write here)."""
        self._stamp = None

    def fresh(self, spec: FeedSpec) -> Rendered | None:
        """The cached feed if it is known to be current, without touching
        the database; None when a check or a render is needed."""
        held = self._stamp
        hit = self.cache.get(spec)
        if held is None or hit is None or time.monotonic() - held[0] >= self.stamp_ttl or hit[0] != held[1]:
            return None
        return hit[1]

    def get(self, spec: FeedSpec, now: dt.datetime) -> Rendered:
        stamp = self.stamp()
        with self.lock:
            hit = self.cache.get(spec)
            if hit is not None and hit[0] == stamp:
                return hit[1]
        rendered = render(self.engine, spec, self.policy(), self.base_url, now)
        with self.lock:
            self.cache[spec] = (stamp, rendered)
            self.renders += 1
        return rendered
