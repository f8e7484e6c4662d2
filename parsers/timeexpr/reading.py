"""Reading a line: its candidates (``scanning``), the choice among
overlapping ones (priority, then length), and the sentence-level readings
that follow."""

from __future__ import annotations

import bisect
import datetime as dt
import re
from dataclasses import replace
from itertools import pairwise

from parsers.calendars import month_end
from parsers.timeexpr import relative
from parsers.timeexpr.base import Context, TimeExpr, safe_date
from parsers.timeexpr.periods import DEFINED_NOTE, stages
from parsers.timeexpr.recurring import WINDOW_NOTE, window_months
from parsers.timeexpr.scanning import candidates


def _select(cands: list[TimeExpr]) -> list[TimeExpr]:
    """The candidates that win their place: by priority, then the longer,
    then the earlier; none overlaps one taken before it."""
    taken: list[TimeExpr] = []  # in order of position, never overlapping
    starts: list[int] = []
    for expr in sorted(cands, key=lambda e: (e.priority, -(e.end - e.start), e.start)):
        at = bisect.bisect_right(starts, expr.start)
        # Only the neighbours by position can overlap it.
        if (at and taken[at - 1].end > expr.start) or (at < len(taken) and taken[at].start < expr.end):
            continue
        taken.insert(at, expr)
        starts.insert(at, expr.start)
    return taken


_SENTENCE_MARKS = re.compile("[。;；]")
_CLAUSE_MARKS = re.compile("[。;；,，]")


def _span_of(marks: re.Pattern[str], line: str, pos: int) -> tuple[int, int]:
    """The stretch of ``line`` around ``pos`` between two of ``marks``."""
    start, end = 0, len(line)
    for m in marks.finditer(line):
        if m.start() < pos:
            start = m.start() + 1
        elif m.start() >= pos:
            end = m.start()
            break
    return start, end


def _sentence_of(line: str, pos: int) -> tuple[int, int]:
    return _span_of(_SENTENCE_MARKS, line, pos)


def _clause_of(line: str, pos: int) -> tuple[int, int]:
    return _span_of(_CLAUSE_MARKS, line, pos)


def _tidy(line: str, found: list[TimeExpr]) -> list[TimeExpr]:
    """Sentence-level readings: one cadence said twice is one milestone; a
    bare month-day after "每年X" in the same sentence repeats yearly; a weak
    reading ("完成今年…") gives way to a real date in its clause."""
    if any(e.weak for e in found):
        clauses = [_clause_of(line, e.start) for e in found if not e.weak and e.kind in ("deadline", "range", "start")]
        found = [e for e in found if not (e.weak and _clause_of(line, e.start) in clauses)]
    out: list[TimeExpr] = []
    seen: set[tuple[tuple[int, int], str]] = set()
    found = _bounded_cadences(line, found)
    yearly_in: set[tuple[int, int]] = set()
    for expr in found:
        sentence = _sentence_of(line, expr.start)
        if expr.kind == "relative" and expr.offset:
            # "当日受理、当日回复": one limit said twice.
            side = "before" if "before" in expr.offset else "after"
            reading = (sentence, f"{expr.offset['n']} {expr.offset['unit']} {side}")
            if reading in seen:
                continue
            seen.add(reading)
        if expr.kind == "recurring" and expr.rrule:
            key = (sentence, expr.rrule)
            if key in seen:
                continue
            seen.add(key)
            if (
                expr.rrule.startswith("FREQ=YEARLY;BYMONTH=")
                and "," not in expr.rrule
                and line[expr.start : expr.start + 2] == "每年"
            ):
                yearly_in.add(sentence)
        elif expr.kind == "deadline" and not expr.year_given and sentence in yearly_in and expr.due is not None:
            day = -1 if expr.due == month_end(expr.due.year, expr.due.month) else expr.due.day
            yearly = replace(
                expr,
                kind="recurring",
                due=None,
                rrule=f"FREQ=YEARLY;BYMONTH={expr.due.month};BYMONTHDAY={day}",
                note="repeats the yearly cadence of its sentence",
            )
            if _every_year_before(line, out, expr):
                # "每年国庆节前": one yearly rule, not "每年" and a second one.
                yearly.start = out.pop().start
                yearly.note = ""
            expr = yearly
        elif expr.kind in ("unresolved", "deadline") and _every_year_before(line, out, expr):
            # "每年汛期前", "每年春节前": what "每年" repeats has no fixed
            # Gregorian day, so no yearly rule; the phrase keeps the 每年.
            every = out.pop()
            expr = replace(expr, start=every.start, note=_join(expr.note, "every year; no fixed day to repeat on"))
        out.append(expr)
    return out


