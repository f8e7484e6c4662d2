"""One pass over a line: the trigger words it holds choose the rules that
may match, those rules are joined into one pattern in order of priority,
and the line is read left to right with it. At each place the first rule
that matches and whose handler takes the match gives a candidate, and the
reading goes on after it (the way a lexer reads), so most lines cost one
regex search per phrase plus one that finds nothing more.

A rule whose match may begin anywhere before its trigger word (an event
named before "后": "作出决定后60个工作日内") would swallow the dates in
that stretch, so such rules (``alone``) are scanned on their own and their
candidates meet the others in the choice by priority that follows."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

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
_CHARS = frozenset(ch for rule in RULES for word in (*rule.needs, *rule.also) for ch in word)
_GROUP = re.compile(r"\(\?P<\w+>")


class Scanner(NamedTuple):
    """The rules one set of trigger words wakes."""

    joined: tuple[Rule, ...]  # read in one pass, in order of priority
    alone: tuple[Rule, ...]  # scanned on their own
    pattern: re.Pattern[str] | None  # the joined rules as one alternation; group k+1 is rule k


def _held(words: tuple[str, ...], chars: frozenset[str]) -> bool:
    return not words or any(chars.issuperset(word) for word in words)


@lru_cache(maxsize=1024)
def scanner(chars: frozenset[str]) -> Scanner:
    """The rules a line holding ``chars`` (of the trigger words') wakes, and
    their joined pattern; lines with the same characters share one."""
    awake = [rule for rule in RULES if _held(rule.needs, chars) and _held(rule.also, chars)]
    joined = tuple(rule for rule in awake if not rule.alone)
    # Each rule is one group; its own named groups are dropped (the handler
    # reads the rule's own match), and rules use no other groups.
    pattern = re.compile("|".join(f"({_GROUP.sub('(?:', rule.pattern.pattern)})" for rule in joined))
    if pattern.groups != len(joined):
        raise ValueError("a rule's pattern has an unnamed group; write it (?:...)")
    return Scanner(joined, tuple(rule for rule in awake if rule.alone), pattern if joined else None)


def candidates(line: str, ctx: Context) -> list[TimeExpr]:
    """The phrases of ``line`` the rules read: left to right, the first rule
    by priority at each place; then the rules scanned alone."""
    out: list[TimeExpr] = []
    scan = scanner(_CHARS.intersection(line))
    if scan.pattern is not None:
        joined = scan.joined
        pos, size = 0, len(line)
        while pos < size and (found := scan.pattern.search(line, pos)) is not None:
            at = found.start()
            pos = at + 1
            # The first alternative that matched, then the rules after it
            # that also match here, until a handler takes one.
            for rule in joined[(found.lastindex or 1) - 1 :]:
                m = rule.pattern.match(line, at)
                if m is not None and (expr := rule.handler(m, ctx)) is not None:
                    expr.priority = rule.priority
                    out.append(expr)
                    pos = max(m.end(), pos)
                    break
    for rule in scan.alone:
        for m in rule.pattern.finditer(line):
            if (expr := rule.handler(m, ctx)) is not None:
                expr.priority = rule.priority
                out.append(expr)
    return out
