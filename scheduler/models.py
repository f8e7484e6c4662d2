"""Tables. The database is the truth: APScheduler jobs are derived from the
``reminder`` rows, and nothing is sent that is not first a ``delivery`` row.

    plan ─< plan_revision            every imported text of a plan
    plan ─< task ─< milestone         keyed by a stable hash (see keys.py)
    milestone ─< reminder ─< delivery >─ subscription
    override (by milestone key)       an admin's corrected date or kind
    owner_request                     an owner's report or request, from a signed link
    notice ─< delivery                an escalation, an overdue digest, an answer to a request
    site_key                          the secret that signs sessions and owner links
    completion (by task or milestone key and occurrence)
    milestone_owner                   the units of each milestone, by role
    log_entry                         what the log channel delivered
    feed_event (by milestone key)     the milestone's calendar event text
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, LargeBinary, Table, UniqueConstraint
from sqlmodel import Field, SQLModel


class Plan(SQLModel, table=True):
    id: str = Field(primary_key=True)
    title: str
    source: str
    ref: dt.date
    ref_rule: str
    # The end of the plan's own period: its recurring milestones stop there.
    until: dt.date | None = None
    current_revision: int | None = None
    created_at: dt.datetime
    updated_at: dt.datetime


class PlanRevision(SQLModel, table=True):
    """One kept reading of a plan: its text, when and from what bytes it was
    read, its milestones by kind, and how many changes it made."""

    __tablename__ = "plan_revision"
    id: int | None = Field(default=None, primary_key=True)
    plan_id: str = Field(foreign_key="plan.id", index=True)
    digest: str = Field(index=True)
    text: str
    imported_at: dt.datetime
    milestones: int = 0
    source_digest: str | None = None  # of the document's bytes
    fetched_at: dt.datetime | None = None
    counts: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}"))
    changes: int = 0
    first_line: int = 1  # the document's line number of the text's first line


class PlanChange(SQLModel, table=True):
    """What a revision changed, in words: a task added or removed, a
    deadline moved, owners changed, a task renamed."""

    __tablename__ = "plan_change"
    id: int | None = Field(default=None, primary_key=True)
    revision_id: int = Field(foreign_key="plan_revision.id", index=True)
    plan_id: str = Field(index=True)
    kind: str  # added, removed, moved, owners, renamed
    task: str
    words: str
    units: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # owners it touches
    milestone_key: str | None = None


class PlanSource(SQLModel, table=True):
    """What was last seen of a configured plan's source (a file or a URL),
    so that a check that finds nothing new reads nothing."""

    __tablename__ = "plan_source"
    id: str = Field(primary_key=True)  # the plan file's id
    source: str
    etag: str | None = None
    last_modified: str | None = None
    size: int | None = Field(default=None, sa_column=Column(BigInteger))
    mtime_ns: int | None = Field(default=None, sa_column=Column(BigInteger))
    digest: str | None = None  # of the bytes last read
    config: str | None = None  # the plan file's settings when last read
    checked_at: dt.datetime | None = None
    fetched_at: dt.datetime | None = None
    next_check_at: dt.datetime | None = None
    failures: int = 0
    error: str | None = None


class Task(SQLModel, table=True):
    key: str = Field(primary_key=True)
    plan_id: str = Field(foreign_key="plan.id", index=True)
    title: str
    section: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    owners: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON(none_as_null=True)))
    active: bool = True


class Milestone(SQLModel, table=True):
    key: str = Field(primary_key=True)
    plan_id: str = Field(foreign_key="plan.id", index=True)
    task_key: str = Field(foreign_key="task.key", index=True)
    line: int
    quote: str
    kind: str
    start: dt.date | None = None
    due: dt.date | None = None
    rrule: str | None = None
    offset: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON(none_as_null=True)))
    phase: str | None = None
    season: str | None = None
    confidence: float = 0.9
    note: str | None = None
    lead: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    support: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    active: bool = True
    sequence: int = 0
    changed_at: dt.datetime
    # How it was read: the parser's rule and the words it matched.
    rule: str | None = None
    matched: str | None = None


class Subscription(SQLModel, table=True):
    id: str = Field(primary_key=True)
    channel: str
    target: str
    plans: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    owners: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    mode: str = "immediate"
    active: bool = True


class Reminder(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("milestone_key", "occurrence", "label"),)
    id: int | None = Field(default=None, primary_key=True)
    milestone_key: str = Field(foreign_key="milestone.key", index=True)
    occurrence: dt.date
    label: str  # "before:7d", "due", "overdue:2", "start", "end:3d"
    event: str  # reminder.due_soon, reminder.due_today, reminder.overdue
    fire_at: dt.datetime = Field(index=True)
    state: str = Field(default="pending", index=True)  # pending, fired, late, skipped, cancelled
    fired_at: dt.datetime | None = None


class Delivery(SQLModel, table=True):
    """One message to one subscriber: a reminder, the notice of a plan
    revision's changes (``revision_id``), or another notice (``notice_id``)."""

    __table_args__ = (
        UniqueConstraint("reminder_id", "subscription_id"),
        UniqueConstraint("revision_id", "subscription_id"),
        UniqueConstraint("notice_id", "subscription_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    reminder_id: int | None = Field(default=None, foreign_key="reminder.id", index=True)
    revision_id: int | None = Field(default=None, foreign_key="plan_revision.id", index=True)
    subscription_id: str = Field(foreign_key="subscription.id", index=True)
    channel: str
    state: str = Field(default="pending", index=True)  # pending, sent, dead
    late: bool = False
    attempts: int = 0
    next_attempt_at: dt.datetime | None = Field(default=None, index=True)
    created_at: dt.datetime
    sent_at: dt.datetime | None = None
    error: str | None = None
    # The instance sending it, and until when: a claim that runs out (its
    # instance died) lets another take the delivery over.
    claimed_by: str | None = None
    claimed_until: dt.datetime | None = Field(default=None, index=True)
    notice_id: int | None = Field(default=None, foreign_key="notice.id", index=True)


class Override(SQLModel, table=True):
    milestone_key: str = Field(primary_key=True)
    kind: str | None = None
    start: dt.date | None = None
    due: dt.date | None = None
    rrule: str | None = None
    reason: str | None = None
    created_at: dt.datetime
    # The milestone's words when the override was made: a re-import that
    # changes them leaves the override in place, flagged for a look.
    quote: str | None = None
    by: str | None = None
    # Owners set by an admin: they replace the parsed ones on every import.
    lead: list[str] | None = Field(default=None, sa_column=Column(JSON(none_as_null=True)))
    support: list[str] | None = Field(default=None, sa_column=Column(JSON(none_as_null=True)))
    # The owners the plan gives, kept while the admin's stand, so undoing brings them back.
    parsed_owners: dict[str, list[str]] | None = Field(default=None, sa_column=Column(JSON(none_as_null=True)))


class Completion(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("task_key", "milestone_key", "occurrence"),)
    id: int | None = Field(default=None, primary_key=True)
    task_key: str | None = Field(default=None, index=True)
    milestone_key: str | None = Field(default=None, index=True)
    occurrence: dt.date | None = None
    done_at: dt.datetime
    by: str | None = None
    note: str | None = None


class MilestoneOwner(SQLModel, table=True):
    """One row per unit named on a milestone, for lookups by unit."""

    __tablename__ = "milestone_owner"
    __table_args__ = (UniqueConstraint("milestone_key", "unit", "role"),)
    id: int | None = Field(default=None, primary_key=True)
    milestone_key: str = Field(foreign_key="milestone.key", index=True)
    unit: str = Field(index=True)
    role: str  # lead, support


class LogEntry(SQLModel, table=True):
    """What the log channel delivered: one reminder delivery, or one daily
    digest of a subscriber."""

    __tablename__ = "log_entry"
    __table_args__ = (UniqueConstraint("subscription_id", "digest_day"),)
    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int | None = Field(default=None, foreign_key="delivery.id", unique=True)
    subscription_id: str | None = Field(default=None, foreign_key="subscription.id", index=True)
    digest_day: dt.date | None = None
    target: str
    message: str
    written_at: dt.datetime


class FeedToken(SQLModel, table=True):
    """An unguessable, revocable token for a subscriber's personal feed."""

    __tablename__ = "feed_token"
    token: str = Field(primary_key=True)
    subscription_id: str = Field(foreign_key="subscription.id", index=True)
    created_at: dt.datetime
    revoked_at: dt.datetime | None = None


class FeedEvent(SQLModel, table=True):
    """A milestone's VEVENT as last written for a feed, in three UTF-8
    pieces: the lines from BEGIN:VEVENT up to the summary, and the folded
    SUMMARY line for an open and for a done task. Feeds put these together
    with the parts that depend on the moment (status, alarms) instead of
    writing every event again. ``version`` names what the text was made
    from; a row whose version is not the current one is written again."""

    __tablename__ = "feed_event"
    milestone_key: str = Field(primary_key=True, foreign_key="milestone.key")
    version: str
    head: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    summary: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    done_summary: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class OwnerRequest(SQLModel, table=True):
    """What an owner said through a reminder's signed link: the occurrence
    is done (``done``), the event of a relative milestone happened on
    ``day`` (``event``), or more time is asked until ``day``
    (``extension``, which waits for an admin: pending, approved, declined)."""

    __tablename__ = "owner_request"
    id: int | None = Field(default=None, primary_key=True)
    kind: str
    milestone_key: str = Field(foreign_key="milestone.key", index=True)
    occurrence: dt.date
    subscription_id: str = Field(foreign_key="subscription.id")
    note: str = ""
    day: dt.date | None = None
    state: str = Field(default="applied", index=True)  # applied, pending, approved, declined
    created_at: dt.datetime
    decided_at: dt.datetime | None = None
    decided_by: str | None = None


class Notice(SQLModel, table=True):
    """A message that is neither a reminder nor a revision's notice: the
    escalation of an overdue occurrence, a day's overdue digest, the answer
    to an owner's request. ``key`` makes each one once only
    ("escalate:<milestone>:<occurrence>", "overdue:<day>", "request:<id>")."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True)
    event: str  # task.escalated, overdue.digest, request.decided
    plan_id: str
    plan: str
    task: str
    detail: str
    milestone_key: str | None = Field(default=None, index=True)
    occurrence: dt.date | None = None
    created_at: dt.datetime


class SiteKey(SQLModel, table=True):
    """A secret made once per database and shared by every instance: it
    signs admin sessions and owners' links."""

    __tablename__ = "site_key"
    name: str = Field(primary_key=True)
    value: str
    created_at: dt.datetime


def table(model: type[SQLModel]) -> Table:
    """The Core table of a model, for bulk inserts that skip the ORM."""
    found: Table = model.__table__  # type: ignore[attr-defined]
    return found
