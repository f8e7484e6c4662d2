"""The parsing pipeline: document -> outline -> owners -> time expressions
-> milestones. Pure functions of the text, the reference date and the
import date; nothing here reads the clock.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from parsers.attribution import heading_labels, owners_of, paragraph_runs, plan_wide_owners, respective_owners
from parsers.calendars import DEFAULT_CALENDAR, WorkdayCalendar
from parsers.documents import Document, load_document, split_lines
from parsers.flat_tables import FlatCell, flattened_cells, people_on_duty
from parsers.issue_date import IssueDate, stated_in
from parsers.line_readings import ATTACHMENT, PURPOSE, dated_clocks, reports_the_past
from parsers.milestones import Milestone
from parsers.normalize import normalize_line
from parsers.outline import Block, Line, PlanOutline, outline_plan, plan_spans
from parsers.owners import NoteIndex, declares_first_is_lead, find_owner_notes
from parsers.plan_context import dated_events, defined_periods, plan_period, time_cells
from parsers.reference import Reference, dated_years, infer_reference, plan_until, title_year
from parsers.subjects import SubjectReader
from parsers.timeexpr import Context, TimeExpr, find_time_expressions
from parsers.timeexpr.base import in_field

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
_CLAUSE = re.compile(r"[^,，。;；:：()]+")
_WORDS = re.compile(r"[\u4e00-\u9fff]{2}")
_PHASE_LABEL = re.compile(
    r"^\s*(?P<ordinal>第[一二三四五六七八九十\d]{1,3}阶段)?\s*"
    r"(?:\((?P<name>[^()]{2,12}阶段)\)\s*[:：]|[:：]|(?<=阶段)为(?P<named>[^,，。()]{2,12}阶段)[,，:：])"
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
        issued = stated_in(lines, head, stop, title_year(outline.plain_title))
        # A plan issued by the notice before it, an annex of the plan before it.
        before = (
            previous[1] if previous is not None and _issued_with(outline.plain_title, previous[0].plain_title) else None
        )
        if before is not None and (issued is None or before.rank < issued.rank):
            issued = before
        head = stop + 1
        previous = (outline, issued)
        plan_years = dated_years(line.text for line in outline.lines)
        reference = infer_reference(
            outline.plain_title,
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
        result.until = plan_until(outline.plain_title, period, reference, latest)
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
    # (from the clause that holds the phrase: a mark before it, looked for
    # nearby, starts it)
    text = line.text
    begin = max((text.rfind(mark, max(0, expr.start - 200), expr.start) for mark in ",，。;；:：()"), default=-1)
    for m in _CLAUSE.finditer(text, begin + 1 if begin >= 0 else max(0, expr.start - 200), expr.end + 200):
        if m.start() <= expr.start < m.end() or m.start() >= expr.end:
            return m.group(0).strip()[:40]
    return text[:40]


def _phase_of(line: Line, task: str) -> str | None:
    """The stage a phrase belongs to: a heading that names one, else a
    label opening its line ("第一阶段(动员部署阶段):…" gives 动员部署阶段)."""
    label = _PHASE_LABEL.match(line.text)
    if label and (stage := label.group("name") or label.group("named") or label.group("ordinal")):
        return stage  # the line's own stage first: "第三阶段为巩固提升阶段,时间为6月至12月"
    for heading in reversed(line.path):
        if heading.title.endswith("阶段"):
            return heading.title
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
    period = plan_period(outline, ctx)
    ctx = ctx._replace(period=period)
    ctx = ctx._replace(defined=defined_periods(outline, ctx) + dated_events(outline, ctx))
    first_is_lead = any(declares_first_is_lead(line.text) for line in outline.lines)
    labels = heading_labels(outline, first_is_lead)
    timed = time_cells(outline)
    flat = flattened_cells(outline)
    on_duty = people_on_duty(outline)
    last_day: list[dt.date] = []  # the day written last, which a clock time carries
    plan_wide = plan_wide_owners(outline)
    out: list[Milestone] = []
    for block in outline.blocks:
        out.extend(
            _block_milestones(
                block, outline.title, ref, doc, ctx, first_is_lead, labels, (timed, flat, on_duty), last_day, plan_wide
            )
        )
    return out, period


def _block_milestones(
    block: Block,
    plan: str,
    ref: dt.date,
    doc: str,
    ctx: Context,
    first_is_lead: bool,
    labels: dict[int, dict[str, list[str]]],
    tables: tuple[dict[int, tuple[tuple[int, int], ...]], dict[int, FlatCell], dict[int, str]],
    last_day: list[dt.date],
    plan_wide: dict[str, list[str]] | None,
) -> list[Milestone]:
    """``tables``: the time cells of each table row written on one line, the
    cells of tables flattened to a cell a line, and the people a flattened
    schedule puts on duty on each date line."""
    timed, flat, on_duty = tables
    text = "\n".join(line.text for line in block.lines)
    notes = NoteIndex(find_owner_notes(text, first_is_lead))
    runs = paragraph_runs(block)
    out: list[Milestone] = []
    offset = 0
    for line in block.lines:
        found = dated_clocks(line.text, find_time_expressions(line.text, ctx), last_day)
        if ATTACHMENT.match(line.text):
            found = []  # "附件:…今冬明春…分解表" names a document
        purpose = PURPOSE.match(line.text)
        if purpose:
            found = [e for e in found if e.start >= purpose.end()]
        if ctx.ref_is_day:
            found = [e for e in found if not reports_the_past(line.text, e, ctx.ref)]
        cell = flat.get(line.number)
        if cell is not None and not cell.is_time:
            found = []  # "每月至少开展一次…" in a measures cell: the row's time cell says when
        if line.number in timed:
            found = [e for e in found if any(a <= e.start < b for a, b in timed[line.number])]
        elif "\t" in line.text and any(in_field(line.text, e.start) for e in found):
            # A row whose time column a .docx or .html table wrote as a note
            # ("开展国庆节前检查(牵头单位:…;完成时限:9月30日前)"): that note only.
            found = [e for e in found if in_field(line.text, e.start)]
        subjects = SubjectReader(line.text, [(e.start, e.end) for e in found])
        dated = [e for e in found if e.kind in ("deadline", "range")]
        each = respective_owners(line.text, [(e.start, e.end) for e in dated]) or []
        people = {id(e): name for e, name in zip(dated, each, strict=False)}
        for expr in found:
            owners = owners_of(block, line, notes, runs, offset + expr.start, expr, labels, subjects, plan_wide)
            task = _task_of(line, expr)
            if cell is not None:  # the row's owner columns and its task cell
                owners = cell.owners.as_dict() if cell.owners.lead or cell.owners.support else owners
                task = cell.task or task
            if line.number in on_duty:  # "7月12日" / "郭明远　市委副书记、市长"
                owners = {"lead": [on_duty[line.number]], "support": []}
            if id(expr) in people:  # "5月1日、2日、3日,先后由A(县长)、B、C…"
                owners = {"lead": [people[id(expr)]], "support": []}
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


def count_by_kind(milestones: list[Milestone]) -> Counter[str]:
    return Counter(m.kind for m in milestones)
