"""The phrase table, and the same rows written with full-width digits."""

from __future__ import annotations

import datetime as dt

import pytest

from parsers.milestones import Milestone
from parsers.pipeline import parse_text
from tests.parsers.phrases import ALL, Row

REF = "2022-01-01"
_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _full_width(row: Row) -> Row:
    text, quote, expected, *ref = row
    return (text.translate(_FULL_WIDTH), quote.translate(_FULL_WIDTH), expected, *ref)  # type: ignore[return-value]


WIDE = [_full_width(r) for r in ALL if any(c.isdigit() for c in r[1]) and r[2] != "none"]


def _describe(m: Milestone) -> str:
    if m.kind == "deadline":
        return f"deadline {m.due}"
    if m.kind == "range":
        return f"range {m.start} {m.due}"
    if m.kind == "start":
        return f"start {m.start}"
    if m.kind == "recurring":
        return f"recurring {m.rrule}"
    if m.kind == "relative" and m.offset:
        direction = "before" if "before" in m.offset else "after"
        return f"relative {m.offset['n']} {m.offset['unit']} {direction}"
    return m.kind


def _check(row: Row) -> None:
    text, quote, expected, *ref = row
    result = parse_text(text, ref=dt.date.fromisoformat(ref[0] if ref else REF), imported=dt.date(2026, 11, 29))
    found = result.milestones
    if expected == "none":
        assert found == [], [(m.quote, _describe(m)) for m in found]
        return
    hits = [m for m in found if quote in m.quote or m.quote in quote]
    assert hits, f"{quote!r} not found; got {[(m.quote, _describe(m)) for m in found]}"
    # Every reading of the phrase is the expected one: a second, wrong
    # reading of the same words fails the row.
    assert {_describe(m) for m in hits} == {expected}, [(m.quote, _describe(m)) for m in hits]
    for m in hits:
        assert m.quote in text


def _id(row: Row) -> str:
    return f"{row[0][:24]}|{row[1]}"


def test_table_is_large_enough() -> None:
    assert len(ALL) + len(WIDE) >= 200


@pytest.mark.parametrize("row", ALL, ids=_id)
def test_phrase(row: Row) -> None:
    _check(row)


@pytest.mark.parametrize("row", WIDE, ids=_id)
def test_phrase_full_width(row: Row) -> None:
    _check(row)


EVENTS = [
    ("作出准予行政许可决定后60个工作日内完成。", "作出准予行政许可决定"),
    ("申请人提交材料后5个工作日内办结。", "提交材料"),
    ("各地在收到通知后3日内反馈。", "收到通知"),
    ("事件发生后2小时内上报。", "事件发生"),
    ("会议结束后当日报送简报。", "会议结束"),
    ("方案印发后10个工作日内制定细则。", "方案印发"),
]


@pytest.mark.parametrize(("text", "event"), EVENTS, ids=[e for _, e in EVENTS])
def test_the_event_an_offset_counts_from(text: str, event: str) -> None:
    [m] = parse_text(text, ref=dt.date(2022, 1, 1), imported=dt.date(2026, 11, 29)).milestones
    assert m.kind == "relative" and m.offset is not None and m.offset["after"] == event
