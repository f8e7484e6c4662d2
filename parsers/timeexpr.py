"""Time expressions: find every time phrase in one normalized line and say
what it means, per spec/time-normalization.md.

Each rule is a pattern plus a small function that turns the match into a
``TimeExpr``. Rules carry a priority; overlapping matches are settled by
priority, then by length, so "每年1月底前" is one recurring rule and not a
cadence plus a deadline. A rule may decline a match (a rate, a past event),
and then the text is left to lower rules.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from itertools import pairwise

from parsers.calendars import DEFAULT_CALENDAR, WorkdayCalendar, lunar_to_solar, month_end, resolve_day
from parsers.vocabulary import (
    CADENCES,
    COMPLETION_FIELDS,
    EVENT_NOUNS,
    EVENT_VERBS,
    HOLIDAY_WINDOW_NAMES,
    LUNAR_HOLIDAYS,
    MONTH_PART_DUE,
    OFFSET_UNITS,
    ONGOING_IN_FIELD,
    PAST_MARKERS,
    QUARTER_END,
    RATE_FOLLOWERS,
    RATE_LEADERS,
    RATE_WORDS,
    SEASONS,
    SOLAR_HOLIDAY_EVE,
    TARGET_VERBS,
    UNRESOLVED,
    WEEKDAYS,
    YEAR_PART_DUE,
)


@dataclass(frozen=True, slots=True)
class Context:
    """What a line's phrases resolve against."""

    ref: dt.date
    period: tuple[dt.date, dt.date] | None = None
    event_names: frozenset[str] = frozenset()
    calendar: WorkdayCalendar = DEFAULT_CALENDAR


@dataclass(slots=True)
class TimeExpr:
    start: int
    end: int
    kind: str
    begin: dt.date | None = None
    due: dt.date | None = None
    rrule: str | None = None
    offset: dict[str, object] | None = None
    note: str = ""
    confidence: float = 0.9
    season: str | None = None
    priority: int = 50
    year_given: bool = True
    weak: bool = False  # gives way to a real date in its clause


Handler = Callable[[re.Match[str], Context], "TimeExpr | None"]

_SEP = r"\s*(?:—{1,2}|–|-{1,2}|~|至|到|一)\s*"
_PUNCT = ",，。;；:：、()“”\"' \t"
_REL_YEAR = {"今年": 0, "本年": 0, "当年": 0, "明年": 1, "次年": 1, "翌年": 1}
_YEAR = r"(?:(?P<{g}>\d{{4}})年|(?P<{g}r>今年|本年|明年|次年|翌年))?"


def _year(m: re.Match[str], ctx: Context, g: str) -> tuple[int, bool]:
    groups = m.re.groupindex
    if g in groups and m.group(g):
        return int(m.group(g)), True
    rel = m.group(g + "r") if g + "r" in groups else None
    if rel:
        return ctx.ref.year + _REL_YEAR[rel], True
    return ctx.ref.year, False


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return resolve_day(year, month, day)
    except ValueError:
        return None


def _followed_by(m: re.Match[str], words: tuple[str, ...]) -> bool:
    return m.string.startswith(words, m.end())


def _preceded_by(m: re.Match[str], words: tuple[str, ...]) -> bool:
    return m.string.endswith(words, 0, m.start())


def _in_completion_field(m: re.Match[str]) -> bool:
    head = m.string[max(0, m.start() - 8) : m.start()]
    return any(f + ":" in head or f + "：" in head or head.rstrip().endswith(f) for f in COMPLETION_FIELDS)


# --- relative offsets -----------------------------------------------------

_UNIT = r"(?P<u>个工作日|工作日|个自然日|自然日|个小时|小时|个星期|星期|个月|周|日|天)"
_REL_AFTER = re.compile(rf"(?P<ev>[^,，。;；:：()]{{2,40}}?)(?:之)?后(?P<n>\d+){_UNIT}(?:内|之内|以内)")
_REL_SAME_DAY = re.compile(r"(?P<ev>[^,，。;；:：()]{2,30}?)(?:之)?后(?:当日|当天)")
_REL_BARE = re.compile(rf"(?<![\d.])(?P<n>\d+){_UNIT}(?:内|之内|以内)")
_REL_BEFORE = re.compile(rf"提前(?P<n>\d+){_UNIT}")
_DATE_EVENT = re.compile(r"(?:(\d{4})年)?(\d{1,2})月(\d{1,2})[日号]$")


