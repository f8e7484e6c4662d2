"""The outbox worker: send pending deliveries through their channels.

Each delivery is its own asyncio task, under a concurrency limit and a rate
limit per endpoint, over one pooled HTTP client: a slow or dead endpoint
holds only its own slots. Results are written as they come (in small
batches), so one slow reply never holds up the record of the others.

Retries: timeouts, connection errors, 5xx, 408, 429 and robot rate-limit
codes are retried after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h (about a
day), each with ±20 % jitter, or after the server's ``Retry-After`` when it
is longer; anything else fails at once. A delivery out of tries is ``dead``:
``duban deliveries`` lists it and ``duban deliveries retry`` sends it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import random
import socket
import time
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import httpx
from sqlalchemy import func, or_, update
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col, select

from notifiers.base import CHANGED_EVENT, Notification, Notifier, Target, about_plan
from notifiers.email import EmailNotifier
from notifiers.errors import DeliveryError
from notifiers.ratelimit import SlidingWindow
from notifiers.registry import RATE_LIMITS
from parsers.calendars import WorkdayCalendar
from scheduler.changes import Change, followed
from scheduler.db import session
from scheduler.models import (
    Delivery,
    Milestone,
    Notice,
    Plan,
    PlanChange,
    PlanRevision,
    Reminder,
    Subscription,
    Task,
    table,
)
from scheduler.owner_links import LinkSigner, OwnerLink
from scheduler.site_key import site_secret

log = logging.getLogger(__name__)
RETRY_DELAYS = (5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0, 36000.0)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
JITTER = 0.2
# Deliveries are claimed for this long: one held by an instance that died
# is sent by another after it.
LEASE = dt.timedelta(seconds=30)  # renewed every RENEW while the message is being sent
RENEW = 10.0
INSTANCE = f"{socket.gethostname()}:{os.getpid()}"


def next_delay(attempts: int, error: DeliveryError, rng: random.Random) -> float | None:
    """Seconds until the next try after ``attempts`` tries, or None: dead."""
    if error.permanent or attempts >= MAX_ATTEMPTS:
        return None
    delay = RETRY_DELAYS[attempts - 1] * (1 + rng.uniform(-JITTER, JITTER))
    return max(delay, error.retry_after or 0.0)


@dataclass
class Job:
    delivery_id: int
    attempts: int
    channel: str
    target: Target
    note: Notification


@dataclass
class Outcome:
    delivery_id: int
    attempts: int
    error: DeliveryError | None


def reminder_status(due: dt.date | None, today: dt.date) -> str:
    """How a reminder's milestone stands on ``today``: its payload's status."""
    if due is None:
        return "on track"
    if due < today:
        return "overdue"
    if due == today:
        return "due today"
    return "due soon" if (due - today).days <= 7 else "on track"


def notification(
    reminder: Reminder,
    m: Milestone,
    plan: Plan,
    task: Task,
    today: dt.date,
    calendar: WorkdayCalendar,
    base_url: str,
    delivery_id: int = 0,
    late: bool = False,
    created_at: dt.datetime | None = None,
) -> Notification:
    """What a reminder says, as of ``today``: sent by the outbox, shown by
    ``duban remind --preview``."""
    due = m.due if m.kind in ("deadline", "range") else reminder.occurrence
    left = None
    if due is not None and due >= today:
        left = sum(1 for k in range((due - today).days) if calendar.is_workday(today + dt.timedelta(days=k + 1)))
    return Notification(
        delivery_id=delivery_id,
        milestone_key=m.key,
        event=reminder.event,
        plan=plan.title,
        plan_id=plan.id,
        section=task.section,
        task=task.title,
        owners={"lead": m.lead, "support": m.support},
        quote=m.quote,
        line=m.line,
        kind=m.kind,
        due=m.due,
        start=m.start,
        occurrence=reminder.occurrence,
        workdays_left=left,
        status=reminder_status(due, today),
        late=late,
        created_at=created_at,
        links={"feed": f"{base_url}/feeds/plans/{plan.id}.ics", "admin": f"{base_url}/plans/{plan.id}"},
    )


def claim(engine: Engine, now: dt.datetime, limit: int, mode: str | None) -> list[int]:
    """Take up to ``limit`` due deliveries on real channels for this instance
    for a lease: reminders of subscribers in ``mode``, or (``mode`` None) the
    notices of plan revisions. Rows another instance holds are skipped
    (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), and a claim whose lease ran
    out (its instance died) is taken over."""
    d, sub = table(Delivery).c, table(Subscription).c
    due = sa_select(d.id).where(
        d.state == "pending",
        d.channel != "log",
        or_(d.next_attempt_at.is_(None), d.next_attempt_at <= now),
        or_(d.claimed_until.is_(None), d.claimed_until < now),
    )
    if mode is None:
        due = due.where(or_(d.revision_id.is_not(None), d.notice_id.is_not(None)))
    else:
        due = due.join(table(Subscription), sub.id == d.subscription_id).where(
            d.reminder_id.is_not(None), sub.mode == mode
        )
    due = due.order_by(d.id).limit(limit).with_for_update(skip_locked=True, of=table(Delivery))
    with engine.begin() as connection:
        claimed = connection.execute(
            update(table(Delivery))
            .where(d.id.in_(due.scalar_subquery()))
            .values(claimed_by=INSTANCE, claimed_until=now + LEASE)
            .returning(d.id)
        )
        return sorted(claimed.scalars().all())


def renew(engine: Engine, ids: Collection[int], now: dt.datetime) -> None:
    """Extend this instance's claims on the deliveries it is still sending."""
    if ids:
        d = table(Delivery).c
        with engine.begin() as connection:
            connection.execute(
                update(table(Delivery))
                .where(d.id.in_(list(ids)), d.claimed_by == INSTANCE)
                .values(claimed_until=now + LEASE)
            )


