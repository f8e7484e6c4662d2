"""Command start-up and a whole parse, as whole processes: ``duban --help``,
``duban parse`` of the seed, and JioNLP's whole process reading the same
file (its time extraction over every line), beside each other. The three
take turns round by round and the figures are medians, so a drift in the
machine's speed does not land on one side.

Targets: ``duban --help`` under 150 ms; ``duban parse`` of the seed at
least 3 times faster than JioNLP's process.

Run: make bench  (installs jionlp into the venv first)
"""

from __future__ import annotations

import importlib.util
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "tests" / "fixtures" / "seed-work-plans-2022.txt"
ROUNDS = 7
DUBAN = [sys.executable, "-m", "duban.cli"]
JIONLP = [
    sys.executable,
    "-c",
    "import sys, time, jionlp\n"
    "base = time.mktime((2022, 6, 1, 0, 0, 0, 0, 0, 0))\n"
    "text = open(sys.argv[1], encoding='utf-8').read()\n"
    "found = sum(len(jionlp.ner.extract_time(line, time_base=base)) for line in text.splitlines() if line.strip())\n"
    "print(found)\n",
    str(SEED),
]
RUNS = {
    "duban --help": [*DUBAN, "--help"],
    "duban --version": [*DUBAN, "--version"],
    "duban parse seed (jsonl)": [*DUBAN, "parse", "--format", "jsonl", str(SEED)],
    "jionlp extract_time seed": JIONLP,
}


def _once(command: list[str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, check=False, cwd=ROOT)
    took = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command[:4])}… failed: {done.stderr.decode(errors='replace')[-400:]}")
    return took


def main() -> None:
    runs = dict(RUNS)
    if importlib.util.find_spec("jionlp") is None:
        print("jionlp is not installed (make bench installs it): comparing duban with itself only")
        runs.pop("jionlp extract_time seed")
    for command in runs.values():
        _once(command)  # warm the file cache and the bytecode
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(ROUNDS):
        for name, command in runs.items():
            times[name].append(_once(command))
    print(f"whole processes, median of {ROUNDS} rounds taken in turn")
    for name, values in times.items():
        print(f"  {name:28} {statistics.median(values) * 1000:7.0f} ms   (min {min(values) * 1000:.0f} ms)")
    helped = statistics.median(times["duban --help"]) * 1000
    print(f"duban --help: {helped:.0f} ms (target under 150 ms: {'met' if helped < 150 else 'not met'})")
    if "jionlp extract_time seed" in times:
        ratios = [
            j / d for j, d in zip(times["jionlp extract_time seed"], times["duban parse seed (jsonl)"], strict=True)
        ]
        ratio = statistics.median(ratios)
        print(
            f"duban parse of the seed is {ratio:.2f}× as fast as JioNLP's process (target 3×: "
            f"{'met' if ratio >= 3 else 'not met'})"
        )


if __name__ == "__main__":
    main()
