"""What a plan says about its own time, read before its milestones: its
period (the ranges of its time section), the periods it defines and names
again ("汛期自5月1日开始,至9月30日结束"; later "汛期内"), and the time
cells of its tables.
"""

from __future__ import annotations

import datetime as dt
import re

from parsers.outline import Heading, PlanOutline
from parsers.timeexpr import Context, find_time_expressions
from parsers.vocabulary import TIME_COLUMN_WORDS

_PERIOD_SECTION = re.compile(r"时间")


def plan_period(outline: PlanOutline, base: Context) -> tuple[dt.date, dt.date] | None:
    """The plan's own activity period: from the first day to the last of the
    ranges in the first section whose heading speaks of time (时间安排,
    活动时间, 实施步骤和时间), its phases included."""
    found: list[tuple[dt.date, dt.date]] = []
    section: Heading | None = None
    for line in outline.lines:
        if not (line.path and _PERIOD_SECTION.search(line.path[0].title)):
            continue
        if section is not None and line.path[0] != section:
            break
        for expr in find_time_expressions(line.text, base):
            if expr.kind == "range" and expr.begin and expr.due:
                found.append((expr.begin, expr.due))
                section = line.path[0]
    if not found:
        return None
    return min(b for b, _ in found), max(d for _, d in found)


# A line that may define a period: "汛期自5月1日开始", "寒假:1月24日—3月1日",
# "夏季禁烧时段为5月20日至6月30日".
_DEFINES = re.compile(r"[为是:：自从]")
_DEFINED_TAIL = re.compile(r"“?(?P<name>[\u4e00-\u9fff]{2,8}?)”?(?:时间|时段|期限)?\s*[为是:：]?\s*(?:自|从)?\s*$")
_PLACE = re.compile(r"^(?:本镇|本县|本市|本区|本乡|我镇|我县|我市|我区|全镇|全县|全市|全区|其中|今年|本年度|全年)")
_NOT_A_NAME = ("时间", "期间", "时段", "期限", "日期", "活动时间")
_QUOTED_NAME = re.compile(r"“([^“”]{2,12})”")


def defined_periods(outline: PlanOutline, ctx: Context) -> tuple[tuple[str, dt.date, dt.date], ...]:
    """The periods the plan defines: a name, then its range ("汛期自5月1日
    开始,至9月30日结束", "寒假:2026年1月24日—3月1日"); "时间为…" after a
    quoted name ("“宣传周”活动,时间为3月16日—22日") defines that name."""
    out: list[tuple[str, dt.date, dt.date]] = []
    for line in outline.lines:
        if not _DEFINES.search(line.text):
            continue
        for expr in find_time_expressions(line.text, ctx):
            if expr.kind != "range" or expr.begin is None or expr.due is None:
                continue
            clauses = re.split(r"[,，。;；]", line.text[: expr.start])
            m = _DEFINED_TAIL.search(clauses[-1])
            name = _PLACE.sub("", m["name"]) if m else ""
            if (not name or name in _NOT_A_NAME) and len(clauses) > 1:
                quoted = _QUOTED_NAME.findall(clauses[-2])
                name = quoted[-1] if quoted and re.search(r"时间|时段", clauses[-1]) else ""
            if len(name) >= 2 and name not in _NOT_A_NAME:
                out.append((name, expr.begin, expr.due))
    return tuple(out)


# The time line under a heading that names an event: "（一）开幕式" then
# "活动时间：4月18日（星期六）上午9:30".
_TIME_LINE = re.compile(r"^\s*(?:活动|举办|举行|召开|会议)?(?:时间|日期)\s*[:：]")
_EVENT_TITLE = re.compile(r"[\u4e00-\u9fff“”]{2,10}")
# An event a sentence dates: "9月1日正式上课,上午在操场举行开学典礼",
# "4月18日举办开幕式".
_HELD = re.compile(r"(?:举行|举办|召开)(?P<ev>[\u4e00-\u9fff]{2,8}?)(?=[,，。;；(（]|$)")
_EVENT_NOUN_END = ("典礼", "仪式", "开幕式", "闭幕式", "大会", "启动会", "推介会", "发布会", "运动会")


def dated_events(outline: PlanOutline, ctx: Context) -> tuple[tuple[str, dt.date, dt.date], ...]:
    """The events the plan dates, as one-day periods: a heading that names
    an event with its time line under it ("（一）开幕式" / "活动时间：4月18日"),
    and an event a sentence holds on its one date ("9月1日…举行开学典礼").
    "开幕式前3天" and "开学前" then count from those days."""
    out: list[tuple[str, dt.date, dt.date]] = []
    for line in outline.lines:
        heading = line.path[-1] if line.path else None
        if heading is not None and heading.line < line.number <= heading.line + 2 and _TIME_LINE.match(line.text):
            title = heading.title.strip().rstrip("。:：")
            if _EVENT_TITLE.fullmatch(title) and title not in _NOT_A_NAME:
                first = next(iter(find_time_expressions(line.text, ctx)), None)
                day = None if first is None else first.due if first.kind == "deadline" else first.begin
                if day is not None and first is not None and first.kind in ("deadline", "range"):
                    out.append((title.replace("“", "").replace("”", ""), day, day))
        for sentence in re.split(r"[。;；]", line.text):
            held = [m["ev"] for m in _HELD.finditer(sentence) if m["ev"].endswith(_EVENT_NOUN_END)]
            if not held:
                continue
            days = {
                day
                for e in find_time_expressions(sentence, ctx)
                if e.kind in ("deadline", "start") and (day := e.due or e.begin) is not None
            }
            if len(days) == 1:
                day = days.pop()
                out.extend((name, day, day) for name in held)
    return tuple(out)


def time_cells(outline: PlanOutline) -> dict[int, tuple[tuple[int, int], ...]]:
    """The spans of the time cells of each row (by line number) of a table
    whose header names a time column (完成时限, 时间节点): the time words of
    its other cells ("开展国庆节前检查") give no milestone of their own."""
    out: dict[int, tuple[tuple[int, int], ...]] = {}
    header: tuple[int, frozenset[int]] | None = None
    for line in outline.lines:
        cells = line.text.split("\t")
        if len(cells) < 3:
            header = None
            continue
        times = frozenset(i for i, c in enumerate(cells) if any(w in c for w in TIME_COLUMN_WORDS))
        if times and all(len(c.strip()) <= 8 for c in cells):
            header = (len(cells), times)
        elif header is not None and len(cells) == header[0]:
            spans, at = [], 0
            for i, cell in enumerate(cells):
                if i in header[1]:
                    spans.append((at, at + len(cell)))
                at += len(cell) + 1
            out[line.number] = tuple(spans)
    return out
