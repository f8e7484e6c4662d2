"""Reminder rows: derive them from milestones, fire them into the outbox,
and deliver the outbox.

Every step is a transaction whose effect is idempotent, so a process killed
at any point and started again sends each reminder exactly once:

- ``sync_reminders`` upserts rows keyed by (milestone, occurrence, label);
  a row whose instant passed before it was first planned is ``skipped``.
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
from dataclasses import dataclass

from sqlalchemy import and_, or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from parsers.calendars import WorkdayCalendar
from scheduler.db import session
from scheduler.models import Completion, Delivery, LogEntry, Milestone, Override, Plan, Reminder, Subscription
from scheduler.policy import Dates, ReminderPolicy, plan_reminders

LATE_AFTER = dt.timedelta(minutes=5)


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def effective_dates(m: Milestone, override: Override | None) -> Dates:
    if override is None:
        return Dates(m.kind, m.start, m.due, m.rrule)
    return Dates(
        override.kind or m.kind,
        override.start if override.start is not None else m.start,
        override.due if override.due is not None else m.due,
        override.rrule if override.rrule is not None else m.rrule,
    )


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
    completions; ``policy_of`` gives each plan's policy."""
    report = SyncReport()
    today = now.astimezone(dt.UTC).date()
    with session(engine) as s:
        query = select(Plan)
        if plan_ids is not None:
            query = query.where(col(Plan.id).in_(list(plan_ids)))
        for plan in s.exec(query).all():
            _sync_plan(s, plan, policy_of(plan.id), calendar, now, today, report)
        s.commit()
    return report


def _sync_plan(
    s: Session,
    plan: Plan,
    policy: ReminderPolicy,
    calendar: WorkdayCalendar,
    now: dt.datetime,
    today: dt.date,
    report: SyncReport,
) -> None:
    milestones = s.exec(select(Milestone).where(Milestone.plan_id == plan.id)).all()
    keys = [m.key for m in milestones]
    overrides = {o.milestone_key: o for o in s.exec(select(Override).where(col(Override.milestone_key).in_(keys)))}
    done_tasks = {
        c.task_key for c in s.exec(select(Completion).where(col(Completion.task_key).is_not(None))) if c.task_key
    }
    done_occurrences = {
        (c.milestone_key, c.occurrence)
        for c in s.exec(select(Completion).where(col(Completion.milestone_key).in_(keys)))
    }
    existing: dict[tuple[str, dt.date, str], Reminder] = {
        (r.milestone_key, r.occurrence, r.label): r
        for r in s.exec(select(Reminder).where(col(Reminder.milestone_key).in_(keys)))
    }
    wanted: set[tuple[str, dt.date, str]] = set()
    for m in milestones:
        if not m.active or m.task_key in done_tasks:
            continue
        for p in plan_reminders(effective_dates(m, overrides.get(m.key)), policy, calendar, today, plan.ref):
            if (m.key, p.occurrence) in done_occurrences or (m.key, None) in done_occurrences:
                continue
            key = (m.key, p.occurrence, p.label)
            wanted.add(key)
            row = existing.get(key)
            if row is None:
                state = "pending" if p.fire_at > now - LATE_AFTER else "skipped"
                s.add(
                    Reminder(
                        milestone_key=m.key,
                        occurrence=p.occurrence,
                        label=p.label,
                        event=p.event,
                        fire_at=p.fire_at,
                        state=state,
                    )
                )
                report.added += 1
            elif row.state == "pending" and _utc(row.fire_at) != p.fire_at:
                row.fire_at = p.fire_at
                report.moved += 1
            elif row.state == "cancelled" and p.fire_at > now:
                row.state, row.fire_at = "pending", p.fire_at
                report.moved += 1
    for key, row in existing.items():
        if key not in wanted and row.state == "pending":
            row.state = "cancelled"
            report.cancelled += 1


def _matches(sub: Subscription, m: Milestone) -> bool:
    if sub.plans and m.plan_id not in sub.plans and not any(m.plan_id.startswith(p + "/") for p in sub.plans):
        return False
    return not sub.owners or bool(set(sub.owners) & set(m.lead + m.support))


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
        for (mkey, occurrence), rows in groups.items():
            *missed, latest = rows
            for r in missed:
                r.state, r.fired_at = "skipped", now
            milestone = s.get(Milestone, mkey)
            done = milestone is None or _is_done(s, milestone, occurrence)
            if done or milestone is None or not milestone.active:
                latest.state, latest.fired_at = "skipped", now
                continue
            late = now - _utc(latest.fire_at) > LATE_AFTER
            latest.state, latest.fired_at = ("late" if late else "fired"), now
            for sub in subscriptions:
                if _matches(sub, milestone):
                    s.add(
                        Delivery(
                            reminder_id=latest.id or 0,
                            subscription_id=sub.id,
                            channel=sub.channel,
                            late=late,
                            created_at=now,
                        )
                    )
            fired.append(latest.id or 0)
        s.commit()
    return fired


def _is_done(s: Session, m: Milestone, occurrence: dt.date) -> bool:
    this_milestone = and_(
        col(Completion.milestone_key) == m.key,
        or_(col(Completion.occurrence) == occurrence, col(Completion.occurrence).is_(None)),
    )
    query = select(Completion).where(or_(col(Completion.task_key) == m.task_key, this_milestone))
    return s.exec(query).first() is not None


def render_message(s: Session, delivery: Delivery) -> str:
    reminder = s.get(Reminder, delivery.reminder_id)
    assert reminder is not None
    m = s.get(Milestone, reminder.milestone_key)
    plan = s.get(Plan, m.plan_id) if m else None
    when = m.due or m.start if m else None
    late = " (late)" if delivery.late else ""
    owners = "、".join(m.lead) if m else ""
    return (
        f"{reminder.event}{late}: {plan.title if plan else ''} / {m.quote if m else ''} "
        f"due {when or reminder.occurrence} [{reminder.label}] owners {owners}"
    )


def deliver_pending(engine: Engine, now: dt.datetime, *, digest: bool = False) -> int:
    """Send the outbox through the log channel; returns deliveries sent.
    Digest subscriptions are held until the daily digest run."""
    sent = 0
    with session(engine) as s:
        query = select(Delivery, Subscription).where(
            Delivery.state == "pending", Delivery.subscription_id == Subscription.id
        )
        for delivery, sub in s.exec(query).all():
            if (sub.mode == "digest") != digest:
                continue
            s.add(
                LogEntry(
                    delivery_id=delivery.id or 0, target=sub.target, message=render_message(s, delivery), written_at=now
                )
            )
            delivery.state, delivery.sent_at, delivery.attempts = "sent", now, delivery.attempts + 1
            sent += 1
        s.commit()
    return sent
