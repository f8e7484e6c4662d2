"""Configuration edited from the pages: a plan file (or duban.toml) is
changed with tomlkit, so its comments and layout survive, checked as
``duban plans check`` checks it, and written atomically; a change that
does not check out raises ConfigError and leaves the file as it was."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import AoT, Table

from config.settings import ConfigError, ConfigIssue, DubanFile, PlanFile, Settings, line_of, validate_file


def write_atomically(path: Path, text: str) -> None:
    """Replace a file in one step: readers see the old text or the new."""
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


class TomlEdit:
    """One configuration file, edited in memory and saved when it checks out."""

    def __init__(self, path: Path, text: str | None = None) -> None:
        self.path = path
        self.doc = tomlkit.parse(path.read_text(encoding="utf-8") if text is None else text)

    def set(self, key: str, value: Any) -> None:
        """A top-level key; None removes it."""
        _put(self.doc, key, value)

    def table(self, name: str) -> Table:
        found = self.doc.get(name)
        if found is None:
            found = tomlkit.table()
            self.doc[name] = found
        assert isinstance(found, Table)
        return found

    def set_in(self, table: str, key: str, value: Any) -> None:
        _put(self.table(table), key, value)

    def entries(self, name: str) -> AoT:
        found = self.doc.get(name)
        if found is None:
            found = tomlkit.aot()
            self.doc.add(tomlkit.nl())
            self.doc.append(name, found)
        assert isinstance(found, AoT)
        return found

    def add_entry(self, name: str, fields: dict[str, Any]) -> None:
        """A new ``[[name]]`` entry; empty values are left out."""
        entry = tomlkit.table()
        for key, value in fields.items():
            if value not in (None, "", []):
                entry[key] = value
        self.entries(name).append(entry)

    def remove_entry(self, name: str, index: int) -> None:
        entries = self.entries(name)
        if not 0 <= index < len(entries):
            raise ConfigError([ConfigIssue(self.path, 1, name, f"there is no entry {index + 1}")])
        del entries[index]

    @property
    def text(self) -> str:
        text = tomlkit.dumps(self.doc)
        return text if text.endswith("\n") else text + "\n"


def _put(table: Any, key: str, value: Any) -> None:
    if value is None or value == []:
        if key in table:
            del table[key]
        return
    table[key] = value


def save_plan(settings: Settings, edit: TomlEdit) -> PlanFile:
    """Check a plan file's new text against the running configuration and
    write it; ConfigError (file, line, field) leaves the file untouched."""
    text = edit.text
    plan: PlanFile = validate_file(PlanFile, edit.path, text)
    issues = []
    owner = settings.plan_paths.get(plan.id)
    if owner is not None and owner.resolve() != edit.path.resolve():
        issues.append(ConfigIssue(edit.path, line_of(text, ("id",)), "id", f"plan id {plan.id!r} is used by {owner}"))
    if not plan.is_url:
        source = Path(plan.source)
        source = source if source.is_absolute() else (edit.path.parent / source).resolve()
        if not source.exists():
            issues.append(ConfigIssue(edit.path, line_of(text, ("source",)), "source", f"no such file: {source}"))
    known = {sid for sid, p, _ in settings.subscribers() if p.id != plan.id}
    known |= {sub.id or f"{plan.id}:{i + 1}" for i, sub in enumerate(plan.subscribers)}
    unknown = [n for n in plan.reminders.escalate_to or [] if n not in known]
    if unknown:
        line = line_of(text, ("reminders", "escalate_to"))
        issues.append(ConfigIssue(edit.path, line, "reminders.escalate_to", f"no subscriber has the id {unknown[0]!r}"))
    if issues:
        raise ConfigError(issues)
    write_atomically(edit.path, text)
    return plan


def save_service(edit: TomlEdit) -> DubanFile:
    """Check duban.toml's new text and write it."""
    text = edit.text
    checked: DubanFile = validate_file(DubanFile, edit.path, text)
    write_atomically(edit.path, text)
    return checked
