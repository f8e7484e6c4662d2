"""督办升级: overdue work climbs to someone who can act on it.

A plan's reminder policy names ``escalate_to`` (subscriber ids: the 督查室,
a leader's robot) and ``escalate_after`` (working days overdue, 3 by
default). On the ``escalate_after``-th working day after a missed deadline
(or a missed occurrence of a cadence) that is not done, one
``task.escalated`` notice goes to each of them, once: the notice's key is
the occurrence's. An occurrence whose day to escalate is more than
``CATCH_UP`` behind (a plan imported long after its deadlines) is not
escalated by message; it is in the daily overdue digest, which lists every
overdue occurrence of the plans a subscriber is named for, by owner unit.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from notifiers.base import ESCALATED_EVENT, OVERDUE_DIGEST_EVENT
from parsers.calendars import WorkdayCalendar
from parsers.recurrence import recurrence
from scheduler.db import session
from scheduler.models import Completion, Milestone, Notice, Override, Plan, Subscription, Task
from scheduler.outbox import queue_worded
from scheduler.policy import Dates, ReminderPolicy, occurrence_of
from scheduler.reminders import effective_dates

CATCH_UP = dt.timedelta(days=7)  # escalations missed while the service was down still go out
LOOK_BACK = dt.timedelta(days=400)  # how far back a cadence's missed occurrences are looked for


@dataclass(frozen=True)
class Overdue:
    milestone: Milestone
    plan: Plan
    task: str
    occurrence: dt.date
    escalate_on: dt.date  # the working day it is escalated


def overdue(
    engine: Engine,
    policy_of: Callable[[str], ReminderPolicy],
    calendar: WorkdayCalendar,
    today: dt.date,
) -> Iterator[Overdue]:
    """Every occurrence not done whose deadline has passed, in plans whose
    policy escalates to someone."""
    with session(engine) as s:
        plans = {p.id: p for p in s.exec(select(Plan))}
        wanted = {pid for pid in plans if policy_of(pid).escalate_to}
        if not wanted:
            return
        overrides = {o.milestone_key: o for o in s.exec(select(Override))}
        completions = s.exec(select(Completion)).all()
        done_tasks = {c.task_key for c in completions if c.task_key}
        done = {(c.milestone_key, c.occurrence) for c in completions if c.milestone_key}
        tasks = {t.key: t.title for t in s.exec(select(Task).where(col(Task.plan_id).in_(wanted)))}
        query = select(Milestone).where(Milestone.active == True, col(Milestone.plan_id).in_(wanted))  # noqa: E712
        milestones = s.exec(query.order_by(col(Milestone.plan_id), col(Milestone.line))).all()
    for m in milestones:
        if m.task_key in done_tasks or (m.key, None) in done:
            continue
        plan = plans[m.plan_id]
        after = policy_of(m.plan_id).escalate_after
        dates = effective_dates(m, overrides.get(m.key), plan.until)
        if (m.key, occurrence_of(dates)) in done:
            continue
        for day in _missed(dates, today, plan.ref):
            if (m.key, day) not in done:
                yield Overdue(m, plan, tasks.get(m.task_key, m.quote), day, calendar.add_workdays(day, after))


def _missed(d: Dates, today: dt.date, anchor: dt.date) -> list[dt.date]:
    """The days a milestone was due before ``today``."""
    if d.kind in ("deadline", "range") and d.due is not None and d.due < today:
        return [d.due]
    if d.kind == "recurring" and d.rrule:
        rule = recurrence(d.rrule, dt.datetime.combine(d.start or anchor, dt.time()))
        since = dt.datetime.combine(max(anchor, today - LOOK_BACK), dt.time())
        end = min(today - dt.timedelta(days=1), d.due or today)
        return [x.date() for x in rule.between(since, dt.datetime.combine(end, dt.time()), inc=True)]
    return []


def escalate(
    engine: Engine,
    policy_of: Callable[[str], ReminderPolicy],
    calendar: WorkdayCalendar,
    now: dt.datetime,
    timezone: str,
) -> int:
    """Write the escalations that fall due by ``now`` (each occurrence once)
    with one delivery per subscriber named; returns how many were new."""
    local = now.astimezone(ZoneInfo(timezone))
    today = local.date()
    new = 0
    with session(engine) as s:
        subs = {sub.id: sub for sub in s.exec(select(Subscription).where(Subscription.active == True))}  # noqa: E712
        for o in overdue(engine, policy_of, calendar, today):
            policy = policy_of(o.plan.id)
            if o.escalate_on > today or o.escalate_on < today - CATCH_UP:
                continue
            if o.escalate_on == today and local.time() < policy.at:
                continue
            key = f"escalate:{o.milestone.key}:{o.occurrence.isoformat()}"
            if s.exec(select(Notice.id).where(Notice.key == key)).first() is not None:
                continue
            lead = "、".join(o.milestone.lead) or "未注明"
            days = (today - o.occurrence).days
            detail = (
                f"时限{o.occurrence.isoformat()}已逾期{days}天（超过{policy.escalate_after}个工作日）仍未办结；"
                f"牵头单位：{lead}；原文第{o.milestone.line}行：{o.milestone.quote}"
            )
            notice = Notice(
                key=key,
                event=ESCALATED_EVENT,
                plan_id=o.plan.id,
                plan=o.plan.title,
                task=o.task,
                detail=detail,
                milestone_key=o.milestone.key,
                occurrence=o.occurrence,
                created_at=now,
            )
            queue_worded(s, notice, [subs.get(sid) for sid in policy.escalate_to])
            new += 1
        s.commit()
    return new


def overdue_digest(
    engine: Engine,
    policy_of: Callable[[str], ReminderPolicy],
    calendar: WorkdayCalendar,
    now: dt.datetime,
    timezone: str,
) -> int:
    """Each escalation subscriber's overdue work of the day, by owner unit:
    one notice per subscriber and day. Returns how many were written."""
    today = now.astimezone(ZoneInfo(timezone)).date()
    by_sub: dict[str, dict[str, list[Overdue]]] = defaultdict(lambda: defaultdict(list))
    for o in overdue(engine, policy_of, calendar, today):
        for sid in policy_of(o.plan.id).escalate_to:
            for unit in o.milestone.lead or ["未注明牵头单位"]:
                by_sub[sid][unit].append(o)
    written = 0
    with session(engine) as s:
        subs = {sub.id: sub for sub in s.exec(select(Subscription).where(Subscription.active == True))}  # noqa: E712
        for sid, units in by_sub.items():
            key = f"overdue:{today.isoformat()}:{sid}"
            if sid not in subs or s.exec(select(Notice.id).where(Notice.key == key)).first() is not None:
                continue
            total = len({(o.milestone.key, o.occurrence) for group in units.values() for o in group})
            lines = [
                f"{unit}（{len(group)}项）：" + "；".join(f"{o.task}（{o.occurrence.isoformat()}）" for o in group)
                for unit, group in sorted(units.items(), key=lambda kv: -len(kv[1]))
            ]
            detail = f"截至{today.isoformat()}共{total}项逾期未办结。\n" + "\n".join(lines)
            plans = sorted({o.plan.id for group in units.values() for o in group})
            notice = Notice(
                key=key,
                event=OVERDUE_DIGEST_EVENT,
                plan_id=plans[0] if len(plans) == 1 else "、".join(plans),
                plan=plans[0] if len(plans) == 1 else f"{len(plans)}个方案",
                task=f"逾期汇总（{today.isoformat()}）",
                detail=detail,
                created_at=now,
            )
            queue_worded(s, notice, [subs[sid]])
            written += 1
        s.commit()
    return written


def escalations(engine: Engine) -> dict[str, dt.datetime]:
    """When each task was last escalated, by task key."""
    with session(engine) as s:
        rows = s.exec(
            select(Milestone.task_key, Notice.created_at)
            .where(Notice.event == ESCALATED_EVENT)
            .where(col(Notice.milestone_key) == col(Milestone.key))
        ).all()
    out: dict[str, dt.datetime] = {}
    for task_key, at in rows:
        out[task_key] = max(at, out.get(task_key, at))
    return out
