"""What every channel receives and the protocol it implements."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx


@dataclass(frozen=True)
class Notification:
    """One reminder for one subscriber: everything a message shows."""

    delivery_id: int
    milestone_key: str
    event: str  # reminder.due_soon, reminder.due_today, reminder.overdue, milestone.changed
    plan: str
    plan_id: str
    section: list[str]
    task: str
    owners: dict[str, list[str]]
    quote: str
    line: int
    kind: str
    due: dt.date | None
    start: dt.date | None
    occurrence: dt.date
    workdays_left: int | None
    status: str
    late: bool = False
    links: dict[str, str] = field(default_factory=dict)
    created_at: dt.datetime | None = None  # when its delivery row was written
    detail: str = ""  # what a test or an alert says, in place of a milestone
    # A revision's notice (milestone.changed): each change the subscriber
    # follows ({"kind", "task", "words", "milestone_key"}), and the revision.
    changes: tuple[dict[str, Any], ...] = ()
    revision: int | None = None

    @property
    def message_id(self) -> str:
        """The same on every retry of a delivery (receivers drop duplicates)
        and unique beyond it: a delivery with the same number after the
        database was reset is another message with another id."""
        made = self.created_at.isoformat() if self.created_at else ""
        seed = f"{self.delivery_id}|{made}|{self.milestone_key}|{self.occurrence}|{self.event}"
        return "msg_" + hashlib.sha256(seed.encode()).hexdigest()[:26]


TEST_EVENT = "subscriber.test"
ALERT_EVENT = "service.alert"
CHANGED_EVENT = "milestone.changed"
ESCALATED_EVENT = "task.escalated"  # an occurrence overdue past the policy's escalate_after
OVERDUE_DIGEST_EVENT = "overdue.digest"  # the day's overdue work by owner unit, for the escalation subscribers
ANSWERED_EVENT = "request.answered"  # an owner's extension request approved or declined
# Messages that say something in words (``detail``) rather than remind of a date.
WORDED_EVENTS = (ALERT_EVENT, ESCALATED_EVENT, OVERDUE_DIGEST_EVENT, ANSWERED_EVENT)


def about_plan(event: str, key: str, plan_id: str, plan: str, task: str, at: dt.datetime, **more: Any) -> Notification:
    """A message about a plan rather than one of its milestones (a test, an
    alert, a revision's notice): no quote, no dates of its own. ``key``
    makes its id; ``more``: the other fields it carries."""
    return Notification(
        delivery_id=more.pop("delivery_id", 0),
        milestone_key=key,
        event=event,
        plan=plan,
        plan_id=plan_id,
        section=[],
        task=task,
        owners={"lead": [], "support": []},
        quote="",
        line=0,
        kind="deadline",
        due=None,
        start=None,
        occurrence=at.date(),
        workdays_left=None,
        status="on track",
        created_at=more.pop("created_at", at),
        **more,
    )


def test_notification(plan_id: str, plan: str, now: dt.datetime) -> Notification:
    """A message that says it is a test: ``duban subscribers test`` sends it
    through the subscriber's real channel. Its id is new on every test."""
    return about_plan(TEST_EVENT, f"test-{now.timestamp():.6f}", plan_id, plan, "送达测试", now)


def alert_notification(
    plan_id: str, plan: str, detail: str, now: dt.datetime, what: str = "方案读取失败"
) -> Notification:
    """Something about one plan for the ``[[alerts]]`` subscribers: it no
    longer reads, or a revision changed what an admin had overridden."""
    key = f"alert-{plan_id}-{now.timestamp():.6f}"
    return about_plan(ALERT_EVENT, key, plan_id, plan, what, now, detail=detail)


@dataclass(frozen=True)
class Target:
    """Where a subscriber wants it: a URL or an address, and its secret."""

    address: str
    secret: str | None = None
    options: dict[str, Any] = field(default_factory=dict)


class Notifier(Protocol):
    channel: str

    def endpoint(self, target: Target) -> str:
        """The key that rate limits and concurrency are counted by."""
        ...

    async def send(self, client: httpx.AsyncClient, target: Target, note: Notification) -> None:
        """Deliver or raise ``DeliveryError``."""
        ...
