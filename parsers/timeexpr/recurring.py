"""Recurrences as RRULEs: "每季度第1个月的20日前", "每年3月底前",
"每月10日", "每2周", "每周五", "年度考核", and the cadence words of the
vocabulary ("每季度召开", "月度调度")."""

from __future__ import annotations

import re

from parsers.timeexpr.base import (
    RANGE_SEPARATORS,
    SEP,
    Context,
    Rule,
    TimeExpr,
    clause_after,
    followed_by,
    one_of,
    preceded_by,
)
from parsers.vocabulary import (
    CADENCES,
    MONTH_PART_DUE,
    QUARTER_END,
    RATE_FOLLOWERS,
    RATE_LEADERS,
    RATE_WORDS,
    ROUTINE_PERIODS,
    ROUTINES,
    WEEKDAYS,
    YEAR_PART_DUE,
)

# "每季度第1个月的20日前", and its last month: "每季度最后一个月25日前".
_BY_QUARTER_MONTH = re.compile(
    r"每个?季度(?:第(?P<k>[1-3])个月|(?P<last>最后1个月|末月))的?(?P<d>\d{1,2})[日号](?:前|之前)?"
)
# "每年3月底前", and months listed one after another: "每年3月、9月".
# The months of each year a cadence runs in: "每年的4月至10月,…每周巡河".
_YEARLY_WINDOW = re.compile(
    r"每年(?:的)?(?P<m1>\d{1,2})月份?" + SEP + r"(?:次年|翌年)?(?P<m2>\d{1,2})月份?(?![\d日号底末上中下])"
)
WINDOW_NOTE = "the months of each year its cadence runs in"
_YEARLY_MONTH = re.compile(
    r"每年(?:的)?(?P<m>\d{1,2})月(?P<more>(?:(?:、|和|及|,|，)\d{1,2}月)*)"
    r"(?:的?(?P<d>\d{1,2})[日号]|(?P<p>上旬|中旬|下旬|底|末|初))?(?:前|之前|以前)?"
)
# A part of each year: "每年一季度", "每年第三季度末前", "每年上半年".
_YEARLY_PART = re.compile(r"每年(?:的)?(?:(?:第)?(?P<q>[1-4])季度末?|(?P<w>上半年|下半年|年中|年初))(?:前|之前|以前)?")
# "(于)次月5日前报送上月…": a monthly report due in the month after.
_NEXT_MONTH_DAY = re.compile(r"次月(?P<d>\d{1,2})[日号](?:前|之前|以前)?")
_MONTHLY_DAY = re.compile(r"每个?月(?:的)?(?:(?P<d>\d{1,2})[日号]|(?P<p>上旬|中旬|下旬|底|末|初))(?:前|之前|以前)?")
_EVERY_N = re.compile(r"每(?:隔)?(?P<n>\d+)(?P<u>天|日|周|个星期|个月|年)")
# An annual assessment ("年度考核", "年度综合考核", "年度目标绩效考核"): yearly on 12-31.
_ANNUAL_REVIEW = re.compile(r"年度[\u4e00-\u9fff]{0,6}?(?:考核|考评|评估|评价)")
# "每周一", "每周一、三、五", "每周一至周五"; not "每周一次", "每周二次",
# "每周一期" (a count in the week: read as "每周" with its count noted).
_DAY = r"[一二三四五六日天]"
_WEEKLY_DAY = re.compile(
    rf"每(?:周|星期)(?P<d>{_DAY})"
    rf"(?:(?P<more>(?:[、，,和及](?:周|星期)?{_DAY})+)|(?:至|到|—|-|~)(?:周|星期)?(?P<last>{_DAY}))?"
)
# What follows a number that counts rather than names a day.
_COUNTED = re.compile(r"[次期轮遍回趟]|[两二三四五六七八九十]次")
# "每月最后一周的星期五", "每月第一周周一": the weekday of one week of the month.
_MONTHLY_WEEKDAY = re.compile(
    r"每个?月(?:的)?(?:(?P<last>最后[一1])|第(?P<n>[一二三四1-4]))(?:周|个星期)的?(?:周|星期)(?P<d>[一二三四五六日天])"
)
# A weekday the sentence names after a weekly cadence: "每两周开展一次…,时间为周三下午".
_LATER_WEEKDAY = re.compile(r"(?:时间为|定于|安排在|在|于)(?:每)?(?:周|星期)(?P<d>[一二三四五六日天])")
_CADENCE_WORDS = one_of(tuple(CADENCES))
# Not after a word that picks one period out ("上月调度", "本季通报",
# "一季度通报", "6月调度", "全年考核"), nor inside a longer period ("半年").
_ROUTINE = re.compile(
    r"(?<![\d〇一二三四五六七八九十本上下当次该这今明去前每全半近历往多])"
    rf"(?P<p>[周旬月季年])度?(?:{one_of(ROUTINES).pattern})"
)
_RATE_WORD = one_of(RATE_WORDS)
_COUNT = re.compile(r"(?:不少于|至少|不低于)?([\d一二两三四五六七八九十]+)次")


