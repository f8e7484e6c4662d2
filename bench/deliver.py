"""Delivery benchmark: signed webhooks to ten local receivers.

Prints, in one run:
- deliveries per second with ten fast endpoints (the baseline);
- the same with one of the ten answering after 2 s: the nine others'
  throughput, and what the slow one cost them (target under 10 %).
Target: at least 500 deliveries/s overall on this 2-core machine.

The receivers run in another process (an asyncio HTTP/1.1 server with
keep-alive), so the sender's figures are not its own receivers' cost.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import multiprocessing
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from notifiers.base import Notification, Target  # noqa: E402
from notifiers.webhook import WebhookNotifier  # noqa: E402
from scheduler.outbox import Job, Outcome, Sender  # noqa: E402

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
FAST_EACH = 400
SLOW_COUNT = 16


def _receivers(ports: list[int], slow_port: int | None, ready: multiprocessing.synchronize.Event) -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, slow: bool) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                await reader.readexactly(length)
                if slow:
                    await asyncio.sleep(2.0)
                writer.write(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionResetError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        servers = []
        for port in ports:
            slow = port == slow_port
            servers.append(await asyncio.start_server(lambda r, w, s=slow: handle(r, w, s), "127.0.0.1", port))
        ready.set()
        await asyncio.Event().wait()

    asyncio.run(main())


def _free_ports(n: int) -> list[int]:
    import socket

    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def _note(i: int) -> Notification:
    return Notification(
        delivery_id=i,
        milestone_key=f"m-{i}",
        event="reminder.due_soon",
        plan="XX局2022年工作方案",
        plan_id="p",
        section=["一、任务"],
        task="开展排查",
        owners={"lead": ["办公室"], "support": []},
        quote="2022年11月30日前",
        line=3,
        kind="deadline",
        due=dt.date(2022, 11, 30),
        start=None,
        occurrence=dt.date(2022, 11, 30),
        workdays_left=5,
        status="due soon",
    )


def run(ports: list[int], slow_port: int | None) -> tuple[float, float, int]:
    """Returns (overall deliveries/s, fast endpoints' deliveries/s, failures)."""
    jobs: list[Job] = []
    i = 0
    for port in ports:
        count = SLOW_COUNT if port == slow_port else FAST_EACH
        for _ in range(count):
            i += 1
            jobs.append(Job(i, 0, "webhook", Target(f"http://127.0.0.1:{port}/hook", SECRET), _note(i)))
    # Interleave endpoints, as a burst of reminders would.
    jobs.sort(key=lambda j: (j.delivery_id % FAST_EACH, j.target.address))
    slow_ids = {j.delivery_id for j in jobs if slow_port and j.target.address.endswith(f":{slow_port}/hook")}
    sender = Sender({"webhook": WebhookNotifier(allowed={"127.0.0.1"})}, concurrency=4)
    fast_done: list[float] = []
    start = time.perf_counter()

    def on_done(batch: list[Outcome]) -> None:
        now = time.perf_counter()
        fast_done.extend(now for o in batch if o.delivery_id not in slow_ids)

    outcomes = asyncio.run(sender.run(jobs, on_done, flush_every=0.01))
    total = time.perf_counter() - start
    fast_time = max(fast_done) - start
    failures = sum(o.error is not None for o in outcomes)
    return len(jobs) / total, len(fast_done) / fast_time, failures


def main() -> None:
    ports = _free_ports(10)
    ready = multiprocessing.Event()
    receivers = multiprocessing.Process(target=_receivers, args=(ports, ports[-1], ready), daemon=True)
    receivers.start()
    ready.wait(10)
    try:
        run(ports[:-1], None)  # warm up
        base_all, base_fast, f1 = run(ports[:-1], None)  # baseline: the nine fast endpoints alone
        with_slow_all, with_slow_fast, f2 = run(ports, ports[-1])
    finally:
        receivers.terminate()
    print(f"nine fast endpoints alone, {FAST_EACH} signed webhooks each: {base_all:,.0f} deliveries/s (target >= 500)")
    print(f"  with a tenth answering after 2 s ({SLOW_COUNT} to it): {with_slow_fast:,.0f} deliveries/s to the nine")
    print(f"  cost of the slow endpoint to the others: {max(0.0, 1 - with_slow_fast / base_fast):.1%} (target < 10%)")
    print(f"  overall with the slow one (its 2 s replies included): {with_slow_all:,.0f} deliveries/s")
    print(f"failures: {f1 + f2}")


if __name__ == "__main__":
    main()
