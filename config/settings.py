"""Configuration: ``duban.toml`` for the service and ``plans/*.toml``, one
file per monitored plan document.

Both are validated with typed models. Every error names the file, the line
and the field; an invalid set of files never replaces a running
configuration (``ConfigStore`` keeps the last good one).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from parsers.calendars import WorkdayCalendar
from scheduler.policy import ReminderPolicy

CHANNELS = ("log", "webhook", "email", "dingtalk", "wecom", "feishu")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReminderSettings(Strict):
    before: list[int] = Field(default_factory=lambda: [7, 3, 1])
    unit: Literal["day", "workday"] = "day"
    at: dt.time = dt.time(9, 0)
    overdue_cap: int = Field(default=5, ge=0, le=60)
    shift_to_workday: bool = True
    # 督办升级: working days overdue after which an occurrence is escalated
    # once to these subscribers (ids), who also get a daily overdue digest.
    escalate_after: int = Field(default=3, ge=1, le=60)
    escalate_to: list[str] = Field(default_factory=list)

    @field_validator("before")
    @classmethod
    def _positive(cls, value: list[int]) -> list[int]:
        if any(n <= 0 or n > 365 for n in value):
            raise ValueError("offsets must be between 1 and 365")
        return sorted(set(value), reverse=True)

    def policy(self, timezone: str) -> ReminderPolicy:
        return ReminderPolicy(
            before=tuple(self.before),
            unit=self.unit,
            at=self.at,
            overdue_cap=self.overdue_cap,
            shift_to_workday=self.shift_to_workday,
            timezone=timezone,
            escalate_after=self.escalate_after,
            escalate_to=tuple(self.escalate_to),
        )


class ReminderOverrides(Strict):
    before: list[int] | None = None
    unit: Literal["day", "workday"] | None = None
    at: dt.time | None = None
    overdue_cap: int | None = Field(default=None, ge=0, le=60)
    shift_to_workday: bool | None = None
    escalate_after: int | None = Field(default=None, ge=1, le=60)
    escalate_to: list[str] | None = None


class SmtpSettings(Strict):
    host: str = "127.0.0.1"
    port: int = Field(default=25, ge=1, le=65535)
    security: Literal["none", "starttls", "ssl"] = "none"
    username: str | None = None
    password_env: str | None = None
    sender: str = "duban@localhost"
    sender_name: str = "督办提醒"
    verify: bool = True


class DeliverySettings(Strict):
    allow_private: list[str] = Field(default_factory=list)  # hosts or addresses allowed despite being non-public
    concurrency_per_endpoint: int = Field(default=4, ge=1, le=64)
    base_url: str = "http://127.0.0.1:8080"


class HolidayYear(Strict):
    holidays: list[dt.date] = Field(default_factory=list)
    workdays: list[dt.date] = Field(default_factory=list)


class ServiceSettings(Strict):
    database: str = "sqlite:///var/duban.db"
    timezone: str = "Asia/Shanghai"
    http_bind: str = "127.0.0.1:8080"
    plans_dir: str = "plans"
    poll_seconds: float = Field(default=5.0, gt=0)
    admin_token_env: str = "DUBAN_ADMIN_TOKEN"  # the variable holding the API's admin token
    http: bool = True  # serve feeds and the API in the same process as the scheduler
    max_document_mb: float = Field(default=50, gt=0)  # what a .docx or .pdf may expand to when read

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value


class Admin(Strict):
    """An account of the admin pages; ``duban admin passwd NAME`` sets it."""

    name: str = Field(pattern=r"^[\w.@-]{1,64}$")
    password_hash: str

    @field_validator("password_hash")
    @classmethod
    def _argon2(cls, value: str) -> str:
        if not value.startswith("$argon2"):
            raise ValueError("not an argon2 hash: set it with `duban admin passwd NAME`")
        return value


class DubanFile(Strict):
    service: ServiceSettings = Field(default_factory=ServiceSettings)
    smtp: SmtpSettings = Field(default_factory=SmtpSettings)
    delivery: DeliverySettings = Field(default_factory=DeliverySettings)
    reminders: ReminderSettings = Field(default_factory=ReminderSettings)
    holidays: dict[str, HolidayYear] = Field(default_factory=dict)
    # Who hears about the service's own problems (a plan that no longer
    # reads): once per episode, through the same channels as reminders.
    alerts: list[Subscriber] = Field(default_factory=list)
    admins: list[Admin] = Field(default_factory=list)

    @field_validator("holidays")
    @classmethod
    def _years(cls, value: dict[str, HolidayYear]) -> dict[str, HolidayYear]:
        for year, data in value.items():
            if not re.fullmatch(r"\d{4}", year):
                raise ValueError(f"{year!r} is not a year")
            if any(d.year != int(year) for d in data.holidays + data.workdays):
                raise ValueError(f"a date under holidays.{year} is not in {year}")
        return value


class Subscriber(Strict):
    id: str | None = None
    channel: Literal["log", "webhook", "email", "dingtalk", "wecom", "feishu"]
    target: str
    plans: list[str] = Field(default_factory=list)
    owners: list[str] = Field(default_factory=list)
    mode: Literal["immediate", "digest"] = "immediate"
    secret: str | None = None  # prefer secret_env: the name of an environment variable
    secret_env: str | None = None
    at_mobiles: list[str] = Field(default_factory=list)

    @field_validator("target")
    @classmethod
    def _deliverable(cls, value: str, info: ValidationInfo) -> str:
        channel = info.data.get("channel")
        if channel == "email" and not _EMAIL.fullmatch(value):
            raise ValueError(f"{value!r} is not an email address")
        if channel in ("webhook", "dingtalk", "wecom", "feishu") and not value.startswith(("https://", "http://")):
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value

    @field_validator("secret_env")
    @classmethod
    def _set(cls, value: str | None) -> str | None:
        if value is not None and not os.environ.get(value):
            raise ValueError(f"the environment variable {value} is not set (it holds this subscriber's secret)")
        return value

    @model_validator(mode="after")
    def _signed(self) -> Subscriber:
        if self.channel == "webhook" and not (self.secret or self.secret_env):
            raise ValueError("a webhook needs a secret to sign with: secret_env names the variable that holds it")
        return self


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class PlanFile(Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    title: str | None = None
    source: str  # a file (relative to this one) or an http(s) URL
    # How often the source is looked at for a new version (default: every
    # minute for a file, every hour for a URL).
    check_minutes: float | None = Field(default=None, gt=0)
    ref: dt.date | None = None
    # The end of the plan's period, when the one read from the document is
    # wrong or missing: recurring milestones stop there.
    until: dt.date | None = None
    owners: list[str] = Field(default_factory=list)
    subscribers: list[Subscriber] = Field(default_factory=list)
    reminders: ReminderOverrides = Field(default_factory=ReminderOverrides)

    @field_validator("source")
    @classmethod
    def _file_or_web(cls, value: str) -> str:
        if "://" in value and not re.fullmatch(r"https?://[^\s/?#]+[^\s]*", value):
            raise ValueError(f"{value!r} is neither a file nor an http(s) URL")
        return value

    @property
    def is_url(self) -> bool:
        return self.source.startswith(("http://", "https://"))

    def check_every(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.check_minutes or (60 if self.is_url else 1))


@dataclass(frozen=True)
class ConfigIssue:
    path: Path
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f" {self.field}:" if self.field else ""
        return f"{self.path}:{self.line}:{where} {self.message}"


class ConfigError(Exception):
    def __init__(self, issues: list[ConfigIssue]) -> None:
        super().__init__("\n".join(map(str, issues)))
        self.issues = issues


@dataclass
class Settings:
    root: Path
    duban: DubanFile
    plans: dict[str, PlanFile] = field(default_factory=dict)
    plan_paths: dict[str, Path] = field(default_factory=dict)

    @property
    def timezone(self) -> str:
        return self.duban.service.timezone

    def policy_for(self, plan_id: str) -> ReminderPolicy:
        base = self.duban.reminders
        config_id = plan_id.split("/", 1)[0]
        plan = self.plans.get(config_id)
        if plan is None:
            return base.policy(self.timezone)
        merged = base.model_copy(update={k: v for k, v in plan.reminders.model_dump().items() if v is not None})
        return merged.policy(self.timezone)

    def alert_subscribers(self) -> Iterator[tuple[str, Subscriber]]:
        """The ``[[alerts]]`` of duban.toml with their ids (``alerts:n``)."""
        for i, sub in enumerate(self.duban.alerts):
            yield sub.id or f"alerts:{i + 1}", sub

    def subscribers(self) -> Iterator[tuple[str, PlanFile, Subscriber]]:
        """Every subscriber with its id (its own, or ``plan:n`` by its place
        in the plan file) and the plan file it is written in."""
        for plan in self.plans.values():
            for i, sub in enumerate(plan.subscribers):
                yield sub.id or f"{plan.id}:{i + 1}", plan, sub

    def calendar(self) -> WorkdayCalendar:
        calendar = WorkdayCalendar()
        for year, data in self.duban.holidays.items():
            calendar.add_year(int(year), data.holidays, data.workdays)
        return calendar

    def source_path(self, plan: PlanFile) -> Path:
        path = Path(plan.source)
        return path if path.is_absolute() else (self.plan_paths[plan.id].parent / path).resolve()

    def database_url(self) -> str:
        url = self.duban.service.database
        if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
            relative = url.removeprefix("sqlite:///")
            if relative and relative != ":memory:":
                return "sqlite:///" + str((self.root / relative).resolve())
        return url


def _line_of(text: str, loc: tuple[int | str, ...]) -> int:
    """The line where a field sits: after the header of its table (or the
    n-th [[array]] entry), the line assigning its key."""
    lines = text.splitlines()
    start, stop = 0, len(lines)
    keys = [str(k) for k in loc]
    table: list[str] = []
    i = 0
    while i < len(keys):
        k = keys[i]
        if i + 1 < len(keys) and keys[i + 1].isdigit():
            n = int(keys[i + 1])
            name = re.escape(".".join([*table, k]))
            headers = [j for j, line in enumerate(lines) if re.match(rf"^\s*\[\[\s*{name}\s*\]\]", line)]
            if n < len(headers):
                start = headers[n]
                stop = next((j for j in range(start + 1, len(lines)) if lines[j].lstrip().startswith("[")), len(lines))
                table = [*table, k]
                i += 2
                continue
        header = next(
            (j for j, line in enumerate(lines) if re.match(rf"^\s*\[\s*{re.escape('.'.join([*table, k]))}\s*\]", line)),
            None,
        )
        if header is not None:
            start = header
            stop = next((j for j in range(start + 1, len(lines)) if lines[j].lstrip().startswith("[")), len(lines))
            table = [*table, k]
            i += 1
            continue
        for j in range(start, stop):
            if re.match(rf"^\s*\"?{re.escape(k)}\"?\s*=", lines[j]):
                return j + 1
        i += 1
    return start + 1


def _read(path: Path, text: str | None = None) -> tuple[str, dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8") if text is None else text
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([ConfigIssue(path, 1, "", f"cannot read: {exc}")]) from None
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise ConfigError([ConfigIssue(path, int(m.group(1)) if m else 1, "", f"TOML syntax: {exc}")]) from None


def _validate(model: type[BaseModel], path: Path, text: str | None = None) -> Any:
    """``path``'s contents (or ``text``, as if it were there) checked
    against ``model``; ConfigError with each problem's line."""
    text, data = _read(path, text)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        issues = []
        for error in exc.errors():
            loc = tuple(error["loc"])
            name = ".".join(str(p) for p in loc)
            message = "unknown key" if error["type"] == "extra_forbidden" else error["msg"]
            issues.append(ConfigIssue(path, _line_of(text, loc), name, message))
        raise ConfigError(issues) from None


