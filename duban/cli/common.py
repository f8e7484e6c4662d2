"""What every command shares: the application, messages, dates, the
configuration and the database.

Commands import the parsers, the database layer and the channels inside
their bodies, when they run: ``duban --help`` and ``duban parse`` then load
neither SQLAlchemy, FastAPI nor the delivery channels.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table
    from sqlalchemy.engine import Engine

    from config.settings import Settings

TIMEZONE = "Asia/Shanghai"


def group(help: str, *, listing: bool = False) -> typer.Typer:
    """A command group with plain help (no rich panels, no type labels such
    as ``<bool>`` beside flags). A ``listing`` group lists its things when
    given no subcommand (``duban feeds``)."""
    return typer.Typer(
        add_completion=False,
        rich_markup_mode=None,
        pretty_exceptions_enable=False,
        help=help,
        no_args_is_help=not listing,
        invoke_without_command=listing,
    )


app = group("Deadlines and reminders for Chinese work plans.")

ConfigOption = Annotated[Path, typer.Option("--config", "-c", help="The service configuration")]
DEFAULT_CONFIG = Path("config/duban.toml")
FormatOption = Annotated[str, typer.Option("--format", "-f", help="table or json")]


def group_config(ctx: typer.Context, config: Path) -> Path:
    """The configuration given to a command group ("feeds -c X token"), its
    callback having kept it in ``ctx.obj``, unless the subcommand was given
    one of its own."""
    return ctx.obj if config == DEFAULT_CONFIG and isinstance(ctx.obj, Path) else config


def say(message: str) -> None:
    """One line for the user on standard error."""
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def fail(message: str, code: int = 2) -> typer.Exit:
    say(f"duban: {message}")
    return typer.Exit(code)


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def today(timezone: str = TIMEZONE) -> dt.date:
    from zoneinfo import ZoneInfo

    return dt.datetime.now(ZoneInfo(timezone)).date()


def parse_date(value: str | None, option: str = "--ref") -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise fail(f"{option} {value!r} is not a date (YYYY-MM-DD)") from None


def settings_of(path: Path) -> Settings:
    """The configuration, or every error in it with file and line and exit 1."""
    from config.settings import ConfigError, load_settings

    try:
        return load_settings(path)
    except ConfigError as exc:
        for issue in exc.issues:
            say(str(issue))
        raise fail(f"{len(exc.issues)} configuration error(s)", 1) from None


def engine_of(settings: Settings) -> Engine:
    from scheduler.db import create_all, database_url, make_engine

    engine = make_engine(database_url(settings.database_url()))
    create_all(engine)
    return engine


def console(stderr: bool = False) -> Console:
    from rich.console import Console

    return Console(stderr=stderr)


def table(
    title: str | None, columns: tuple[str, ...], wide: dict[str, int] | None = None, wrap: tuple[str, ...] = ()
) -> Table:
    """A table whose cells stay on one line, cut with an ellipsis at the
    terminal's width, except the ``wrap`` columns (an error message is read
    whole). ``wide`` columns share the room left by the others in the given
    ratios (a task 3, its owners 2); the others keep their width."""
    from rich.table import Table

    out = Table(title=title, expand=True)
    for column in columns:
        ratio = (wide or {}).get(column)
        folded = column in wrap
        out.add_column(
            column,
            overflow="fold" if folded else "ellipsis",
            no_wrap=not folded,
            ratio=ratio,
            min_width=None if ratio else len(column),
        )
    return out


def write_json(value: object) -> None:
    import json

    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=1, default=str) + "\n")
