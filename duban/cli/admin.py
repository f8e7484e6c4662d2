"""``duban admin passwd NAME``: an account of the admin pages."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from duban.cli.common import DEFAULT_CONFIG, ConfigOption, app, fail, group, say

admin_app = group("Accounts of the admin pages.")
app.add_typer(admin_app, name="admin")

MIN_LENGTH = 10


@admin_app.command("passwd")
def passwd(
    name: Annotated[str, typer.Argument(help="The account (made if it does not exist)")],
    config: ConfigOption = DEFAULT_CONFIG,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from the first line of standard input")
    ] = False,
) -> None:
    """Set an admin's password (an argon2 hash in duban.toml's [[admins]],
    written with its comments kept). Sessions of the old password end."""
    import getpass

    from config.edit import TomlEdit, save
    from config.settings import ConfigError
    from duban.pages.auth import hash_password

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass(f"new password for {name}: ")
        if getpass.getpass("again: ") != password:
            raise fail("the two passwords differ; nothing changed", 1)
    if len(password) < MIN_LENGTH:
        raise fail(f"a password needs at least {MIN_LENGTH} characters; nothing changed", 1)
    if not config.exists():
        raise fail(f"{config}: no such file", 2)
    edit = TomlEdit(config)
    entries = edit.entries("admins")
    hashed = hash_password(password)
    for entry in entries:
        if entry.get("name") == name:
            entry["password_hash"] = hashed
            break
    else:
        edit.add_entry("admins", {"name": name, "password_hash": hashed})
    try:
        save(config, edit)
    except ConfigError as exc:
        raise fail(f"nothing changed:\n{exc}", 2) from None
    say(f"password of {name} set in {config}")
