"""The labels Word draws before numbered paragraphs ("一、", "（一）",
"1.") come from the document's numbering definitions, not from the
paragraph's text. ``ListLabels`` renders them, so that a plan numbered
by Word reads like one numbered by hand.

A paragraph is numbered by its own properties or by its style's; each
list keeps one counter per level, a level's counter restarts when a
higher level moves on, and the level's text ("%1、", "（%2）", "%1.%2")
is filled with the counters in the level's format.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_HEAVENLY_STEMS = "甲乙丙丁戊己庚辛壬癸"


@dataclass(frozen=True)
class _Level:
    format: str  # w:numFmt, "decimal", "chineseCounting", "bullet"…
    text: str  # w:lvlText, "%1、"
    start: int


def _value(element: Any, tag: str) -> str | None:
    child = element.find(f"{W}{tag}")
    return None if child is None else child.get(f"{W}val")


def _int(value: str | None, default: int) -> int:
    """A number attribute; a missing or malformed one is ``default``."""
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def number_text(n: int, format: str) -> str:
    """``n`` written in a Word numbering format."""
    import cn2an  # loaded for .docx lists only

    if format in ("chineseCounting", "chineseCountingThousand"):
        return str(cn2an.an2cn(n))
    if format == "chineseLegalSimplified":
        return str(cn2an.an2cn(n, "up"))
    if format.startswith("decimalEnclosedCircle") and 1 <= n <= len(_CIRCLED):
        return _CIRCLED[n - 1]
    if format in ("ideographTraditional", "ideographZodiac") and 1 <= n <= len(_HEAVENLY_STEMS):
        return _HEAVENLY_STEMS[n - 1]
    return str(n)  # decimal, and the formats Chinese plans do not use


class ListLabels:
    """The list labels of one document's paragraphs, read in order."""

    def __init__(self, numbering: Any | None) -> None:
        """``numbering``: the root of the numbering part (w:numbering), or
        None when the document has none."""
        self._lists: dict[str, dict[int, _Level]] = {}
        self._counters: dict[str, dict[int, int]] = {}
        if numbering is None:
            return
        abstract: dict[str | None, dict[int, _Level]] = {}
        for definition in numbering.iterfind(f"{W}abstractNum"):
            levels = {}
            for level in definition.iterfind(f"{W}lvl"):
                levels[_int(level.get(f"{W}ilvl"), 0)] = _Level(
                    _value(level, "numFmt") or "decimal",
                    _value(level, "lvlText") or "",
                    _int(_value(level, "start"), 1),
                )
            abstract[definition.get(f"{W}abstractNumId")] = levels
        for instance in numbering.iterfind(f"{W}num"):
            levels = dict(abstract.get(_value(instance, "abstractNumId"), {}))
            for override in instance.iterfind(f"{W}lvlOverride"):
                start = _value(override, "startOverride")
                ilvl = _int(override.get(f"{W}ilvl"), 0)
                if start is not None and ilvl in levels:
                    levels[ilvl] = replace(levels[ilvl], start=_int(start, levels[ilvl].start))
            self._lists[instance.get(f"{W}numId", "")] = levels

    def label(self, paragraph: Any, style: Any | None) -> str:
        """The label Word draws before ``paragraph`` (a w:p element), whose
        style element is ``style``; "" when it is not numbered."""
        num = _numbering_of(paragraph) or (_numbering_of(style) if style is not None else None)
        if num is None:
            return ""
        num_id, ilvl = num
        levels = self._lists.get(num_id)
        if not levels or ilvl not in levels or levels[ilvl].format in ("bullet", "none"):
            return ""
        counters = self._counters.setdefault(num_id, {})
        counters[ilvl] = counters[ilvl] + 1 if ilvl in counters else levels[ilvl].start
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        text = levels[ilvl].text
        for k in range(ilvl, -1, -1):
            if f"%{k + 1}" in text and k in levels:
                text = text.replace(f"%{k + 1}", number_text(counters.get(k, levels[k].start), levels[k].format))
        return text


def _numbering_of(element: Any) -> tuple[str, int] | None:
    """(numId, level) of a paragraph's or a style's numbering properties."""
    properties = element.find(f"{W}pPr")
    numbered = None if properties is None else properties.find(f"{W}numPr")
    if numbered is None:
        return None
    num_id = _value(numbered, "numId")
    if num_id is None or num_id == "0":
        return None
    return num_id, _int(_value(numbered, "ilvl"), 0)