def _bounded_cadences(line: str, found: list[TimeExpr]) -> list[TimeExpr]:
    """A cadence after a period in its sentence ("汛期内每周五", "主汛期内,
    各村每日8时前报送") repeats within it: one recurring milestone bounded
    by the period (quoted with it when the two are written together)."""
    out: list[TimeExpr] = []
    for expr in found:
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.note == WINDOW_NOTE
            and expr.kind == "recurring"
            and expr.rrule
            and not expr.rrule.startswith("FREQ=YEARLY")
            and _sentence_of(line, prev.start) == _sentence_of(line, expr.start)
        ):
            # "每年的4月至10月,…每周巡河": the cadence runs in those months only.
            months = window_months(line[prev.start : prev.end]) or []
            parts = [p for p in expr.rrule.split(";") if not p.startswith("BYMONTH=")]
            at = 2 if len(parts) > 1 and parts[1].startswith("INTERVAL=") else 1
            parts.insert(at, "BYMONTH=" + ",".join(map(str, months)))
            note = _join(expr.note, "within " + line[prev.start : prev.end])
            out[-1] = replace(expr, rrule=";".join(parts), note=note)
            continue
        if (
            prev is not None
            and expr.kind == "recurring"
            and prev.kind == "range"
            and prev.begin is not None
            and (prev.note in (DEFINED_NOTE, "official days off") or prev.season)
            and _sentence_of(line, prev.start) == _sentence_of(line, expr.start)
        ):
            within = "within " + line[prev.start : prev.end]
            bounded = replace(expr, begin=prev.begin, due=prev.due, note=_join(expr.note, within))
            if prev.note in (DEFINED_NOTE, "official days off") and not line[prev.end : expr.start].strip(" ,，"):
                # A period named again right before it ("汛期内每周五"): its bounds only.
                bounded.start = prev.start
                out[-1] = bounded
            else:  # a period apart from it is a milestone of its own
                out.append(bounded)
            continue
        first = _cadence_start(line, prev, expr)
        if prev is not None and first is not None:
            # "每季度最后一个月的20日前报送…,从2025年第一季度开始执行": when the cadence starts
            out[-1] = replace(prev, begin=first, note=_join(prev.note, "from " + line[expr.start : expr.end]))
            continue
        out.append(expr)
    return out


_STARTS_THEN = ("开始", "起")


def _cadence_start(line: str, prev: TimeExpr | None, expr: TimeExpr) -> dt.date | None:
    """The first day of the period after 从/自 that a cadence before it in
    its sentence starts from."""
    if prev is None or prev.kind != "recurring" or expr.kind not in ("deadline", "start"):
        return None
    text = line[expr.start : expr.end]
    from_then = line[expr.start - 1 : expr.start] in ("从", "自") and line.startswith(_STARTS_THEN, expr.end)
    if not (from_then or (expr.kind == "start" and text.startswith(("从", "自")))):
        return None
    if _sentence_of(line, prev.start) != _sentence_of(line, expr.start):
        return None
    if expr.kind == "start":
        return expr.begin
    due = expr.due
    if due is None:
        return None
    if "季度" in text and not text.endswith(("末", "底")):
        return dt.date(due.year, due.month - 2, 1)
    if text.endswith("月") or text.endswith("月份"):
        return due.replace(day=1)  # "自2025年3月起": the month's first day
    return due  # "从3月底开始", "从3月10日开始": that day


