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
from collections.abc import Callable
from dataclasses import dataclass

from icalendar import Alarm, Calendar, Event, vRecur
from sqlalchemy import func, or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from scheduler.db import session
from scheduler.models import Completion, Milestone, MilestoneOwner, Override, Plan, Subscription, Task
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


def _first_occurrence(rule: str, start: dt.date) -> dt.date:
    from dateutil.rrule import rrulestr

    begin = dt.datetime.combine(start, dt.time())
    found = rrulestr(rule, dtstart=begin).after(begin, inc=True)
    return found.date() if found else start


def _event(
    m: Milestone,
    plan: Plan,
    task: Task,
    override: Override | None,
    done: bool,
    policy: ReminderPolicy,
    base_url: str,
    stamp: dt.datetime,
) -> Event | None:
    d = effective_dates(m, override)
    if d.kind == "deadline" and d.due:
        first, last = d.due, d.due
    elif d.kind == "range" and d.start and d.due:
        first, last = d.start, d.due
    elif d.kind == "start" and d.start:
        first, last = d.start, d.start
    elif d.kind == "recurring" and d.rrule:
        first = last = _first_occurrence(d.rrule, d.start or plan.ref)
    else:
        return None
    owners = "、".join(m.lead)
    summary = f"【{LABEL[d.kind]}】{task.title}" + (f"（{owners}）" if owners else "")
    event = Event()
    event.add("uid", f"{m.key}@duban")
    event.add("dtstamp", stamp)
    event.add("last-modified", _utc(m.changed_at))
    event.add("sequence", m.sequence)
    event.add("summary", ("✅ " if done else "") + summary)
    section = " / ".join(task.section)
    link = f"{base_url}/plans/{plan.id}"
    description = [plan.title] + ([section] if section else []) + [f"原文（第{m.line}行）：{m.quote}", link]
    event.add("description", "\n".join(description))
    event.add("url", link)
    event.add("dtstart", first)
    event.add("dtend", last + dt.timedelta(days=1))
    event.add("transp", "TRANSPARENT")
    if d.kind == "recurring" and d.rrule:
        event.add("rrule", vRecur.from_ical(d.rrule))
    if not m.active:
        event.add("status", "CANCELLED")
    elif done:
        event.add("status", "CONFIRMED")
    if m.active and not done:
        for n in sorted({*policy.before, 0}, reverse=True):
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", summary)
            minutes = policy.at.hour * 60 + policy.at.minute
            alarm.add("trigger", dt.timedelta(days=-n, minutes=minutes))
            event.add_component(alarm)
    return event


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _milestone_query(spec: FeedSpec, s: Session, now: dt.datetime) -> list[Milestone]:
    query = select(Milestone).where(
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
            return []
        if sub.plans:
            same = [col(Milestone.plan_id).in_(sub.plans)]
            inside = [col(Milestone.plan_id).startswith(p + "/") for p in sub.plans]
            query = query.where(or_(*same, *inside))
        if sub.owners:
            keys = select(MilestoneOwner.milestone_key).where(col(MilestoneOwner.unit).in_(sub.owners))
            query = query.where(col(Milestone.key).in_(keys))
    return list(s.exec(query.order_by(col(Milestone.plan_id), col(Milestone.line), col(Milestone.key))).all())


def data_stamp(engine: Engine) -> tuple[object, ...]:
    """Changes whenever anything a feed shows changes."""
    with session(engine) as s:
        milestones = s.exec(select(func.count(), func.max(Milestone.changed_at))).one()
        completions = s.exec(select(func.count(), func.max(Completion.id))).one()
        overrides = s.exec(select(func.count(), func.max(Override.created_at))).one()
        tasks = s.exec(select(func.count()).select_from(Task)).one()
    return (*milestones, *completions, *overrides, tasks)


def render(engine: Engine, spec: FeedSpec, policy: ReminderPolicy, base_url: str, now: dt.datetime) -> Rendered:
    stamp = now.replace(microsecond=0)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", spec.name)
    cal.add("x-wr-timezone", policy.timezone)
    cal.add("refresh-interval", dt.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    count = 0
    last = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    with session(engine) as s:
        milestones = _milestone_query(spec, s, now)
        plans = {p.id: p for p in s.exec(select(Plan))}
        tasks = {t.key: t for t in s.exec(select(Task).where(col(Task.key).in_({m.task_key for m in milestones})))}
        overrides = {o.milestone_key: o for o in s.exec(select(Override))}
        completions = s.exec(select(Completion)).all()
    done_tasks = {c.task_key for c in completions if c.task_key}
    done_milestones = {c.milestone_key for c in completions if c.milestone_key and c.occurrence is None}
    for m in milestones:
        done = m.task_key in done_tasks or m.key in done_milestones
        event = _event(m, plans[m.plan_id], tasks[m.task_key], overrides.get(m.key), done, policy, base_url, stamp)
        if event is not None:
            cal.add_component(event)
            count += 1
            last = max(last, _utc(m.changed_at))
    body: bytes = cal.to_ical()
    etag = '"' + hashlib.sha256(body.replace(stamp.strftime("%Y%m%dT%H%M%SZ").encode(), b"")).hexdigest()[:32] + '"'
    return Rendered(body, etag, last.replace(microsecond=0), count)


class FeedCache:
    """Rendered feeds by spec, kept until the data stamp changes."""

    def __init__(self, engine: Engine, policy: Callable[[], ReminderPolicy], base_url: str) -> None:
        self.engine = engine
        self.policy = policy
        self.base_url = base_url
        self.lock = threading.Lock()
        self.cache: dict[FeedSpec, tuple[tuple[object, ...], Rendered]] = {}
        self.renders = 0

    def get(self, spec: FeedSpec, now: dt.datetime) -> Rendered:
        stamp = data_stamp(self.engine)
        with self.lock:
            hit = self.cache.get(spec)
            if hit is not None and hit[0] == stamp:
                return hit[1]
        rendered = render(self.engine, spec, self.policy(), self.base_url, now)
        with self.lock:
            self.cache[spec] = (stamp, rendered)
            self.renders += 1
        return rendered
