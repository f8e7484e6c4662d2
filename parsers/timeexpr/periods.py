"""Periods: date and month ranges, open ranges, ranges up to an event,
"即日起至…", seasons (this year's, and phases a plan defines itself),
岁末年初, holiday windows, named periods ("“宪法宣传周”期间"), numbered
stages, and start dates ("自12月1日起")."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from parsers.calendars import month_end, resolve_day, season_bounds, solar_terms
from parsers.timeexpr.base import (
    DATE_YEAR,
    MONTH_PART,
    RANGE_SEPARATORS,
    SEP,
    YEAR,
    Context,
    Rule,
    TimeExpr,
    safe_date,
    year_of,
)
from parsers.vocabulary import HOLIDAY_WINDOW_NAMES, MONTH_PART_DUE, MONTH_PART_START, SOLAR_TERMS

_DATE_RANGE = re.compile(
    DATE_YEAR.format(g="y1")
    + r"(?P<m1>\d{1,2})月(?P<d1>\d{1,2})[日号]?"
    + SEP
    + YEAR.format(g="y2")
    + r"(?:(?P<m2>\d{1,2})月)?(?:(?P<d2>\d{1,2})[日号]?|(?P<e2>月?底|月?末))"
)
# Months, each end possibly a part of its month, the last possibly a day:
# "3月至5月", "3月至5月10日", "2023年1—6月"
# and "1至3月份" (the first month's 月 left out), "8月下旬至9月上旬",
# "2023年5月中旬至6月", "10月至11月上旬", "9月上旬至中旬".
_MONTH_RANGE = re.compile(
    DATE_YEAR.format(g="y1")
    + rf"(?P<m1>\d{{1,2}})(?:月份?(?P<p1>{MONTH_PART})?)?"
    + SEP
    + YEAR.format(g="y2")
    + rf"(?:(?P<m2>\d{{1,2}})月(?:份|(?P<p2>{MONTH_PART})|(?P<d2>\d{{1,2}})[日号])?|(?P<q2>{MONTH_PART}))(?!\d)"
)
# "2023-2025年", "2023年至2025年": the years' first and last days.
_YEAR_RANGE = re.compile(
    r"(?:(?<![\d.])|(?<=^\d\.)|(?<=^\d\d\.))(?P<y1>(?:19|20)\d{2})年?"
    + SEP
    + r"(?P<y2>(?:19|20)\d{2})年(?![\d月度底末初])"
)
_OPEN_RANGE = re.compile(DATE_YEAR.format(g="y1") + r"(?P<m1>\d{1,2})月(?P<d1>\d{1,2})[日号]?" + SEP + r"长期")
_UNTIL_EVENT = re.compile(
    DATE_YEAR.format(g="y1")
    + r"(?P<m1>\d{1,2})月(?P<d1>\d{1,2})[日号]?"
    + r"(?:至|到)(?P<ev>[\u4e00-\u9fff“”]{2,12}?)(?:结束|闭幕|召开)"
)
_FROM_NOW_UNTIL = re.compile(
    r"(?:自|从)?(?P<from>即日|本方案印发之日|方案印发之日|本通知印发之日|印发之日|发布之日|本方案发布之日)起?"
    r"[^,，。;；]{0,12}?(?:至|到)\s*"
    + YEAR.format(g="y2")
    + r"(?:(?P<m2>\d{1,2})月(?:(?P<d2>\d{1,2})[日号]|(?P<e2>底|末|中旬|下旬|上旬))?|年?(?P<ye>底|末))"  # "至2023年底"
)
_LAST_MONTHS = re.compile(r"今年(?:后|最后)(?P<n>\d{1,2})个月")
# A season as a work's time: "春季完成植树造林", "春季和秋季各开展一次",
# "冬季,集中开展", "冬春季节"; not a season in a name ("春季学期", "秋季攻势").
_SEASON_WORD = r"(?:冬春|秋冬|[春夏秋冬])(?:季节|季)"
# (not inside a word: the handler checks what stands before it)
_SEASON = re.compile(
    r"(?P<s>冬春|秋冬|[春夏秋冬])(?:季节|季)"
    rf"(?=(?:[、和及与]{_SEASON_WORD})*(?:[,，]|完成|开展|组织|集中|各|前|期间))"
)
_YEAR_BEFORE = re.compile(r"(?<!\d)(\d{4})年$")
_THIS_SEASON = re.compile(r"今(?:年)?(?P<s>冬(?=明春)|[春夏秋冬])(?:季)?(?P<next>明春)?(?![天节])")
_SEASON_DEFINED = re.compile(
    r"(?:(?P<y1>\d{4})"
    + SEP
    + r"(?P<y2>\d{4})年)?(?P<s>[春夏秋冬]{1,2})季?\((?P<m1>\d{1,2})月"
    + SEP
    + r"(?P<next>次年)?(?P<m2>\d{1,2})月\)"
)
_TURN_OF_YEAR = re.compile(r"岁末年初")
_HOLIDAY_NAME = "|".join(sorted(HOLIDAY_WINDOW_NAMES, key=len, reverse=True))
# One holiday, or two written as one season ("元旦春节期间", "中秋国庆期间"):
# from the first day off of the first to the last of the second.
_WINDOW_WORDS = r"(?:期间|假期|长假|放假期间|放假(?!前|通知|安排))"
_HOLIDAY_WINDOW = re.compile(f"“?(?P<h>{_HOLIDAY_NAME})”?(?:(?P<h2>{_HOLIDAY_NAME}))?" + _WINDOW_WORDS)
# A holiday in a list that ends with a window or with the key periods it
# names: "元旦、春节期间" is two windows (written together, "元旦春节期间" is
# one season); "国庆、元旦、春节等重要节点" is three.
_QUOTED_HOLIDAY = f"“?(?:{_HOLIDAY_NAME})”?"
_KEY_PERIOD_WORDS = r"(?:重要|关键|重点)?(?:节点|时段|时间节点|节假日|时期|节日)"
_KEY_PERIODS = "等" + _KEY_PERIOD_WORDS
_HOLIDAY_IN_LIST = re.compile(
    f"“?(?P<h>{_HOLIDAY_NAME})”?(?=[、和及与](?:{_QUOTED_HOLIDAY}[、和及与])*{_QUOTED_HOLIDAY}(?:{_WINDOW_WORDS}|等))"
    + f"|“?(?P<last>{_HOLIDAY_NAME})”?(?={_KEY_PERIODS})"
)
# "中秋节前开展检查,节日期间加强巡查": the holiday the sentence named before.
_THAT_HOLIDAY = re.compile(r"(?:节日|节假日|假期|假日)(?:期间|中)")
_HOLIDAY_BEFORE = re.compile(f"(?:{_HOLIDAY_NAME})")
_WINDOW_NAMED = re.compile(f"(?:{_HOLIDAY_NAME})”?节?(?:[、和及与](?:{_HOLIDAY_NAME})”?节?)*(?:{_WINDOW_WORDS}|前后)")
# A solar term as a day of its own: "冬至当天", "在冬至、全国“两会”等重点时段",
# "夏至节气期间"; not inside a word ("秋分会场" is no date).
_SOLAR_TERM = re.compile(
    rf"(?:(?<![\u4e00-\u9fff])|(?<=[在于至到、和及与]))“?(?P<t>{'|'.join(SOLAR_TERMS)})”?(?:节气)?"
    rf"(?=期间|当天|当日|之际|(?<=气)|[、和及与][^,，。;；]{{0,24}}?(?:{_KEY_PERIOD_WORDS}|期间))"
)
# A period the plan defines, named again: "汛期内", "寒假期间", "活动期间".
# The match is the trigger word; the name is read back from the text before it.
_DEFINED_REFERENCE = re.compile(r"(?P<w>期间|期内|之内|内)(?![容部涵外地])")
_NAME_BEFORE = re.compile(r"[\u4e00-\u9fff“”]{2,10}$")
# What names the plan's own period when the plan calls it by its kind.
_PLAN_PERIOD_WORDS = (
    "活动",
    "节会",
    "文化节",
    "艺术节",
    "旅游节",
    "活动周",
    "宣传周",
    "宣传月",
    "集中整治",
    "专项行动",
)
# A year a plan names for its work: "基础建设年(2025年)", "攻坚年(2026年)".
_NAMED_YEAR = re.compile(r"(?<=[\u4e00-\u9fff])年\((?P<y>\d{4})年\)")
_NAMED_PERIOD = re.compile(r"“(?P<name>[^“”]{2,15})”(?P<w>期间|到来之际|来临之际|前夕|之际)")
_STAGES = re.compile(r"(?<!\d)(?P<n>[1-9])年(?P<w>[\u4e00-\u9fff]{2,3})(?=[、,，;；。”\"]|$)")
# Not "5月起至10月": that start begins a range.
_START = re.compile(
    r"(?:自|从|于)?(?:"
    + YEAR.format(g="y1")
    + r"(?P<m1>\d{1,2})月份?(?:(?P<d1>\d{1,2})[日号]|(?P<p>底|末|初|上旬|中旬|下旬))?|(?P<y0>\d{4})年(?:度)?)"
    + r"(?:起|开始|启动)(?!\s*[,，]?\s*[的至到])"  # "2023年起", "3月份启动": the first day
)
_FROM_NOW = re.compile(r"(?:从|自)?即日起|(?:从|自)(?:本方案|本通知|本办法)?(?:印发|发布|公布)之日起")


def _range_expr(m: re.Match[str], begin: dt.date, due: dt.date, year_given: bool, note: str = "") -> TimeExpr:
    return TimeExpr(*m.span(), "range", begin, due, year_given, note)


def _date_range(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    y1, g1 = year_of(m, ctx, "y1")
    m1, d1 = int(m["m1"]), int(m["d1"])
    begin = safe_date(y1, m1, d1)
    y2, g2 = year_of(m, ctx, "y2")
    if not g2:
        y2 = y1
    m2 = int(m["m2"]) if m["m2"] else m1
    d2 = -1 if m["e2"] else int(m["d2"])
    if m["e2"] and not m["m2"] and g2 and m["y2"]:
        m2 = 12  # "至2025年底": the year's end
    due = safe_date(y2, m2, d2)
    if begin is None or due is None:
        return None
    if due < begin and not g2:
        due = safe_date(y2 + 1, m2, d2)
        if due is None:
            return None
    return _range_expr(m, begin, due, g1 or g2)


def _month_range(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    p1, p2 = m["p1"], m["p2"] or m["q2"]
    if m["q2"] and "月" not in m.group(0)[: m.start("q2") - m.start()]:
        return None  # "1至中旬": no month for the part
    y1, g1 = year_of(m, ctx, "y1")
    y2, g2 = year_of(m, ctx, "y2")
    m1 = int(m["m1"])
    m2 = int(m["m2"]) if m["m2"] else m1
    if not (1 <= m1 <= 12 and 1 <= m2 <= 12):
        return None
    if not g2:
        y2 = y1 + (1 if m2 < m1 else 0)
    begin = resolve_day(y1, m1, MONTH_PART_START[p1] if p1 else 1)
    due = safe_date(y2, m2, int(m["d2"]) if m["d2"] else MONTH_PART_DUE[p2] if p2 else -1)
    if due is None or due < begin:
        return None
    return _range_expr(m, begin, due, g1 or g2)


def _year_range(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    y1, y2 = int(m["y1"]), int(m["y2"])
    if not y1 < y2 <= y1 + 30:
        return None
    return _range_expr(m, dt.date(y1, 1, 1), dt.date(y2, 12, 31), True)


def _open_range(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    y1, g1 = year_of(m, ctx, "y1")
    begin = safe_date(y1, int(m["m1"]), int(m["d1"]))
    if begin is None:
        return None
    return TimeExpr(*m.span(), "start", begin=begin, year_given=g1, note="open-ended: 长期")


def _until_event(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    y1, g1 = year_of(m, ctx, "y1")
    begin = safe_date(y1, int(m["m1"]), int(m["d1"]))
    if begin is None:
        return None
    note = f"ends at an undated event: {m.group('ev')}"
    return TimeExpr(*m.span(), "start", begin=begin, year_given=g1, note=note)


def _from_now_until(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    y2, g2 = year_of(m, ctx, "y2")
    part = m["e2"]
    day = int(m["d2"]) if m["d2"] else MONTH_PART_DUE.get(part[:2] if part else "底", -1)
    due = safe_date(y2, int(m["m2"]), day) if m["m2"] else dt.date(y2, 12, 31)
    if due is None:
        return None
    note = "starts on the plan's reference date"
    return _range_expr(m, ctx.ref, due, g2, note)


def _last_months(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    n = int(m["n"])
    if not 1 <= n <= 12:
        return None
    return _range_expr(m, dt.date(ctx.year, 13 - n, 1), dt.date(ctx.year, 12, 31), True)


def _this_season(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    begin, due = season_bounds("冬春" if m["next"] else m["s"], ctx.year)
    expr = _range_expr(m, begin, due, True, "default season bounds")
    expr.season = m["s"] + "季"
    return expr


def _season(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    given = _YEAR_BEFORE.search(m.string, max(0, m.start() - 5), m.start())  # "2025年春季"
    before = m.string[m.start() - 1] if m.start() and not given else ""
    if "\u4e00" <= before <= "\u9fff" and before not in "、和及与":
        return None  # "今年夏季", "秋季学期": part of another phrase
    year = int(given.group(1)) if given else ctx.year
    begin, due = season_bounds(m["s"], year)
    expr = TimeExpr(
        given.start() if given else m.start(), m.end(), "range", begin, due, bool(given), "default season bounds"
    )
    expr.season = m["s"] + "季"
    return expr


def _season_defined(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    year = int(m["y1"]) if m["y1"] else ctx.year
    m1, m2 = int(m["m1"]), int(m["m2"])
    if not (1 <= m1 <= 12 and 1 <= m2 <= 12):
        return None
    end_year = year + 1 if m["next"] or m2 < m1 else year
    expr = _range_expr(m, dt.date(year, m1, 1), month_end(end_year, m2), True, "season as the plan defines it")
    expr.season = m["s"] + "季"
    expr.floats = not m["y1"]
    return expr


def _turn_of_year(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    year = ctx.year
    expr = _range_expr(m, dt.date(year, 12, 1), dt.date(year + 1, 1, 31), True)
    expr.floats = True
    return expr


def _holiday_window(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    found = m.groupdict()
    holidays = [h for h in (found.get("h"), found.get("h2"), found.get("last")) if h]
    return _days_off(m, ctx, holidays, "official days off")


def _days_off(m: re.Match[str], ctx: Context, holidays: list[str], note: str) -> TimeExpr:
    """From the first official day off of the holidays named to the last, in
    the reference year (unresolved for a year with no holiday data)."""
    windows = [ctx.calendar.holiday_window(HOLIDAY_WINDOW_NAMES[h], ctx.year) for h in holidays]
    if None in windows:
        return TimeExpr(*m.span(), "unresolved", note=f"no holiday data for {ctx.year}")
    first = min(w[0] for w in windows if w)
    last = max(w[1] for w in windows if w)
    expr = _range_expr(m, first, last, True, note)
    expr.floats = True
    return expr


def _that_holiday(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    start = max(m.string.rfind(c, 0, m.start()) for c in "。;；") + 1
    named = list(_HOLIDAY_BEFORE.finditer(m.string, start, m.start()))
    if not named:
        return None  # "节假日期间" of no holiday in particular
    if _WINDOW_NAMED.search(m.string, start, m.start()):
        return None  # "国庆期间,…确保节日期间…": that window, already read
    return _days_off(m, ctx, [named[-1].group(0)], f"the days off of {named[-1].group(0)}, named before it")


def _solar_term(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    day = solar_terms(ctx.year)[m["t"]]
    if m.string.startswith(("当天", "当日"), m.end()):  # on that day, as "12月4日当天"
        expr = TimeExpr(*m.span(), "deadline", due=day, year_given=False, note="a solar term's day")
    else:
        expr = _range_expr(m, day, day, False, "a solar term: its day that year")
    expr.floats = True
    return expr


def _named_year(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    head = _NAME_BEFORE.search(m.string, max(0, m.start() - 8), m.start())
    start = head.start() if head else m.start()
    year = int(m["y"])
    return TimeExpr(start, m.end(), "range", dt.date(year, 1, 1), dt.date(year, 12, 31), True, "a year the plan names")


def _defined_reference(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    """A period the plan defined, named again ("汛期内", "夏季禁烧期间"),
    and the plan's own period called by its kind ("活动期间", "节会期间")."""
    if not ctx.defined and ctx.period is None:
        return None
    head = _NAME_BEFORE.search(m.string, max(0, m.start() - 10), m.start())
    if head is None:
        return None
    words = head.group(0).replace("“", "").replace("”", "")
    names = [words[-size:] for size in range(len(words), 1, -1)]
    if m["w"].startswith("期"):  # "主汛期内": 主汛期 before 主汛
        names = [n + "期" for n in names] + names
    for name in names:
        found = ctx.defined_period(name)
        if found is None and ctx.period is not None and name in _PLAN_PERIOD_WORDS:
            found = ctx.period
        if found is not None:
            at = head.group(0).rfind(name)
            return TimeExpr(head.start() + max(at, 0), m.end(), "range", found[0], found[1], True, DEFINED_NOTE)
    return None


