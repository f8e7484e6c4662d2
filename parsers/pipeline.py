"""The parsing pipeline: document -> outline -> owners -> time expressions
-> milestones. Pure functions of the text, the reference date and the
import date; nothing here reads the clock.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from parsers.calendars import DEFAULT_CALENDAR, WorkdayCalendar
from parsers.documents import Document, load_document, split_lines
from parsers.issue_date import IssueDate, best_in, issue_dates
from parsers.milestones import Milestone
from parsers.normalize import normalize_line
from parsers.outline import Block, Heading, Line, PlanOutline, outline_plan, plan_spans
from parsers.owners import OwnerNote, Owners, declares_first_is_lead, find_owner_notes, owners_at
from parsers.reference import Reference, dated_years, infer_reference, plan_until, title_year
from parsers.subjects import actors, subject_at
from parsers.timeexpr import Context, TimeExpr, find_time_expressions
from parsers.vocabulary import TIME_COLUMN_WORDS

# A notice that issues the plan after it: "关于印发《…》的通知".
# (its title may break over two lines: "…行动" / "实施方案(2025—2027年)》的通知")
_COVERING = re.compile(r"(?:关于(?:印发|转发|下发)|》).*通知$")
_ANNEX = re.compile(r"(?:清单|一览表|分工表|计划表|台账|附件|附表)$")


def _issued_with(title: str, before: str) -> bool:
    """A plan shares the issue date of the one before it when that one is
    the notice issuing it, or when it is that plan's annex (a task list)."""
    return bool(_COVERING.search(before) or _ANNEX.search(title))


_QUOTED = re.compile(r"“([^“”]{2,15})”")
_SEASON_LABEL = re.compile(r"(?P<s>[春夏秋冬]{1,2}季)\s*[:：]?\s*$")
_PERIOD_SECTION = re.compile(r"时间")
_CLAUSE = re.compile(r"[^,，。;；:：()]+")
_WORDS = re.compile(r"[\u4e00-\u9fff]{2}")
_PHASE_LABEL = re.compile(
    r"^\s*(?P<ordinal>第[一二三四五六七八九十\d]{1,3}阶段)?\s*(?:\((?P<name>[^()]{2,12}阶段)\))?\s*[:：]"
)


@dataclass
class PlanResult:
    title: str
    first_line: int
    last_line: int
    reference: Reference
    milestones: list[Milestone] = field(default_factory=list)
    until: dt.date | None = None  # the end of the plan's own period (see reference.plan_until)
    issued: IssueDate | None = None  # where its text states its issue date


@dataclass
class ParseResult:
    doc: str
    document: Document
    plans: list[PlanResult]

    @property
    def milestones(self) -> list[Milestone]:
        return [m for p in self.plans for m in p.milestones]


def parse_path(
    path: str | Path,
    *,
    ref: dt.date | None = None,
    imported: dt.date,
    doc: str | None = None,
    calendar: WorkdayCalendar = DEFAULT_CALENDAR,
) -> ParseResult:
    document = load_document(path)
    return parse_document(document, ref=ref, imported=imported, doc=doc or Path(path).stem, calendar=calendar)


def parse_document(
    document: Document,
    *,
    ref: dt.date | None = None,
    imported: dt.date,
    doc: str = "doc",
    calendar: WorkdayCalendar = DEFAULT_CALENDAR,
) -> ParseResult:
    lines = split_lines(document.text)
    spans = plan_spans(lines)
    outlines = [outline_plan(lines, a, b, titled) for a, b, titled in spans]
    document_years = dated_years(line.text for o in outlines for line in o.lines)
    plans = []
    previous: tuple[PlanOutline, IssueDate | None] | None = None
    head = 0  # the first line of the stretch a plan's issue date is looked for in
    for outline, (_, stop, _) in zip(outlines, spans, strict=True):
        issued = best_in(issue_dates(lines[head : stop + 1], title_year(outline.title)), 0, stop - head)
        if issued is not None:
            issued = IssueDate(issued.index + head, issued.date, issued.how)
        # A plan issued by the notice before it, an annex of the plan before it.
        before = previous[1] if previous is not None and _issued_with(outline.title, previous[0].title) else None
        if before is not None and (issued is None or before.rank < issued.rank):
            issued = before
        head = stop + 1
        previous = (outline, issued)
        plan_years = dated_years(line.text for line in outline.lines)
        reference = infer_reference(
            outline.title,
            plan_years,
            document_years,
            imported,
            ref,
            issued.date if issued else None,
            issued.describe() if issued else "",
        )
        result = PlanResult(outline.title, outline.title_line, outline.last_line, reference, issued=issued)
        result.milestones, period = _plan_milestones(outline, reference, doc, calendar)
        latest = max((d for m in result.milestones for d in (m.due, m.start) if d), default=None)
        result.until = plan_until(outline.title, period, reference, latest)
        plans.append(result)
    return ParseResult(doc, document, plans)


