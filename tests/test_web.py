"""The HTTP app on a real uvicorn server on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import httpx
import pytest
from icalendar import Calendar
from sqlalchemy.engine import Engine
from sqlmodel import select

from duban.web import ServerThread, create_app, new_token
from parsers.calendars import WorkdayCalendar
from parsers.pipeline import parse_text
from scheduler.db import session
from scheduler.importer import import_plan
from scheduler.models import FeedToken, Milestone, Override, Subscription
from scheduler.policy import ReminderPolicy
from scheduler.reminders import sync_reminders

TOKEN = "admin-7c1f"
PLAN = """XX局2022年重点工作方案
一、重点任务
(一)开展排查。全面排查隐患。(牵头单位:办公室;完成时间:2022年11月30日前)
(二)完善制度。修订管理制度,每季度报送进展。(牵头单位:法规科;完成时间:2022年12月15日前)
"""
NOW = dt.datetime(2022, 11, 20, 1, 0, tzinfo=dt.UTC)


@pytest.fixture
def server(engine: Engine) -> Iterator[str]:
    [plan] = parse_text(PLAN, imported=dt.date(2022, 1, 1)).plans
    import_plan(engine, "office", "plan.txt", PLAN, plan, NOW)
    with session(engine) as s:
        s.add(Subscription(id="office:1", channel="log", target="办公室", plans=["office"]))
        s.commit()
    app = create_app(engine, ReminderPolicy, "https://duban.example", TOKEN, lambda: dt.date(2022, 11, 20))
    server = ServerThread(app)
    server.start()
    yield server.url
    server.stop()


def test_feed_then_304_with_the_same_etag(server: str) -> None:
    with httpx.Client(base_url=server) as client:
        first = client.get("/feeds/all.ics")
        assert first.status_code == 200 and first.headers["vary"] == "Accept-Encoding"
        assert first.headers["content-type"] == "text/calendar; charset=utf-8"
        assert first.headers["content-encoding"] == "gzip"
        etag, modified = first.headers["etag"], first.headers["last-modified"]
        plain = client.get("/feeds/all.ics", headers={"Accept-Encoding": "identity"})
        assert "content-encoding" not in plain.headers and plain.headers["etag"] != etag  # another representation
        assert (
            client.get("/feeds/all.ics", headers={"Accept-Encoding": "identity", "If-None-Match": etag}).status_code
            == 200
        )
        again = client.get("/feeds/all.ics", headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.headers["etag"] == etag and again.content == b""
        since = client.get("/feeds/all.ics", headers={"If-Modified-Since": modified})
        assert since.status_code == 304
        assert len(Calendar.from_ical(first.content).walk("VEVENT")) == 3
        assert client.get("/feeds/plans/office.ics").status_code == 200
        assert client.get("/feeds/plans/nope.ics").status_code == 404
        assert client.get("/feeds/owners/no-such-unit.ics").status_code == 404
        owner = client.get("/feeds/owners/法规科.ics")
        assert sorted(str(e["summary"]) for e in Calendar.from_ical(owner.content).walk("VEVENT")) == [
            "【例行】完善制度（法规科）",
            "【截止】完善制度（法规科）",
        ]


def test_a_change_changes_the_etag_and_bumps_sequence(server: str, engine: Engine) -> None:
    with session(engine) as s:
        key = s.exec(select(Milestone.key).where(Milestone.quote == "2022年11月30日前")).one()
    with httpx.Client(base_url=server) as client:
        before = client.get("/feeds/all.ics")
        denied = client.put(f"/api/milestones/{key}/override", json={"due": "2022-12-05"})
        assert denied.status_code == 401
        wrong = client.put(
            f"/api/milestones/{key}/override", json={"due": "2022-12-05"}, headers={"Authorization": "Bearer nope"}
        )
        assert wrong.status_code == 401
        ok = client.put(
            f"/api/milestones/{key}/override",
            json={"due": "2022-12-05", "reason": "延期"},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert ok.status_code == 200 and ok.json()["sequence"] == 1
        after = client.get("/feeds/all.ics", headers={"If-None-Match": before.headers["etag"]})
        assert after.status_code == 200 and after.headers["etag"] != before.headers["etag"]
        [event] = [e for e in Calendar.from_ical(after.content).walk("VEVENT") if str(e["uid"]) == f"{key}@duban"]
        assert event["sequence"] == 1 and event.decoded("dtstart") == dt.date(2022, 12, 5)
        assert client.post(f"/api/tasks/{'t-nope'}/done").status_code == 401
        done = client.post(f"/api/tasks/{event_task(engine, key)}/done", headers={"Authorization": f"Bearer {TOKEN}"})
        assert done.status_code == 200
        tasks = {t["task"]: t["status"] for t in client.get("/api/tasks").json()}
        assert tasks["开展排查"] == "done"


ADMIN = {"Authorization": f"Bearer {TOKEN}"}


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"kind": "recurring", "rrule": "garbage"}, "'garbage' is not a rule part duban writes"),
        ({"kind": "recurring", "rrule": "FREQ=WEEKLY\r\nBEGIN:VEVENT"}, "is not a value FREQ takes"),
        ({"kind": "recurring", "rrule": "FREQ=DAILY;COUNT=5000"}, "COUNT is over 1000"),
        ({"kind": "recurring", "rrule": "FREQ=MONTHLY;BYMONTHDAY=31;BYMONTHDAY=1"}, "BYMONTHDAY is given twice"),
        ({"kind": "recurring"}, "a recurring needs rrule"),
        ({"kind": "range", "start": "2022-12-20"}, "start 2022-12-20 is after due 2022-11-30"),
        ({"kind": "sometime"}, "kind 'sometime' is not one of"),
        ({"due": "1066-10-14"}, "due 1066-10-14 is not between 1990-01-01 and 2100-12-31"),
    ],
)
def test_overrides_are_checked_before_they_are_kept(
    server: str, engine: Engine, body: dict[str, str], reason: str
) -> None:
    with session(engine) as s:
        key = s.exec(select(Milestone.key).where(Milestone.quote == "2022年11月30日前")).one()
    with httpx.Client(base_url=server) as client:
        refused = client.put(f"/api/milestones/{key}/override", json=body, headers=ADMIN)
        assert refused.status_code == 422 and reason in refused.json()["detail"], refused.text
        assert client.get("/feeds/all.ics").status_code == 200
        good = {"kind": "recurring", "rrule": "FREQ=MONTHLY;BYMONTHDAY=-1"}
        assert client.put(f"/api/milestones/{key}/override", json=good, headers=ADMIN).status_code == 200


def test_a_bad_stored_override_is_skipped_not_fatal(server: str, engine: Engine) -> None:
    """A row written before overrides were checked breaks nothing: the
    milestone keeps its parsed dates in the feeds, the API and the sync."""
    with session(engine) as s:
        key = s.exec(select(Milestone.key).where(Milestone.quote == "2022年11月30日前")).one()
        s.add(Override(milestone_key=key, kind="recurring", rrule="FREQ=WEEKLY\r\nBEGIN:VEVENT", created_at=NOW))
        s.commit()
    with httpx.Client(base_url=server) as client:
        feed = client.get("/feeds/all.ics")
        assert feed.status_code == 200 and b"BEGIN:VEVENT\r\nBEGIN:VEVENT" not in feed.content
        [event] = [e for e in Calendar.from_ical(feed.content).walk("VEVENT") if str(e["uid"]) == f"{key}@duban"]
        assert event.decoded("dtstart") == dt.date(2022, 11, 30) and "rrule" not in event
        assert client.get("/api/milestones").status_code == 200
        assert client.get("/api/tasks").status_code == 200
    sync_reminders(engine, lambda _: ReminderPolicy(), WorkdayCalendar(), NOW)


def test_an_authorization_header_outside_ascii_is_refused(server: str) -> None:
    with httpx.Client(base_url=server) as client:
        refused = client.post("/api/tasks/t-x/done", headers={"Authorization": "Bearer 督办".encode()})
        assert refused.status_code == 401


def event_task(engine: Engine, key: str) -> str:
    with session(engine) as s:
        return s.exec(select(Milestone.task_key).where(Milestone.key == key)).one()


def test_personal_feed_and_revocation(server: str, engine: Engine) -> None:
    token = new_token()
    with session(engine) as s:
        s.add(FeedToken(token=token, subscription_id="office:1", created_at=NOW))
        s.commit()
    with httpx.Client(base_url=server) as client:
        feed = client.get(f"/feeds/personal/{token}.ics")
        assert feed.status_code == 200 and "X-WR-CALNAME:督办：办公室" in feed.text
        with session(engine) as s:
            row = s.get(FeedToken, token)
            assert row is not None
            row.revoked_at = NOW
            s.commit()
        assert client.get(f"/feeds/personal/{token}.ics").status_code == 404
        assert client.get("/feeds/personal/guess.ics").status_code == 404


def test_a_robots_personal_feed_is_named_without_its_url(server: str, engine: Engine) -> None:
    token = new_token()
    with session(engine) as s:
        # As stored from the configuration: the URL's token masked (the real one stays in the plan file).
        s.add(
            Subscription(id="robot", channel="dingtalk", target="https://oapi.dingtalk.com/robot/send?access_token=***")
        )
        s.commit()  # (before the token that refers to it)
        s.add(FeedToken(token=token, subscription_id="robot", created_at=NOW))
        s.commit()
    with httpx.Client(base_url=server) as client:
        feed = client.get(f"/feeds/personal/{token}.ics")
    assert feed.status_code == 200 and "X-WR-CALNAME:督办：robot\r\n" in feed.text and "oapi" not in feed.text


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("督办：x\r\nBEGIN:VEVENT", "督办：x\\nBEGIN:VEVENT"),
        ("a\rb", "a\\nb"),
        ("a\nb", "a\\nb"),
        ("a\x00b\x1b[0m\tc", "ab[0m\tc"),
        ("A;B,C\\D", "A\\;B\\,C\\\\D"),
    ],
)
def test_a_text_value_never_ends_its_line(text: str, escaped: str) -> None:
    from scheduler.feed_text import escape

    assert escape(text) == escaped
    assert "\r" not in escape(text) and "\n" not in escape(text)


def test_api_health_metrics_docs(server: str, engine: Engine) -> None:
    sync_reminders(engine, lambda _: ReminderPolicy(), WorkdayCalendar(), NOW)
    with httpx.Client(base_url=server) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        client.get("/feeds/all.ics")
        metrics = client.get("/metrics").text
        assert 'duban_feed_requests_total{feed="all",status="200"}' in metrics
        # Reminders and deliveries are counted from the database, whichever process did the work.
        assert 'duban_reminders{state="pending"}' in metrics
        docs = client.get("/docs")
        assert docs.status_code == 200
        # Offline: every asset of the docs is served here, none from a CDN.
        assets = re.findall(r'(?:src|href)=["\']([^"\']+)["\']', docs.text)
        assert len(assets) >= 2 and all(a.startswith("/") and not a.startswith("//") for a in assets), assets
        for asset in assets:
            assert client.get(asset).status_code == 200, asset
        assert "/api/milestones" in client.get("/openapi.json").json()["paths"]
        plans = client.get("/api/plans").json()
        assert plans[0]["feed"]["webcal"] == "webcal://duban.example/feeds/plans/office.ics"
        due = client.get("/api/milestones", params={"owner": "法规科", "due_from": "2022-12-01"}).json()
        assert [m["quote"] for m in due] == ["2022年12月15日前"]
        # an owner asked for as a plan may write it ("法规科等") is the same unit
        again = client.get("/api/milestones", params={"owner": "法规科等", "due_from": "2022-12-01"}).json()
        assert [m["quote"] for m in again] == ["2022年12月15日前"]
        assert "督办日历订阅" in client.get("/subscribe").text
