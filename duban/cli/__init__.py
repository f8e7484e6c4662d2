"""The ``duban`` command. Each command lives in the module named for what
it works on and imports what it needs when it runs."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from duban.cli import admin, deliveries, feeds, plans, reading, remind, serve, subscribers, tasks
from duban.cli.common import app, say

__all__ = ["app", "main"]
COMMANDS = (reading, plans, tasks, remind, subscribers, deliveries, feeds, serve, admin)  # registered on import


def _say_warning(message: Warning | str, category: type[Warning], *_: object, **__: object) -> None:
    """A warning meant for the admin (the holiday data of a year is missing)
    is said once, in plain words, without the Python source line."""
    say(f"duban: {message}")


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

    from parsers.errors import HolidayDataMissing

    warnings.showwarning = _say_warning
    warnings.simplefilter("default", HolidayDataMissing)


def main() -> None:
    app()
