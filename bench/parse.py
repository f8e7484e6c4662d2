"""Parser benchmark: the seed end to end, and time expressions per second
and accuracy beside JioNLP's ``parse_time`` and dateparser's
``search_dates`` on the same quotes (the gold's dated milestones). The
parsers take turns round by round and the ratio is the median of the
rounds' ratios, so a drift in the machine's speed does not land on one side.

Run: make bench  (installs jionlp and dateparser into the venv first)
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from parsers.documents import load_document  # noqa: E402
from parsers.normalize import normalize_line  # noqa: E402
from parsers.pipeline import parse_document  # noqa: E402
from parsers.timeexpr import Context, find_time_expressions  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
SEED = FIXTURES / "seed-work-plans-2022.txt"
GOLD = FIXTURES / "seed-dev.jsonl"
DATED = ("deadline", "range", "start")
ROUNDS = 9

Answer = tuple[str | None, str | None]  # (start, due) as ISO dates


def _expected(g: dict[str, Any]) -> Answer:
    if g["kind"] == "deadline":
        return None, g["due"]
    if g["kind"] == "range":
        return g["start"], g["due"]
    return g["start"], None


@lru_cache(maxsize=64)
def _context(ref: dt.date) -> Context:
    """One context per reference date, as the parser makes one per plan.
    Phrases without a year resolve forward from the reference date (spec)."""
    return Context(ref=ref, forward_from=ref)


def ours(quote: str, ref: dt.date) -> Answer:
    # Uncached normalization: every call does the whole work.
    for e in find_time_expressions(normalize_line.__wrapped__(quote).text, _context(ref)):
        if e.kind in DATED:
            start = e.begin.isoformat() if e.begin else None
            return (start if e.kind != "deadline" else None), (e.due.isoformat() if e.due else None)
    return None, None


def jionlp_answer(quote: str, ref: dt.date) -> Answer:
    import jionlp

    base = time.mktime(ref.timetuple())
    try:
        out = jionlp.parse_time(quote, time_base=base)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError):
        return None, None
    span = out.get("time") if isinstance(out, dict) else None
    if not isinstance(span, list) or len(span) != 2 or not all(isinstance(s, str) for s in span):
        return None, None
    return span[0][:10], span[1][:10]


def dateparser_answer(quote: str, ref: dt.date) -> Answer:
    from dateparser.search import search_dates

    base = dt.datetime.combine(ref, dt.time())
    found = search_dates(quote, languages=["zh"], settings={"RELATIVE_BASE": base, "PREFER_DATES_FROM": "future"})
    if not found:
        return None, None
    days = [d.date().isoformat() for _, d in found]
    return days[0], days[-1]


def correct(kind: str, want: Answer, got: Answer) -> bool:
    if kind == "deadline":
        return got[1] == want[1]
    if kind == "range":
        return got == want
    return got[0] == want[0]


def accuracy(fn: Callable[[str, dt.date], Answer], cases: list[dict[str, Any]]) -> float:
    hits = 0
    for g in cases:
        hits += correct(g["kind"], _expected(g), fn(g["quote"], dt.date.fromisoformat(g["ref"])))
    return hits / len(cases)


def one_round(fn: Callable[[str, dt.date], Answer], cases: list[dict[str, Any]], repeat: int) -> float:
    """Expressions per second over ``repeat`` passes on every case."""
    refs = [(g["quote"], dt.date.fromisoformat(g["ref"])) for g in cases]
    start = time.perf_counter()
    for _ in range(repeat):
        for quote, ref in refs:
            fn(quote, ref)
    return repeat * len(refs) / (time.perf_counter() - start)


def throughputs(
    peers: list[tuple[str, Callable[[str, dt.date], Answer], int]], cases: list[dict[str, Any]], rounds: int
) -> dict[str, list[float]]:
    """Rounds taken in turn, each peer once per round, so that all see the
    machine in the same state (its speed drifts on a shared host); the
    ratio of two peers is then taken round by round."""
    out: dict[str, list[float]] = {name: [] for name, _, _ in peers}
    for _ in range(rounds):
        for name, fn, repeat in peers:
            out[name].append(one_round(fn, cases, repeat))
    return out


def seed_end_to_end(runs: int = 20) -> tuple[float, float]:
    """The first parse in this process and the median of ``runs`` (ms); the
    cache of normalized lines is cleared before each."""
    times = []
    for _ in range(runs):
        normalize_line.cache_clear()
        start = time.perf_counter()
        document = load_document(SEED)
        parse_document(document, imported=dt.date(2026, 11, 29), doc="seed")
        times.append(time.perf_counter() - start)
    return times[0] * 1000, statistics.median(times) * 1000


def main() -> None:
    warnings.filterwarnings("ignore")
    gold = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    cases = [g for g in gold if g["kind"] in DATED]
    first, median = seed_end_to_end()
    print(f"seed end to end: {median:.1f} ms (median of 20, line cache cleared; target < 150 ms), first {first:.1f} ms")
    peers: list[tuple[str, Callable[[str, dt.date], Answer], int]] = [("duban", ours, 10)]
    for name, fn, repeat in (
        ("jionlp.parse_time", jionlp_answer, 1),
        ("dateparser.search_dates", dateparser_answer, 1),
    ):
        try:
            fn("2022年11月底前", dt.date(2022, 1, 1))
        except ImportError:
            print(f"{name}: not installed (pip install -e '.[bench]')")
            continue
        peers.append((name, fn, repeat))
    rates = throughputs(peers, cases, ROUNDS)
    ours_rates = rates["duban"]
    print(f"\n{len(cases)} dated gold quotes (deadline, range, start); {ROUNDS} rounds, peers in turn")
    print(f"{'parser':<26}{'accuracy':>10}{'expr/s':>12}{'duban is':>12}")
    for name, parser, _ in peers:
        ratio = statistics.median(o / r for o, r in zip(ours_rates, rates[name], strict=True))
        rate = statistics.median(rates[name])
        print(f"{name:<26}{accuracy(parser, cases):>10.1%}{rate:>12,.0f}{ratio:>11.1f}x")
    print("targets: seed < 150 ms, 20x jionlp.parse_time, accuracy above both")


if __name__ == "__main__":
    main()
