"""Reminder rows: derive them from milestones, fire them into the outbox,
and deliver the outbox.

Every step is a transaction whose effect is idempotent, so a process killed
at any point and started again sends each reminder exactly once:

- ``sync_reminders`` upserts rows keyed by (milestone, occurrence, label);
  an instant already past when first planned gets no row at all.
- ``fire_due`` turns due ``pending`` reminders into ``delivery`` rows, one
  per matching subscription; after downtime only the latest missed
  reminder of each occurrence fires, marked late, the others are skipped.
- ``deliver_pending`` sends the outbox; the log channel writes its entry and
  marks the delivery sent in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from sqlalchemy import insert, update
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from notifiers.base import CHANGED_EVENT
from notifiers.text import TITLES
from parsers.calendars import WorkdayCalendar
from scheduler.db import session
from scheduler.keys import unit_key
from scheduler.models import (
    Completion,
    Delivery,
    LogEntry,
    Milestone,
    Notice,
    Override,
    Plan,
    PlanRevision,
    Reminder,
    Subscription,
    Task,
    table,
)
from scheduler.overrides import dates_problem, usable
from scheduler.policy import DUE_TODAY, Dates, Planned, ReminderPolicy, plan_reminders

LATE_AFTER = dt.timedelta(minutes=5)


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def effective_dates(m: Milestone | Dates, override: Override | None, until: dt.date | None = None) -> Dates:
    """A milestone's dates after an admin's override; a recurrence with no
    end of its own ends with its plan's period (``until``)."""
    d = Dates(m.kind, m.start, m.due, m.rrule)
    if override is not None:
        laid = Dates(
            override.kind or m.kind,
            override.start if override.start is not None else m.start,
            override.due if override.due is not None else m.due,
            override.rrule if override.rrule is not None else m.rrule,
        )
        # A bad row stored before overrides were checked is skipped, not read.
        if usable(override.milestone_key, dates_problem(laid.kind, laid.start, laid.due, laid.rrule)):
            d = laid
    if until is not None and d.kind == "recurring" and d.due is None:
        return replace(d, due=until)
    return d


@dataclass
class SyncReport:
    added: int = 0
    moved: int = 0
    cancelled: int = 0


def sync_reminders(
    engine: Engine,
    policy_of: Callable[[str], ReminderPolicy],
    calendar: WorkdayCalendar,
    now: dt.datetime,
    plan_ids: Iterable[str] | None = None,
) -> SyncReport:
    """Make the reminder rows match the milestones, overrides and
    completions; ``policy_of`` gives each plan's policy. Plans are taken in
    chunks, each read with one query per table."""
    report = SyncReport()
    today = now.astimezone(dt.UTC).date()
    with session(engine) as s:
        query = select(Plan)
        if plan_ids is not None:
            query = query.where(col(Plan.id).in_(list(plan_ids)))
        plans = list(s.exec(query).all())
        overrides = {o.milestone_key: o for o in s.exec(select(Override))}
        completions = s.exec(select(Completion)).all()
        done_tasks = {c.task_key for c in completions if c.task_key}
        done = {(c.milestone_key, c.occurrence) for c in completions if c.milestone_key}
        for k in range(0, len(plans), SYNC_CHUNK):
            chunk = plans[k : k + SYNC_CHUNK]
            _sync_chunk(s, chunk, policy_of, calendar, now, today, overrides, done_tasks, done, report)
            s.commit()
    return report


SYNC_CHUNK = 500
_Existing = tuple[int, str, str, dt.datetime]  # id, state, event, fire_at


