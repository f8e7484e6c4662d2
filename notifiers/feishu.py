"""Feishu / Lark custom bot: interactive cards with markdown, signed in the
body (timestamp in seconds; sign = base64(HMAC-SHA256(key=f"{timestamp}\\n
{secret}", msg=b""))), 5 messages a second and 100 a minute, body <= 20 KB."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Collection
from typing import Any

import httpx

from notifiers.base import Notification, Target
from notifiers.http import json_bytes, post_json, robot_reply
from notifiers.text import markdown, title

RATE = [(5, 1.0), (100, 60.0)]
RETRYABLE = (11232,)  # rate limited
LIMIT = 20_000


def sign(secret: str, timestamp: int) -> str:
    digest = hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def card(note: Notification) -> dict[str, Any]:
    template = {"reminder.overdue": "red", "reminder.due_today": "orange"}.get(note.event, "blue")
    return {
        "config": {"wide_screen_mode": True},
        "header": {"title": {"tag": "plain_text", "content": title(note)}, "template": template},
        "elements": [{"tag": "markdown", "content": markdown(note, heading=False)}],
    }


class FeishuNotifier:
    channel = "feishu"

    def __init__(self, allowed: Collection[str] = ()) -> None:
        self.allowed = allowed

    def endpoint(self, target: Target) -> str:
        return target.address

    async def send(self, client: httpx.AsyncClient, target: Target, note: Notification) -> None:
        body: dict[str, Any] = {"msg_type": "interactive", "card": card(note)}
        if target.secret:
            ts = int(time.time())
            body["timestamp"] = str(ts)
            body["sign"] = sign(target.secret, ts)
        if len(json_bytes(body)) > LIMIT:
            body["card"]["elements"][0]["content"] = body["card"]["elements"][0]["content"][:2000]
        response = await post_json(client, target.address, body, self.allowed)
        robot_reply(target.address, response, "code", RETRYABLE)