def _unknown_escalations(settings: Settings, path: Path, text_of: Callable[[Path], str]) -> list[ConfigIssue]:
    """``escalate_to`` must name subscribers that exist (their ids)."""
    known = {sid for sid, _, _ in settings.subscribers()}
    found = []
    places: list[tuple[Path, list[str] | None]] = [(path, settings.duban.reminders.escalate_to)]
    places += [(settings.plan_paths[p.id], p.reminders.escalate_to) for p in settings.plans.values()]
    for where, names in places:
        unknown = [n for n in names or [] if n not in known]
        if unknown:
            line = _line_of(text_of(where), ("reminders", "escalate_to"))
            message = f"no subscriber has the id {', '.join(map(repr, unknown))} (known: {', '.join(sorted(known))})"
            found.append(ConfigIssue(where, line, "reminders.escalate_to", message))
    return found


def load_settings(path: Path, texts: Mapping[Path, str] | None = None) -> Settings:
    """Read and check ``duban.toml`` and every plan file beside it; raise
    ``ConfigError`` listing every problem found. ``texts``: files (by
    resolved path) to check with this text in place of what is on disk."""
    path = path.resolve()
    given = dict(texts or {})

    def text_of(file: Path) -> str:
        return given[file] if file in given else file.read_text(encoding="utf-8")

    issues: list[ConfigIssue] = []
    try:
        duban = _validate(DubanFile, path, given.get(path))
    except ConfigError as exc:
        issues += exc.issues
        duban = DubanFile()
    settings = Settings(path.parent, duban)
    plans_dir = (path.parent / duban.service.plans_dir).resolve()
    for plan_path in sorted(plans_dir.glob("*.toml")):
        try:
            plan = _validate(PlanFile, plan_path, given.get(plan_path))
        except ConfigError as exc:
            issues += exc.issues
            continue
        if plan.id in settings.plans:
            issues.append(
                ConfigIssue(
                    plan_path,
                    _line_of(text_of(plan_path), ("id",)),
                    "id",
                    f"plan id {plan.id!r} is also used by {settings.plan_paths[plan.id]}",
                )
            )
            continue
        settings.plans[plan.id] = plan
        settings.plan_paths[plan.id] = plan_path
        source = settings.source_path(plan)
        if "://" not in plan.source and not source.exists():
            line = _line_of(text_of(plan_path), ("source",))
            issues.append(ConfigIssue(plan_path, line, "source", f"no such file: {source}"))
    issues += _unknown_escalations(settings, path, text_of)
    if issues:
        raise ConfigError(issues)
    return settings


class ConfigStore:
    """The running configuration; ``reload`` swaps it only for a valid one."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.current = load_settings(path)
        self.last_error: ConfigError | None = None
        self._stamp = self._fingerprint()

    def _fingerprint(self) -> tuple[tuple[str, float], ...]:
        files = [self.path, *sorted((self.path.parent / self.current.duban.service.plans_dir).glob("*.toml"))]
        return tuple((str(f), f.stat().st_mtime) for f in files if f.exists())

    def changed(self) -> bool:
        return self._fingerprint() != self._stamp

    def reload(self) -> bool:
        """True when a new valid configuration replaced the running one."""
        stamp = self._fingerprint()
        try:
            settings = load_settings(self.path)
        except ConfigError as exc:
            self.last_error = exc
            self._stamp = stamp
            return False
        self.current, self.last_error, self._stamp = settings, None, stamp
        return True