def release_all(engine: Engine) -> int:
    """Drop every claim: for a database no other instance can be using (a
    SQLite file, held by its lock), so that what a killed process held is
    sent at once, not after its lease."""
    d = table(Delivery).c
    with engine.begin() as connection:
        done = connection.execute(
            update(table(Delivery)).where(d.claimed_until.is_not(None)).values(claimed_by=None, claimed_until=None)
        )
        return done.rowcount or 0


def load_jobs(
    engine: Engine,
    now: dt.datetime,
    targets: Callable[[Subscription], Target | None],
    calendar: WorkdayCalendar,
    base_url: str,
    limit: int = 5000,
    mode: str = "immediate",
) -> list[Job]:
    """The deliveries this instance claims now (``claim``), as jobs:
    reminders of subscribers in ``mode`` (immediate, or digest for the daily
    digest run) and, in the immediate run, the notices (of plan revisions,
    escalations, answers to owners). Each reminder carries its owner's
    signed link (``links["report"]``)."""
    today = now.date()
    jobs: list[Job] = []
    if mode == "immediate":  # a notice goes out at once, whatever the subscriber's mode
        jobs += _notice_jobs(engine, claim(engine, now, limit, None), targets, base_url)
    ids = claim(engine, now, limit, mode)
    if not ids:
        return jobs
    signer = LinkSigner(site_secret(engine))
    with session(engine) as s:
        rows = s.execute(
            sa_select(Delivery, Reminder, Milestone, Plan, Task, Subscription)
            .where(col(Delivery.id).in_(ids))
            .where(col(Delivery.reminder_id) == col(Reminder.id), col(Reminder.milestone_key) == col(Milestone.key))
            .where(col(Milestone.plan_id) == col(Plan.id), col(Milestone.task_key) == col(Task.key))
            .where(col(Delivery.subscription_id) == col(Subscription.id))
            .order_by(col(Delivery.id))
        ).all()
    for delivery, reminder, m, plan, task, sub in rows:
        target = targets(sub)
        if target is None or delivery.id is None:
            continue
        note = notification(
            reminder, m, plan, task, today, calendar, base_url, delivery.id, delivery.late, delivery.created_at
        )
        report = signer.url(base_url, OwnerLink.for_occurrence(sub.id, m.key, reminder.occurrence))
        note = replace(note, links={**note.links, "report": report})
        jobs.append(Job(delivery.id, delivery.attempts, sub.channel, target, note))
    return jobs


