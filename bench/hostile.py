"""Reading time of hostile and huge documents, as seconds per MB at three
sizes of each, so that growth faster than the text shows as a rising
figure. Each reading runs in a process of its own (its peak memory is its
own): load, decode and parse, as ``duban parse`` does.

Targets: every case under 2 s per MB at every size, and not rising with
size; a 50 MB compendium under 8 s and 250 MB.

Run: .venv/bin/python bench/hostile.py [--big]   (--big adds the 50 MB compendium)
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "tests" / "fixtures" / "seed-work-plans-2022.txt"
TASK = "(一)各乡镇要于2025年6月底前完成排查整治,建立问题清单。(牵头单位:县住建局;配合单位:各乡镇)"


def _one_line(unit: str) -> Callable[[int], tuple[bytes, str]]:
    def make(n: int) -> tuple[bytes, str]:
        return ("XX县2025年工作方案\n一、任务\n" + unit * n + "\n").encode(), ".txt"

    return make


def _html_table(rows: int) -> tuple[bytes, str]:
    body = "".join(
        f"<tr><td>{i}</td><td>开展第{i}项排查</td><td>县住建局</td><td>2025年6月底前</td></tr>" for i in range(rows)
    )
    page = (
        "<html><body><h1>XX县2025年工作方案</h1><table><tr><th>序号</th><th>任务</th><th>牵头单位</th>"
        f"<th>完成时限</th></tr>{body}</table></body></html>"
    )
    return page.encode(), ".html"


def _nested_divs(depth: int) -> tuple[bytes, str]:
    page = "<html><body>" + "<div>" * depth + "XX县2025年工作方案。6月底前完成。" + "</div>" * depth + "</body></html>"
    return page.encode(), ".html"


def _compendium(megabytes: int) -> tuple[bytes, str]:
    """The seed's 21 plans (not the page around them: a page's footer ends
    the compendium), over and over."""
    lines = SEED.read_text(encoding="utf-8").split("\n")
    plans = ("\n".join(lines[63:1559]) + "\n").encode()
    return plans * max(1, megabytes * 2**20 // len(plans)), ".txt"


CASES: dict[str, tuple[Callable[[int], tuple[bytes, str]], tuple[int, ...]]] = {
    "task sentence repeated on one line": (_one_line(TASK), (1000, 2000, 4000)),
    "'6月1日至' repeated on one line": (_one_line("6月1日至"), (2500, 5000, 10000)),
    "'每年' repeated on one line": (_one_line("每年"), (5000, 10000, 20000)),
    "HTML table rows": (_html_table, (7500, 15000, 30000)),
    "nested <div>": (_nested_divs, (5000, 10000, 20000)),
    "seed compendium repeated": (_compendium, (1, 2, 4)),
}
BIG = ("seed compendium, 50 MB", _compendium, 50)

CHILD = """
import datetime as dt, json, resource, sys, time
from parsers.pipeline import parse_path
started = time.perf_counter()
result = parse_path(sys.argv[1], imported=dt.date(2025, 1, 1))
took = time.perf_counter() - started
print(json.dumps({"seconds": took, "milestones": len(result.milestones),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _read(data: bytes, suffix: str) -> dict[str, float]:
    with tempfile.NamedTemporaryFile(suffix=suffix) as f:
        f.write(data)
        f.flush()
        done = subprocess.run([sys.executable, "-c", CHILD, f.name], capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(done.stderr[-600:])
    figures: dict[str, float] = json.loads(done.stdout)
    return figures


def main() -> None:
    print(f"{'case':38} {'size':>9} {'seconds':>8} {'s/MB':>7} {'peak MB':>8}")
    worst = 0.0
    for name, (make, sizes) in CASES.items():
        for n in sizes:
            data, suffix = make(n)
            mb = len(data) / 2**20
            got = _read(data, suffix)
            per_mb = got["seconds"] / mb
            worst = max(worst, per_mb)
            print(f"{name:38} {mb:7.2f}MB {got['seconds']:8.2f} {per_mb:7.2f} {got['peak_mb']:8.0f}")
    print(f"worst: {worst:.2f} s per MB (target under 2)")
    if "--big" in sys.argv:
        name, make_big, megabytes = BIG
        data, suffix = make_big(megabytes)
        got = _read(data, suffix)
        print(
            f"{name}: {got['seconds']:.1f} s, peak {got['peak_mb']:.0f} MB, {got['milestones']:.0f} milestones "
            "(target under 8 s and 250 MB)"
        )


if __name__ == "__main__":
    main()
