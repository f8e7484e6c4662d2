"""iCalendar feeds of the stored milestones.

One feed for everything, one per plan, one per owner unit, and a personal
feed per subscriber. A deadline is an all-day event on its due date
(exclusive DTEND); a range spans its days; a start is its first day; a
recurring milestone carries its RRULE. UIDs are the milestone keys;
SEQUENCE and LAST-MODIFIED follow each change, and DTSTAMP is the time of
the last change too (RFC 5545's meaning for a calendar without METHOD), so
unchanged data gives the same bytes; a removed milestone stays for 30 days
as STATUS:CANCELLED so subscribed calendars drop it; a done task keeps its
events, marked ✅. Alarms follow the reminder policy, for the clients that
honour them (reminders never depend on them).

Each event's text is stored (``feed_event``) with a version naming what it
was made from, and written again only when that changes: a feed is put
together from stored text plus the parts that depend on the moment (done,
cancelled, alarms). Feeds themselves are rendered once per change of the
data they show (``FeedCache``): a request compares a cheap data stamp and
gets the cached bytes and ETag.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import String, cast, delete, func, insert, or_, type_coerce
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.types import NullType
from sqlmodel import col, select

from scheduler.db import session
from scheduler.feed_text import EventText, EventWriter, Tails, as_datetime, escape, fold, utc
from scheduler.models import (
    Completion,
    FeedEvent,
    Milestone,
    MilestoneOwner,
    Override,
    Plan,
    Subscription,
    Task,
    table,
)
from scheduler.policy import ReminderPolicy

log = logging.getLogger(__name__)

PRODID = "-//duban//feeds//ZH"
KEEP_CANCELLED = dt.timedelta(days=30)
# Part of every stored event's version: raise it when the event text
# changes shape, and every stored event is written again.
TEXT_FORMAT = 3
_CHUNK = 500
_MANY = 2000  # stale events beyond this are read with the feed's filter, not by key


@dataclass(frozen=True)
class FeedSpec:
    """Which milestones a feed shows: all, a plan, a unit, or a subscriber's."""

    kind: str  # all, plan, owner, subscriber
    value: str = ""
    name: str = "督办"


ALL = FeedSpec("all", name="督办：全部事项")


@dataclass(frozen=True)
class Rendered:
    body: bytes
    etag: str
    last_modified: dt.datetime
    events: int
    gzipped: bytes = b""  # the body compressed once, when it was rendered: requests only send it


def _raw(column: Any) -> Any:
    """A column read as the driver gives it, without SQLAlchemy's per-value
    conversion: dates and times (text in SQLite) are parsed once per
    distinct value by the writer, and blobs and flags are used as they come."""
    return type_coerce(column, NullType()).label(column.name)


def _json_text(column: Any) -> Any:
    """A JSON column read as its text in both SQLite and PostgreSQL (whose
    driver would decode json itself), decoded once per distinct value."""
    return cast(column, String).label(column.name)


def _feed_filter(spec: FeedSpec, connection: Connection, now: dt.datetime) -> list[Any] | None:
    """The conditions on milestone rows for a feed; None: the feed is empty."""
    m = table(Milestone).c
    where: list[Any] = [(m.active == True) | (m.changed_at >= now - KEEP_CANCELLED)]  # noqa: E712
    if spec.kind == "plan":
        where.append((m.plan_id == spec.value) | m.plan_id.startswith(spec.value + "/"))
    elif spec.kind == "owner":
        keys = select(MilestoneOwner.milestone_key).where(MilestoneOwner.unit == spec.value)
        where.append(m.key.in_(keys))
    elif spec.kind == "subscriber":
        sub = table(Subscription).c
        found = connection.execute(sa_select(sub.plans, sub.owners).where(sub.id == spec.value)).first()
        if found is None:
            return None
        plans, owners = found
        if plans:
            where.append(or_(m.plan_id.in_(plans), *[m.plan_id.startswith(p + "/") for p in plans]))
        if owners:
            keys = select(MilestoneOwner.milestone_key).where(col(MilestoneOwner.unit).in_(owners))
            where.append(m.key.in_(keys))
    return where


def data_stamp(engine: Engine) -> tuple[object, ...]:
    """Changes whenever anything a feed shows changes."""
    with session(engine) as s:
        milestones = s.exec(select(func.count(), func.max(Milestone.changed_at))).one()
        completions = s.exec(select(func.count(), func.max(Completion.id))).one()
        overrides = s.exec(select(func.count(), func.max(Override.created_at))).one()
        tasks = s.exec(select(func.count()).select_from(Task)).one()
        plans = s.exec(select(func.count(), func.max(Plan.updated_at))).one()
    return (*milestones, *completions, *overrides, tasks, *plans)


