"""The set of characters t2s can change, kept beside the parser, against
the installed OpenCC; and the skipped conversion against the real one."""

from __future__ import annotations

import opencc
import pytest
from hypothesis import given
from hypothesis import strategies as st

from parsers.normalize import _simplified
from parsers.traditional import T2S_CHANGES, derive

_T2S = opencc.OpenCC("t2s")


def test_kept_set_covers_the_installed_opencc() -> None:
    missing = derive() - T2S_CHANGES
    assert not missing, f"rewrite parsers/traditional.txt (python -m parsers.traditional): {sorted(missing)[:20]}"


@pytest.mark.parametrize(
    ("line", "simplified"),
    [
        ("每週五前報送", "每周五前报送"),  # characters changed alone
        ("工作深沈紮實", "工作深沉扎实"),
        ("意志消沈", "意志消沉"),  # a phrase whose characters do not change alone
        ("2022年11月底前", "2022年11月底前"),
    ],
)
def test_simplified(line: str, simplified: str) -> None:
    assert _simplified(line) == simplified


# Simplified text, traditional characters, and the characters of phrases
# t2s changes as a whole.
_ALPHABET = st.sampled_from([*"年月日前底每季度工作方案深沈消意志回覆毛坏週報個會議國務院辦公廳關於", "，", "1", " "])


@given(st.lists(_ALPHABET, max_size=30).map("".join))
def test_skipping_the_conversion_changes_nothing(line: str) -> None:
    assert _simplified(line) == _T2S.convert(line)
