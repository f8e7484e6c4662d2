"""The ``duban`` command."""

from __future__ import annotations

import datetime as dt
import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated
from urllib.parse import quote
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from config.settings import ConfigError, ConfigStore, PlanFile, Settings, load_settings
from duban.web import feed_links, new_token
from notifiers.ical import calendar_of
from parsers.documents import load_document, split_lines
from parsers.errors import ParseError
from parsers.milestones import Milestone
from parsers.pipeline import ParseResult, PlanResult, parse_document
from scheduler.db import create_all, database_url, make_engine, session
from scheduler.models import FeedToken, MilestoneOwner, Plan, Subscription
from scheduler.outbox import counts_by_state, deliver_outbox, deliveries_in, retry_by_hand
from scheduler.reminders import sync_reminders
from scheduler.service import Service, import_configured, make_sender, store_subscriptions, subscriber_targets
from scheduler.status import TaskStatus, mark_done, mark_undone, task_statuses, upcoming_reminders

TZ = ZoneInfo("Asia/Shanghai")
app = typer.Typer(no_args_is_help=True, add_completion=False, help="Deadlines and reminders for Chinese work plans.")
err = Console(stderr=True, soft_wrap=True)


class Format(StrEnum):
    table = "table"
    jsonl = "jsonl"
    ics = "ics"


def _today() -> dt.date:
    return dt.datetime.now(TZ).date()


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"duban: {message}", markup=False, highlight=False)
    return typer.Exit(code)


def _parse_date(value: str | None, option: str = "--ref") -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise _fail(f"{option} {value!r} is not a date (YYYY-MM-DD)") from None


def _when(m: Milestone) -> str:
    if m.kind == "deadline":
        return f"{m.due}"
    if m.kind == "range":
        return f"{m.start} → {m.due}"
    if m.kind == "start":
        return f"{m.start} →"
    if m.kind == "recurring":
        return m.rrule or ""
    if m.kind == "relative" and m.offset:
        direction = "before" if "before" in m.offset else "after"
        return f"{m.offset['n']} {m.offset['unit']} {direction} {m.offset.get(direction)}"
    return "—"


def _issue_words(plan: PlanResult) -> str:
    if plan.issued is not None:
        return f"issued {plan.issued.date}: {plan.issued.describe()}"
    return "no issue date: no signature date, 印发日期/成文日期 label, page 发布时间 or 印发 line in its text"


def _print_table(result: ParseResult, explain: bool = False) -> None:
    out = Console()
    for plan in result.plans:
        out.rule(f"[bold]{plan.title}[/] (lines {plan.first_line}-{plan.last_line})")
        period = f"; its period ends {plan.until}" if plan.until else ""
        out.print(f"reference date {plan.reference.date} (from {plan.reference.rule}){period}", style="dim")
        if explain:
            out.print(_issue_words(plan), style="dim", markup=False, highlight=False)
            out.print(plan.reference.explain(), style="dim", markup=False, highlight=False)
        if not plan.milestones:
            out.print("no milestones", style="dim")
            continue
        table = Table(show_lines=False, expand=True)
        for column in ("task", "line", "quote", "kind", "when", "owners"):
            table.add_column(column, overflow="fold")
        last_task = None
        for m in plan.milestones:
            owners = "、".join((m.owners or {}).get("lead", []))
            task = m.task if m.task != last_task else ""
            last_task = m.task
            table.add_row(task or "", str(m.line), m.quote, m.kind, _when(m), owners)
        out.print(table)
        if explain:
            for m in plan.milestones:
                note = f"; {m.note}" if m.note else ""
                out.print(
                    f"line {m.line} «{m.quote}»: {m.rule} read «{m.matched}»{note}", markup=False, highlight=False
                )


