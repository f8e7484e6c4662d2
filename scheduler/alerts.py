"""The service's own problems: a configured plan that no longer reads.

A problem opens at a plan's first failure and closes when it reads again;
the plan keeps its last good state meanwhile. Each ``[[alerts]]``
subscriber is told once per problem; one that could not be reached is
tried again at the next check, the others are not told twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from config.settings import Settings
from notifiers.base import Notification, alert_notification
from scheduler.outbox import send_now
from scheduler.senders import make_sender, target_of

log = logging.getLogger(__name__)


@dataclass
class Problem:
    plan_id: str
    reason: str
    since: dt.datetime
    told: set[str] = field(default_factory=set)  # the alert subscribers told of it

    def as_dict(self) -> dict[str, str]:
        return {"error": self.reason, "since": self.since.isoformat(), "kept": "its last good import"}


@dataclass
class Problems:
    open: dict[str, Problem] = field(default_factory=dict)

    def failed(self, plan_id: str, reason: str, now: dt.datetime) -> None:
        problem = self.open.get(plan_id)
        if problem is None:
            self.open[plan_id] = Problem(plan_id, reason, now)
        else:
            problem.reason = reason  # the same episode, told already

    def read(self, plan_id: str) -> None:
        if self.open.pop(plan_id, None) is not None:
            log.info("plan %s reads again", plan_id)

    def forget_all_but(self, plan_ids: set[str]) -> None:
        """Problems of plans no longer configured are over."""
        for plan_id in set(self.open) - plan_ids:
            del self.open[plan_id]

    def tell(self, settings: Settings, now: dt.datetime) -> int:
        """Send each open problem to the alert subscribers not told of it
        yet; returns messages sent."""
        sent = 0
        for problem in self.open.values():
            title = settings.plans[problem.plan_id].title if problem.plan_id in settings.plans else None
            note = alert_notification(problem.plan_id, title or problem.plan_id, problem.reason, now)
            told = tell_admins(settings, note, skip=problem.told)
            sent += len(told - problem.told)
            problem.told |= told
        return sent


def tell_admins(settings: Settings, note: Notification, skip: set[str] | frozenset[str] = frozenset()) -> set[str]:
    """Send ``note`` to the ``[[alerts]]`` subscribers (but ``skip``); the
    ids of those it reached (the log channel's: the service's log said it)."""
    told = set()
    for sid, sub in settings.alert_subscribers():
        if sid in skip:
            continue
        if sub.channel == "log":
            told.add(sid)
            continue
        outcome = send_now(make_sender(settings), sub.channel, target_of(sub), note)
        if outcome.error is None:
            told.add(sid)
        else:
            log.warning("alert to %s about plan %s not sent (tried again later): %s", sid, note.plan_id, outcome.error)
    return told
