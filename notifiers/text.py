"""The words of a reminder, shared by the chat robots and email."""

from __future__ import annotations

from notifiers.base import (
    ALERT_EVENT,
    ANSWERED_EVENT,
    CHANGED_EVENT,
    ESCALATED_EVENT,
    OVERDUE_DIGEST_EVENT,
    TEST_EVENT,
    WORDED_EVENTS,
    Notification,
)

TITLES = {
    "reminder.due_soon": "即将到期",
    "reminder.due_today": "今日到期",
    "reminder.overdue": "已逾期",
    CHANGED_EVENT: "方案变更",
    TEST_EVENT: "测试消息",
    ALERT_EVENT: "系统告警",
    ESCALATED_EVENT: "督办升级",
    OVERDUE_DIGEST_EVENT: "逾期汇总",
    ANSWERED_EVENT: "延期申请答复",
}
REPORT_WORDS = "反馈办理情况（办结、事件日期或延期申请）"
TEST_WORDS = "这是一条测试消息，用来确认本订阅能收到督办提醒，无需处理。"


def title(note: Notification) -> str:
    label = TITLES.get(note.event, "提醒")
    if note.event == CHANGED_EVENT:
        return f"【{label}】{note.plan}"
    return f"【{label}】{note.task}" + ("（补发）" if note.late else "")


def change_lines(note: Notification) -> list[str]:
    """A notice's changes, one line each, as the plan's readers say them."""
    return [str(c["words"]) for c in note.changes]


def owners_line(note: Notification) -> str:
    lead = "、".join(note.owners.get("lead", []))
    support = "、".join(note.owners.get("support", []))
    return lead + (f"；配合：{support}" if support else "")


def when(note: Notification) -> str:
    if note.kind == "range" and note.start and note.due:
        return f"{note.start} 至 {note.due}"
    return str(note.due or note.occurrence)


def markdown(note: Notification, *, heading: bool = True) -> str:
    lines = [f"### {title(note)}"] if heading else []
    if note.event == TEST_EVENT:
        return "\n".join([*lines, f"- {TEST_WORDS}", f"- 方案：{note.plan}"])
    if note.event in WORDED_EVENTS:
        lines += [f"- 方案：{note.plan}", f"- {note.task}：{note.detail}"]
        if "admin" in note.links and note.event != ALERT_EVENT:
            lines.append(f"- [查看详情]({note.links['admin']})")
        return "\n".join(lines)
    if note.event == CHANGED_EVENT:
        lines += [f"- {words}" for words in change_lines(note)]
        if "admin" in note.links:
            lines.append(f"- [查看详情]({note.links['admin']})")
        return "\n".join(lines)
    lines += [
        f"- 方案：{note.plan}",
        f"- 任务：{note.task}",
        f"- 时限：{when(note)}（原文第{note.line}行：{note.quote}）",
    ]
    if note.workdays_left is not None:
        lines.append(f"- 剩余工作日：{note.workdays_left}")
    if owners_line(note):
        lines.append(f"- 责任单位：{owners_line(note)}")
    if "report" in note.links:
        lines.append(f"- [{REPORT_WORDS}]({note.links['report']})")
    if "admin" in note.links:
        lines.append(f"- [查看详情]({note.links['admin']})")
    return "\n".join(lines)
