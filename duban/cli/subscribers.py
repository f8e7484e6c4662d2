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
    from config.settings import PlanFile, Settings, Subscriber

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


def _find(settings: Settings, name: str) -> tuple[PlanFile | None, Subscriber]:
    """A plan's subscriber and its plan file, or one of the ``[[alerts]]``."""
    for sid, plan, sub in settings.subscribers():
        if sid == name:
            return plan, sub
    for sid, sub in settings.alert_subscribers():
        if sid == name:
            return None, sub
    ids = [sid for sid, _, _ in settings.subscribers()] + [sid for sid, _ in settings.alert_subscribers()]
    raise fail(f"no subscriber {name!r}; subscribers: {', '.join(ids) or 'none'}", 1)


@subscribers_app.command("test")
def subscribers_test(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A subscriber id (plan:n or its own id)")],
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Send a message marked as a test to a subscriber now, through its
    real channel, and say whether it arrived."""
    from notifiers.base import test_notification
    from notifiers.http import masked
    from scheduler.outbox import send_now
    from scheduler.senders import make_sender, target_of

    settings = settings_of(group_config(ctx, config))
    plan, sub = _find(settings, name)
    plan_id = (sub.plans or [plan.id])[0] if plan else "duban"
    plan_title = (plan.title or plan_id) if plan else "duban 服务告警"
    if sub.channel == "log":
        _log_test(settings, name, plan_title)
        say(f"{name}: test recorded in the log channel (the log_entry table)")
        return
    where = f"{sub.channel} {masked(sub.target)}"
    note = test_notification(plan_id, plan_title, utc_now().replace(microsecond=0))
    outcome = send_now(make_sender(settings), sub.channel, target_of(sub), note)
    if outcome.error is not None:
        kind = "will not work until fixed" if outcome.error.permanent else "may pass on a retry"
        raise fail(f"{name}: test to {where} failed ({kind}): {outcome.error}", 1)
    say(f"{name}: test message delivered to {where} (id {note.message_id})")


def _log_test(settings: Settings, sid: str, plan_title: str) -> None:
    from notifiers.text import TEST_WORDS
    from scheduler.db import session
    from scheduler.models import LogEntry

    engine = engine_of(settings)
    with session(engine) as s:
        s.add(LogEntry(target=sid, message=f"【测试消息】{plan_title}：{TEST_WORDS}", written_at=utc_now()))
        s.commit()
