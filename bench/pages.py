"""Pages benchmark: the 总览 of some 2,000 tasks, its .xlsx export, one
plan's view and the review queue, each the median of 7 requests through a
logged-in session, beside the baseline of the same run: ``/api/tasks``,
the JSON of the same task statuses with no page around them.
Target: the 总览 within twice the baseline, under 1 s.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from config.settings import ConfigStore  # noqa: E402
from duban.pages import Site  # noqa: E402
from duban.pages.auth import hash_password  # noqa: E402
from duban.web import ServerThread, create_app  # noqa: E402
from parsers.pipeline import parse_path  # noqa: E402
from scheduler.db import create_all, make_engine  # noqa: E402
from scheduler.importer import PlanImport, import_plans  # noqa: E402

SEED = ROOT / "tests" / "fixtures" / "seed-work-plans-2022.txt"
NOW = dt.datetime(2026, 11, 29, 1, 0, tzinfo=dt.UTC)
COPIES = 12  # the seed's 21 plans this many times over
RUNS = 7


def _median_ms(client: httpx.Client, path: str) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        answer = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        assert answer.status_code == 200, (path, answer.status_code)
    return statistics.median(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "plans").mkdir()
        (root / "duban.toml").write_text(
            f'[service]\ndatabase = "sqlite:///{root}/bench.db"\n\n'
            f'[[admins]]\nname = "bench"\npassword_hash = "{hash_password("bench password")}"\n',
            encoding="utf-8",
        )
        store = ConfigStore(root / "duban.toml")
        engine = make_engine(store.current.database_url())
        create_all(engine)
        plans = parse_path(SEED, imported=dt.date(2022, 1, 1), doc="seed").plans
        text = SEED.read_text(encoding="utf-8")
        items = [
            PlanImport(f"c{n}/{i}", "seed", text, copy.deepcopy(plan))
            for n in range(COPIES)
            for i, plan in enumerate(plans)
        ]
        import_plans(engine, items, NOW)
        site = Site(engine, store, lambda: NOW)
        app = create_app(engine, lambda: store.current.policy_for(""), "http://bench", None, site.today, site=site)
        server = ServerThread(app)
        server.start()
        try:
            with httpx.Client(base_url=server.url, timeout=60) as client:
                token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)
                assert token
                client.post("/login", data={"name": "bench", "password": "bench password", "csrf": token.group(1)})
                tasks = len(client.get("/api/tasks").json())
                baseline = _median_ms(client, "/api/tasks")
                figures = {
                    "总览 /overview": _median_ms(client, "/overview"),
                    "总览 export /overview.xlsx": _median_ms(client, "/overview.xlsx"),
                    "plan view /plans/c0/1": _median_ms(client, "/plans/c0/1"),
                    "review queue /review": _median_ms(client, "/review"),
                }
        finally:
            server.stop()
            engine.dispose()
    print(f"pages over {tasks} tasks ({COPIES}× the seed's {len(plans)} plans), median of {RUNS} requests")
    print(f"  baseline /api/tasks (JSON, same rows): {baseline:8.1f} ms")
    for name, ms in figures.items():
        print(f"  {name:32s} {ms:8.1f} ms  ({ms / baseline:4.1f}× baseline)")
    overview = figures["总览 /overview"]
    verdict = "met" if overview < 1000 and overview < 2 * baseline else "not met"
    print(f"target (总览 under 1 s and within 2× baseline): {verdict}")


if __name__ == "__main__":
    main()