def revision_changes(s: Session, revision_ids: list[int]) -> dict[int, list[Change]]:
    out: dict[int, list[Change]] = defaultdict(list)
    query = select(PlanChange).where(col(PlanChange.revision_id).in_(revision_ids)).order_by(col(PlanChange.id))
    for c in s.exec(query):
        out[c.revision_id].append(Change(c.kind, c.task, c.words, tuple(c.units), c.milestone_key))
    return out


def notice(
    delivery: Delivery, revision: PlanRevision, plan: Plan, changes: list[Change], base_url: str
) -> Notification:
    """A revision's notice: the changes the subscriber follows."""
    return about_plan(
        CHANGED_EVENT,
        f"revision-{revision.id}",
        plan.id,
        plan.title,
        plan.title,
        revision.imported_at,
        delivery_id=delivery.id or 0,
        created_at=delivery.created_at,
        changes=tuple(
            {"kind": c.kind, "task": c.task, "words": c.words, "milestone_key": c.milestone_key} for c in changes
        ),
        revision=revision.id,
        links={"feed": f"{base_url}/feeds/plans/{plan.id}.ics", "admin": f"{base_url}/plans/{plan.id}"},
    )


def queue_worded(s: Session, notice: Notice, to: Iterable[Subscription | None]) -> None:
    """Store a worded notice and one delivery of it to each active
    subscription given (the outbox sends it at once, with retries)."""
    s.add(notice)
    s.flush()
    for sub in to:
        if sub is not None and sub.active:
            s.add(
                Delivery(notice_id=notice.id, subscription_id=sub.id, channel=sub.channel, created_at=notice.created_at)
            )


def worded(delivery: Delivery, row: Notice, base_url: str) -> Notification:
    """A notice that says what it says in words: an escalation, an overdue
    digest, the answer to an owner's request."""
    return about_plan(
        row.event,
        f"notice-{row.id}",
        row.plan_id,
        row.plan,
        row.task,
        row.created_at,
        delivery_id=delivery.id or 0,
        created_at=delivery.created_at,
        detail=row.detail,
        links={"admin": f"{base_url}/plans/{row.plan_id}"} if row.milestone_key else {},
    )


def _notice_jobs(
    engine: Engine, ids: list[int], targets: Callable[[Subscription], Target | None], base_url: str
) -> list[Job]:
    """The claimed notices (of plan revisions, and worded ones), as jobs."""
    if not ids:
        return []
    jobs = []
    with session(engine) as s:
        worded_rows = s.execute(
            sa_select(Delivery, Notice, Subscription)
            .where(col(Delivery.id).in_(ids))
            .where(col(Delivery.notice_id) == col(Notice.id), col(Delivery.subscription_id) == col(Subscription.id))
            .order_by(col(Delivery.id))
        ).all()
    for delivery, row, sub in worded_rows:
        target = targets(sub)
        if target is not None and delivery.id is not None:
            jobs.append(Job(delivery.id, delivery.attempts, sub.channel, target, worded(delivery, row, base_url)))
    with session(engine) as s:
        rows = s.execute(
            sa_select(Delivery, PlanRevision, Plan, Subscription)
            .where(col(Delivery.id).in_(ids))
            .where(col(Delivery.revision_id) == col(PlanRevision.id), col(PlanRevision.plan_id) == col(Plan.id))
            .where(col(Delivery.subscription_id) == col(Subscription.id))
            .order_by(col(Delivery.id))
        ).all()
        changes = revision_changes(s, list({r.id for _, r, _, _ in rows if r.id is not None}))
    for delivery, revision, plan, sub in rows:
        target = targets(sub)
        if target is None or delivery.id is None or revision.id is None:
            continue
        note = notice(delivery, revision, plan, followed(changes[revision.id], sub.owners), base_url)
        jobs.append(Job(delivery.id, delivery.attempts, sub.channel, target, note))
    return jobs