def _every_year_before(line: str, out: list[TimeExpr], expr: TimeExpr) -> bool:
    """The phrase read last is a bare "每年" right before ``expr``."""
    return bool(out) and out[-1].end == expr.start and line[out[-1].start : out[-1].end] == "每年"


def _join(*notes: str) -> str:
    return "; ".join(n for n in notes if n)


_MORE_DAYS = re.compile(r"[、和及与](?P<d>\d{1,2})[日号](?P<by>前|之前)?")


# Words that pair listed days with as many events ("5月1日、2日、3日，先后由
# A、B、C…", "分别于…"): each day is its own.
_EACH_DAY = re.compile("先后|分别|依次|各[一1]场|轮流")


def _listed_days(line: str, found: list[TimeExpr]) -> list[TimeExpr]:
    """Days listed after a date in its month: "9月13日、20日、27日" is three
    deadlines, and so are days that follow one another when the sentence
    pairs them with as many events ("5月1日、2日、3日，先后由…"); otherwise
    days that follow one another are one event's days ("时间：4月25日、26日"
    is a two-day window)."""
    out: list[TimeExpr] = []
    for expr in found:
        out.append(expr)
        if expr.kind != "deadline" or expr.due is None or line[expr.end - 1 : expr.end] not in ("日", "号"):
            continue
        at, due = expr.end, expr.due
        days: list[TimeExpr] = []
        while (m := _MORE_DAYS.match(line, at)) is not None:
            day = safe_date(due.year, due.month, int(m["d"]))
            if day is None or day <= due or any(m.start() < e.end and e.start < m.end() for e in found):
                break
            days.append(
                TimeExpr(
                    m.start() + 1,
                    m.end(),
                    "deadline",
                    due=day,
                    year_given=expr.year_given,
                    note="a day listed in the month before it",
                    rule=expr.rule,
                )
            )
            at, due = m.end(), day
        if days and _one_event(line, expr, days):
            out[-1] = replace(
                expr,
                end=days[-1].end,
                kind="range",
                begin=expr.due,
                due=days[-1].due,
                note=_join(expr.note, "days that follow one another: one window"),
            )
        else:
            out.extend(days)
    return out


def _one_event(line: str, first: TimeExpr, days: list[TimeExpr]) -> bool:
    """Listed days that follow one another, and no word pairing them with
    as many events in their sentence."""
    assert first.due is not None
    dues = [first.due, *(d.due for d in days if d.due is not None)]
    if any((b - a).days != 1 for a, b in pairwise(dues)) or line[: days[-1].end].endswith("前"):
        return False  # "4月8日、9日前": one 前 over a list, a deadline each
    return _EACH_DAY.search(line, *_sentence_of(line, first.start)) is None


def _forward_lists(line: str, found: list[TimeExpr]) -> None:
    """Yearless dates listed one after another keep moving forward in time."""
    for prev, cur in pairwise(found):
        if cur.kind != "deadline" or prev.kind != "deadline" or cur.year_given or prev.due is None or cur.due is None:
            continue
        between = line[prev.end : cur.start]
        if re.fullmatch(r"\s*(?:、|,|，|及|和|或|以及)\s*", between) and cur.due < prev.due:
            try:
                cur.due = cur.due.replace(year=cur.due.year + 1)
            except ValueError:
                cur.due = month_end(cur.due.year + 1, cur.due.month)


# A phrase without a year may fall this long before the day phrases resolve
# forward from and still be meant in that year (just past, and flagged).
GRACE = dt.timedelta(days=60)


