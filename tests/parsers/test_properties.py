"""Property tests: any date in any supported writing normalizes to itself;
random text never raises."""

from __future__ import annotations

import datetime as dt
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from parsers.documents import split_lines
from parsers.normalize import normalize_line, rewritten
from parsers.pipeline import parse_text
from parsers.timeexpr import Context, scanning

_CN = "〇一二三四五六七八九"
_FULL = str.maketrans("0123456789", "０１２３４５６７８９")


def _cn_small(n: int) -> str:
    """Chinese numerals as written in dates: 4 -> 四, 12 -> 十二, 30 -> 三十."""
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _CN[ones]
    head = "" if tens == 1 else _CN[tens]
    return head + "十" + (_CN[ones] if ones else "")


def _arabic(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _chinese(d: dt.date) -> str:
    year = "".join(_CN[int(c)] for c in str(d.year))
    return f"{year}年{_cn_small(d.month)}月{_cn_small(d.day)}日"


def _wide(d: dt.date) -> str:
    return _arabic(d).translate(_FULL)


dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31))
writings = st.sampled_from([_arabic, _chinese, _wide])


@given(dates, writings, st.sampled_from(["前", "之前", "以前", "前完成", ""]))
@settings(max_examples=300, deadline=None)
def test_any_written_date_is_that_date(day: dt.date, write: object, suffix: str) -> None:
    written = write(day) + suffix  # type: ignore[operator]
    text = f"各单位要在{written}报送材料。"
    result = parse_text(text, ref=dt.date(day.year, 1, 1), imported=dt.date(2026, 11, 29))
    deadlines = [m for m in result.milestones if m.kind == "deadline"]
    assert [m.due for m in deadlines] == [day]
    assert deadlines[0].quote.startswith(write(day)[:4])  # type: ignore[operator]
    assert deadlines[0].quote in text


@given(dates, writings)
@settings(max_examples=200, deadline=None)
def test_normalized_date_reads_back(day: dt.date, write: object) -> None:
    norm = normalize_line(write(day))  # type: ignore[operator]
    assert norm.text == _arabic(day)
    assert norm.quote(0, len(norm.text)) == write(day)  # type: ignore[operator]


@given(st.text(max_size=300))
@settings(max_examples=400, deadline=None)
def test_random_text_never_raises(text: str) -> None:
    result = parse_text(text or " ", imported=dt.date(2026, 11, 29))
    for m in result.milestones:
        assert m.quote
        assert m.line >= 1


_PIECES = [
    "年",
    "月",
    "日",
    "底",
    "前",
    "至",
    "—",
    "每",
    "季度",
    "上旬",
    "长期",
    "后",
    "个工作日",
    "内",
    "(",
    ")",
    "牵头单位:",
    "、",
    ",",
    "。",
    "\n",
]


@given(
    st.lists(
        st.one_of(st.sampled_from(_PIECES), st.integers(0, 3000).map(str), st.sampled_from(list(_CN + "十"))),
        max_size=60,
    )
)
@settings(max_examples=400, deadline=None)
def test_date_like_junk_never_raises(parts: list[str]) -> None:
    text = "".join(parts) or " "
    result = parse_text(text, ref=dt.date(2022, 1, 1), imported=dt.date(2026, 11, 29))
    lines = split_lines(text)
    for m in result.milestones:
        assert m.quote in lines[m.line - 1]


# Everything a normalization pass looks at, and text it leaves alone.
_NORMALIZED_PIECES = [
    *_PIECES,
    *"０１２３（）／．－　",
    *"〇一二两三十百《》〔〕[]lIoO./-",
    "週",
    "個月",
    "深沈",
    "shi",
    "(jiàn)",
    "202211月",
    "\U0002005e",  # a traditional character beyond the Basic Multilingual Plane
    "\U00020000",
    "2023.06.30",
    "2023.12",
    "通知",
]


def _lines_of(pieces: list[str], largest: int, size: int) -> st.SearchStrategy[str]:
    """Lines of up to ``size`` pieces and numbers up to ``largest``."""
    return st.lists(st.one_of(st.sampled_from(pieces), st.integers(0, largest).map(str)), max_size=size).map("".join)


@given(_lines_of(_NORMALIZED_PIECES, 30000, 30))
@settings(max_examples=600, deadline=None)
def test_lines_left_alone_are_the_lines_rewriting_leaves_alone(line: str) -> None:
    fast, full = normalize_line.__wrapped__(line), rewritten(line)
    assert (fast.text, list(fast.src)) == (full.text, list(full.src))


# Words of many rules, so that lines wake several at once and their
# matches meet.
_RULE_PIECES = [
    *_PIECES,
    "每年",
    "每月",
    "次月",
    "今年",
    "明年",
    "力争到",
    "上半年",
    "年底",
    "年度考核",
    "春节",
    "国庆",
    "期间",
    "起",
    "到",
    "自",
    "份",
    "号",
    "中旬",
    "秋季",
    "汛期",
    "即日起",
    "结束",
    "已完成",
    # Whole phrases where rules of different priority begin at one place.
    "12月4日至10日",
    "5月起至10月",
    "2022年11月底前",
    "每年3月底前",
    "夏季(4月—5月)",
    "2023-2025年",
    "今年底前",
]


@given(_lines_of(_RULE_PIECES, 2030, 25))
@settings(max_examples=500, deadline=None)
def test_a_line_is_read_in_order_without_overlaps(text: str) -> None:
    line = normalize_line(text).text
    scan = scanning.scanner(scanning._CHARS.intersection(line))
    found = scanning.read(line, Context(ref=dt.date(2022, 1, 1)), scanning.Scanner(scan.rules, ()))
    for before, after in pairwise(found):
        assert before.end <= after.start, (line, before, after)


@given(st.integers(min_value=0, max_value=100_000), st.sampled_from(["个", "天", "次", "月"]))
def test_numerals_read_as_cn2an_reads_them(n: int, unit: str) -> None:
    """Small numerals are read without loading cn2an; every numeral, small
    or not, in either writing of two, reads as cn2an reads it."""
    import cn2an

    from parsers.normalize import _cn_number

    written = str(cn2an.an2cn(n))
    assert _cn_number.__wrapped__(written, unit) == str(n)
    if written.startswith("二") and len(written) > 1:
        assert _cn_number.__wrapped__("两" + written[1:], unit) == str(int(cn2an.cn2an("两" + written[1:], "smart")))