_RELEASED = {"claimed_by": None, "claimed_until": None}


def record(engine: Engine, outcomes: list[Outcome], now: dt.datetime, rng: random.Random) -> None:
    """Write results: sent, retry later, or dead."""
    changes = []
    for o in outcomes:
        attempts = o.attempts + 1
        if o.error is None:
            changes.append(
                {
                    "id": o.delivery_id,
                    "state": "sent",
                    "sent_at": now,
                    "attempts": attempts,
                    "next_attempt_at": None,
                    "error": None,
                    **_RELEASED,
                }
            )
            continue
        delay = next_delay(attempts, o.error, rng)
        if delay is None:
            changes.append(
                {
                    "id": o.delivery_id,
                    "state": "dead",
                    "attempts": attempts,
                    "next_attempt_at": None,
                    "error": str(o.error),
                    **_RELEASED,
                }
            )
            log.warning("delivery %s dead after %s tries: %s", o.delivery_id, attempts, o.error)
        else:
            changes.append(
                {
                    "id": o.delivery_id,
                    "attempts": attempts,
                    "error": str(o.error),
                    "next_attempt_at": now + dt.timedelta(seconds=delay),
                    **_RELEASED,
                }
            )
    if changes:
        with session(engine) as s:
            s.execute(update(Delivery), changes)
            s.commit()


@dataclass
class Sender:
    """Sends jobs concurrently with per-endpoint limits. Each endpoint has its
    own small connection pool (kept alive between messages): a slow endpoint
    holds only its own connections, and pools stay cheap to search."""

    notifiers: Mapping[str, Notifier]
    concurrency: int = 4
    windows: dict[str, SlidingWindow] = field(default_factory=dict)
    slots: dict[str, asyncio.Semaphore] = field(default_factory=dict)
    clients: dict[str, httpx.AsyncClient] = field(default_factory=dict)

    def client_for(self, endpoint: str) -> httpx.AsyncClient:
        client = self.clients.get(endpoint)
        if client is None:
            limits = httpx.Limits(max_connections=self.concurrency, max_keepalive_connections=self.concurrency)
            client = self.clients[endpoint] = httpx.AsyncClient(limits=limits, follow_redirects=False)
        return client

    async def close(self) -> None:
        clients, self.clients = list(self.clients.values()), {}
        for client in clients:
            await client.aclose()

    async def one(self, job: Job) -> Outcome:
        notifier = self.notifiers.get(job.channel)
        if notifier is None:
            return Outcome(
                job.delivery_id, job.attempts, DeliveryError(f"unknown channel {job.channel}", permanent=True)
            )
        endpoint = f"{job.channel}:{notifier.endpoint(job.target)}"
        slot = self.slots.setdefault(endpoint, asyncio.Semaphore(self.concurrency))
        window = None
        if job.channel in RATE_LIMITS:
            window = self.windows.setdefault(endpoint, SlidingWindow(RATE_LIMITS[job.channel]))
        async with slot:
            if window is not None:
                await window.acquire()
            try:
                await notifier.send(self.client_for(endpoint), job.target, job.note)
            except DeliveryError as exc:
                return Outcome(job.delivery_id, job.attempts, exc)
            except Exception as exc:  # a bug in a channel must not stop the others
                log.exception("channel %s failed", job.channel)
                return Outcome(job.delivery_id, job.attempts, DeliveryError(type(exc).__name__, permanent=False))
        return Outcome(job.delivery_id, job.attempts, None)

    async def run(
        self, jobs: list[Job], on_done: Callable[[list[Outcome]], None], flush_every: float = 0.05
    ) -> list[Outcome]:
        """Send every job; ``on_done`` receives results in small batches as
        they complete."""
        done: list[Outcome] = []
        results: list[Outcome] = []

        async def send(job: Job) -> None:
            results.append(await self.one(job))

        tasks = [asyncio.create_task(send(job)) for job in jobs]
        try:
            while len(done) < len(tasks):
                await asyncio.sleep(flush_every)
                if results:
                    batch, results[:] = list(results), []
                    on_done(batch)
                    done += batch
        finally:
            await self.close()
        return done


