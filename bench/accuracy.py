"""Accuracy benchmark: per-kind precision and recall of ``duban parse`` on
whole documents (the development corpus, reference dates inferred as a user
would get them, and the seed's answer key), then the dated gold quotes read
one by one by duban, JioNLP's ``parse_time`` and dateparser's
``search_dates``, each with the gold's reference date, in one run.

Run: make bench  (installs jionlp and dateparser into the venv first)
"""

from __future__ import annotations

import datetime as dt
import sys
import warnings
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.parse import DATED, Answer, correct, dateparser_answer, jionlp_answer, ours  # noqa: E402
from parsers.pipeline import ParseResult, parse_path  # noqa: E402
from tests.conftest import FIXTURES, load_jsonl  # noqa: E402
from tests.parsers.test_corpus import _correct, _lead, _overlap  # noqa: E402

CORPUS = FIXTURES / "corpus"
IMPORTED = dt.date(2026, 11, 30)
KINDS = ("deadline", "range", "start", "recurring", "relative", "ongoing", "unresolved")


def per_kind(
    gold: list[dict[str, Any]], results: dict[str, ParseResult], lines: dict[str, set[int]] | None = None
) -> tuple[dict[str, Counter[str]], Counter[str]]:
    """(gold, predicted, correct) per kind, and lead owners right on matches."""
    preds: dict[tuple[str, int], list[dict[str, Any]]] = {}
    predicted: Counter[str] = Counter()
    for doc, result in results.items():
        for m in result.milestones:
            if lines is not None and m.line not in lines[doc]:
                continue
            row = m.as_dict()
            preds.setdefault((doc, m.line), []).append(row)
            predicted[m.kind] += 1
    counts: dict[str, Counter[str]] = {k: Counter() for k in KINDS}
    taken: set[int] = set()
    owners = Counter[str]()
    for g in gold:
        counts[g["kind"]]["gold"] += 1
        cands = [p for p in preds.get((g["doc"], g["line"]), []) if id(p) not in taken]
        best = max(cands, key=lambda p: _overlap(g["quote"], p["quote"]), default=None)
        if best is None or _overlap(g["quote"], best["quote"]) < 0.5:
            continue
        taken.add(id(best))
        counts[g["kind"]]["correct"] += _correct(g, best)
        if _lead(g.get("owners")):
            owners["owned"] += 1
            owners["right"] += _lead(g["owners"]) == _lead(best["owners"])
    for kind in KINDS:
        counts[kind]["predicted"] = predicted[kind]
    return counts, owners


def print_kinds(title: str, counts: dict[str, Counter[str]], owners: Counter[str]) -> None:
    print(f"\n{title}")
    print(f"{'kind':<12}{'gold':>6}{'found':>7}{'right':>7}{'precision':>11}{'recall':>8}")
    total: Counter[str] = Counter()
    for kind, c in counts.items():
        total.update(c)
        p = c["correct"] / c["predicted"] if c["predicted"] else 0.0
        r = c["correct"] / c["gold"] if c["gold"] else 0.0
        print(f"{kind:<12}{c['gold']:>6}{c['predicted']:>7}{c['correct']:>7}{p:>11.1%}{r:>8.1%}")
    p, r = total["correct"] / total["predicted"], total["correct"] / total["gold"]
    f1 = 2 * p * r / (p + r)
    print(f"{'all':<12}{total['gold']:>6}{total['predicted']:>7}{total['correct']:>7}{p:>11.1%}{r:>8.1%}  F1 {f1:.3f}")
    print(f"lead owners exact on matched items: {owners['right'] / owners['owned']:.3f}")


def quotes(gold: list[dict[str, Any]]) -> None:
    cases = [g for g in gold if g["kind"] in DATED]
    peers: list[tuple[str, Callable[[str, dt.date], Answer]]] = [("duban", ours)]
    for name, fn in (("jionlp.parse_time", jionlp_answer), ("dateparser.search_dates", dateparser_answer)):
        try:
            fn("2022年11月底前", dt.date(2022, 1, 1))
        except ImportError:
            print(f"{name}: not installed (pip install -e '.[bench]')")
            continue
        peers.append((name, fn))
    print(f"\n{len(cases)} dated gold quotes (deadline, range, start), each read alone with its reference date")
    print(f"{'parser':<26}" + "".join(f"{k:>10}" for k in DATED) + f"{'all':>10}")
    for name, fn in peers:
        right: Counter[str] = Counter()
        for g in cases:
            want = (g["start"] if g["kind"] != "deadline" else None, g["due"] if g["kind"] != "start" else None)
            right[g["kind"]] += correct(g["kind"], want, fn(g["quote"], dt.date.fromisoformat(g["ref"])))
        by_kind = Counter(g["kind"] for g in cases)
        cells = "".join(f"{right[k] / by_kind[k]:>10.1%}" for k in DATED)
        print(f"{name:<26}{cells}{sum(right.values()) / len(cases):>10.1%}")


def main() -> None:
    warnings.filterwarnings("ignore")
    manifest = load_jsonl(CORPUS / "manifest.jsonl")
    corpus_gold = load_jsonl(CORPUS / "gold.jsonl")
    corpus = {row["id"]: parse_path(CORPUS / "docs" / f"{row['id']}.txt", imported=IMPORTED) for row in manifest}
    print_kinds("corpus: 20 whole plans, reference dates inferred", *per_kind(corpus_gold, corpus))
    seed_gold = load_jsonl(FIXTURES / "seed-dev.jsonl")
    spans = [tuple(int(x) for x in s.split("-")) for s in (FIXTURES / "seed-dev.lines").read_text().strip().split(",")]
    seed = {"seed": parse_path(FIXTURES / "seed-work-plans-2022.txt", imported=IMPORTED, doc="seed")}
    lines = {"seed": {n for a, b in spans for n in range(a, b + 1)}}
    print_kinds("seed answer key: 11 plans of the compendium", *per_kind(seed_gold, seed, lines))
    quotes(corpus_gold + seed_gold)


if __name__ == "__main__":
    main()
