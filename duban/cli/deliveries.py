"""``duban deliveries``: the outbox by hand."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import typer

from duban.cli.common import (
    DEFAULT_CONFIG,
    ConfigOption,
    FormatOption,
    app,
    console,
    engine_of,
    fail,
    group,
    say,
    settings_of,
    table,
    utc_now,
    write_json,
)

if TYPE_CHECKING:
    from scheduler.outbox import OutboxState

deliveries_app = group("The outbox: failed deliveries and retries by hand.")
app.add_typer(deliveries_app, name="deliveries")


@deliveries_app.command("list")
def deliveries_list(
    config: ConfigOption = DEFAULT_CONFIG,
    state: Annotated[str, typer.Option(help="pending, sent or dead")] = "dead",
    format: FormatOption = "table",
) -> None:
    """Deliveries in a state (dead by default), with their last error."""
    from notifiers.http import redact
    from scheduler.outbox import counts_by_state, deliveries_in

    engine = engine_of(settings_of(config))
    rows = deliveries_in(engine, state)
    if format == "json":
        write_json(
            [
                {
                    "id": d.id,
                    "channel": d.channel,
                    "subscriber": d.subscription_id,
                    "attempts": d.attempts,
                    "next_try": d.next_attempt_at,
                    "error": redact(d.error) if d.error else None,
                }
                for d in rows
            ]
        )
        return
    out = table(
        f"{state} deliveries",
        ("id", "channel", "subscriber", "attempts", "next try", "error"),
        {"subscriber": 1, "error": 3},
        wrap=("error",),
    )
    for d in rows:
        out.add_row(
            str(d.id), d.channel, d.subscription_id, str(d.attempts), str(d.next_attempt_at or "—"), d.error or ""
        )
    console().print(out)
    counts = counts_by_state(engine)
    if counts:
        by_channel = (f"{ch} " + ", ".join(f"{n} {st}" for st, n in sorted(by.items())) for ch, by in counts.items())
        say("by channel: " + "; ".join(sorted(by_channel)))


@deliveries_app.command("retry")
def deliveries_retry(
    ids: Annotated[list[int] | None, typer.Argument(help="Delivery ids; all dead deliveries when omitted")] = None,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Put dead deliveries back in the outbox for a new round of tries."""
    from scheduler.outbox import retry_by_hand

    engine = engine_of(settings_of(config))
    count = retry_by_hand(engine, ids or None, utc_now())
    if ids and count != len(ids):
        raise fail(f"{len(ids) - count} of the given deliveries are not dead (or do not exist)", 1)
    say(f"{count} delivery(ies) back in the outbox")


@deliveries_app.command("send")
def deliveries_send(config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Send what is due in the outbox now, once, and report."""
    from scheduler.outbox import deliver_outbox, outbox_state
    from scheduler.senders import make_sender, subscriber_targets

    settings = settings_of(config)
    engine = engine_of(settings)
    outcomes = deliver_outbox(
        engine,
        utc_now,
        make_sender(settings),
        subscriber_targets(settings),
        settings.calendar(),
        settings.duban.delivery.base_url,
    )
    failed = [o for o in outcomes if o.error is not None]
    if outcomes:
        say(f"{len(outcomes) - len(failed)} sent, {len(failed)} failed")
    for o in failed:
        say(f"  delivery {o.delivery_id}: {o.error}")
    for line in _outbox_words(outbox_state(engine, utc_now()), bool(outcomes), settings.timezone):
        say(line)


def _outbox_words(state: OutboxState, sent_some: bool, timezone: str) -> list[str]:
    """What the outbox holds after a pass, so that "nothing sent" is not
    read as "nothing was delivered" when a running server sent it."""
    from zoneinfo import ZoneInfo

    def local(instant: dt.datetime) -> str:
        if instant.tzinfo is None:
            instant = instant.replace(tzinfo=dt.UTC)
        return instant.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")

    lines = [] if sent_some else ["nothing was due in the outbox"]
    if state.waiting:
        when = f", the next at {local(state.next_try)}" if state.next_try else ""
        lines.append(f"{state.waiting} waiting for a later try{when}")
    if state.sent_lately and not sent_some:
        lines.append(
            f"{state.sent_lately} sent in the last hour, the latest at {local(state.last_sent or utc_now())}: "
            "a running `duban serve` sends deliveries as they fall due"
        )
    if state.dead:
        lines.append(f"{state.dead} dead: `duban deliveries list` shows them, `duban deliveries retry` sends again")
    return lines