def send_now(sender: Sender, channel: str, target: Target, note: Notification) -> Outcome:
    """One message, now, outside the outbox (a test, an alert); its outcome."""

    async def once() -> Outcome:
        try:
            return await sender.one(Job(0, 0, channel, target, note))
        finally:
            await sender.close()

    return asyncio.run(once())


def deliver_outbox(
    engine: Engine,
    now_fn: Callable[[], dt.datetime],
    sender: Sender,
    targets: Callable[[Subscription], Target | None],
    calendar: WorkdayCalendar,
    base_url: str,
    rng: random.Random | None = None,
) -> list[Outcome]:
    """One pass: send every due delivery and record each result."""
    rng = rng or random.Random()
    jobs = load_jobs(engine, now_fn(), targets, calendar, base_url)
    if not jobs:
        return []
    return asyncio.run(sender.run(jobs, lambda batch: record(engine, batch, now_fn(), rng)))


def deliveries_in(engine: Engine, state: str) -> list[Delivery]:
    with session(engine) as s:
        return list(s.exec(select(Delivery).where(Delivery.state == state).order_by(col(Delivery.id))).all())


def retry_by_hand(engine: Engine, ids: list[int] | None, now: dt.datetime) -> int:
    """Put dead deliveries (all, or these ids) back in the outbox for a new
    round of tries."""
    with session(engine) as s:
        query = select(Delivery).where(Delivery.state == "dead")
        if ids is not None:
            query = query.where(col(Delivery.id).in_(ids))
        rows = s.exec(query).all()
        for row in rows:
            row.state, row.attempts, row.next_attempt_at = "pending", 0, now
        s.commit()
        return len(rows)


def counts_by_state(engine: Engine) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = defaultdict(dict)
    with session(engine) as s:
        query = sa_select(col(Delivery.channel), col(Delivery.state), func.count()).group_by(
            col(Delivery.channel), col(Delivery.state)
        )
        for channel, state, count in s.execute(query).all():
            out[channel][state] = count
    return dict(out)


@dataclass(frozen=True)
class OutboxState:
    """What the outbox holds at an instant, and what was sent lately (by
    this process or another: a running ``duban serve`` sends as rows fall
    due)."""

    waiting: int  # pending, for a later try
    next_try: dt.datetime | None
    sent_lately: int  # within ``lately`` before the instant
    last_sent: dt.datetime | None
    dead: int


def outbox_state(engine: Engine, now: dt.datetime, lately: dt.timedelta = dt.timedelta(hours=1)) -> OutboxState:
    pending = col(Delivery.state) == "pending"
    due = or_(col(Delivery.next_attempt_at).is_(None), col(Delivery.next_attempt_at) <= now)
    with session(engine) as s:

        def one(query: Any) -> Any:
            return s.execute(query).scalar_one()

        return OutboxState(
            waiting=one(sa_select(func.count()).where(pending, ~due)),
            next_try=one(sa_select(func.min(Delivery.next_attempt_at)).where(pending, ~due)),
            sent_lately=one(
                sa_select(func.count()).where(col(Delivery.state) == "sent", col(Delivery.sent_at) >= now - lately)
            ),
            last_sent=one(sa_select(func.max(Delivery.sent_at)).where(col(Delivery.state) == "sent")),
            dead=one(sa_select(func.count()).where(col(Delivery.state) == "dead")),
        )


