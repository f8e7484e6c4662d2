"""总览: every task of every monitored plan by owner unit, with its light
(红 overdue, 黄 due within 3 working days, 绿 on track; done and ended
grey), filters, counts per owner and an .xlsx export of the same table."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font, PatternFill
from sqlmodel import col, select

from duban.pages.site import STATUS_WORDS, Site
from scheduler.db import session
from scheduler.keys import unit_key
from scheduler.models import Plan
from scheduler.status import DONE, ENDED, OVERDUE, TaskStatus, task_statuses

SOON_WORKDAYS = 3
LIGHT_WORDS = {"red": "逾期", "yellow": "临期", "green": "正常", "grey": "已办结/已结束"}
_FILLS = {"red": "FDECEA", "yellow": "FFF8E1", "green": "E8F5E9", "grey": "EEEEEE"}


@dataclass(frozen=True)
class Row:
    task: TaskStatus
    light: str  # red, yellow, green, grey

    @property
    def unit(self) -> str:
        return "、".join(self.task.owners) or "未注明"


def light_of(t: TaskStatus, today: dt.date, workdays_until: int | None) -> str:
    if t.status in (DONE, ENDED):
        return "grey"
    if t.status == OVERDUE:
        return "red"
    if workdays_until is not None and workdays_until <= SOON_WORKDAYS:
        return "yellow"
    return "green"


@dataclass(frozen=True)
class Filters:
    plan: str = ""
    owner: str = ""
    light: str = ""
    due_from: dt.date | None = None
    due_to: dt.date | None = None

    @classmethod
    def of(cls, request: Request) -> Filters:
        q = request.query_params

        def day(name: str) -> dt.date | None:
            try:
                return dt.date.fromisoformat(q.get(name, "")) if q.get(name) else None
            except ValueError:
                return None

        return cls(q.get("plan", ""), q.get("owner", "").strip(), q.get("light", ""), day("due_from"), day("due_to"))

    def keeps(self, row: Row) -> bool:
        t = row.task
        if self.plan and not (t.plan_id == self.plan or t.plan_id.startswith(self.plan + "/")):
            return False
        if self.owner and unit_key(self.owner) not in {unit_key(o) for o in t.owners + t.support}:
            return False
        if self.light and row.light != self.light:
            return False
        due = t.overdue_since or t.next_due
        if (self.due_from or self.due_to) and due is None:
            return False
        if self.due_from and due is not None and due < self.due_from:
            return False
        return not (self.due_to and due is not None and due > self.due_to)

    def query(self) -> str:
        parts = {
            "plan": self.plan,
            "owner": self.owner,
            "light": self.light,
            "due_from": self.due_from.isoformat() if self.due_from else "",
            "due_to": self.due_to.isoformat() if self.due_to else "",
        }
        return "&".join(f"{k}={quote(v)}" for k, v in parts.items() if v)


def rows_of(site: Site, filters: Filters) -> list[Row]:
    today = site.today()
    calendar = site.settings.calendar()
    rows = []
    for t in task_statuses(site.engine, today):
        left = None
        if t.next_due is not None and t.next_due >= today:
            left = sum(
                1 for k in range(1, (t.next_due - today).days + 1) if calendar.is_workday(today + dt.timedelta(days=k))
            )
        row = Row(t, light_of(t, today, left))
        if filters.keeps(row):
            rows.append(row)
    return rows


def by_unit(rows: list[Row]) -> list[tuple[str, Counter[str]]]:
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        for unit in row.task.owners or ["未注明"]:
            counts[unit][row.light] += 1
    return sorted(counts.items(), key=lambda kv: (-kv[1]["red"], -kv[1]["yellow"], kv[0]))


def workbook(rows: list[Row], local: Callable[[dt.datetime], str]) -> bytes:
    """The table as offices send it on: one row per task, coloured by its
    light, dates as dates. Written streaming (openpyxl's write-only mode)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("督办总览")
    for letter, width in zip("ABCDEFGHI", (10, 36, 48, 24, 30, 12, 12, 17, 20), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:I{len(rows) + 1}"
    bold = Font(bold=True)
    head = ["状态", "方案", "任务", "牵头单位", "配合单位", "下一时限", "逾期自", "督办升级", "任务编号"]
    sheet.append([_cell(sheet, v, font=bold) for v in head])
    fills = {light: PatternFill("solid", fgColor=colour) for light, colour in _FILLS.items()}
    for row in rows:
        t = row.task
        values: list[Value] = [
            STATUS_WORDS.get(t.status, t.status),
            t.plan,
            t.task,
            "、".join(t.owners),
            "、".join(t.support),
            t.next_due,
            t.overdue_since,
            local(t.escalated) if t.escalated else None,
            t.task_key,
        ]
        sheet.append([_cell(sheet, v, fill=fills[row.light]) for v in values])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


Value = str | dt.date | None


def _cell(sheet: Any, value: Value, font: Font | None = None, fill: PatternFill | None = None) -> Cell:
    # (a day is written as its midnight: Excel keeps dates as instants)
    day = dt.datetime.combine(value, dt.time()) if isinstance(value, dt.date) else value
    cell = WriteOnlyCell(sheet, value=day)
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    if isinstance(value, dt.date):
        cell.number_format = "yyyy-mm-dd"
    return cell


def router(site: Site) -> APIRouter:
    pages = APIRouter(include_in_schema=False)

    @pages.get("/")
    def home() -> RedirectResponse:
        return RedirectResponse("/overview", status_code=303)

    @pages.get("/overview")
    def overview(request: Request) -> HTMLResponse:
        site.require(request)
        filters = Filters.of(request)
        rows = rows_of(site, filters)
        with session(site.engine) as s:
            plans = s.exec(select(Plan).order_by(col(Plan.id))).all()
        return site.page(
            request,
            "overview.html",
            rows=rows,
            counts=by_unit(rows),
            filters=filters,
            plans=plans,
            light_words=LIGHT_WORDS,
            today=site.today(),
        )

    @pages.get("/overview.xlsx")
    def export(request: Request) -> Response:
        site.require(request)
        today = site.today()
        body = workbook(rows_of(site, Filters.of(request)), site.local)
        name = quote(f"督办总览-{today.isoformat()}.xlsx")
        return Response(
            body,
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f"attachment; filename=\"duban-{today}.xlsx\"; filename*=UTF-8''{name}"},
        )

    return pages
