"""Signed webhooks (Standard Webhooks v1).

Payload, version 1 (``Content-Type: application/json``)::

    {"type": "reminder.due_soon" | "reminder.due_today" | "reminder.overdue" | "milestone.changed"
             | "task.escalated" | "overdue.digest" | "request.answered"
             | "subscriber.test" | "service.alert",
     "version": 1, "id": "msg_…", "timestamp": "2022-11-23T01:00:00+00:00",
     "data": {"plan": {"id", "title"}, "section": [...], "task": "…",
              "owners": {"lead": [...], "support": [...]},
              "milestone": {"quote", "line", "kind", "start", "due", "occurrence"},
              "due": "YYYY-MM-DD", "working_days_left": 3,
              "status": "overdue" | "due today" | "due soon" | "on track",
              "late": false, "links": {"feed": "…", "admin": "…", "report": "…"}}}

``links.report`` (reminders only) is the owner's signed page for this
occurrence: report it done, report a relative milestone's event, or ask
for more time; it expires 30 days after the occurrence.
``task.escalated`` (one per overdue occurrence past the policy's
``escalate_after``), ``overdue.digest`` (a day's overdue work by owner unit)
and ``request.answered`` (an extension request approved or declined) say
what they say in ``data.detail``; an escalation names its milestone and
occurrence under ``data.milestone``.

``subscriber.test`` is sent by ``duban subscribers test``: a receiver may
drop it; its ``data`` names the plan, and its milestone has no dates.
``service.alert`` goes to the ``[[alerts]]`` of duban.toml when a plan stops
reading (once per episode): ``data.detail`` says what is wrong.
``milestone.changed`` is the notice of a new revision of a plan, one per
revision and subscriber: ``data.revision`` and ``data.changes``, a list of
``{"kind": "moved" | "added" | "removed" | "owners" | "renamed", "task",
"words", "milestone_key"}``, the changes touching the subscriber's units
(``words``: the change in plain Chinese).

Headers ``webhook-id`` (the same on every retry of a delivery),
``webhook-timestamp`` and ``webhook-signature`` (``v1,<base64>``) per the
Standard Webhooks specification; the secret is the endpoint's ``whsec_…``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection
from typing import Any

import httpx
from standardwebhooks import Webhook

from notifiers.base import Notification, Target
from notifiers.errors import DeliveryError
from notifiers.http import post, raise_for_status

VERSION = 1


def payload(note: Notification, now: dt.datetime) -> dict[str, Any]:
    def day(value: dt.date | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "type": note.event,
        "version": VERSION,
        "id": note.message_id,
        "timestamp": now.isoformat(),
        "data": {
            "plan": {"id": note.plan_id, "title": note.plan},
            "section": note.section,
            "task": note.task,
            "owners": note.owners,
            "milestone": {
                "quote": note.quote,
                "line": note.line,
                "kind": note.kind,
                "start": day(note.start),
                "due": day(note.due),
                "occurrence": day(note.occurrence),
            },
            "due": day(note.due or note.occurrence),
            "working_days_left": note.workdays_left,
            "status": note.status,
            "late": note.late,
            "links": note.links,
            **({"detail": note.detail} if note.detail else {}),
            **({"revision": note.revision, "changes": list(note.changes)} if note.changes else {}),
        },
    }


class WebhookNotifier:
    channel = "webhook"

    def __init__(self, allowed: Collection[str] = ()) -> None:
        self.allowed = allowed

    def endpoint(self, target: Target) -> str:
        url = httpx.URL(target.address)
        return f"{url.scheme}://{url.host}:{url.port or ''}{url.path}"

    async def send(self, client: httpx.AsyncClient, target: Target, note: Notification) -> None:
        if not target.secret or not target.secret.startswith("whsec_"):
            raise DeliveryError("webhook subscriber has no whsec_ secret", permanent=True)
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        body = json.dumps(payload(note, now), ensure_ascii=False, separators=(",", ":"))
        signature = Webhook(target.secret).sign(note.message_id, now, body)
        headers = {
            "content-type": "application/json",
            "user-agent": "duban-webhooks/1",
            "webhook-id": note.message_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": signature,
        }
        response = await post(
            client, target.address, content=body.encode("utf-8"), headers=headers, allowed=self.allowed
        )
        raise_for_status(target.address, response)
