"""Readings that look past one phrase to its line and the lines before it:
clock times dated by the day written before them, dates that report the
past rather than set a deadline, annex lines and statements of purpose
that hold no milestones.
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_right
from dataclasses import replace
from functools import lru_cache

from parsers.timeexpr import TimeExpr

# A line that lists an annex by its name: "附件:1.XX县2023年下半年…登记表".
ATTACHMENT = re.compile(r"^\s*附件\s*\d{0,2}\s*[:：]")
# The statement of purpose opening a plan: "为切实做好今冬明春…工作,…,制定本方案。"
# Its time words are the plan's own period, not milestones.
PURPOSE = re.compile(
    r"^\s*为[^。]*?(?:制定本方案|制定本计划|制定本要点|特制定|现制定|制定如下|制定此方案)[^。]*(?:。|$)"
)


_GLOSS_BETWEEN = re.compile(r"\s*(?:\((?:星期|周)[一二三四五六日天]\))?\s*")
_NEXT_DAY = ("次日", "翌日", "第二天")
# An agenda row opens with its time: "1.上午9:00—上午9:30 启动仪式".
_AGENDA_ROW = re.compile(
    r"\s*(?:\(?\d{1,2}[).、]|\([一二三四五六七八九十]{1,3}\))?\s*(?:上午|下午|晚上|早上|中午|晚)?\s*\d{1,2}:\d{2}"
)


# What makes a sentence report what happened before the issue date: "开展了
# 常规巡察", "截至10月底", "同比下降" (and no duty in it: "请于…", "须…").
_PAST = re.compile(r"了|已经|已于|截至|截止到|同比|共发生|先后")
_DUTY = re.compile(r"请|应|须|要(?!求)|务必|确保|力争|完成|报送")
_SENTENCE_END = re.compile(r"[。;；]")


def reports_the_past(text: str, expr: TimeExpr, issued: dt.date) -> bool:
    """A dated phrase wholly before the issue date in a sentence that
    reports the past ("2024年6月11日至7月20日,巡察组…开展了常规巡察",
    "10月15日,市政府常务会议专题研究…") names an event, not a deadline."""
    last = expr.due or expr.begin
    if expr.kind not in ("deadline", "range", "start") or last is None:
        return False
    moved = expr.moved  # read in a later year: in a report of the past, it was this year's
    if last >= issued and not moved:
        return False
    starts = _sentence_starts(text)
    k = bisect_right(starts, expr.start) - 1
    start, end = starts[k], starts[k + 1] if k + 1 < len(starts) else len(text)
    sentence = text[start:end]
    # A lede that opens with its day ("10月15日,市政府常务会议专题研究…")
    # reports an event unless the sentence sets a duty; a table row or an
    # item that only dates its work ("10月31日前") keeps it.
    lede = expr.start == start and text.startswith((",", "，"), expr.end)
    return bool(_PAST.search(sentence)) or (lede and not moved and not _DUTY.search(sentence))


@lru_cache(maxsize=256)
def _sentence_starts(text: str) -> tuple[int, ...]:
    return (0, *(m.end() for m in _SENTENCE_END.finditer(text)))


def dated_clocks(text: str, found: list[TimeExpr], last_day: list[dt.date]) -> list[TimeExpr]:
    """Clock times take the day written before them: right after a date
    they are its hour, not a milestone of their own ("2023年7月19日上午9:00");
    apart from it they are due that day ("22:30前完成", "次日6:00前" the
    day after). ``last_day`` holds the day written last, across lines."""
    out: list[TimeExpr] = []
    for expr in found:
        if expr.kind != "clock":
            day = expr.due if expr.kind == "deadline" else expr.begin if expr.kind in ("range", "start") else None
            if day is not None:
                last_day[:] = [day]
            out.append(expr)
            continue
        prev = out[-1] if out else None
        if prev is not None and _GLOSS_BETWEEN.fullmatch(text, prev.end, expr.start):
            continue  # the hour of the day just written
        dated_here = any(e.kind in ("deadline", "range", "start") and e.end <= expr.start for e in out)
        if not last_day or not (dated_here or _AGENDA_ROW.match(text, 0, expr.end)):
            continue  # "作息:上午8:00前到校": a daily routine, no day of its own
        day = last_day[0]
        if text.endswith(_NEXT_DAY, 0, expr.start):
            day += dt.timedelta(days=1)
        out.append(replace(expr, kind="deadline", due=day, note=expr.note))
    return out