def _event(text: str) -> str:
    text = text.strip()
    for lead in ("应当在", "应在", "须在", "要在", "在", "于", "待", "自", "从"):
        if lead in text:
            text = text.rsplit(lead, 1)[1]
    cut = [text.find(v) for v in EVENT_VERBS if text.find(v) > 0]
    if cut:
        text = text[min(cut) :]
    return text.strip()


def _relative(m: re.Match[str], ctx: Context, n: int, unit: str, anchor: str, before: bool) -> TimeExpr:
    offset: dict[str, object] = {"n": n, "unit": OFFSET_UNITS[unit]}
    offset["before" if before else "after"] = anchor
    when = _DATE_EVENT.search(anchor)
    if when and not before and OFFSET_UNITS[unit] in ("workday", "day"):
        year = int(when.group(1)) if when.group(1) else ctx.ref.year
        base = _safe_date(year, int(when.group(2)), int(when.group(3)))
        if base is not None:
            due = ctx.calendar.add_workdays(base, n) if offset["unit"] == "workday" else base + dt.timedelta(days=n)
            return TimeExpr(m.start(), m.end(), "deadline", due=due, note=f"{n} {offset['unit']}s after {base}")
    return TimeExpr(m.start(), m.end(), "relative", offset=offset, confidence=0.85)


