"""Deadlines: a day, part of a month (上旬/中旬/下旬, 底, 初), "N月前",
a month alone, part of a year (上半年, 第三季度, 年底), target years
("力争到2025年"), the eves of solar and lunar holidays; and the phrases that
are temporal without a date (长期, 适时, unresolved words)."""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

from parsers.calendars import FIVE_YEAR_PLAN, five_year_plan_end, lunar_to_solar, month_end, resolve_day
from parsers.timeexpr.base import (
    CLAUSE_END,
    DATE_YEAR,
    MONTH_PART,
    PUNCT,
    YEAR,
    Context,
    Rule,
    TimeExpr,
    clause_after,
    in_completion_field,
    one_of,
    preceded_by,
    safe_date,
    year_of,
)
from parsers.vocabulary import (
    DONE_VERBS,
    EVENT_NOUNS,
    LUNAR_HOLIDAYS,
    MONTH_PART_DUE,
    ONGOING_IN_FIELD,
    PAST_MARKERS,
    QUARTER_END,
    SOLAR_HOLIDAY_EVE,
    SOLAR_TERMS,
    TARGET_VERBS,
    UNRESOLVED,
    YEAR_PART_DUE,
)

_BY = r"(?P<by>前|之前|以前|前完成)?"
_DAY = re.compile(DATE_YEAR.format(g="y") + r"(?P<m>\d{1,2})月(?P<d>\d{1,2})[日号](?P<on>当天|当日)?" + _BY)
_MONTH_PART = re.compile(DATE_YEAR.format(g="y") + rf"(?P<m>\d{{1,2}})月(?P<p>{MONTH_PART}|中(?![央国华心]))" + _BY)
_MONTH_BEFORE = re.compile(DATE_YEAR.format(g="y") + r"(?P<m>\d{1,2})月份?(?:前|之前|以前)")
_MONTH_ALONE = re.compile(DATE_YEAR.format(g="y") + r"(?P<m>\d{1,2})月份?(?![\d日号份])")
# One of them is in every match of _YEAR_PART.
_YEAR_PART_WORDS = (
    "上半年",
    "下半年",
    "后半年",
    "季度",
    "年底",
    "年末",
    "年内",
    "年初",
    "年中",
    "年度",
    "度内",
    "全年",
    "年终",
)
_YEAR_PART = re.compile(
    r"(?P<lead>从现在到|到|至)?(?:(?P<y>\d{4})年|(?P<yr>今年|本年|明年|次年))?"
    r"(?P<w>上半年|下半年|后半年|第?[1-4一二三四]季度|年底前|年底|年末|年内|年初|年中(?![央国华心小学期旬])|本年度内?|度内|全年|年终)(?:(?<=季度)[末底])?(?P<by>前|之前|以前)?"
)
_TARGET_YEAR = re.compile(
    r"(?P<lead>力争到|力争在|争取到|争取在|力争|争取|预计到|计划到|到|至|截至|截止到|截止)?(?P<y>\d{4})年(?P<e>底|末)?(?P<by>前|之前|以前|内|以内|之内)?(?![\d月度的份代]|全年|上半年|下半年|第?[一二三四1-4]季度|春节|元旦)"
)
# "到“十四五”末": the last day of that five-year plan.
_FIVE_YEAR_END = re.compile(rf"(?:到|至|在)?“?(?P<n>{FIVE_YEAR_PLAN})五”?(?:规划)?(?:期末|末期|末)")
# "圆满完成2025年度…目标任务": that year's work, due at its end.
_YEAR_TASK = re.compile(r"(?<=完成|实现)(?P<y>\d{4})年度")
# "纳入2025年各村综合考评", "列入2025年度目标责任考核": a one-off review of
# that year, due at its end (a yearly cadence is "年度考核" with no year).
_YEAR_REVIEW = re.compile(
    r"(?<=纳入|列入|作为)(?P<y>\d{4})年度?(?=[\u4e00-\u9fff“”]{0,12}?(?:考核|考评|评估|评价|评比|评议))"
)
_THIS_YEAR_TASK = re.compile(r"(?<=完成|实现|确保)今年(?:确定的|的)?")
# "春节前", and with its year "2023年春节前".
# A holiday's eve; one 前 may close a list of holidays ("元旦、春节前"), and
# each of them then has its eve.
_HOLIDAY = one_of((*SOLAR_HOLIDAY_EVE, *LUNAR_HOLIDAYS)).pattern
_EVE = rf"节?(?:放假)?(?:前(?!后)|之前|以前|(?=[、和及与](?:{_HOLIDAY})节?(?:前|之前|以前)))"
# "春节前后", "冬至前后": around a day, with no bounds to date.
_AROUND = re.compile(rf"(?:{_HOLIDAY}|{'|'.join(SOLAR_TERMS)}|清明)节?前后")
_SOLAR_EVE = re.compile(YEAR.format(g="y") + f"(?P<h>{one_of(tuple(SOLAR_HOLIDAY_EVE)).pattern})" + _EVE)
_LUNAR_EVE = re.compile(YEAR.format(g="y") + f"(?P<h>{one_of(tuple(LUNAR_HOLIDAYS)).pattern})" + _EVE)
_EVENT_NOUN = one_of(EVENT_NOUNS)
_TARGET_VERB = one_of(TARGET_VERBS)
_ONGOING = re.compile("|".join(ONGOING_IN_FIELD))
_UNRESOLVED = one_of(UNRESOLVED)


