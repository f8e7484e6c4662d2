"""How a line is read: left to right, the leftmost match first, ties to the
rule first by priority, a declined match left to the rules after it, and
the rules scanned alone read on their own."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from parsers.timeexpr import Context, TimeExpr, scanning
from parsers.timeexpr.base import Rule

CTX = Context(ref=dt.date(2022, 1, 1))


def _rule(priority: int, pattern: str, kind: str, *, takes: bool = True, alone: bool = False) -> Rule:
    def handler(m: re.Match[str], ctx: Context) -> TimeExpr | None:
        return TimeExpr(*m.span(), kind) if takes else None

    return Rule(priority, re.compile(pattern), handler, alone=alone)


def _read(line: str, *rules: Rule) -> list[tuple[str, str, int]]:
    scan = scanning.Scanner(
        tuple(r for r in rules if not r.alone),
        tuple(r for r in rules if r.alone),
    )
    return [(line[e.start : e.end], e.kind, e.priority) for e in scanning.read(line, CTX, scan)]


@pytest.mark.parametrize(
    ("line", "rules", "read"),
    [
        # The leftmost match first, whatever its priority; reading goes on after it.
        ("ab", [_rule(10, "b", "high"), _rule(20, "ab", "low")], [("ab", "low", 20)]),
        # At one place, the rule first by priority.
        ("ab", [_rule(10, "a", "high"), _rule(20, "ab", "low")], [("a", "high", 10)]),
        # A declined match goes to the next rule that matches at the same place.
        ("ab", [_rule(10, "ab", "declines", takes=False), _rule(20, "a", "next")], [("a", "next", 20)]),
        # When every rule there declines, reading goes on from the next character.
        ("ab", [_rule(10, "ab", "declines", takes=False), _rule(20, "b", "later")], [("b", "later", 20)]),
        # Matches one after another.
        ("a-a-a", [_rule(10, "a", "each")], [("a", "each", 10)] * 3),
        # A rule scanned alone reads over what the others read.
        (
            "abc",
            [_rule(10, "b", "inside"), _rule(5, "abc", "whole", alone=True)],
            [("b", "inside", 10), ("abc", "whole", 5)],
        ),
    ],
)
def test_reading(line: str, rules: list[Rule], read: list[tuple[str, str, int]]) -> None:
    assert _read(line, *rules) == read


@pytest.mark.parametrize(
    ("line", "quote", "kind"),
    [
        ("12月4日至10日开展宣传", "12月4日至10日", "range"),  # the range (30) over the day (40) at one place
        ("自5月起至10月开展巡查", "5月起至10月", "range"),  # a start followed by 至 is the range's
        ("2022年11月底前完成", "2022年11月底前", "deadline"),
        ("2023年第二季度末前完成验收", "2023年第二季度末前", "deadline"),
        ("时间安排:2023年8月下旬至9月上旬。", "2023年8月下旬至9月上旬", "range"),
    ],
)
def test_rules_of_the_parser(line: str, quote: str, kind: str) -> None:
    found = scanning.candidates(line, CTX)
    assert [(line[e.start : e.end], e.kind) for e in found] == [(quote, kind)]


def test_lines_with_the_same_trigger_characters_share_their_rules() -> None:
    one = scanning.scanner(scanning._CHARS.intersection("2022年11月底前"))
    assert one is scanning.scanner(scanning._CHARS.intersection("2023年12月底前"))
    assert one.rules and all(rule.needs for rule in one.rules)


LONG = (
    "各乡镇要于6月30日前完成排查,县住建局牵头每季度调度一次;"
    "2023年3月—5月开展整治,每年农历正月十五前走访,即日起至12月10日排查。"
) * 30


def test_a_long_line_reads_the_same_with_its_rules_matches_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = Context(dt.date(2022, 1, 1))
    scan = scanning.scanner(scanning._CHARS.intersection(LONG))

    def reading() -> list[tuple[int, int, str]]:
        return [(e.start, e.end, e.kind) for e in scanning.read(LONG, ctx, scan)]

    monkeypatch.setattr(scanning, "_LONG_LINE", 10**9)
    searched_everywhere = reading()
    monkeypatch.setattr(scanning, "_LONG_LINE", 0)
    assert reading() == searched_everywhere
    assert len(searched_everywhere) >= 5 * 30
