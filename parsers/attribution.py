"""Who owns a milestone, in the spec's precedence: the item's own label
(on its line, or in brackets closing its paragraph), the subject of its
sentence, a label line elsewhere in the item, the label of a heading above
it, then the plan-wide lead its opening names ("经镇党委、镇政府研究,决定…",
"由县文化和旅游局牵头"). Names are given as the document wrote them.
"""

from __future__ import annotations

import re

from parsers.outline import Block, Line, PlanOutline
from parsers.owners import NoteIndex, Owners, find_owner_notes, split_names
from parsers.subjects import SubjectReader, actors
from parsers.timeexpr import TimeExpr

# The body that decided on the plan as a whole, in its opening: "经镇党委、
# 镇政府研究,决定…开展…", "本届文化节由县文化和旅游局牵头组织".
_DECIDED = re.compile(r"经(?P<x>[^,，。;；]{2,24}?)(?:研究|同意)[,，]?(?:决定|同意)")
_LEADS = re.compile(r"由(?P<y>[^,，。;；]{2,20}?)牵头")
_OPENING_LINES = 12
# Sections that say who runs the plan: "二、组织机构", "(一)加强组织领导".
_ORGANIZATION = re.compile("组织|领导|机构|分工|职责")
_ORGANIZATION_LINES = 30


def plan_wide_owners(outline: PlanOutline) -> dict[str, list[str]] | None:
    """The plan-wide lead, for milestones no label, subject or heading gives
    an owner: who the plan's opening or its organization section says leads
    it ("本届文化节由县文化和旅游局牵头组织"), else who its opening says
    decided on it ("经县委、县政府研究,决定…")."""
    decided: dict[str, list[str]] | None = None
    for i, line in enumerate(outline.lines[:_ORGANIZATION_LINES]):
        heading = line.heading
        if heading is not None and heading.level == 1 and heading.number != "一":
            if not _ORGANIZATION.search(heading.title):
                break
        elif i >= _OPENING_LINES and not (line.path and _ORGANIZATION.search(line.path[0].title)):
            continue
        leads = _LEADS.search(line.text)
        if leads and (names := actors(leads["y"])):
            return {"lead": [line.norm.quote(*_span_of(line.text, n)) for n in names], "support": []}
        m = _DECIDED.search(line.text)
        if m and decided is None and (names := actors(m["x"])):
            decided = {"lead": [line.norm.quote(*_span_of(line.text, n)) for n in names], "support": []}
    return decided


def _span_of(text: str, name: str) -> tuple[int, int]:
    at = text.find(name)
    return (at, at + len(name)) if at >= 0 else (0, 0)


def heading_labels(outline: PlanOutline, first_is_lead: bool) -> dict[int, dict[str, list[str]]]:
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
    r"^\s*(?:[\u4e00-\u9fff]{1,6}\d{0,2}\s*[:：]|\d{1,3}[.、]|\(\d{1,3}\)|\([一二三四五六七八九十]{1,3}\))"
)


def paragraph_runs(block: Block) -> dict[int, int]:
    """For each line of a block (by number), how far its paragraph runs on
    past the line's end in the block's text: over the lines after it until
    one opens an item of its own."""
    runs: dict[int, int] = {}
    run = 0
    for line, following in zip(reversed(block.lines), [None, *reversed(block.lines)], strict=False):
        if following is not None and not _OPENS_ITEM.match(following.text):
            run += 1 + len(following.text)
        else:
            run = 0
        runs[line.number] = run
    return runs


def owners_of(
    block: Block,
    line: Line,
    notes: NoteIndex,
    runs: dict[int, int],
    at: int,
    expr: TimeExpr,
    labels: dict[int, dict[str, list[str]]],
    subjects: SubjectReader,
    plan_wide: dict[str, list[str]] | None = None,
) -> dict[str, list[str]] | None:
    """A milestone's owners, in the spec's precedence: the item's own label,
    its sentence's subject, the label of a heading above it."""
    head = block.lines[0]
    heading_end = len(head.text) if head.heading is not None and line is not head else 0
    line_start = at - expr.start
    line_end = line_start + len(line.text)
    # The item's own label: on its line, or in brackets closing its paragraph
    # on a later line ("…严肃问责。(责任单位:市委组织部,…)").
    own = notes.owners_on_line(at, heading_end, line_start, line_end, line_end + runs[line.number])
    if own:
        return _as_written(own, block)
    subject = subjects.at(expr.start)
    if subject:
        return _as_written(Owners(tuple(subject), tuple(subjects.partners(subject, expr.start))), block)
    own = notes.owners_at(at, heading_end)  # a label on a line of its own in the item ("责任单位:A、B")
    if own:
        return _as_written(own, block)
    for heading in reversed(line.path):
        if heading.line in labels:
            return labels[heading.line]
    return plan_wide


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


# "9月13日、20日、27日,先后由何志远(市住建局局长),邓丽(…),孙卫(…)做客…":
# the dates and the people in the same order.
_RESPECTIVELY = re.compile(
    r"(?:先后|分别|依次)由(?P<names>[^。;；]+?)(?=做客|走进|到|带队|主持|出席|参加|负责|开展|进行|[。;；]|$)"
)
_POST_NOTE = re.compile(r"\([^()]*\)")


def respective_owners(text: str, spans: list[tuple[int, int]]) -> list[str] | None:
    """One person for each of the dates at ``spans`` of a line, when the
    sentence after them names as many, in order, with 先后由/分别由/依次由
    (their posts in brackets dropped)."""
    if len(spans) < 2:
        return None
    m = _RESPECTIVELY.search(text, spans[-1][1])
    if m is None or re.search("[。;；]", text[spans[-1][1] : m.start()]):
        return None
    names = [_POST_NOTE.sub("", n).strip() for n in split_names(m["names"])]
    if len(names) != len(spans) or not all(2 <= len(n) <= 12 for n in names):
        return None
    return names
