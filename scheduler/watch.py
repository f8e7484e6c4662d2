"""Each configured plan's source, checked on its own interval and read
again only when its bytes (or the plan file's settings) changed.

A check that finds new bytes parses them and stores each plan of the
document as a new revision (``scheduler.importer``); one that fails keeps
the last good revision and says why (a URL is tried again after 1, 2, 4…
minutes; a file when its bytes move). A document that suddenly yields no
milestones at all is a failure too, not a plan emptied.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from config.settings import PlanFile, Settings
from parsers.documents import Document, format_of, load_document, read_bytes, split_lines
from parsers.errors import ParseError
from parsers.pipeline import ParseResult, parse_document
from scheduler.db import session
from scheduler.importer import ImportReport, PlanImport, import_plans
from scheduler.models import Plan, PlanRevision, PlanSource
from scheduler.sources import Looked, SourceError, look_at_file, look_at_url, retry_after

log = logging.getLogger(__name__)


def plan_ids_of(config_id: str, count: int) -> list[str]:
    """The ids of a document's plans: the plan file's id, or ``id/n`` for
    each plan of a compendium."""
    return [config_id] if count == 1 else [f"{config_id}/{k}" for k in range(1, count + 1)]


def _limit(settings: Settings) -> int:
    return int(settings.duban.service.max_document_mb * 2**20)


def fingerprint(settings: Settings, plan: PlanFile) -> str:
    """What, besides the source's bytes, a plan's reading depends on."""
    holidays = {year: data.model_dump(mode="json") for year, data in settings.duban.holidays.items()}
    basis = [plan.model_dump(mode="json", exclude={"subscribers", "reminders"}), holidays, _limit(settings)]
    return hashlib.sha256(json.dumps(basis, sort_keys=True, default=str).encode()).hexdigest()[:32]


def store_document(
    engine: Engine,
    settings: Settings,
    plan: PlanFile,
    document: Document,
    result: ParseResult,
    now: dt.datetime,
    source_digest: str | None = None,
    dry_run: bool = False,
) -> list[ImportReport]:
    """Store each plan of a parsed document as configured (its title, period
    end and owner filter from the plan file), in one transaction."""
    lines = split_lines(document.text)
    items = []
    for plan_id, parsed in zip(plan_ids_of(plan.id, len(result.plans)), result.plans, strict=True):
        if plan.title and len(result.plans) == 1:
            parsed.title = plan.title
        if plan.until is not None:
            parsed.until = plan.until
        if plan.owners:
            wanted = set(plan.owners)
            parsed.milestones = [
                m
                for m in parsed.milestones
                if wanted & set((m.owners or {}).get("lead", []) + (m.owners or {}).get("support", []))
            ]
        text = "\n".join(lines[parsed.first_line - 1 : parsed.last_line])  # the plan's own lines
        items.append(PlanImport(plan_id, plan.source, text, parsed, source_digest, now, parsed.first_line))
    return import_plans(engine, items, now, dry_run)


def parse_source(settings: Settings, plan: PlanFile, document: Document, now: dt.datetime) -> ParseResult:
    today = now.astimezone(dt.UTC).date()
    return parse_document(document, ref=plan.ref, imported=today, doc=plan.id, calendar=settings.calendar())


def read_configured(settings: Settings, plan: PlanFile, now: dt.datetime) -> tuple[Document, ParseResult]:
    """Read and parse a configured plan's source now, whatever was seen of
    it before (``duban plans import``); ``SourceError`` or ``ParseError``."""
    if plan.is_url:
        looked = look_at_url(plan.source, None, settings.duban.delivery.allow_private, _limit(settings))
        assert looked.data is not None  # an unconditional GET answers with a body or fails
        fmt = format_of(looked.name, looked.data, looked.content_type)
        document = read_bytes(looked.data, looked.name, fmt, _limit(settings))
    else:
        document = load_document(settings.source_path(plan), _limit(settings))
    return document, parse_source(settings, plan, document, now)


@dataclass(frozen=True)
class Checked:
    plan_id: str
    reports: list[ImportReport] | None = None  # None: nothing new was read
    error: str | None = None


def check_plan(engine: Engine, settings: Settings, plan: PlanFile, now: dt.datetime, force: bool = False) -> Checked:
    """Look at a plan's source if its check is due (or ``force``), and read
    and store it if it changed."""
    with session(engine) as s:
        state = s.get(PlanSource, plan.id)
    basis = fingerprint(settings, plan)
    known = state if state is not None and (state.config, state.source) == (basis, plan.source) else None
    if not force and known is not None and known.next_check_at is not None and now < _utc(known.next_check_at):
        return Checked(plan.id, error=known.error)
    name = plan.source if plan.is_url else str(settings.source_path(plan))
    looked: Looked | None = None
    try:
        if plan.is_url:
            looked = look_at_url(plan.source, known, settings.duban.delivery.allow_private, _limit(settings))
        else:
            looked = look_at_file(settings.source_path(plan), known)
        digest = looked.digest
        if looked.data is None and known is not None and known.error and not plan.is_url:
            # The file that failed has not moved: it fails as it did.
            _remember(engine, plan, basis, now, looked, known.digest, known.error)
            return Checked(plan.id, error=known.error)
        if looked.data is None or (known is not None and digest == known.digest):
            _remember(engine, plan, basis, now, looked, known.digest if known else digest, None)
            return Checked(plan.id)
        assert looked.data is not None
        fmt = format_of(looked.name, looked.data, looked.content_type)
        document = read_bytes(looked.data, name, fmt, _limit(settings))
        result = parse_source(settings, plan, document, now)
        had = _milestones_before(engine, plan.id)
        if not result.milestones and had:
            raise SourceError(f"{name}: yields no milestones now (its last good reading had {had})")
        reports = store_document(engine, settings, plan, document, result, now, digest)
        _remember(engine, plan, basis, now, looked, digest, None)
        return Checked(plan.id, reports)
    except (SourceError, ParseError) as exc:
        error = str(exc)
    except Exception as exc:  # a fault reading one plan never stops the others
        log.exception("plan %s: unexpected failure while reading it", plan.id)
        error = f"{name}: {type(exc).__name__}: {exc}"
    _remember(engine, plan, basis, now, looked, known.digest if known else None, error)
    return Checked(plan.id, error=error)


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _milestones_before(engine: Engine, config_id: str) -> int:
    with session(engine) as s:
        plans = s.exec(
            select(Plan.current_revision).where(
                (col(Plan.id) == config_id) | col(Plan.id).startswith(config_id + "/", autoescape=True)
            )
        ).all()
        revisions = [r for r in plans if r is not None]
        if not revisions:
            return 0
        return sum(s.exec(select(PlanRevision.milestones).where(col(PlanRevision.id).in_(revisions))).all())


def _remember(
    engine: Engine,
    plan: PlanFile,
    basis: str,
    now: dt.datetime,
    looked: Looked | None,
    digest: str | None,
    error: str | None,
) -> None:
    """What the check saw: the source's validators and the digest of the
    last good bytes; on a failure, when to try again."""
    with session(engine) as s:
        state = s.get(PlanSource, plan.id) or PlanSource(id=plan.id, source=plan.source)
        fresh = (state.config, state.source) != (basis, plan.source)
        state.source, state.config, state.checked_at, state.digest = plan.source, basis, now, digest
        if looked is not None:
            if error is None and looked.etag is not None:
                state.etag = looked.etag
            if error is None and looked.last_modified is not None:
                state.last_modified = looked.last_modified
            if looked.size is not None:  # a file: its bytes, good or bad, are not read again until they move
                state.size, state.mtime_ns = looked.size, looked.mtime_ns
        if looked is not None and looked.data is not None and error is None:
            state.fetched_at = now
        if error is None:
            state.failures, state.error = 0, None
            state.next_check_at = now + plan.check_every()
        else:
            state.failures = (0 if fresh else state.failures) + 1
            state.error = error
            wait = retry_after(state.failures, plan.check_every()) if plan.is_url else plan.check_every()
            state.next_check_at = now + wait
        s.add(state)
        s.commit()