def _is_past(m: re.Match[str]) -> bool:
    return m.string.startswith(PAST_MARKERS, m.end())


def _deadline(m: re.Match[str], due: dt.date, year_given: bool, note: str = "", confidence: float = 0.9) -> TimeExpr:
    return TimeExpr(*m.span(), "deadline", None, due, year_given, note, confidence)


def _names_event(m: re.Match[str]) -> bool:
    """ "3月31日全国安全生产电视电话会议": the date names a meeting or a
    speech, it sets no deadline."""
    if m["by"]:
        return False
    return _EVENT_NOUN.search(clause_after(m)[:20]) is not None


# After a day, what makes it a beginning: a weekday and a clock time may
# stand between ("9月1日(星期一)正式上课", "10月18日(星期六)20:00启动").
_BEGINS = re.compile(
    r"\s*(?:\((?:星期|周)[一二三四五六日天]\))?\s*(?:(?:上午|下午|晚上|凌晨)?\d{1,2}:\d{2})?\s*"
    r"(?:正式上课|正式启动|启动|正式实施|起施行|开始施行|开始实施|正式运行)"
)


def _day(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    if _is_past(m) or _names_event(m):
        return None
    year, given = year_of(m, ctx, "y")
    due = safe_date(year, int(m["m"]), int(m["d"]))
    if due is None:
        return TimeExpr(*m.span(), "unresolved", note="not a calendar date")
    if not m["by"] and _BEGINS.match(m.string, m.end()):
        return TimeExpr(*m.span(), "start", begin=due, year_given=given, note="begins that day")
    return _deadline(m, due, given, confidence=0.95 if given else 0.9)


def _year_month(m: re.Match[str], ctx: Context) -> tuple[int, int, bool] | None:
    """The year of a match (and whether the text gives it) and its month;
    None: the number is not a month."""
    year, given = year_of(m, ctx, "y")
    month = int(m["m"])
    return (year, month, given) if 1 <= month <= 12 else None


def _month_part(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    found = None if _is_past(m) else _year_month(m, ctx)
    if found is None:
        return None
    year, month, given = found
    return _deadline(m, resolve_day(year, month, MONTH_PART_DUE[m["p"]]), given)


def _month_before(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    found = _year_month(m, ctx)
    if found is None:
        return None
    year, month, given = found
    due = dt.date(year, month, 1) - dt.timedelta(days=1)
    note = "月前 with no day: read as the end of the previous month; may mean the end of this month"
    return _deadline(m, due, given, note, confidence=0.6)


def _month_alone(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    found = None if _is_past(m) else _year_month(m, ctx)
    if found is None:
        return None
    year, month, given = found
    if preceded_by(m, ("阶段(",)):
        # "巩固提升阶段(10月份)", "验收阶段(2024年11月)": the stage takes the month.
        return TimeExpr(*m.span(), "range", begin=dt.date(year, month, 1), due=month_end(year, month))
    if not given and not in_completion_field(m) and not m.string.startswith(DONE_VERBS, m.end()) and not _alone(m):
        # A bare month in running text is as often a season of work as a
        # deadline; a year, a completion field or a verb of finishing makes
        # it one.
        return None
    return _deadline(m, month_end(year, month), given, confidence=0.75)


def _alone(m: re.Match[str]) -> bool:
    """The phrase is all of its table cell or line ("| 6月 |", a heading
    "九月份:" over the month's tasks)."""
    start = m.string.rfind("\t", 0, m.start()) + 1
    end = m.string.find("\t", m.end())
    cell = m.string[start : end if end >= 0 else len(m.string)]
    return cell.strip().rstrip(":：") == m.group(0)


@lru_cache(maxsize=64)
def _year_part_day(word: str) -> tuple[int, int]:
    """The due month and day of a word _YEAR_PART reads."""
    if word.endswith("季度"):
        return QUARTER_END[int(word.lstrip("第")[0].translate(str.maketrans("一二三四", "1234")))]
    return YEAR_PART_DUE.get(word, YEAR_PART_DUE.get(word.rstrip("内"), (12, 31)))


# Characters before a bare year word that make it part of another phrase:
# a count ("三年内", "多年来"), a cadence ("每年底") or the past ("去年底").
_NOT_OWN_YEAR = "〇一二两三四五六七八九十百几多每去上前近当往历"


# A year's part that a report or a plan covers ("全年工作总结", "本年度工作计划",
# "第三季度及全年任务推进情况"), not its due date.
_REPORTED = re.compile(
    r"(?:[、及和与]?(?:第?[一二三四1-4]季度|全年|上半年|下半年))*(?:的)?"
    r"(?:(?!制定|编制|完成|形成|报送|提交|出台|印发|开展|研究)[\u4e00-\u9fff]){0,6}?"
    r"(?:工作)?(?:总结|计划|报告|推进情况|落实情况|完成情况|工作情况|进展情况)"
)
_NOT_DONE = ("未", "没有", "均未", "从未")
_REPORT_WORD = re.compile("总结|计划|报告|情况")


def _reported(m: re.Match[str]) -> bool:
    end = m.end()
    if end >= len(m.string) or m.string[end] in _CLOSES:
        return False  # "年底前", "上半年," : nothing after it to be the object of a report
    return _REPORT_WORD.search(m.string, end, end + 16) is not None and _REPORTED.match(m.string, end) is not None


_CLOSES = frozenset("前,，。;；:：、)\t 完")


def _year_part(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    word = m["w"]
    digits, rel = m.group("y", "yr")
    if word == "度内" and not (digits or rel):
        return None  # "2023年度内", "本年度内" only; "制度内容" is no date
    if not (digits or rel) and m.start():
        before = m.string[m.start() - 1]
        if before.isdigit() or before in _NOT_OWN_YEAR:
            return None
        if word == "全年" and before in "健安齐":
            return None  # "健全年度…": 健全 and 年度, no 全年
    if _is_past(m) or m.string.startswith(_NOT_DONE, m.end()) or _reported(m):
        return None  # "报送全年工作总结", "第三季度推进情况": what a report covers; "全年未接受检查"
    year, given = year_of(m, ctx, "y")
    mon, day = _year_part_day(word)
    return _deadline(m, resolve_day(year, mon, day), given, confidence=0.85)


# A quantified target in the clause after a year ("2025年改造提升农村户厕4200户").
_QUANTITY = re.compile(r"\d+(?:\.\d+)?(?:万|亿)?(?:户|个|公里|%|家|人次|条|座|所|处|亩|吨|项|万元|亿元|株|场|次)")
_ITEM_NUMBER_BEFORE = re.compile(r"\s*\d{1,2}\.")
# What follows "…年以前" when it sets a deadline: a verb of finishing or a break.
_BY_FOLLOWS = ("完成", "实现", "建成", "达到", "全面", "基本", ",", "，", "。", ";", "；")


def _target_year(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    year = int(m["y"])
    before = m.string[m.start() - 1] if m.start() else ""
    clause_start = (
        not before
        or before in ",，。;；:：(\n\t 、"
        or _ITEM_NUMBER_BEFORE.fullmatch(m.string, m.string.rfind("\t", 0, m.start()) + 1, m.start())
    )
    if not (m["lead"] or m["e"] or m["by"] or clause_start):
        return None
    if m["by"] in ("以前", "之前") and not m.string.startswith(_BY_FOLLOWS, m.end()):
        return None  # "2024年以前遗留的问题": before that year, not by it
    if _is_past(m) or year < ctx.ref.year or year > ctx.ref.year + 30:
        return None
    if ctx.base_year and year < ctx.base_year and not (m["lead"] or m["e"] or m["by"]):
        return None  # "2024年,全县…累计巡河2.6万人次" in a plan for 2025: the year before, reported
    rest = m.string[m.end() : m.end() + 1]
    stated = m["lead"] or m["e"] or m["by"]
    after = clause_after(m)
    if not stated and rest not in (",", "，", "") and not _TARGET_VERB.search(after) and not _QUANTITY.search(after):
        return None
    return _deadline(m, dt.date(year, 12, 31), True, "target year", confidence=0.8)


def _year_task(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    return _deadline(m, dt.date(int(m["y"]), 12, 31), True, "that year's work: by its end", confidence=0.8)


def _five_year_end(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    year = five_year_plan_end(m["n"])
    return _deadline(m, dt.date(year, 12, 31), True, "end of the five-year plan", confidence=0.8)


def _year_review(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    return _deadline(m, dt.date(int(m["y"]), 12, 31), True, "that year's review: at its end", confidence=0.8)


def _this_year_task(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    expr = _deadline(m, dt.date(ctx.year, 12, 31), True, "this year's task: by year end", confidence=0.6)
    expr.weak = True
    return expr


def _solar_eve(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    mon, day = SOLAR_HOLIDAY_EVE[m["h"]]
    year, given = year_of(m, ctx, "y")
    if given and mon == 12:
        year -= 1  # "2024年元旦前": the eve of 2024's New Year's Day is in 2023
    return _deadline(m, dt.date(year, mon, day), given, "eve of the holiday")


def _lunar_eve(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    lm, ld = LUNAR_HOLIDAYS[m["h"]]
    year, given = year_of(m, ctx, "y")
    due = lunar_to_solar(year, lm, ld) - dt.timedelta(days=1)
    # Its solar date is fixed by the year (the reference year's, per the
    # spec), so it is not a month-day that moves forward in a list or
    # repeats on that day every year.
    expr = _deadline(m, due, True, "day before the lunar holiday")
    expr.floats = not given
    return expr


# A clock time that carries an earlier date: "22:30前完成迁移" after
# "10月18日20:00启动", an agenda row "上午9:00—上午9:30 启动仪式" under the
# activity's day. Read here as a "clock" phrase that the pipeline dates
# from the day before it (or drops).
_HALF_DAY = r"(?:(?:上午|下午|晚上|早上|凌晨|中午|晚)\s*)?"
_CLOCK = re.compile(
    rf"{_HALF_DAY}(?<![\d:])\d{{1,2}}:\d{{2}}(?:\s*(?:—{{1,2}}|–|-|~|至|到)\s*{_HALF_DAY}\d{{1,2}}:\d{{2}})?"
    r"(?P<by>前|之前)?"
)
_ITEM_OPENING = re.compile(r"\s*(?:\(?\d{1,2}[).、]|\([一二三四五六七八九十]{1,3}\)|[①-⑳])?\s*")


def _clock(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    opening = _ITEM_OPENING.match(m.string)
    at_start = opening is not None and opening.end() == m.start()
    if not (m["by"] or at_start or _alone(m)):
        return None  # "工作时间8:30—17:30": hours, not a time limit
    return TimeExpr(*m.span(), "clock", note="a clock time on the day written before it", confidence=0.7)


def _ongoing(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    word = m.group(0)
    before = m.string[m.start() - 1] if m.start() else ""
    after = m.string[m.end() : m.end() + 1]
    standalone = before in PUNCT + "" and (after in PUNCT or not after)
    if in_completion_field(m) or (word == "长期" and standalone) or word == "长期坚持" or _alone(m):
        return TimeExpr(*m.span(), "ongoing", confidence=0.9)
    return None


# A named month of a campaign the plan joins ("结合“119”消防宣传月", "结合爱国
# 卫生月") and the sessions of congress ("全国“两会”期间", "冬至、全国两会等重点
# 时段"): times, but the plan gives no dates.
_EVENT_WINDOW = re.compile(
    r"(?:(?<=结合|利用|借助|围绕|开展)|(?<=[在于以、]))“?[\u4e00-\u9fff\d]{0,6}?”?[\u4e00-\u9fff]{0,6}?"
    r"(?:宣传月|卫生月|活动月|生产月|服务月|教育月)(?:期间)?"
    r"|(?:全国|省|市|县|区)?“?两会”?(?=期间|[、和及与]|等(?:重要|关键|重点|敏感)?(?:节点|时段|时期))(?:期间)?"
)


def _event_window(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    clause = CLAUSE_END.split(m.string[max(0, m.start() - 20) : m.start()])[-1]
    if re.search(r"\d月", clause):
        return None  # "每年11月开展消防宣传月活动": the month says when
    expr = TimeExpr(*m.span(), "unresolved", note="an event's window: no dates given", confidence=0.3)
    expr.weak = m.group(0).endswith(("月", "月期间"))  # "安全生产月(6月)": the date says when
    return expr


def _around(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    return TimeExpr(*m.span(), "unresolved", note="around a day: no bounds given", confidence=0.3)


def _unresolved(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    word = m.group(0)
    if any(ctx.defined_period(w) is not None for w in (word, word.removesuffix("期间"), word.removesuffix("内"))):
        return None  # "汛期" where the plan dates it: named as a subject, not a time
    expr = TimeExpr(*m.span(), "unresolved", note="temporal but not datable", confidence=0.3)
    expr.weak = True  # "汛前(4月30日前)": the date says when
    season = re.match(r"[春夏秋冬]{1,2}", m.group(0))
    if season:
        expr.season = season.group(0)
    return expr


RULES: list[Rule] = [
    Rule(40, _DAY, _day, needs=("月",), also=("日", "号")),
    Rule(40, _MONTH_PART, _month_part, needs=("月",), also=("旬", "初", "底", "末", "中")),
    Rule(41, _MONTH_BEFORE, _month_before, needs=("月",), also=("前",)),
    Rule(42, _YEAR_PART, _year_part, needs=_YEAR_PART_WORDS),
    Rule(43, _AROUND, _around, needs=("前后",)),
    Rule(45, _EVENT_WINDOW, _event_window, needs=("月", "两会")),
    Rule(43, _SOLAR_EVE, _solar_eve, needs=tuple(SOLAR_HOLIDAY_EVE), also=("前",)),
    Rule(43, _LUNAR_EVE, _lunar_eve, needs=tuple(LUNAR_HOLIDAYS), also=("前",)),
    Rule(44, _TARGET_YEAR, _target_year, needs=("年",)),
    Rule(44, _YEAR_TASK, _year_task, needs=("年度",), also=("完成", "实现")),
    Rule(44, _YEAR_REVIEW, _year_review, needs=("纳入", "列入", "作为"), also=("考", "评")),
    Rule(44, _FIVE_YEAR_END, _five_year_end, needs=("末",), also=("五",)),
    Rule(45, _MONTH_ALONE, _month_alone, needs=("月",)),
    Rule(45, _ONGOING, _ongoing, needs=("长期", "持续推进")),
    Rule(45, _UNRESOLVED, _unresolved, needs=UNRESOLVED),
    Rule(46, _THIS_YEAR_TASK, _this_year_task, needs=("今年",)),
    Rule(49, _CLOCK, _clock, needs=(":",), also=("上午", "下午", "晚上", "早上", "凌晨", "中午", "晚", "前")),
]
