"""``duban parse`` and ``duban text``: a document read, nothing stored."""

from __future__ import annotations

import datetime as dt
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from duban.cli.common import app, console, fail, parse_date, say, table, today

if TYPE_CHECKING:
    from parsers.milestones import Milestone
    from parsers.pipeline import ParseResult, PlanResult


class Format(StrEnum):
    table = "table"
    jsonl = "jsonl"
    ics = "ics"


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
    out = console()
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
        rows = table(
            None,
            ("task", "line", "quote", "kind", "when", "owners"),
            {"task": 2, "quote": 3, "when": 1, "owners": 1},
        )
        last_task = None
        for m in plan.milestones:
            owners = "、".join((m.owners or {}).get("lead", []))
            task = m.task if m.task != last_task else ""
            last_task = m.task
            rows.add_row(task or "", str(m.line), m.quote, m.kind, _when(m), owners)
        out.print(rows)
        if explain:
            for m in plan.milestones:
                note = f"; {m.note}" if m.note else ""
                out.print(
                    f"line {m.line} «{m.quote}»: {m.rule} read «{m.matched}»{note}", markup=False, highlight=False
                )


def _print_references(result: ParseResult, explain: bool = False) -> None:
    for plan in result.plans:
        say(
            f"{plan.title}: reference {plan.reference.date} from {plan.reference.rule}, "
            + (f"period ends {plan.until}, " if plan.until else "")
            + f"{len(plan.milestones)} milestones"
        )
        if explain:
            say(f"  {_issue_words(plan)}; {plan.reference.explain()}")


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
    from parsers.documents import load_document
    from parsers.errors import ParseError
    from parsers.pipeline import parse_document

    reference = parse_date(ref)
    try:
        document = load_document(path)
        result = parse_document(document, ref=reference, imported=today(), doc=doc or path.stem)
    except ParseError as exc:
        raise fail(str(exc)) from None
    if format is Format.table:
        _print_table(result, explain)
        return
    _print_references(result, explain)
    if format is Format.jsonl:
        import json

        for m in result.milestones:
            row = m.as_dict() | ({"explain": m.explain()} if explain else {})
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
    else:
        from notifiers.ical import calendar_of

        stamp = dt.datetime.now(dt.UTC).replace(microsecond=0)
        milestones = ((m, plan.until) for plan in result.plans for m in plan.milestones)
        sys.stdout.buffer.write(calendar_of(milestones, path.stem, stamp).to_ical())


@app.command()
def text(path: Annotated[Path, typer.Argument(help="A plan document")]) -> None:
    """Print the decoded text that milestone line numbers refer to."""
    from parsers.documents import load_document, split_lines
    from parsers.errors import ParseError

    try:
        document = load_document(path)
    except ParseError as exc:
        raise fail(str(exc)) from None
    lines = split_lines(document.text.removesuffix("\n"))  # numbered as the parser numbers them
    width = len(str(len(lines)))
    sys.stdout.write("".join(f"{n:>{width}}  {line}\n" for n, line in enumerate(lines, 1)))
