"""Reading a line left to right: the trigger characters it holds choose
the rules that may match; at each place the first rule by priority that
matches there and whose handler takes the match gives a candidate, and the
reading goes on after it (the way a lexer reads).

To find that place, the rules are searched one by one and the leftmost
match wins (ties go to the higher priority). Lines that wake the same rules
share a ``Scanner``; once ``JOIN_AFTER`` lines have used one, its rules are
joined into one alternation in order of priority, and one search then
finds the same place and rule. Compiling the alternation takes about a
millisecond, the time of a hundred or more line reads, so a document's
rare lines never pay for it, and the vocabulary plans repeat soon does.

A rule whose match may begin anywhere before its trigger word (an event
named before "后": "作出决定后60个工作日内") would swallow the dates in
that stretch, so such rules (``alone``) are scanned on their own and their
candidates meet the others in the choice by priority that follows."""

from __future__ import annotations

import re
from functools import lru_cache

from parsers.timeexpr import deadlines, periods, recurring, relative
from parsers.timeexpr.base import Context, Rule, TimeExpr

# Every family's rules by priority; the sort is stable, so rules of one
# priority keep their order within their family.
RULES: tuple[Rule, ...] = tuple(
    sorted([*relative.RULES, *recurring.RULES, *periods.RULES, *deadlines.RULES], key=lambda r: r.priority)
)
# The characters of the trigger words: a line wakes every rule one of whose
# words it holds all the characters of. That wakes a few rules more than
# the words would (their characters may lie apart), which costs a failed
# search and nothing else, and it takes one set operation per line.
_WORD_CHARS = {word: frozenset(word) for rule in RULES for word in (*rule.needs, *rule.also)}
_CHARS = frozenset().union(*_WORD_CHARS.values())
_GROUP = re.compile(r"\(\?P<\w+>")
# Lines that use a set of rules before it is joined (see above).
JOIN_AFTER = 64


class Scanner:
    """The rules one set of trigger characters wakes."""

    __slots__ = ("alone", "joined", "pattern", "uses")

    def __init__(self, joined: tuple[Rule, ...], alone: tuple[Rule, ...]) -> None:
        self.joined = joined  # read left to right, in order of priority
        self.alone = alone  # scanned on their own
        self.pattern: re.Pattern[str] | None = None  # ``joined`` as one alternation; group k+1 is rule k
        self.uses = 0

    def join(self) -> re.Pattern[str]:
        # Each rule is one group; its own named groups are dropped (the
        # handler reads the rule's own match), and rules use no other groups.
        pattern = re.compile("|".join(f"({_GROUP.sub('(?:', rule.pattern.pattern)})" for rule in self.joined))
        if pattern.groups != len(self.joined):
            raise ValueError("a rule's pattern has an unnamed group; write it (?:...)")
        self.pattern = pattern
        return pattern


# Trigger characters -> their Scanner; a plain dict, read in every line.
_SCANNERS: dict[frozenset[str], Scanner] = {}


def forget() -> None:
    """Drop every ``Scanner``, with its count of lines and joined pattern."""
    _SCANNERS.clear()
    _scanner.cache_clear()


def scanner(chars: frozenset[str]) -> Scanner:
    """The rules a line holding ``chars`` (of the trigger words') wakes;
    lines with the same characters share one, and so do lines that wake the
    same rules."""
    found = _SCANNERS.get(chars)
    if found is None:
        if len(_SCANNERS) >= 4096:
            _SCANNERS.clear()
        held = {word for word, its in _WORD_CHARS.items() if its <= chars}
        found = _SCANNERS[chars] = _scanner(
            tuple(
                k
                for k, rule in enumerate(RULES)
                if (not rule.needs or not held.isdisjoint(rule.needs))
                and (not rule.also or not held.isdisjoint(rule.also))
            )
        )
    return found


@lru_cache(maxsize=1024)
def _scanner(awake: tuple[int, ...]) -> Scanner:
    return Scanner(
        tuple(RULES[k] for k in awake if not RULES[k].alone), tuple(RULES[k] for k in awake if RULES[k].alone)
    )


def _leftmost(rules: tuple[Rule, ...], line: str, pos: int) -> tuple[int, re.Match[str] | None]:
    """The rule whose first match at or after ``pos`` begins first (ties go
    to the one first in ``rules``) and that match; (-1, None) if none."""
    first, best = -1, None
    for k, rule in enumerate(rules):
        m = rule.pattern.search(line, pos)
        if m is not None and (best is None or m.start() < best.start()):
            first, best = k, m
            if m.start() == pos:
                break  # no later rule can begin before it
    return first, best


def candidates(line: str, ctx: Context) -> list[TimeExpr]:
    """The phrases of ``line`` the rules read, in order, then those of the
    rules scanned alone."""
    chars = _CHARS.intersection(line)
    scan = _SCANNERS.get(chars) or scanner(chars)
    pattern = scan.pattern
    if pattern is None and len(scan.joined) > 1:  # one rule is one search either way
        scan.uses += 1
        if scan.uses >= JOIN_AFTER:
            pattern = scan.join()
    return read(line, ctx, scan, pattern)


def read(line: str, ctx: Context, scan: Scanner, pattern: re.Pattern[str] | None) -> list[TimeExpr]:
    """``candidates``, finding each place with ``pattern`` (the joined
    rules) or, without it, rule by rule."""
    out: list[TimeExpr] = []
    joined = scan.joined
    pos, size = 0, len(line)
    while pos < size and joined:
        if pattern is None:
            k, first = _leftmost(joined, line, pos)
        elif (found := pattern.search(line, pos)) is not None:
            k = (found.lastindex or 1) - 1
            first = joined[k].pattern.match(line, found.start())
        else:
            break
        if first is None:
            break
        at = first.start()
        pos = at + 1
        # The first rule that matches here; if its handler declines, the
        # rules after it that also match here, until a handler takes one.
        taken, m = joined[k], first
        expr = taken.handler(m, ctx)
        if expr is None:
            for rule in joined[k + 1 :]:
                again = rule.pattern.match(line, at)
                if again is not None and (expr := rule.handler(again, ctx)) is not None:
                    taken, m = rule, again
                    break
        if expr is not None:
            expr.priority = taken.priority
            out.append(expr)
            pos = max(pos, m.end())
    for rule in scan.alone:
        for m in rule.pattern.finditer(line):
            if (expr := rule.handler(m, ctx)) is not None:
                expr.priority = rule.priority
                out.append(expr)
    return out
