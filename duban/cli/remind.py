"""``duban remind --preview``: the reminders a plan will send, to whom and
when, without sending anything."""

from __future__ import annotations

from typing import Annotated

import typer

from duban.cli.common import (
    DEFAULT_CONFIG,
    ConfigOption,
    FormatOption,
    app,
    engine_of,
    fail,
    settings_of,
    utc_now,
    write_json,
)


@app.command()
def remind(
    plan: Annotated[str, typer.Argument(help="A plan id (as `duban status` and the feeds name it), or its file's id")],
    preview: Annotated[bool, typer.Option("--preview", help="Show the reminders without sending them")] = False,
    config: ConfigOption = DEFAULT_CONFIG,
    days: Annotated[int, typer.Option(help="How many days ahead")] = 30,
    format: FormatOption = "table",
) -> None:
    """Show what a plan's reminders will send, to whom and when (--preview).
    Reminders are sent by `duban serve` at their time."""
    import datetime as dt
    import sys
    from zoneinfo import ZoneInfo

    from notifiers.http import masked
    from notifiers.text import markdown, title, when
    from scheduler.preview import reminder_preview

    if not preview:
        raise fail("`duban remind` only previews: add --preview (reminders are sent by `duban serve` at their time)")
    settings = settings_of(config)
    engine = engine_of(settings)
    now = utc_now()
    zone = ZoneInfo(settings.timezone)
    previews = reminder_preview(
        engine, plan, now, now + dt.timedelta(days=days), settings.calendar(), settings.duban.delivery.base_url
    )
    if previews is None:
        raise fail(f"no plan {plan!r} in the database: `duban plans import` it first, or see `duban status`", 1)
    if format == "json":
        write_json(
            [
                {
                    "at": p.fire_at.astimezone(zone).isoformat(),
                    "event": p.note.event,
                    "task": p.note.task,
                    "due": p.note.due or p.note.occurrence,
                    "to": [
                        {"id": s.id, "channel": s.channel, "target": masked(s.target), "mode": s.mode}
                        for s in p.subscribers
                    ],
                    "message": markdown(p.note),
                }
                for p in previews
            ]
        )
        return
    if not previews:
        sys.stdout.write(f"no reminder of {plan} in the next {days} days\n")
        return
    for p in previews:
        at = p.fire_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        sys.stdout.write(f"{at}  {title(p.note)}（{when(p.note)}）\n")
        for s in p.subscribers:
            digest = " (in the daily digest)" if s.mode == "digest" else ""
            sys.stdout.write(f"  → {s.id}: {s.channel} {masked(s.target)}{digest}\n")
        if not p.subscribers:
            sys.stdout.write("  → no subscriber follows it: it reaches no one\n")
