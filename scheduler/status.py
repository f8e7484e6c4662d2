"""Task status: done, on track, due soon (yellow), overdue (red), and
ended (its plan's period is over and nothing of it is due any more)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from parsers.recurrence import recurrence
from scheduler.db import session
from scheduler.escalation import escalations
from scheduler.keys import unit_key
from scheduler.models import Completion, Milestone, Override, Plan, Reminder, Task
from scheduler.policy import Dates, occurrence_of
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
    support: list[str] = field(default_factory=list)  # the units that work with the lead
    plan_id: str = ""
    escalated: dt.datetime | None = None  # when it was last escalated (督办升级)


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
    escalated = escalations(engine)
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
            everyone = {unit_key(o) for o in [*owners, *(o for m in milestones for o in m.lead + m.support)]}
            if owner and unit_key(owner) not in everyone:
                continue
            plan = plans[task.plan_id]
            dues = []
            overdue_since = None
            undated = []
            ended = closed = 0
            for m in milestones:
                dates = effective_dates(m, overrides.get(m.key), plan.until)
                if _ended(dates, today):
                    ended += 1
                    continue
                due = _next_due(dates, today, plan.ref)
                if due is None:
                    undated.append(m.kind)
                    continue
                filed = {(m.key, due), (m.key, None), (m.key, occurrence_of(dates))}
                if filed & done_milestones:
                    closed += 1
                    continue
                dues.append(due)
                if due < today and m.kind in ("deadline", "range"):
                    overdue_since = min(due, overdue_since or due)
            next_due = min((d for d in dues if d >= today), default=None)
            if task.key in done_tasks or (closed and not dues and not undated):
                status = DONE  # the task, or every occurrence it still has
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
            support = sorted({o for m in milestones for o in m.support} - set(owners))
            out.append(
                TaskStatus(
                    plan.title,
                    task.key,
                    task.title,
                    owners,
                    status,
                    next_due,
                    overdue_since,
                    undated,
                    support,
                    plan.id,
                    escalated.get(task.key),
                )
            )
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


def _key(s: Session, key: str) -> str:
    """The one task (``t-…``) or milestone (``m-…``) a key or a unique
    prefix of it names ("t-%" is a prefix, not a pattern)."""
    found: list[str] = []
    if key.startswith("t-"):
        found = [t.key for t in s.exec(select(Task).where(col(Task.key).startswith(key, autoescape=True)))]
    elif key.startswith("m-"):
        found = [m.key for m in s.exec(select(Milestone).where(col(Milestone.key).startswith(key, autoescape=True)))]
    if len(found) != 1:
        raise KeyError(f"{key!r} matches {len(found)} tasks or milestones; give a longer key")
    return found[0]


def _occurring(s: Session, full: str, day: dt.date) -> list[str]:
    """The recurring milestones of a task or milestone key that fall on
    ``day``; KeyError naming the next occurrences when none does."""
    where = Milestone.task_key == full if full.startswith("t-") else Milestone.key == full
    milestones = [m for m in s.exec(select(Milestone).where(where, Milestone.active == True)) if m.kind == "recurring"]  # noqa: E712
    if not milestones:
        raise KeyError(f"{full} has no recurring milestone: --occurrence is for one day of a cadence")
    overrides = {o.milestone_key: o for o in s.exec(select(Override))}
    plans = {p.id: p for p in s.exec(select(Plan))}
    hits, near = [], []
    moment = dt.datetime.combine(day, dt.time())
    for m in milestones:
        plan = plans[m.plan_id]
        d = effective_dates(m, overrides.get(m.key), plan.until)
        if not d.rrule:
            continue
        rule = recurrence(d.rrule, dt.datetime.combine(d.start or plan.ref, dt.time()))
        if rule.after(moment, inc=True) == moment and (d.due is None or day <= d.due):
            hits.append(m.key)
        else:
            year_before = moment - dt.timedelta(days=366)
            earlier = rule.between(year_before, moment)
            later = rule.after(moment)
            near += [x.date().isoformat() for x in (earlier[-1:] + ([later] if later else []))]
    if not hits:
        raise KeyError(f"{day} is not an occurrence of {full}; the nearest: {', '.join(sorted(set(near))) or 'none'}")
    return hits


def mark_done(
    engine: Engine, key: str, now: dt.datetime, occurrence: dt.date | None = None, by: str | None = None
) -> str:
    """Mark a task (``t-…``) or a milestone (``m-…``) done, or with
    ``occurrence`` one day of its cadences (the task's key is enough); a
    unique key prefix will do. Returns the full key. KeyError: no such key,
    or a day that is not an occurrence."""
    with session(engine) as s:
        full = _key(s, key)
        rows: list[tuple[str | None, str | None, dt.date | None]]
        if occurrence is None:
            rows = [(full if full.startswith("t-") else None, None if full.startswith("t-") else full, None)]
        else:
            rows = [(None, mkey, occurrence) for mkey in _occurring(s, full, occurrence)]
        for task_key, milestone_key, day in rows:
            record_completion(s, task_key, milestone_key, day, now, by)
        s.commit()
        return full


def record_completion(
    s: Session,
    task_key: str | None,
    milestone_key: str | None,
    day: dt.date | None,
    now: dt.datetime,
    by: str | None,
    note: str | None = None,
) -> None:
    """A task, a milestone or one day of it done, once (a second report of
    the same is a no-op)."""
    exists = select(Completion).where(
        Completion.task_key == task_key, Completion.milestone_key == milestone_key, Completion.occurrence == day
    )
    if s.exec(exists).first() is None:
        s.add(Completion(task_key=task_key, milestone_key=milestone_key, occurrence=day, done_at=now, by=by, note=note))


def mark_undone(engine: Engine, key: str, occurrence: dt.date | None = None) -> int:
    """Take back what ``mark_done`` recorded for the same key (and day);
    returns how many completions were removed."""
    with session(engine) as s:
        full = _key(s, key)
        if occurrence is None:
            where = Completion.task_key == full if full.startswith("t-") else Completion.milestone_key == full
            rows = list(s.exec(select(Completion).where(where, Completion.occurrence == None)))  # noqa: E711
        else:
            keys = _occurring(s, full, occurrence)
            rows = list(
                s.exec(
                    select(Completion).where(
                        col(Completion.milestone_key).in_(keys), Completion.occurrence == occurrence
                    )
                )
            )
        for row in rows:
            s.delete(row)
        s.commit()
        return len(rows)
