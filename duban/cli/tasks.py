"""``duban status``, ``duban done`` and ``duban undone``: where the work
stands, and marking it done."""

from __future__ import annotations

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
    parse_date,
    say,
    settings_of,
    table,
    today,
    utc_now,
    write_json,
)

if TYPE_CHECKING:
    from scheduler.status import TaskStatus

_STYLE = {
    "overdue": "red",
    "due today": "bold yellow",
    "due soon": "yellow",
    "on track": "green",
    "done": "dim",
    "ended": "dim",
}
_QUIET = ("done", "on track", "ended")  # shown with --all only


@app.command()
def status(
    config: ConfigOption = DEFAULT_CONFIG,
    owner: Annotated[str | None, typer.Option(help="Only tasks of this unit (lead or support)")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Include done, on-track and ended tasks")] = False,
    format: FormatOption = "table",
) -> None:
    """Upcoming and overdue work."""
    from sqlmodel import select

    from scheduler.db import session
    from scheduler.models import MilestoneOwner
    from scheduler.status import task_statuses

    settings = settings_of(config)
    engine = engine_of(settings)
    day = today(settings.timezone)
    rows = task_statuses(engine, day, owner)
    if owner and not rows:
        with session(engine) as s:
            units = sorted({o.unit for o in s.exec(select(MilestoneOwner))})
        known = "、".join(units[:12]) + ("…" if len(units) > 12 else "")
        raise fail(f"no task names {owner!r} as an owner; owners: {known or 'none yet'}", 1)
    shown = [r for r in rows if all_ or r.status not in _QUIET]
    if format == "json":
        write_json([_status_row(r) for r in shown])
        return
    out = table(
        f"duban status {day}", ("status", "due", "task", "owners", "plan", "key"), {"task": 3, "owners": 2, "plan": 2}
    )
    for row in shown:
        due = row.overdue_since if row.status == "overdue" else row.next_due
        escalated = f"\n[red]escalated {row.escalated:%Y-%m-%d}[/]" if row.escalated else ""
        out.add_row(
            f"[{_STYLE[row.status]}]{row.status}[/]{escalated}",
            str(due or "—"),
            row.task,
            "、".join(row.owners) + (f"（配合：{'、'.join(row.support)}）" if row.support else ""),
            row.plan,
            row.task_key[:10],
        )
    console().print(out)


def _status_row(row: TaskStatus) -> dict[str, object]:
    due = row.overdue_since if row.status == "overdue" else row.next_due
    return {
        "status": row.status,
        "due": due.isoformat() if due else None,
        "task": row.task,
        "lead": row.owners,
        "support": row.support,
        "plan": row.plan,
        "key": row.task_key,
        "escalated": row.escalated.isoformat() if row.escalated else None,
    }


@app.command()
def done(
    key: Annotated[str, typer.Argument(help="A task key (t-…) or milestone key (m-…), or a unique prefix")],
    config: ConfigOption = DEFAULT_CONFIG,
    occurrence: Annotated[
        str | None, typer.Option(help="One day of a cadence (YYYY-MM-DD): the task's key is enough")
    ] = None,
) -> None:
    """Mark a task, a milestone or one occurrence of a cadence done."""
    from scheduler.reminders import sync_reminders
    from scheduler.status import mark_done

    settings = settings_of(config)
    engine = engine_of(settings)
    now = utc_now()
    try:
        full = mark_done(engine, key, now, parse_date(occurrence, "--occurrence"))
    except KeyError as exc:
        raise fail(str(exc.args[0]), 1) from None
    sync = sync_reminders(engine, settings.policy_for, settings.calendar(), now)
    what = f"{full} on {occurrence}" if occurrence else full
    say(f"done: {what}; {sync.cancelled} pending reminder(s) cancelled")


@app.command()
def undone(
    key: Annotated[str, typer.Argument(help="The key (or unique prefix) given to `duban done`")],
    config: ConfigOption = DEFAULT_CONFIG,
    occurrence: Annotated[str | None, typer.Option(help="The day of a cadence given to `duban done`")] = None,
) -> None:
    """Take back a `duban done`: the task, milestone or occurrence is due again."""
    from scheduler.reminders import sync_reminders
    from scheduler.status import mark_undone

    settings = settings_of(config)
    engine = engine_of(settings)
    try:
        removed = mark_undone(engine, key, parse_date(occurrence, "--occurrence"))
    except KeyError as exc:
        raise fail(str(exc.args[0]), 1) from None
    if not removed:
        raise fail(f"{key} {'on ' + occurrence if occurrence else ''} was not marked done".replace("  ", " "), 1)
    sync = sync_reminders(engine, settings.policy_for, settings.calendar(), utc_now())
    say(f"undone: {key}; {sync.added + sync.moved} reminder(s) planned again")
