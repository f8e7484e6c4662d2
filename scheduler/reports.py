"""What owners and admins report about an occurrence: it is done, the
event of a relative milestone happened on a day, or more time is asked.

An owner reports through a reminder's signed link (``scheduler.owner_links``)
and an admin through the pages; both land here. Done closes the
occurrence's reminders at once; an event's date makes the relative
milestone a dated deadline (an override, so it survives re-imports); an
extension waits for an admin, who approves it (an override) or declines
it, and the owner is told which.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from notifiers.base import ANSWERED_EVENT
from parsers.calendars import WorkdayCalendar
from scheduler.db import session
from scheduler.models import (
    Milestone,
    Notice,
    Override,
    OwnerRequest,
    Plan,
    Reminder,
    Subscription,
    Task,
)
from scheduler.outbox import queue_worded
from scheduler.status import record_completion

EXTENSION, EVENT, DONE = "extension", "event", "done"
PENDING, APPROVED, DECLINED, APPLIED = "pending", "approved", "declined", "applied"


class ReportError(ValueError):
    """A report that cannot apply: said in words a form can show."""


def event_due(offset: dict[str, Any], event_day: dt.date, calendar: WorkdayCalendar) -> dt.date:
    """The deadline of a relative milestone once its event's day is known:
    "完成后10个工作日内" with the event on 2027-03-02 is 2027-03-16 by the
    official working-day calendar; "开学前" is the event's own day."""
    n = int(offset.get("n") or 0)
    step = -n if "before" in offset and "after" not in offset else n
    unit = offset.get("unit", "day")
    if unit == "workday":
        return calendar.add_workdays(event_day, step) if step else event_day
    if unit == "week":
        return event_day + dt.timedelta(weeks=step)
    if unit == "month":
        return event_day + relativedelta(months=step)
    if unit == "hour":
        return event_day + dt.timedelta(days=step // 24 if step >= 0 else -((-step) // 24))
    return event_day + dt.timedelta(days=step)


def event_words(offset: dict[str, Any] | None) -> str:
    """The event a relative milestone counts from, as the plan says it."""
    if not offset:
        return "事件"
    return str(offset.get("after") or offset.get("before") or "事件")


def _milestone(s: Session, key: str) -> Milestone:
    m = s.get(Milestone, key)
    if m is None or not m.active:
        raise ReportError("该事项已不在方案的当前版本中")
    return m


def close_occurrence(
    s: Session, milestone_key: str, occurrence: dt.date | None, now: dt.datetime, by: str, note: str = ""
) -> None:
    """Record an occurrence (or, with None, the whole milestone) done and
    cancel its pending reminders in the same transaction."""
    record_completion(s, None, milestone_key, occurrence, now, by, note or None)
    pending = update(Reminder).where(col(Reminder.milestone_key) == milestone_key, col(Reminder.state) == "pending")
    if occurrence is not None:
        pending = pending.where(col(Reminder.occurrence) == occurrence)
    s.execute(pending.values(state="cancelled"))


def report_done(
    engine: Engine, subscription_id: str, key: str, occurrence: dt.date, note: str, now: dt.datetime
) -> None:
    with session(engine) as s:
        _milestone(s, key)
        close_occurrence(s, key, occurrence, now, f"owner:{subscription_id}", note)
        s.add(
            OwnerRequest(
                kind=DONE,
                milestone_key=key,
                occurrence=occurrence,
                subscription_id=subscription_id,
                note=note,
                created_at=now,
            )
        )
        s.commit()


def set_event_day(
    engine: Engine,
    key: str,
    event_day: dt.date,
    calendar: WorkdayCalendar,
    now: dt.datetime,
    by: str,
    subscription_id: str | None = None,
    occurrence: dt.date | None = None,
) -> dt.date:
    """Date a relative milestone by its event's day: an override making it a
    deadline. Returns the deadline; the caller plans its reminders."""
    with session(engine) as s:
        m = _milestone(s, key)
        if m.kind != "relative" or not m.offset:
            raise ReportError("只有以事件为起点的时限（如“验收完成后10个工作日内”）可以填写事件日期")
        due = event_due(m.offset, event_day, calendar)
        row = s.get(Override, key) or Override(milestone_key=key, created_at=now)
        row.kind, row.start, row.due, row.rrule = "deadline", None, due, None
        row.reason = f"{event_words(m.offset)}于{event_day.isoformat()}"
        row.created_at, row.quote, row.by = now, m.quote, by
        m.sequence += 1
        m.changed_at = now
        s.add(row)
        if subscription_id is not None:
            s.add(
                OwnerRequest(
                    kind=EVENT,
                    milestone_key=key,
                    occurrence=occurrence or now.date(),
                    subscription_id=subscription_id,
                    day=event_day,
                    created_at=now,
                )
            )
        s.commit()
        return due


def ask_extension(
    engine: Engine, subscription_id: str, key: str, occurrence: dt.date, day: dt.date, reason: str, now: dt.datetime
) -> int:
    """An owner's request for more time: it waits in the review queue."""
    if not reason.strip():
        raise ReportError("请说明延期理由")
    if day <= occurrence:
        raise ReportError(f"申请的日期应晚于原时限{occurrence.isoformat()}")
    with session(engine) as s:
        _milestone(s, key)
        row = OwnerRequest(
            kind=EXTENSION,
            milestone_key=key,
            occurrence=occurrence,
            subscription_id=subscription_id,
            note=reason.strip(),
            day=day,
            state=PENDING,
            created_at=now,
        )
        s.add(row)
        s.commit()
        assert row.id is not None
        return row.id


def decide(engine: Engine, request_id: int, approve: bool, admin: str, now: dt.datetime) -> OwnerRequest:
    """Approve (the new date becomes an override) or decline an extension
    request; either way the owner who asked gets a ``request.answered``."""
    with session(engine) as s:
        row = s.get(OwnerRequest, request_id)
        if row is None or row.kind != EXTENSION:
            raise ReportError("没有这项延期申请")
        if row.state != PENDING:
            raise ReportError(f"这项申请已于{row.decided_at:%Y-%m-%d %H:%M}处理（{_STATES[row.state]}）")
        m = _milestone(s, row.milestone_key)
        assert row.day is not None
        if approve:
            over = s.get(Override, m.key) or Override(milestone_key=m.key, created_at=now)
            over.due = row.day
            if (over.kind or m.kind) not in ("deadline", "range"):
                over.kind, over.start, over.rrule = "deadline", None, None
            over.reason = f"延期申请#{row.id}：{row.note}"
            over.created_at, over.quote, over.by = now, m.quote, admin
            m.sequence += 1
            m.changed_at = now
            s.add(over)
        row.state, row.decided_at, row.decided_by = (APPROVED if approve else DECLINED), now, admin
        plan, task = s.get(Plan, m.plan_id), s.get(Task, m.task_key)
        title = task.title if task else m.quote
        answer = "已同意" if approve else "未同意"
        notice = Notice(
            key=f"request:{row.id}",
            event=ANSWERED_EVENT,
            plan_id=m.plan_id,
            plan=plan.title if plan else m.plan_id,
            task=title,
            detail=f"将「{title}」的时限由{row.occurrence.isoformat()}延至{row.day.isoformat()}的申请{answer}",
            milestone_key=m.key,
            occurrence=row.occurrence,
            created_at=now,
        )
        queue_worded(s, notice, [s.get(Subscription, row.subscription_id)])
        s.commit()
        return row


_STATES = {PENDING: "待审核", APPROVED: "已同意", DECLINED: "未同意", APPLIED: "已生效"}


def state_words(state: str) -> str:
    return _STATES.get(state, state)
