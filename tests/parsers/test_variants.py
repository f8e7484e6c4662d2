"""Metamorphic checks: every phrase-table row, written the other ways plans
write it, must mean the same. A rule that holds for one spelling only fails
here. The variants: spaces inside dates ("4 月 12 日"), Chinese numerals
("十二月四日", "二〇二二年"), traditional characters, the sentence as a
cell of a table row drawn with bars, and the year dropped with the
reference date giving it back."""

from __future__ import annotations

import re
from collections.abc import Callable

import opencc
import pytest

from tests.parsers.phrases import ALL, Row
from tests.parsers.test_phrases import REF, _check

_S2T = opencc.OpenCC("s2t")
_CN = "〇一二三四五六七八九"


def _spaced(text: str) -> str:
    return re.sub(r"(\d+)(年|月|日)", r"\1 \2 ", text).replace("  ", " ")


def _cn_number(n: int) -> str:
    if n < 10:
        return _CN[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CN[tens]) + "十" + (_CN[ones] if ones else "")


def _numerals(text: str) -> str:
    """Years, months and days in Chinese numerals, as official documents
    write them."""
    text = re.sub(r"(?<!\d)(\d{4})(?=年)", lambda m: "".join(_CN[int(c)] for c in m.group(1)), text)
    return re.sub(r"(?<![\d.])(\d{1,2})(?=[月日])", lambda m: _cn_number(int(m.group(1))), text)


def _traditional(text: str) -> str:
    converted: str = _S2T.convert(text)
    return converted


def _in_cell(text: str) -> str:
    return f"1|{text.rstrip('。')}|县应急局"


Variant = Callable[[str], str]
VARIANTS: dict[str, Variant] = {
    "spaced": _spaced,
    "numerals": _numerals,
    "traditional": _traditional,
    "cell": _in_cell,
}


def _applies(name: str, row: Row) -> bool:
    text, quote, expected = row[0], row[1], row[2]
    if expected == "none" or VARIANTS[name](quote) == quote:
        return False  # the variant leaves the phrase as it is: nothing to check
    if name == "numerals" and re.search(r"\d\s*[个小工天周次%.:万元岁]|\d{3,}(?!年)|[.:/-]\d|日一", quote):
        return False  # counts, clock times and numeric dates stay in figures; "一" is no dash beside numerals
    # A row's cell holds no bars, tabs, breaks or field labels of its own.
    return not (name == "cell" and any(c in text for c in "|\t\n:："))


def _variant_row(name: str, row: Row) -> Row:
    text, quote, expected, *ref = row
    make = VARIANTS[name]
    new_quote = quote if name == "cell" else make(quote)
    new_text = make(text)
    if new_quote not in new_text:  # the variant wrote the phrase apart from its context
        new_quote = make(quote).strip()
    return (new_text, new_quote, expected, *ref)  # type: ignore[return-value]


CASES = [(name, row) for name in VARIANTS for row in ALL if _applies(name, row)]


def _id(case: tuple[str, Row]) -> str:
    name, row = case
    return f"{name}|{row[0][:24]}|{row[1]}"


def test_every_variant_is_checked_on_many_rows() -> None:
    counts = {name: sum(1 for n, _ in CASES if n == name) for name in VARIANTS}
    assert all(n >= 20 for n in counts.values()), counts


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_a_variant_means_the_same(case: tuple[str, Row]) -> None:
    name, row = case
    _check(_variant_row(name, row))


# The year dropped: "2022年11月底前" read with the reference 2022-01-01 and
# "11月底前" read with the same reference mean the same day.
YEARLESS = [
    row
    for row in ALL
    if re.search(rf"{REF[:4]}年\d{{1,2}}月", row[1]) and row[2] != "none" and len(row) == 3 and "至" not in row[1]
]


@pytest.mark.parametrize("row", YEARLESS, ids=[r[1] for r in YEARLESS])
def test_a_year_dropped_is_given_back_by_the_reference(row: Row) -> None:
    text, quote, expected = row[0], row[1], row[2]
    year = f"{REF[:4]}年"
    _check((text.replace(year, "", 1), quote.replace(year, "", 1), expected))
