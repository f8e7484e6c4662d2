"""Sets of rules are read rule by rule until JOIN_AFTER lines have used
them, then through one joined pattern; both read the same candidates (the
property test in test_properties holds them to it)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest

from parsers.timeexpr import Context, scanning
from parsers.timeexpr.base import Rule

CTX = Context(ref=dt.date(2022, 1, 1))


@pytest.fixture(autouse=True)
def fresh_scanners(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(scanning, "JOIN_AFTER", 3)
    scanning.forget()
    yield
    scanning.forget()


def _scan(line: str) -> scanning.Scanner:
    return scanning.scanner(scanning._CHARS.intersection(line))


def test_a_set_of_rules_is_joined_once_enough_lines_used_it() -> None:
    lines = ["2022年11月底前完成", "2023年12月底前验收", "2024年6月底前上报"]
    assert len(_scan(lines[0]).joined) > 1
    for line in lines[:-1]:
        scanning.candidates(line, CTX)
        assert _scan(line).pattern is None
    found = scanning.candidates(lines[-1], CTX)
    assert _scan(lines[-1]).pattern is not None
    assert [(e.kind, e.due) for e in found] == [("deadline", dt.date(2024, 6, 30))]
    # The joined pattern reads what the rules read one by one.
    scan = _scan(lines[0])
    assert scanning.read(lines[0], CTX, scan, scan.pattern) == scanning.read(lines[0], CTX, scan, None)


def test_one_rule_is_never_joined() -> None:
    line = "全力抓好汛期工作"
    assert len(_scan(line).joined) == 1
    for _ in range(10):
        scanning.candidates(line, CTX)
    assert _scan(line).pattern is None


def test_forget_drops_the_counts() -> None:
    for _ in range(3):
        scanning.candidates("2022年11月底前完成", CTX)
    assert _scan("2022年11月底前完成").pattern is not None
    scanning.forget()
    assert _scan("2022年11月底前完成").pattern is None


def test_a_rule_with_an_unnamed_group_cannot_be_joined() -> None:
    rule = Rule(40, re.compile(r"(\d+)月"), lambda m, ctx: None, needs=("月",))
    with pytest.raises(ValueError, match="unnamed group"):
        scanning.Scanner((rule, rule), ()).join()
