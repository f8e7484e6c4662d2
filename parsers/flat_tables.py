"""Tables a PDF or a web page flattened to one cell per line:

    序号|问题表现|整改措施|责任科室|配合科室|整改时限      (or one label a line)
    1
    党组理论学习中心组学习流于形式
    制定年度学习计划,每月至少开展一次集中学习研讨
    办公室
    各股室
    立行立改,长期坚持
    2
    …

The header names the columns, a row opens with its number alone on a line,
and a row holds as many lines as the header has labels. Each cell's line is
then known by its column: the time cell's phrases are the row's milestones,
owed by its owner columns; time words in its other cells are not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from parsers.outline import Line, PlanOutline
from parsers.owners import Owners, column_owners
from parsers.vocabulary import LEAD_COLUMN_WORDS, SUPPORT_COLUMN_WORDS, TIME_COLUMN_WORDS

_NUMBER = re.compile(r"\s*(\d{1,3})[.、]?\s*")
_LABEL = re.compile(r"[\u4e00-\u9fff()（）]{2,8}")
_SERIAL = ("序号", "编号")


@dataclass(frozen=True, slots=True)
class FlatCell:
    """A line that is one cell of a flattened table's row."""

    column: str  # the header's label for it
    is_time: bool  # a completion-time column (完成时限, 时间节点)
    owners: Owners  # the row's owner columns
    task: str  # the row's first cell with words, not an owner or time cell


def _is_time(label: str) -> bool:
    return any(w in label for w in TIME_COLUMN_WORDS)


def _is_owner(label: str) -> bool:
    return any(w in label for w in (*LEAD_COLUMN_WORDS, *SUPPORT_COLUMN_WORDS))


def _header_at(lines: list[Line], i: int) -> tuple[list[str], int] | None:
    """The labels of a header starting at line ``i`` and the index of the
    line after it: one row of labels ("序号|…|完成时限", drawn with bars or
    tabs) or one label a line."""
    text = lines[i].text.strip()
    if "\t" in text:
        labels = [c.strip() for c in text.split("\t")]
        end = i + 1
    elif text in _SERIAL:
        labels, end = [], i
        while end < len(lines) and _LABEL.fullmatch(lines[end].text.strip()) and len(labels) < 12:
            labels.append(lines[end].text.strip())
            end += 1
    else:
        return None
    if len(labels) < 3 or labels[0] not in _SERIAL or not all(_LABEL.fullmatch(c) for c in labels):
        return None
    if not any(_is_time(c) for c in labels) or not any(_is_owner(c) for c in labels[1:]):
        return None
    return labels, end


def _task_cell(labels: list[str], cells: list[str]) -> str:
    """The row's first cell that is neither its serial, an owner nor a time."""
    for label, cell in zip(labels[1:], cells[1:], strict=True):
        if not (_is_time(label) or _is_owner(label)):
            return cell
    return ""


def flattened_cells(outline: PlanOutline) -> dict[int, FlatCell]:
    """Each line (by number) that is a cell of a flattened table's row."""
    lines = outline.lines
    out: dict[int, FlatCell] = {}
    i = 0
    while i < len(lines):
        header = _header_at(lines, i)
        if header is None:
            i += 1
            continue
        labels, i = header
        expected: int | None = None  # (numbering may go on from an earlier table: 10, 11, …)
        while i + len(labels) <= len(lines):
            number = _NUMBER.fullmatch(lines[i].text)
            if number is None or (expected is not None and int(number.group(1)) != expected):
                break
            expected = int(number.group(1))
            row = lines[i : i + len(labels)]
            following = lines[i + len(labels)] if i + len(labels) < len(lines) else None
            if any("\t" in line.text or not line.text.strip() or _NUMBER.fullmatch(line.text) for line in row[1:]):
                break  # a row drawn whole, a cell missing, the next row's number: not this form
            next_number = following is not None and _NUMBER.fullmatch(following.text)
            if following is not None and next_number and int(next_number.group(1)) != expected + 1:
                break  # the rows do not line up with the labels
            cells = [line.text.strip() for line in row]
            owners = column_owners(
                (label, cell) for label, cell in zip(labels, cells, strict=True) if not _is_time(label)
            )
            task = _task_cell(labels, cells)
            for label, line in zip(labels[1:], row[1:], strict=True):
                out[line.number] = FlatCell(label, _is_time(label), owners, task[:40])
            i += len(labels)
            expected += 1
    return out


# A schedule flattened the same way: a date alone on its line, then the
# person on duty with their post ("7月12日" / "郭明远　市委副书记、市长").
_PERSON = re.compile(
    r"\s*(?P<name>[\u4e00-\u9fff](?: ?[\u4e00-\u9fff]){1,3})[ \t]+(?P<post>[\u4e00-\u9fff()、,，]{2,40})\s*"
)
_POST = re.compile(r"^[^、,，]{0,12}?(?:长|书记|主任|主席|委员|常委|经理|专员|干事|政委|组长|负责人)(?:[、,，]|$)")
_DATE_ONLY = re.compile(r"[\d年月日号至到—–~\-－～()星期一二三四五六日天上下午:：.\s]+")


def people_on_duty(outline: PlanOutline) -> dict[int, str]:
    """The person named on the line after a line that holds only a date, by
    the date line's number: the schedule's row."""
    out: dict[int, str] = {}
    for line, after in zip(outline.lines, outline.lines[1:], strict=False):
        text = line.text.strip()
        if not text or not re.search(r"\d月|\d日", text) or not _DATE_ONLY.fullmatch(text):
            continue
        person = _PERSON.fullmatch(after.text)
        if person is not None and _POST.search(person["post"]):
            out[line.number] = after.norm.quote(*person.span("name"))  # as written ("羅志恆")
    return out
