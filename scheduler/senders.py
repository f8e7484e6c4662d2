"""Senders and targets built from the configuration: channels with the
SMTP server and address guard of ``[smtp]`` and ``[delivery]``, and each
subscriber's address and secret, read at send time (secrets are never
stored in the database)."""

from __future__ import annotations

import os
from collections.abc import Callable

from config.settings import Settings, Subscriber
from notifiers.base import Target
from notifiers.email import SmtpServer
from notifiers.registry import notifiers
from scheduler.models import Subscription
from scheduler.outbox import Sender


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
