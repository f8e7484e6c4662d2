"""The ``duban`` command."""

from __future__ import annotations

import datetime as dt
import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.table import Table

from notifiers.ical import calendar_of
from parsers.documents import load_document
from parsers.errors import ParseError
from parsers.milestones import Milestone
from parsers.pipeline import ParseResult, parse_document

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


def _parse_ref(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise _fail(f"--ref {value!r} is not a date (YYYY-MM-DD)") from None


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


def _print_table(result: ParseResult) -> None:
    out = Console()
    for plan in result.plans:
        out.rule(f"[bold]{plan.title}[/] (lines {plan.first_line}-{plan.last_line})")
        out.print(f"reference date {plan.reference.date} (from {plan.reference.rule})", style="dim")
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


def _print_references(result: ParseResult) -> None:
    for plan in result.plans:
        err.print(
            f"{plan.title}: reference {plan.reference.date} from {plan.reference.rule}, "
            f"{len(plan.milestones)} milestones",
            markup=False,
            highlight=False,
        )


@app.command()
def parse(
    path: Annotated[Path, typer.Argument(help="A plan: .txt (any Chinese encoding), .docx, .pdf or .html")],
    ref: Annotated[str | None, typer.Option(help="Reference date YYYY-MM-DD for every plan")] = None,
    format: Annotated[Format, typer.Option("--format", "-f", help="table, jsonl or ics")] = Format.table,
    doc: Annotated[str | None, typer.Option(help="Document name written into each milestone")] = None,
) -> None:
    """Read a plan and print its milestones."""
    reference = _parse_ref(ref)
    try:
        document = load_document(path)
        result = parse_document(document, ref=reference, imported=_today(), doc=doc or path.stem)
    except ParseError as exc:
        raise _fail(str(exc)) from None
    if format is Format.table:
        _print_table(result)
        return
    _print_references(result)
    if format is Format.jsonl:
        for m in result.milestones:
            sys.stdout.write(json.dumps(m.as_dict(), ensure_ascii=False) + "\n")
    else:
        stamp = dt.datetime.now(dt.UTC).replace(microsecond=0)
        sys.stdout.buffer.write(calendar_of(result.milestones, path.stem, stamp).to_ical())


@app.command()
def text(path: Annotated[Path, typer.Argument(help="A plan document")]) -> None:
    """Print the decoded text that milestone line numbers refer to."""
    try:
        document = load_document(path)
    except ParseError as exc:
        raise _fail(str(exc)) from None
    sys.stdout.write(document.text if document.text.endswith("\n") else document.text + "\n")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