def _count_note(m: re.Match[str]) -> str:
    sentence = re.split(r"[。;；]", m.string[m.end() : m.end() + 20], maxsplit=1)[0]
    found = _COUNT.search(sentence)
    return f"{found.group(0)} per period" if found else ""


def _recurring(m: re.Match[str], rule: str) -> TimeExpr | None:
    if followed_by(m, RATE_FOLLOWERS) or preceded_by(m, RATE_LEADERS):
        return None
    if _RATE_WORD.search(clause_after(m)):
        return None
    return TimeExpr(*m.span(), "recurring", rrule=rule, note=_count_note(m), confidence=0.85)


def _part_day(part: str | None, day: str | None) -> int:
    if day:
        return int(day)
    return MONTH_PART_DUE.get(part or "底", -1)


def _by_quarter_month(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    k = 3 if m["last"] else int(m["k"])
    months = ",".join(str(k + 3 * i) for i in range(4))
    return _recurring(m, f"FREQ=YEARLY;BYMONTH={months};BYMONTHDAY={int(m.group('d'))}")


# "每年的10月1日至翌年的5月31日": a season that runs into the next year,
# read as a range (the one that starts in the reference year).
_INTO_NEXT_YEAR = re.compile(SEP + r"(?:次年|翌年)")
_SEASON_INTO_NEXT_YEAR = re.compile(r"的?\d{1,2}月\d{1,2}[日号]" + SEP + r"(?:次年|翌年)")


def _yearly_month(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    if m["d"] and _INTO_NEXT_YEAR.match(m.string, m.end()):
        return None
    months = [int(m["m"]), *(int(n) for n in re.findall(r"\d{1,2}", m["more"] or ""))]
    if not all(1 <= month <= 12 for month in months):
        return None
    by_month = ",".join(str(month) for month in sorted(set(months)))
    return _recurring(m, f"FREQ=YEARLY;BYMONTH={by_month};BYMONTHDAY={_part_day(m.group('p'), m.group('d'))}")


def _yearly_part(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    if m["q"]:  # a quarter's end, written as the spec writes quarter ends
        return _recurring(m, f"FREQ=YEARLY;BYMONTH={QUARTER_END[int(m.group('q'))][0]};BYMONTHDAY=-1")
    month, day = YEAR_PART_DUE[m["w"]]
    return _recurring(m, f"FREQ=YEARLY;BYMONTH={month};BYMONTHDAY={day}")


def _next_month_day(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    # Only where the text reports on the month before: a cadence, not one date.
    if "上月" not in m.string and "每月" not in m.string:
        return None
    return _recurring(m, f"FREQ=MONTHLY;BYMONTHDAY={int(m.group('d'))}")


def _monthly_day(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    return _recurring(m, f"FREQ=MONTHLY;BYMONTHDAY={_part_day(m.group('p'), m.group('d'))}")


def _every_n(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    n, unit = int(m["n"]), m["u"]
    base = {
        "天": "FREQ=DAILY",
        "日": "FREQ=DAILY",
        "周": "FREQ=WEEKLY",
        "个星期": "FREQ=WEEKLY",
        "个月": "FREQ=MONTHLY",
        "年": "FREQ=YEARLY",
    }[unit]
    rule = base if n == 1 else f"{base};INTERVAL={n}"
    if unit in ("周", "个星期"):
        rule = _named_weekday(m, rule + ";BYDAY=FR")
    elif unit == "个月":
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
    if not m["more"] and not m["last"] and _COUNTED.match(m.string, m.end()):
        return None  # "每周一次": once a week, read by the plain cadence with its count
    order = list(dict.fromkeys(WEEKDAYS.values()))  # MO … SU
    days = [WEEKDAYS[m["d"]]]
    if m["more"]:
        days += [WEEKDAYS[d] for d in re.findall(_DAY, m["more"])]
    elif m["last"]:
        first, last = order.index(days[0]), order.index(WEEKDAYS[m["last"]])
        if last <= first:
            return None
        days = order[first : last + 1]
    ordered = sorted(dict.fromkeys(days), key=order.index)
    return _recurring(m, f"FREQ=WEEKLY;BYDAY={','.join(ordered)}")


_SAME_PERIOD = {"周": "每周|每星期|每两周", "旬": "每旬", "月": "每个?月", "季": "每个?季", "年": "每年"}


def _routine(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    clause = re.split(r"[,，。;；]", m.string[max(0, m.start() - 30) : m.start()])[-1]
    if re.search(_SAME_PERIOD[m["p"]], clause):
        return None  # "每周一上午召开项目周例会": the cadence before it says when
    return _recurring(m, ROUTINE_PERIODS[m["p"]])


# "一日一清扫、一周一消毒", "一日两扫", "一月一通报": once in each period.
_ONCE_EACH = re.compile(r"(?<![\d第每])[一1](?P<u>日|天|周|月|季度|季|年)(?:[一两二三四五]|多)(?=[\u4e00-\u9fff])")
_ONCE_EACH_RULE = {
    "日": "FREQ=DAILY",
    "天": "FREQ=DAILY",
    "周": "FREQ=WEEKLY;BYDAY=FR",
    "月": "FREQ=MONTHLY;BYMONTHDAY=-1",
    "季": "FREQ=YEARLY;BYMONTH=3,6,9,12;BYMONTHDAY=-1",
    "季度": "FREQ=YEARLY;BYMONTH=3,6,9,12;BYMONTHDAY=-1",
    "年": "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=31",
}


# A unit and the count after it: every match holds one of these.
ONCE_EACH_WORDS = tuple(f"{u}{n}" for u in ("日", "天", "周", "月", "季", "年") for n in ("一", "两", "二", "三", "多"))


def _once_each(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    return _recurring(m, _ONCE_EACH_RULE[m["u"]])


def _yearly_window(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    m1, m2 = int(m["m1"]), int(m["m2"])
    if not (1 <= m1 <= 12 and 1 <= m2 <= 12) or m1 == m2:
        return None
    return TimeExpr(*m.span(), "recurring", rrule=f"FREQ=YEARLY;BYMONTH={m2};BYMONTHDAY=-1", note=WINDOW_NOTE)


def window_months(text: str) -> list[int] | None:
    """The months of a yearly window ("每年的4月至10月": 4..10)."""
    m = _YEARLY_WINDOW.fullmatch(text)
    if m is None:
        return None
    m1, m2 = int(m["m1"]), int(m["m2"])
    return list(range(m1, m2 + 1)) if m1 < m2 else [*range(m1, 13), *range(1, m2 + 1)]


def _monthly_weekday(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    n = -1 if m["last"] else int(m["n"].translate(str.maketrans("一二三四", "1234")))
    return _recurring(m, f"FREQ=MONTHLY;BYDAY={n}{WEEKDAYS[m['d']]}")


def _cadence(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    word = m.group(0)
    if word == "每年" and m.string[m.end() : m.end() + 1] in ("度", "\u5e74"):
        return None
    if word == "每年" and _SEASON_INTO_NEXT_YEAR.match(m.string, m.end()):
        return None  # the season after it is read as a range
    return _recurring(m, _named_weekday(m, CADENCES[word]))


def _named_weekday(m: re.Match[str], rule: str) -> str:
    """A week's cadence is due on the day its sentence names after it
    ("每两周开展一次…,时间为周三下午"), else on the week's last working day."""
    if rule.startswith("FREQ=WEEKLY") and rule.endswith("BYDAY=FR"):
        later = _LATER_WEEKDAY.search(_sentence_after(m))
        if later:
            return rule.removesuffix("FR") + WEEKDAYS[later["d"]]
    return rule


def _sentence_after(m: re.Match[str]) -> str:
    end = re.search("[。;；]", m.string[m.end() :])
    return m.string[m.end() : m.end() + end.start() if end else len(m.string)]


# "每月第一个工作日", "每月最后一个工作日": a weekday of the month by its place.
_MONTHLY_WORKDAY = re.compile(r"每个?月(?:的)?(?:第(?P<n>[1-5一二三四五])|(?P<last>最后[一1]))个工作日")
# "每季度结束后10日内", "每月终了后5天内": so many days into the next period.
_AFTER_EACH = re.compile(
    r"每(?P<p>个?月|季度?|半年|年度?)(?:结束|终了|末)?(?:后|之后)(?P<n>\d{1,2})(?:日|天|个自然日)(?:内|之内|以内)?"
)
_NEXT_PERIOD_MONTHS = {"月": None, "季": "1,4,7,10", "半年": "1,7", "年": "1"}


def _monthly_workday(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    place = -1 if m["last"] else int(m["n"].translate(str.maketrans("一二三四五", "12345")))
    return _recurring(m, f"FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS={place}")


def _after_each(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    period = m["p"].removeprefix("个").removesuffix("度")
    day = int(m["n"])
    if not 1 <= day <= 28:
        return None
    months = _NEXT_PERIOD_MONTHS[period]
    if months is None:
        return _recurring(m, f"FREQ=MONTHLY;BYMONTHDAY={day}")
    return _recurring(m, f"FREQ=YEARLY;BYMONTH={months};BYMONTHDAY={day}")


RULES: list[Rule] = [
    Rule(9, _AFTER_EACH, _after_each, needs=("每",), also=("后",)),
    Rule(19, _MONTHLY_WORKDAY, _monthly_workday, needs=("工作日",), also=("每月", "每个月")),
    Rule(20, _BY_QUARTER_MONTH, _by_quarter_month, needs=("季度",)),
    Rule(19, _YEARLY_WINDOW, _yearly_window, needs=("每年",), also=RANGE_SEPARATORS),
    Rule(20, _YEARLY_MONTH, _yearly_month, needs=("每年",)),
    Rule(20, _YEARLY_PART, _yearly_part, needs=("每年",)),
    Rule(20, _NEXT_MONTH_DAY, _next_month_day, needs=("次月",)),
    Rule(20, _MONTHLY_DAY, _monthly_day, needs=("每月", "每个月")),
    Rule(20, _EVERY_N, _every_n, needs=("每",)),
    Rule(20, _WEEKLY_DAY, _weekly_day, needs=("每周", "每星期")),
    Rule(19, _MONTHLY_WEEKDAY, _monthly_weekday, needs=("每月", "每个月"), also=("周", "星期")),
    Rule(22, _ONCE_EACH, _once_each, needs=ONCE_EACH_WORDS),
    Rule(21, _ANNUAL_REVIEW, _annual_review, needs=("年度",)),
    Rule(22, _CADENCE_WORDS, _cadence, needs=tuple(CADENCES)),
    Rule(22, _ROUTINE, _routine, needs=ROUTINES, also=tuple(ROUTINE_PERIODS)),
]
