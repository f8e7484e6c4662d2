"""``duban plans``: check the configuration, import a plan."""

from __future__ import annotations

import sys
from pathlib import Path
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
    parse_date,
    say,
    settings_of,
    utc_now,
    write_json,
)

if TYPE_CHECKING:
    from scheduler.importer import ImportReport

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
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print what would change against the stored revision; store nothing")
    ] = False,
) -> None:
    """Parse a plan, print what changed against its last revision, store it
    and plan its reminders; print counts by kind and what needs review."""
    from sqlmodel import select

    from config.settings import PlanFile
    from parsers.errors import ParseError
    from scheduler.db import session
    from scheduler.models import Subscription
    from scheduler.reminders import follows_plan, sync_reminders
    from scheduler.service import store_subscriptions
    from scheduler.sources import SourceError
    from scheduler.watch import read_configured, store_document

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
    try:
        document, result = read_configured(settings, configured, now)
    except (ParseError, SourceError) as exc:
        raise fail(str(exc)) from None
    preview = store_document(engine, settings, configured, document, result, now, dry_run=True)
    _print_changes(preview)
    if dry_run:
        say("dry run: nothing stored")
        return
    store_subscriptions(engine, settings)
    reports = store_document(engine, settings, configured, document, result, now)
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


def _print_changes(reports: list[ImportReport]) -> None:
    """What an import changes against each plan's stored revision."""
    for report in reports:
        if report.first:
            say(f"{report.plan_id}: first import")
            continue
        say(f"{report.plan_id}: {len(report.changes) or 'no'} change(s) against the stored revision")
        for change in report.changes:
            say(f"  {change.words}")
        for key in report.contradicted:
            say(f"  an admin's override of {key} is on a milestone this revision changes or removes")


@plans_app.command("history")
def plans_history(
    plan: Annotated[str, typer.Argument(help="A plan id, or a plan file's id for all its plans")],
    config: ConfigOption = DEFAULT_CONFIG,
    format: FormatOption = "table",
) -> None:
    """Every stored revision of a plan, newest first, with what it changed."""
    from sqlmodel import col, select

    from scheduler.db import session
    from scheduler.models import PlanChange, PlanRevision

    engine = engine_of(settings_of(config))
    ours = (col(PlanRevision.plan_id) == plan) | col(PlanRevision.plan_id).startswith(plan + "/", autoescape=True)
    with session(engine) as s:
        revisions = s.exec(select(PlanRevision).where(ours).order_by(col(PlanRevision.id).desc())).all()
        ids = [r.id for r in revisions]
        changes = s.exec(select(PlanChange).where(col(PlanChange.revision_id).in_(ids)).order_by(col(PlanChange.id)))
        by_revision: dict[int, list[PlanChange]] = {}
        for c in changes:
            by_revision.setdefault(c.revision_id, []).append(c)
    if not revisions:
        raise fail(f"no revision of {plan!r} is stored: `duban plans import` it first", 1)
    if format == "json":
        write_json(
            [
                {
                    "revision": r.id,
                    "plan": r.plan_id,
                    "imported_at": r.imported_at.isoformat(timespec="seconds"),
                    "fetched_at": r.fetched_at.isoformat(timespec="seconds") if r.fetched_at else None,
                    "source_digest": r.source_digest,
                    "milestones": r.milestones,
                    "by_kind": r.counts,
                    "changes": [
                        {"kind": c.kind, "task": c.task, "words": c.words} for c in by_revision.get(r.id or 0, [])
                    ],
                }
                for r in revisions
            ]
        )
        return
    for r in revisions:
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(r.counts.items()))
        sys.stdout.write(
            f"revision {r.id}  {r.plan_id}  {r.imported_at:%Y-%m-%d %H:%M}  "
            f"{r.milestones} milestones{' (' + kinds + ')' if kinds else ''}\n"
        )
        for c in by_revision.get(r.id or 0, []):
            sys.stdout.write(f"  {c.words}\n")
