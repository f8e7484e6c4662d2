"""DingTalk custom robot: markdown messages, signed query parameters
(timestamp in milliseconds; sign = urlencode(base64(HMAC-SHA256(key=secret,
msg=f"{timestamp}\\n{secret}")))), 20 messages a minute per robot."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import urllib.parse
from collections.abc import Collection

import httpx

from notifiers.base import Notification, Target
from notifiers.http import post_json, robot_reply
from notifiers.text import markdown, title

RATE = [(20, 60.0)]
RETRYABLE = (130101,)  # sending too fast


def sign(secret: str, timestamp_ms: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest).decode())


class DingTalkNotifier:
    channel = "dingtalk"

    def __init__(self, allowed: Collection[str] = ()) -> None:
        self.allowed = allowed

    def endpoint(self, target: Target) -> str:
        return target.address

    async def send(self, client: httpx.AsyncClient, target: Target, note: Notification) -> None:
        url = target.address
        if target.secret:
            ts = int(time.time() * 1000)
            url += ("&" if "?" in url else "?") + f"timestamp={ts}&sign={sign(target.secret, ts)}"
        mobiles = list(target.options.get("at_mobiles", []))
        text = markdown(note) + "".join(f" @{m}" for m in mobiles)
        body = {
            "msgtype": "markdown",
            "markdown": {"title": title(note), "text": text},
            "at": {"atMobiles": mobiles, "isAtAll": False},
        }
        response = await post_json(client, url, body, self.allowed)
        robot_reply(url, response, "errcode", RETRYABLE)
