"""Owners from the sentence itself: with no label, the subject of the
sentence that holds a milestone is its lead when it names who acts, a unit
or a collective before 要, 应, 须, 负责, 牵头, 于, 在 or a verb
("各责任单位要于每季度末向市政府报告" -> 各责任单位; "11月15日前，项目办公室
组织初验" -> 项目办公室; "各地各部门于…报送" -> 各地, 各部门). The body the
work is reported to ("向市政府报告") is never a subject: a subject opens its
clause.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence

from parsers.owners import split_names
from parsers.timeexpr.base import ITEM_NUMBER

# What may follow a subject: a modal, a preposition of time or place, or
# one of the verbs plans open their duties with.
_AFTER = (
    "要",
    "应",
    "须",
    "需",
    "必须",
    "负责",
    "牵头",
    "于",
    "在",
    "将",
    "会同",
    "联合",
    "组织",
    "开展",
    "完成",
    "召开",
    "举行",
    "举办",
    "报送",
    "上报",
    "提交",
    "实行",
    "建立",
    "做好",
    "落实",
    "对",
    "按照",
    "根据",
    "定期",
    "每",
    "全面",
    "集中",
    "持续",
    "统一",
    "返校",
    "到岗",
    "进行",
    "督促",
    "指导",
    "配合",
    "协调",
    "制定",
    "编制",
    "印发",
    "发布",
    "安排",
    "派员",
    "抽调",
    "全部",
    "均",
    "统筹",
    "与",
    "收到",
    "接到",
    "发现",
    "汇总",
    "决定",
    "制定",
    "实施",
    "推进",
    "加强",
    "完善",
    "启动",
    "编印",
    "走进",
    "先后",
    "通报",
    "牵头组织",
    "具体负责",  # "市水务集团具体负责"
    "具体实施",
    "具体承办",
    "负总责",
    "共同负责",
    "放",
    "报到",
)
# A name that acts: a unit ("县住建局", "项目办公室"), a collective
# ("各乡镇", "各责任单位") or the people a plan assigns ("班主任", "村级河湖长").
_ACTOR_END = (
    "局",
    "委",
    "办",
    "厅",
    "部",
    "处",
    "科",
    "室",
    "股",
    "院",
    "所",
    "中心",
    "政府",
    "单位",
    "部门",
    "小组",
    "组",
    "会",
    "队",
    "大队",
    "站",
    "公司",
    "集团",
    "街道",
    "乡镇",
    "镇",
    "乡",
    "村",
    "社区",
    "馆",
    "校",
    "学校",
    "专班",
    "指挥部",
    "管委会",
    "党委",
    "党组",
    "支部",
    "纪委",
    "河湖长",
    "河长",
    "湖长",
    "班主任",
    "教师",
    "教职工",
    "学生",
    "家长",
    "干部",
    "成员",
    "人员",
    "责任人",
    "负责人",
    "医院",
    "食堂",
    "中标单位",
    "项目组",
    "工作组",
    "机关",
    "企业",
    "企事业单位",
    "热线",
    "员",
    "两级",
    "三级",
)
# A time phrase stands in the text as a run of this mark: it opens no
# subject, and a subject may stand before it ("县级河湖长每季度巡河").
_MASK = "◇"
_AFTER_WORDS = (*sorted(_AFTER, key=len, reverse=True), _MASK)
# A subject holds none of these: "县住建局要会同各乡镇开展" is 县住建局's.
# (but a unit's name may hold the same characters: 应急管理局, 组织部, 牵头单位).
_MODALS = re.compile(
    "要(?!素)|应(?!急)|须|需(?!求)|负责(?!人)|牵头(?!单位|部门|乡镇|科室)|会同|联合|协同|将|于|在|对|向|由|每|组织(?!部)|开展|完成|召开|落实|实行|建立|报送|纳入|全部"
)
_NAME_CHARS = re.compile(r"[\u4e00-\u9fff0-9()、]+")
_LONGEST = 24
# The number opening an item: "(一)", "一、", "1.", "2、", "①".
_CLAUSES = re.compile(r"[^,，;；。:：]+")
_SENTENCE_END = re.compile(r"[。;；]")
_EACH = re.compile(r"(?<=.)(?=各[\u4e00-\u9fff])")  # "各地各部门" is 各地 and 各部门
# Words that open a clause but are no one: "同时", "其中", "届时".
_NOT_ACTOR = re.compile(
    r"^(?:同时|其中|届时|此外|另外|全年|全面|进一步|重点|主要|对|在|按照|根据|通过|结合"
    r"|协调|组织|督促|指导|推动|加强|确保|配合|协助|会同|联合|支持|引导|鼓励|动员)"
)


_BRACKETED = re.compile(r"\([^()]*\)")
_UNIT_OPENING = re.compile(r"^(?:各|县|市|区|镇|乡|村|省|州|全市|全县)")
_UNIT_SUFFIXES = (
    "局",
    "委",
    "办",
    "室",
    "中心",
    "政府",
    "单位",
    "部门",
    "大队",
    "队",
    "站",
    "所",
    "河湖长",
    "河长",
    "镇",
    "乡",
    "村",
    "社区",
    "街道",
    "学校",
)


def _acts(name: str) -> bool:
    """A name that ends like a unit or people, or a short collective (各村)."""
    if name.endswith("员") and (len(name) < 3 or name.endswith("动员")):
        return False  # "动员部署": a verb, not people
    return name.endswith(_ACTOR_END) or (name.startswith("各") and len(_BRACKETED.sub("", name)) <= 4)


def _conjoined(text: str) -> list[str]:
    """Names joined by 和, 及 or 与: "县委和县政府" is two, but "县文化和
    旅游局" and "市住房和城乡建设局" are one (what stands before 和 does not
    name a unit)."""
    for m in re.finditer("[和及与]", text):
        left, right = text[: m.start()], text[m.end() :]
        if left and right and _acts(left):
            rest = _conjoined(right)
            if all(_acts(r) for r in rest):
                return [left, *rest]
    return [text]


def actors(subject: str) -> list[str] | None:
    subject = subject.removeprefix("请").removeprefix("并")
    names: list[str] = []
    for whole in split_names(subject):
        for part in _conjoined(whole):
            names += [p for p in _EACH.split(part) if p]
    # (the last may close the list with 等, kept as written: "县综合执法局等")
    if not names or any(_NOT_ACTOR.match(n) or not _acts(n.removesuffix("等")) for n in names):
        return None
    return names


def _subject(clause: str) -> list[str] | None:
    """The actors a clause opens with, if it opens with one: the longest
    name that holds no modal, ends like an actor and is followed by a word
    that opens a duty."""
    head = _NAME_CHARS.match(clause)
    if head is None:
        return None
    longest = min(_LONGEST, head.end())
    for size in range(longest, 1, -1):
        name = clause[:size]
        if _MODALS.search(name) or name.endswith(_AFTER_WORDS) or not clause.startswith(_AFTER_WORDS, size):
            continue
        names = actors(name)
        if names:
            return names
    # A unit named in full acts with any verb ("各级河湖长巡河发现问题的,…").
    for size in range(longest, 1, -1):
        name = clause[:size]
        if _MODALS.search(name) or not (_UNIT_OPENING.match(name) and name.endswith(_UNIT_SUFFIXES)):
            continue
        if clause[size : size + 1].isalpha() and (names := actors(name)):
            return names
    return None


# How many sentences back a subject carries to sentences that name none.
_CARRY = 3


class SubjectReader:
    """The subjects of one line's sentences, read once for all its phrases.
    ``phrases``: the spans of the line's time phrases, which open no subject
    ("年底县政府督查室…") and may stand after one ("县级河湖长每季度巡河")."""

    def __init__(self, text: str, phrases: Sequence[tuple[int, int]] = ()) -> None:
        pieces, at = [], 0
        for a, b in sorted(phrases):
            if a >= at:
                pieces += [text[at:a], _MASK * (b - a)]
                at = b
        pieces.append(text[at:])
        self.text = "".join(pieces)
        self.starts = [0] + [m.end() for m in _SENTENCE_END.finditer(self.text)]
        self._opening: dict[int, list[str] | None] = {}

    def _sentence(self, k: int) -> tuple[int, int]:
        end = self.starts[k + 1] if k + 1 < len(self.starts) else len(self.text)
        return self.starts[k], end

    def _opening_subject(self, k: int) -> list[str] | None:
        """The subject sentence ``k`` opens with (or names in the clause after its first)."""
        if k not in self._opening:
            a, b = self._sentence(k)
            self._opening[k] = _in_sentence(self.text, a, a, b)
        return self._opening[k]

    def at(self, pos: int) -> list[str] | None:
        """The lead named by the subject of the sentence that holds ``pos``:
        the nearest clause at or before ``pos`` that opens with one, else
        the clause right after it; a sentence with none has the subject of
        the nearest sentence before it that has one (a subject is not
        repeated); a heading's own phrase ("(一)排查摸底阶段(即日起至12月10日)。
        各乡镇组织…") has the subject of the sentence after it."""
        here = bisect_right(self.starts, pos) - 1
        found = _in_sentence(self.text, pos, *self._sentence(here))
        for k in range(here - 1, max(-1, here - 1 - _CARRY), -1):
            if found:
                break
            found = self._opening_subject(k)
        if not found and here + 1 < len(self.starts) and ITEM_NUMBER.match(self.text, self.starts[here]):
            found = self._opening_subject(here + 1)
        return found

    def partners(self, lead: list[str], pos: int) -> list[str]:
        """Who the lead works with, named after it: "县住建局要会同各乡镇开展…"
        (support 各乡镇), "A联合B…", "A协同B…"."""
        here = bisect_right(self.starts, pos) - 1
        for k in range(here, max(-1, here - 1 - _CARRY), -1):
            a, b = self._sentence(k)
            at = self.text.find(lead[-1], a, b)
            if at >= 0:
                m = _WITH.match(self.text, at + len(lead[-1]), b)
                return (_subject(self.text[m.end() : b]) or []) if m else []
        return []


_WITH = re.compile(r"(?:要|应|须|将|于|负责)?(?:会同|联合|协同)")


def subject_at(text: str, pos: int, phrases: Sequence[tuple[int, int]] = ()) -> list[str] | None:
    """The subject at ``pos`` of ``text`` (see ``SubjectReader.at``)."""
    return SubjectReader(text, phrases).at(pos)


# A subject is looked for within this many characters of its phrase: the
# whole of any real sentence, and a bounded cost in one that runs on for
# pages without an end.
_REACH = 600


def _in_sentence(text: str, pos: int, start: int, end: int) -> list[str] | None:
    start, end = max(start, pos - _REACH), min(end, len(text), pos + _REACH)
    found_before: list[str] | None = None
    number = ITEM_NUMBER.match(text, start)
    if number:
        start = number.end()
        pos = max(pos, start)
    for clause in _CLAUSES.finditer(text, start, end):
        names = _subject(clause.group(0).strip().lstrip(_MASK + " 前起后内,由"))
        if clause.start() <= pos:
            if names:
                found_before = names
            continue
        # The clause right after it only: "11月15日前,项目办公室组织初验";
        # a subject further on acts in a clause of its own.
        return found_before or names
    return found_before
