"""``duban subscribers``: who is told, and a test message through the real
channel."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

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
    group_config,
    say,
    settings_of,
    table,
    utc_now,
    write_json,
)

if TYPE_CHECKING:
    pass

subscribers_app = group("The configured subscribers.", listing=True)
app.add_typer(subscribers_app, name="subscribers")


@subscribers_app.callback()
def subscribers_list(ctx: typer.Context, config: ConfigOption = DEFAULT_CONFIG, format: FormatOption = "table") -> None:
    """Every subscriber: its id, channel, masked target, and what it follows."""
    from notifiers.http import masked

    if ctx.invoked_subcommand is not None:
        ctx.obj = config
        return
    settings = settings_of(config)
    rows: list[dict[str, Any]] = [
        {
            "id": sid,
            "channel": sub.channel,
            "target": masked(sub.target),
            "plans": sub.plans or [plan.id],
            "owners": sub.owners,
            "mode": sub.mode,
        }
        for sid, plan, sub in settings.subscribers()
    ]
    if format == "json":
        write_json(rows)
        return
    if not rows:
        raise fail("no subscribers: add [[subscribers]] to a plan file under config/plans", 1)
    out = table(None, ("id", "channel", "target", "plans", "owners", "mode"), {"target": 2, "plans": 1, "owners": 1})
    for row in rows:
        out.add_row(
            str(row["id"]),
            str(row["channel"]),
            str(row["target"]),
            "、".join(row["plans"]),
            "、".join(row["owners"]) or "全部",
            str(row["mode"]),
        )
    console().print(out)


@subscribers_app.command("test")
def subscribers_test(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A subscriber id (plan:n or its own id)")],
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Send a message marked as a test to a subscriber now, through its
    real channel, and say whether it arrived."""
    from scheduler.senders import TestFailed, send_test

    settings = settings_of(group_config(ctx, config))
    try:
        say(send_test(settings, engine_of(settings), name, utc_now()))
    except KeyError as exc:
        raise fail(str(exc.args[0]), 1) from None
    except TestFailed as exc:
        raise fail(str(exc), 1) from None
