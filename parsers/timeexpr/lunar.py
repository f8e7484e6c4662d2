"""Lunar dates: "农历腊月廿四", "正月十六", "腊月二十三(小年)", "除夕",
"农历年末"; ranges that end on the lunar year's last day ("即日起至农历年末",
"1月21日至除夕"); and yearly lunar dates ("每年农历正月十五"), written as
RFC 7529 rules (``RSCALE=CHINESE``). A lunar date glossing a Gregorian one
("2月17日—3月3日(正月初一至正月十五)") is no milestone of its own."""

from __future__ import annotations

import datetime as dt
import re

from parsers.calendars import lunar_to_solar
from parsers.timeexpr.base import Context, Rule, TimeExpr, safe_date

_MONTHS = {"正": 1, "冬": 11, "腊": 12, "十一": 11, "十二": 12}
_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"十": 10}
_MONTH = r"(?P<m>正|腊|冬|十一|十二|[一二三四五六七八九十])月"
_DAY = r"(?P<d>初[一二三四五六七八九十]|廿[一二三四五六七八九]?|二十[一二三四五六七八九]?|三十|十[一二三四五六七八九]?)"
_LUNAR_DATE = re.compile(r"(?P<every>每年(?:的)?)?(?P<nl>农历)?" + _MONTH + _DAY + r"(?:日)?")
_EVE_WORDS = r"(?:农历年末|农历年底|除夕)"
# (a lunar start may carry its Gregorian gloss: "从农历腊月二十三(2月10日)小年起至除夕(2月16日)")
_GLOSS = r"(?:\(\d{1,2}月\d{1,2}日\))?"
_UNTIL_EVE = re.compile(
    r"(?:(?:从|自)?(?P<now>即日)起|(?:从|自)?(?P<m1>\d{1,2})月(?P<d1>\d{1,2})[日号]?起?"
    r"|(?:从|自)?(?:农历)?(?P<lm>正|腊|冬|十一|十二|[一二三四五六七八九十])月"
    r"(?P<ld>初[一二三四五六七八九十]|廿[一二三四五六七八九]?|二十[一二三四五六七八九]?|三十|十[一二三四五六七八九]?)"
    + _GLOSS
    + r"(?:小年)?起?)\s*(?:至|到)\s*"
    + _EVE_WORDS
    + _GLOSS
)
_EVE = re.compile(_EVE_WORDS)


def lunar_month(word: str) -> int:
    return _MONTHS.get(word) or _DIGITS[word]


def lunar_day(word: str) -> int:
    if word.startswith("初"):
        return _DIGITS[word[1]]
    if word.startswith("廿"):
        return 20 + (_DIGITS[word[1]] if len(word) > 1 else 0)
    if word.startswith(("二十", "三十")):
        return _DIGITS[word[0]] * 10 + (_DIGITS[word[2]] if len(word) > 2 else 0)
    return 10 + (_DIGITS[word[1]] if len(word) > 1 else 0)


def _new_year_eve(year: int) -> dt.date:
    """The last day of the lunar year that ends in the solar year ``year``."""
    return lunar_to_solar(year, 1, 1) - dt.timedelta(days=1)


def in_solar_year(year: int, month: int, day: int) -> dt.date:
    """The solar date of a lunar month and day that falls in the solar year
    ``year`` (腊月 of the lunar year before falls in its January or
    February); forward resolution moves it on from there."""
    found = lunar_to_solar(year, month, day)
    return lunar_to_solar(year - 1, month, day) if found.year > year else found


def _glosses(m: re.Match[str]) -> bool:
    """ "3月3日(正月十五)": a lunar date in brackets after a Gregorian one."""
    head = m.string[: m.start()].rstrip("正月初一至到—-~ ")
    return head.endswith("(") and head[:-1].rstrip().endswith(("日", "号"))


def _lunar_date(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    if not (m["nl"] or m["m"] in ("正", "腊", "冬") or m["d"].startswith(("初", "廿"))):
        return None  # "八月十五" alone may be a Gregorian date written out
    month, day = lunar_month(m["m"]), lunar_day(m["d"])
    if not (1 <= month <= 12 and 1 <= day <= 30):
        return None
    if m["every"]:
        rule = f"FREQ=YEARLY;RSCALE=CHINESE;BYMONTH={month};BYMONTHDAY={day}"
        return TimeExpr(*m.span(), "recurring", rrule=rule, note="a lunar date, every year", confidence=0.85)
    if _glosses(m):
        return None
    year = ctx.base_year or ctx.ref.year
    try:
        due = in_solar_year(year, month, day)
    except Exception:
        return None
    expr = TimeExpr(*m.span(), "deadline", due=due, year_given=True, note="a lunar date", confidence=0.85)
    expr.floats = True
    return expr


def _until_eve(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    year = ctx.base_year or ctx.ref.year
    if m["now"]:
        begin: dt.date | None = ctx.ref
    elif m["lm"]:
        begin = in_solar_year(year, lunar_month(m["lm"]), lunar_day(m["ld"]))
    else:
        begin = safe_date(year, int(m["m1"]), int(m["d1"]))
    if begin is None:
        return None
    due = _new_year_eve(begin.year)
    if due < begin:
        due = _new_year_eve(begin.year + 1)
    expr = TimeExpr(*m.span(), "range", begin, due, bool(m["now"]), "to the lunar year's last day")
    expr.floats = not m["now"]
    return expr


def _eve(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    due = _new_year_eve(ctx.base_year or ctx.ref.year)
    expr = TimeExpr(*m.span(), "deadline", due=due, year_given=True, note="the lunar year's last day", confidence=0.8)
    expr.floats = True
    return expr


RULES: list[Rule] = [
    Rule(17, _UNTIL_EVE, _until_eve, needs=("农历年", "除夕")),
    Rule(18, _LUNAR_DATE, _lunar_date, needs=("月",), also=("初", "廿", "十", "二", "三")),
    Rule(43, _EVE, _eve, needs=("农历年", "除夕")),
]
