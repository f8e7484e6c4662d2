"""What a plan's reminders will send, to whom and when: read from the
planned reminder rows, worded as the outbox words them, nothing sent."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import or_
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from notifiers.base import Notification
from parsers.calendars import WorkdayCalendar
from scheduler.db import session
from scheduler.models import Milestone, Plan, Reminder, Subscription, Task
from scheduler.outbox import notification
from scheduler.reminders import follows_milestone


@dataclass(frozen=True)
class Preview:
    fire_at: dt.datetime
    note: Notification
    subscribers: list[Subscription]


def reminder_preview(
    engine: Engine,
    plan_id: str,
    start: dt.datetime,
    end: dt.datetime,
    calendar: WorkdayCalendar,
    base_url: str,
) -> list[Preview] | None:
    """The pending reminders of a plan (or of every plan of a compendium's
    file id) due between ``start`` and ``end``, each as it would be worded
    on the day it fires; None when no such plan is stored."""
    in_plan = or_(col(Plan.id) == plan_id, col(Plan.id).startswith(plan_id + "/", autoescape=True))
    with session(engine) as s:
        if s.exec(select(Plan.id).where(in_plan).limit(1)).first() is None:
            return None
        rows = s.exec(
            select(Reminder, Milestone, Plan, Task)
            .where(Reminder.state == "pending", col(Reminder.fire_at) >= start, col(Reminder.fire_at) <= end)
            .where(
                Reminder.milestone_key == Milestone.key, Milestone.plan_id == Plan.id, Milestone.task_key == Task.key
            )
            .where(in_plan)
            .order_by(col(Reminder.fire_at), col(Reminder.id))
        ).all()
        subscriptions = s.exec(select(Subscription).where(Subscription.active == True)).all()  # noqa: E712
    out = []
    for reminder, m, plan, task in rows:
        fire_at = reminder.fire_at if reminder.fire_at.tzinfo else reminder.fire_at.replace(tzinfo=dt.UTC)
        note = notification(reminder, m, plan, task, fire_at.date(), calendar, base_url)
        out.append(Preview(fire_at, note, [sub for sub in subscriptions if follows_milestone(sub, m)]))
    return out