def parse_text(
    text: str,
    *,
    ref: dt.date | None = None,
    imported: dt.date,
    doc: str = "text",
    calendar: WorkdayCalendar = DEFAULT_CALENDAR,
) -> ParseResult:
    """Parse text already decoded (one plan or several)."""
    document = Document(doc, "txt", text)
    return parse_document(document, ref=ref, imported=imported, doc=doc, calendar=calendar)


def _plan_period(outline: PlanOutline, base: Context) -> tuple[dt.date, dt.date] | None:
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


# A line that lists an annex by its name: "附件:1.XX县2023年下半年…登记表".
_ATTACHMENT = re.compile(r"^\s*附件\s*\d{0,2}\s*[:：]")
# The statement of purpose opening a plan: "为切实做好今冬明春…工作,…,制定本方案。"
# Its time words are the plan's own period, not milestones.
_PURPOSE = re.compile(
    r"^\s*为[^。]*?(?:制定本方案|制定本计划|制定本要点|特制定|现制定|制定如下|制定此方案)[^。]*(?:。|$)"
)


# A line that may define a period: "汛期自5月1日开始", "寒假:1月24日—3月1日",
# "夏季禁烧时段为5月20日至6月30日".
_DEFINES = re.compile(r"[为是:：自从]")
_DEFINED_TAIL = re.compile(r"“?(?P<name>[\u4e00-\u9fff]{2,8}?)”?(?:时间|时段|期限)?\s*[为是:：]?\s*(?:自|从)?\s*$")
_PLACE = re.compile(r"^(?:本镇|本县|本市|本区|本乡|我镇|我县|我市|我区|全镇|全县|全市|全区|其中|今年|本年度|全年)")
_NOT_A_NAME = ("时间", "期间", "时段", "期限", "日期", "活动时间")
_QUOTED_NAME = re.compile(r"“([^“”]{2,12})”")


def _defined_periods(outline: PlanOutline, ctx: Context) -> tuple[tuple[str, dt.date, dt.date], ...]:
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


def _row_task(line: Line, expr: TimeExpr) -> str | None:
    """In a table row, the first cell with words that is not the phrase's
    own; a cell a docx or html table wrote its owner and time columns into
    ("修订预案(责任单位:…;完成时限:4月底前)") counts up to its notes."""
    if "\t" not in line.text:
        return None
    at = 0
    for cell in line.text.split("\t"):
        words = cell.split("(", 1)[0]
        inside = at <= expr.start < at + len(words)
        at += len(cell) + 1
        if not inside and _WORDS.search(words):
            return words.strip()[:40]
    return None


def _task_of(line: Line, expr: TimeExpr) -> str:
    row = _row_task(line, expr)
    if row:  # a table's row is its own task, also under a task heading
        return row
    if line.path and line.path[-1].level > 1 and line.path[-1].title:
        return line.path[-1].title
    for m in _CLAUSE.finditer(line.text):
        if m.start() <= expr.start < m.end() or m.start() >= expr.end:
            return m.group(0).strip()[:40]
    return line.text[:40]


