"""``duban plans``: check the configuration, import a plan."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from duban.cli.common import (
    DEFAULT_CONFIG,
    ConfigOption,
    app,
    console,
    engine_of,
    fail,
    group,
    parse_date,
    say,
    settings_of,
    utc_now,
)

plans_app = group("Check and import the configured plans.")
app.add_typer(plans_app, name="plans")


@plans_app.command("check")
def plans_check(config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Validate the configuration; list every error with file and line."""
    settings = settings_of(config)
    say(f"ok: {len(settings.plans)} plan file(s), database {settings.database_url()}")


@plans_app.command("import")
def plans_import(
    path: Annotated[Path, typer.Argument(help="A plan document, or a plan file under config/plans")],
    config: ConfigOption = DEFAULT_CONFIG,
    ref: Annotated[str | None, typer.Option(help="Reference date YYYY-MM-DD")] = None,
) -> None:
    """Parse a plan, store it and plan its reminders; print counts by kind
    and what needs review."""
    from sqlmodel import select

    from config.settings import PlanFile
    from parsers.errors import ParseError
    from scheduler.db import session
    from scheduler.models import Subscription
    from scheduler.reminders import follows_plan, sync_reminders
    from scheduler.service import store_subscriptions
    from scheduler.watch import import_configured

    settings = settings_of(config)
    engine = engine_of(settings)
    now = utc_now()
    configured = next(
        (
            p
            for p in settings.plans.values()
            if settings.plan_paths[p.id].resolve() == path.resolve() or settings.source_path(p) == path.resolve()
        ),
        None,
    )
    if configured is None:
        configured = PlanFile(id=path.stem, source=str(path.resolve()), ref=parse_date(ref))
        settings.plans[configured.id] = configured
        settings.plan_paths[configured.id] = path.resolve()
    elif ref:
        configured = configured.model_copy(update={"ref": parse_date(ref)})
    store_subscriptions(engine, settings)
    try:
        reports = import_configured(engine, settings, configured, now)
    except ParseError as exc:
        raise fail(str(exc)) from None
    sync = sync_reminders(engine, settings.policy_for, settings.calendar(), now)
    out = console()
    for report in reports:
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(report.by_kind.items()))
        out.print(
            f"[bold]{report.plan_id}[/]: {kinds or 'no milestones'}; added {report.added}, changed "
            f"{report.changed}, removed {report.removed}, unchanged {report.unchanged}"
        )
        for m in report.review:
            out.print(
                f"  review line {m.line}: {m.quote} ({m.kind}{'; ' + m.note if m.note else ''})",
                markup=False,
                highlight=False,
            )
        for m in report.open_ended:
            out.print(
                f"  open-ended line {m.line}: {m.quote} ({m.rrule}); the plan names no period: "
                "set `until` in its plan file to bound it",
                markup=False,
                highlight=False,
            )
    out.print(f"reminders: {sync.added} added, {sync.moved} moved, {sync.cancelled} cancelled")
    with session(engine) as s:
        subscriptions = [sub for sub in s.exec(select(Subscription)) if sub.active]
    for report in reports:
        if not any(follows_plan(sub, report.plan_id) for sub in subscriptions):
            say(
                f"duban: no subscriber follows {report.plan_id}: its reminders reach no one; "
                "add [[subscribers]] to a plan file under config/plans"
            )