def _sync_chunk(
    s: Session,
    plans: list[Plan],
    policy_of: Callable[[str], ReminderPolicy],
    calendar: WorkdayCalendar,
    now: dt.datetime,
    today: dt.date,
    overrides: dict[str, Override],
    done_tasks: set[str],
    done: set[tuple[str, dt.date | None]],
    report: SyncReport,
) -> None:
    by_id = {p.id: p for p in plans}
    milestones = s.exec(select(Milestone).where(col(Milestone.plan_id).in_(list(by_id)))).all()
    existing: dict[tuple[str, dt.date, str], _Existing] = {
        (mkey, occ, label): (rid, state, event, fire_at)
        for rid, mkey, occ, label, state, event, fire_at in s.execute(
            sa_select(
                col(Reminder.id),
                col(Reminder.milestone_key),
                col(Reminder.occurrence),
                col(Reminder.label),
                col(Reminder.state),
                col(Reminder.event),
                col(Reminder.fire_at),
            )
            .join(Milestone, col(Milestone.key) == col(Reminder.milestone_key))
            .where(col(Milestone.plan_id).in_(list(by_id)))
        )
        if rid is not None
    }
    wanted: set[tuple[str, dt.date, str]] = set()
    new_rows: list[dict[str, object]] = []
    changes: list[dict[str, object]] = []
    policies = {pid: policy_of(pid) for pid in by_id}
    for m in milestones:
        if not m.active or m.task_key in done_tasks:
            continue
        plan = by_id[m.plan_id]
        for p in plan_reminders(
            effective_dates(m, overrides.get(m.key), plan.until), policies[m.plan_id], calendar, today, plan.ref
        ):
            if (m.key, p.occurrence) in done or (m.key, None) in done:
                continue
            key = (m.key, p.occurrence, p.label)
            wanted.add(key)
            row = existing.get(key)
            if row is None:
                fire_at = p.fire_at
                if fire_at <= now - LATE_AFTER:
                    if not _due_today(p, now, policies[m.plan_id]):
                        continue  # already past when first planned: nothing to send
                    fire_at = now  # due today, planned after its hour (imported at noon): sent now, once
                new_rows.append(
                    {
                        "milestone_key": m.key,
                        "occurrence": p.occurrence,
                        "label": p.label,
                        "event": p.event,
                        "fire_at": fire_at,
                        "state": "pending",
                    }
                )
                continue
            rid, state, _, fire_at = row
            if state == "pending" and _utc(fire_at) != p.fire_at:
                changes.append({"id": rid, "fire_at": p.fire_at})
                report.moved += 1
            elif state == "cancelled" and p.fire_at > now:
                changes.append({"id": rid, "fire_at": p.fire_at, "state": "pending"})
                report.moved += 1
    cancelled = [row[0] for key, row in existing.items() if key not in wanted and row[1] == "pending"]
    report.cancelled += len(cancelled)
    changes += [{"id": rid, "state": "cancelled"} for rid in cancelled]
    if changes:
        s.execute(update(Reminder), changes)
    if new_rows:
        s.execute(insert(table(Reminder)), new_rows)
        report.added += len(new_rows)


def _due_today(p: Planned, now: dt.datetime, policy: ReminderPolicy) -> bool:
    """A due-today reminder whose hour has passed on its own day."""
    zone = ZoneInfo(policy.timezone)
    return p.event == DUE_TODAY and p.fire_at.astimezone(zone).date() == now.astimezone(zone).date()


def follows_plan(sub: Subscription, plan_id: str) -> bool:
    """Whether a subscription takes a plan's reminders (a compendium's plans
    are ``file/n`` under the file's id)."""
    return not sub.plans or any(plan_id == p or plan_id.startswith(p + "/") for p in sub.plans)


def follows_milestone(sub: Subscription, m: Milestone) -> bool:
    if not follows_plan(sub, m.plan_id):
        return False
    return not sub.owners or bool({unit_key(o) for o in sub.owners} & {unit_key(o) for o in m.lead + m.support})


def fire_due(engine: Engine, now: dt.datetime) -> list[int]:
    """Turn every due pending reminder into deliveries; returns the ids of
    the reminders fired."""
    fired: list[int] = []
    with session(engine) as s:
        due = s.exec(
            select(Reminder).where(Reminder.state == "pending", Reminder.fire_at <= now).order_by(col(Reminder.fire_at))
        ).all()
        if not due:
            return fired
        groups: dict[tuple[str, dt.date], list[Reminder]] = defaultdict(list)
        for r in due:
            groups[(r.milestone_key, r.occurrence)].append(r)
        subscriptions = s.exec(select(Subscription).where(Subscription.active == True)).all()  # noqa: E712
        keys = list({k for k, _ in groups})
        milestones = {m.key: m for m in s.exec(select(Milestone).where(col(Milestone.key).in_(keys)))}
        completions = s.exec(select(Completion)).all()
        done_tasks = {c.task_key for c in completions if c.task_key}
        done = {(c.milestone_key, c.occurrence) for c in completions if c.milestone_key}
        deliveries: list[dict[str, object]] = []
        for (mkey, occurrence), rows in groups.items():
            *missed, latest = rows
            for r in missed:
                r.state, r.fired_at = "skipped", now
            milestone = milestones.get(mkey)
            if (
                milestone is None
                or not milestone.active
                or milestone.task_key in done_tasks
                or (mkey, occurrence) in done
                or (mkey, None) in done
            ):
                latest.state, latest.fired_at = "skipped", now
                continue
            late = now - _utc(latest.fire_at) > LATE_AFTER
            latest.state, latest.fired_at = ("late" if late else "fired"), now
            deliveries += [
                {
                    "reminder_id": latest.id,
                    "subscription_id": sub.id,
                    "channel": sub.channel,
                    "state": "pending",
                    "late": late,
                    "attempts": 0,
                    "created_at": now,
                }
                for sub in subscriptions
                if follows_milestone(sub, milestone)
            ]
            fired.append(latest.id or 0)
        s.flush()
        if deliveries:
            s.execute(insert(table(Delivery)), deliveries)
        s.commit()
    return fired