def _rel_after(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    anchor = _event(m.group("ev"))
    if not anchor:
        return None
    expr = _relative(m, ctx, int(m.group("n")), m.group("u"), anchor, before=False)
    expr.start = m.start("ev") + m.group("ev").find(anchor) if anchor in m.group("ev") else m.start()
    return expr


def _rel_same_day(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    anchor = _event(m.group("ev"))
    if not anchor or not any(anchor.startswith(v) for v in EVENT_VERBS):
        return None
    expr = TimeExpr(m.start(), m.end(), "relative", offset={"n": 0, "unit": "day", "after": anchor}, confidence=0.8)
    expr.start = m.start("ev") + m.group("ev").find(anchor)
    return expr


def _rel_before(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    rest = re.split(r"[,，。;；]", m.string[m.end() :], maxsplit=1)[0]
    anchor = rest.strip() or "约定时间"
    return _relative(m, ctx, int(m.group("n")), m.group("u"), anchor, before=True)


# --- recurrences ----------------------------------------------------------

_BY_QUARTER_MONTH = re.compile(r"每个?季度第(?P<k>[1-3])个月的?(?P<d>\d{1,2})日(?:前|之前)?")
_YEARLY_MONTH = re.compile(
    r"每年(?:的)?(?P<m>\d{1,2})月(?:(?P<d>\d{1,2})[日号]|(?P<p>上旬|中旬|下旬|底|末|初))?(?:前|之前|以前)?"
)
_MONTHLY_DAY = re.compile(r"每月(?:的)?(?:(?P<d>\d{1,2})[日号]|(?P<p>上旬|中旬|下旬|底|末|初))(?:前|之前|以前)?")
_EVERY_N = re.compile(r"每(?:隔)?(?P<n>\d+)(?P<u>天|日|周|个星期|个月|年)")
# An annual assessment ("年度考核", "年度综合考核", "年度目标绩效考核"): yearly on 12-31.
_ANNUAL_REVIEW = re.compile(r"年度[\u4e00-\u9fff]{0,4}?(?:考核|考评|评估|评价)")
_WEEKLY_DAY = re.compile(r"每(?:周|星期)(?P<d>[一二三四五六日天])")
_CADENCE_WORDS = re.compile("|".join(sorted(map(re.escape, CADENCES), key=len, reverse=True)))
_COUNT = re.compile(r"(?:不少于|至少|不低于)?(\d+)次")


def _count_note(m: re.Match[str]) -> str:
    sentence = re.split(r"[。;；]", m.string[m.end() :], maxsplit=1)[0][:20]
    found = _COUNT.search(sentence)
    return f"{found.group(0)} per period" if found else ""


_CLAUSE_END = re.compile(r"[,，。;；:：()]")


def _clause_after(m: re.Match[str]) -> str:
    end = _CLAUSE_END.search(m.string, m.end())
    return m.string[m.end() : end.start() if end else len(m.string)]


def _recurring(m: re.Match[str], rule: str) -> TimeExpr | None:
    if _followed_by(m, RATE_FOLLOWERS) or _preceded_by(m, RATE_LEADERS):
        return None
    if any(w in _clause_after(m) for w in RATE_WORDS):
        return None
    return TimeExpr(m.start(), m.end(), "recurring", rrule=rule, note=_count_note(m), confidence=0.85, priority=20)


def _part_day(part: str | None, day: str | None) -> int:
    if day:
        return int(day)
    return MONTH_PART_DUE.get(part or "底", -1)


def _by_quarter_month(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    k = int(m.group("k"))
    months = ",".join(str(k + 3 * i) for i in range(4))
    return _recurring(m, f"FREQ=YEARLY;BYMONTH={months};BYMONTHDAY={int(m.group('d'))}")


def _yearly_month(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    month = int(m.group("m"))
    if not 1 <= month <= 12:
        return None
    return _recurring(m, f"FREQ=YEARLY;BYMONTH={month};BYMONTHDAY={_part_day(m.group('p'), m.group('d'))}")


def _monthly_day(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    return _recurring(m, f"FREQ=MONTHLY;BYMONTHDAY={_part_day(m.group('p'), m.group('d'))}")


def _every_n(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    n, unit = int(m.group("n")), m.group("u")
    base = {
        "天": "FREQ=DAILY",
        "日": "FREQ=DAILY",
        "周": "FREQ=WEEKLY",
        "个星期": "FREQ=WEEKLY",
        "个月": "FREQ=MONTHLY",
        "年": "FREQ=YEARLY",
    }[unit]
    rule = base if n == 1 else f"{base};INTERVAL={n}"
    if unit == "个月":
        rule += ";BYMONTHDAY=-1"
    elif unit == "年":
        rule += ";BYMONTH=12;BYMONTHDAY=31"
    return _recurring(m, rule)


def _annual_review(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    before = m.string[m.start() - 1] if m.start() else ""
    if before.isdigit():  # "2022年度考核结果": one year's, not a cadence
        return None
    return _recurring(m, "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=31")


def _weekly_day(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    return _recurring(m, f"FREQ=WEEKLY;BYDAY={WEEKDAYS[m.group('d')]}")


def _cadence(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    word = m.group(0)
    if word == "每年" and m.string[m.end() : m.end() + 1] in ("度", "\u5e74"):
        return None
    return _recurring(m, CADENCES[word])


# --- ranges and starts ----------------------------------------------------

_DATE_RANGE = re.compile(
    _YEAR.format(g="y1")
    + r"(?P<m1>\d{1,2})月(?P<d1>\d{1,2})[日号]?"
    + _SEP
    + _YEAR.format(g="y2")
    + r"(?:(?P<m2>\d{1,2})月)?(?:(?P<d2>\d{1,2})[日号]?|(?P<e2>月?底|月?末))"
)
_MONTH_RANGE = re.compile(
    _YEAR.format(g="y1") + r"(?P<m1>\d{1,2})月份?" + _SEP + _YEAR.format(g="y2") + r"(?P<m2>\d{1,2})月(?:底|末|份)?"
)
_OPEN_RANGE = re.compile(_YEAR.format(g="y1") + r"(?P<m1>\d{1,2})月(?P<d1>\d{1,2})[日号]?" + _SEP + r"长期")
_UNTIL_EVENT = re.compile(
    _YEAR.format(g="y1")
    + r"(?P<m1>\d{1,2})月(?P<d1>\d{1,2})[日号]?"
    + r"(?:至|到)(?P<ev>[\u4e00-\u9fff“”]{2,12}?)(?:结束|闭幕|召开)"
)
_FROM_NOW_UNTIL = re.compile(
    r"(?:自|从)?(?P<from>即日|本方案印发之日|方案印发之日|本通知印发之日|印发之日|发布之日|本方案发布之日)起?"
    r"[^,，。;；]{0,12}?(?:至|到)"
    + _YEAR.format(g="y2")
    + r"(?P<m2>\d{1,2})月(?:(?P<d2>\d{1,2})[日号]|(?P<e2>底|末|中旬|下旬|上旬))?"
)
_LAST_MONTHS = re.compile(r"今年(?:后|最后)(?P<n>\d{1,2})个月")
_THIS_SEASON = re.compile(r"今(?:年)?(?P<s>[春夏秋冬])(?:季)?(?![天节])")
_SEASON_DEFINED = re.compile(
    r"(?:(?P<y1>\d{4})"
    + _SEP
    + r"(?P<y2>\d{4})年)?(?P<s>[春夏秋冬]{1,2})季?\((?P<m1>\d{1,2})月"
    + _SEP
    + r"(?P<next>次年)?(?P<m2>\d{1,2})月\)"
)
_TURN_OF_YEAR = re.compile(r"岁末年初")
_HOLIDAY_WINDOW = re.compile(
    "(?P<h>" + "|".join(sorted(HOLIDAY_WINDOW_NAMES, key=len, reverse=True)) + r")(?:期间|假期|长假|放假期间)"
)
_NAMED_PERIOD = re.compile(r"“(?P<name>[^“”]{2,15})”(?P<w>期间|到来之际|来临之际|前夕|之际)")
_STAGES = re.compile(r"(?P<n>[1-9])年(?P<w>[\u4e00-\u9fff]{2,3})(?=[、,，;；])")
_START = re.compile(
    r"(?:自|从|于)?"
    + _YEAR.format(g="y1")
    + r"(?P<m1>\d{1,2})月(?:(?P<d1>\d{1,2})[日号]|(?P<p>底|末|初|上旬|中旬|下旬))?(?:起|开始)(?!的)"
)
_FROM_NOW = re.compile(r"(?:从|自)?即日起|(?:从|自)(?:本方案|本通知|本办法)?(?:印发|发布|公布)之日起")


def _range_expr(m: re.Match[str], begin: dt.date, due: dt.date, year_given: bool, note: str = "") -> TimeExpr:
    return TimeExpr(m.start(), m.end(), "range", begin=begin, due=due, year_given=year_given, note=note, priority=30)


def _date_range(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    y1, g1 = _year(m, ctx, "y1")
    m1, d1 = int(m.group("m1")), int(m.group("d1"))
    begin = _safe_date(y1, m1, d1)
    y2, g2 = _year(m, ctx, "y2")
    if not g2:
        y2 = y1
    m2 = int(m.group("m2")) if m.group("m2") else m1
    d2 = -1 if m.group("e2") else int(m.group("d2"))
    due = _safe_date(y2, m2, d2)
    if begin is None or due is None:
        return None
    if due < begin and not g2:
        due = _safe_date(y2 + 1, m2, d2)
        if due is None:
            return None
    return _range_expr(m, begin, due, g1 or g2)


def _month_range(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    y1, g1 = _year(m, ctx, "y1")
    y2, g2 = _year(m, ctx, "y2")
    m1, m2 = int(m.group("m1")), int(m.group("m2"))
    if not (1 <= m1 <= 12 and 1 <= m2 <= 12):
        return None
    if not g2:
        y2 = y1 + (1 if m2 < m1 else 0)
    return _range_expr(m, dt.date(y1, m1, 1), month_end(y2, m2), g1 or g2)


def _open_range(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    y1, g1 = _year(m, ctx, "y1")
    begin = _safe_date(y1, int(m.group("m1")), int(m.group("d1")))
    if begin is None:
        return None
    return TimeExpr(m.start(), m.end(), "start", begin=begin, year_given=g1, note="open-ended: 长期", priority=30)


def _until_event(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    y1, g1 = _year(m, ctx, "y1")
    begin = _safe_date(y1, int(m.group("m1")), int(m.group("d1")))
    if begin is None:
        return None
    note = f"ends at an undated event: {m.group('ev')}"
    return TimeExpr(m.start(), m.end(), "start", begin=begin, year_given=g1, note=note, priority=30)


def _from_now_until(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    y2, g2 = _year(m, ctx, "y2")
    part = m.group("e2")
    day = int(m.group("d2")) if m.group("d2") else MONTH_PART_DUE.get(part[:2] if part else "底", -1)
    due = _safe_date(y2, int(m.group("m2")), day)
    if due is None:
        return None
    note = "starts on the plan's reference date"
    return _range_expr(m, ctx.ref, due, g2, note)


def _last_months(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    n = int(m.group("n"))
    if not 1 <= n <= 12:
        return None
    return _range_expr(m, dt.date(ctx.ref.year, 13 - n, 1), dt.date(ctx.ref.year, 12, 31), True)


def _season_bounds(season: str, year: int) -> tuple[dt.date, dt.date]:
    (m1, d1), (m2, d2) = SEASONS[season]
    end_year = year + 1 if m2 < m1 else year
    return dt.date(year, m1, d1), resolve_day(end_year, m2, d2)


def _this_season(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    begin, due = _season_bounds(m.group("s"), ctx.ref.year)
    expr = _range_expr(m, begin, due, True, "default season bounds")
    expr.season = m.group("s") + "季"
    return expr


def _season_defined(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    year = int(m.group("y1")) if m.group("y1") else ctx.ref.year
    m1, m2 = int(m.group("m1")), int(m.group("m2"))
    if not (1 <= m1 <= 12 and 1 <= m2 <= 12):
        return None
    end_year = year + 1 if m.group("next") or m2 < m1 else year
    expr = _range_expr(m, dt.date(year, m1, 1), month_end(end_year, m2), True, "season as the plan defines it")
    expr.season = m.group("s") + "季"
    return expr


def _turn_of_year(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    year = ctx.ref.year
    return _range_expr(m, dt.date(year, 12, 1), dt.date(year + 1, 1, 31), True)


def _holiday_window(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    name = HOLIDAY_WINDOW_NAMES[m.group("h")]
    window = ctx.calendar.holiday_window(name, ctx.ref.year)
    if window is None:
        return TimeExpr(m.start(), m.end(), "unresolved", note=f"no holiday data for {ctx.ref.year}", priority=30)
    return _range_expr(m, window[0], window[1], True, "official days off")


def _named_period(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    if m.group("name") not in ctx.event_names:
        return None
    if ctx.period is None:
        return None  # the title's own period ("“十四五”期间"): not a milestone
    if m.group("w") == "期间":
        return _range_expr(m, ctx.period[0], ctx.period[1], True, "the period the plan defines")
    note = "on the arrival of the period the plan defines: by its first day"
    return TimeExpr(m.start(), m.end(), "deadline", due=ctx.period[0], note=note, confidence=0.7, priority=30)


def _stages(line: str, ctx: Context) -> Iterator[TimeExpr]:
    found = list(_STAGES.finditer(line))
    if len(found) < 2:
        return
    for m in found:
        year = ctx.ref.year + int(m.group("n")) - 1
        yield TimeExpr(
            m.start(),
            m.end(),
            "range",
            begin=dt.date(year, 1, 1),
            due=dt.date(year, 12, 31),
            note="stage year of a multi-year plan",
            confidence=0.6,
            priority=30,
        )


def _start(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    y1, g1 = _year(m, ctx, "y1")
    month = int(m.group("m1"))
    if not 1 <= month <= 12:
        return None
    if m.group("d1"):
        begin = _safe_date(y1, month, int(m.group("d1")))
    else:
        part = m.group("p")
        begin = dt.date(y1, month, 1) if part in (None, "初", "上旬") else resolve_day(y1, month, MONTH_PART_DUE[part])
    if begin is None:
        return None
    return TimeExpr(m.start(), m.end(), "start", begin=begin, year_given=g1, priority=35)


def _from_now(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    return TimeExpr(
        m.start(), m.end(), "start", begin=ctx.ref, note="from the plan's reference date", confidence=0.7, priority=35
    )


# --- deadlines ------------------------------------------------------------

_BY = r"(?P<by>前|之前|以前|前完成)?"
_DAY = re.compile(_YEAR.format(g="y") + r"(?P<m>\d{1,2})月(?P<d>\d{1,2})[日号](?P<on>当天|当日)?" + _BY)
_MONTH_PART = re.compile(
    _YEAR.format(g="y") + r"(?P<m>\d{1,2})月(?P<p>上中旬|中下旬|上旬|中旬|下旬|初|底|末|中(?![央国华心]))" + _BY
)
_MONTH_BEFORE = re.compile(_YEAR.format(g="y") + r"(?P<m>\d{1,2})月(?:前|之前|以前)")
_MONTH_ALONE = re.compile(_YEAR.format(g="y") + r"(?P<m>\d{1,2})月份?(?![\d日号份])")
_YEAR_PART = re.compile(
    r"(?P<lead>从现在到|到|至)?(?:(?P<y>\d{4})年|(?P<yr>今年|本年|明年|次年))?"
    r"(?P<w>上半年|下半年|后半年|第?[1-4一二三四]季度|年底前|年底|年末|年内|年初|年中(?![央国华心小学期旬])|本年度内?|全年|年终)(?P<by>前|之前|以前)?"
)
_TARGET_YEAR = re.compile(
    r"(?P<lead>力争到|力争在|争取到|争取在|力争|争取|预计到|计划到|到|至|截至|截止到|截止)?(?P<y>\d{4})年(?P<e>底|末)?(?P<by>前|之前|以前)?(?![\d月度的份代])"
)
_THIS_YEAR_TASK = re.compile(r"(?<=完成|实现|确保)今年(?:确定的|的)?")
_SOLAR_EVE = re.compile("(?P<h>" + "|".join(sorted(SOLAR_HOLIDAY_EVE, key=len, reverse=True)) + r")节?(?:前|之前|以前)")
_LUNAR_EVE = re.compile("(?P<h>" + "|".join(sorted(LUNAR_HOLIDAYS, key=len, reverse=True)) + r")节?(?:前|之前|以前)")
_ONGOING = re.compile("|".join(ONGOING_IN_FIELD))
_UNRESOLVED = re.compile("|".join(sorted(map(re.escape, UNRESOLVED), key=len, reverse=True)))


def _is_past(m: re.Match[str]) -> bool:
    return _followed_by(m, PAST_MARKERS)


def _deadline(m: re.Match[str], due: dt.date, year_given: bool, note: str = "", confidence: float = 0.9) -> TimeExpr:
    return TimeExpr(
        m.start(), m.end(), "deadline", due=due, year_given=year_given, note=note, confidence=confidence, priority=40
    )


def _names_event(m: re.Match[str]) -> bool:
    """ "3月31日全国安全生产电视电话会议": the date names a meeting or a
    speech, it sets no deadline."""
    if m.group("by"):
        return False
    after = _clause_after(m)[:20]
    return any(w in after for w in EVENT_NOUNS)


def _day(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    if _is_past(m) or _names_event(m):
        return None
    year, given = _year(m, ctx, "y")
    due = _safe_date(year, int(m.group("m")), int(m.group("d")))
    if due is None:
        return TimeExpr(m.start(), m.end(), "unresolved", note="not a calendar date", priority=40)
    return _deadline(m, due, given, confidence=0.95 if given else 0.9)


def _month_part(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    if _is_past(m):
        return None
    year, given = _year(m, ctx, "y")
    month = int(m.group("m"))
    if not 1 <= month <= 12:
        return None
    return _deadline(m, resolve_day(year, month, MONTH_PART_DUE[m.group("p")]), given)


def _month_before(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    year, given = _year(m, ctx, "y")
    month = int(m.group("m"))
    if not 1 <= month <= 12:
        return None
    due = dt.date(year, month, 1) - dt.timedelta(days=1)
    note = "月前 with no day: read as the end of the previous month; may mean the end of this month"
    return _deadline(m, due, given, note, confidence=0.6)


def _month_alone(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    if _is_past(m):
        return None
    year, given = _year(m, ctx, "y")
    month = int(m.group("m"))
    if not 1 <= month <= 12:
        return None
    if not given and not _in_completion_field(m):
        # A bare month in running text is as often a season of work as a
        # deadline; only a year or a completion field makes it one.
        return None
    return _deadline(m, month_end(year, month), given, confidence=0.75)


def _year_part(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    word = m.group("w")
    if not (m.group("y") or m.group("yr")):
        before = m.string[m.start() - 1] if m.start() else ""
        if before and (before.isdigit() or before in "〇一二两三四五六七八九十百几多每去上前近当往历"):
            return None
    if _is_past(m):
        return None
    year, given = _year(m, ctx, "y")
    if word.endswith("季度"):
        q = int(word.lstrip("第")[0].translate(str.maketrans("一二三四", "1234")))
        mon, day = QUARTER_END[q]
    else:
        mon, day = YEAR_PART_DUE.get(word, YEAR_PART_DUE.get(word.rstrip("内"), (12, 31)))
    return _deadline(m, resolve_day(year, mon, day), given, confidence=0.85)


def _target_year(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    year = int(m.group("y"))
    before = m.string[m.start() - 1] if m.start() else ""
    clause_start = not before or before in ",，。;；:：(\n 、"
    if not (m.group("lead") or m.group("e") or m.group("by") or clause_start):
        return None
    if _is_past(m) or year < ctx.ref.year or year > ctx.ref.year + 30:
        return None
    rest = m.string[m.end() : m.end() + 1]
    stated = m.group("lead") or m.group("e") or m.group("by")
    if not stated and rest not in (",", "，", "") and not any(v in _clause_after(m) for v in TARGET_VERBS):
        return None
    return _deadline(m, dt.date(year, 12, 31), True, "target year", confidence=0.8)


def _this_year_task(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    expr = _deadline(m, dt.date(ctx.ref.year, 12, 31), True, "this year's task: by year end", confidence=0.6)
    expr.weak = True
    return expr


def _solar_eve(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    mon, day = SOLAR_HOLIDAY_EVE[m.group("h")]
    return _deadline(m, dt.date(ctx.ref.year, mon, day), False, "eve of the holiday")


def _lunar_eve(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    lm, ld = LUNAR_HOLIDAYS[m.group("h")]
    due = lunar_to_solar(ctx.ref.year, lm, ld) - dt.timedelta(days=1)
    return _deadline(m, due, False, "day before the lunar holiday")


def _ongoing(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    word = m.group(0)
    before = m.string[m.start() - 1] if m.start() else ""
    after = m.string[m.end() : m.end() + 1]
    standalone = before in _PUNCT + "" and (after in _PUNCT or not after)
    if _in_completion_field(m) or (word == "长期" and standalone) or word == "长期坚持":
        return TimeExpr(m.start(), m.end(), "ongoing", confidence=0.9, priority=45)
    return None


def _unresolved(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    expr = TimeExpr(m.start(), m.end(), "unresolved", note="temporal but not datable", confidence=0.3, priority=45)
    season = re.match(r"[春夏秋冬]{1,2}", m.group(0))
    if season:
        expr.season = season.group(0)
    return expr


RULES: list[tuple[int, re.Pattern[str], Handler]] = [
    (10, _REL_AFTER, _rel_after),
    (10, _REL_SAME_DAY, _rel_same_day),
    (10, _REL_BEFORE, _rel_before),
    (15, _LAST_MONTHS, _last_months),
    (20, _BY_QUARTER_MONTH, _by_quarter_month),
    (20, _YEARLY_MONTH, _yearly_month),
    (20, _MONTHLY_DAY, _monthly_day),
    (20, _EVERY_N, _every_n),
    (20, _WEEKLY_DAY, _weekly_day),
    (21, _ANNUAL_REVIEW, _annual_review),
    (22, _CADENCE_WORDS, _cadence),
    (25, _FROM_NOW_UNTIL, _from_now_until),
    (28, _SEASON_DEFINED, _season_defined),
    (30, _OPEN_RANGE, _open_range),
    (30, _UNTIL_EVENT, _until_event),
    (30, _DATE_RANGE, _date_range),
    (30, _MONTH_RANGE, _month_range),
    (30, _TURN_OF_YEAR, _turn_of_year),
    (30, _HOLIDAY_WINDOW, _holiday_window),
    (30, _NAMED_PERIOD, _named_period),
    (32, _THIS_SEASON, _this_season),
    (35, _START, _start),
    (35, _FROM_NOW, _from_now),
    (40, _DAY, _day),
    (40, _MONTH_PART, _month_part),
    (41, _MONTH_BEFORE, _month_before),
    (42, _YEAR_PART, _year_part),
    (43, _SOLAR_EVE, _solar_eve),
    (43, _LUNAR_EVE, _lunar_eve),
    (44, _TARGET_YEAR, _target_year),
    (45, _MONTH_ALONE, _month_alone),
    (45, _ONGOING, _ongoing),
    (45, _UNRESOLVED, _unresolved),
    (46, _THIS_YEAR_TASK, _this_year_task),
]


# Words one of which every match of a rule contains: a cheap test that
# spares scanning a line with a pattern that cannot match there.
RULE_NEEDS: dict[re.Pattern[str], tuple[str, ...]] = {
    _REL_AFTER: ("后",),
    _REL_SAME_DAY: ("后",),
    _REL_BEFORE: ("提前",),
    _LAST_MONTHS: ("个月",),
    _BY_QUARTER_MONTH: ("季度",),
    _YEARLY_MONTH: ("每年",),
    _MONTHLY_DAY: ("每月",),
    _EVERY_N: ("每",),
    _WEEKLY_DAY: ("每周", "每星期"),
    _ANNUAL_REVIEW: ("年度",),
    _CADENCE_WORDS: ("每", "月", "季", "旬", "全天候", "年度"),
    _FROM_NOW_UNTIL: ("即日", "之日"),
    _SEASON_DEFINED: ("(",),
    _OPEN_RANGE: ("长期",),
    _UNTIL_EVENT: ("月",),
    _DATE_RANGE: ("月",),
    _MONTH_RANGE: ("月",),
    _TURN_OF_YEAR: ("岁末",),
    _HOLIDAY_WINDOW: ("期间", "假期", "长假"),
    _NAMED_PERIOD: ("“",),
    _THIS_SEASON: ("今",),
    _START: ("起", "开始"),
    _FROM_NOW: ("即日", "之日起"),
    _DAY: ("月",),
    _MONTH_PART: ("月",),
    _MONTH_BEFORE: ("月",),
    _YEAR_PART: ("年", "季度"),
    _SOLAR_EVE: ("前",),
    _LUNAR_EVE: ("前",),
    _TARGET_YEAR: ("年",),
    _MONTH_ALONE: ("月",),
    _ONGOING: ("长期", "持续推进"),
    _THIS_YEAR_TASK: ("今年",),
}


# A second word one of which a match also contains, tested only for the
# rules the first words woke: "月" wakes every month rule, but a range
# also needs its separator and a day needs its 日.
_RANGE_SEPARATORS = ("—", "–", "-", "~", "至", "到", "一")
RULE_ALSO_NEEDS: dict[re.Pattern[str], tuple[str, ...]] = {
    _DATE_RANGE: _RANGE_SEPARATORS,
    _MONTH_RANGE: _RANGE_SEPARATORS,
    _UNTIL_EVENT: ("结束", "闭幕", "召开"),
    _DAY: ("日", "号"),
    _MONTH_PART: ("旬", "初", "底", "末", "中"),
    _MONTH_BEFORE: ("前",),
}


_TRIGGER_WORDS = sorted({w for ws in RULE_NEEDS.values() for w in ws}, key=len, reverse=True)
_TRIGGER = re.compile("|".join(map(re.escape, _TRIGGER_WORDS)))
# A longer trigger found in a line also stands for the shorter ones inside it.
_IMPLIES = {w: {v for v in _TRIGGER_WORDS if v in w} for w in _TRIGGER_WORDS}
_ALWAYS = frozenset(i for i, (_, pat, _) in enumerate(RULES) if pat not in RULE_NEEDS)
# Trigger word -> the rules (by index) that word wakes.
_WAKES = {
    word: frozenset(i for i, (_, pat, _) in enumerate(RULES) if any(v in RULE_NEEDS.get(pat, ()) for v in implied))
    for word, implied in _IMPLIES.items()
}


def _candidates(line: str, ctx: Context) -> Iterator[TimeExpr]:
    awake = set(_ALWAYS)
    for word in set(_TRIGGER.findall(line)):
        awake |= _WAKES[word]
    for index in sorted(awake):
        priority, pattern, handler = RULES[index]
        also = RULE_ALSO_NEEDS.get(pattern)
        if also is not None and not any(word in line for word in also):
            continue
        for m in pattern.finditer(line):
            expr = handler(m, ctx)
            if expr is not None:
                expr.priority = priority
                yield expr
    yield from _stages(line, ctx)


def _anchor_bare_offsets(line: str, ctx: Context, found: list[TimeExpr]) -> Iterator[TimeExpr]:
    """ "N个工作日内" with no event of its own counts from the event of the
    relative offset before it in the same line."""
    anchors = [(e.start, e.offset) for e in found if e.kind == "relative" and e.offset and "after" in e.offset]
    if not anchors:
        return
    for m in _REL_BARE.finditer(line):
        previous = [off for pos, off in anchors if pos < m.start()]
        if previous:
            anchor = str(previous[-1]["after"])
            expr = _relative(m, ctx, int(m.group("n")), m.group("u"), anchor, before=False)
            expr.priority = 50
            expr.note = "counts from the event named before it"
            yield expr


def _select(cands: list[TimeExpr]) -> list[TimeExpr]:
    taken: list[TimeExpr] = []
    for expr in sorted(cands, key=lambda e: (e.priority, -(e.end - e.start), e.start)):
        if all(expr.end <= t.start or expr.start >= t.end for t in taken):
            taken.append(expr)
    return sorted(taken, key=lambda e: e.start)


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
        clauses = [_clause_of(line, e.start) for e in found if not e.weak]
        found = [e for e in found if not (e.weak and _clause_of(line, e.start) in clauses)]
    out: list[TimeExpr] = []
    seen: set[tuple[tuple[int, int], str]] = set()
    yearly_in: set[tuple[int, int]] = set()
    for expr in found:
        sentence = _sentence_of(line, expr.start)
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
            expr = replace(
                expr,
                kind="recurring",
                due=None,
                rrule=f"FREQ=YEARLY;BYMONTH={expr.due.month};BYMONTHDAY={day}",
                note="repeats the yearly cadence of its sentence",
            )
        out.append(expr)
    return out


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


def find_time_expressions(line: str, ctx: Context) -> list[TimeExpr]:
    """Every time phrase in a normalized line, in order of position."""
    found = _select(list(_candidates(line, ctx)))
    extra = [
        e for e in _anchor_bare_offsets(line, ctx, found) if all(e.end <= t.start or e.start >= t.end for t in found)
    ]
    found = sorted(found + extra, key=lambda e: e.start)
    found = _tidy(line, found)
    _forward_lists(line, found)
    return found