@dataclass
class OutboxWorker:
    """Runs for the life of the service: polls the outbox and sends each due
    delivery in its own task, so a new delivery never waits for a slow one."""

    engine: Engine
    sender: Sender
    targets: Callable[[Subscription], Target | None]
    calendar: WorkdayCalendar
    base_url: str
    now_fn: Callable[[], dt.datetime]
    poll: float = 0.5
    rng: random.Random = field(default_factory=random.Random)

    async def serve(self, stop: asyncio.Event) -> None:
        """Until ``stop``: claim what is due, send each in its own task, write
        the results as they come. While the database is away, results wait
        in memory and claiming pauses; nothing is lost (a delivery whose
        result could not be written is claimed again after its lease and
        sent again under the same webhook-id)."""
        results: list[Outcome] = []
        sending: set[int] = set()

        async def send(job: Job) -> None:
            outcome = await self.sender.one(job)
            sending.discard(job.delivery_id)
            results.append(outcome)

        tasks: set[asyncio.Task[None]] = set()
        away = False
        renewed = time.monotonic()
        try:
            while not stop.is_set() or tasks or results:
                try:
                    if results:
                        batch = list(results)
                        await asyncio.to_thread(record, self.engine, batch, self.now_fn(), self.rng)
                        del results[: len(batch)]
                    if not stop.is_set():
                        jobs = await asyncio.to_thread(
                            load_jobs, self.engine, self.now_fn(), self.targets, self.calendar, self.base_url
                        )
                        for job in jobs:
                            sending.add(job.delivery_id)
                            task = asyncio.create_task(send(job))
                            tasks.add(task)
                            task.add_done_callback(tasks.discard)
                    if sending and time.monotonic() - renewed > RENEW:
                        await asyncio.to_thread(renew, self.engine, set(sending), self.now_fn())
                        renewed = time.monotonic()
                    if away:
                        log.info("database back: the outbox goes on")
                        away = False
                except DBAPIError as exc:
                    if not away:
                        log.warning("database unavailable, the outbox waits: %s", type(exc).__name__)
                        away = True
                    if stop.is_set() and not tasks:
                        break  # stopping with results unwritten: their claims run out and they go again
                with contextlib.suppress(TimeoutError):
                    wait = self.poll if not tasks else 0.05
                    await asyncio.wait_for(stop.wait(), timeout=wait * (10 if away else 1))
                if stop.is_set() and tasks:
                    await asyncio.wait(tasks, timeout=self.poll)
        finally:
            await self.sender.close()


def send_email_digests(
    engine: Engine,
    now: dt.datetime,
    day: dt.date,
    email: EmailNotifier,
    targets: Callable[[Subscription], Target | None],
    calendar: WorkdayCalendar,
    base_url: str,
) -> int:
    """One mail per email digest subscriber: its pending reminders grouped
    by owner, then the ongoing and unresolved work it follows."""
    jobs = load_jobs(engine, now, targets, calendar, base_url, mode="digest")
    by_target: dict[str, list[Job]] = defaultdict(list)
    for job in jobs:
        if job.channel == "email":
            by_target[job.target.address].append(job)
    with session(engine) as s:
        undated = s.exec(
            select(Milestone).where(Milestone.active == True, col(Milestone.kind).in_(["ongoing", "unresolved"]))  # noqa: E712
        ).all()
    sent = 0
    rng = random.Random()
    for address, group in by_target.items():
        items = [f"{m.kind}: {m.quote}（{m.plan_id} 第{m.line}行）" for m in undated]
        try:
            asyncio.run(email.send_digest(group[0].target, day, [j.note for j in group], items))
        except DeliveryError as exc:
            record(engine, [Outcome(j.delivery_id, j.attempts, exc) for j in group], now, rng)
            log.warning("digest to %s not sent: %s", address, exc)
            continue
        record(engine, [Outcome(j.delivery_id, j.attempts, None) for j in group], now, rng)
        sent += 1
    return sent
