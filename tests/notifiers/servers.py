"""Real servers on 127.0.0.1 that speak like the services duban delivers
to: an SMTP server (aiosmtpd), a Standard Webhooks receiver and the
DingTalk, WeCom and Feishu robot APIs, each checking signatures and payload
shape and answering with the service's own error codes."""

from __future__ import annotations

import base64
import email
import hashlib
import hmac
import json
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope
from standardwebhooks import Webhook, WebhookVerificationError

Reply = tuple[int, dict[str, str], bytes]


@dataclass
class Recorder:
    requests: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, item: dict[str, Any]) -> None:
        with self.lock:
            self.requests.append(item)


@contextmanager
def serve(handle: Callable[[str, dict[str, str], bytes], Reply]) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            body = self.rfile.read(length)
            status, headers, reply = handle(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            try:
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("content-length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (timeout tests)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def webhook_receiver(  # type: ignore[no-untyped-def]
    secret: str,
    recorder: Recorder,
    script: list[int] | None = None,
    delay: float = 0.0,
    hold: threading.Event | None = None,
):
    """Verifies each request with the standardwebhooks package; answers
    with the next status of ``script`` (then 204), after ``delay`` seconds
    or, given ``hold``, once it is set."""
    statuses = list(script or [])

    def handle(path: str, headers: dict[str, str], body: bytes) -> Reply:
        if delay:
            time.sleep(delay)
        if hold is not None:
            hold.wait(60)
        try:
            payload = Webhook(secret).verify(body, headers)
        except WebhookVerificationError as exc:
            recorder.add({"verified": False, "error": str(exc)})
            return 400, {}, b"bad signature"
        recorder.add({"verified": True, "id": headers["webhook-id"], "payload": payload, "host": headers.get("host")})
        status = statuses.pop(0) if statuses else 204
        extra = {"retry-after": "1"} if status == 429 else {}
        return status, extra, b""

    return serve(handle)


def _json(body: dict[str, Any]) -> Reply:
    return 200, {"content-type": "application/json"}, json.dumps(body).encode()


class _PerMinute:
    """A robot's rate limit: at most ``limit`` messages in any 60 seconds."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.sent: list[float] = []

    def allows(self) -> bool:
        """Whether one more message may go now; if so, it is counted."""
        now = time.time()
        self.sent[:] = [t for t in self.sent if now - t < 60]
        if len(self.sent) >= self.limit:
            return False
        self.sent.append(now)
        return True


def dingtalk_api(token: str, secret: str, recorder: Recorder, per_minute: int = 20):  # type: ignore[no-untyped-def]
    window = _PerMinute(per_minute)

    def handle(path: str, headers: dict[str, str], body: bytes) -> Reply:
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
        if query.get("access_token") != [token]:
            return _json({"errcode": 300001, "errmsg": "token is not exist"})
        ts = query.get("timestamp", [""])[0]
        expected = base64.b64encode(
            hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest()
        ).decode()
        if query.get("sign", [""])[0] != expected or abs(time.time() * 1000 - int(ts or 0)) > 3600_000:
            return _json({"errcode": 310000, "errmsg": "sign not match"})
        data = json.loads(body)
        if data.get("msgtype") != "markdown" or not data["markdown"].get("title") or not data["markdown"].get("text"):
            return _json({"errcode": 40035, "errmsg": "缺少参数 json"})
        if not window.allows():
            return _json({"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"})
        recorder.add(data)
        return _json({"errcode": 0, "errmsg": "ok"})

    return serve(handle)


def wecom_api(key: str, recorder: Recorder, per_minute: int = 20):  # type: ignore[no-untyped-def]
    window = _PerMinute(per_minute)

    def handle(path: str, headers: dict[str, str], body: bytes) -> Reply:
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
        if query.get("key") != [key]:
            return _json({"errcode": 93000, "errmsg": "invalid webhook url"})
        data = json.loads(body)
        if data.get("msgtype") != "markdown" or len(data["markdown"]["content"].encode()) > 4096:
            return _json({"errcode": 40008, "errmsg": "invalid message type"})
        if not window.allows():
            return _json({"errcode": 45009, "errmsg": "api freq out of limit"})
        recorder.add(data)
        return _json({"errcode": 0, "errmsg": "ok"})

    return serve(handle)


def feishu_api(token: str, secret: str, recorder: Recorder):  # type: ignore[no-untyped-def]
    def handle(path: str, headers: dict[str, str], body: bytes) -> Reply:
        if not path.endswith(f"/open-apis/bot/v2/hook/{token}"):
            return _json({"code": 19001, "msg": "param invalid: incoming webhook access token invalid"})
        data = json.loads(body)
        ts = int(data.get("timestamp", "0"))
        expected = base64.b64encode(hmac.new(f"{ts}\n{secret}".encode(), b"", hashlib.sha256).digest()).decode()
        if data.get("sign") != expected or abs(time.time() - ts) > 3600:
            return _json(
                {"code": 19021, "msg": "sign match fail or timestamp is not within one hour from current time"}
            )
        if data.get("msg_type") != "interactive" or not data["card"]["elements"]:
            return _json({"code": 9499, "msg": "Bad Request"})
        recorder.add(data)
        return _json({"code": 0, "msg": "success", "data": {}})

    return serve(handle)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Inbox:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[Envelope] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        raw = envelope.original_content or envelope.content
        assert isinstance(raw, bytes)
        message = email.message_from_bytes(raw, policy=default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 OK"


@contextmanager
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server on 127.0.0.1: its inbox and its port."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()
