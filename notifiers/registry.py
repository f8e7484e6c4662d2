"""The channels, by name. ``log`` is delivered by the scheduler itself (a
row per delivery in ``log_entry``); every other channel is a notifier here."""

from __future__ import annotations

from collections.abc import Collection

from notifiers import dingtalk, feishu, wecom
from notifiers.base import Notifier
from notifiers.dingtalk import DingTalkNotifier
from notifiers.email import EmailNotifier, SmtpServer
from notifiers.feishu import FeishuNotifier
from notifiers.webhook import WebhookNotifier
from notifiers.wecom import WeComNotifier

CHANNELS = ("log", "webhook", "email", "dingtalk", "wecom", "feishu")
RATE_LIMITS: dict[str, list[tuple[int, float]]] = {
    "dingtalk": dingtalk.RATE,
    "wecom": wecom.RATE,
    "feishu": feishu.RATE,
}


def notifiers(smtp: SmtpServer, allowed: Collection[str]) -> dict[str, Notifier]:
    return {
        "webhook": WebhookNotifier(allowed),
        "email": EmailNotifier(smtp),
        "dingtalk": DingTalkNotifier(allowed),
        "wecom": WeComNotifier(allowed),
        "feishu": FeishuNotifier(allowed),
    }
