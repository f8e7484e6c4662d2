"""Relative offsets: "作出决定后60个工作日内", "提前3天", "会议结束后当日",
and a bare "N个工作日内" counting from the event named before it."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from parsers.timeexpr.base import CLAUSE_END, ITEM_NUMBER, Context, Rule, TimeExpr, safe_date
from parsers.vocabulary import EVENT_VERBS, OFFSET_UNITS

_UNIT = r"(?P<u>个工作日|工作日|个自然日|自然日|个小时|小时|个星期|星期|个月|周|日|天)"
# ("初验合格后3个月" alone in its cell or clause is the same limit)
_REL_AFTER = re.compile(
    rf"(?P<ev>[^,，。;；:：()\t]{{2,40}}?)(?:之)?后(?P<n>\d+){_UNIT}(?:内|之内|以内|(?=[\t,，。;；)]|$))"
)
_REL_SAME_DAY = re.compile(r"(?P<ev>[^,，。;；:：()]{2,30}?)(?:之)?后(?:当日|当天)")
_REL_BARE = re.compile(rf"(?<![\d.])(?P<n>\d+){_UNIT}(?:内|之内|以内)")
_REL_BEFORE = re.compile(rf"提前(?P<n>\d+){_UNIT}")
# "活动开展前3天报送方案": so long before an event, named in the clause
# before 前 (the match starts at 前, so a search skips to it at once).
_REL_BEFORE_EVENT = re.compile(rf"(?:之)?前(?P<n>\d+){_UNIT}(?:内|之内|以内)?")
# "自本方案印发之日起30日内": counted from the day of the event.
_REL_FROM_DAY = re.compile(rf"(?:自|从)?(?P<ev>[^,，。;；:：()]{{2,30}}?)之日起(?P<n>\d+){_UNIT}(?:内|之内|以内)")
# An event the text dates ("12月1日活动开展", "会议于3月5日结束"): the offset
# counts from that day.
_DATE_EVENT = re.compile(r"(?:(\d{4})年)?(\d{1,2})月(\d{1,2})[日号]")


def _event(text: str) -> str:
    text = ITEM_NUMBER.sub("", text).strip()  # "1.开幕式前3天": the event is 开幕式
    for lead in ("应当在", "应在", "须在", "要在", "在", "于", "待", "自", "从"):
        if lead in text:
            text = text.rsplit(lead, 1)[1]
    # "申请人提交材料" -> "提交材料": the event starts at its verb; but a
    # verb that ends the text keeps its subject ("事件发生", "会议结束").
    text = text.strip()
    cut = [i for v in EVENT_VERBS if (i := text.find(v)) > 0 and i + len(v) < len(text)]
    if cut:
        text = text[min(cut) :]
    return text


def _relative(
    m: re.Match[str], ctx: Context, n: int, unit: str, anchor: str, before: bool, base: dt.date | None = None
) -> TimeExpr:
    offset: dict[str, object] = {"n": n, "unit": OFFSET_UNITS[unit]}
    offset["before" if before else "after"] = anchor
    when = _DATE_EVENT.search(anchor)
    if (when or base) and OFFSET_UNITS[unit] in ("workday", "day"):
        if when:
            year = int(when.group(1)) if when.group(1) else ctx.year
            base = safe_date(year, int(when.group(2)), int(when.group(3)))
        if base is not None:
            step = -n if before else n
            due = (
                ctx.calendar.add_workdays(base, step) if offset["unit"] == "workday" else base + dt.timedelta(days=step)
            )
            side = "before" if before else "after"
            return TimeExpr(*m.span(), "deadline", due=due, note=f"{n} {offset['unit']}s {side} {base}")
    return TimeExpr(*m.span(), "relative", offset=offset, confidence=0.85)


_TIME_WORD = re.compile(r"今年|明年|本年|当年|次年|去年|\d{4}年|本月|下月|\d{1,2}月|\d{1,2}[日号]|[年月周季]$")


def _rel_after(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    anchor = _event(m["ev"])
    if not anchor:
        return None
    if not m.group(0).endswith("内") and _TIME_WORD.search(anchor):
        return None  # without 内 only after an event: "初验合格后3个月", not "今年后7个月"
    expr = _relative(m, ctx, int(m["n"]), m["u"], anchor, before=False)
    expr.start = m.start("ev") + m["ev"].find(anchor) if anchor in m["ev"] else m.start()
    return expr


def _rel_from_day(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    number = ITEM_NUMBER.match(m["ev"])  # "7.自收到申请之日起…": not the item's number
    skip = number.end() if number else 0
    anchor = m["ev"][skip:].strip().removeprefix("自").removeprefix("从")
    if not anchor:
        return None
    expr = _relative(m, ctx, int(m["n"]), m["u"], anchor, before=False)
    expr.start = m.start("ev") + skip
    return expr


def _rel_same_day(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    anchor = _event(m["ev"])
    if not anchor or not _is_event(anchor):
        return None
    expr = TimeExpr(*m.span(), "relative", offset={"n": 0, "unit": "day", "after": anchor}, confidence=0.8)
    expr.start = m.start("ev") + m["ev"].find(anchor)
    return expr


def _is_event(anchor: str) -> bool:
    """An event is a verb with its object ("收到材料") or a subject with its
    verb ("会议结束")."""
    return any(anchor.startswith(v) or anchor.endswith(v) for v in EVENT_VERBS)


def _rel_before_event(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    head = m.string[max(0, m.start() - 30) : m.start()]
    clause = CLAUSE_END.split(head)[-1]
    anchor = _event(clause)
    dated = ctx.event_day(anchor)
    if len(anchor) < 2 or not (_is_event(anchor) or dated):
        return None  # "年底前3个月", "12月20日前3天": a date, not an event
    expr = _relative(m, ctx, int(m["n"]), m["u"], anchor, before=True, base=dated)
    expr.start = m.start() - len(clause) + clause.find(anchor)
    return expr


def _rel_before(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    rest = re.split(r"[,，。;；]", m.string[m.end() :], maxsplit=1)[0]
    anchor = rest.strip() or "约定时间"
    return _relative(m, ctx, int(m["n"]), m["u"], anchor, before=True)


# A time limit whose event the sentence implies ("受理后,5个工作日内办结",
# "申请人应在5个工作日内补正", "办理时限不超过5天", "当天受理、当天回复").
_LIMIT = re.compile(
    rf"(?:(?:应当|应|须|要)?在)?(?<![\d.])(?P<n>\d+){_UNIT}(?:内|之内|以内)"
    r"|(?:时限)?不(?:得)?超过(?P<n2>\d+)(?P<u2>个工作日|工作日|个自然日|自然日|日|天|个小时|小时)"
    r"|(?<=限)(?:为|是)(?P<n3>\d+)(?P<u3>个工作日|工作日|个自然日|自然日|日|天|个月)(?![\d%])"
)
_SAME_DAY = re.compile(r"(?:于)?(?:当日|当天)(?=[\u4e00-\u9fff])")
# What is done the same day: "当日受理", "当天回复", "当日签收".
_SAME_DAY_VERBS = (
    "受理",
    "回复",
    "签收",
    "办结",
    "处理",
    "录入",
    "上报",
    "报送",
    "反馈",
    "交办",
    "登记",
    "答复",
    "解决",
)
# Not a limit: "48小时内核酸检测阴性证明" describes a rule.
_NOT_LIMIT = ("核酸", "阴性", "有效")
# Nor a process's target duration: "开办时间压缩至1个工作日以内".
_TARGET = ("压缩至", "压缩到", "缩短至", "缩短到", "控制在", "减少至", "减少到", "压减至")
_SENTENCE_MARK = re.compile("[。;；]")


def _implied_event(m: re.Match[str]) -> str | None:
    """The event a limit counts from: the nearest "…后" before it in its
    sentence ("收到申请材料后,当日完成初审"), else None."""
    start = 0
    for mark in _SENTENCE_MARK.finditer(m.string, 0, m.start()):
        start = mark.end()
    head = m.string[start : m.start()]
    at = head.rfind("后")
    if at <= 0:
        return None
    clause = CLAUSE_END.split(head[:at])[-1]
    return _event(clause) or None


def _limit(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    if m.string.startswith(_NOT_LIMIT, m.end()) or m.string.endswith(_TARGET, 0, m.start()):
        return None
    # "整改期限为30天", "办结时限为10个工作日": a limit stated as a length
    n, unit = (m["n"], m["u"]) if m["n"] else (m["n2"], m["u2"]) if m["n2"] else (m["n3"], m["u3"])
    if OFFSET_UNITS[unit] == "hour" and m["n2"] and "时限" not in m.group(0):
        return None  # "每次不超过2小时": a duration, not a limit
    expr = _relative(m, ctx, int(n), unit, "", before=False)
    if expr.offset is not None:
        expr.offset["after"] = _implied_event(m)
    expr.note = "a time limit; its event is implied by the procedure"
    expr.confidence = 0.7
    if m["n3"] and m.string[max(0, m.start() - 2) : m.start()] in ("期限", "时限"):
        expr.start -= 2  # quoted with its word: "整改期限为30天"
    return expr


def _same_day(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    after = m.string[m.end() : m.end() + 2]
    event = _implied_event(m)
    # "收到申请当日": the event stands right before it.
    before = _event(CLAUSE_END.split(m.string[max(0, m.start() - 16) : m.start()])[-1])
    # (a verb alone is no event: "报送当日巡查情况" reports that day's work)
    named = (
        len(before) >= 2
        and before not in EVENT_VERBS
        and not before.endswith(("报送", "上报", "报告", "提交", "汇报", "通报"))
        and _is_event(before)
    )
    if not (after in _SAME_DAY_VERBS or event or named):
        return None
    event = event or (before if named else None)
    offset: dict[str, object] = {"n": 0, "unit": "day", "after": event}
    return TimeExpr(*m.span(), "relative", offset=offset, note="the same day as its event", confidence=0.7)


# "开学前", "项目终验前", "寒假放假前": right before an undated event.
_BEFORE_EVENT = re.compile(r"(?P<ev>[\u4e00-\u9fff]{2,10}?)(?:之)?前(?![\d一二三四五六七八九十后])")
_EVENT_ENDS = (
    "开学",
    "放假",
    "验收",
    "终验",
    "初验",
    "开工",
    "竣工",
    "投产",
    "上线",
    "开幕",
    "开幕式",
    "闭幕",
    "开业",
    "交付",
    "入汛",
    "开园",
    "开馆",
)
_EVENT_LEADS = ("于", "在", "要", "应", "须", "并", "务必", "确保", "力争", "各", "学校")


def _before_event(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    event = m["ev"]
    for lead in _EVENT_LEADS:
        if lead in event[:-2]:
            event = event.rsplit(lead, 1)[1]
    day = ctx.event_day(event)
    if not (event.endswith(_EVENT_ENDS) or day) or m.string.startswith(("应", "须", "必须", "不得"), m.end()):
        return None  # "投产前应达到…": a condition, not a step
    offset: dict[str, object] = {"n": 0, "unit": "day", "before": event}
    start = m.end() - len(event) - (2 if m.group(0).endswith("之前") else 1)
    if day is not None:  # the plan dates the event: its eve
        note = f"the day before {event} ({day}), which the plan dates"
        return TimeExpr(start, m.end(), "deadline", due=day - dt.timedelta(days=1), note=note)
    expr = TimeExpr(start, m.end(), "relative", offset=offset, note="right before an undated event", confidence=0.7)
    expr.weak = True  # "开学前(2月底前)": the date wins
    return expr


def anchor_bare_offsets(line: str, ctx: Context, found: list[TimeExpr]) -> Iterator[TimeExpr]:
    """ "N个工作日内" with no event of its own counts from the event of the
    relative offset before it in the same line."""
    anchors = [(e.start, e.offset) for e in found if e.kind == "relative" and e.offset and "after" in e.offset]
    if not anchors:
        return
    for m in _REL_BARE.finditer(line):
        previous = [off for pos, off in anchors if pos < m.start()]
        if previous:
            anchor = str(previous[-1]["after"])
            expr = _relative(m, ctx, int(m["n"]), m["u"], anchor, before=False)
            expr.priority = 50
            expr.note = "counts from the event named before it"
            expr.rule = "relative.anchor_bare_offsets"
            yield expr


RULES: list[Rule] = [
    Rule(10, _REL_AFTER, _rel_after, needs=("后",), alone=True),
    Rule(10, _REL_SAME_DAY, _rel_same_day, needs=("后",), alone=True),
    Rule(10, _REL_BEFORE, _rel_before, needs=("提前",)),
    Rule(10, _REL_BEFORE_EVENT, _rel_before_event, needs=("前",), also=("天", "日", "周", "小时", "星期", "个月")),
    Rule(10, _REL_FROM_DAY, _rel_from_day, needs=("之日起",), alone=True),
    Rule(48, _LIMIT, _limit, needs=("内", "超过", "限为", "限是"), also=("日", "天", "时", "周", "星期", "月")),
    Rule(48, _SAME_DAY, _same_day, needs=("当日", "当天")),
    Rule(47, _BEFORE_EVENT, _before_event, needs=("前",), also=_EVENT_ENDS),
]