def _phase_of(line: Line, task: str) -> str | None:
    """The stage a phrase belongs to: a heading that names one, else a
    label opening its line ("第一阶段(动员部署阶段):…" gives 动员部署阶段)."""
    for heading in reversed(line.path):
        if heading.title.endswith("阶段"):
            return heading.title
    label = _PHASE_LABEL.match(line.text)
    if label:
        return label.group("name") or label.group("ordinal")
    return task if task.endswith("阶段") else None


def _section_of(line: Line, row: bool = False) -> list[str]:
    """The headings above a phrase's task: all of them when the line sits
    under a section heading with no task heading of its own, or when it is
    a table's row (its task is its own cell)."""
    if not line.path:
        return []
    headings = line.path if line.path[-1].level == 1 or row else line.path[:-1]
    return [h.title for h in headings]


def _plan_milestones(
    outline: PlanOutline, reference: Reference, doc: str, calendar: WorkdayCalendar
) -> tuple[list[Milestone], tuple[dt.date, dt.date] | None]:
    """The plan's milestones, and its own period if a time section gives one."""
    names = frozenset(_QUOTED.findall(normalize_line(outline.title).text))
    ref = reference.date
    ctx = Context(
        ref,
        None,
        names,
        calendar,
        reference.base_year,
        reference.forward_from,
        window_end=reference.window_end,
        # An issue date, or an admin's date that is more than a year's start.
        ref_is_day=reference.rule == "issue date" or (reference.rule == "explicit" and (ref.month, ref.day) != (1, 1)),
    )
    period = _plan_period(outline, ctx)
    ctx = ctx._replace(period=period)
    ctx = ctx._replace(defined=_defined_periods(outline, ctx))
    first_is_lead = any(declares_first_is_lead(line.text) for line in outline.lines)
    labels = _heading_labels(outline, first_is_lead)
    timed = _time_cells(outline)
    last_day: list[dt.date] = []  # the day written last, which a clock time carries
    plan_wide = _plan_wide_owners(outline)
    out: list[Milestone] = []
    for block in outline.blocks:
        out.extend(
            _block_milestones(block, outline.title, ref, doc, ctx, first_is_lead, labels, timed, last_day, plan_wide)
        )
    return out, period


_GLOSS_BETWEEN = re.compile(r"\s*(?:\((?:星期|周)[一二三四五六日天]\))?\s*")
_NEXT_DAY = ("次日", "翌日", "第二天")
# An agenda row opens with its time: "1.上午9:00—上午9:30 启动仪式".
_AGENDA_ROW = re.compile(
    r"\s*(?:\(?\d{1,2}[).、]|\([一二三四五六七八九十]{1,3}\))?\s*(?:上午|下午|晚上|早上|中午|晚)?\s*\d{1,2}:\d{2}"
)


# What makes a sentence report what happened before the issue date: "开展了
# 常规巡察", "截至10月底", "同比下降" (and no duty in it: "请于…", "须…").
_PAST = re.compile(r"了|已经|已于|截至|截止到|同比|共发生|先后")
_DUTY = re.compile(r"请|应|须|要(?!求)|务必|确保|力争|完成|报送")
_SENTENCE = re.compile(r"[^。;；]*[。;；]?")


def _reports_the_past(text: str, expr: TimeExpr, issued: dt.date) -> bool:
    """A dated phrase wholly before the issue date in a sentence that
    reports the past ("2024年6月11日至7月20日,巡察组…开展了常规巡察",
    "10月15日,市政府常务会议专题研究…") names an event, not a deadline."""
    last = expr.due or expr.begin
    if expr.kind not in ("deadline", "range", "start") or last is None:
        return False
    moved = "the first after" in expr.note  # read in a later year: in a report of the past, it was this year's
    if last >= issued and not moved:
        return False
    for m in _SENTENCE.finditer(text):
        if m.start() <= expr.start < m.end():
            sentence = m.group(0)
            return bool(_PAST.search(sentence)) or (not moved and not _DUTY.search(sentence))
    return False


