"""Reading a line left to right: the trigger characters it holds choose
the rules that may match; at each place the first rule by priority that
matches there and whose handler takes the match gives a candidate, and the
reading goes on after it (the way a lexer reads). To find the place, each
woken rule is searched from where the reading is, and the leftmost match
wins (ties go to the higher priority).

A rule whose match may begin anywhere before its trigger word (an event
named before "后": "作出决定后60个工作日内") would swallow the dates in
that stretch, so such rules (``alone``) are scanned on their own and their
candidates meet the others in the choice by priority that follows."""

from __future__ import annotations

import re
from typing import NamedTuple

from parsers.timeexpr import deadlines, lunar, notice, periods, recurring, relative
from parsers.timeexpr.base import Context, Rule, TimeExpr


# Every family's rules by priority; the sort is stable, so rules of one
# priority keep their order within their family.
def rule_name(rule: Rule) -> str:
    """The family and reader of a rule ("deadlines.day"), for explanations."""
    return f"{rule.handler.__module__.rsplit('.', 1)[-1]}.{rule.handler.__name__.lstrip('_')}"


RULES: tuple[Rule, ...] = tuple(
    rule._replace(name=rule_name(rule))
    for rule in sorted(
        [*relative.RULES, *recurring.RULES, *periods.RULES, *deadlines.RULES, *notice.RULES, *lunar.RULES],
        key=lambda r: r.priority,
    )
)
# The characters of the trigger words: a line wakes every rule one of whose
# words it holds all the characters of. That wakes a few rules more than
# the words would (their characters may lie apart), which costs a failed
# search and nothing else, and it takes one set operation per line.
_WORD_CHARS = {word: frozenset(word) for rule in RULES for word in (*rule.needs, *rule.also)}
_CHARS = frozenset().union(*_WORD_CHARS.values())


class Scanner(NamedTuple):
    """The rules one set of trigger characters wakes."""

    rules: tuple[Rule, ...]  # read left to right, in order of priority
    alone: tuple[Rule, ...]  # scanned on their own
    plain: tuple[Rule, ...] = ()  # ``rules`` for a context that defines no periods


# Trigger characters -> their Scanner; a plain dict, read in every line.
_SCANNERS: dict[frozenset[str], Scanner] = {}


def scanner(chars: frozenset[str]) -> Scanner:
    """The rules a line holding ``chars`` (of the trigger words') wakes;
    lines with the same characters share one."""
    found = _SCANNERS.get(chars)
    if found is None:
        if len(_SCANNERS) >= 4096:
            _SCANNERS.clear()
        held = {word for word, its in _WORD_CHARS.items() if its <= chars}
        awake = [
            rule
            for rule in RULES
            if (not rule.needs or not held.isdisjoint(rule.needs)) and (not rule.also or not held.isdisjoint(rule.also))
        ]
        rules = tuple(rule for rule in awake if not rule.alone)
        found = _SCANNERS[chars] = Scanner(
            rules, tuple(rule for rule in awake if rule.alone), tuple(rule for rule in rules if not rule.defined_only)
        )
    return found


def candidates(line: str, ctx: Context) -> list[TimeExpr]:
    """The phrases of ``line`` the rules read, in order, then those of the
    rules scanned alone."""
    chars = _CHARS.intersection(line)
    return read(line, ctx, _SCANNERS.get(chars) or scanner(chars))


# A line longer than this keeps its rules' matches (short lines gain nothing).
_LONG_LINE = 240


class _Matches:
    """Each rule's last match on one line, or that it has none left."""

    def __init__(self, n: int) -> None:
        self.last: list[re.Match[str] | None] = [None] * n
        self.exhausted = [False] * n

    def search(self, j: int, pattern: re.Pattern[str], line: str, pos: int) -> re.Match[str] | None:
        if self.exhausted[j]:
            return None
        last = self.last[j]
        if last is not None and last.start() >= pos:
            return last
        found = self.last[j] = pattern.search(line, pos)
        self.exhausted[j] = found is None
        return found


def read(line: str, ctx: Context, scan: Scanner) -> list[TimeExpr]:
    """The phrases of ``line`` that ``scan``'s rules read."""
    out: list[TimeExpr] = []
    rules = scan.rules if ctx.defined or ctx.period is not None or not scan.plain else scan.plain
    pos, size = 0, len(line)
    # On a long line each rule's last match is kept: while it begins at or
    # after ``pos`` it is still that rule's leftmost (a search from further
    # on finds nothing before it), so a line is searched once per rule and
    # phrase rather than once per rule at every place the reading stops.
    kept = _Matches(len(rules)) if size > _LONG_LINE else None
    while pos < size and rules:
        # The rule whose match begins first; of those that begin at the same
        # place, the first by priority. A match at ``pos`` cannot be beaten.
        k, first = -1, None
        for j, rule in enumerate(rules):
            m = rule.pattern.search(line, pos) if kept is None else kept.search(j, rule.pattern, line, pos)
            if m is not None and (first is None or m.start() < first.start()):
                k, first = j, m
                if m.start() == pos:
                    break
        if first is None:
            break
        at = first.start()
        pos = at + 1
        # The first rule that matches here; if its handler declines, the
        # rules after it that also match here, until a handler takes one.
        taken, m = rules[k], first
        expr = taken.handler(m, ctx)
        if expr is None:
            for rule in rules[k + 1 :]:
                again = rule.pattern.match(line, at)
                if again is not None and (expr := rule.handler(again, ctx)) is not None:
                    taken, m = rule, again
                    break
        if expr is not None:
            expr.priority = taken.priority
            if not expr.rule:
                expr.rule = taken.name
            out.append(expr)
            pos = max(pos, m.end())
    for rule in scan.alone:
        for m in rule.pattern.finditer(line):
            if (expr := rule.handler(m, ctx)) is not None:
                expr.priority = rule.priority
                expr.rule = expr.rule or rule.name
                out.append(expr)
    return out
