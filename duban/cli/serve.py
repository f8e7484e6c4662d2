"""``duban serve``: the scheduler, the outbox and the HTTP server."""

from __future__ import annotations

from typing import TYPE_CHECKING

from duban.cli.common import DEFAULT_CONFIG, ConfigOption, app, console, fail, say, table, utc_now

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def _print_upcoming(engine: Engine, timezone: str, limit: int = 12) -> None:
    from zoneinfo import ZoneInfo

    from notifiers.text import TITLES
    from scheduler.status import upcoming_reminders

    out = table("next reminders", ("when", "event", "milestone", "plan"), {"milestone": 3, "plan": 2})
    for when, event, phrase, plan in upcoming_reminders(engine, utc_now(), limit):
        at = when.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")
        out.add_row(at, TITLES.get(event, event), phrase, plan)
    console(stderr=True).print(out)


@app.command()
def serve(config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Run the scheduler until stopped."""
    import logging
    import signal
    import threading

    from config.settings import ConfigError, ConfigStore
    from scheduler.leader import AlreadyServing
    from scheduler.service import Service

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for chatty in ("apscheduler", "alembic", "httpx"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    try:
        store = ConfigStore(config)
    except ConfigError as exc:
        for issue in exc.issues:
            say(str(issue))
        raise fail(f"{len(exc.issues)} configuration error(s)", 1) from None
    service = Service(store)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        service.start()
    except AlreadyServing as exc:
        raise fail(str(exc), 1) from None
    listening = f"; feeds and API on {service.http.url}" if service.http is not None else ""
    role = "leading" if service.leading else "standing by to lead"
    say(
        f"duban serving {len(store.current.plans)} plan file(s); database "
        f"{service.engine.url.render_as_string(hide_password=True)}{listening}; {role}"
    )
    _print_upcoming(service.engine, store.current.timezone)
    try:
        stop.wait()
        say("duban stopping: finishing the deliveries under way")
    finally:
        service.stop()
    say("duban stopped")