def _plan_versions(connection: Connection, base_url: str) -> dict[str, tuple[Any, str]]:
    """Each plan's row and a digest of what its events take from it (title,
    reference date, end of period) and from the site (its address)."""
    plan = table(Plan).c
    out = {}
    for p in connection.execute(sa_select(plan.id, plan.title, _raw(plan.ref), _raw(plan.until))):
        text = f"{TEXT_FORMAT}\0{base_url}\0{p.id}\0{p.title}\0{p.ref}\0{p.until}"
        digest = hashlib.sha256(text.encode()).hexdigest()
        out[p.id] = (p, digest[:16])
    return out


def _override_version(o: Any) -> str:
    return "" if o is None else f"{o.created_at}|{o.kind}|{o.start}|{o.due}|{o.rrule}"


def _rows_for(connection: Connection, query: Any, key: Any, keys: set[str]) -> list[Any]:
    """The rows of ``query`` whose first column is in ``keys``: read by key
    when they are few, read at once and picked here when they are many."""
    if len(keys) > _MANY:
        return [r for r in connection.execute(query) if r[0] in keys]
    ordered = sorted(keys)
    return [
        r
        for i in range(0, len(ordered), _CHUNK)
        for r in connection.execute(query.where(key.in_(ordered[i : i + _CHUNK])))
    ]


def _write_events(
    connection: Connection,
    stale: set[str],
    where: list[Any],
    plans: dict[str, tuple[Any, str]],
    overrides: dict[str, Any],
    writer: EventWriter,
) -> dict[str, EventText | None]:
    """The text of the stale milestones' events, from their rows."""
    m, task = table(Milestone).c, table(Task).c
    columns = (
        m.key, m.plan_id, m.task_key, m.line, m.quote, m.kind, _raw(m.start), _raw(m.due), m.rrule,
        _json_text(m.lead), m.sequence, _raw(m.changed_at),
    )  # fmt: skip
    rows = _rows_for(connection, sa_select(*columns).where(*where), m.key, stale)
    task_query = sa_select(task.key, task.title, _json_text(task.section))
    tasks = {t.key: t for t in _rows_for(connection, task_query, task.key, {r.task_key for r in rows})}
    return {
        key: writer.event((key, *fields), plans[plan_id][0], tasks[task_key], overrides.get(key))
        for key, plan_id, task_key, *fields in rows
    }


def _store_events(engine: Engine, written: dict[str, tuple[str, EventText | None]], replaced: set[str]) -> None:
    """Keep the events written by a render; ``replaced``: those that had a
    stored row. A failure here (a concurrent render storing the same rows, a
    busy database) costs only the chance to reuse them: the feed was already
    made."""
    fe = table(FeedEvent)
    rows = [
        {
            "milestone_key": key,
            "version": version,
            "head": text.head if text else b"",
            "summary": text.summary if text else b"",
            "done_summary": text.done_summary if text else b"",
        }
        for key, (version, text) in written.items()
    ]
    try:
        with engine.begin() as connection:
            keys = sorted(replaced)
            for i in range(0, len(keys), _CHUNK):
                connection.execute(delete(fe).where(fe.c.milestone_key.in_(keys[i : i + _CHUNK])))
            connection.execute(insert(fe), rows)
    except (IntegrityError, DBAPIError) as exc:
        log.info("feed events not stored (%s); they are written again next time", type(exc).__name__)


def _assemble(header: Iterable[str], events: list[bytes], last: object, count: int) -> Rendered:
    body = b"\r\n".join([*(fold(line).encode() for line in header), *events, b"END:VCALENDAR\r\n"])
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    modified = utc(as_datetime(last)) if last is not None else dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    return Rendered(body, etag, modified.replace(microsecond=0), count, gzip.compress(body, 6, mtime=0))


