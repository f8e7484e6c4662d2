"""Email over SMTP (plain, STARTTLS or SSL, with login): Chinese subject and
names encoded per RFC 2047, text and HTML bodies in base64 (some relays lack
8BITMIME), and an ``.ics`` attachment (``method=PUBLISH``) that puts the
deadline in the recipient's calendar. Daily digests group items by owner."""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid

import httpx
from icalendar import Calendar, Event

from notifiers.base import ALERT_EVENT, CHANGED_EVENT, TEST_EVENT, WORDED_EVENTS, Notification, Target
from notifiers.errors import DeliveryError
from notifiers.text import REPORT_WORDS, TEST_WORDS, change_lines, owners_line, title, when

PRODID = "-//duban//reminders//ZH"


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    security: str = "none"  # none, starttls, ssl
    username: str | None = None
    password: str | None = None
    sender: str = "duban@localhost"
    sender_name: str = "督办提醒"
    verify: bool = True
    timeout: float = 30.0


def calendar_attachment(notes: Sequence[Notification]) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    stamp = dt.datetime.now(dt.UTC).replace(microsecond=0)
    for note in notes:
        first = note.start if note.kind == "range" and note.start else (note.due or note.occurrence)
        last = note.due or note.occurrence
        event = Event()
        # The feed's UID: importing the attachment updates the subscribed
        # event instead of adding a second one; one occurrence of a cadence
        # is that event's instance.
        event.add("uid", f"{note.milestone_key}@duban")
        if note.kind == "recurring":
            event.add("recurrence-id", note.occurrence)
        event.add("dtstamp", stamp)
        event.add("summary", title(note))
        event.add("description", f"{note.plan}\n原文（第{note.line}行）：{note.quote}")
        event.add("dtstart", first)
        event.add("dtend", last + dt.timedelta(days=1))
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    data: bytes = cal.to_ical()
    return data


def _text(note: Notification) -> str:
    if note.event == TEST_EVENT:
        return f"{title(note)}\n\n{TEST_WORDS}\n方案：{note.plan}\n"
    if note.event in WORDED_EVENTS:
        link = f"\n详情：{note.links['admin']}" if "admin" in note.links and note.event != ALERT_EVENT else ""
        return f"{title(note)}\n\n方案：{note.plan}\n{note.task}：{note.detail}{link}\n"
    if note.event == CHANGED_EVENT:
        link = f"\n详情：{note.links['admin']}" if "admin" in note.links else ""
        return f"{title(note)}\n\n" + "\n".join(change_lines(note)) + link + "\n"
    lines = [title(note), "", f"方案：{note.plan}", f"任务：{note.task}", f"时限：{when(note)}"]
    lines.append(f"原文（第{note.line}行）：{note.quote}")
    if note.workdays_left is not None:
        lines.append(f"剩余工作日：{note.workdays_left}")
    if owners_line(note):
        lines.append(f"责任单位：{owners_line(note)}")
    if "report" in note.links:
        lines.append(f"{REPORT_WORDS}：{note.links['report']}")
    if "admin" in note.links:
        lines.append(f"详情：{note.links['admin']}")
    return "\n".join(lines) + "\n"


def _html(text: str) -> str:
    body = "<br>\n".join(html.escape(line) for line in text.splitlines())
    return f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>{body}</body></html>\n'


def build_message(server: SmtpServer, to: str, subject: str, text: str, notes: Sequence[Notification]) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = formataddr((server.sender_name, server.sender))
    msg["To"] = to
    msg["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    msg["Message-ID"] = make_msgid(idstring=notes[0].message_id if notes else None, domain="duban")
    msg.set_content(text, cte="base64")
    msg.add_alternative(_html(text), subtype="html", cte="base64")
    if notes:
        msg.add_attachment(
            calendar_attachment(notes),
            maintype="text",
            subtype="calendar",
            filename="deadline.ics",
            params={"method": "PUBLISH", "charset": "utf-8"},
        )
    return msg


def reminder_message(server: SmtpServer, to: str, note: Notification) -> EmailMessage:
    if note.event in (TEST_EVENT, CHANGED_EVENT, *WORDED_EVENTS):  # no one date, no calendar event
        return build_message(server, to, title(note), _text(note), [])
    return build_message(server, to, f"{title(note)}（{when(note)}）", _text(note), [note])


def digest_message(
    server: SmtpServer, to: str, day: dt.date, notes: Sequence[Notification], undated: Sequence[str]
) -> EmailMessage:
    groups: dict[str, list[Notification]] = {}
    for note in notes:
        groups.setdefault(owners_line(note) or "未注明责任单位", []).append(note)
    lines = [f"督办日报 {day}", ""]
    for owner, items in sorted(groups.items()):
        lines.append(f"【{owner}】")
        for note in sorted(items, key=lambda n: n.due or n.occurrence):
            lines.append(f"  {title(note)}  {when(note)}  {note.plan}")
            if "report" in note.links:
                lines.append(f"    {REPORT_WORDS}：{note.links['report']}")
        lines.append("")
    if undated:
        lines.append("【长期及未定时限事项】")
        lines += [f"  {item}" for item in undated]
    subject = f"督办日报 {day}：{sum(n.event == 'reminder.overdue' for n in notes)}项逾期，{len(notes)}项提醒"
    return build_message(server, to, subject, "\n".join(lines) + "\n", list(notes))


def _send(server: SmtpServer, msg: EmailMessage) -> None:
    context = ssl.create_default_context()
    if not server.verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    try:
        if server.security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(server.host, server.port, timeout=server.timeout, context=context)
        else:
            smtp = smtplib.SMTP(server.host, server.port, timeout=server.timeout)
        with smtp:
            if server.security == "starttls":
                smtp.starttls(context=context)
            if server.username:
                smtp.login(server.username, server.password or "")
            smtp.send_message(msg)
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryError(
            f"SMTP {server.host}:{server.port}: login refused ({exc.smtp_code})", permanent=True
        ) from None
    except smtplib.SMTPRecipientsRefused as exc:
        codes = sorted({code for code, _ in exc.recipients.values()})
        raise DeliveryError(f"SMTP recipient refused {codes}", permanent=all(c >= 500 for c in codes)) from None
    except smtplib.SMTPResponseException as exc:
        raise DeliveryError(
            f"SMTP {server.host}:{server.port}: {exc.smtp_code}", permanent=exc.smtp_code >= 500
        ) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"SMTP {server.host}:{server.port}: {type(exc).__name__}", permanent=False) from None


class EmailNotifier:
    channel = "email"

    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    def endpoint(self, target: Target) -> str:
        return f"smtp://{self.server.host}:{self.server.port}"

    async def send(self, client: httpx.AsyncClient, target: Target, note: Notification) -> None:
        await asyncio.to_thread(_send, self.server, reminder_message(self.server, target.address, note))

    async def send_digest(
        self, target: Target, day: dt.date, notes: Sequence[Notification], undated: Sequence[str]
    ) -> None:
        await asyncio.to_thread(_send, self.server, digest_message(self.server, target.address, day, notes, undated))