def _key_day(expr: TimeExpr) -> dt.date | None:
    """The day that decides a phrase's year: a deadline's due, a range's end
    (a holiday's eve is a deadline), a start's first day."""
    return expr.due or expr.begin


def _forward(line: str, ctx: Context, found: list[TimeExpr]) -> list[TimeExpr]:
    """Phrases without a year that fall more than ``GRACE`` before
    ``ctx.forward_from`` are read again in the next year (the spec's
    forward resolution: issued 2026-11-25, "上半年" is 2027-06-30); so are
    those before it whose next year's reading falls within the period the
    title names ("7月3日" in a 2025—2026 school year's calendar)."""
    assert ctx.forward_from is not None
    start = ctx.forward_from
    limit = start - GRACE
    early = [e for e in found if e.floating and (day := _key_day(e)) is not None and day < start]
    if not early:
        return found
    next_year = ctx._replace(base_year=ctx.year + 1, forward_from=None)
    again = {(e.start, e.end): e for e in find_time_expressions(line, next_year)}
    out = []
    for expr in found:
        moved = again.get((expr.start, expr.end)) if expr in early else None
        # Moved into a year with no holiday data, a window is unresolved.
        if moved is not None and moved.kind in (expr.kind, "unresolved"):
            day, later = _key_day(expr), _key_day(moved)
            assert day is not None
            within = ctx.window_end is not None and later is not None and later <= ctx.window_end
            if day < limit or within:
                why = f"no year given: the first after {start} (less {GRACE.days} days)"
                moved.note = _join(moved.note, why)
                moved.moved = True
                expr = moved
        out.append(expr)
    return out


# A line longer than this is read a stretch of whole sentences at a time
# (a stretch of this size when one sentence runs on without an end): each
# reading looks around its phrase within its sentence, so the time to read
# a line grows with its length, not with its square.
STRETCH = 2000


def find_time_expressions(line: str, ctx: Context) -> list[TimeExpr]:
    """Every time phrase in a normalized line, in order of position."""
    if len(line) <= STRETCH:
        return _read_line(line, ctx)
    found: list[TimeExpr] = []
    for begin, end in _stretches(line):
        for expr in _read_line(line[begin:end], ctx):
            expr.start += begin
            expr.end += begin
            found.append(expr)
    return found


def _stretches(line: str) -> list[tuple[int, int]]:
    """``line`` cut after sentence ends into stretches of at most STRETCH
    characters."""
    out: list[tuple[int, int]] = []
    begin = 0
    while len(line) - begin > STRETCH:
        cut = max(line.rfind(mark, begin, begin + STRETCH) for mark in "。;；")
        end = cut + 1 if cut > begin else begin + STRETCH
        out.append((begin, end))
        begin = end
    out.append((begin, len(line)))
    return out


def _read_line(line: str, ctx: Context) -> list[TimeExpr]:
    found = candidates(line, ctx)
    if not found and "年" not in line:
        return found  # most lines: nothing to read, and no stage years
    if line.count("年") > 1:  # numbered stage years ("1年打基础、2年见成效、3年上台阶")
        found.extend(stages(line, ctx))
    if len(found) > 1:
        found = _select(found)
    if "内" in line and any([e.kind == "relative" for e in found]):  # "…后3日内，…5个工作日内"
        extra = [
            e
            for e in relative.anchor_bare_offsets(line, ctx, found)
            if all(e.end <= t.start or e.start >= t.end for t in found)
        ]
        found = sorted(found + extra, key=lambda e: e.start)
    if found and ("日、" in line or "号、" in line):
        found = _listed_days(line, found)
    if len(found) > 1:  # sentence-level readings need two phrases
        found = _tidy(line, found)
        _forward_lists(line, found)
    start = ctx.forward_from
    # (from a year's first day, every phrase stays in that year)
    if found and start is not None and (ctx.window_end is not None or start.month != 1 or start.day != 1):
        found = _forward(line, ctx, found)
    return found
