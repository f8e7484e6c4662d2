"""The milestone record every later part of duban works with."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

KINDS = ("deadline", "range", "start", "recurring", "relative", "ongoing", "unresolved")


@dataclass
class Milestone:
    doc: str
    line: int
    quote: str
    plan: str
    ref: dt.date
    kind: str
    start: dt.date | None = None
    due: dt.date | None = None
    rrule: str | None = None
    offset: dict[str, Any] | None = None
    section: list[str] = field(default_factory=list)
    task: str | None = None
    owners: dict[str, list[str]] | None = None
    phase: str | None = None
    season: str | None = None
    confidence: float = 0.9
    note: str = ""
    rule: str = ""  # the family and reader that read it ("deadlines.day")
    matched: str = ""  # the words it matched, after normalization

    def explain(self) -> dict[str, str]:
        """How it was read: the rule, the words after normalization, and
        the notes on its year and meaning."""
        return {"rule": self.rule, "matched": self.matched, "note": self.note}

    def as_dict(self) -> dict[str, Any]:
        return {
            "doc": self.doc,
            "line": self.line,
            "quote": self.quote,
            "plan": self.plan,
            "ref": self.ref.isoformat(),
            "section": self.section,
            "task": self.task,
            "owners": self.owners,
            "kind": self.kind,
            "start": self.start.isoformat() if self.start else None,
            "due": self.due.isoformat() if self.due else None,
            "rrule": self.rrule,
            "offset": self.offset,
            "phase": self.phase,
            "season": self.season,
            "confidence": round(self.confidence, 2),
            "note": self.note or None,
        }