DEFINED_NOTE = "the period the plan defines"


def _named_period(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    if m["name"] not in ctx.event_names:
        return None
    if ctx.period is None:
        return None  # the title's own period ("“十四五”期间"): not a milestone
    if m["w"] == "期间":
        return _range_expr(m, ctx.period[0], ctx.period[1], True, DEFINED_NOTE)
    note = "on the arrival of the period the plan defines: by its first day"
    return TimeExpr(*m.span(), "deadline", due=ctx.period[0], note=note, confidence=0.7)


def stages(line: str, ctx: Context) -> Iterator[TimeExpr]:
    """ "一年打基础、三年见成效": the plan's first, third… year, in a plan
    that runs for years. A plan whose title names one year ("2022年度…",
    whose phrases stay in that year: no ``forward_from``) quotes such words
    from a campaign above it; they are not its dates."""
    if ctx.forward_from is None:
        return
    found = list(_STAGES.finditer(line))
    if len(found) < 2:
        return
    for m in found:
        year = ctx.year + int(m["n"]) - 1
        yield TimeExpr(
            m.start(),
            m.end(),
            "range",
            begin=dt.date(year, 1, 1),
            due=dt.date(year, 12, 31),
            note="stage year of a multi-year plan",
            confidence=0.6,
            priority=30,
            rule="periods.stages",
        )


def _start(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    if m["y0"]:
        if m.group(0).endswith("启动"):
            return None  # "2027年启动改造": a target of the year, read as one (TARGET_VERBS)
        return TimeExpr(*m.span(), "start", begin=dt.date(int(m["y0"]), 1, 1))
    y1, g1 = year_of(m, ctx, "y1")
    month = int(m["m1"])
    if not 1 <= month <= 12:
        return None
    if m["d1"]:
        begin = safe_date(y1, month, int(m["d1"]))
    else:
        part = m["p"]
        begin = dt.date(y1, month, 1) if part in (None, "初", "上旬") else resolve_day(y1, month, MONTH_PART_DUE[part])
    if begin is None:
        return None
    return TimeExpr(*m.span(), "start", begin=begin, year_given=g1)


def _from_now(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    return TimeExpr(*m.span(), "start", begin=ctx.ref, note="from the plan's reference date", confidence=0.7)


RULES: list[Rule] = [
    Rule(15, _LAST_MONTHS, _last_months, needs=("个月",)),
    Rule(25, _FROM_NOW_UNTIL, _from_now_until, needs=("即日", "之日")),
    Rule(28, _SEASON_DEFINED, _season_defined, needs=("(",)),
    Rule(30, _OPEN_RANGE, _open_range, needs=("长期",)),
    Rule(30, _UNTIL_EVENT, _until_event, needs=("月",), also=("结束", "闭幕", "召开")),
    Rule(30, _DATE_RANGE, _date_range, needs=("月",), also=RANGE_SEPARATORS),
    Rule(30, _MONTH_RANGE, _month_range, needs=("月",), also=RANGE_SEPARATORS),
    Rule(30, _YEAR_RANGE, _year_range, needs=("年",), also=RANGE_SEPARATORS),
    Rule(30, _TURN_OF_YEAR, _turn_of_year, needs=("岁末",)),
    Rule(30, _HOLIDAY_WINDOW, _holiday_window, needs=("期间", "假期", "长假", "放假")),
    Rule(31, _HOLIDAY_IN_LIST, _holiday_window, needs=tuple(HOLIDAY_WINDOW_NAMES), also=("、", "和", "及", "与", "等")),
    Rule(31, _SOLAR_TERM, _solar_term, needs=SOLAR_TERMS),
    Rule(30, _THAT_HOLIDAY, _that_holiday, needs=("节日", "节假日", "假期", "假日")),
    Rule(30, _NAMED_PERIOD, _named_period, needs=("“",)),
    Rule(29, _NAMED_YEAR, _named_year, needs=("年(",)),
    Rule(31, _DEFINED_REFERENCE, _defined_reference, needs=("期间", "期内", "假内"), defined_only=True),
    Rule(32, _THIS_SEASON, _this_season, needs=("今",)),
    Rule(33, _SEASON, _season, needs=("春季", "夏季", "秋季", "冬季", "冬春", "秋冬")),
    Rule(35, _START, _start, needs=("起", "开始", "启动")),
    Rule(35, _FROM_NOW, _from_now, needs=("即日", "之日起")),
]