def render(engine: Engine, spec: FeedSpec, policy: ReminderPolicy, base_url: str, now: dt.datetime) -> Rendered:
    header = [
        "BEGIN:VCALENDAR",
        f"PRODID:{PRODID}",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        "X-WR-CALNAME:" + escape(spec.name),
        f"X-WR-TIMEZONE:{policy.timezone}",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        "X-PUBLISHED-TTL:PT1H",
    ]
    m, fe, c = table(Milestone).c, table(FeedEvent).c, table(Completion).c
    with engine.connect() as connection:
        where = _feed_filter(spec, connection, now)
        if where is None:
            return _assemble(header, [], None, 0)
        rows = connection.execute(
            sa_select(
                m.key,
                m.plan_id,
                m.task_key,
                _raw(m.active),
                m.sequence,
                _raw(m.changed_at),
                fe.version,
                _raw(fe.head),
                _raw(fe.summary),
                _raw(fe.done_summary),
            )
            .select_from(table(Milestone).outerjoin(table(FeedEvent), fe.milestone_key == m.key))
            .where(*where)
            .order_by(m.plan_id, m.line, m.key)
        ).all()
        plans = _plan_versions(connection, base_url)
        overrides = {o.milestone_key: o for o in connection.execute(sa_select(table(Override)))}
        completions = connection.execute(
            sa_select(c.task_key, c.milestone_key, c.occurrence, _raw(c.done_at)).order_by(c.done_at)
        ).all()
        versions = {
            r.key: f"{r.sequence}|{plans[r.plan_id][1]}|{_override_version(overrides.get(r.key))}" for r in rows
        }
        stale = {r.key for r in rows if r.version != versions[r.key]}
        written = _write_events(connection, stale, where, plans, overrides, EventWriter(base_url)) if stale else {}
    # When each task or milestone was marked done (the latest time wins).
    done_tasks = {d.task_key: d.done_at for d in completions if d.task_key}
    done_milestones = {d.milestone_key: d.done_at for d in completions if d.milestone_key and d.occurrence is None}
    tails = Tails.of(policy)
    events: list[bytes] = []
    changes = []
    for key, _plan, task_key, active, _sequence, changed_at, _version, head, summary, done_summary in rows:
        if key in written:
            text = written[key]
            if text is None:
                continue
            head, summary, done_summary = text.head, text.summary, text.done_summary
        elif not head:
            continue  # stored as having no calendar day
        done_at = done_tasks.get(task_key) or done_milestones.get(key)
        if not active:
            events.append(head + summary + tails.cancelled)
        elif done_at is not None:
            events.append(head + done_summary + tails.done)
            changed_at = max(changed_at, done_at)  # the event changed when it was marked done
        else:
            events.append(head + summary + tails.open)
        changes.append(changed_at)
    if written:
        replaced = {r.key for r in rows if r.version is not None and r.key in written}
        _store_events(engine, {key: (versions[key], text) for key, text in written.items()}, replaced)
    # The stamps are of one type: text in SQLite, datetimes in PostgreSQL.
    return _assemble(header, events, max(changes, default=None), len(events))


class FeedCache:
    """Rendered feeds by spec, kept until the data stamp or the reminder
    policy (the feeds' alarms) changes."""

    def __init__(
        self,
        engine: Engine,
        policy: Callable[[], ReminderPolicy],
        base_url: str,
        stamp_ttl: float = 1.0,
        size: int = 512,
    ) -> None:
        self.engine = engine
        self.policy = policy
        self.base_url = base_url
        self.lock = threading.Lock()
        # The feeds polled most lately, at most ``size`` of them: any other
        # is rendered when it is asked for.
        self.cache: OrderedDict[FeedSpec, tuple[tuple[object, ...], Rendered]] = OrderedDict()
        self.size = size
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
        value = (*data_stamp(self.engine), self.policy())
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
                self.cache.move_to_end(spec)
                return hit[1]
        rendered = render(self.engine, spec, self.policy(), self.base_url, now)
        with self.lock:
            before = self.cache.get(spec)
            if before is not None and before[1].etag != rendered.etag:
                # Other bytes than last time, whatever the reason (a policy
                # change, a cancelled event leaving the feed): Last-Modified
                # must move on too, or If-Modified-Since polls miss it.
                moved = max(rendered.last_modified, before[1].last_modified + dt.timedelta(seconds=1))
                rendered = replace(rendered, last_modified=max(moved, utc(now).replace(microsecond=0)))
            self.cache[spec] = (stamp, rendered)
            self.cache.move_to_end(spec)
            while len(self.cache) > self.size:
                self.cache.popitem(last=False)
            self.renders += 1
        return rendered

    def refresh(self, now: dt.datetime) -> int:
        """Render again, ahead of the next poll, every feed served so far
        whose data changed (after an import: the periodic sync calls this),
        so that polls find them ready. Returns how many were rendered."""
        self.invalidate()
        with self.lock:
            specs = list(self.cache)
        before = self.renders
        for spec in specs:
            self.get(spec, now)
        return self.renders - before
