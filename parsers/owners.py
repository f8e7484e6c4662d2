"""Owners: the units responsible for a task, in every form the spec lists.

    (牵头单位:A)  (牵头科室:A;完成时间:…)  牵头部门/责任科室/责任部门: A
    〔责任单位:A,B、C…逗号前为牵头单位〕  -> lead A, support B, C
    (A牵头,B、C配合)                      -> lead A, support B, C
    (A、B按职责分工负责)                  -> lead A, B
    (A负责)  (A负责,B配合)                -> lead A (support B), when all are units' names
    责任单位:A、B (a line after the task) -> lead A, B
    责任单位:A(牵头)、B  (A〔牵头〕, A【牵头】) -> lead A, support B
    (牵头单位:A;责任单位:B、C)           -> lead A, support B, C
    a tab-separated table under a header naming 牵头/配合 columns

Names are split on 、 , ， and spaces, never inside brackets.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from parsers.vocabulary import LEAD_COLUMN_WORDS, SUPPORT_COLUMN_WORDS

_LEAD_LABELS = (
    "牵头单位",
    "牵头科室",
    "牵头部门",
    "责任单位",
    "责任科室",
    "责任部门",
    "主责单位",
    "主办单位",
    "负责单位",
    # People: "(责任人:叶玉章、付唐明)" on a heading, "负责人:…".
    "责任人",
    "负责人",
    "责任领导",
    "联系人",
)
_SUPPORT_LABELS = ("配合单位", "配合科室", "配合部门", "协办单位", "参与单位", "协同单位")
_ANY_LABEL = "|".join(_LEAD_LABELS + _SUPPORT_LABELS)
# A list runs to the end of its clause, or up to the next label
# ("责任单位：A，配合单位：B" is two lists).
_LIST = (
    rf"(?P<list>(?:(?![,，、\s]*(?:{_ANY_LABEL})\s*[:：])"
    r"(?:[^;；。()\[\]【】〔〕\n]|\([^()\n]*\)|〔[^〔〕\n]*〕|【[^【】\n]*】|\[[^\[\]\n]*\]))+)"
)
_LABELLED = re.compile(rf"(?P<label>{_ANY_LABEL})\s*[:：]\s*" + _LIST)
_FIRST_IS_LEAD = re.compile(r"[(（]?\s*(?:逗号|,|，)前(?:的)?为牵头单位\s*[)）]?")
# "(责任单位:A、B,排在第一位的为牵头单位)": the first name listed leads.
_FIRST_LISTED_LEADS = re.compile(
    r"[,，;；]?\s*[(（]?\s*(?:排在|排名|排|列)?(?:第一|首)(?:位|个|家)?(?:的)?(?:单位|部门)?为牵头(?:单位|部门)\s*[)）]?"
)
_LEAD_SUPPORT = re.compile(
    r"^(?P<lead>.+?)牵头(?:负责)?(?:\s*[,，;；、]\s*(?P<support>.+?)(?:配合|协助|参与|协办|按职责分工负责|共同负责|等配合))?\s*$"
)
_BY_DUTY = re.compile(r"^(?P<all>.+?)(?:按职责分工负责|按职责负责|分别负责)\s*$")
# "(县发改局负责)", "(县发改局负责,县财政局配合)": taken only when every name
# is a unit's, so "(主要领导负责)" names no owner.
_RESPONSIBLE = re.compile(r"^(?P<lead>[^()]+?)负责(?:\s*[,，;；]\s*(?P<support>.+?)(?:配合|协助|参与|协办))?\s*$")
_UNIT_END = re.compile(
    r"(?:局|委|办|厅|部|处|科|室|院|所|中心|政府|单位|组|会|队|站|公司|集团|街道|乡镇|镇|乡|村|社区|区|县|市"
    r"|馆|校|银行|支行|分行|团|专班|指挥部|管委会)$"
)
# A bracket that holds nothing but units' names ("(市住建局)", "(市住建局、
# 市自然资源局,各区人民政府)") names the item's owners when every name is
# plainly a unit: it opens like one (a level of government, 各) or ends like
# an organisation, never like a place or a kind of site ("(含高新区)",
# "(试点社区)", "(全市)").
_UNIT_OPENS = re.compile(r"^(?:各|省|市|县|区|州|盟|旗|镇|乡|街道|自治|中共|共青团|团[省市县区])")
_ORGANISATION_END = re.compile(
    r"(?:局|委|办|厅|中心|公司|集团|银行|支行|分行|管委会|指挥部|专班|总队|支队|大队|政府|办事处|委员会|联合会|工商联)$"
)
_OPEN = "(〔【["
_CLOSE = ")〕】]"
_BRACKET = re.compile("[" + re.escape(_OPEN + _CLOSE) + "]")


@dataclass(frozen=True)
class Owners:
    lead: tuple[str, ...]
    support: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, list[str]]:
        return {"lead": list(self.lead), "support": list(self.support)}


@dataclass(frozen=True)
class OwnerNote:
    """Owners stated at [start, end) of a block's text; ``group`` is the
    bracket group holding them, if any."""

    start: int
    end: int
    owners: Owners
    group: tuple[int, int] | None


def split_names(text: str) -> list[str]:
    names: list[str] = []
    cur: list[str] = []
    depth = 0
    for i, ch in enumerate(text):
        if ch.isspace() and text[i + 1 : i + 2] in ("(", "（"):
            continue  # "各镇 (街道)": a space before a bracket joins it to its name
        if ch in _OPEN or ch == "（":
            depth += 1
        elif ch in _CLOSE or ch == "）":
            depth = max(0, depth - 1)
        if depth == 0 and (ch in "、,，/" or ch.isspace()):
            names.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    names.append("".join(cur))
    out = []
    for name in names:
        name = name.strip()  # as written: "县综合执法局等" keeps its 等
        if name and name not in out:
            out.append(name)
    return out


def bracket_groups(text: str) -> list[tuple[int, int]]:
    """Top-level bracket groups as (start, end) with the brackets included;
    an unclosed group runs to the end of the text."""
    groups, depth, start = [], 0, 0
    for m in _BRACKET.finditer(text):
        i, ch = m.start(), m.group()
        if ch in _OPEN:
            if depth == 0:
                start = i
            depth += 1
        elif ch in _CLOSE and depth:
            depth -= 1
            if depth == 0:
                groups.append((start, i + 1))
    if depth:
        groups.append((start, len(text)))
    return groups


def declares_first_is_lead(text: str) -> bool:
    """A plan may say once that the unit before the first comma leads."""
    return bool(_FIRST_IS_LEAD.search(text))


_BETWEEN_LABELS = re.compile(r"[\s,，;；。]*")
_DUTY_TAIL = re.compile(r"\s*(?:按职责分工负责|按职责负责|分别负责)\s*$")
# A contact's telephone or mail, listed after a 联系人: no owner.
_CONTACT = re.compile(r"电话|邮箱|传真|手机|@|\d{5,}")
# "A(牵头)", "A〔牵头〕", "A【牵头】" in a list: A leads.
_LEAD_MARK = re.compile(r"[(〔【\[]牵头[)〕】\]]$")


def _labelled(text: str, offset: int, group: tuple[int, int] | None, first_is_lead: bool) -> list[OwnerNote]:
    """Labelled lists ("牵头单位:A", "配合单位:B"). Inside a bracket group
    they make one statement; outside, labels that follow one another with
    nothing but separators between them ("牵头单位:A\n配合单位:B") do."""
    notes = []
    statement = _Statement()
    first = last = None
    for m in _LABELLED.finditer(text):
        if group is None and last is not None and not _BETWEEN_LABELS.fullmatch(text, last, m.start()):
            assert first is not None
            notes.append(OwnerNote(offset + first, offset + last, statement.owners(), None))
            statement, first = _Statement(), None
        statement.add(m.group("label"), m.group("list"), first_is_lead)
        first = m.start() if first is None else first
        last = m.end()
    if first is not None and last is not None and statement.names():
        notes.append(OwnerNote(offset + first, offset + last, statement.owners(), group))
    return notes


class _Statement:
    """The lists of one statement of owners, by what their labels say."""

    def __init__(self) -> None:
        self.leads: list[str] = []  # under a 牵头 label
        self.responsible: list[str] = []  # under 责任单位 and the like, leading
        self.others: list[str] = []  # under 责任单位 but not leading, or under 配合单位

    def add(self, label: str, listed: str, first_is_lead: bool) -> None:
        # "A、B按职责分工负责" under a label: the names, not the phrase.
        listed = _DUTY_TAIL.sub("", listed)
        declared = first_is_lead or declares_first_is_lead(listed)
        listed = _FIRST_IS_LEAD.sub("", listed)
        first_listed = _FIRST_LISTED_LEADS.search(listed) is not None
        listed = _FIRST_LISTED_LEADS.sub("", listed)
        names = [n for n in split_names(listed) if not _CONTACT.search(n)]
        if first_listed and names and label not in _SUPPORT_LABELS:
            self.responsible.append(names[0])
            self.others += names[1:]
            return
        marked = [n for n in names if _LEAD_MARK.search(n)]
        stated = _LEAD_SUPPORT.match(listed.strip())
        if label in _SUPPORT_LABELS:
            self.others += names
        elif label.startswith("牵头"):
            self.leads += names
        elif stated:  # "责任单位:A牵头,B、C配合"
            self.responsible += split_names(stated.group("lead"))
            self.others += split_names(stated.group("support") or "")
        elif marked:  # "责任单位:A(牵头)、B": the marked unit leads, the others support
            self.responsible += [_LEAD_MARK.sub("", n) for n in marked]
            self.others += [n for n in names if n not in marked]
        elif declared:
            parts = re.split(r"[,，]", listed, maxsplit=1)
            self.responsible += split_names(parts[0])
            self.others += split_names(parts[1]) if len(parts) > 1 else []
        else:
            self.responsible += names

    def names(self) -> list[str]:
        return self.leads + self.responsible + self.others

    def owners(self) -> Owners:
        # With a 牵头 list, the 责任单位 are the units that work with it.
        if self.leads:
            return Owners(tuple(self.leads), tuple(n for n in self.responsible + self.others if n not in self.leads))
        return Owners(tuple(self.responsible), tuple(self.others))


def _named_units(flat: str, group: tuple[int, int], before: str) -> list[OwnerNote]:
    """``before``: the text just before the bracket; one that closes a
    unit's name makes the bracket that unit's other name ("市发展改革委
    (市营商环境办)", "镇政府(街道办)"), not its owners."""
    names = split_names(flat)
    if not names or len(flat) > 80 or _UNIT_END.search(before.rstrip()):
        return []
    for name in names:
        if not 3 <= len(name.removesuffix("等")) <= 24 or not _UNIT_END.search(name.removesuffix("等")):
            return []
        if not (_UNIT_OPENS.match(name) and _ORGANISATION_END.search(name.removesuffix("等"))):
            return []
    return [OwnerNote(group[0], group[1], Owners(tuple(names)), group)]


def _responsible(flat: str, group: tuple[int, int]) -> list[OwnerNote]:
    m = _RESPONSIBLE.match(flat)
    if not m:
        return []
    lead, support = split_names(m.group("lead")), split_names(m.group("support") or "")
    if not lead or not all(_UNIT_END.search(name) for name in lead + support):
        return []
    return [OwnerNote(group[0], group[1], Owners(tuple(lead), tuple(support)), group)]


_COLUMN_LEAD = re.compile("|".join(LEAD_COLUMN_WORDS))
_COLUMN_SUPPORT = re.compile("|".join(SUPPORT_COLUMN_WORDS))


def column_owners(cells: Iterable[tuple[str, str]]) -> Owners:
    """A table row's owners from its (column label, cell) pairs: the cells
    under 牵头/责任/单位 columns lead, under 配合/协办 columns support."""
    lead: list[str] = []
    support: list[str] = []
    for label, cell in cells:
        if _COLUMN_SUPPORT.search(label):
            support += split_names(cell)
        elif _COLUMN_LEAD.search(label):
            lead += split_names(cell)
    return Owners(tuple(lead), tuple(support))


def _table_notes(text: str) -> list[OwnerNote]:
    """Rows of a table written with tabs under a header that names owner
    columns ("序号\t工作任务\t牵头单位\t配合单位\t完成时限"): each row's
    owners are its cells in those columns."""
    notes: list[OwnerNote] = []
    header: list[str] | None = None
    pos = 0
    for line in text.split("\n"):
        cells = line.split("\t")
        labels = len(cells) >= 3 and all(len(c.strip()) <= 8 for c in cells)
        if labels and any(_COLUMN_LEAD.search(c) or _COLUMN_SUPPORT.search(c) for c in cells):
            header = cells
        elif header is not None and len(cells) == len(header):
            owners = column_owners(zip(header, cells, strict=True))
            if owners.lead or owners.support:
                row = (pos, pos + len(line))
                notes.append(OwnerNote(row[0], row[1], owners, row))
        pos += len(line) + 1
    return notes


_SENTENCE = re.compile(r"[^。;；\n]+")


def _stated_alone(sentence: str, at: int) -> list[OwnerNote]:
    flat = sentence.strip()
    m = _LEAD_SUPPORT.match(flat)
    if m is None or len(m.group("lead")) > 40:
        return []
    lead, support = split_names(m.group("lead")), split_names(m.group("support") or "")
    if not lead or not all(_UNIT_END.search(name) for name in lead + support):
        return []
    span = (at, at + len(sentence))
    return [OwnerNote(span[0], span[1], Owners(tuple(lead), tuple(support)), span)]


# "由市教育局牵头,市财政局配合,于9月前完成…": who leads and who works
# with it, stated in clauses of a longer sentence.
_LEAD_SUPPORT_CLAUSES = re.compile(
    r"(?:^|[,，:：]|(?<=由))(?P<lead>[^,，:：。;；由]{2,30}?)牵头(?:负责)?[,，、]\s*"
    r"(?P<support>[^,，。;；]{2,60}?)(?:配合|协助|参与|协办|共同负责)(?=[,，。;；]|$)"
)


def _stated_within(sentence: str, at: int) -> list[OwnerNote]:
    m = _LEAD_SUPPORT_CLAUSES.search(sentence)
    if m is None:
        return []
    lead, support = split_names(m.group("lead")), split_names(m.group("support"))
    if not lead or not all(_UNIT_END.search(name) for name in lead + support):
        return []
    span = (at, at + len(sentence))
    return [OwnerNote(span[0], span[1], Owners(tuple(lead), tuple(support)), span)]


def find_owner_notes(text: str, first_is_lead: bool = False) -> list[OwnerNote]:
    """Every statement of owners in a block's text, in order.
    ``first_is_lead``: the plan declared that the unit before the first comma
    of a 责任单位 list leads."""
    notes: list[OwnerNote] = []
    groups = bracket_groups(text)
    inside = [False] * (len(text) + 1)
    for a, b in groups:
        content = text[a + 1 : b - 1 if b <= len(text) and text[b - 1] in _CLOSE else b]
        found = _labelled(content, a + 1, (a, b), first_is_lead)
        if not found:
            flat = content.replace("\n", "")
            m = _LEAD_SUPPORT.match(flat)
            if m and len(m.group("lead")) <= 40:
                owners = Owners(tuple(split_names(m.group("lead"))), tuple(split_names(m.group("support") or "")))
                found = [OwnerNote(a, b, owners, (a, b))]
            else:
                m = _BY_DUTY.match(flat)
                if m:
                    found = [OwnerNote(a, b, Owners(tuple(split_names(m.group("all")))), (a, b))]
                else:
                    found = _responsible(flat, (a, b)) or _named_units(flat, (a, b), text[max(0, a - 8) : a])
        if found:
            for i in range(a, min(b, len(text))):
                inside[i] = True
        notes.extend(found)
    # Labels outside brackets: "牵头单位:X" or "责任单位:A、B" lines.
    for note in _labelled(text, 0, None, first_is_lead):
        if not inside[note.start]:
            notes.append(note)
    # A sentence of its own that only says who leads: "…完成排查。县住建局牵头,各乡镇配合。"
    for m in _SENTENCE.finditer(text):
        if not inside[m.start()] and "牵头" in m.group(0):
            notes.extend(_stated_alone(m.group(0), m.start()) or _stated_within(m.group(0), m.start()))
    if "\t" in text:
        notes.extend(_table_notes(text))
    return sorted(notes, key=lambda n: n.start)


class NoteIndex:
    """A block's owner notes by position, read for each of the block's many
    phrases without going through all of them (a table of thousands of
    rows is one block)."""

    def __init__(self, notes: list[OwnerNote]) -> None:
        self.notes = sorted(notes, key=lambda n: n.start)
        self.starts = [n.start for n in self.notes]
        # How far a note and its bracket group reach back from its start and on.
        self.reach = max((max(n.end, n.group[1] if n.group else 0) - n.start for n in self.notes), default=0)
        self.back = max((n.start - n.group[0] for n in self.notes if n.group), default=0)

    def starting(self, lo: int, hi: int) -> list[OwnerNote]:
        """The notes that start in [lo, hi), in order."""
        return self.notes[bisect_left(self.starts, lo) : bisect_left(self.starts, hi)]

    def near(self, lo: int, hi: int) -> list[OwnerNote]:
        """Every note that may touch [lo, hi) (and some that do not)."""
        return self.starting(lo - self.reach, hi + self.back)

    def owners_at(self, pos: int, first: int = 0) -> Owners | None:
        """The owners of a phrase at ``pos`` among the notes that start at or
        after ``first``: those in its own bracket group, else the next
        statement after it, else the last one before it."""
        return self._owners(pos, lambda n: n.start >= first, len(self.notes), bisect_left(self.starts, first))

    def owners_on_line(self, pos: int, first: int, line_start: int, line_end: int, paragraph_end: int) -> Owners | None:
        """The same among the notes of a line: those that overlap it, and
        those in brackets later in its paragraph (all starting at or after
        ``first``)."""

        def on_line(n: OwnerNote) -> bool:
            return n.start >= first and (
                (n.start < line_end and n.end > line_start)
                or (n.group is not None and line_end <= n.start < paragraph_end)
            )

        until, back_to = bisect_left(self.starts, paragraph_end), bisect_left(self.starts, line_start - self.reach)
        return self._owners(pos, on_line, until, back_to)

    def _owners(self, pos: int, member: Callable[[OwnerNote], bool], until: int, back_to: int) -> Owners | None:
        """The rule of ``owners_at`` over the ``member`` notes, looked for
        from ``pos`` on up to index ``until``, and back down to ``back_to``."""
        for note in self.near(pos, pos + 1):
            if member(note) and note.group and note.group[0] <= pos < note.group[1]:
                return note.owners
        after = bisect_left(self.starts, pos)
        for i in range(after, until):
            if member(self.notes[i]):
                return self.notes[i].owners
        for i in range(after - 1, back_to - 1, -1):
            if member(self.notes[i]):
                return self.notes[i].owners
        return None
