"""Time expressions: find every time phrase in one normalized line and say
what it means, per spec/time-normalization.md.

Each rule is a pattern plus a small function that turns the match into a
``TimeExpr``. A line is read left to right: at each place the leftmost
match wins, and of the rules that match there the one first by priority,
so "每年1月底前" is one recurring rule and not a cadence plus a deadline. A
rule may decline a match (a rate, a past event), and then the text is left
to the rules after it.

    base        Context, TimeExpr, Rule, and what the families share
    relative    offsets from an event ("作出决定后60个工作日内")
    recurring   cadences as RRULEs ("每季度召开", "每年3月底前")
    periods     ranges, seasons, phases, stages, start dates
    deadlines   days, parts of months and years, target years, holiday eves,
                and what is temporal without a date
    scanning    trigger characters, and the reading left to right
    reading     the choice among overlapping candidates, sentence-level readings
"""

from parsers.timeexpr.base import Context, TimeExpr
from parsers.timeexpr.reading import find_time_expressions

__all__ = ["Context", "TimeExpr", "find_time_expressions"]
