"""Email through a real SMTP server (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

import asyncio
import datetime as dt
import ssl
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from icalendar import Calendar
from sqlalchemy.engine import Engine
from sqlmodel import select

from notifiers.base import Target
from notifiers.email import EmailNotifier, SmtpServer
from notifiers.errors import DeliveryError
from notifiers.registry import notifiers
from scheduler.db import session
from scheduler.models import Milestone
from scheduler.outbox import Sender, deliver_outbox
from tests.notifiers.servers import Inbox, free_port, smtp_server
from tests.notifiers.test_delivery import CAL, Clock, delivery, local, prepare
from tests.notifiers.test_robots import NOTE


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    with smtp_server() as server:
        yield server


def _calendar(message: EmailMessage) -> Calendar:
    [part] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert part.get_param("method") == "PUBLISH"
    assert part.get_filename() == "deadline.ics"
    return Calendar.from_ical(part.get_content())


def test_reminder_mail_through_the_outbox(engine: Engine, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    prepare(engine, "email", "office@example.org")
    server = SmtpServer("127.0.0.1", port, sender="duban@example.org")
    sender = Sender(notifiers(server, allowed=()))
    deliver_outbox(engine, Clock(local("2022-11-23")), sender, lambda s: Target(s.target), CAL, "http://duban.test")
    assert delivery(engine).state == "sent"
    [message] = inbox.messages
    assert message["Subject"] == "【即将到期】开展排查（2022-11-30）"
    assert message["From"].addresses[0].display_name == "督办提醒"
    assert message["To"] == "office@example.org"
    assert message["Date"] is not None and message["Date"].datetime.tzinfo is not None  # strict servers want one
    assert ".msg_" in message["Message-ID"] and message["Message-ID"].endswith("@duban>")
    assert "=?utf-8?" in inbox.envelopes[0].content.decode("ascii").split("\r\n\r\n")[0]  # type: ignore[union-attr]
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and "原文（第3行）：2022年11月30日前" in text.get_content()
    assert html is not None and "<br>" in html.get_content()
    cal = _calendar(message)
    assert str(cal["METHOD"]) == "PUBLISH"
    [event] = cal.walk("VEVENT")
    assert event.decoded("dtstart") == dt.date(2022, 11, 30)
    assert event.decoded("dtend") == dt.date(2022, 12, 1)
    # The feed's UID: importing the attachment updates the subscribed event, no duplicate.
    with session(engine) as s:
        key = s.exec(select(Milestone.key).where(Milestone.quote == "2022年11月30日前")).one()
    assert str(event["uid"]) == f"{key}@duban" and "recurrence-id" not in event


def test_digest_mail_groups_by_owner(smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    other = NOTE.__class__(
        **{
            **NOTE.__dict__,
            "delivery_id": 43,
            "task": "完善制度",
            "owners": {"lead": ["法规科"], "support": []},
            "event": "reminder.due_soon",
            "links": {"report": "https://duban.example/o/signed-token"},
        }
    )
    notifier = EmailNotifier(SmtpServer("127.0.0.1", port))
    asyncio.run(
        notifier.send_digest(Target("boss@example.org"), dt.date(2022, 12, 1), [NOTE, other], ["ongoing: 长期"])
    )
    [message] = inbox.messages
    assert message["Subject"] == "督办日报 2022-12-01：1项逾期，2项提醒"
    body = message.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert text.index("【办公室；配合：法规科】") < text.index("【法规科】")
    assert "【长期及未定时限事项】" in text
    # each reminder with its owner's link under it
    assert (
        "反馈办理情况（办结、事件日期或延期申请）：https://duban.example/o/signed-token" in text.split("【法规科】")[1]
    )
    assert len(_calendar(message).walk("VEVENT")) == 2


@pytest.fixture
def tls_smtp() -> Iterator[tuple[Inbox, int, str]]:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)

    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"duban", b"pa55")
        return AuthResult(success=ok, handled=False)

    inbox = Inbox()
    port = free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        authenticator=authenticate,
        auth_require_tls=True,
    )
    controller.start()
    pem = ca.cert_pem.bytes().decode()
    try:
        yield inbox, port, pem
    finally:
        controller.stop()


def test_starttls_and_login(tls_smtp: tuple[Inbox, int, str], monkeypatch: pytest.MonkeyPatch) -> None:
    inbox, port, pem = tls_smtp
    original = ssl.create_default_context

    def trusting(*args: Any, **kwargs: Any) -> ssl.SSLContext:
        context = original(*args, **kwargs)
        context.load_verify_locations(cadata=pem)
        return context

    monkeypatch.setattr(ssl, "create_default_context", trusting)
    good = EmailNotifier(SmtpServer("127.0.0.1", port, "starttls", "duban", "pa55"))
    asyncio.run(good.send(None, Target("office@example.org"), NOTE))  # type: ignore[arg-type]
    assert len(inbox.messages) == 1
    bad = EmailNotifier(SmtpServer("127.0.0.1", port, "starttls", "duban", "wrong"))
    with pytest.raises(DeliveryError) as info:
        asyncio.run(bad.send(None, Target("office@example.org"), NOTE))  # type: ignore[arg-type]
    assert info.value.permanent and "wrong" not in str(info.value)


def test_unreachable_smtp_is_retryable() -> None:
    notifier = EmailNotifier(SmtpServer("127.0.0.1", 1, timeout=2))
    with pytest.raises(DeliveryError) as info:
        asyncio.run(notifier.send(None, Target("office@example.org"), NOTE))  # type: ignore[arg-type]
    assert not info.value.permanent
