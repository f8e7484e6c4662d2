"""What an admin may write over a milestone: checked before it is stored
(the API answers 422 with the reason), and checked again where it is read,
so that a bad row stored before the check existed is skipped (and logged
once) instead of breaking every feed and the reminder sync."""

from __future__ import annotations

import datetime as dt
import logging
import re

from parsers.recurrence import recurrence

log = logging.getLogger(__name__)

KINDS = ("deadline", "range", "start", "recurring", "ongoing", "unresolved")
EARLIEST, LATEST = dt.date(1990, 1, 1), dt.date(2100, 12, 31)
MAX_COUNT = 1000
# The rule parts duban writes, each with the values it may take.
_PARTS = {
    "FREQ": r"YEARLY|MONTHLY|WEEKLY|DAILY",
    "INTERVAL": r"[1-9]\d{0,2}",
    "COUNT": r"[1-9]\d{0,3}",
    "UNTIL": r"\d{8}(?:T\d{6}Z?)?",
    "BYDAY": r"(?:[+-]?[1-5]?(?:MO|TU|WE|TH|FR|SA|SU))(?:,[+-]?[1-5]?(?:MO|TU|WE|TH|FR|SA|SU))*",
    "BYMONTH": r"(?:1[0-2]|[1-9])L?(?:,(?:1[0-2]|[1-9])L?)*",
    "BYMONTHDAY": r"-?(?:3[01]|[12]\d|[1-9])(?:,-?(?:3[01]|[12]\d|[1-9]))*",
    "BYSETPOS": r"-?[1-5](?:,-?[1-5])*",
    "RSCALE": r"CHINESE",
    "SKIP": r"OMIT|BACKWARD|FORWARD",
}


def rule_problem(rule: str) -> str | None:
    """Why ``rule`` is not a recurrence rule duban can keep, or None."""
    if len(rule) > 200:
        return "the rule is longer than 200 characters"
    parts: dict[str, str] = {}
    for part in rule.split(";"):
        name, sep, value = part.partition("=")
        if not sep or name not in _PARTS:
            return f"{part!r} is not a rule part duban writes ({', '.join(_PARTS)})"
        if not re.fullmatch(_PARTS[name], value):
            return f"{name}={value!r} is not a value {name} takes"
        if name in parts:
            return f"{name} is given twice"
        parts[name] = value
    if "FREQ" not in parts:
        return "the rule has no FREQ"
    if "COUNT" in parts and int(parts["COUNT"]) > MAX_COUNT:
        return f"COUNT is over {MAX_COUNT}"
    if "RSCALE" in parts:
        return None  # a lunar rule: read by duban's Chinese-calendar reader
    try:
        recurrence(rule, dt.datetime(2025, 1, 1))
    except (ValueError, TypeError, KeyError) as exc:
        return f"the rule does not read: {exc}"
    return None


def dates_problem(kind: str, start: dt.date | None, due: dt.date | None, rrule: str | None) -> str | None:
    """Why a milestone's dates, once an override is laid over them, cannot
    be kept (the override names the kind or takes the milestone's), or None."""
    if kind not in KINDS:
        return f"kind {kind!r} is not one of {', '.join(KINDS)}"
    for name, day in (("start", start), ("due", due)):
        if day is not None and not EARLIEST <= day <= LATEST:
            return f"{name} {day} is not between {EARLIEST} and {LATEST}"
    if start is not None and due is not None and start > due:
        return f"start {start} is after due {due}"
    needs = {"deadline": ("due",), "range": ("start", "due"), "start": ("start",), "recurring": ("rrule",)}
    given = {"start": start, "due": due, "rrule": rrule}
    missing = [name for name in needs.get(kind, ()) if given[name] is None]
    if missing:
        return f"a {kind} needs {' and '.join(missing)}"
    if kind == "recurring" and rrule is not None:
        return rule_problem(rrule)
    return None


_TOLD: set[tuple[str, str]] = set()


def usable(key: str, problem: str | None) -> bool:
    """Whether a stored override can be read; a bad one is logged once."""
    if problem is None:
        return True
    if (key, problem) not in _TOLD:
        _TOLD.add((key, problem))
        log.error("milestone %s: its stored override is ignored: %s", key, problem)
    return False