def _print_references(result: ParseResult, explain: bool = False) -> None:
    for plan in result.plans:
        err.print(
            f"{plan.title}: reference {plan.reference.date} from {plan.reference.rule}, "
            + (f"period ends {plan.until}, " if plan.until else "")
            + f"{len(plan.milestones)} milestones",
            markup=False,
            highlight=False,
        )
        if explain:
            err.print(f"  {_issue_words(plan)}; {plan.reference.explain()}", markup=False, highlight=False)


@app.command()
def parse(
    path: Annotated[Path, typer.Argument(help="A plan: .txt (any Chinese encoding), .docx, .pdf or .html")],
    ref: Annotated[str | None, typer.Option(help="Reference date YYYY-MM-DD for every plan")] = None,
    format: Annotated[Format, typer.Option("--format", "-f", help="table, jsonl or ics")] = Format.table,
    doc: Annotated[str | None, typer.Option(help="Document name written into each milestone")] = None,
    explain: Annotated[
        bool, typer.Option("--explain", help="Say how each milestone and each plan's reference date was read")
    ] = False,
) -> None:
    """Read a plan and print its milestones."""
    reference = _parse_date(ref)
    try:
        document = load_document(path)
        result = parse_document(document, ref=reference, imported=_today(), doc=doc or path.stem)
    except ParseError as exc:
        raise _fail(str(exc)) from None
    if format is Format.table:
        _print_table(result, explain)
        return
    _print_references(result, explain)
    if format is Format.jsonl:
        for m in result.milestones:
            row = m.as_dict() | ({"explain": m.explain()} if explain else {})
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
    else:
        stamp = dt.datetime.now(dt.UTC).replace(microsecond=0)
        milestones = ((m, plan.until) for plan in result.plans for m in plan.milestones)
        sys.stdout.buffer.write(calendar_of(milestones, path.stem, stamp).to_ical())


@app.command()
def text(path: Annotated[Path, typer.Argument(help="A plan document")]) -> None:
    """Print the decoded text that milestone line numbers refer to."""
    try:
        document = load_document(path)
    except ParseError as exc:
        raise _fail(str(exc)) from None
    lines = split_lines(document.text.removesuffix("\n"))  # numbered as the parser numbers them
    width = len(str(len(lines)))
    sys.stdout.write("".join(f"{n:>{width}}  {line}\n" for n, line in enumerate(lines, 1)))


# --- monitored plans, reminders and the service ---------------------------

plans_app = typer.Typer(no_args_is_help=True, help="Check and import the configured plans.")
app.add_typer(plans_app, name="plans")
ConfigOption = Annotated[Path, typer.Option("--config", "-c", help="The service configuration")]
DEFAULT_CONFIG = Path("config/duban.toml")


def _settings(path: Path) -> Settings:
    try:
        return load_settings(path)
    except ConfigError as exc:
        for issue in exc.issues:
            err.print(str(issue), markup=False, highlight=False)
        raise _fail(f"{len(exc.issues)} configuration error(s)", 1) from None


def _engine(settings: Settings) -> Engine:
    engine = make_engine(database_url(settings.database_url()))
    create_all(engine)
    return engine


