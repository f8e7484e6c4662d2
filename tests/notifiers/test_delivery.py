"""Deliveries end to end: outbox rows -> channels -> real servers on
127.0.0.1, with retries on a clock the test controls."""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Awaitable, Callable
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from notifiers.base import Target
from notifiers.email import SmtpServer
from notifiers.registry import notifiers
from parsers.calendars import WorkdayCalendar
from parsers.pipeline import parse_text
from scheduler.db import session
from scheduler.importer import import_plan
from scheduler.models import Delivery, Subscription
from scheduler.outbox import MAX_ATTEMPTS, Sender, deliver_outbox, retry_by_hand
from scheduler.owner_links import LinkSigner
from scheduler.policy import ReminderPolicy
from scheduler.reminders import fire_due, sync_reminders
from scheduler.site_key import site_secret
from tests.notifiers.servers import Recorder, webhook_receiver

SH = ZoneInfo("Asia/Shanghai")
CAL = WorkdayCalendar()
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
PLAN = "XX局2022年工作方案\n一、任务\n(一)开展排查。全面排查隐患。(牵头单位:办公室;完成时间:2022年11月30日前)\n"


class Clock:
    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now


def local(day: str, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), tzinfo=SH).astimezone(dt.UTC)


def prepare(engine: Engine, channel: str, address: str) -> None:
    [plan] = parse_text(PLAN, imported=dt.date(2022, 11, 1)).plans
    import_plan(engine, "p", "plan.txt", PLAN, plan, local("2022-11-01"))
    with session(engine) as s:
        s.add(Subscription(id="sub", channel=channel, target=address))
        s.commit()
    sync_reminders(engine, lambda _: ReminderPolicy(before=(7,), overdue_cap=0), CAL, local("2022-11-01"))
    assert fire_due(engine, local("2022-11-23"))


def run(engine: Engine, clock: Clock, targets: Callable[[Subscription], Target | None]) -> None:
    sender = Sender(notifiers(SmtpServer("127.0.0.1", 1), allowed={"127.0.0.1"}))
    deliver_outbox(engine, clock, sender, targets, CAL, "http://duban.test", random.Random(7))


def delivery(engine: Engine) -> Delivery:
    with session(engine) as s:
        return s.exec(select(Delivery)).one()


def test_signed_webhook_is_verified_by_the_receiver(engine: Engine) -> None:
    recorder = Recorder()
    with webhook_receiver(SECRET, recorder) as url:
        prepare(engine, "webhook", url + "/hooks/duban")
        run(engine, Clock(local("2022-11-23")), lambda s: Target(s.target, SECRET))
    [request] = recorder.requests
    assert request["verified"] is True
    payload = request["payload"]
    assert payload["type"] == "reminder.due_soon" and payload["version"] == 1
    data = payload["data"]
    assert data["task"] == "开展排查" and data["due"] == "2022-11-30"
    assert data["owners"] == {"lead": ["办公室"], "support": []}
    assert data["milestone"]["quote"] == "2022年11月30日前" and data["working_days_left"] == 5
    assert data["links"]["feed"].startswith("http://duban.test/feeds/")
    # the owner's link: signed for this subscriber and occurrence, 30 days past it
    token = data["links"]["report"].removeprefix("http://duban.test/o/")
    link = LinkSigner(site_secret(engine)).read(token, dt.date(2022, 11, 23))
    assert (link.subscription_id, link.occurrence, link.expires) == (
        "sub",
        dt.date(2022, 11, 30),
        dt.date(2022, 12, 30),
    )
    assert delivery(engine).state == "sent"


def test_three_failures_then_success_keeps_the_webhook_id(engine: Engine) -> None:
    recorder = Recorder()
    clock = Clock(local("2022-11-23"))
    with webhook_receiver(SECRET, recorder, script=[500, 503, 429]) as url:
        prepare(engine, "webhook", url)
        targets = lambda s: Target(s.target, SECRET)  # noqa: E731
        for _ in range(4):
            run(engine, clock, targets)
            d = delivery(engine)
            if d.state == "sent":
                break
            assert d.next_attempt_at is not None
            run(engine, clock, targets)  # not due yet: nothing is sent
            clock.now = d.next_attempt_at.replace(tzinfo=dt.UTC) + dt.timedelta(seconds=1)
    ids = [r["id"] for r in recorder.requests]
    assert len(ids) == 4 and len(set(ids)) == 1
    d = delivery(engine)
    assert (d.state, d.attempts) == ("sent", 4)


def test_a_400_is_not_retried(engine: Engine) -> None:
    recorder = Recorder()
    with webhook_receiver(SECRET, recorder, script=[400]) as url:
        prepare(engine, "webhook", url)
        clock = Clock(local("2022-11-23"))
        run(engine, clock, lambda s: Target(s.target, SECRET))
        clock.now += dt.timedelta(days=3)
        run(engine, clock, lambda s: Target(s.target, SECRET))
    d = delivery(engine)
    assert (d.state, d.attempts) == ("dead", 1)
    assert d.error is not None and "HTTP 400" in d.error
    assert len(recorder.requests) == 1


