"""Feeds checked by implementations nobody here wrote: libical's restriction
checks, the strict PyPI ``ical`` parser, Mozilla's ical.js, and
recurring-ical-events expanding them to the stored milestones' days."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import recurring_ical_events
from dateutil.rrule import rrulestr
from ical.calendar_stream import IcsCalendarStream
from icalendar import Calendar
from sqlalchemy.engine import Engine
from sqlmodel import select

from parsers.pipeline import parse_path, parse_text
from scheduler.db import session
from scheduler.feeds import FeedSpec, Rendered, render
from scheduler.importer import import_plan
from scheduler.models import Milestone, Override, Plan
from scheduler.policy import ReminderPolicy
from scheduler.status import mark_done
from tests.conftest import SEED

ROOT = Path(__file__).parents[2]
NOW = dt.datetime(2022, 11, 20, 1, 0, tzinfo=dt.UTC)
POLICY = ReminderPolicy()
SAMPLE = """XX局2022年重点工作方案
一、重点任务
(一)开展排查。全面排查隐患。(牵头单位:办公室;完成时间:2022年11月30日前)
(二)完善制度。修订管理制度。(牵头单位:法规科;完成时间:2022年12月15日前)
(三)调度进展。每月调度一次,每季度第1个月的20日前报送。(牵头单位:办公室)
(四)集中整治。整治期间(12月4日至10日)开展检查。(牵头单位:執法大隊)
"""


@pytest.fixture
def feed(engine: Engine, tmp_path: Path) -> tuple[Rendered, Path]:
    result = parse_path(SEED, imported=dt.date(2022, 1, 1), doc="seed")
    for i, plan in enumerate(result.plans[:8], start=1):
        import_plan(engine, f"seed/{i}", "seed", "", plan, NOW)
    [sample] = parse_text(SAMPLE, imported=dt.date(2022, 1, 1)).plans
    import_plan(engine, "sample", "sample.txt", SAMPLE, sample, NOW)
    with session(engine) as s:
        keys = {m.quote: m for m in s.exec(select(Milestone).where(Milestone.plan_id == "sample"))}
        s.add(Override(milestone_key=keys["2022年12月15日前"].key, due=dt.date(2022, 12, 30), created_at=NOW))
        s.commit()
    mark_done(engine, keys["2022年11月30日前"].task_key, NOW)
    shorter = SAMPLE.replace("(二)完善制度。修订管理制度。(牵头单位:法规科;完成时间:2022年12月15日前)\n", "")
    [plan2] = parse_text(shorter, imported=dt.date(2022, 1, 1)).plans
    import_plan(engine, "sample", "sample.txt", shorter, plan2, NOW)  # the override's milestone is removed
    rendered = render(engine, FeedSpec("all", name="督办：全部事项"), POLICY, "https://duban.example", NOW)
    path = tmp_path / "all.ics"
    path.write_bytes(rendered.body)
    return rendered, path


def test_wire_format(feed: tuple[Rendered, Path]) -> None:
    body = feed[0].body
    assert body.startswith(b"BEGIN:VCALENDAR\r\n") and body.endswith(b"END:VCALENDAR\r\n")
    assert not body.endswith(b"\r\n\r\n")
    assert b"\n" not in body.replace(b"\r\n", b"")
    for line in body.split(b"\r\n")[:-1]:
        assert len(line) <= 75, line
        line.decode("utf-8")  # folding never splits a character
    assert any(line.startswith(b" ") for line in body.split(b"\r\n"))  # long Chinese lines were folded
    text = body.decode("utf-8")
    for needed in (
        "PRODID:",
        "X-WR-CALNAME:督办：全部事项",
        "X-WR-TIMEZONE:Asia/Shanghai",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        "X-PUBLISHED-TTL:PT1H",
    ):
        assert needed in text
    assert "METHOD:" not in text


def _reader_output(program: str, script: Path, feed: Path) -> Any:
    """What another calendar library's reader printed (JSON) for the feed."""
    done = subprocess.run([program, str(script), str(feed)], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _libical_missing() -> str | None:
    """Why Debian's libical bindings cannot run here, or None."""
    probe = 'import gi; gi.require_version("ICalGLib", "3.0"); from gi.repository import ICalGLib'
    done = subprocess.run(["/usr/bin/python3", "-c", probe], capture_output=True, text=True, timeout=60, check=False)
    if done.returncode == 0:
        return None
    return "libical is not installed (Debian's python3-gi and gir1.2-ical-3.0; .ci/run installs them)"


def test_libical_restriction_checks_report_nothing(feed: tuple[Rendered, Path]) -> None:
    missing = _libical_missing() if Path("/usr/bin/python3").exists() else "no /usr/bin/python3 for libical"
    if missing:
        if os.environ.get("DUBAN_REQUIRE_LIBICAL"):
            pytest.fail(f"DUBAN_REQUIRE_LIBICAL is set but {missing}")
        pytest.skip(missing)
    report = _reader_output("/usr/bin/python3", ROOT / "tests" / "libical_check.py", feed[1])
    assert report["problems"] == []
    assert report["events"] == feed[0].events


def test_strict_ical_parser_reads_it(feed: tuple[Rendered, Path]) -> None:
    calendar = IcsCalendarStream.calendar_from_ics(feed[0].body.decode("utf-8"))
    assert len(calendar.events) == feed[0].events


def test_mozilla_ical_js_reads_it(feed: tuple[Rendered, Path]) -> None:
    node = shutil.which("node")
    assert node, "node is required (Debian's nodejs)"
    parsed = _reader_output(node, ROOT / "tests" / "js" / "read-feed.mjs", feed[1])
    assert parsed["name"] == "督办：全部事项"
    assert len(parsed["events"]) == feed[0].events
    assert any(e["recurring"] for e in parsed["events"])


def _expected_days(engine: Engine, start: dt.date, end: dt.date) -> dict[str, set[dt.date]]:
    out: dict[str, set[dt.date]] = {}
    with session(engine) as s:
        overrides = {o.milestone_key: o for o in s.exec(select(Override))}
        until = {p.id: p.until for p in s.exec(select(Plan))}
        for m in s.exec(select(Milestone).where(Milestone.active == True)):  # noqa: E712
            due = overrides[m.key].due if m.key in overrides else m.due
            days: set[dt.date] = set()
            if m.kind == "deadline" and due:
                days = {due}
            elif m.kind == "range" and m.start and due:
                days = {m.start + dt.timedelta(days=k) for k in range((due - m.start).days + 1)}
            elif m.kind == "start" and m.start:
                days = {m.start}
            elif m.kind == "recurring" and m.rrule:
                rule = rrulestr(m.rrule, dtstart=dt.datetime(2022, 1, 1))
                last = min(end, until[m.plan_id] or end)  # cadences stop with their plan's period
                days = {
                    d.date()
                    for d in rule.between(
                        dt.datetime.combine(start, dt.time()), dt.datetime.combine(last, dt.time()), inc=True
                    )
                }
            days = {d for d in days if start <= d <= end}
            if days:
                out[f"{m.key}@duban"] = days
    return out


def test_recurring_ical_events_expands_to_the_stored_milestones(engine: Engine, feed: tuple[Rendered, Path]) -> None:
    start, end = dt.date(2022, 1, 1), dt.date(2022, 12, 31)
    calendar = Calendar.from_ical(feed[0].body)
    found: dict[str, set[dt.date]] = {}
    for event in recurring_ical_events.of(calendar).between(start, end + dt.timedelta(days=1)):
        if str(event.get("status", "")) == "CANCELLED":
            continue
        first = event.decoded("dtstart")
        last = event.decoded("dtend") - dt.timedelta(days=1)
        days = {first + dt.timedelta(days=k) for k in range((last - first).days + 1)}
        found.setdefault(str(event["uid"]), set()).update(d for d in days if start <= d <= end)
    assert found == _expected_days(engine, start, end)


def test_changes_show_in_the_feed(feed: tuple[Rendered, Path]) -> None:
    text = feed[0].body.decode("utf-8")
    cal = Calendar.from_ical(feed[0].body)
    events = {str(e["summary"]): e for e in cal.walk("VEVENT")}
    done = [e for s, e in events.items() if s.startswith("✅ ") and "开展排查" in s]
    assert done and not done[0].walk("VALARM")
    cancelled = [e for e in cal.walk("VEVENT") if str(e.get("status")) == "CANCELLED"]
    assert [str(e["summary"]) for e in cancelled] == ["【截止】完善制度（法规科）"]
    assert cancelled[0]["sequence"] == 1
    assert cancelled[0]["dtstart"].dt == dt.date(2022, 12, 30)  # the override moved it
    assert "TRIGGER:-P7DT9H" not in text and "TRIGGER:-P6DT15H" in text  # 7 days before, at 09:00


def test_same_data_gives_the_same_bytes(engine: Engine, feed: tuple[Rendered, Path]) -> None:
    """DTSTAMP is when the event last changed in the store (RFC 5545 for a
    calendar without METHOD), so a later render of unchanged data is byte
    for byte the same and the ETag is a strong validator."""
    later = render(
        engine, FeedSpec("all", name="督办：全部事项"), POLICY, "https://duban.example", NOW + dt.timedelta(hours=5)
    )
    assert later.body == feed[0].body and later.etag == feed[0].etag
    for event in Calendar.from_ical(later.body).walk("VEVENT"):
        assert event["dtstamp"].dt == event["last-modified"].dt


def test_cadences_end_with_their_plans_period(feed: tuple[Rendered, Path]) -> None:
    cal = Calendar.from_ical(feed[0].body)
    rules = {str(e["summary"]): e["rrule"] for e in cal.walk("VEVENT") if "rrule" in e}
    # "XX局2022年重点工作方案": its period is 2022.
    [monthly] = [r for s, r in rules.items() if s.startswith("【例行】调度进展")]
    assert monthly["UNTIL"] == [dt.date(2022, 12, 31)]
    # "XX岛管委会防溺水工作方案" names no year, but the compendium's dates
    # are 2022's: a plan dated by its dates stops with that year (spec).
    assert all("UNTIL" in r for r in rules.values())