def render_message(s: Session, delivery: Delivery) -> str:
    """The log channel's line for a delivery, in the words of the other
    channels: what is due, the task, when, the plan, the words of the plan
    and who leads it; the reminder's label last, for tracing. A revision's
    notice: the plan, then each change the subscriber follows."""
    if delivery.notice_id is not None:
        notice = s.get(Notice, delivery.notice_id)
        assert notice is not None
        return f"【{TITLES.get(notice.event, '通知')}】{notice.plan}｜{notice.task}：{notice.detail}"
    if delivery.revision_id is not None:
        from scheduler.changes import followed
        from scheduler.outbox import revision_changes

        revision = s.get(PlanRevision, delivery.revision_id)
        sub = s.get(Subscription, delivery.subscription_id)
        assert revision is not None and sub is not None
        plan = s.get(Plan, revision.plan_id)
        changes = followed(revision_changes(s, [delivery.revision_id])[delivery.revision_id], sub.owners)
        head = f"【{TITLES[CHANGED_EVENT]}】{plan.title if plan else revision.plan_id}"
        return "\n".join([head, *(c.words for c in changes)])
    reminder = s.get(Reminder, delivery.reminder_id)
    assert reminder is not None
    m = s.get(Milestone, reminder.milestone_key)
    assert m is not None
    plan, task = s.get(Plan, m.plan_id), s.get(Task, m.task_key)
    when = f"{m.start}至{m.due}" if m.kind == "range" and m.start else str(m.due or reminder.occurrence)
    late = "（补发）" if delivery.late else ""
    return (
        f"【{TITLES.get(reminder.event, '提醒')}】{task.title if task else m.quote}{late}｜时限 {when}"
        f"｜{plan.title if plan else m.plan_id}｜原文第{m.line}行：{m.quote}"
        f"｜责任单位：{'、'.join(m.lead) or '未注明'}｜{reminder.label}"
    )


_UNDATED = {"ongoing": "长期", "unresolved": "时限待定"}


def deliver_pending(engine: Engine, now: dt.datetime) -> int:
    """Deliver the log channel's outbox (immediate subscribers); returns
    deliveries written. The other channels go through ``scheduler.outbox``."""
    sent = 0
    with session(engine) as s:
        query = select(Delivery, Subscription).where(
            Delivery.state == "pending",
            Delivery.channel == "log",
            Delivery.subscription_id == Subscription.id,
            Subscription.mode == "immediate",
        )
        for delivery, sub in s.exec(query).all():
            s.add(
                LogEntry(
                    delivery_id=delivery.id or 0, target=sub.target, message=render_message(s, delivery), written_at=now
                )
            )
            delivery.state, delivery.sent_at, delivery.attempts = "sent", now, delivery.attempts + 1
            sent += 1
        s.commit()
    return sent


def send_digests(engine: Engine, now: dt.datetime, day: dt.date) -> int:
    """One message per digest subscriber and day: its pending reminders,
    then the ongoing and unresolved milestones of the plans it follows
    (those get no reminders of their own). Returns digests written; a
    subscriber's digest for ``day`` is written at most once."""
    written = 0
    with session(engine) as s:
        subs = s.exec(
            select(Subscription).where(
                Subscription.active == True,  # noqa: E712
                Subscription.mode == "digest",
                Subscription.channel == "log",
            )
        ).all()
        undated = s.exec(
            select(Milestone).where(Milestone.active == True, col(Milestone.kind).in_(["ongoing", "unresolved"]))  # noqa: E712
        ).all()
        for sub in subs:
            done = s.exec(
                select(LogEntry).where(LogEntry.subscription_id == sub.id, LogEntry.digest_day == day)
            ).first()
            if done is not None:
                continue
            pending = s.exec(
                select(Delivery).where(Delivery.subscription_id == sub.id, Delivery.state == "pending")
            ).all()
            lines = [render_message(s, d) for d in pending]
            lines += [
                f"【{_UNDATED[m.kind]}】{m.quote}｜{m.plan_id} 原文第{m.line}行"
                for m in undated
                if follows_milestone(sub, m)
            ]
            if not lines:
                continue
            message = f"督办日报 {day}（{sub.target}）\n" + "\n".join(lines)
            s.add(LogEntry(subscription_id=sub.id, digest_day=day, target=sub.target, message=message, written_at=now))
            for d in pending:
                d.state, d.sent_at, d.attempts = "sent", now, d.attempts + 1
            written += 1
        s.commit()
    return written