@plans_app.command("check")
def plans_check(config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Validate the configuration; list every error with file and line."""
    settings = _settings(config)
    err.print(f"ok: {len(settings.plans)} plan file(s), database {settings.database_url()}", markup=False)


@plans_app.command("import")
def plans_import(
    path: Annotated[Path, typer.Argument(help="A plan document, or a plan file under config/plans")],
    config: ConfigOption = DEFAULT_CONFIG,
    ref: Annotated[str | None, typer.Option(help="Reference date YYYY-MM-DD")] = None,
) -> None:
    """Parse a plan, store it and plan its reminders; print counts by kind
    and what needs review."""
    settings = _settings(config)
    engine = _engine(settings)
    now = dt.datetime.now(dt.UTC)
    configured = next(
        (
            p
            for p in settings.plans.values()
            if settings.plan_paths[p.id].resolve() == path.resolve() or settings.source_path(p) == path.resolve()
        ),
        None,
    )
    if configured is None:
        configured = PlanFile(id=path.stem, source=str(path.resolve()), ref=_parse_date(ref))
        settings.plans[configured.id] = configured
        settings.plan_paths[configured.id] = path.resolve()
    elif ref:
        configured = configured.model_copy(update={"ref": _parse_date(ref)})
    store_subscriptions(engine, settings)
    try:
        reports = import_configured(engine, settings, configured, now)
    except ParseError as exc:
        raise _fail(str(exc)) from None
    sync = sync_reminders(engine, settings.policy_for, settings.calendar(), now)
    out = Console()
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
        if not any(_follows(sub, report.plan_id) for sub in subscriptions):
            err.print(
                f"duban: no subscriber follows {report.plan_id}: its reminders reach no one; "
                "add [[subscribers]] to a plan file under config/plans",
                markup=False,
                highlight=False,
            )


def _follows(sub: Subscription, plan_id: str) -> bool:
    return not sub.plans or any(plan_id == p or plan_id.startswith(p + "/") for p in sub.plans)


_STYLE = {
    "overdue": "red",
    "due today": "bold yellow",
    "due soon": "yellow",
    "on track": "green",
    "done": "dim",
    "ended": "dim",
}


@app.command()
def status(
    config: ConfigOption = DEFAULT_CONFIG,
    owner: Annotated[str | None, typer.Option(help="Only tasks of this unit")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Include done, on-track and ended tasks")] = False,
    format: Annotated[str, typer.Option("--format", "-f", help="table or json")] = "table",
) -> None:
    """Upcoming and overdue work."""
    settings = _settings(config)
    engine = _engine(settings)
    today = dt.datetime.now(ZoneInfo(settings.timezone)).date()
    rows = task_statuses(engine, today, owner)
    if owner and not rows:
        with session(engine) as s:
            units = sorted({o.unit for o in s.exec(select(MilestoneOwner))})
        known = "、".join(units[:12]) + ("…" if len(units) > 12 else "")
        raise _fail(f"no task names {owner!r} as an owner; owners: {known or 'none yet'}", 1)
    if format == "json":
        shown = [r for r in rows if all_ or r.status not in ("done", "on track", "ended")]
        sys.stdout.write(json.dumps([_status_row(r) for r in shown], ensure_ascii=False, indent=1) + "\n")
        return
    table = Table(title=f"duban status {today}", expand=True)
    for column in ("status", "due", "task", "owners", "plan", "key"):
        table.add_column(column, overflow="fold")
    for row in rows:
        if not all_ and row.status in ("done", "on track", "ended"):
            continue
        due = row.overdue_since if row.status == "overdue" else row.next_due
        table.add_row(
            f"[{_STYLE[row.status]}]{row.status}[/]",
            str(due or "—"),
            row.task,
            "、".join(row.owners) + (f"（配合：{'、'.join(row.support)}）" if row.support else ""),
            row.plan,
            row.task_key[:10],
        )
    Console().print(table)


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
    settings = _settings(config)
    engine = _engine(settings)
    now = dt.datetime.now(dt.UTC)
    try:
        full = mark_done(engine, key, now, _parse_date(occurrence, "--occurrence"))
    except KeyError as exc:
        raise _fail(str(exc.args[0]), 1) from None
    sync = sync_reminders(engine, settings.policy_for, settings.calendar(), now)
    what = f"{full} on {occurrence}" if occurrence else full
    err.print(f"done: {what}; {sync.cancelled} pending reminder(s) cancelled", markup=False)


@app.command()
def undone(
    key: Annotated[str, typer.Argument(help="The key (or unique prefix) given to `duban done`")],
    config: ConfigOption = DEFAULT_CONFIG,
    occurrence: Annotated[str | None, typer.Option(help="The day of a cadence given to `duban done`")] = None,
) -> None:
    """Take back a `duban done`: the task, milestone or occurrence is due again."""
    settings = _settings(config)
    engine = _engine(settings)
    try:
        removed = mark_undone(engine, key, _parse_date(occurrence, "--occurrence"))
    except KeyError as exc:
        raise _fail(str(exc.args[0]), 1) from None
    if not removed:
        raise _fail(f"{key} {'on ' + occurrence if occurrence else ''} was not marked done".replace("  ", " "), 1)
    sync = sync_reminders(engine, settings.policy_for, settings.calendar(), dt.datetime.now(dt.UTC))
    err.print(f"undone: {key}; {sync.added + sync.moved} reminder(s) planned again", markup=False)


deliveries_app = typer.Typer(no_args_is_help=True, help="The outbox: failed deliveries and retries by hand.")
app.add_typer(deliveries_app, name="deliveries")


@deliveries_app.command("list")
def deliveries_list(
    config: ConfigOption = DEFAULT_CONFIG,
    state: Annotated[str, typer.Option(help="pending, sent or dead")] = "dead",
) -> None:
    """Deliveries in a state (dead by default), with their last error."""
    engine = _engine(_settings(config))
    table = Table(title=f"{state} deliveries", expand=True)
    for column in ("id", "channel", "subscriber", "attempts", "next try", "error"):
        table.add_column(column, overflow="fold")
    for d in deliveries_in(engine, state):
        table.add_row(
            str(d.id), d.channel, d.subscription_id, str(d.attempts), str(d.next_attempt_at or "—"), d.error or ""
        )
    Console().print(table)
    err.print(f"by channel: {counts_by_state(engine)}", markup=False, highlight=False)


@deliveries_app.command("retry")
def deliveries_retry(
    ids: Annotated[list[int] | None, typer.Argument(help="Delivery ids; all dead deliveries when omitted")] = None,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Put dead deliveries back in the outbox for a new round of tries."""
    engine = _engine(_settings(config))
    count = retry_by_hand(engine, ids or None, dt.datetime.now(dt.UTC))
    if ids and count != len(ids):
        raise _fail(f"{len(ids) - count} of the given deliveries are not dead (or do not exist)", 1)
    err.print(f"{count} delivery(ies) back in the outbox", markup=False)


@deliveries_app.command("send")
def deliveries_send(config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Send what is due in the outbox now, once, and report."""
    settings = _settings(config)
    engine = _engine(settings)
    outcomes = deliver_outbox(
        engine,
        lambda: dt.datetime.now(dt.UTC),
        make_sender(settings),
        subscriber_targets(settings),
        settings.calendar(),
        settings.duban.delivery.base_url,
    )
    failed = [o for o in outcomes if o.error is not None]
    err.print(f"{len(outcomes) - len(failed)} sent, {len(failed)} failed", markup=False)
    for o in failed:
        err.print(f"  delivery {o.delivery_id}: {o.error}", markup=False, highlight=False)


feeds_app = typer.Typer(no_args_is_help=False, invoke_without_command=True, help="Calendar feeds and their links.")
app.add_typer(feeds_app, name="feeds")


@feeds_app.callback()
def feeds_list(ctx: typer.Context, config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Every feed as https:// and webcal:// links."""
    if ctx.invoked_subcommand is not None:
        ctx.obj = config  # "duban feeds -c X token S": the subcommand's configuration too
        return
    settings = _settings(config)
    engine = _engine(settings)
    base = settings.duban.delivery.base_url
    links = [("全部事项", "/feeds/all.ics")]
    with session(engine) as s:
        links += [(p.title, f"/feeds/plans/{quote(p.id)}.ics") for p in s.exec(select(Plan).order_by(col(Plan.id)))]
        units = sorted({o.unit for o in s.exec(select(MilestoneOwner))})
        links += [(unit, f"/feeds/owners/{quote(unit)}.ics") for unit in units]
        tokens = s.exec(select(FeedToken).where(col(FeedToken.revoked_at).is_(None))).all()
        links += [(f"personal: {t.subscription_id}", f"/feeds/personal/{t.token}.ics") for t in tokens]
    # One feed a block, its links whole on their own lines: a table would
    # break them at the terminal's width and they could not be copied.
    for name, path in links:
        urls = feed_links(base, path)
        sys.stdout.write(f"{name}\n  {urls['https']}\n  {urls['webcal']}\n")


def _group_config(ctx: typer.Context, config: Path) -> Path:
    """The configuration given to the command group ("feeds -c X token")
    unless the subcommand was given one of its own."""
    return ctx.obj if config == DEFAULT_CONFIG and isinstance(ctx.obj, Path) else config


@feeds_app.command("token")
def feeds_token(
    ctx: typer.Context,
    subscriber: Annotated[str, typer.Argument(help="A subscriber id (plan:n or its id)")],
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Make a personal feed for a subscriber behind a new unguessable token;
    print its links (the token is the last part of the path)."""
    settings = _settings(_group_config(ctx, config))
    engine = _engine(settings)
    with session(engine) as s:
        if s.get(Subscription, subscriber) is None:
            raise _fail(f"no subscriber {subscriber!r} (run duban plans import first)", 1)
        token = FeedToken(token=new_token(), subscription_id=subscriber, created_at=dt.datetime.now(dt.UTC))
        s.add(token)
        s.commit()
        urls = feed_links(settings.duban.delivery.base_url, f"/feeds/personal/{token.token}.ics")
        sys.stdout.write(f"{urls['https']}\n{urls['webcal']}\n")


@feeds_app.command("revoke")
def feeds_revoke(
    ctx: typer.Context, token: Annotated[str, typer.Argument()], config: ConfigOption = DEFAULT_CONFIG
) -> None:
    """Revoke a personal feed token (or its URL): its URL answers 404 from now on."""
    token = token.rsplit("/", 1)[-1].removesuffix(".ics")
    engine = _engine(_settings(_group_config(ctx, config)))
    with session(engine) as s:
        row = s.get(FeedToken, token)
        if row is None:
            raise _fail("no such token", 1)
        row.revoked_at = dt.datetime.now(dt.UTC)
        s.commit()
    err.print("revoked", markup=False)


def _print_upcoming(engine: Engine, timezone: str, limit: int = 12) -> None:
    now = dt.datetime.now(dt.UTC)
    table = Table(title="next reminders", expand=True)
    for column in ("when", "event", "milestone", "plan"):
        table.add_column(column, overflow="fold")
    for when, event, phrase, plan in upcoming_reminders(engine, now, limit):
        table.add_row(when.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M"), event, phrase, plan)
    Console(stderr=True).print(table)


@app.command()
def serve(config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Run the scheduler until stopped."""
    import logging
    import signal
    import threading

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for chatty in ("apscheduler", "alembic"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    try:
        store = ConfigStore(config)
    except ConfigError as exc:
        for issue in exc.issues:
            err.print(str(issue), markup=False, highlight=False)
        raise _fail(f"{len(exc.issues)} configuration error(s)", 1) from None
    service = Service(store)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    service.start()
    listening = f"; feeds and API on {service.http.url}" if service.http is not None else ""
    err.print(
        f"duban serving {len(store.current.plans)} plan file(s); database {store.current.database_url()}{listening}",
        markup=False,
    )
    _print_upcoming(service.engine, store.current.timezone)
    try:
        stop.wait()
        err.print("duban stopping: finishing the deliveries under way", markup=False)
    finally:
        service.stop()
    err.print("duban stopped", markup=False)


def _say_warning(message: Warning | str, category: type[Warning], *_: object, **__: object) -> None:
    """A warning meant for the admin (the holiday data of a year is missing)
    is said once, in plain words, without the Python source line."""
    err.print(f"duban: {message}", markup=False, highlight=False)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        sys.stdout.write(f"duban {version('duban')}\n")
        raise typer.Exit()


@app.callback()
def _every_command(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit")
    ] = False,
) -> None:
    import warnings

    from parsers.calendars import HolidayDataMissing

    warnings.showwarning = _say_warning
    warnings.simplefilter("default", HolidayDataMissing)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