def _dated_clocks(text: str, found: list[TimeExpr], last_day: list[dt.date]) -> list[TimeExpr]:
    """Clock times take the day written before them: right after a date
    they are its hour, not a milestone of their own ("2023年7月19日上午9:00");
    apart from it they are due that day ("22:30前完成", "次日6:00前" the
    day after). ``last_day`` holds the day written last, across lines."""
    out: list[TimeExpr] = []
    for expr in found:
        if expr.kind != "clock":
            day = expr.due if expr.kind == "deadline" else expr.begin if expr.kind in ("range", "start") else None
            if day is not None:
                last_day[:] = [day]
            out.append(expr)
            continue
        prev = out[-1] if out else None
        if prev is not None and _GLOSS_BETWEEN.fullmatch(text, prev.end, expr.start):
            continue  # the hour of the day just written
        dated_here = any(e.kind in ("deadline", "range", "start") and e.end <= expr.start for e in out)
        if not last_day or not (dated_here or _AGENDA_ROW.match(text, 0, expr.end)):
            continue  # "作息:上午8:00前到校": a daily routine, no day of its own
        day = last_day[0]
        if text.endswith(_NEXT_DAY, 0, expr.start):
            day += dt.timedelta(days=1)
        out.append(replace(expr, kind="deadline", due=day, note=expr.note))
    return out


def _time_cells(outline: PlanOutline) -> dict[int, tuple[tuple[int, int], ...]]:
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


# The body that decided on the plan as a whole, in its opening: "经镇党委、
# 镇政府研究,决定…开展…", "本届文化节由县文化和旅游局牵头组织".
_DECIDED = re.compile(r"经(?P<x>[^,，。;；]{2,24}?)(?:研究|同意)[,，]?(?:决定|同意)|由(?P<y>[^,，。;；]{2,20}?)牵头")
_OPENING_LINES = 12


def _plan_wide_owners(outline: PlanOutline) -> dict[str, list[str]] | None:
    """The plan-wide lead: who the plan's opening says decided on it or leads
    it, for milestones no label, subject or heading gives an owner."""
    for line in outline.lines[:_OPENING_LINES]:
        if line.heading is not None and line.heading.level == 1 and line.path[0].number not in ("一",):
            break
        m = _DECIDED.search(line.text)
        if m:
            names = actors(m["x"] or m["y"])
            if names:
                return {"lead": [line.norm.quote(*_span_of(line.text, n)) for n in names], "support": []}
    return None


def _span_of(text: str, name: str) -> tuple[int, int]:
    at = text.find(name)
    return (at, at + len(name)) if at >= 0 else (0, 0)


def _heading_labels(outline: PlanOutline, first_is_lead: bool) -> dict[int, dict[str, list[str]]]:
    """Owners a heading's own label names ("(三)…(责任人:叶玉章、付唐明)",
    "(一)… 责任单位:区住建局"), by the heading's line, as written."""
    labels: dict[int, dict[str, list[str]]] = {}
    for block in outline.blocks:
        head = block.lines[0]
        if head.heading is None:
            continue
        notes = find_owner_notes(head.text, first_is_lead)
        if notes:
            labels[head.number] = _as_written(notes[0].owners, block)
    return labels


# A line that opens an item or a field of its own: "问题8:", "整改措施:", "2.", "(3)".
_OPENS_ITEM = re.compile(
    r"^\s*(?:[\u4e00-\u9fff]{1,6}\d{0,2}\s*[:：]|\d{1,2}[.、]|\(\d{1,2}\)|\([一二三四五六七八九十]{1,3}\))"
)


def _paragraph_end(block: Block, line: Line, line_end: int) -> int:
    """Where the paragraph holding ``line`` ends in the block's text: it
    runs on over the lines after it until one opens an item of its own."""
    end = line_end
    after = False
    for other in block.lines:
        if other is line:
            after = True
            continue
        if after:
            if _OPENS_ITEM.match(other.text):
                break
            end += 1 + len(other.text)
    return end


