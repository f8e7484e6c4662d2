"""Feed benchmark on a 10,000-event feed.

Prints, in one run: the first render after the import, which writes and
stores the text of every event; the cold render (no feed cached in the
process, put together from the stored event text); the render after one
milestone changed; the time of a conditional request answered 304; and
requests per second for 304s from a load generator in another process on
loopback (bounded: a fixed number of requests). The baselines beside them
are the first render (what every cold render cost before event text was
stored) and a full 200 response of the same feed, which is what every poll
would cost without ETags.
Targets: cold under 300 ms, 304 under 5 ms, at least 500 requests/s.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import multiprocessing
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from sqlalchemy import select, update  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from duban.web import ServerThread, create_app  # noqa: E402
from parsers.pipeline import PlanResult, parse_path  # noqa: E402
from scheduler.db import create_all, make_engine  # noqa: E402
from scheduler.feeds import FeedSpec, render  # noqa: E402
from scheduler.importer import PlanImport, import_plans  # noqa: E402
from scheduler.models import Milestone, table  # noqa: E402
from scheduler.policy import ReminderPolicy  # noqa: E402

SEED = ROOT / "tests" / "fixtures" / "seed-work-plans-2022.txt"
NOW = dt.datetime(2026, 11, 29, 1, 0, tzinfo=dt.UTC)
REQUESTS = 4000
COLD_RUNS = 7
CONCURRENCY = 16


def _load(url: str, target: int) -> int:
    import copy

    plans: list[PlanResult] = parse_path(SEED, imported=dt.date(2022, 1, 1), doc="seed").plans
    engine = make_engine(url)
    create_all(engine)
    count, years, batch = 0, 0, []
    while count < target:
        for i, plan in enumerate(plans):
            shifted = copy.copy(plan)
            shifted.milestones = []
            for m in plan.milestones:
                if m.kind not in ("deadline", "range", "start", "recurring") or count >= target:
                    continue
                m2 = copy.copy(m)
                m2.start = m.start.replace(year=m.start.year + years, day=min(m.start.day, 28)) if m.start else None
                m2.due = m.due.replace(year=m.due.year + years, day=min(m.due.day, 28)) if m.due else None
                shifted.milestones.append(m2)
                count += 1
            batch.append(PlanImport(f"y{years}/{i}", "seed", "", shifted))
        import_plans(engine, batch, NOW)
        batch, years = [], years + 1
    engine.dispose()
    return count


def _change_one(engine: Engine) -> str:
    """Move one milestone's date the way an import does; returns its key."""
    m = table(Milestone)
    with engine.begin() as c:
        key = c.execute(select(m.c.key).where(m.c.kind == "deadline").limit(1)).scalar_one()
        c.execute(
            update(m).where(m.c.key == key).values(due=dt.date(2030, 1, 2), sequence=m.c.sequence + 1, changed_at=NOW)
        )
    return str(key)


def _load_generator(url: str, etag: str, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    async def main() -> tuple[float, int, dict[str, int]]:
        done = 0
        statuses: dict[int, int] = {}
        errors: dict[str, int] = {}
        limits = httpx.Limits(max_connections=CONCURRENCY)
        async with httpx.AsyncClient(limits=limits, timeout=30) as client:

            async def worker() -> None:
                nonlocal done
                while done < REQUESTS:
                    done += 1
                    try:
                        r = await client.get(url, headers={"If-None-Match": etag})
                    except httpx.HTTPError as exc:
                        errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                        continue
                    statuses[r.status_code] = statuses.get(r.status_code, 0) + 1

            start = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
            return time.perf_counter() - start, statuses.get(304, 0), errors

    try:
        out.put(asyncio.run(main()))
    except BaseException as exc:  # the parent reports it instead of waiting
        out.put(exc)


def _wrk(url: str, etag: str) -> float | None:
    """Requests/s of 304s measured by wrk (Debian's package), if installed:
    a load generator in C leaves the two cores to the server."""
    import re
    import shutil
    import subprocess

    if shutil.which("wrk") is None:
        return None
    done = subprocess.run(
        ["wrk", "-t1", "-c4", "-d5s", "-H", f"If-None-Match: {etag}", url],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    found = re.search(r"Requests/sec:\s+([\d.]+)", done.stdout)
    return float(found.group(1)) if found else None


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/feeds.db"
        events = _load(url, 10_000)
        engine = make_engine(url)
        spec, policy, site = FeedSpec("all"), ReminderPolicy(), "https://duban.example"
        start = time.perf_counter()
        render(engine, spec, policy, site, NOW)
        first_render = time.perf_counter() - start
        cold = []
        for _ in range(COLD_RUNS):
            start = time.perf_counter()
            rendered = render(engine, spec, policy, site, NOW)
            cold.append(time.perf_counter() - start)
        changed = _change_one(engine)
        start = time.perf_counter()
        render(engine, spec, policy, site, NOW)
        one_changed = time.perf_counter() - start
        app = create_app(engine, ReminderPolicy, "https://duban.example", None, lambda: NOW.date())
        server = ServerThread(app)
        server.start()
        feed = f"{server.url}/feeds/all.ics"
        with httpx.Client(timeout=120) as client:
            first = client.get(feed)
            etag = first.headers["etag"]
            full, conditional = [], []
            for _ in range(20):
                start = time.perf_counter()
                client.get(feed)
                full.append(time.perf_counter() - start)
                start = time.perf_counter()
                r = client.get(feed, headers={"If-None-Match": etag})
                conditional.append(time.perf_counter() - start)
                assert r.status_code == 304
        wrk = _wrk(feed, etag)
        # A fresh interpreter: forking a process that runs a server thread
        # can copy a lock in its held state and hang the child.
        spawn = multiprocessing.get_context("spawn")
        queue: multiprocessing.Queue = spawn.Queue()  # type: ignore[type-arg]
        generator = spawn.Process(target=_load_generator, args=(feed, etag, queue))
        generator.start()
        result = queue.get(timeout=300)
        if isinstance(result, BaseException):
            raise RuntimeError(f"the load generator failed: {result!r}")
        seconds, not_modified, errors = result
        generator.join(10)
        server.stop()
        engine.dispose()
    print(f"feed of {rendered.events:,} events ({len(rendered.body) / 1e6:.1f} MB) from {events:,} milestones")
    print(f"first render after the import, writing every event's text (baseline): {first_render * 1000:.0f} ms")
    print(
        f"cold render: {min(cold) * 1000:.0f} ms best, {statistics.median(cold) * 1000:.0f} ms median, "
        f"{max(cold) * 1000:.0f} ms worst of {COLD_RUNS} (target < 300 ms)"
    )
    print(f"render after one milestone changed ({changed}): {one_changed * 1000:.0f} ms")
    print(f"full 200 response (baseline, median of 20): {statistics.median(full) * 1000:.1f} ms")
    print(
        f"conditional request answered 304 (median of 20): {statistics.median(conditional) * 1000:.2f} ms "
        "(target < 5 ms)"
    )
    if wrk is not None:
        print(f"304s from wrk (4 connections, 5 s): {wrk:,.0f} requests/s (target >= 500)")
    else:
        print("304s from wrk: not installed (apt-get install wrk; `make bench` does)")
    print(
        f"304s from a Python load generator ({CONCURRENCY} connections, {REQUESTS} requests): "
        f"{not_modified / seconds:,.0f} requests/s, errors: {errors or 'none'} "
        "(bound by the client, which shares the machine's cores with the server; wrk's figure is the measure)"
    )


if __name__ == "__main__":
    main()
