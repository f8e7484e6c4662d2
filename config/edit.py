"""Configuration edited from the pages and ``duban admin passwd``: a plan
file (or duban.toml) is changed with tomlkit, so its comments and layout
survive, checked as ``duban plans check`` checks it, and written
atomically; a change that does not check out raises ConfigError and leaves
the file as it was."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import AoT, Table

from config.settings import ConfigError, ConfigIssue, load_settings


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


def save(config: Path, edit: TomlEdit) -> None:
    """Check the whole configuration as ``duban plans check`` checks it,
    with the edited file's new text in its place, and write that file. Its
    own problems (file, line, field) raise ConfigError and leave it as it
    was; another file's do not stop it."""
    text = edit.text
    edited = edit.path.resolve()
    try:
        load_settings(config, {edited: text})
    except ConfigError as exc:
        own = [issue for issue in exc.issues if issue.path.resolve() == edited]
        if own:
            raise ConfigError(own) from None
    write_atomically(edit.path, text)
