"""The date words a notice counts from the day it is issued: "今日", "明日",
"后天", "本周五前", "下周一", "下下周三", "本周内", "本月底前", "下月10日前".
They mean a day only when the reference date is one (the issue date the
text states, or an admin's); read against a year's first day they stay
unresolved, as the spec has them."""

from __future__ import annotations

import datetime as dt
import re

from parsers.calendars import month_end
from parsers.timeexpr.base import Context, Rule, TimeExpr, safe_date
from parsers.vocabulary import WEEKDAYS

_DAYS = {"今天": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2, "大后天": 3}
_WEEKS = {"本周": 0, "这周": 0, "本星期": 0, "下周": 1, "下星期": 1, "下下周": 2}
_WEEKDAY_INDEX = {"MO": 0, "TU": 1, "WE": 2, "TH": 3, "FR": 4, "SA": 5, "SU": 6}

_DAY_WORD = re.compile(
    r"(?<![\u4e00-\u9fff])(?P<w>大后天|后天|今天|今日|明天|明日)(?:上午|下午|晚上|中午)?(?P<by>前|之前)?"
)
_WEEK_DAY = re.compile(
    r"(?P<w>下下周|本周|这周|本星期|下周|下星期)(?:(?:周|星期)?(?P<d>[一二三四五六日天])|(?P<within>内|之内))(?:前|之前)?"
)
_MONTH_WORD = re.compile(
    r"(?P<w>本月|当月|下月|下个月)(?:(?P<d>\d{1,2})[日号]|(?P<end>底|末)|(?P<within>内|之内))(?:前|之前)?"
)


def _needs_a_day(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    if ctx.ref_is_day:
        return None
    return TimeExpr(*m.span(), "unresolved", note="counted from an issue date the text does not give", confidence=0.3)


def _day_word(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    if not ctx.ref_is_day:
        return None  # "今日" in a plan with no issue date: no day to count from
    due = ctx.ref + dt.timedelta(days=_DAYS[m["w"]])
    return TimeExpr(*m.span(), "deadline", due=due, note=f"counted from {ctx.ref}", confidence=0.8)


def _week_day(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    unresolved = _needs_a_day(m, ctx)
    if unresolved is not None:
        return unresolved
    monday = ctx.ref - dt.timedelta(days=ctx.ref.weekday()) + dt.timedelta(weeks=_WEEKS[m["w"]])
    weekday = 4 if m["within"] else _WEEKDAY_INDEX[WEEKDAYS[m["d"]]]  # "本周内": by the week's last working day
    due = monday + dt.timedelta(days=weekday)
    return TimeExpr(*m.span(), "deadline", due=due, note=f"counted from {ctx.ref}", confidence=0.8)


def _month_word(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    unresolved = _needs_a_day(m, ctx)
    if unresolved is not None:
        return unresolved
    year, month = ctx.ref.year, ctx.ref.month + (0 if m["w"] in ("本月", "当月") else 1)
    if month > 12:
        year, month = year + 1, 1
    due = safe_date(year, month, int(m["d"])) if m["d"] else month_end(year, month)
    if due is None:
        return None
    return TimeExpr(*m.span(), "deadline", due=due, note=f"counted from {ctx.ref}", confidence=0.8)


RULES: list[Rule] = [
    Rule(39, _DAY_WORD, _day_word, needs=tuple(_DAYS)),
    Rule(39, _WEEK_DAY, _week_day, needs=tuple(_WEEKS)),
    Rule(39, _MONTH_WORD, _month_word, needs=("本月", "当月", "下月", "下个月")),
]