def test_endpoint_down_past_the_last_try_is_dead_then_retried_by_hand(engine: Engine) -> None:
    recorder = Recorder()
    with webhook_receiver(SECRET, recorder) as url:
        pass  # the server is gone: its port refuses connections
    prepare(engine, "webhook", url)
    clock = Clock(local("2022-11-23"))
    targets = lambda s: Target(s.target, SECRET)  # noqa: E731
    started = clock.now
    for _ in range(MAX_ATTEMPTS):
        run(engine, clock, targets)
        d = delivery(engine)
        if d.next_attempt_at is not None:
            clock.now = d.next_attempt_at.replace(tzinfo=dt.UTC)
    d = delivery(engine)
    assert (d.state, d.attempts) == ("dead", MAX_ATTEMPTS)
    assert dt.timedelta(hours=18) < clock.now - started < dt.timedelta(hours=36)  # about a day of tries
    with webhook_receiver(SECRET, recorder) as url2:
        with session(engine) as s:
            s.exec(select(Subscription)).one().target = url2
            s.commit()
        assert retry_by_hand(engine, None, clock.now) == 1
        run(engine, clock, targets)
    assert delivery(engine).state == "sent"
    assert [r["verified"] for r in recorder.requests] == [True]


def test_private_targets_are_refused_unless_allowed(engine: Engine) -> None:
    prepare(engine, "webhook", "http://127.0.0.1:9/hook?token=s3cr3t-token")
    sender = Sender(notifiers(SmtpServer("127.0.0.1", 1), allowed=()))
    deliver_outbox(engine, Clock(local("2022-11-23")), sender, lambda s: Target(s.target, SECRET), CAL, "http://x")
    d = delivery(engine)
    assert d.state == "dead"
    assert d.error is not None and "non-public address 127.0.0.1" in d.error
    assert "s3cr3t" not in d.error


def _resolver(answer: list[str], calls: list[str]) -> Callable[[str, int], Awaitable[list[str]]]:
    """A stand-in for DNS (none runs here): names under .invalid, which the
    system resolver never answers (RFC 6761), get ``answer``."""

    async def resolve(host: str, port: int) -> list[str]:
        calls.append(host)
        return answer

    return resolve


def test_a_named_target_gets_the_request_at_the_address_that_was_checked(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    import notifiers.http

    calls: list[str] = []
    monkeypatch.setattr(notifiers.http, "resolve", _resolver(["127.0.0.1"], calls))
    recorder = Recorder()
    with webhook_receiver(SECRET, recorder) as url:
        port = url.rsplit(":", 1)[1]
        prepare(engine, "webhook", f"http://hooks.duban.invalid:{port}/hook")
        run(engine, Clock(local("2022-11-23")), lambda s: Target(s.target, SECRET))
    # One lookup, by the check; the connection went to its answer (a second
    # lookup of a .invalid name would have failed), under the target's name.
    assert delivery(engine).state == "sent"
    assert calls == ["hooks.duban.invalid"]
    assert [r["host"] for r in recorder.requests] == [f"hooks.duban.invalid:{port}"]


def test_a_name_resolving_to_a_private_address_is_refused(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    import notifiers.http

    monkeypatch.setattr(notifiers.http, "resolve", _resolver(["93.184.215.14", "10.1.2.3"], []))
    prepare(engine, "webhook", "http://intranet.duban.invalid/hook")
    run(engine, Clock(local("2022-11-23")), lambda s: Target(s.target, SECRET))
    d = delivery(engine)
    assert d.state == "dead" and d.error is not None
    assert "intranet.duban.invalid resolves to the non-public address 10.1.2.3" in d.error


def test_a_slow_endpoint_gets_a_timeout_not_a_hang(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    import httpx

    import notifiers.http

    monkeypatch.setattr(notifiers.http, "TIMEOUT", httpx.Timeout(0.5))
    recorder = Recorder()
    with webhook_receiver(SECRET, recorder, delay=2.0) as url:
        prepare(engine, "webhook", url)
        run(engine, Clock(local("2022-11-23")), lambda s: Target(s.target, SECRET))
    d = delivery(engine)
    assert d.state == "pending" and d.attempts == 1
    assert d.error is not None and re.search(r"timed out", d.error)


def test_the_service_worker_sends_while_a_slow_endpoint_waits(engine: Engine) -> None:
    import asyncio
    import threading
    import time

    from scheduler.outbox import OutboxWorker

    fast, slow = Recorder(), Recorder()
    held = threading.Event()  # the slow endpoint answers once this is set
    with webhook_receiver(SECRET, fast) as fast_url, webhook_receiver(SECRET, slow, hold=held) as slow_url:
        prepare(engine, "webhook", fast_url)
        with session(engine) as s:
            s.add(Subscription(id="slow", channel="webhook", target=slow_url))
            s.commit()
        assert fire_due(engine, local("2022-11-30"))  # the due-day reminder reaches both subscribers
        sender = Sender(notifiers(SmtpServer("127.0.0.1", 1), allowed={"127.0.0.1"}))
        clock = Clock(local("2022-11-30"))
        worker = OutboxWorker(
            engine, sender, lambda s: Target(s.target, SECRET), CAL, "http://duban.test", clock, poll=0.1
        )
        loop = asyncio.new_event_loop()
        stop = asyncio.Event()
        thread = threading.Thread(target=lambda: loop.run_until_complete(worker.serve(stop)))
        thread.start()
        give_up = time.monotonic() + 60  # ends a hung test; not a bound on speed
        while len(fast.requests) < 2 and time.monotonic() < give_up:
            time.sleep(0.05)
        # Both fast messages arrived while the slow endpoint still holds its
        # request: a slow endpoint holds only its own slot.
        assert len(fast.requests) == 2 and not slow.requests and not held.is_set()
        held.set()
        loop.call_soon_threadsafe(stop.set)
        thread.join(60)
    assert len(slow.requests) == 1
    with session(engine) as s:
        states = sorted((d.subscription_id, d.state) for d in s.exec(select(Delivery)))
    assert states == [("slow", "sent"), ("sub", "sent"), ("sub", "sent")]
