"""A milestone's dates in the words an office uses: "2022年11月30日前",
"每季度末（3、6、9、12月最后一天）", "每周五", "验收完成后10个工作日内";
never a raw RRULE."""

from __future__ import annotations

import datetime as dt
from typing import Any

from scheduler.policy import Dates

KIND_WORDS = {
    "deadline": "截止",
    "range": "时段",
    "start": "开始",
    "recurring": "周期",
    "relative": "事件后",
    "ongoing": "长期",
    "unresolved": "待定",
}
_WEEKDAYS = {"MO": "一", "TU": "二", "WE": "三", "TH": "四", "FR": "五", "SA": "六", "SU": "日"}
_UNITS = {"workday": "个工作日", "day": "天", "week": "周", "month": "个月", "hour": "小时"}
_LUNAR_MONTHS = "正二三四五六七八九十冬腊"


def day_words(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _months(values: list[int]) -> str:
    return "、".join(str(v) for v in values) + "月"


def _monthday(value: int) -> str:
    return "最后一天" if value == -1 else f"倒数第{-value}天" if value < 0 else f"{value}日"


def _weekday(value: str) -> str:
    digits = value[:-2]
    name = "周" + _WEEKDAYS.get(value[-2:], value[-2:])
    if not digits:
        return name
    n = int(digits)
    return f"最后一个{name}" if n == -1 else f"第{n}个{name}"


def rrule_words(rrule: str) -> str:
    """An RRULE as a plan would say it."""
    parts = dict(p.split("=", 1) for p in rrule.split(";") if "=" in p)
    freq = parts.get("FREQ", "")
    interval = int(parts.get("INTERVAL", "1"))
    months = [int(v) for v in parts["BYMONTH"].split(",")] if "BYMONTH" in parts else []
    days = [int(v) for v in parts["BYMONTHDAY"].split(",")] if "BYMONTHDAY" in parts else []
    weekdays = parts["BYDAY"].split(",") if "BYDAY" in parts else []
    day_part = "、".join(_monthday(d) for d in days)
    week_part = "、".join(_weekday(w) for w in weekdays)
    if parts.get("RSCALE") == "CHINESE":
        month = months[0] if months else 1
        name = _LUNAR_MONTHS[month - 1] if 1 <= month <= 12 else str(month)
        return f"每年农历{name}月" + (f"{days[0]}日" if days and days[0] > 0 else "")
    if freq == "YEARLY":
        if months == [3, 6, 9, 12] and days == [-1]:
            return "每季度末（3、6、9、12月最后一天）"
        if months == [6, 12] and days == [-1]:
            return "每半年末（6、12月最后一天）"
        if months in ([1, 4, 7, 10], [3, 6, 9, 12]) and days:
            return f"每季度（{_months(months)}{day_part}）"
        every = "每年" if interval == 1 else f"每{interval}年"
        if len(months) == 1 and days == [-1]:
            return f"{every}{months[0]}月底"
        return every + (_months(months) if months else "") + (day_part or week_part)
    if freq == "MONTHLY":
        every = "每月" if interval == 1 else "每季度" if interval == 3 else f"每{interval}个月"
        if days == [-1]:
            return f"{every}月底" if interval == 1 else f"{every}（每{interval}个月最后一天）"
        return every + (day_part or week_part)
    if freq == "WEEKLY":
        within = f"（{_months(months)}）" if months else ""
        days_of_week = "、".join(map(_weekday, weekdays))
        if interval == 1:
            return ("每" + days_of_week if weekdays else "每周") + within
        every = "隔周" if interval == 2 else f"每{interval}周的"
        return every + (days_of_week or "一次") + within
    if freq == "DAILY":
        return "每天" if interval == 1 else f"每{interval}天"
    return "按周期"


def offset_words(offset: dict[str, Any] | None) -> str:
    if not offset:
        return "事件发生后"
    n = int(offset.get("n") or 0)
    unit = _UNITS.get(str(offset.get("unit")), str(offset.get("unit")))
    if offset.get("before"):
        return f"{offset['before']}前" + (f"{n}{unit}" if n else "")
    event = offset.get("after") or "事件发生"
    return f"{event}后" + (f"{n}{unit}内" if n else "当天")


def dates_words(d: Dates, offset: dict[str, Any] | None = None) -> str:
    """A milestone's dates (after any override) in words."""
    if d.kind == "deadline" and d.due:
        return f"{day_words(d.due)}前"
    if d.kind == "range" and d.start and d.due:
        return f"{day_words(d.start)}至{day_words(d.due)}"
    if d.kind == "start" and d.start:
        return f"{day_words(d.start)}起"
    if d.kind == "recurring" and d.rrule:
        span = f"，至{day_words(d.due)}" if d.due else ""
        since = f"，{day_words(d.start)}起" if d.start else ""
        return rrule_words(d.rrule) + since + span
    if d.kind == "relative":
        return offset_words(offset)
    if d.kind == "ongoing":
        return "长期坚持"
    return "时限待定"
