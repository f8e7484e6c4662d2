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
from notifiers.base import alert_notification
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
        subscribers = list(settings.alert_subscribers())
        if not subscribers:
            return 0
        for problem in self.open.values():
            for sid, sub in subscribers:
                if sid in problem.told:
                    continue
                if sub.channel == "log":  # the service's log has said it
                    problem.told.add(sid)
                    continue
                title = settings.plans[problem.plan_id].title if problem.plan_id in settings.plans else None
                note = alert_notification(problem.plan_id, title or problem.plan_id, problem.reason, now)
                outcome = send_now(make_sender(settings), sub.channel, target_of(sub), note)
                if outcome.error is None:
                    problem.told.add(sid)
                    sent += 1
                else:
                    log.warning("alert to %s about plan %s not sent (tried again later): %s", sid, problem.plan_id,
                                outcome.error)  # fmt: skip
        return sent
