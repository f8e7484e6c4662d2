"""WeCom (企业微信) group robot: markdown messages; the key in the URL is
the secret; 20 messages a minute per robot; markdown kept under 4 KB."""

from __future__ import annotations

from collections.abc import Collection

import httpx

from notifiers.base import Notification, Target
from notifiers.http import post_json, robot_reply
from notifiers.text import markdown

RATE = [(20, 60.0)]
RETRYABLE = (45009,)  # API rate limit
LIMIT = 4000


class WeComNotifier:
    channel = "wecom"

    def __init__(self, allowed: Collection[str] = ()) -> None:
        self.allowed = allowed

    def endpoint(self, target: Target) -> str:
        return target.address

    async def send(self, client: httpx.AsyncClient, target: Target, note: Notification) -> None:
        content = markdown(note)
        while len(content.encode("utf-8")) > LIMIT:
            content = content[: int(len(content) * 0.9)]
        body = {"msgtype": "markdown", "markdown": {"content": content}}
        response = await post_json(client, target.address, body, self.allowed)
        robot_reply(target.address, response, "errcode", RETRYABLE)
