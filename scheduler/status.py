"""Task status: done, on track, due soon (yellow), overdue (red), and
ended (its plan's period is over and nothing of it is due any more)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from parsers.recurrence import recurrence
from scheduler.db import session
from scheduler.models import Completion, Milestone, Override, Plan, Reminder, Task
from scheduler.policy import Dates
from scheduler.reminders import effective_dates

DONE, ON_TRACK, DUE_SOON, DUE_TODAY, OVERDUE, ENDED = "done", "on track", "due soon", "due today", "overdue", "ended"
SOON = dt.timedelta(days=7)


@dataclass
class TaskStatus:
    plan: str
    task_key: str
    task: str
    owners: list[str]
    status: str
    next_due: dt.date | None
    overdue_since: dt.date | None = None
    undated: list[str] = field(default_factory=list)


def _next_due(d: Dates, today: dt.date, anchor: dt.date) -> dt.date | None:
    if d.kind in ("deadline", "range"):
        return d.due
    if d.kind == "start":
        return d.start
    if d.kind == "recurring" and d.rrule:
        start = dt.datetime.combine(d.start or anchor, dt.time())
        after = recurrence(d.rrule, start).after(dt.datetime.combine(today, dt.time()), inc=True)
        return after.date() if after and (d.due is None or after.date() <= d.due) else None
    return None


def _ended(d: Dates, today: dt.date) -> bool:
    """A recurrence past the end of its period: nothing is due any more."""
    return d.kind == "recurring" and d.due is not None and d.due < today


def task_statuses(engine: Engine, today: dt.date, owner: str | None = None) -> list[TaskStatus]:
    out: list[TaskStatus] = []
    with session(engine) as s:
        plans = {p.id: p for p in s.exec(select(Plan))}
        done_tasks = {c.task_key for c in s.exec(select(Completion)) if c.task_key}
        done_milestones = {(c.milestone_key, c.occurrence) for c in s.exec(select(Completion)) if c.milestone_key}
        overrides = {o.milestone_key: o for o in s.exec(select(Override))}
        by_task: dict[str, list[Milestone]] = {}
        for m in s.exec(select(Milestone).where(Milestone.active == True)):  # noqa: E712
            by_task.setdefault(m.task_key, []).append(m)
        for task in s.exec(select(Task).where(col(Task.key).in_(list(by_task)))):
            owners = list((task.owners or {}).get("lead", []))
            milestones = by_task[task.key]
            everyone = set(owners) | {o for m in milestones for o in m.lead + m.support}
            if owner and owner not in everyone:
                continue
            plan = plans[task.plan_id]
            dues = []
            overdue_since = None
            undated = []
            ended = 0
            for m in milestones:
                dates = effective_dates(m, overrides.get(m.key), plan.until)
                if _ended(dates, today):
                    ended += 1
                    continue
                due = _next_due(dates, today, plan.ref)
                if due is None:
                    undated.append(m.kind)
                    continue
                if (m.key, due) in done_milestones or (m.key, None) in done_milestones:
                    continue
                dues.append(due)
                if due < today and m.kind in ("deadline", "range"):
                    overdue_since = min(due, overdue_since or due)
            next_due = min((d for d in dues if d >= today), default=None)
            if task.key in done_tasks:
                status = DONE
            elif overdue_since is not None:
                status = OVERDUE
            elif next_due == today:
                status = DUE_TODAY
            elif next_due is not None and next_due - today <= SOON:
                status = DUE_SOON
            elif ended and not dues and not undated:
                status = ENDED  # only cadences whose plan period is over
            else:
                status = ON_TRACK
            out.append(TaskStatus(plan.title, task.key, task.title, owners, status, next_due, overdue_since, undated))
    order = {OVERDUE: 0, DUE_TODAY: 1, DUE_SOON: 2, ON_TRACK: 3, DONE: 4, ENDED: 5}
    return sorted(out, key=lambda t: (order[t.status], t.next_due or t.overdue_since or dt.date.max, t.plan))


def upcoming_reminders(engine: Engine, now: dt.datetime, limit: int) -> list[tuple[dt.datetime, str, str, str]]:
    """The next pending reminders: (instant, event, quote, plan title)."""
    with session(engine) as s:
        rows = s.exec(
            select(Reminder, Milestone, Plan)
            .where(Reminder.state == "pending", col(Reminder.fire_at) >= now)
            .where(Reminder.milestone_key == Milestone.key, Milestone.plan_id == Plan.id)
            .order_by(col(Reminder.fire_at))
            .limit(limit)
        ).all()
    return [(r.fire_at, r.event, m.quote, p.title) for r, m, p in rows]


def mark_done(
    engine: Engine, key: str, now: dt.datetime, occurrence: dt.date | None = None, by: str | None = None
) -> str:
    """Mark a task (``t-…``) or a milestone (``m-…``, optionally one
    occurrence) done; a unique key prefix is enough. Returns the full key."""
    with session(engine) as s:
        found: list[str] = []
        if key.startswith("t-"):
            found = [t.key for t in s.exec(select(Task).where(col(Task.key).startswith(key)))]
        elif key.startswith("m-"):
            found = [m.key for m in s.exec(select(Milestone).where(col(Milestone.key).startswith(key)))]
        if len(found) != 1:
            raise KeyError(f"{key!r} matches {len(found)} tasks or milestones; give a longer key")
        full = found[0]
        if full.startswith("t-"):
            exists = select(Completion).where(col(Completion.task_key) == full)
        else:
            exists = select(Completion).where(
                col(Completion.milestone_key) == full, col(Completion.occurrence) == occurrence
            )
        if s.exec(exists).first() is None:
            s.add(
                Completion(
                    task_key=full if full.startswith("t-") else None,
                    milestone_key=full if full.startswith("m-") else None,
                    occurrence=occurrence,
                    done_at=now,
                    by=by,
                )
            )
            s.commit()
        return full
