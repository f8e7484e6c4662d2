"""Input hygiene: make one line of a plan matchable while remembering where
every character came from.

Matching runs on the normalized text; quotes are cut from the original line
through ``Normalized.source_span`` so that they stay exact substrings of what
was written.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import NamedTuple

import opencc

from parsers.traditional import T2S_CHANGES

_T2S = opencc.OpenCC("t2s")

# Characters that may precede a Chinese numeral we turn into digits: a word
# character before it ("统一年度", "唯一") means the numeral is part of a word.
_NUMERAL_LEAD_OK = set("第近前后每满用到至约及和或、于在自从截今明年月次为期内逾超过共计达的起")
_CN_DIGITS = "〇零○一二两三四五六七八九十百千"
# (a year may mix in an ASCII zero or a letter O for one: "二0二五年", "二O二五年")
_NUMERAL_RUN = re.compile(
    rf"[二一][0〇零○Oo][{_CN_DIGITS}0Oo]{{2}}(?=(年))|[{_CN_DIGITS}]+(?=(年|月|日|号|个|天|周|季度|次|小时|工作日|星期|旬))"
)
_YEAR_DIGITS = str.maketrans("〇零○Oo一二三四五六七八九", "00000123456789")  # ASCII 0 stays
_GLOSS = re.compile(r"(?<=[\u4e00-\u9fff])\([a-zāáǎàēéěèīíǐìōóǒòūúǔùüǖǘǚǜ]+\)(?=[\u4e00-\u9fff])")
_LETTER_DIGITS = re.compile(r"(?<![A-Za-z])[0-9lIoO]*[0-9][0-9lIoO]*(?![A-Za-z])")
_LETTER_ONLY = re.compile(r"(?<![A-Za-z0-9])[lIoO0-9]{2,}(?=(个|日|月|年|天|号))")
_YEAR_INTO_MONTH = re.compile(r"(?<!\d)(20\d{2})(1[0-2]|[1-9])(?=月)")
# Dates in figures: "2023.06.30", "2023/6/30", "2023-06-30", and "2023.12" for a month.
# (an item's number may stand before it: "4.2026.4.20-25号")
_NUMERIC_DATE = re.compile(
    r"(?:(?<![\d.])|(?<=^\d\.)|(?<=^\d\d\.)|(?<=\t\d\.))((?:19|20)\d{2})([./-])(\d{1,2})\2(\d{1,2})(?![\d.])"
)
_NUMERIC_MONTH = re.compile(r"(?<![\d.])((?:19|20)\d{2})[./](\d{1,2})(?![\d./%万亿元])")
# A day written as month.day in quotes: "“11.9”全国消防日", "“12.2”交通安全日".
_QUOTED_DOTTED_DAY = re.compile(r"(?<=“)(1[0-2]|[1-9])\.([12]\d|3[01]|[1-9])(?=”[\u4e00-\u9fff]{0,10}?[日节])")
_MASKED = re.compile(r"《[^《》]*》|〔\d{4}〕|\[\d{4}\]")
MASK = "□"
# Anything one of the rewriting passes below could change.
_NEEDS_WORK = re.compile(
    rf"“\d|[{_CN_DIGITS}《〔\[lIoO]|\(|20\d{{3}}|\d{{4}}[./-]\d|\d +[年月日号]|[年月] +\d|\d[年月日号] "
)
# Spaces inside a date ("2025 年 9 月底前", "8 月 25 日 前", a PDF's spacing).
_SPACED_DATE = re.compile(
    r"(?<=\d) +(?=[年月日号])|(?<=[年月]) +(?=\d)"
    r"|(?:(?<=\d[年月日号])|(?<=\d [年月日号])) (?=[\u4e00-\u9fff、，,)）—–~-])"
)


class Normalized(NamedTuple):
    """A normalized line; ``src[i]`` is the index in the original line of
    normalized character ``i``."""

    text: str
    src: Sequence[int]  # range(len(original)) when nothing moved
    original: str

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        if start >= end:
            return (self.src[start] if start < len(self.src) else len(self.original),) * 2
        return self.src[start], self.src[end - 1] + 1

    def quote(self, start: int, end: int) -> str:
        a, b = self.source_span(start, end)
        return self.original[a:b]


# Full-width ASCII forms (U+FF01..U+FF5E) and the ideographic space.
_WIDTH = {code: unicodedata.normalize("NFKC", chr(code)) for code in range(0xFF01, 0xFF5F)} | {0x3000: " "}
_WIDE = re.compile("[\uff01-\uff5e\u3000]")
# What any pass below may change, asked of the line as written in one
# search: a character one of them rewrites (any beyond the Basic
# Multilingual Plane, to keep the class a bitmap), or a run of digits the
# date passes read ("2023.06", "2023-6", "202211月"). A line with none is its
# own normal form.
_REWRITTEN = T2S_CHANGES.union(map(chr, _WIDTH), _CN_DIGITS, "《〔[lIoO(|")
_DIGIT_RUN = r"\d{4}(?:[./-]\d|(?<=20\d\d)\d)"
_ANY_WORK = re.compile(
    "["
    + re.escape("".join(sorted(c for c in _REWRITTEN if c < "\U00010000")))
    + "\U00010000-\U0010ffff]|"
    + _DIGIT_RUN
    + "|“\\d"
)
# The same for the passes that work on spaces, asked only of a line with one.
_SPACE_WORK = re.compile(r"  |\d [年月日号]|[年月] \d|\d[年月日号] ")
# Cells of a table a PDF's text layer lays out with runs of spaces
# ("1　　编制村庄规划　　区自然资源局　　各镇（街道）　　2025年6月底").
_SPACED_CELL = re.compile(r"(?<=\S) {2,}(?=\S)")


def _simplified(line: str) -> str:
    if T2S_CHANGES.isdisjoint(line):
        return line  # nothing t2s would change
    converted: str = _T2S.convert(line)
    if len(converted) == len(line):
        return converted
    return "".join(_T2S.convert(ch) or ch for ch in line)


_NUMERAL_YEAR = re.compile(r"[〇零○一二三四五六七八九0]{4}(?=年)")


def years_in_figures(text: str) -> str:
    """Years written in numerals as figures, character for character:
    "二〇二四年" is 2024年."""
    return _NUMERAL_YEAR.sub(lambda m: m.group(0).translate(_YEAR_DIGITS), text)


def plain(text: str) -> str:
    """Full-width to ASCII and traditional to simplified, character for
    character and nothing more: for matching the words of a title or a
    label spelled either way."""
    return _simplified(text.translate(_WIDTH) if _WIDE.search(text) else text)


_ONES = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")} | {"零": "0", "两": "2"}
# A digit, or tens written with 十 ("十", "十二", "二十", "二十三"): read
# here without loading cn2an (70 ms to load, ~20 µs a numeral), which reads
# every other numeral ("一百二十", "两千", "十万").
_SMALL = re.compile(r"[〇零一二两三四五六七八九]|([一二三四五六七八九]?)十([一二三四五六七八九]?)")


@lru_cache(maxsize=4096)  # plans repeat their numerals
def _cn_number(run: str, unit: str) -> str | None:
    if unit == "年" and len(run) == 4 and all(c in "〇零○Oo一二三四五六七八九0" for c in run):
        return run.translate(_YEAR_DIGITS)
    small = _SMALL.fullmatch(run)
    if small is not None:
        if "十" not in run:
            return _ONES[run]
        tens, ones = small.groups()
        return str(int(_ONES.get(tens, "1")) * 10 + int(_ONES.get(ones, "0")))
    import cn2an

    try:
        value = cn2an.cn2an(run.replace("○", "零"), "smart")
    except (ValueError, KeyError, IndexError):
        return None
    return str(int(value))


class _Builder:
    def __init__(self, text: str, src: list[int]) -> None:
        self.text = text
        self.src = src

    def sub(
        self, pattern: re.Pattern[str], repl: Callable[[re.Match[str]], str | None], needs: re.Pattern[str]
    ) -> None:
        """Replace each match by ``repl``'s text (None: leave it); ``needs``:
        a class of characters one of which every match holds."""
        if not needs.search(self.text):
            return
        out: list[str] = []
        src: list[int] = []
        pos = 0
        for m in pattern.finditer(self.text):
            new = repl(m)
            if new is None or new == m.group(0):
                continue
            out.append(self.text[pos : m.start()])
            src.extend(self.src[pos : m.start()])
            out.append(new)
            span = self.src[m.start() : m.end()] or [self.src[m.start()] if m.start() < len(self.src) else 0]
            if len(new) == len(span):  # a character for a character (masks, most digits)
                src.extend(span)
            else:
                # Spread the new characters over the old span; an insertion
                # points at the character it was inserted before.
                src.extend(span[min(i * len(span) // len(new), len(span) - 1)] for i in range(len(new)))
            pos = m.end()
        if not out:
            return
        out.append(self.text[pos:])
        src.extend(self.src[pos:])
        self.text = "".join(out)
        self.src = src


def _numeral(m: re.Match[str]) -> str | None:
    run, unit = m.group(0), m.group(1) or m.group(2)
    before = m.string[m.start() - 1] if m.start() else ""
    if before in "日号月" and len(run) > 1 and run[0] == "一" and unit in ("月", "日", "号"):
        # "五月一日一七月三十一日": the first 一 is the range's dash
        rest = _cn_number(run[1:], unit)
        return None if rest is None else "一" + rest
    year = unit == "年" and len(run) == 4  # "纳入二〇二五年…": a year reads as one anywhere
    # (a month or day of two characters, "其中十二月", is one after any word)
    date_part = unit in ("月", "日", "号") and len(run) > 1 and "十" in run
    if before and "\u4e00" <= before <= "\u9fff" and before not in _NUMERAL_LEAD_OK and not (year or date_part):
        return None
    if run in ("十", "百", "千") and unit not in ("月", "日", "号"):
        return None
    return _cn_number(run, unit)


def _numeric_date(m: re.Match[str]) -> str | None:
    month, day = int(m.group(3)), int(m.group(4))
    return f"{m.group(1)}年{month}月{day}日" if 1 <= month <= 12 and 1 <= day <= 31 else None


def _numeric_month(m: re.Match[str]) -> str | None:
    month = int(m.group(2))
    return f"{m.group(1)}年{month}月" if 1 <= month <= 12 else None


def _letters(m: re.Match[str]) -> str:
    return m.group(0).translate(str.maketrans("lIoO", "1100"))


# The rewriting passes in order: pattern, replacement, and the characters
# one of which every match holds (a line with none skips the pass).
_PASSES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str | None], re.Pattern[str]], ...] = (
    (_GLOSS, lambda m: "", re.compile(r"\(")),
    (_SPACED_DATE, lambda m: "", re.compile(" ")),
    (_MASKED, lambda m: m.group(0)[0] + MASK * (len(m.group(0)) - 2) + m.group(0)[-1], re.compile(r"[《〔\[]")),
    (_NUMERAL_RUN, _numeral, re.compile(f"[{_CN_DIGITS}]")),
    (_LETTER_DIGITS, _letters, re.compile("[lIoO]")),
    (_LETTER_ONLY, _letters, re.compile("[lIoO]")),
    (_YEAR_INTO_MONTH, lambda m: f"{m.group(1)}年{m.group(2)}", re.compile("月")),
    (_NUMERIC_DATE, _numeric_date, re.compile("[./-]")),
    (_QUOTED_DOTTED_DAY, lambda m: f"{m.group(1)}月{m.group(2)}日", re.compile("“")),
    (_NUMERIC_MONTH, _numeric_month, re.compile("[./]")),
)


@lru_cache(maxsize=65536)
def normalize_line(line: str) -> Normalized:
    """Full-width to ASCII, traditional to simplified, Chinese numerals to
    digits, letters standing for digits, years run into months, dates in
    figures (2023.06.30) written out, pinyin glosses dropped, quoted document
    titles and document numbers masked."""
    if not _ANY_WORK.search(line) and not (" " in line and _SPACE_WORK.search(line)):
        return Normalized(line, range(len(line)), line)
    return rewritten(line)


def rewritten(line: str) -> Normalized:
    """``normalize_line`` without the shortcut for lines it leaves alone."""
    text = _simplified(line.translate(_WIDTH) if _WIDE.search(line) else line)
    if "  " in text and "\t" not in text and len(_SPACED_CELL.findall(text)) >= 2:
        text = _SPACED_CELL.sub(lambda m: "\t" + m.group(0)[1:], text)
    if text.count("|") >= 2:
        # A table row drawn with bars ("1|修订方案|市文明办|3月底前", "| 4月 |")
        # keeps its cells apart by tabs, as a .docx or .html row does.
        text = text.replace("|", "\t")
    if not _NEEDS_WORK.search(text):
        return Normalized(text, range(len(line)), line)
    b = _Builder(text, list(range(len(line))))
    for pattern, repl, needs in _PASSES:
        b.sub(pattern, repl, needs)
    return Normalized(b.text, tuple(b.src), line)
