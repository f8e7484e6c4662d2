"""Outline: plans in a document, their heading hierarchy and task blocks.

A compendium is split at plan titles; text before the first title (page
header, table of contents) and after a web page's trailer marker belongs to
no plan. Headings are 一、 / (一) / 1. / (1) / ① in that order of depth, with
full-width or half-width brackets (normalization makes them ASCII).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from parsers.issue_date import COLOPHON, is_furniture
from parsers.normalize import Normalized, normalize_line, plain, years_in_figures

_HEADINGS: list[tuple[int, re.Pattern[str]]] = [
    (1, re.compile(r"^\s*(?P<n>[一二三四五六七八九十]{1,3})\s*[、.．]\s*")),
    (2, re.compile(r"^\s*\((?P<n>[一二三四五六七八九十]{1,4})\)\s*")),
    # "2." but not "2.5万元"; "2.5月底前完成" and "2、2023年…" are items that open with a date.
    (3, re.compile(r"^\s*(?P<n>\d{1,3})\s*(?:、|\.(?!\d)|\.(?=\d{1,2}月|\d{4}年))\s*")),
    (4, re.compile(r"^\s*\((?P<n>\d{1,3})\)\s*")),
    (5, re.compile(r"^\s*(?P<n>[①-⑳])\s*")),
]
_TITLE_END = re.compile(
    r"(工作方案|实施方案|行动方案|活动方案|方案|工作计划|行动计划|实施计划|安全工作计划|工作要点|实施意见|任务分工|任务清单"
    r"|校历|[^,，]{4}的通知|[^,，]{4}的通报|督办通知)$"
)
# A title may open with its year: "2025年…", "20252026学年度…" (a dash
# lost), "20XX年…" (a year masked).
_TITLE_YEAR_FIRST = re.compile(r"^(?:\d{4}(?:\s*[—–-]?\s*\d{4})?(?:年|学年)|\d{2}XX年)")
_TITLE_CUT = re.compile(r"[。;；:：(]")
# An official document's colophon (版记): its copy lists and the line that
# says who printed it and when ("XX办公室 2023年3月15日印发"). It and what
# follows it to the next plan hold no milestones.
_COPY_LIST = re.compile(r"^\s*(?:抄送|抄报|主送)\s*[:：]")
# Web page chrome after the last plan of a scraped page.
_TRAILER = re.compile(
    r"^\s*(推荐访问|热门排行|相关推荐|相关文章|相关阅读|相关链接|相关附件|猜你喜欢|上一篇|下一篇|版权所有|免责声明|本文来源|责任编辑|扫一扫|分享到"
    r"|【(?:字体|打印|关闭|我要纠错|打印本页)|打印本页|关闭窗口|返回顶部|网站标识码|最后更新)"
)


_SPACE_IN_DATE = re.compile(r"(?<=\d)\s+(?=[年月日号])|(?<=[年月])\s+(?=\d)")
_BODY_LINES = 4
_TITLE_PERIOD_LINE = re.compile(r"^\s*[(（][^()（）]{2,15}[)）]\s*$")


@dataclass(frozen=True)
class Heading:
    level: int
    number: str
    title: str
    line: int


@dataclass
class Line:
    number: int
    norm: Normalized
    heading: Heading | None
    path: tuple[Heading, ...]

    @property
    def text(self) -> str:
        return self.norm.text


@dataclass
class Block:
    """A heading line and the lines under it up to the next heading."""

    path: tuple[Heading, ...]
    lines: list[Line] = field(default_factory=list)


@dataclass
class PlanOutline:
    title: str
    title_line: int
    last_line: int
    lines: list[Line]
    blocks: list[Block]

    @property
    def plain_title(self) -> str:
        """The title in simplified characters and ASCII, its dates closed up
        ("2025 年" as 2025年, as a PDF may space them), for matching."""
        title = _SPACE_IN_DATE.sub("", plain(self.title))
        return years_in_figures(title)  # "二〇二四年"


def heading_of(text: str, number: int) -> Heading | None:
    for level, pattern in _HEADINGS:
        m = pattern.match(text)
        if m and m.end() < len(text):
            rest = text[m.end() :]
            title = _TITLE_CUT.split(rest, maxsplit=1)[0].split("。")[0].strip()
            return Heading(level, m.group("n"), title[:40], number)
    return None


# What may follow a title's last word: its period or status in brackets,
# "…实施方案（2021—2025年）", "…工作方案(试行)".
_TITLE_TAIL = re.compile(r"\s*[(（][^()（）]{1,15}[)）]\s*$")


def is_plan_title(text: str) -> bool:
    s = plain(text.strip())  # "實施方案", "工作方案": spelled either way
    if not 5 <= len(s) <= 60 or not _TITLE_END.search(_TITLE_TAIL.sub("", s)):
        return False
    if any(c in s for c in "。,，;；:："):
        return False
    if heading_of(s, 0) is not None:
        return False
    return not s[0].isdigit() or _TITLE_YEAR_FIRST.match(s) is not None


def _next_text(lines: list[str], i: int) -> str:
    for j in range(i + 1, min(i + 6, len(lines))):
        if lines[j].strip():
            return lines[j].strip()
    return ""


def plan_spans(lines: list[str]) -> list[tuple[int, int, bool]]:
    """0-based (first index, last index, first line is a title) of each plan
    in a document. A document with no recognisable title is one plan."""
    titles = [
        i
        for i, raw in enumerate(lines)
        if is_plan_title(raw) and not is_plan_title(_next_text(lines, i)) and _next_text(lines, i)
    ]
    end = len(lines) - 1
    # Page chrome counts as the trailer only once a plan's body has begun
    # ("分享到" under a page's title is its header).
    body = titles[0] + _BODY_LINES if titles else 0
    trailer = next(
        (i for i, raw in enumerate(lines) if i > body and _TRAILER.match(normalize_line(raw.strip()[:12]).text)), None
    )
    if trailer is not None:
        end = trailer - 1
    if not titles:
        first = next((i for i, raw in enumerate(lines) if raw.strip()), 0)
        return [(first, end, False)]
    spans = []
    for k, start in enumerate(titles):
        if start > end:
            break
        stop = titles[k + 1] - 1 if k + 1 < len(titles) else end
        spans.append((start, min(stop, end), True))
    return spans


def outline_plan(lines: list[str], start: int, stop: int, titled: bool = True) -> PlanOutline:
    """Outline of one plan from line ``start`` (0-based) to ``stop``; when
    ``titled`` the first line is the plan's title and holds no milestones."""
    title = lines[start].strip() if titled else ""
    if not titled:
        start -= 1
    first = start + 1 if titled else start + 2  # 1-based: the title's line, or the plan's first
    after = next((j for j in range(start + 1, min(stop, start + 3) + 1) if lines[j].strip()), None)
    if titled and after is not None and _TITLE_PERIOD_LINE.match(lines[after]):
        # A title whose period sits on the next line: "…实施方案" / "(2025—2027年)".
        title = f"{title}{lines[after].strip()}"
        start = after
    path: list[Heading] = []
    out_lines: list[Line] = []
    blocks: list[Block] = [Block(())]
    previous = ""
    for i in range(start + 1, stop + 1):
        raw = lines[i]
        if not raw.strip():
            continue
        norm = normalize_line(raw)
        if _COPY_LIST.match(norm.text) or COLOPHON.match(norm.text):
            break
        if is_furniture(norm.text, previous):
            previous = norm.text
            continue  # the signature's date, a page's publication time
        previous = norm.text
        heading = heading_of(norm.text, i + 1)
        if heading is not None:
            while path and path[-1].level >= heading.level:
                path.pop()
            path.append(heading)
            blocks.append(Block(tuple(path)))
        line = Line(i + 1, norm, heading, tuple(path))
        out_lines.append(line)
        blocks[-1].lines.append(line)
    return PlanOutline(title, first, stop + 1, out_lines, [b for b in blocks if b.lines])