def _owners_of(
    block: Block,
    line: Line,
    notes: list[OwnerNote],
    at: int,
    expr: TimeExpr,
    labels: dict[int, dict[str, list[str]]],
    phrases: list[tuple[int, int]],
    plan_wide: dict[str, list[str]] | None = None,
) -> dict[str, list[str]] | None:
    """A milestone's owners, in the spec's precedence: the item's own label,
    its sentence's subject, the label of a heading above it."""
    head = block.lines[0]
    heading_end = len(head.text) if head.heading is not None and line is not head else 0
    body = [n for n in notes if n.start >= heading_end]
    line_start = at - expr.start
    line_end = line_start + len(line.text)
    paragraph_end = _paragraph_end(block, line, line_end)
    # The item's own label: on its line, or in brackets closing its paragraph
    # on a later line ("…严肃问责。(责任单位:市委组织部,…)").
    on_line = [
        n
        for n in body
        if (n.start < line_end and n.end > line_start) or (n.group and line_end <= n.start < paragraph_end)
    ]
    own = owners_at(on_line, at)
    if own:
        return _as_written(own, block)
    subject = subject_at(line.text, expr.start, phrases)
    if subject:
        return _as_written(Owners(tuple(subject)), block)
    own = owners_at(body, at)  # a label on a line of its own in the item ("责任单位:A、B")
    if own:
        return _as_written(own, block)
    for heading in reversed(line.path):
        if heading.line in labels:
            return labels[heading.line]
    return plan_wide


def _block_milestones(
    block: Block,
    plan: str,
    ref: dt.date,
    doc: str,
    ctx: Context,
    first_is_lead: bool,
    labels: dict[int, dict[str, list[str]]],
    timed: dict[int, tuple[tuple[int, int], ...]],
    last_day: list[dt.date],
    plan_wide: dict[str, list[str]] | None,
) -> list[Milestone]:
    text = "\n".join(line.text for line in block.lines)
    notes = find_owner_notes(text, first_is_lead)
    out: list[Milestone] = []
    offset = 0
    for line in block.lines:
        found = _dated_clocks(line.text, find_time_expressions(line.text, ctx), last_day)
        if _ATTACHMENT.match(line.text):
            found = []  # "附件:…今冬明春…分解表" names a document
        purpose = _PURPOSE.match(line.text)
        if purpose:
            found = [e for e in found if e.start >= purpose.end()]
        if ctx.ref_is_day:
            found = [e for e in found if not _reports_the_past(line.text, e, ctx.ref)]
        if line.number in timed:
            found = [e for e in found if any(a <= e.start < b for a, b in timed[line.number])]
        phrases = [(e.start, e.end) for e in found]
        for expr in found:
            owners = _owners_of(block, line, notes, offset + expr.start, expr, labels, phrases, plan_wide)
            task = _task_of(line, expr)
            phase = _phase_of(line, task)
            if phase and task == line.text[expr.start : expr.end].strip():
                task = phase  # "第一阶段(动员部署阶段):3月1日—15日": the stage is the task
            season = expr.season
            if season is None:
                label = _SEASON_LABEL.search(line.text[max(0, expr.start - 6) : expr.start])
                season = label.group("s") if label else None
            out.append(
                Milestone(
                    doc=doc,
                    line=line.number,
                    quote=line.norm.quote(expr.start, expr.end),
                    plan=plan,
                    ref=ref,
                    kind=expr.kind,
                    start=expr.begin,
                    due=expr.due,
                    rrule=expr.rrule,
                    offset=expr.offset,
                    section=_section_of(line, row=_row_task(line, expr) is not None),
                    task=task,
                    owners=owners,
                    phase=phase,
                    season=season,
                    confidence=expr.confidence,
                    note=expr.note,
                    rule=expr.rule,
                    matched=line.text[expr.start : expr.end],
                )
            )
        offset += len(line.text) + 1
    return out


def _name_as_written(name: str, block: Block) -> str:
    """An owner's name as the document wrote it (full-width brackets,
    traditional characters), found through the normalized text."""
    for line in block.lines:
        at = line.text.find(name)
        if at >= 0:
            return line.norm.quote(at, at + len(name))
    return name


def _as_written(owners: Owners, block: Block) -> dict[str, list[str]]:
    return {
        "lead": [_name_as_written(n, block) for n in owners.lead],
        "support": [_name_as_written(n, block) for n in owners.support],
    }


def count_by_kind(milestones: list[Milestone]) -> Counter[str]:
    return Counter(m.kind for m in milestones)
