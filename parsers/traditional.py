"""The characters OpenCC's traditional-to-simplified conversion (t2s) can
change, so that a line holding none of them skips the conversion: it would
come back as it went in. Most lines of a plan written in simplified
Chinese hold none.

Two kinds: characters t2s changes on their own (one call to OpenCC finds
them), and one character of each phrase t2s changes although none of its
characters changes alone ("深沈" -> "深沉"). The phrases are in OpenCC's
binary dictionary, which only its ``opencc_dict`` tool reads, so the set is
derived once and kept in ``traditional.txt`` next to this module. A test
derives it again from the installed OpenCC and fails if the kept set lacks
a character. To rewrite it: ``python -m parsers.traditional``.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import opencc

KEPT = Path(__file__).with_name("traditional.txt")
# Planes and blocks of CJK ideographs, with the compatibility ideographs
# that OpenCC folds into their unified forms.
_BLOCKS = (
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0x20000, 0x2A6DF),
    (0x2A700, 0x2EBEF),
    (0x2F800, 0x2FA1F),
    (0x30000, 0x3134F),
)

T2S_CHANGES: frozenset[str] = frozenset(KEPT.read_text(encoding="utf-8").strip())


def _changed_alone(converter: opencc.OpenCC) -> set[str]:
    chars = [chr(code) for first, last in _BLOCKS for code in range(first, last + 1)]
    # One character per line: a phrase never spans a line break.
    converted = converter.convert("\n".join(chars)).split("\n")
    return {ch for ch, out in zip(chars, converted, strict=True) if ch != out}


def _phrases() -> list[tuple[str, str]]:
    """The t2s phrase dictionary, as (traditional, simplified) pairs."""
    share = Path(opencc.__file__).parent / "clib"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "phrases.txt"
        subprocess.run(
            [
                str(share / "bin" / "opencc_dict"),
                "-i",
                str(share / "share" / "opencc" / "TSPhrases.ocd2"),
                "-o",
                str(out),
                "-f",
                "ocd2",
                "-t",
                "text",
            ],
            check=True,
            capture_output=True,
        )
        rows = [line.split("\t") for line in out.read_text(encoding="utf-8").splitlines() if "\t" in line]
    return [(row[0], row[1].split(" ")[0]) for row in rows]


def derive() -> frozenset[str]:
    """The characters the installed OpenCC's t2s can change, as above."""
    converter = opencc.OpenCC("t2s")
    alone = _changed_alone(converter)
    found = set(alone)
    for phrase, simplified in _phrases():
        if phrase == simplified or alone.intersection(phrase):
            continue
        # One of the phrase's characters is enough: a line holding the
        # phrase holds all of them.
        found.add(next((a for a, b in zip(phrase, simplified, strict=False) if a != b), phrase[0]))
    return frozenset(found)


if __name__ == "__main__":
    KEPT.write_text("".join(sorted(derive())) + "\n", encoding="utf-8")
