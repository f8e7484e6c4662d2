"""Stored event text: a feed reuses each event's stored text while what it
was made from is unchanged, and writes it again when any of that changes.

Each case first marks the stored text (TRANSP:OPAQUE instead of
TRANSPARENT), so a feed that shows the mark reused the stored text and a
feed without it wrote the event again."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

import pytest
from ical.calendar_stream import IcsCalendarStream
from sqlalchemy import select, update
from sqlalchemy.engine import Engine

import scheduler.feeds
from parsers.pipeline import parse_text
from scheduler.db import session
from scheduler.feeds import FeedCache, FeedSpec, Rendered, render
from scheduler.importer import import_plan
from scheduler.models import FeedEvent, Milestone, Override, table
from scheduler.policy import ReminderPolicy
from scheduler.status import mark_done

NOW = dt.datetime(2022, 11, 20, 1, 0, tzinfo=dt.UTC)
POLICY = ReminderPolicy()
BASE = "https://duban.example"
PLAN = """XX局2022年重点工作方案
一、重点任务
(一)开展排查。全面排查隐患。(牵头单位:办公室;完成时间:2022年11月30日前)
(二)完善制度。修订管理制度。(牵头单位:法规科;完成时间:2022年12月15日前)
(三)长效机制。健全长效机制。(牵头单位:办公室;完成时间:长期)
"""
MARK, PLAIN = b"TRANSP:OPAQUE", b"TRANSP:TRANSPARENT"


def _import(engine: Engine, text: str = PLAN, now: dt.datetime = NOW) -> None:
    [plan] = parse_text(text, imported=dt.date(2022, 1, 1)).plans
    import_plan(engine, "p", "p.txt", text, plan, now)


def _feed(engine: Engine, base: str = BASE) -> Rendered:
    """The all-feed, read back by the strict ``ical`` parser: a feed put
    together from stored pieces is a valid calendar too."""
    rendered = render(engine, FeedSpec("all"), POLICY, base, NOW)
    calendar = IcsCalendarStream.calendar_from_ics(rendered.body.decode("utf-8"))
    assert len(calendar.events) == rendered.events
    return rendered


def _mark_stored(engine: Engine) -> None:
    fe = table(FeedEvent)
    with engine.begin() as c:
        for key, head in c.execute(select(fe.c.milestone_key, fe.c.head)).all():
            c.execute(update(fe).where(fe.c.milestone_key == key).values(head=head.replace(PLAIN, MARK)))


def _key(engine: Engine, quote: str) -> str:
    with session(engine) as s:
        row = s.execute(select(Milestone.key).where(Milestone.quote == quote)).scalar_one()
        return str(row)


def test_stored_text_is_reused_and_the_same_as_written(engine: Engine) -> None:
    _import(engine)
    first = _feed(engine)
    with engine.connect() as c:
        stored = c.execute(select(table(FeedEvent).c.milestone_key, table(FeedEvent).c.head)).all()
    assert len(stored) == 3  # two deadlines and the 长期 task, remembered as having no calendar day
    assert sum(1 for _, head in stored if head == b"") == 1
    assert _feed(engine).body == first.body  # put together from stored text: byte for byte the same
    _mark_stored(engine)
    again = _feed(engine)
    assert again.body.count(MARK) == 2 and PLAIN not in again.body


def _change_title(engine: Engine) -> None:
    text = PLAN.replace("XX局2022年重点工作方案", "XX局2022年重点工作实施方案")
    _import(engine, text, NOW + dt.timedelta(minutes=10))


def _override(engine: Engine) -> None:
    # Written straight to the table, without touching the milestone row.
    with session(engine) as s:
        s.add(Override(milestone_key=_key(engine, "2022年11月30日前"), due=dt.date(2022, 12, 9), created_at=NOW))
        s.commit()


def _move_date(engine: Engine) -> None:
    # What the importer does to a milestone whose reading changed.
    m = table(Milestone)
    with engine.begin() as c:
        c.execute(
            update(m)
            .where(m.c.key == _key(engine, "2022年12月15日前"))
            .values(due=dt.date(2022, 12, 16), sequence=m.c.sequence + 1, changed_at=NOW + dt.timedelta(hours=1))
        )


def _new_format(engine: Engine) -> None:
    scheduler.feeds.TEXT_FORMAT += 1


@pytest.mark.parametrize(
    ("change", "rewritten", "shows"),
    [
        (_change_title, 2, "XX局2022年重点工作实施方案"),
        (_override, 1, "DTSTART;VALUE=DATE:20221209"),
        (_move_date, 1, "DTSTART;VALUE=DATE:20221216"),
        (_new_format, 2, "SUMMARY:【截止】开展排查（办公室）"),
    ],
    ids=["plan title", "override", "milestone", "text format"],
)
def test_a_change_writes_the_event_again(
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    change: Callable[[Engine], None],
    rewritten: int,
    shows: str,
) -> None:
    monkeypatch.setattr(scheduler.feeds, "TEXT_FORMAT", scheduler.feeds.TEXT_FORMAT)
    _import(engine)
    _feed(engine)
    _mark_stored(engine)
    change(engine)
    body = _feed(engine).body
    assert body.count(PLAIN) == rewritten and body.count(MARK) == 2 - rewritten
    assert shows in body.decode("utf-8")


def test_another_site_address_writes_every_event_again(engine: Engine) -> None:
    _import(engine)
    _feed(engine)
    _mark_stored(engine)
    body = _feed(engine, base="https://tasks.example.gov.cn").body
    assert MARK not in body and body.count(b"URL:https://tasks.example.gov.cn/plans/p") == 2


def test_done_and_removed_need_no_new_text(engine: Engine) -> None:
    _import(engine)
    _feed(engine)
    _mark_stored(engine)
    with session(engine) as s:
        task = s.get(Milestone, _key(engine, "2022年11月30日前"))
        assert task is not None
    mark_done(engine, task.task_key, NOW)
    text = _feed(engine).body.decode("utf-8")
    done = text[text.index("SUMMARY:✅ 【截止】开展排查") :]
    assert "STATUS:CONFIRMED" in done[: done.index("END:VEVENT")]
    assert text.count(MARK.decode()) == 2  # the stored text was used for both


def test_concurrent_renders_agree(engine: Engine) -> None:
    _import(engine)
    results: list[bytes] = []
    errors: list[BaseException] = []

    def one() -> None:
        try:
            results.append(_feed(engine).body)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == [] and len(results) == 6 and len(set(results)) == 1
    with engine.connect() as c:
        assert len(c.execute(select(table(FeedEvent).c.milestone_key)).all()) == 3


def test_refresh_renders_served_feeds_before_the_next_poll(engine: Engine) -> None:
    _import(engine)
    cache = FeedCache(engine, lambda: POLICY, BASE, stamp_ttl=60)
    spec = FeedSpec("plan", "p")
    first = cache.get(spec, NOW)
    assert cache.refresh(NOW) == 0  # nothing changed
    _move_date(engine)
    assert cache.refresh(NOW) == 1
    renders = cache.renders
    after = cache.fresh(spec)  # what a poll gets without touching the database
    assert after is not None and cache.renders == renders
    assert after.etag != first.etag and b"DTSTART;VALUE=DATE:20221216" in after.body


def test_the_cache_keeps_the_feeds_polled_lately_and_their_gzip(engine: Engine) -> None:
    import gzip

    _import(engine)
    cache = FeedCache(engine, lambda: POLICY, BASE, stamp_ttl=60, size=2)
    specs = [FeedSpec("all"), FeedSpec("plan", "p"), FeedSpec("owner", "办公室")]
    for spec in specs:
        rendered = cache.get(spec, NOW)
        assert gzip.decompress(rendered.gzipped) == rendered.body  # compressed once, with the render
    assert list(cache.cache) == specs[1:]  # the one polled least lately made room
    cache.get(specs[1], NOW)  # a hit: now the latest
    cache.get(specs[0], NOW)  # rendered again on demand
    assert list(cache.cache) == [specs[1], specs[0]] and cache.renders == 4


def test_many_stale_events_are_read_at_once_with_the_same_result(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _import(engine)
    by_key = _feed(engine).body
    with engine.begin() as c:
        c.execute(table(FeedEvent).delete())
    monkeypatch.setattr(scheduler.feeds, "_MANY", 0)  # any number of stale events is "many"
    assert _feed(engine).body == by_key


def test_last_modified_follows_a_done_mark(engine: Engine) -> None:
    _import(engine)
    before = _feed(engine)
    later = NOW + dt.timedelta(hours=2)
    mark_done(engine, _task_of(engine, "2022年11月30日前"), later)
    after = _feed(engine)
    assert before.last_modified == NOW and after.last_modified == later


def test_last_modified_moves_whenever_the_bytes_change(engine: Engine) -> None:
    _import(engine)
    policies = [ReminderPolicy(), ReminderPolicy(before=(2,))]
    cache = FeedCache(engine, lambda: policies[0], BASE, stamp_ttl=0)
    spec = FeedSpec("all")
    first = cache.get(spec, NOW)
    policies.pop(0)  # other alarms (a configuration reload): other bytes, the same data
    later = NOW + dt.timedelta(hours=3)
    second = cache.get(spec, later)
    assert second.etag != first.etag and second.last_modified == later


def _task_of(engine: Engine, quote: str) -> str:
    with session(engine) as s:
        m = s.get(Milestone, _key(engine, quote))
        assert m is not None
        return m.task_key


def test_a_new_plan_title_shows_in_served_feeds(engine: Engine) -> None:
    _import(engine)
    cache = FeedCache(engine, lambda: POLICY, BASE, stamp_ttl=0)
    spec = FeedSpec("all")
    assert "XX局2022年重点工作方案" in cache.get(spec, NOW).body.decode("utf-8")
    _import(engine)  # the same text again: nothing to render
    renders = cache.renders
    cache.get(spec, NOW)
    assert cache.renders == renders
    _change_title(engine)
    assert "XX局2022年重点工作实施方案" in cache.get(spec, NOW).body.decode("utf-8")
