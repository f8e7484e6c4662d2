"""Senders and targets built from the configuration: channels with the
SMTP server and address guard of ``[smtp]`` and ``[delivery]``, and each
subscriber's address and secret, read at send time (secrets are never
stored in the database)."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable

from sqlalchemy.engine import Engine

from config.settings import PlanFile, Settings, Subscriber
from notifiers.base import Target, test_notification
from notifiers.email import SmtpServer
from notifiers.http import masked
from notifiers.registry import notifiers
from notifiers.text import TEST_WORDS
from scheduler.db import session
from scheduler.models import LogEntry, Subscription
from scheduler.outbox import Sender, send_now


def subscriber_targets(settings: Settings) -> Callable[[Subscription], Target | None]:
    """Addresses and secrets come from the configuration at send time;
    secrets are never stored in the database."""
    by_id = {sid: target_of(sub) for sid, _, sub in settings.subscribers()}
    return lambda subscription: by_id.get(subscription.id)


def target_of(sub: Subscriber) -> Target:
    secret = os.environ.get(sub.secret_env) if sub.secret_env else sub.secret
    return Target(sub.target, secret, {"at_mobiles": sub.at_mobiles})


def make_sender(settings: Settings) -> Sender:
    smtp = settings.duban.smtp
    server = SmtpServer(
        host=smtp.host,
        port=smtp.port,
        security=smtp.security,
        username=smtp.username,
        password=os.environ.get(smtp.password_env) if smtp.password_env else None,
        sender=smtp.sender,
        sender_name=smtp.sender_name,
        verify=smtp.verify,
    )
    delivery = settings.duban.delivery
    return Sender(notifiers(server, delivery.allow_private), delivery.concurrency_per_endpoint)


class TestFailed(Exception):
    """A test message that did not arrive: the words say why and whether a
    retry may pass."""


def find_subscriber(settings: Settings, name: str) -> tuple[PlanFile | None, Subscriber]:
    """A plan's subscriber and its plan file, or one of the ``[[alerts]]``;
    KeyError naming the subscribers there are."""
    for sid, plan, sub in settings.subscribers():
        if sid == name:
            return plan, sub
    for sid, sub in settings.alert_subscribers():
        if sid == name:
            return None, sub
    ids = [sid for sid, _, _ in settings.subscribers()] + [sid for sid, _ in settings.alert_subscribers()]
    raise KeyError(f"no subscriber {name!r}; subscribers: {', '.join(ids) or 'none'}")


def send_test(settings: Settings, engine: Engine, name: str, now: dt.datetime) -> str:
    """Send a message marked as a test to a subscriber now, through its real
    channel; returns what happened, raises TestFailed (or KeyError)."""
    plan, sub = find_subscriber(settings, name)
    plan_id = (sub.plans or [plan.id])[0] if plan else "duban"
    plan_title = (plan.title or plan_id) if plan else "duban 服务告警"
    if sub.channel == "log":
        with session(engine) as s:
            s.add(LogEntry(target=name, message=f"【测试消息】{plan_title}：{TEST_WORDS}", written_at=now))
            s.commit()
        return f"{name}: test recorded in the log channel (the log_entry table)"
    where = f"{sub.channel} {masked(sub.target)}"
    note = test_notification(plan_id, plan_title, now.replace(microsecond=0))
    outcome = send_now(make_sender(settings), sub.channel, target_of(sub), note)
    if outcome.error is not None:
        kind = "will not work until fixed" if outcome.error.permanent else "may pass on a retry"
        raise TestFailed(f"{name}: test to {where} failed ({kind}): {outcome.error}")
    return f"{name}: test message delivered to {where} (id {note.message_id})"
